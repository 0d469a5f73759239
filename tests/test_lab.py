"""JupyterLab opens notebook 01 and its STFT explorer works there, in a real browser.

What is checked, as a student would see it:

- ``jupyter lab`` starts on a loopback port, with a random token, on a temporary folder that
  holds a copy of ``notebooks/01_stft.ipynb`` (fast mode: ``COURSE_FAST=1``); its Jupyter
  configuration, workspaces and IPython profile are temporary too, so a previous session's
  state on this machine does not interfere, and nothing asks the network for news or updates;
- headless Chromium (Debian's ``chromium``, driven by Playwright) opens the notebook, waits for
  its kernel, runs every cell from the Run menu and waits until all have run: no cell may show
  an error;
- the STFT explorer (``course_lib.widgets.stft_explorer``) is rendered as a live widget, with
  its sliders, status line and spectrogram. Its frame slider is moved with the keyboard, as a
  student could; the spectrogram must be redrawn and the status line must state the new
  frame, hop and bin spacing, exactly as ``course_lib.widgets`` words them for the new value.

Screenshots of the explorer before and after the move (and of the whole notebook) go to
pytest's temporary folder and, when ``COURSE_SCREENSHOTS`` names a folder, there too. On a
failure the message carries the tail of the server's log and the browser's errors.

About 35 s on two busy cores (Run All Cells: 13-17 s). Skipped, with the reason, without
chromium, Playwright or JupyterLab and ipywidgets (the lab extra). Run it alone with::

    .venv/bin/python -m pytest tests/test_lab.py -v
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from types import SimpleNamespace

import pytest
from test_site import _browser_missing, _chromium

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK = ROOT / "notebooks" / "01_stft.ipynb"
SERVER_START_S = 90   # until the server answers
KERNEL_START_S = 90   # until the notebook's kernel is idle
RUN_ALL_S = 240       # notebook 01 in fast mode: 15-40 s on two busy cores
REDRAW_S = 60         # one redraw of the explorer after the slider moved


def _lab_missing() -> str:
    missing = _browser_missing()
    if missing:
        return missing
    for module in ("jupyterlab", "ipywidgets", "jupyterlab_widgets", "ipykernel"):
        if importlib.util.find_spec(module) is None:
            return f"no {module} (the lab extra: pip install -e '.[lab]')"
    return ""


lab_test = pytest.mark.skipif(bool(_lab_missing()), reason=_lab_missing() or "-")


# ------------------------------------------------------------------------------------------
# The server
# ------------------------------------------------------------------------------------------

def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _write_json(path: Path, content: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(content))


class _Lab(SimpleNamespace):
    """A running ``jupyter lab``: its url, token, process and log."""

    def api(self, path: str, method: str = "GET"):
        request = urllib.request.Request(f"{self.url}/api/{path}", method=method,
                                         headers={"Authorization": f"token {self.token}"})
        with urllib.request.urlopen(request, timeout=10) as response:
            body = response.read()
        return json.loads(body) if body else None

    def log_tail(self, lines: int = 40) -> str:
        text = self.log.read_text(errors="replace") if self.log.is_file() else ""
        return "\n".join(text.splitlines()[-lines:]) or "(empty)"


def _start_lab(home: Path) -> _Lab:
    root, config = home / "root", home / "config"
    root.mkdir()
    shutil.copy(NOTEBOOK, root / NOTEBOOK.name)
    # Temporary user settings: no news, no update check (both would ask the network).
    _write_json(config / "lab" / "user-settings" / "@jupyterlab" / "apputils-extension"
                / "notification.jupyterlab-settings",
                {"fetchNews": "false", "checkForUpdates": False})
    env = {**os.environ,
           "COURSE_FAST": "1",
           # the user's config, data and runtime folders and IPython profile: temporary. The
           # kernelspec and the lab extensions (jupyterlab_widgets) are found in the
           # environment's own share/jupyter, as in `make lab`.
           "JUPYTER_CONFIG_DIR": str(config),
           "JUPYTER_DATA_DIR": str(home / "data"),
           "JUPYTER_RUNTIME_DIR": str(home / "runtime"),
           "IPYTHONDIR": str(home / "ipython"),
           "PYTHONUNBUFFERED": "1"}
    env.pop("MPLBACKEND", None)  # the kernel's own default: figures inline
    port, token = _free_port(), secrets.token_hex(16)
    command = [sys.executable, "-m", "jupyter", "lab", "--no-browser",
               "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}",
               "--ServerApp.port_retries=0", f"--IdentityProvider.token={token}",
               f"--ServerApp.root_dir={root}",
               "--LabApp.news_url=None",
               "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
               "--LabApp.extension_manager=readonly",
               f"--LabApp.workspaces_dir={home / 'workspaces'}",
               f"--LabApp.user_settings_dir={config / 'lab' / 'user-settings'}"]
    if hasattr(os, "getuid") and os.getuid() == 0:
        command.append("--allow-root")  # as `make lab` does in a container
    log = home / "server.log"
    with open(log, "wb") as out:
        process = subprocess.Popen(command, cwd=root, env=env, stdout=out,
                                   stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                   start_new_session=True)
    return _Lab(url=f"http://127.0.0.1:{port}", token=token, process=process, log=log,
                root=root, home=home)


def _wait_for_server(lab: _Lab) -> bool:
    """Wait until the server answers; False if its port was taken meanwhile (then try again)."""
    deadline = time.monotonic() + SERVER_START_S
    while time.monotonic() < deadline:
        if lab.process.poll() is not None:
            if "already in use" in lab.log_tail():
                return False
            pytest.fail(f"jupyter lab exited with code {lab.process.returncode}; its log:\n"
                        f"{lab.log_tail()}")
        try:
            lab.api("status")
            return True
        except (OSError, urllib.error.URLError):
            time.sleep(0.5)
    pytest.fail(f"jupyter lab did not answer on {lab.url} within {SERVER_START_S} s; its log:\n"
                f"{lab.log_tail()}")


def _stop_lab(lab: _Lab) -> None:
    """Shut the server down (it stops its kernels); else end its process group."""
    if lab.process.poll() is None:
        try:
            lab.api("shutdown", method="POST")
            lab.process.wait(timeout=20)
        except (OSError, urllib.error.URLError, subprocess.TimeoutExpired):
            pass
    for sig in (signal.SIGTERM, signal.SIGKILL):
        if lab.process.poll() is not None:  # (a kernel left behind ends with its parent)
            break
        try:
            os.killpg(lab.process.pid, sig)
            lab.process.wait(timeout=10)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            pass


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """``jupyter lab`` on a free loopback port, serving a copy of notebook 01."""
    for _ in range(3):  # another program may take the free port before the server does
        server = _start_lab(tmp_path_factory.mktemp("lab"))
        try:
            if _wait_for_server(server):
                break
        except BaseException:
            _stop_lab(server)
            raise
        _stop_lab(server)
    else:
        pytest.fail(f"jupyter lab found its port taken three times; its log:\n"
                    f"{server.log_tail()}")
    try:
        yield server
    finally:
        _stop_lab(server)


# ------------------------------------------------------------------------------------------
# The notebook in the browser
# ------------------------------------------------------------------------------------------

#: Every code cell's prompt and the error outputs, as the notebook shows them.
CELL_STATE = """() => {
    const cells = [...document.querySelectorAll('.jp-Notebook .jp-CodeCell')];
    const prompts = cells.map(c => {
        const p = c.querySelector('.jp-InputArea-prompt');
        return p ? p.textContent.trim() : '';
    });
    const errors = [...document.querySelectorAll(
            '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]')]
        .map(e => e.textContent)
        .filter(t => /Traceback|Error/.test(t));
    return {prompts, errors};
}"""

#: The explorer: its frame slider's readout, hop slider's readout, status line and picture.
EXPLORER_STATE = """(box) => {
    const sliders = [...box.querySelectorAll('.widget-slider, .widget-hslider')];
    const readout = label => {
        const s = sliders.find(s => s.querySelector('.widget-label').textContent.trim() === label);
        const r = s && s.querySelector('.widget-readout');
        return r ? r.textContent.trim() : null;  // an editable div, in 7.x and 8.x
    };
    const status = box.querySelector('.widget-html-content, .widget-html');
    const img = box.querySelector('.widget-output img');
    return {frame: readout('frame (ms)'), hop: readout('hop / frame'),
            status: status ? status.textContent.trim() : null,
            image: img ? img.src : null,
            image_width: img ? img.naturalWidth : 0};
}"""


def _poll(what: str, timeout: float, probe, lab: _Lab, problems: list, interval=0.5):
    """Call probe() until it returns (True, state), then return state.

    After ``timeout`` seconds, fail with ``what``, the last state, the browser's errors and the
    tail of the server's log.
    """
    deadline = time.monotonic() + timeout
    while True:
        done, state = probe()
        if done:
            return state
        if time.monotonic() > deadline:
            pytest.fail(f"{what} (waited {timeout:.0f} s): {str(state)[:800]}\n"
                        f"browser errors: {problems[:10]}\nserver log:\n{lab.log_tail()}")
        time.sleep(interval)


def _kernel_idle(lab: _Lab, name: str) -> tuple[bool, str]:
    """Whether the kernel of the notebook's session is idle, as the server sees it."""
    sessions = [s for s in lab.api("sessions") if s.get("path", "").endswith(name)]
    if not sessions:
        return False, "no session for the notebook yet"
    state = sessions[0]["kernel"]["execution_state"]
    return state == "idle", f"kernel {state}"


