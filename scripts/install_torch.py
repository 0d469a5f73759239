#!/usr/bin/env python3
"""Install PyTorch the way this machine needs it, into the Python that runs this script.

The Makefile runs it with the course's .venv/bin/python before it installs the course; without
make, run it the same way: `.venv/bin/python scripts/install_torch.py` (Windows:
`.venv\\Scripts\\python scripts\\install_torch.py`). It decides, in this order:

1. Python older than 3.10: stop, and say which Python was found and what to install.
2. The environment variable TORCH is set: `pip install $TORCH`, that and nothing else
   (e.g. TORCH=torch==2.13.0, or TORCH="torch --index-url https://download.pytorch.org/whl/cu126").
3. `import torch` works already: leave it alone (Colab's torch, a conda torch, a CUDA build).
4. pip finds a torch wheel without any index (find-links in the pip configuration, or a
   wheelhouse in PIP_FIND_LINKS, as on the course's CI machines): install that wheel.
5. Linux without an NVIDIA GPU: the CPU build from PyTorch's own index (about 200 MB, where
   plain `pip install torch` would bring the multi-GB CUDA build).
6. Otherwise plain `pip install torch`: macOS, Windows, Linux with an NVIDIA GPU.

It prints its decision, and why, on one line, then the pip command. `--dry-run` prints them
without installing; `--check-python` does step 1 only. Standard library only, and it parses
on Python 3.7, so that an old Python gets the message instead of a syntax error.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
from typing import NamedTuple
from urllib.parse import unquote, urlparse
from urllib.request import url2pathname

MIN_PYTHON = (3, 10)
CPU_INDEX = "https://download.pytorch.org/whl/cpu"


class Decision(NamedTuple):
    action: str  # "stop" (the Python is too old), "keep" (torch works) or "install"
    reason: str  # one line: what was decided and why
    pip_args: tuple = ()  # the arguments after `python -m pip install`


def python_problem(version: tuple, platform: str) -> str | None:
    """None if Python `version` can run the course, else a message saying what to install."""
    if tuple(version[:2]) >= MIN_PYTHON:
        return None
    found = ".".join(str(part) for part in version[:3])
    message = (f"Python {found} is too old for the course, which needs Python "
               f"{MIN_PYTHON[0]}.{MIN_PYTHON[1]} or newer.")
    if platform == "darwin":
        how = ("On macOS, install Python 3.12 from https://www.python.org/downloads/macos/ "
               "or with Homebrew (`brew install python@3.12`), then run "
               "`make clean` and `make lab PYTHON=python3.12`.")
    elif platform.startswith("win"):
        how = ("Install Python 3.12 from https://www.python.org/downloads/windows/, then create "
               "the environment again with `py -3.12 -m venv .venv`.")
    else:
        how = ("Install Python 3.10 or newer (on Ubuntu: `sudo apt install python3.12 "
               "python3.12-venv`, from the deadsnakes PPA on older releases, or with pyenv), "
               "then run `make clean` and `make lab PYTHON=python3.12`.")
    return f"{message} {how}"


def _value(fact):
    """A fact given as a value, or as a probe that is run only when the decision needs it."""
    return fact() if callable(fact) else fact


def decide(*, platform: str, python_version: tuple, torch_override: str | None,
           torch_version, offline_wheel, has_gpu) -> Decision:
    """How to install torch, from the facts about this machine. Pure: no probing here.

    platform: `sys.platform`; python_version: `sys.version_info[:3]`; torch_override: the
    TORCH environment variable (None or "" when unset); torch_version: the version that
    `import torch` gives, or None; offline_wheel: what pip finds with `--no-index` (a path or
    URL of a torch wheel), or None; has_gpu: an NVIDIA GPU with its driver. The last three may
    be zero-argument callables (probes), called only when the decision gets that far.
    """
    problem = python_problem(python_version, platform)
    if problem:
        return Decision("stop", problem)
    if torch_override and torch_override.strip():
        spec = torch_override.strip()
        return Decision("install", f"TORCH is set: installing exactly {spec!r}",
                        tuple(shlex.split(spec)))
    version = _value(torch_version)
    if version:
        return Decision("keep", f"torch {version} imports already: leaving it alone")
    wheel = _value(offline_wheel)
    if wheel:
        return Decision("install", "pip finds a torch wheel without an index (find-links or "
                        "a wheelhouse): installing that one", (str(wheel),))
    linux = platform.startswith("linux")
    if linux and not _value(has_gpu):
        return Decision("install", "Linux without an NVIDIA GPU: the CPU build from PyTorch's "
                        "index (plain `pip install torch` would bring the CUDA build, several GB)",
                        ("torch", "--index-url", CPU_INDEX))
    if linux:
        where = "Linux with an NVIDIA GPU (the CUDA build)"
    else:
        where = {"darwin": "macOS", "win32": "Windows"}.get(platform, platform)
    return Decision("install", f"{where}: plain `pip install torch` from PyPI", ("torch",))


# The probes: main() hands them to decide(), which runs only those it needs, in its order.

def _pip(*args: str) -> list:
    return [sys.executable, "-m", "pip", *args]


def probe_torch_version() -> str | None:
    """The version of torch if `import torch` works in this Python, else None."""
    try:
        done = subprocess.run([sys.executable, "-c", "import torch; print(torch.__version__)"],
                              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                              timeout=300)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return (done.stdout.strip() or None) if done.returncode == 0 else None


def probe_offline_wheel() -> str | None:
    """The torch wheel that pip finds without an index (find-links, wheelhouse), else None.

    `pip install --dry-run --report` (pip >= 22.2) resolves torch alone (`--no-deps`), reads
    its metadata and installs nothing: a second or two, and no copy of the 200 MB wheel.
    """
    with tempfile.TemporaryDirectory() as tmp:
        report = os.path.join(tmp, "report.json")
        try:
            done = subprocess.run(
                _pip("install", "--no-index", "--no-deps", "--ignore-installed", "--dry-run",
                     "--quiet", "--disable-pip-version-check", "--report", report, "torch"),
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=300)
        except (OSError, subprocess.TimeoutExpired):
            return None
        if done.returncode != 0 or not os.path.exists(report):
            return None  # no wheel without an index (or a pip older than 22.2)
        with open(report, encoding="utf-8") as f:
            items = json.load(f).get("install", [])
    for item in items:
        if item.get("metadata", {}).get("name", "").lower() == "torch":
            url = item.get("download_info", {}).get("url", "")
            parsed = urlparse(url)
            if parsed.scheme == "file":
                return url2pathname(unquote(parsed.path))
            return url or None
    return None


def probe_nvidia_gpu() -> bool:
    """An NVIDIA driver is loaded: /proc/driver/nvidia exists or `nvidia-smi -L` works."""
    if os.path.exists("/proc/driver/nvidia"):
        return True
    smi = shutil.which("nvidia-smi")
    if not smi:
        return False
    try:
        done = subprocess.run([smi, "-L"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                              text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0 and "GPU" in done.stdout


def main(argv: list | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dry-run", action="store_true",
                        help="print the decision and the pip command, install nothing")
    parser.add_argument("--check-python", action="store_true",
                        help="only check that this Python is new enough (exit status 1 if not)")
    args = parser.parse_args(argv)
    name = "install_torch"
    version = tuple(sys.version_info[:3])
    if args.check_python:
        problem = python_problem(version, sys.platform)
        if problem:
            print(f"{name}: {problem} ({sys.executable})", file=sys.stderr)
            return 1
        return 0
    decision = decide(platform=sys.platform, python_version=version,
                      torch_override=os.environ.get("TORCH"),
                      torch_version=probe_torch_version, offline_wheel=probe_offline_wheel,
                      has_gpu=probe_nvidia_gpu)
    if decision.action == "stop":
        print(f"{name}: {decision.reason} ({sys.executable})", file=sys.stderr)
        return 1
    print(f"{name}: {decision.reason}", flush=True)
    if decision.action == "keep":
        return 0
    command = _pip("install", *decision.pip_args)
    print("  " + " ".join(shlex.quote(part) for part in command), flush=True)
    if args.dry_run:
        return 0
    done = subprocess.run(command)
    if done.returncode != 0:
        print(f"{name}: installing torch failed. Choose a build yourself with the TORCH "
              f"variable, e.g. `make lab TORCH=torch` or TORCH=\"torch --index-url {CPU_INDEX}\";"
              " see https://pytorch.org/get-started/locally/", file=sys.stderr)
    return done.returncode


if __name__ == "__main__":
    sys.exit(main())
