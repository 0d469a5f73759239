"""Every lecture notebook runs top to bottom (COURSE_FAST=1) and shows sound and figures.

Homework notebooks (notebooks/homework/) have tests of their own. Committed notebooks carry
no outputs. Executing a notebook writes nothing into the repository.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
LECTURES = sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))
ALL_NOTEBOOKS = sorted(NOTEBOOKS.rglob("*.ipynb"))
IGNORED = {".venv", "build", ".git", ".pytest_cache", "__pycache__", ".ruff_cache",
           ".hypothesis", ".ipynb_checkpoints"}


def _repository_files() -> dict[str, float]:
    files = {}
    for path in ROOT.rglob("*"):
        parts = set(path.relative_to(ROOT).parts)
        if path.is_file() and not parts & IGNORED and not any(p.endswith(".egg-info")
                                                              for p in parts):
            files[str(path.relative_to(ROOT))] = path.stat().st_mtime
    return files


def _needs_torch(path: Path) -> bool:
    """True for a notebook that imports torch or course_lib.unet (the unet extra).

    One CI leg runs without torch, as a student who skipped the extra would: there such a
    notebook is skipped with its reason, and every other notebook must still run.
    """
    code = "\n".join("".join(cell["source"]) for cell in json.loads(path.read_text())["cells"]
                     if cell["cell_type"] == "code")
    return any(marker in code for marker in ("import torch", "course_lib.unet",
                                             "from course_lib import unet"))


@pytest.mark.parametrize("path", ALL_NOTEBOOKS, ids=lambda p: p.name)
def test_committed_notebook_has_no_outputs(path):
    notebook = json.loads(path.read_text())
    for i, cell in enumerate(notebook["cells"]):
        if cell["cell_type"] == "code":
            assert not cell.get("outputs"), f"cell {i} of {path.name} has outputs: strip them"
            assert cell.get("execution_count") is None, f"cell {i} has an execution count"


def test_there_are_lecture_notebooks():
    assert LECTURES, "no lecture notebooks found in notebooks/"


@pytest.mark.slow
@pytest.mark.parametrize("path", LECTURES, ids=lambda p: p.name)
def test_lecture_notebook_runs_and_shows_sound_and_figures(path, monkeypatch, tmp_path_factory):
    import nbclient
    import nbformat

    if _needs_torch(path):
        pytest.importorskip("torch", reason=f"{path.name} needs the unet extra (torch)")
    monkeypatch.setenv("COURSE_FAST", "1")
    monkeypatch.setenv("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    before = _repository_files()
    notebook = nbformat.read(path, as_version=4)
    # a last cell asks the kernel itself whether it ran in fast mode
    notebook.cells.append(nbformat.v4.new_code_cell(
        "import course_lib; print('fast mode:', course_lib.fast_mode())"))
    client = nbclient.NotebookClient(notebook, timeout=600, kernel_name="python3",
                                     resources={"metadata": {"path": str(NOTEBOOKS)}})
    client.execute()
    kinds = [set(output.get("data", {})) for cell in notebook.cells
             for output in cell.get("outputs", [])]
    html = [output["data"]["text/html"] for cell in notebook.cells
            for output in cell.get("outputs", []) if "text/html" in output.get("data", {})]
    assert any("image/png" in k for k in kinds), f"{path.name} shows no figure"
    assert any("<audio" in h for h in html), f"{path.name} has no audio player"
    assert _repository_files() == before, "executing the notebook wrote into the repository"
    last = "".join(output.get("text", "") for output in notebook.cells[-1].outputs)
    assert last.strip() == "fast mode: True", f"the kernel did not run in fast mode: {last!r}"
    # tests/test_site.py builds the website from these, rather than executing them again
    notebook.cells.pop()
    executed = tmp_path_factory.getbasetemp() / "executed-notebooks"
    executed.mkdir(exist_ok=True)
    nbformat.write(notebook, executed / path.name)


@pytest.mark.parametrize("path", LECTURES, ids=lambda p: p.name)
def test_lecture_notebook_opens_with_badge_setup_and_closes_with_exercises(path):
    import course_lib

    notebook = json.loads(path.read_text())
    cells = notebook["cells"]
    first, setup = "".join(cells[0]["source"]), "".join(cells[1]["source"])
    badge = f"colab.research.google.com/github/{course_lib.REPOSITORY_URL.split('github.com/')[1]}"
    assert badge in first and f"notebooks/{path.name}" in first, "Colab badge missing or stale"
    assert cells[1]["cell_type"] == "code" and course_lib.REPOSITORY_URL in setup
    assert "google.colab" in setup
    text = "".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")
    assert "## Exercises" in text and "## References" in text
