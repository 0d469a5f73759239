"""The install files agree with each other, and the package imports light."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

ROOT = Path(__file__).resolve().parent.parent

# conda-forge names that differ from the PyPI names
CONDA_TO_PYPI = {"pysoundfile": "soundfile", "pytorch": "torch"}


def _name(requirement: str) -> str:
    return re.split(r"[<>=!~\[ ;]", requirement.strip(), maxsplit=1)[0].lower()


def _pyproject_packages() -> dict[str, set[str]]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    groups = {"runtime": {_name(r) for r in project["dependencies"]}}
    for extra, requirements in project["optional-dependencies"].items():
        groups[extra] = {_name(r) for r in requirements}
    return groups


def _environment_packages() -> tuple[set[str], set[str]]:
    """(conda packages, pip packages) of environment.yml, read without a YAML library."""
    conda, pip, in_pip = set(), set(), False
    for line in (ROOT / "environment.yml").read_text().splitlines():
        line = line.split("#", 1)[0].rstrip()
        stripped = line.strip()
        if stripped == "- pip:":
            in_pip = True
            continue
        if not stripped.startswith("- "):
            continue
        item = stripped[2:].strip()
        indent = len(line) - len(line.lstrip())
        if in_pip and indent >= 6:
            if not item.startswith("-e"):
                pip.add(_name(item))
        elif indent == 2 and item != "conda-forge":
            in_pip = False
            conda.add(CONDA_TO_PYPI.get(_name(item), _name(item)))
    return conda, pip


def test_environment_yml_lists_the_same_packages_as_pyproject():
    groups = _pyproject_packages()
    assert set(groups) >= {"runtime", "lab", "unet", "dev"}
    conda, pip = _environment_packages()
    assert not conda & pip, f"listed twice: {conda & pip}"
    expected = set().union(*groups.values())
    listed = (conda | pip) - {"python", "pip"}
    assert listed == expected, (
        f"only in pyproject: {sorted(expected - listed)}; "
        f"only in environment.yml: {sorted(listed - expected)}"
    )
    assert {"python", "pip"} <= conda


def test_design_card_packages_are_dependencies():
    groups = _pyproject_packages()
    for package in ("numpy", "scipy", "librosa", "matplotlib", "ipywidgets", "scikit-learn",
                    "museval", "soundfile", "tqdm"):
        assert package in groups["runtime"], package
    assert groups["lab"] == {"jupyterlab"}
    assert groups["unet"] == {"torch"}
    assert {"pytest", "hypothesis", "ruff", "norbert"} <= groups["dev"]
    # torch stays unpinned for Colab; the Makefile pins it for this course's machines
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["optional-dependencies"]["unet"] == ["torch"]
    assert "torch==2.13.0" in (ROOT / "Makefile").read_text()


def test_readme_test_command_is_what_ci_runs():
    readme = (ROOT / "README.md").read_text()
    assert "make test" in readme and "make lab" in readme
    assert (ROOT / ".ci" / "run").read_text().rstrip().endswith("make test")


def test_import_is_light():
    code = (
        "import sys, course_lib, course_lib.data, course_lib.audio;"
        "heavy = [m for m in ('torch', 'sklearn', 'museval', 'ipywidgets', 'matplotlib')"
        " if m in sys.modules]; print(heavy)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
