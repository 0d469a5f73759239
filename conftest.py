"""Collection rules for the whole repository (tests/ and the doctests of course_lib/).

One CI leg runs without PyTorch, as a student who skipped the unet extra would. There the
doctests of ``course_lib.unet`` that need torch are skipped with the command that installs
it; tests/test_unet.py skips its torch tests itself (``pytest.importorskip``).
"""

from __future__ import annotations

import importlib.util

import pytest


def pytest_collection_modifyitems(config, items):
    if importlib.util.find_spec("torch") is not None:
        return
    skip = pytest.mark.skip(reason="needs torch: python scripts/install_torch.py")
    for item in items:
        if item.name.startswith("course_lib.unet."):  # a doctest of course_lib/unet.py
            item.add_marker(skip)
