"""The notebooks' Colab path, run the way it runs on Colab (issue 15).

On Colab a notebook's setup cell finds no ``course_lib``, clones the repository shallowly into
/content/course and installs it from the clone with ``pip install -e`` (no extras), inside the
running kernel, without touching Colab's own Jupyter, ipywidgets or torch. This test does the
same here, with no network to GitHub:

* **Colab's role** is played by a virtual environment pre-seeded with the exact versions that
  Colab's image holds of everything the kernel and the course touch (``COLAB_PINS`` below:
  ipykernel 6.17.1, ipython 7.34.0, ipywidgets 7.7.1, numpy 2.1.3, scipy, librosa, ...), built
  from the base interpreter without the system site-packages (so neither .venv's packages nor
  the base interpreter's leak in). It is built once (about a minute, from PyPI) and kept in
  ``.venv/colab-role/`` (so ``make clean`` removes it and git ignores it), keyed on the pins and
  the Python version; each test works on a fresh copy of it (a few seconds), so every run
  installs the course from scratch, as Colab does (which is also why a change of pyproject.toml
  needs no rebuild: the seed holds Colab's packages only).
* **The repository** is a one-commit snapshot of this work tree (tracked files and untracked
  ones that git does not ignore: what a commit of the work tree would hold), so that
  uncommitted changes are tested too; in CI it equals the commit under test. The setup cell
  clones it with its own ``git clone --depth 1 REPOSITORY_URL CLONE``, REPOSITORY_URL being
  ``file://<snapshot>`` (a shallow clone of a local path needs ``file://``).
* **The notebook** is a copy whose setup cell differs from the committed one in two strings
  only, each asserted to occur exactly once: the ``REPOSITORY_URL = "..."`` assignment, and
  ``"/content/course"`` (the clone folder: a temporary ``content/course``). ``google.colab`` is
  faked as Colab loads it, before any cell: an IPython startup file of the kernel puts a stub
  module into ``sys.modules``.
* **The kernel** is that environment's own ipykernel (a kernel spec pointing at its python),
  driven by nbclient from the test process, started in an unrelated working directory (the
  temporary ``content/``, as Colab's /content) with ``COURSE_FAST=1`` and without PYTHONPATH,
  VIRTUAL_ENV or COURSE_LIB_DATA.

Then it checks that the notebook ran top to bottom in that one kernel (no restart), that
``course_lib`` was imported from the clone and found its audio there, and, from ``pip list``
before and after, that the install added packages but changed or removed none of Colab's
(ipywidgets, ipykernel, ipython, jupyter_client, traitlets, tornado, numpy, ...) and brought
no torch, and that pip reported no dependency conflict.

Slow (about a minute per notebook, and about one more the first time, to build Colab's
role), so it runs only when ``COURSE_COLAB_PATH=1`` is set; otherwise it skips with that reason.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import queue
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
CACHE = ROOT / ".venv" / "colab-role"
LECTURE = NOTEBOOKS / "01_stft.ipynb"  # the fastest lecture notebook under COURSE_FAST=1
HOMEWORK = NOTEBOOKS / "homework" / "hw01_stft.ipynb"
NOTEBOOK_DEADLINE = 420  # seconds for the whole notebook, setup cell included (about 60 here)

# What Colab's image holds of the kernel's stack and of the course's dependencies, with their
# dependencies: the matching lines of pip-freeze.txt in github.com/googlecolab/backend-info as of
# 2026-08-19 (Colab then ran Python 3.13; here the seed uses the interpreter that runs the
# tests). Museval and its dependencies (musdb, stempeg, ...) are not on Colab, and neither is
# course_lib: the setup cell's install brings those.
COLAB_PINS = """
anyio==4.14.2 argon2-cffi==25.1.0 argon2-cffi-bindings==25.1.0 arrow==1.4.0 attrs==26.1.0
audioread==3.1.0 backcall==0.2.0 beautifulsoup4==4.13.5 bleach==6.4.0 certifi==2026.7.22
cffi==2.1.1 charset-normalizer==3.4.9 contourpy==1.3.3 cycler==0.12.1 debugpy==1.8.15
decorator==4.4.2 defusedxml==0.7.1 entrypoints==0.4 fastjsonschema==2.22.2 fonttools==4.63.0
fqdn==1.5.1 idna==3.18 ipykernel==6.17.1 ipython==7.34.0 ipython-genutils==0.2.0
ipywidgets==7.7.1 isoduration==20.11.0 jedi==0.20.1 Jinja2==3.1.6 joblib==1.5.3
jsonpointer==3.1.1 jsonschema==4.26.0 jsonschema-specifications==2025.9.1 jupyter_client==7.4.9
jupyter_core==5.9.1 jupyter-events==0.12.1 jupyter_server==2.20.0 jupyter_server_terminals==0.5.4
jupyterlab_pygments==0.3.0 jupyterlab_widgets==3.0.16 kiwisolver==1.5.0 lark==1.3.1
lazy-loader==0.5 librosa==0.11.0 llvmlite==0.44.0 MarkupSafe==3.0.3 matplotlib==3.10.0
matplotlib-inline==0.2.2 mistune==3.3.4 msgpack==1.2.1 nbclassic==1.3.3 nbclient==0.10.4
nbconvert==7.17.1 nbformat==5.11.1 nest-asyncio==1.6.0 notebook==6.5.7 notebook_shim==0.2.4
numba==0.61.2 numpy==2.1.3 overrides==7.7.0 packaging==26.3 pandas==2.2.3 pandocfilters==1.5.1
parso==0.8.7 pexpect==4.9.0 pickleshare==0.7.5 pillow==11.3.0 pip==24.1.2 platformdirs==4.11.3
pooch==1.9.0 prometheus_client==0.26.0 prompt_toolkit==3.0.53 psutil==5.9.5 ptyprocess==0.7.0
pycparser==3.0 Pygments==2.21.0 pyparsing==3.3.2 python-dateutil==2.9.0.post0
python-json-logger==4.2.0 pytz==2025.2 PyYAML==6.0.3 pyzmq==26.2.1 referencing==0.37.0
requests==2.32.4 rfc3339-validator==0.1.4 rfc3986-validator==0.1.1 rfc3987-syntax==1.1.0
rpds-py==2026.6.3 scikit-learn==1.6.1 scipy==1.16.3 Send2Trash==2.1.0 setuptools==75.2.0
simplejson==4.1.1 six==1.17.0 soundfile==0.14.0 soupsieve==2.9.2 soxr==1.1.0 terminado==0.18.1
threadpoolctl==3.6.0 tinycss2==1.5.1 tornado==6.5.7 tqdm==4.67.3 traitlets==5.7.1
typing_extensions==4.16.0 tzdata==2026.3 uri-template==1.3.0 urllib3==2.5.0 wcwidth==0.8.2
webcolors==25.10.0 webencodings==0.6.1 websocket-client==1.9.0 widgetsnbextension==3.6.10
""".split()

# Colab's own: the setup cell must leave these exactly as they were (torch must not appear).
COLABS_OWN = ("ipywidgets", "ipykernel", "ipython", "jupyter-client", "jupyter-core", "traitlets",
              "tornado", "pyzmq", "notebook", "widgetsnbextension", "numpy", "torch")

STARTUP = '''\
# Colab's kernel has google.colab loaded before the first cell runs: a stub stands in for it.
import sys, types
sys.modules.setdefault("google", types.ModuleType("google"))
sys.modules["google.colab"] = types.ModuleType("google.colab")
'''

PROBE = '''\
import json, sys, course_lib
from course_lib import data
print("COLAB-PROBE " + json.dumps({
    "course_lib": course_lib.__file__, "fast": course_lib.fast_mode(),
    "examples": len(data.list_examples()), "colab": "google.colab" in sys.modules,
    "loaded": {n: getattr(sys.modules.get(n), "__version__", None)
               for n in ("ipywidgets", "ipykernel", "numpy", "IPython")}}))
'''

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(os.environ.get("COURSE_COLAB_PATH", "") != "1",
                       reason="the Colab path takes a minute or two (one more the first time): "
                              "set COURSE_COLAB_PATH=1 to run it"),
]


def _run(*command, **kwargs) -> subprocess.CompletedProcess:
    kwargs.setdefault("check", True)
    kwargs.setdefault("timeout", 600)
    return subprocess.run([str(c) for c in command], capture_output=True, text=True, **kwargs)


def _base_python() -> str:
    """The interpreter the running venv was made from: a venv made with it starts empty."""
    return getattr(sys, "_base_executable", None) or sys.executable


# ---------------------------------------------------------------------------
# Colab's role: a seeded venv, built once and copied for each test
# ---------------------------------------------------------------------------


def _seed() -> Path:
    """The pre-seeded environment under .venv/colab-role/, (re)built when the pins or the
    Python version change; an interrupted build is never taken for a finished one."""
    base = _base_python()
    version = _run(base, "-c", "import sys; print(sys.version)").stdout.strip()
    key = hashlib.sha256("\n".join([version, *COLAB_PINS]).encode()).hexdigest()[:16]
    seed = CACHE / f"seed-{key}"
    if (seed / ".complete").exists():
        return seed
    CACHE.mkdir(parents=True, exist_ok=True)
    for old in [*CACHE.glob("seed-*"), *CACHE.glob("building-*")]:  # other pins or Pythons,
        shutil.rmtree(old, ignore_errors=True)  # or a build cut short
    building = CACHE / f"building-{key}-{os.getpid()}"
    shutil.rmtree(building, ignore_errors=True)
    started = time.monotonic()
    _run(base, "-m", "venv", building)
    python = building / "bin" / "python"
    (building / "pins.txt").write_text("\n".join(COLAB_PINS) + "\n")
    done = _run(python, "-m", "pip", "install", "--quiet", "-r", building / "pins.txt",
                check=False)
    assert done.returncode == 0, f"seeding Colab's role failed:\n{done.stdout}\n{done.stderr}"
    (building / ".complete").write_text(f"built in {time.monotonic() - started:.0f} s\n")
    building.rename(seed)
    return seed


def _installed(python: Path) -> dict[str, tuple[str, str | None]]:
    """{normalised name: (version, editable project location or None)}"""
    listed = json.loads(_run(python, "-m", "pip", "list", "--format=json",
                             env={**os.environ, "PIP_DISABLE_PIP_VERSION_CHECK": "1"}).stdout)
    return {p["name"].lower().replace("_", "-"): (p["version"], p.get("editable_project_location"))
            for p in listed}


@pytest.fixture(scope="module")
def seed() -> Path:
    return _seed()


@pytest.fixture(scope="module")
def origin(tmp_path_factory) -> Path:
    """A one-commit repository holding this work tree as a commit of it would."""
    origin = tmp_path_factory.mktemp("origin")
    listed = _run("git", "-C", ROOT, "ls-files", "-z", "--cached", "--others",
                  "--exclude-standard").stdout.split("\0")
    for name in filter(None, listed):
        source = ROOT / name
        if source.is_file():  # (a tracked file deleted in the work tree is left out)
            (origin / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, origin / name)
    git = ["git", "-C", origin, "-c", "user.name=test", "-c", "user.email=test@invalid",
           "-c", "commit.gpgsign=false"]
    _run(*git, "init", "-q", "-b", "main")
    _run(*git, "add", "-A")
    _run(*git, "commit", "-q", "-m", "snapshot of the work tree")
    return origin


# ---------------------------------------------------------------------------
# One notebook on the Colab path
# ---------------------------------------------------------------------------


def _replace_once(text: str, old: str, new: str) -> str:
    assert text.count(old) == 1, f"the setup cell should hold {old!r} exactly once"
    return text.replace(old, new)


def _colab_copy(path: Path, repository_url: str, clone: Path):
    """The notebook as Colab would run it, but cloning `repository_url` into `clone`."""
    import nbformat

    import course_lib

    notebook = nbformat.read(path, as_version=4)
    setup = next(c for c in notebook.cells if c.cell_type == "code")
    assert "google.colab" in setup.source, f"{path.name}: the first code cell is not the setup"
    setup.source = _replace_once(setup.source, f'REPOSITORY_URL = "{course_lib.REPOSITORY_URL}"',
                                 f'REPOSITORY_URL = "{repository_url}"')
    setup.source = _replace_once(setup.source, '"/content/course"', repr(str(clone)))
    if path.parent.name == "homework":  # a student who has answered the first exercise only
        _answer_first_exercise(notebook, path.parent / "source" / path.name)
    notebook.cells.append(nbformat.v4.new_code_cell(PROBE))
    return notebook, setup


def _answer_first_exercise(notebook, master: Path) -> None:
    """Replace the first answer cell (``def name(...): ...``) by the master's solution."""
    import nbformat

    cells = nbformat.read(master, as_version=4).cells
    begin = next(i for i, c in enumerate(cells)
                 if c.cell_type == "raw" and c.source.strip() == "# BEGIN SOLUTION")
    solution = cells[begin + 1].source
    name = re.match(r"def (\w+)\(", solution).group(1)
    answer = next(c for c in notebook.cells
                  if c.cell_type == "code" and c.source.startswith(f"def {name}("))
    answer.source = solution


