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
    "MAX_ARRAY_BYTES",
    "check_array_size",
    "check_audio",
    "check_axes",
    "check_bool",
    "check_path",
    "check_finite_number",
    "check_float_dtype",
    "check_int",
    "check_name_list",
    "check_nonnegative_matrix",
    "check_positive",
    "check_random_state",
    "check_sample_rate",
    "check_sources",
    "check_spectrogram",
    "check_stem_stfts",
    "check_complex_stft",
    "check_stacked_spectrograms",
    "check_callable",
    "check_player_capacity",
]

#: The largest array (in bytes) a ``course_lib`` function agrees to allocate. A request
#: above it is nearly always a units slip (seconds for milliseconds, samples for seconds),
#: so it raises a :class:`ParameterError` with the size instead of trying and failing
#: with ``MemoryError`` or running the machine out of memory.
MAX_ARRAY_BYTES = 4 * 1024**3


class ParameterError(ValueError):
    """A bad argument to a ``course_lib`` function.

    A subclass of ``ValueError``, so ``except ValueError`` and
    ``pytest.raises(ValueError)`` catch it.
    """


def _describe(x) -> str:
    if isinstance(x, np.ndarray):
        return f"an array of shape {x.shape} and dtype {x.dtype}"
    return f"{type(x).__name__} {x!r}"[:120]


def check_int(value, name: str, *, minimum=None, maximum=None, unit: str = "") -> int:
    """Check that ``value`` is an int (not a bool) within ``[minimum, maximum]``.

    Raises ``TypeError`` for a float, a bool or anything that is not an integer
    (``2.0`` included: say ``2``), ``ParameterError`` when it is out of range.
    """
    suffix = f" {unit}" if unit else ""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        kind = f"an int number of {unit}" if unit else "an int"
        raise TypeError(f"{name} must be {kind}, got {_describe(value)}")
    if minimum is not None and value < minimum:
        raise ParameterError(f"{name}={value} must be at least {minimum}{suffix}")
    if maximum is not None and value > maximum:
        raise ParameterError(f"{name}={value} must be at most {maximum}{suffix}")
    return int(value)


def check_bool(value, name: str) -> bool:
    """Check that ``value`` is ``True`` or ``False`` (a numpy bool too); return a Python bool.

    A string such as ``"no"`` or a number is a ``TypeError``: ``bool("no")`` is
    ``True``, which would silently do the opposite of what was meant.
    """
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False, got {_describe(value)}")
    return bool(value)


def check_path(path, name: str = "path"):
    """Check that ``path`` is a ``str`` or ``os.PathLike``; return it as a ``pathlib.Path``."""
    import os
    from pathlib import Path

    if isinstance(path, bytes) or not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"{name} must be a str or pathlib.Path, got {_describe(path)}")
    return Path(path)


