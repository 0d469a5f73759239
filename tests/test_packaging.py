"""The install files agree with each other, the install scripts decide right, and the package
imports light."""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import types
from pathlib import Path

import pytest

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

ROOT = Path(__file__).resolve().parent.parent

# conda-forge names that differ from the PyPI names
CONDA_TO_PYPI = {"pysoundfile": "soundfile", "pytorch": "torch"}
# What conda-forge does not carry, and so environment.yml installs with pip (and nothing else).
PIP_SECTION = {"museval", "norbert"}


# ---------------------------------------------------------------------------
# pyproject.toml and environment.yml
# ---------------------------------------------------------------------------


def _split(requirement: str) -> tuple[str, str]:
    """("numpy", ">=1.24") from "numpy>=1.24"; environment markers and spaces dropped."""
    requirement = requirement.split(";", 1)[0].replace(" ", "")
    name = re.split(r"[<>=!~\[]", requirement, maxsplit=1)[0]
    spec = requirement[len(name):]
    if spec.startswith("["):  # extras
        spec = spec[spec.index("]") + 1:]
    return name.lower(), spec


def pyproject_requirements(text: str) -> dict[str, dict[str, str]]:
    """{group: {package: version bound}}, group "runtime" or an extra's name."""
    project = tomllib.loads(text)["project"]
    groups = {"runtime": dict(_split(r) for r in project["dependencies"])}
    for extra, requirements in project["optional-dependencies"].items():
        groups[extra] = dict(_split(r) for r in requirements)
    return groups


def environment_requirements(text: str) -> tuple[dict[str, str], dict[str, str], list[str]]:
    """(conda {package: bound}, pip {package: bound}, the pip section's `-e` lines) of
    environment.yml, read without a YAML library; conda names are turned into PyPI names."""
    conda, pip, editable, in_pip = {}, {}, [], False
    for line in text.splitlines():
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
            if item.startswith("-e"):
                editable.append(item)
            else:
                name, spec = _split(item)
                pip[name] = spec
        elif indent == 2 and item != "conda-forge":
            in_pip = False
            name, spec = _split(item)
            conda[CONDA_TO_PYPI.get(name, name)] = spec
    return conda, pip, editable


def environment_problems(pyproject_text: str, environment_text: str) -> list[str]:
    """What makes environment.yml disagree with pyproject.toml; [] when they agree."""
    problems = []
    expected: dict[str, str] = {}
    for group, requirements in pyproject_requirements(pyproject_text).items():
        for name, spec in requirements.items():
            if expected.get(name, spec) != spec:
                problems.append(f"pyproject.toml bounds {name} twice: {expected[name]} and "
                                f"{spec} ({group})")
            expected[name] = spec
    conda, pip, editable = environment_requirements(environment_text)
    for name in sorted(set(conda) & set(pip)):
        problems.append(f"{name} is in both the conda and the pip section")
    listed = {**conda, **pip}
    listed_extra = set(listed) - set(expected) - {"python", "pip"}
    for name in sorted(set(expected) - set(listed)):
        problems.append(f"{name} is in pyproject.toml but not in environment.yml")
    for name in sorted(listed_extra):
        problems.append(f"{name} is in environment.yml but not in pyproject.toml")
    for name in sorted(set(expected) & set(listed)):
        if listed[name] != expected[name]:
            problems.append(f"{name}: pyproject.toml says {expected[name] or 'no bound'}, "
                            f"environment.yml {listed[name] or 'no bound'}")
    if set(pip) != PIP_SECTION:
        problems.append(f"the pip section holds {sorted(pip)}, expected {sorted(PIP_SECTION)} "
                        "(what conda-forge does not carry); the rest belongs to conda")
    if not {"python", "pip"} <= set(conda):
        problems.append("the conda section must list python and pip")
    elif conda["python"] != ">=3.10":
        problems.append(f"python{conda['python']} in environment.yml, the course needs >=3.10")
    if editable != ["-e ."]:
        problems.append(f"the pip section must install the course with `-e .`, has {editable}")
    return problems


PYPROJECT = (ROOT / "pyproject.toml").read_text()
ENVIRONMENT = (ROOT / "environment.yml").read_text()


def test_environment_yml_lists_the_same_packages_and_bounds_as_pyproject():
    assert environment_problems(PYPROJECT, ENVIRONMENT) == []
    conda, pip, _ = environment_requirements(ENVIRONMENT)
    assert {"numpy", "librosa", "ipywidgets", "jupyterlab", "torch", "pytest"} <= set(conda)
    assert set(pip) == {"museval", "norbert"}


def _replace(text: str, old: str, new: str) -> str:
    assert text.count(old) == 1, old
    return text.replace(old, new)