def _cell_outputs(page) -> str:
    """The text of the output of the cell that builds the explorer (what shows instead)."""
    cell = page.locator(".jp-CodeCell").filter(has_text="widgets.stft_explorer(").first
    if not cell.count():
        return "(no such cell)"
    return cell.locator(".jp-Cell-outputWrapper").inner_text()[-600:] or "(none)"


def _save(picture: bytes, name: str, tmp_path: Path) -> None:
    (tmp_path / name).write_bytes(picture)
    folder = os.environ.get("COURSE_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        (Path(folder) / name).write_bytes(picture)


def _expected_statuses(frame_readout: str) -> tuple[str, str, str]:
    """The explorer's status line as notebook 01 starts it, and after its frame slider moved.

    Computed as the widget does (``course_lib.widgets``), on the notebook's clip in fast mode:
    the explorer starts at the course's default frame and hop (``stft_explorer(y, sr,
    fmax=4000)``); the hop slider keeps that hop / frame ratio. The frame slider moves on a log2
    grid (quarter-octave steps from 4 ms), and its readout, with one decimal, tells the grid's
    points apart. Also returns the hop slider's readout for that ratio.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    from course_lib import data, stft, widgets

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("COURSE_FAST", "1")
        example = data.load_example("piano_notes")
    y, sr = example.mixture, example.sr
    n_fft, hop_length = stft.frame_params(sr)
    start_ms, fraction = 1e3 * n_fft / sr, hop_length / n_fft
    low, high = widgets.FRAME_MS_RANGE
    grid = 2.0 ** np.arange(np.log2(low), np.log2(high) + 1e-9, 0.25)
    moved_ms = [v for v in grid if f"{v:.1f}" == frame_readout]
    assert len(moved_ms) == 1, f"frame readout {frame_readout!r} is not on the slider's grid"
    statuses = []
    for frame_ms in (start_ms, moved_ms[0]):
        fig, ax = plt.subplots()
        try:
            info = widgets.stft_explorer_update(y, sr, frame=frame_ms / 1e3,
                                                hop=frame_ms / 1e3 * fraction, fmax=4000, ax=ax)
        finally:
            plt.close(fig)
        statuses.append(widgets._summary(info))
    return statuses[0], statuses[1], f"{fraction:.3f}"


@pytest.mark.slow
@lab_test
def test_notebook_01_runs_in_jupyterlab_and_its_stft_explorer_responds(lab, tmp_path):
    from playwright.sync_api import sync_playwright

    name = NOTEBOOK.name
    problems: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=_chromium(), headless=True,
                                             args=["--no-sandbox"])
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.set_default_timeout(60_000)
            page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
            page.on("console", lambda m: problems.append(f"console error: {m.text[:300]}")
                    if m.type == "error" and m.location.get("url", "").startswith(lab.url)
                    else None)
            # nothing from outside the server (the notebook's "Open in Colab" badge, say)
            page.route(re.compile(r"^https?://(?!127\.0\.0\.1:)"), lambda route: route.abort())
            page.goto(f"{lab.url}/lab/tree/{name}?token={lab.token}",
                      wait_until="domcontentloaded")
            _poll("the notebook did not open", KERNEL_START_S,
                  lambda: (page.locator(".jp-Notebook .jp-CodeCell").count() > 0, page.title()),
                  lab, problems)
            _poll("the notebook's kernel did not start", KERNEL_START_S,
                  lambda: _kernel_idle(lab, name), lab, problems)

            # Run > Run All Cells, as a student would
            page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(r"^Run$")).click()
            page.get_by_role("menuitem", name="Run All Cells", exact=True).click()
            started = time.monotonic()

            def finished():  # every code cell numbered, or an error and nothing left to run
                state = page.evaluate(CELL_STATE)
                busy = any("*" in p for p in state["prompts"])
                numbered = all(re.fullmatch(r"\[\d+\]:", p) for p in state["prompts"])
                return bool(state["prompts"]) and (numbered or state["errors"] and not busy), state

            state = _poll("Run All Cells did not finish", RUN_ALL_S, finished, lab, problems)
            run_all_s = time.monotonic() - started
            _save(page.screenshot(), "lab-notebook-run.png", tmp_path)
            assert not state["errors"], f"{name} raised in JupyterLab:\n" + "\n---\n".join(
                e[-1500:] for e in state["errors"][:3])
            _poll("the kernel is still busy after Run All Cells", KERNEL_START_S,
                  lambda: _kernel_idle(lab, name), lab, problems)

            explorer = page.locator(".widget-vbox").filter(
                has=page.locator(".widget-label", has_text="frame (ms)")).first

            def drawn():
                if not explorer.count():
                    return False, ("no STFT explorer in the page (the widget did not render; "
                                   f"outputs of the cell: {_cell_outputs(page)})")
                state = explorer.evaluate(EXPLORER_STATE)
                return bool(state["image_width"] and state["status"]), state

            before = _poll("the STFT explorer shows no spectrogram or no status line", REDRAW_S,
                           drawn, lab, problems)
            explorer.scroll_into_view_if_needed()
            _save(explorer.screenshot(), "lab-explorer-before.png", tmp_path)

            # one step up of the frame slider, with the keyboard
            frame_slider = explorer.locator(".widget-slider, .widget-hslider").filter(
                has=page.locator(".widget-label", has_text="frame (ms)")).first
            handle = frame_slider.locator(".noUi-handle, .ui-slider-handle").first
            handle.focus()
            handle.press("ArrowRight")

            def redrawn():
                state = explorer.evaluate(EXPLORER_STATE)
                changed = {"frame readout": state["frame"] != before["frame"],
                           "spectrogram": state["image"] != before["image"],
                           "status line": state["status"] != before["status"]}
                return (all(changed.values()) and bool(state["image_width"]),
                        f"changed: {changed}; frame readout {before['frame']} -> "
                        f"{state['frame']}; status line now: {state['status']!r}")

            _poll("the STFT explorer did not redraw after its frame slider moved", REDRAW_S,
                  redrawn, lab, problems)
            after = explorer.evaluate(EXPLORER_STATE)
            explorer.scroll_into_view_if_needed()
            _save(explorer.screenshot(), "lab-explorer-after.png", tmp_path)
            _save(page.screenshot(), "lab-notebook-after.png", tmp_path)
        finally:
            browser.close()

    print(f"Run All Cells took {run_all_s:.1f} s; frame {before['frame']} -> {after['frame']} ms")
    assert after["frame"] != before["frame"], f"the frame slider did not move: {after['frame']}"
    assert float(after["frame"]) > float(before["frame"])
    expected_before, expected_after, hop_readout = _expected_statuses(after["frame"])
    assert before["status"] == expected_before, "the explorer did not start at 64 ms"
    assert after["hop"] == before["hop"] == hop_readout, "the hop slider moved too"
    assert after["status"] == expected_after, (
        f"the status line does not describe the frame slider's new value, {after['frame']} ms")
    assert not [p for p in problems if "page error" in p], problems