def check_finite_number(value, name: str, *, unit: str = "") -> float:
    """Check that ``value`` is a real, finite number (not a bool); return it as a float."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a number, got {_describe(value)}")
    if not np.isfinite(value):
        suffix = f" {unit}" if unit else ""
        raise ParameterError(f"{name}={value}{suffix} must be a finite number")
    return float(value)


def check_float_dtype(dtype, name: str = "dtype") -> np.dtype:
    """Check that ``dtype`` names float32 or float64 and return it as a ``numpy.dtype``.

    Something numpy does not know as a dtype (``"garbage"``, ``3.5``) is a
    ``TypeError``; a real dtype other than the two floats is a ``ParameterError``.
    """
    try:
        resolved = np.dtype(dtype)
    except (TypeError, ValueError) as exc:
        raise TypeError(
            f"{name}={dtype!r} is not a numpy dtype; use np.float32 or np.float64"
        ) from exc
    if dtype is None or resolved not in (np.float32, np.float64):
        raise ParameterError(f"{name} must be np.float32 or np.float64, got {dtype!r}")
    return resolved


def check_name_list(names, name: str, *, allowed=None, what: str = "name") -> list[str]:
    """Turn one name or a sequence of names into a list of str, checked against ``allowed``.

    A single string is one name (``"piano_C4"`` becomes ``["piano_C4"]``, never
    the list of its characters). Duplicates are rejected, as is a name not in
    ``allowed`` when that is given.
    """
    if isinstance(names, str):
        names = [names]
    elif isinstance(names, bytes) or not hasattr(names, "__iter__"):
        raise TypeError(f"{name} must be a str or a list of str, got {_describe(names)}")
    result = list(names)
    for item in result:
        if not isinstance(item, str):
            raise TypeError(f"{name} must hold str {what}s, got {_describe(item)}")
    repeated = sorted({item for item in result if result.count(item) > 1})
    if repeated:
        raise ParameterError(f"{name} names {repeated} more than once; give each {what} once")
    if allowed is not None:
        allowed = list(allowed)
        unknown = [item for item in result if item not in allowed]
        if unknown:
            raise ParameterError(f"{name} has unknown {what}(s) {unknown}; choose from {allowed}")
    return result


def check_axes(ax, name: str = "ax"):
    """Check that ``ax`` is ``None`` or a matplotlib ``Axes``; return it unchanged."""
    if ax is None:
        return None
    from matplotlib.axes import Axes

    if not isinstance(ax, Axes):
        raise TypeError(
            f"{name} must be a matplotlib Axes (e.g. from plt.subplots()) or None, "
            f"got {_describe(ax)}"
        )
    return ax


def check_array_size(shape, dtype, name: str, *, hint: str = "") -> None:
    """Raise before allocating an array of ``shape`` and ``dtype`` above :data:`MAX_ARRAY_BYTES`."""
    n_bytes = float(np.prod([float(n) for n in shape])) * np.dtype(dtype).itemsize
    if n_bytes > MAX_ARRAY_BYTES:
        shape_text = " x ".join(str(int(n)) for n in shape)
        raise ParameterError(
            f"{name} would need {n_bytes / 1024**3:.3g} GiB ({shape_text} {np.dtype(dtype)}), "
            f"more than the {MAX_ARRAY_BYTES / 1024**3:.3g} GiB course_lib allows"
            + (f"; {hint}" if hint else "; check the units of the arguments")
        )


def check_spectrogram(
    X, name: str = "X", *, ndims=(2, 3), nonnegative: bool = False
) -> np.ndarray:
    """A finite real or complex spectrogram ``(freq, frames)`` or ``(channels, freq, frames)``.

    Parameters
    ----------
    X : array_like
        The spectrogram.
    name : str
        The argument name used in error messages.
    ndims : tuple of int or None
        The numbers of dimensions allowed (``None``: any).
    nonnegative : bool
        Require a real, non-negative array (a magnitude or power spectrogram).

    Returns
    -------
    numpy.ndarray
        ``X`` itself when it is already float32/64 or complex64/128, otherwise a
        float64 (or complex128) copy.
    """
    if isinstance(X, (str, bytes)) or X is None:
        raise TypeError(f"{name} must be a numpy array, got {_describe(X)}")
    arr = np.asarray(X)
    if arr.dtype == object or not np.issubdtype(arr.dtype, np.number):
        raise TypeError(f"{name} must be a numeric array, got {_describe(X)}")
    if np.issubdtype(arr.dtype, np.integer) or arr.dtype == np.bool_:
        raise TypeError(f"{name} has integer dtype {arr.dtype}; convert it to float first")
    if nonnegative and np.iscomplexobj(arr):
        raise TypeError(
            f"{name} must be a real magnitude spectrogram, got complex dtype {arr.dtype}; "
            "take np.abs of the STFT first"
        )
    if arr.dtype not in (np.float32, np.float64, np.complex64, np.complex128):
        arr = arr.astype(np.complex128 if np.iscomplexobj(arr) else np.float64)
    if ndims is not None and arr.ndim not in ndims:
        allowed = {2: "(freq, frames)", 3: "(channels, freq, frames)"}
        text = " or ".join(allowed.get(n, f"{n}-D") for n in ndims)
        raise ParameterError(f"{name} must have shape {text}, got shape {arr.shape}")
    if arr.size == 0:
        raise ParameterError(f"{name} is empty, got shape {arr.shape}")
    if not np.all(np.isfinite(arr)):
        bad = int(arr.size - np.count_nonzero(np.isfinite(arr)))
        raise ParameterError(f"{name} contains {bad} non-finite value(s) (NaN or inf)")
    if nonnegative and np.any(arr < 0):
        raise ParameterError(
            f"{name} must be non-negative (a magnitude), but its minimum is {arr.min():.4g}"
        )
    return arr


def check_nonnegative_matrix(M, name: str, *, dtype=None, allow_zero_matrix: bool = False):
    """A finite, non-negative, real 2-D float array ``(freq, frames)``, e.g. for NMF.

    Returns ``M`` itself when no conversion is needed, else a converted copy
    (never the caller's object modified).
    """
    if M is None or isinstance(M, (str, bytes)):
        raise TypeError(f"{name} must be a 2-D numpy array, got {_describe(M)}")
    arr = np.asarray(M)
    if arr.dtype == np.bool_ or not np.issubdtype(arr.dtype, np.number):
        raise TypeError(f"{name} must be a float array, got dtype {arr.dtype}")
    if np.iscomplexobj(arr):
        raise TypeError(
            f"{name} is complex ({arr.dtype}); NMF factorises a magnitude: pass np.abs({name})"
        )
    if np.issubdtype(arr.dtype, np.integer):
        raise TypeError(f"{name} has integer dtype {arr.dtype}; convert it with .astype(float)")
    if arr.ndim != 2:
        raise ParameterError(f"{name} must be a 2-D matrix (freq, frames), got shape {arr.shape}")
    if 0 in arr.shape:
        raise ParameterError(f"{name} of shape {arr.shape} is empty")
    if not np.all(np.isfinite(arr)):
        raise ParameterError(f"{name} contains NaN or infinite values")
    if np.any(arr < 0):
        raise ParameterError(
            f"{name} has negative entries (min {arr.min():.3g}); NMF needs a non-negative matrix "
            "such as a magnitude spectrogram np.abs(X)"
        )
    if not allow_zero_matrix and not np.any(arr > 0):
        raise ParameterError(f"{name} is all zeros: there is nothing to factorise")
    if dtype is not None:
        arr = arr.astype(dtype, copy=False)
    return arr


def check_stem_stfts(stem_stfts, name: str = "stem_stfts", *, min_sources: int = 2) -> np.ndarray:
    """Stacked source STFTs ``(sources, freq, frames)`` or ``(sources, channels, freq, frames)``."""
    if isinstance(stem_stfts, (str, bytes)) or stem_stfts is None:
        raise TypeError(
            f"{name} must be a numpy array of stacked STFTs, got {_describe(stem_stfts)}"
        )
    arr = np.asarray(stem_stfts)
    if arr.dtype == object or not np.issubdtype(arr.dtype, np.number):
        raise TypeError(f"{name} must be a numeric array, got {_describe(stem_stfts)}")
    if arr.ndim not in (3, 4):
        raise ParameterError(
            f"{name} must have shape (sources, freq, frames) or (sources, channels, freq, "
            f"frames), got shape {arr.shape}; stack the STFTs of the sources with np.stack"
        )
    if arr.shape[0] < min_sources:
        raise ParameterError(
            f"{name} holds {arr.shape[0]} source(s); at least {min_sources} are needed"
        )
    if arr.size == 0:
        raise ParameterError(f"{name} is empty, got shape {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise ParameterError(f"{name} contains NaN or infinite values")
    return arr


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
    if arr.ndim == 2 and arr.shape[0] == 0:
        raise ParameterError(
            f"{name} has shape {arr.shape}: zero channels. Multichannel audio is "
            "(channels, samples) with at least one channel"
        )
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
    if random_state is None:
        return np.random.default_rng()
    if isinstance(random_state, numbers.Integral) and not isinstance(random_state, bool):
        if random_state < 0:
            raise ParameterError(
                f"random_state={random_state} must be a non-negative int seed (or None, or a "
                "numpy.random.Generator)"
            )
        return np.random.default_rng(int(random_state))
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


def check_complex_stft(X, name: str = "x", *, ndims=(2, 3)) -> np.ndarray:
    """A finite *complex* STFT ``(freq, frames)`` or ``(channels, freq, frames)``.

    As :func:`check_spectrogram`, and a real array (a magnitude, or an STFT whose
    phase was dropped) is a ``TypeError``: Wiener filtering needs the mixture's phase.
    Returns ``X`` itself when it is complex64 or complex128, else a complex128 copy.
    """
    arr = check_spectrogram(X, name, ndims=ndims)
    if not np.iscomplexobj(arr):
        raise TypeError(
            f"{name} must be a complex STFT, got real dtype {arr.dtype}; pass the STFT itself "
            "(course_lib.stft.stft), not its magnitude"
        )
    return arr


def check_stacked_spectrograms(
    X, name: str, *, nonnegative: bool = False, require_complex: bool = False
) -> np.ndarray:
    """Spectrograms stacked first, ``(sources, freq, frames)`` or ``(sources, channels, ...)``.

    Parameters
    ----------
    X : array_like
        The stack.
    name : str
        The argument name used in error messages.
    nonnegative : bool
        Require a real, non-negative stack (magnitudes or power spectrograms).
    require_complex : bool
        Require complex STFTs (a real stack is a ``TypeError``).

    Returns
    -------
    numpy.ndarray
        ``X`` itself when it is float32/64 or complex64/128, else a float64 (or
        complex128) copy.
    """
    arr = check_spectrogram(X, name, ndims=None, nonnegative=nonnegative)
    if arr.ndim not in (3, 4):
        raise ParameterError(
            f"{name} must have shape (sources, freq, frames) or (sources, channels, freq, "
            f"frames), got shape {arr.shape}; stack the sources first with np.stack"
            + (" (one source: X[np.newaxis])" if arr.ndim == 2 else "")
        )
    if require_complex and not np.iscomplexobj(arr):
        raise TypeError(
            f"{name} must hold complex STFTs, got real dtype {arr.dtype}; give the estimates "
            "with their phase (e.g. from course_lib.wiener.softmask)"
        )
    return arr


def check_callable(value, name: str, *, allow_none: bool = True):
    """Check that ``value`` is callable (or ``None`` when ``allow_none``); return it."""
    if value is None and allow_none:
        return None
    if not callable(value):
        hint = " or None" if allow_none else ""
        raise TypeError(f"{name} must be a function{hint}, got {_describe(value)}")
    return value


def check_player_capacity(audio, sr, name: str = "y", *, max_channels: int, max_rate: int) -> int:
    """Check that an inline player's format holds ``audio`` at ``sr``; return the rate in Hz.

    ``audio`` has passed :func:`check_audio` and ``sr`` :func:`check_sample_rate`. A player
    plays whole hertz, so ``sr`` is rounded (22050.4 Hz plays at 22050 Hz); the rounded rate
    must lie within ``[1, max_rate]`` and ``audio`` may have at most ``max_channels``
    channels (FLAC, which :func:`course_lib.audio.play` embeds: 8 channels, 655 350 Hz).
    """
    channels = 1 if np.ndim(audio) == 1 else int(np.shape(audio)[0])
    if channels > max_channels:
        raise ParameterError(
            f"{name} has {channels} channels, but an inline player embeds FLAC, which holds at "
            f"most {max_channels}; listen to a few channels at a time (e.g. {name}[:2]) or mix "
            "them down with audio.to_mono"
        )
    rate = int(round(sr))
    if rate > max_rate:
        raise ParameterError(
            f"sr={sr} Hz is above {max_rate} Hz, the highest rate of FLAC, which the inline "
            "players embed; resample first, e.g. audio.resample(y, sr, target_sr=48000)"
        )
    if rate < 1:
        raise ParameterError(f"sr={sr} Hz rounds to {rate} Hz; a player needs at least 1 Hz")
    return rate
