"""Fixtures shared by the whole test suite."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import soundfile as sf


@pytest.fixture
def rng() -> np.random.Generator:
    """A freshly seeded random generator, so every test draws the same numbers."""
    return np.random.default_rng(0)


@pytest.fixture
def tmp_audio(tmp_path):
    """Write an array to an audio file in a temporary folder and return its path.

    Written with soundfile directly (not ``course_lib.audio.save``), so tests of
    the loaders do not depend on the writer. ``y`` follows the course layout,
    ``(samples,)`` or ``(channels, samples)``.

    Usage: ``path = tmp_audio(y, 22050, name="clip.flac", subtype="PCM_24")``.
    """

    def write(y, sr: int, *, name: str = "clip.wav", subtype: str = "FLOAT") -> Path:
        path = tmp_path / name
        sf.write(path, np.asarray(y).T, sr, subtype=subtype)
        return path

    return write