def _wait_in_slices(kernel_client) -> None:
    """Make the client's waits for a message poll in one-second slices.

    Against this seed's kernel (ipykernel 6.17.1, ipywidgets 7.7.1), nbclient now and then
    missed the wake-up for a reply that had arrived (twice in five runs, after the widget cell of
    01_stft): it waited the cell's full `timeout` (300 s, 900 s), then found the reply and went
    on, as pyzmq's poll looks once more when its time is up. Each slice ends with that look."""
    for channel in (kernel_client.shell_channel, kernel_client.iopub_channel):
        wait = channel.get_msg

        async def get_msg(timeout=None, _wait=wait):
            deadline = None if timeout is None else time.monotonic() + timeout
            while True:
                left = 1.0 if deadline is None else deadline - time.monotonic()
                try:
                    return await _wait(timeout=max(0.0, min(1.0, left)))
                except queue.Empty:
                    if deadline is not None and time.monotonic() >= deadline:
                        raise

        channel.get_msg = get_msg


def _run_on_colab(path: Path, seed: Path, origin: Path, tmp_path: Path, monkeypatch, *,
                  broken_clone: bool) -> _Run:
    import nbclient
    import nbformat

    timings = {}
    started = time.monotonic()
    colab = tmp_path / "colab"  # a fresh copy of Colab's role; a venv's python finds its
    shutil.copytree(seed, colab, symlinks=True)  # prefix from pyvenv.cfg beside it
    python = colab / "bin" / "python"
    before = _installed(python)
    assert "course-lib" not in before
    assert _run(python, "-c", "import course_lib", check=False, cwd=tmp_path).returncode != 0
    timings["copy"] = time.monotonic() - started

    content = tmp_path / "content"  # Colab's /content: the unrelated working directory
    clone = content / "course"
    clone.mkdir(parents=True)
    if broken_clone:  # what an interrupted clone leaves: the folder, and no repository in it
        (clone / "README.md").write_text("cut short\n")
    notebook, setup = _colab_copy(path, origin.as_uri(), clone)

    ipython_dir = tmp_path / "ipython"
    (ipython_dir / "profile_default" / "startup").mkdir(parents=True)
    (ipython_dir / "profile_default" / "startup" / "00-google-colab.py").write_text(STARTUP)
    kernels = tmp_path / "jupyter" / "kernels" / "colab-role"
    kernels.mkdir(parents=True)
    (kernels / "kernel.json").write_text(json.dumps({
        "argv": [str(python), "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "Colab's role", "language": "python"}))
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "jupyter"))
    env = {k: v for k, v in os.environ.items()
           if k not in {"PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "COURSE_LIB_DATA",
                        "JUPYTER_PATH", "MPLBACKEND"}}
    venv_bin = str(ROOT / ".venv" / "bin")
    env["PATH"] = os.pathsep.join([str(colab / "bin"), *(p for p in env["PATH"].split(os.pathsep)
                                                          if p != venv_bin)])
    env.update(COURSE_FAST="1", IPYTHONDIR=str(ipython_dir),
               MPLCONFIGDIR=str(tmp_path / "matplotlib"),
               MPLBACKEND="module://matplotlib_inline.backend_inline")

    started = time.monotonic()
    client = nbclient.NotebookClient(notebook, timeout=300, kernel_name="colab-role",
                                     resources={"metadata": {"path": str(content)}})
    client.on_notebook_start = lambda **_: _wait_in_slices(client.kc)
    try:  # a whole-notebook deadline too: nbclient's timeout bounds each cell's reply only
        asyncio.run(asyncio.wait_for(client.async_execute(env=env), NOTEBOOK_DEADLINE))
    except (TimeoutError, asyncio.TimeoutError):
        running = [i for i, c in enumerate(notebook.cells)
                   if "iopub.execute_input" in c.get("metadata", {}).get("execution", {})
                   and "shell.execute_reply" not in c["metadata"]["execution"]]
        pytest.fail(f"{path.name} was still running after {NOTEBOOK_DEADLINE} s, in cell "
                    f"{running or '(none: between cells)'}; see {tmp_path}/executed-{path.name}")
    finally:
        timings["notebook"] = time.monotonic() - started
        nbformat.write(notebook, tmp_path / f"executed-{path.name}")

    def text(cell) -> str:
        return "".join(o.get("text", "") for o in cell.get("outputs", []))

    setup_output = text(setup)
    probes = [json.loads(line.split(" ", 1)[1]) for line in text(notebook.cells[-1]).splitlines()
              if line.startswith("COLAB-PROBE ")]
    assert probes, f"the last cell printed no probe: {notebook.cells[-1].get('outputs')}"
    probe = probes[0]
    after = _installed(python)
    return _Run(before=before, after=after, setup_output=setup_output, probe=probe, clone=clone,
                notebook=notebook, timings=timings, name=path.name)


class _Run(dict):
    """What one run left; its repr stays short in a failure report (the executed notebook,
    audio players included, is megabytes)."""

    def __repr__(self) -> str:
        return f"<the Colab path of {self['name']}>"


def _cell_seconds(notebook) -> dict[int, float]:
    """{cell index: seconds from execute_input to execute_reply} (nbclient records them)."""
    from datetime import datetime

    seconds = {}
    for i, cell in enumerate(notebook.cells):
        timing = cell.get("metadata", {}).get("execution", {})
        if "iopub.execute_input" in timing and "shell.execute_reply" in timing:
            start, end = (datetime.fromisoformat(timing[k].replace("Z", "+00:00"))
                          for k in ("iopub.execute_input", "shell.execute_reply"))
            seconds[i] = (end - start).total_seconds()
    return seconds


def _check(result: _Run, name: str) -> None:
    before, after, clone, probe = (result[k] for k in ("before", "after", "clone", "probe"))
    # the setup cell said so, and pip's resolver saw no conflict with what Colab has
    assert re.search(r"\bready\b", result["setup_output"]), result["setup_output"]
    assert "dependency conflicts" not in result["setup_output"], result["setup_output"]
    # course_lib from the clone, with its audio, in fast mode, in the kernel that installed it
    assert Path(probe["course_lib"]).resolve().is_relative_to(clone.resolve()), probe
    assert (clone / ".git" / "shallow").exists(), "the clone is not shallow"
    assert probe["examples"] > 0 and probe["fast"] is True and probe["colab"] is True, probe
    assert after["course-lib"][1] is not None
    assert Path(after["course-lib"][1]).resolve() == clone.resolve(), after["course-lib"]
    # what the install did to Colab's environment: additions only, none of Colab's own
    changed = {n: (before[n][0], after[n][0]) for n in before
               if n in after and after[n][0] != before[n][0]}
    removed = sorted(set(before) - set(after))
    added = {n: after[n][0] for n in sorted(set(after) - set(before))}
    assert not changed and not removed, (
        f"{name}: the setup cell changed Colab's {changed} (removed {removed}; added {added})")
    assert not set(added) & set(COLABS_OWN), f"{name}: the setup cell installed {added}"
    assert probe["loaded"]["ipywidgets"] in (None, before["ipywidgets"][0]), probe
    slow = {i: round(t, 1) for i, t in _cell_seconds(result["notebook"]).items() if t > 5}
    print(f"\n{name}: added by the setup cell: {added}\n{name}: timings {result['timings']}, "
          f"cells over 5 s: {slow}")


def test_lecture_notebook_on_colab_path(seed, origin, tmp_path, monkeypatch):
    """01_stft, after an interrupted clone: the cell clones again, installs, and the notebook
    runs to the end in the same kernel."""
    result = _run_on_colab(LECTURE, seed, origin, tmp_path, monkeypatch, broken_clone=True)
    _check(result, LECTURE.name)
    outputs = [o for cell in result["notebook"].cells for o in cell.get("outputs", [])]
    assert any("image/png" in o.get("data", {}) for o in outputs), f"{LECTURE.name}: no figure"
    html = [o["data"]["text/html"] for cell in result["notebook"].cells
            for o in cell.get("outputs", []) if "text/html" in o.get("data", {})]
    assert any("<audio" in h for h in html), f"{LECTURE.name} has no audio player"


def test_homework_notebook_on_colab_path(seed, origin, tmp_path, monkeypatch):
    """The first homework notebook, from a runtime where course_lib is missing."""
    if not HOMEWORK.exists():
        pytest.skip(f"{HOMEWORK.relative_to(ROOT)} does not exist yet (issue 15's homework)")
    result = _run_on_colab(HOMEWORK, seed, origin, tmp_path, monkeypatch, broken_clone=False)
    _check(result, HOMEWORK.name)
    # Otter Check, as installed by the setup cell, runs the course's checks: the answered
    # exercise passes, the untouched one is explained
    verdicts = {}
    for cell in result["notebook"].cells:
        found = re.match(r'grader\.check\("(\w+)"\)', cell.source)
        if cell.cell_type == "code" and found:
            verdicts[found.group(1)] = json.dumps(cell.get("outputs", []), ensure_ascii=False)
    assert len(verdicts) == 2, verdicts
    first, second = (verdicts[name] for name in sorted(verdicts))
    assert "passed!" in first or "All test cases passed" in first, first[:2000]
    assert "is still the skeleton" in second, second[:2000]
