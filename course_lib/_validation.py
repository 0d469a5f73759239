"""Input validation shared by every ``course_lib`` module.

One place for the checks and one exception type, so that every public function
fails the same way: a :class:`ParameterError` (a ``ValueError``) or a
``TypeError`` whose message names the argument, what it got and what is allowed.

Shape conventions checked here: mono audio ``(samples,)``, multichannel audio
``(channels, samples)``; sample rates are positive numbers in Hz.
"""

from __future__ import annotations

import numbers

import numpy as np

__all__ = [
    "ParameterError",
    "check_audio",
    "check_sample_rate",
    "check_positive",
    "check_random_state",
    "check_sources",
]


class ParameterError(ValueError):
    """A bad argument to a ``course_lib`` function.

    A subclass of ``ValueError``, so ``except ValueError`` and
    ``pytest.raises(ValueError)`` catch it.
    """


def _describe(x) -> str:
    if isinstance(x, np.ndarray):
        return f"an array of shape {x.shape} and dtype {x.dtype}"
    return f"{type(x).__name__} {x!r}"[:120]


def check_audio(
    y,
    name: str = "y",
    *,
    allow_multichannel: bool = True,
    min_samples: int = 1,
) -> np.ndarray:
    """Check that ``y`` is a finite real audio signal and return it as a float array.

    Parameters
    ----------
    y : array_like, shape (samples,) or (channels, samples)
        The signal. Integer input is rejected: convert it to float first, so that
        its scale (int16 full scale is 32768, not 1) is the caller's decision.
    name : str
        The argument name used in error messages.
    allow_multichannel : bool
        Whether a 2-D ``(channels, samples)`` array is accepted.
    min_samples : int
        The smallest number of samples accepted.

    Returns
    -------
    numpy.ndarray
        ``y`` itself when it is already a float32 or float64 array (never a
        modified copy), otherwise a float64 array.

    Raises
    ------
    TypeError
        When ``y`` is not numeric or is complex or integer.
    ParameterError
        When ``y`` has the wrong number of dimensions, too few samples, or
        non-finite values.
    """
    if isinstance(y, (str, bytes)) or y is None:
        raise TypeError(f"{name} must be a numpy array of audio samples, got {_describe(y)}")
    arr = np.asarray(y)
    if arr.dtype == object or not np.issubdtype(arr.dtype, np.number):
        raise TypeError(f"{name} must be a numeric array of audio samples, got {_describe(y)}")
    if np.iscomplexobj(arr):
        raise TypeError(
            f"{name} must be real-valued audio, got complex dtype {arr.dtype}; "
            "take the real part or the inverse STFT first"
        )
    if np.issubdtype(arr.dtype, np.integer) or arr.dtype == np.bool_:
        raise TypeError(
            f"{name} has integer dtype {arr.dtype}; convert it to float first, e.g. "
            "y.astype(np.float32) / 32768 for 16-bit PCM"
        )
    if arr.dtype not in (np.float32, np.float64):
        arr = arr.astype(np.float64)
    allowed = "(samples,) or (channels, samples)" if allow_multichannel else "(samples,)"
    if arr.ndim == 0 or arr.ndim > (2 if allow_multichannel else 1):
        raise ParameterError(f"{name} must have shape {allowed}, got shape {arr.shape}")
    if arr.ndim == 2 and arr.shape[0] > arr.shape[1]:
        raise ParameterError(
            f"{name} has shape {arr.shape}: more channels than samples. Audio is laid out "
            "(channels, samples) in this course; transpose it with y.T"
        )
    if arr.shape[-1] < min_samples:
        raise ParameterError(
            f"{name} must have at least {min_samples} sample(s), got shape {arr.shape}"
        )
    if not np.all(np.isfinite(arr)):
        bad = int(np.size(arr) - np.count_nonzero(np.isfinite(arr)))
        raise ParameterError(f"{name} contains {bad} non-finite value(s) (NaN or inf)")
    return arr


