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
import os

__version__ = "0.1.0"

#: Where the course lives; the notebooks' Colab setup cell clones it from here.
REPOSITORY_URL = "https://github.com/source-separation-course/course"

_SUBMODULES = ("audio", "data", "stft", "features", "masks", "metrics", "nmf", "clustering", "plot",
               "separable", "wiener", "unet", "widgets", "checks")
__all__ = [*_SUBMODULES, "ParameterError", "REPOSITORY_URL", "fast_mode", "__version__"]


def fast_mode() -> bool:
    """True when the environment variable ``COURSE_FAST`` is set to ``1``.

    The tests execute every notebook with ``COURSE_FAST=1``: the same cells run on
    shorter clips and with fewer iterations, so the suite stays quick. A notebook
    never skips a section in fast mode.
    """
    return os.environ.get("COURSE_FAST", "").strip() == "1"


def __getattr__(name: str):
    if name in _SUBMODULES:
        return importlib.import_module(f"{__name__}.{name}")
    if name == "ParameterError":  # course_lib.ParameterError, as librosa.ParameterError
        return importlib.import_module(f"{__name__}._validation").ParameterError
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    # Tab completion lists the submodules before they are imported.
    return sorted(__all__)
