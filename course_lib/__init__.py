"""course_lib: the tested helper package of the audio source separation course.

One module per topic, imported on first use so that ``import course_lib`` stays
fast and works without the optional extras (torch for the U-Net)::

    from course_lib import audio, data
    example = data.load_example("piano_notes")
    audio.play(example.mixture, example.sr)

Conventions (see each module's docstring): audio is ``(samples,)`` or
``(channels, samples)`` with an explicit sample rate ``sr`` in Hz; several
sources stack first, ``(sources, samples)`` or ``(sources, channels, samples)``;
spectrograms are ``(freq, frames)`` as in librosa.
"""

from __future__ import annotations

import importlib

__version__ = "0.1.0"

_SUBMODULES = ("audio", "data")
__all__ = [*_SUBMODULES, "__version__"]


def __getattr__(name: str):
    if name in _SUBMODULES:
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