@pytest.mark.parametrize(
    ("which", "old", "new", "problem"),
    [
        # a changed version bound, on either side
        ("environment", "  - numpy>=1.24\n", "  - numpy>=1.26\n", "numpy: pyproject.toml says"),
        ("pyproject", '"ipywidgets>=7.6"', '"ipywidgets>=8"', "ipywidgets: pyproject.toml says"),
        ("environment", "  - pysoundfile>=0.12", "  - pysoundfile", "soundfile: pyproject"),
        ("pyproject", '"scipy>=1.10"', '"scipy"', "scipy: pyproject.toml says no bound"),
        # a package moved from the pip section to the conda section, and back
        ("environment", "      - museval>=0.4", "  - museval>=0.4\n  - pip:", "the pip section"),
        ("environment", "  - tqdm>=4.60\n", "", "the pip section holds"),
        # a package missing on either side
        ("environment", "  - mido>=1.3\n", "", "mido is in pyproject.toml but not"),
        ("pyproject", '"tqdm>=4.60",', "", "tqdm is in environment.yml but not"),
        # the course itself not installed
        ("environment", "      - -e .", "      - .", "`-e .`"),
        ("environment", "      - -e .", "", "`-e .`"),
        # two extras that disagree
        ("pyproject", 'data = ["mido>=1.3"]', 'data = ["mido>=1.2"]', "bounds mido twice"),
    ],
)
def test_environment_check_catches(which, old, new, problem):
    pyproject, environment = PYPROJECT, ENVIRONMENT
    if which == "environment":
        environment = _replace(environment, old, new)
        if old == "  - tqdm>=4.60\n":  # moved into the pip section
            environment = _replace(environment, "      - -e .", "      - tqdm>=4.60\n      - -e .")
    else:
        pyproject = _replace(pyproject, old, new)
    problems = environment_problems(pyproject, environment)
    assert any(problem in p for p in problems), problems


def test_design_card_packages_are_dependencies():
    groups = pyproject_requirements(PYPROJECT)
    for package in ("numpy", "scipy", "librosa", "matplotlib", "ipywidgets", "scikit-learn",
                    "museval", "soundfile", "tqdm"):
        assert package in groups["runtime"], package
    # Colab ships ipywidgets 7.7.1: a bound of >=8 would replace it under the running kernel
    assert groups["runtime"]["ipywidgets"] == ">=7.6"
    assert set(groups["lab"]) == {"jupyterlab"}
    assert {"pytest", "hypothesis", "ruff", "norbert"} <= set(groups["dev"])
    # torch stays unpinned for Colab; scripts/install_torch.py picks the build elsewhere
    project = tomllib.loads(PYPROJECT)["project"]
    assert project["optional-dependencies"]["unet"] == ["torch"]
    makefile = (ROOT / "Makefile").read_text()
    assert "scripts/install_torch.py" in makefile
    assert re.search(r"^TORCH *\?=$", makefile, re.M), "no torch pin by default: the script picks"


def test_readme_test_command_is_what_ci_runs():
    readme = (ROOT / "README.md").read_text()
    assert "make test" in readme and "make lab" in readme
    ci = (ROOT / ".ci" / "run").read_text().splitlines()
    assert "make test" in [line.strip() for line in ci]