def check_sample_rate(sr, name: str = "sr") -> float | int:
    """Check that ``sr`` is a positive, finite number of samples per second (Hz)."""
    if isinstance(sr, bool) or not isinstance(sr, numbers.Real):
        raise TypeError(f"{name} must be a number in Hz, got {_describe(sr)}")
    if not np.isfinite(sr) or sr <= 0:
        raise ParameterError(f"{name}={sr} Hz must be a positive, finite sample rate")
    return int(sr) if float(sr).is_integer() else float(sr)


def check_positive(value, name: str, *, unit: str = "", allow_zero: bool = False) -> float:
    """Check that ``value`` is a finite real number greater than 0 (or >= 0)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a number, got {_describe(value)}")
    suffix = f" {unit}" if unit else ""
    ok = value >= 0 if allow_zero else value > 0
    if not np.isfinite(value) or not ok:
        need = "non-negative" if allow_zero else "positive"
        raise ParameterError(f"{name}={value}{suffix} must be {need} and finite")
    return value


def check_random_state(random_state) -> np.random.Generator:
    """Turn ``None``, an int seed or a ``numpy.random.Generator`` into a Generator."""
    if random_state is None or (
        isinstance(random_state, numbers.Integral) and not isinstance(random_state, bool)
    ):
        return np.random.default_rng(random_state)
    if isinstance(random_state, np.random.Generator):
        return random_state
    raise TypeError(
        f"random_state must be None, an int or a numpy.random.Generator, got "
        f"{_describe(random_state)}"
    )


def check_sources(x, name: str = "sources", *, min_samples: int = 1) -> np.ndarray:
    """Check a stack of signals, ``(sources, samples)`` or ``(sources, channels, samples)``.

    Each source is checked with :func:`check_audio` (so the messages name the
    offending source, e.g. ``references[1] contains 3 non-finite value(s)``).

    Parameters
    ----------
    x : array_like, shape (sources, samples) or (sources, channels, samples)
        The stacked signals; at least one source.
    name : str
        The argument name used in error messages.
    min_samples : int
        The smallest number of samples per source accepted.

    Returns
    -------
    numpy.ndarray
        ``x`` itself when it is already a float32 or float64 array, otherwise a
        float64 array.

    Raises
    ------
    TypeError
        When ``x`` is not numeric or is complex or integer.
    ParameterError
        When ``x`` does not have 2 or 3 dimensions, holds no source, has too few
        samples, or has non-finite values.
    """
    if isinstance(x, (str, bytes)) or x is None:
        raise TypeError(f"{name} must be a numpy array of stacked sources, got {_describe(x)}")
    try:
        arr = np.asarray(x)
    except ValueError as exc:  # a ragged list of sources
        raise ParameterError(
            f"{name} could not be stacked into one array ({exc}); every source must have "
            "the same number of channels and samples"
        ) from exc
    allowed = "(sources, samples) or (sources, channels, samples)"
    if arr.ndim not in (2, 3):
        hint = ""
        if arr.ndim == 1:
            hint = " (a single mono source needs a leading axis: y[np.newaxis])"
        raise ParameterError(f"{name} must have shape {allowed}, got shape {arr.shape}{hint}")
    if arr.shape[0] < 1:
        raise ParameterError(f"{name} must hold at least one source, got shape {arr.shape}")
    if arr.ndim == 3 and arr.shape[1] > arr.shape[2]:
        raise ParameterError(
            f"{name} has shape {arr.shape}: more channels than samples. This looks like "
            "museval's (sources, samples, channels) layout; the course uses (sources, "
            f"channels, samples): pass {name}.transpose(0, 2, 1)"
        )
    for index in range(arr.shape[0]):
        check_audio(arr[index], f"{name}[{index}]", min_samples=min_samples)
    if arr.dtype not in (np.float32, np.float64):
        arr = arr.astype(np.float64)
    return arr
