"""Build the homework from the Otter master notebooks in source/ (what `make homework` runs).

For each ``source/hwNN_*.ipynb`` it runs Otter Assign into ``build/homework/hwNN_*/``
(which also executes the solutions against the tests), then

- copies the student notebook to ``notebooks/homework/hwNN_*.ipynb``, without outputs or
  execution counts (these are committed);
- copies the public tests to ``notebooks/homework/tests/`` (question names are unique across
  the homework, ``hw01_q1`` ..., so one folder serves every notebook; committed);
- copies the autograder zip to ``build/homework/hwNN_*-autograder.zip`` (not committed), which
  ``grade.py`` uses.

Usage: ``python notebooks/homework/build.py [hw01_stft ...]`` (all homework by default).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import nbformat

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
SOURCE = HERE / "source"
BUILD = ROOT / "build" / "homework"
TESTS = HERE / "tests"


def strip(path: Path) -> None:
    """Remove outputs and execution counts, so the committed notebook is clean."""
    notebook = nbformat.read(path, as_version=4)
    for cell in notebook.cells:
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
    nbformat.write(notebook, path)


def build(name: str) -> None:
    master = SOURCE / f"{name}.ipynb"
    out = BUILD / name
    shutil.rmtree(out, ignore_errors=True)
    otter = Path(sys.executable).with_name("otter")
    command = [str(otter) if otter.exists() else "otter", "assign", master.name, str(out)]
    print(f"== {name}: {' '.join(command)}", flush=True)
    subprocess.run(command, cwd=SOURCE, check=True)
    student = HERE / f"{name}.ipynb"
    shutil.copyfile(out / "student" / f"{name}.ipynb", student)
    strip(student)
    TESTS.mkdir(exist_ok=True)
    prefix = name.split("_")[0] + "_"
    for old in TESTS.glob(f"{prefix}*.py"):
        old.unlink()
    for test in sorted((out / "student" / "tests").glob("*.py")):
        shutil.copyfile(test, TESTS / test.name)
    (zip_file,) = (out / "autograder").glob("*-autograder_*.zip")
    shutil.copyfile(zip_file, BUILD / f"{name}-autograder.zip")
    print(f"   wrote {student.relative_to(ROOT)}, tests/{prefix}*.py and "
          f"{(BUILD / (name + '-autograder.zip')).relative_to(ROOT)}")


def main(names: list[str]) -> None:
    names = names or sorted(p.stem for p in SOURCE.glob("hw[0-9][0-9]_*.ipynb"))
    for name in names:
        if not (SOURCE / f"{name}.ipynb").is_file():
            raise SystemExit(f"no master notebook {SOURCE / name}.ipynb")
        build(name)


if __name__ == "__main__":
    main(sys.argv[1:])