def test_import_is_light():
    code = (
        "import sys, course_lib, course_lib.data, course_lib.audio;"
        "heavy = [m for m in ('torch', 'sklearn', 'museval', 'ipywidgets', 'matplotlib')"
        " if m in sys.modules]; print(heavy)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


# ---------------------------------------------------------------------------
# scripts/install_torch.py
# ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def install_torch():
    spec = importlib.util.spec_from_file_location("install_torch",
                                                  ROOT / "scripts" / "install_torch.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _never():
    raise AssertionError("this probe should not run")


def _facts(**changes):
    facts = dict(platform="linux", python_version=(3, 11, 7), torch_override=None,
                 torch_version=None, offline_wheel=None, has_gpu=False)
    facts.update(changes)
    return facts


@pytest.mark.parametrize(
    ("changes", "action", "pip_args"),
    [
        # TORCH overrides everything, and no probe runs
        ({"torch_override": "torch==2.13.0", "torch_version": _never, "offline_wheel": _never,
          "has_gpu": _never}, "install", ("torch==2.13.0",)),
        ({"torch_override": "torch --index-url https://download.pytorch.org/whl/cu126",
          "torch_version": "2.13.0"},
         "install", ("torch", "--index-url", "https://download.pytorch.org/whl/cu126")),
        # an importable torch stays, whatever else is true
        ({"torch_version": "2.5.1+cu121", "offline_wheel": _never, "has_gpu": _never},
         "keep", ()),
        ({"torch_override": "  ", "torch_version": "2.13.0", "platform": "darwin"}, "keep", ()),
        # a wheel pip finds without an index comes before any index
        ({"offline_wheel": "/opt/wheels/torch-2.13.0+cpu-cp311-cp311-linux_x86_64.whl",
          "has_gpu": _never},
         "install", ("/opt/wheels/torch-2.13.0+cpu-cp311-cp311-linux_x86_64.whl",)),
        ({"offline_wheel": "/w/torch.whl", "platform": "darwin"}, "install", ("/w/torch.whl",)),
        # Linux without a GPU: the CPU index, not the CUDA build
        ({}, "install", ("torch", "--index-url", "https://download.pytorch.org/whl/cpu")),
        ({"has_gpu": lambda: False}, "install",
         ("torch", "--index-url", "https://download.pytorch.org/whl/cpu")),
        # plain torch: Linux with a GPU, macOS, Windows (no GPU probe off Linux)
        ({"has_gpu": True}, "install", ("torch",)),
        ({"platform": "darwin", "has_gpu": _never}, "install", ("torch",)),
        ({"platform": "win32", "has_gpu": _never}, "install", ("torch",)),
    ],
)
def test_install_torch_decides(install_torch, changes, action, pip_args):
    decision = install_torch.decide(**_facts(**changes))
    assert (decision.action, tuple(decision.pip_args)) == (action, pip_args)
    assert decision.reason and "\n" not in decision.reason


@pytest.mark.parametrize("platform", ["darwin", "linux", "win32"])
def test_install_torch_checks_python_first(install_torch, platform):
    decision = install_torch.decide(**_facts(
        platform=platform, python_version=(3, 9, 6), torch_override="torch==2.13.0",
        torch_version=_never, offline_wheel=_never, has_gpu=_never))
    assert decision.action == "stop" and decision.pip_args == ()
    assert "Python 3.9.6 is too old" in decision.reason and "3.10 or newer" in decision.reason
    assert "3.12" in decision.reason  # what to install instead
    if platform == "darwin":
        assert "python.org" in decision.reason and "brew" in decision.reason


@pytest.mark.parametrize(("version", "ok"), [((3, 10, 0), True), ((3, 13, 1), True),
                                             ((3, 9, 18), False), ((2, 7, 18), False)])
def test_install_torch_python_problem(install_torch, version, ok):
    assert (install_torch.python_problem(version, "linux") is None) == ok


def test_install_torch_dry_run_installs_nothing(install_torch, monkeypatch, capsys):
    monkeypatch.setenv("TORCH", "torch==0.0.1")
    monkeypatch.setattr(install_torch.subprocess, "run", lambda *a, **k: _never())
    assert install_torch.main(["--dry-run"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("install_torch: TORCH is set")
    assert out[1].split()[-4:] == ["-m", "pip", "install", "torch==0.0.1"]
    assert install_torch.main(["--check-python"]) == 0


def test_install_torch_parses_on_old_python():
    """An old Python must reach the version message, not a SyntaxError."""
    pyenv = Path(os.path.expanduser("~/.pyenv/versions"))
    candidates = [shutil.which("python3.9"), shutil.which("python3.8"),
                  *sorted(pyenv.glob("3.[789].*/bin/python3"))]
    old = [p for p in candidates
           if p and subprocess.run([str(p), "-V"], capture_output=True).returncode == 0]
    if not old:
        pytest.skip("no Python 3.7-3.9 on this machine")
    done = subprocess.run([str(old[0]), str(ROOT / "scripts" / "install_torch.py"), "--dry-run"],
                          capture_output=True, text=True)
    assert done.returncode == 1 and "is too old for the course" in done.stderr, done.stderr


# ---------------------------------------------------------------------------
# Makefile
# ---------------------------------------------------------------------------

needs_make = pytest.mark.skipif(shutil.which("make") is None, reason="no make on this machine")


def _make(*args, **env):
    return subprocess.run(["make", "--no-print-directory", "-C", str(ROOT), *args],
                          capture_output=True, text=True, env={**os.environ, **env}, timeout=120)


@needs_make
def test_make_lab_installs_lab_and_unet_but_not_dev(tmp_path):
    venv = tmp_path / "venv"
    lab = _make("-n", "lab", f"VENV={venv}").stdout
    assert '-e ".[lab,unet]"' in lab and ",dev]" not in lab
    assert lab.index("scripts/install_torch.py\n") < lab.index('-e ".[lab,unet]"')
    assert "--allow-root" in lab  # added when run as root
    test = _make("-n", "test", f"VENV={venv}").stdout
    assert '-e ".[lab,unet,dev]"' in test and "pytest" in test


@needs_make
def test_make_rebuilds_a_half_made_venv(tmp_path):
    """What Ubuntu without python3-venv leaves: a venv without pip, and a failed exit status."""
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    fake = tmp_path / "python3"
    fake.write_text(
        "#!/bin/sh\n"
        'if [ "$1" = "-m" ] && [ "$2" = venv ]; then\n'
        f'  "{sys.executable}" -m venv --without-pip "$3"\n'
        '  echo "The virtual environment was not created successfully because ensurepip is not '
        'available." >&2\n'
        "  exit 1\n"
        "fi\n"
        f'exec "{sys.executable}" "$@"\n'
    )
    fake.chmod(0o755)
    done = _make("lab", f"VENV={venv}", f"PYTHON={fake}", TORCH="")
    assert done.returncode != 0
    assert "incomplete" in done.stdout
    minor = f"{sys.version_info[0]}.{sys.version_info[1]}"
    assert f"sudo apt install python{minor}-venv" in done.stdout
    assert not venv.exists(), "the half-made venv must go, so that the next run starts afresh"


# ---------------------------------------------------------------------------
# The notebooks' Colab setup cell
# ---------------------------------------------------------------------------

LECTURES = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))


def _setup_cell(path: Path) -> str:
    cells = json.loads(path.read_text())["cells"]
    return "".join(next(c for c in cells if c["cell_type"] == "code")["source"])


@pytest.fixture
def course_lib_modules_kept():
    """The setup cell forgets course_lib's modules; give the other tests theirs back."""
    saved = {k: v for k, v in sys.modules.items() if k.split(".")[0] == "course_lib"}
    yield
    for name in [m for m in sys.modules if m.split(".")[0] == "course_lib"]:
        del sys.modules[name]
    sys.modules.update(saved)


class _Recorder:
    """A stand-in for the subprocess module: records the commands, runs nothing."""

    def __init__(self):
        self.commands = []

    def run(self, command, **kwargs):
        self.commands.append(list(command))
        return subprocess.CompletedProcess(command, 0, b"", b"")


@pytest.mark.parametrize("path", LECTURES, ids=lambda p: p.name)
@pytest.mark.parametrize("data_found", [True, False])
def test_colab_setup_cell_installs_only_when_course_lib_does_not_work(
        path, data_found, tmp_path, monkeypatch, course_lib_modules_kept):
    import course_lib

    source = _setup_cell(path)
    assert f'REPOSITORY_URL = "{course_lib.REPOSITORY_URL}"' in source
    clone = tmp_path / "course"
    clone.mkdir()  # the folder exists, as after an interrupted install: that must not matter
    source = _replace(source, '"/content/course"', repr(str(clone)))
    recorder = _Recorder()
    monkeypatch.setitem(sys.modules, "google", types.ModuleType("google"))
    monkeypatch.setitem(sys.modules, "google.colab", types.ModuleType("google.colab"))
    monkeypatch.setitem(sys.modules, "subprocess", recorder)
    monkeypatch.setattr(sys, "path", list(sys.path))
    if not data_found:
        monkeypatch.setenv("COURSE_LIB_DATA", str(tmp_path / "nowhere"))
    namespace = {"__name__": "__main__"}
    if data_found:
        exec(compile(source, path.name, "exec"), namespace)
        assert recorder.commands == []
        return
    # course_lib imports but finds no data: clone again, install, and say so if it still fails
    with pytest.raises(RuntimeError, match=re.escape(course_lib.REPOSITORY_URL)):
        exec(compile(source, path.name, "exec"), namespace)
    clones = [c for c in recorder.commands if c[:2] == ["git", "clone"]]
    assert clones == [["git", "clone", "--depth", "1", course_lib.REPOSITORY_URL, str(clone)]]
    pips = [c for c in recorder.commands if c[1:4] == ["-m", "pip", "install"]]
    assert pips and pips[0][-2:] == ["-e", str(clone)]  # no [lab,unet] extras on Colab
    assert str(clone) in sys.path


@pytest.mark.parametrize("path", LECTURES, ids=lambda p: p.name)
def test_setup_cell_outside_colab_only_imports(path, monkeypatch):
    monkeypatch.delitem(sys.modules, "google.colab", raising=False)
    recorder = _Recorder()
    monkeypatch.setitem(sys.modules, "subprocess", recorder)
    namespace = {"__name__": "__main__"}
    exec(compile(_setup_cell(path), path.name, "exec"), namespace)
    assert recorder.commands == []
    assert set(namespace) - {"__builtins__", "__name__"} == {"sys", "REPOSITORY_URL", "course_lib"}
