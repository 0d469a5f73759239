"""The short-time Fourier transform (STFT), its inverse, and Griffin-Lim.

Shape conventions, used by every function here (they are librosa's):

- mono audio ``(samples,)`` gives an STFT of shape ``(freq, frames)``;
- multichannel audio ``(channels, samples)`` gives ``(channels, freq, frames)``;
- ``freq = n_fft // 2 + 1``: the bins ``k = 0, ..., n_fft // 2`` from 0 Hz up
  to the Nyquist frequency ``sr / 2``, which only an even ``n_fft`` reaches (the
  course default, 1411 samples at 22 050 Hz, stops at 11 017 Hz); the negative
  frequencies of a real signal are the complex conjugates, and are not stored;
- ``frames = 1 + (samples + 2 * (n_fft // 2) - n_fft) // hop_length`` with
  ``center=True`` (the default): ``1 + samples // hop_length`` for an even
  ``n_fft``, but ``1 + (samples - 1) // hop_length`` for an odd one such as the
  course default of 1411 samples; with ``center=False`` it is
  ``1 + (samples - n_fft) // hop_length``;
- float32 audio gives a complex64 STFT, float64 audio a complex128 STFT, and
  the inverse goes back to float32 or float64.

The STFT of a signal ``x`` with a window ``w`` of ``N = n_fft`` samples and a
hop of ``H = hop_length`` samples is::

    X(k, m) = sum_{n=0}^{N-1} x(n + m H) w(n) exp(-2 pi j n k / N)

Bin ``k`` is at frequency ``F(k) = k sr / N`` Hz (:func:`frequencies`) and
frame ``m`` at time ``T(m) = m H / sr`` seconds (:func:`times`); with
``center=True`` the signal is padded by ``N // 2`` zeros on each side, so that
frame ``m`` is centred on sample ``m H``.

The course describes the analysis in seconds: a 64 ms frame and a 32 ms hop,
which at 22 050 Hz are ``n_fft=1411`` and ``hop_length=706`` samples. Every
function takes ``frame`` and ``hop`` in seconds, or ``n_fft`` and
``hop_length`` in samples (which take precedence); the conversion happens in
one place, :func:`frame_params`. Pass the same parameters to :func:`stft` and
:func:`istft`.

- :data:`STFT_KEYWORDS`: the keywords every analysing or resynthesising function
  of the course accepts and forwards;
- :func:`frame_params`: seconds to samples;
- :func:`stft`, :func:`istft`: analysis and (perfect) resynthesis;
- :func:`magphase`: split an STFT into magnitude and phase;
- :func:`frequencies`, :func:`times`: the axes of a spectrogram;
- :func:`griffin_lim`: a signal whose STFT magnitude is close to a given one.

No function modifies its arguments in place.
"""

from __future__ import annotations

import inspect
import numbers

import librosa
import numpy as np
import scipy.signal

from ._validation import (
    ParameterError,
    check_array_size,
    check_audio,
    check_bool,
    check_int,
    check_positive,
    check_random_state,
    check_sample_rate,
    check_spectrogram,
)

__all__ = [
    "STFT_KEYWORDS",
    "DEFAULT_FRAME",
    "DEFAULT_HOP",
    "frame_params",
    "stft",
    "istft",
    "magphase",
    "frequencies",
    "times",
    "griffin_lim",
]

#: The course's analysis frame length, in seconds.
DEFAULT_FRAME = 0.064
#: The course's hop between frames, in seconds.
DEFAULT_HOP = 0.032


#: The keywords that describe an STFT analysis. Every ``course_lib`` function that
#: analyses or resynthesises a signal accepts exactly these, with :func:`stft`'s
#: defaults, and forwards them (a test checks every such function).
STFT_KEYWORDS = ("frame", "hop", "n_fft", "hop_length", "window", "center")

#: The longest frame accepted in seconds. A longer one is nearly always a units slip
#: (``frame=64`` meaning 64 ms), which would allocate gigabytes.
MAX_FRAME_SECONDS = 4.0


# ---------------------------------------------------------------------------
# small helpers
# ---------------------------------------------------------------------------


def _slip_hint(value: float, name: str) -> str:
    """A guess at a milliseconds-for-seconds slip, for error messages."""
    if value >= 1 and 0.001 <= value / 1000 <= MAX_FRAME_SECONDS:
        return f"; {name} is in seconds: did you mean {name}={value / 1000:g}?"
    return ""


def _check_length(length) -> int | None:
    if length is None:
        return None
    return check_int(length, "length", minimum=1, unit="sample(s)")


def _window_array(window, n_fft: int) -> np.ndarray:
    """Build ``window`` with ``n_fft`` samples (as librosa does) and check it is usable."""
    if isinstance(window, np.ndarray) or isinstance(window, (list, tuple)) and all(
        isinstance(v, numbers.Number) for v in window
    ):
        values = np.asarray(window)
        if np.iscomplexobj(values) or not np.issubdtype(values.dtype, np.number):
            raise ParameterError(
                f"window must be a real array of n_fft={n_fft} samples, got dtype {values.dtype}"
            )
        if values.ndim != 1 or values.shape[0] != n_fft:
            raise ParameterError(
                f"window array has shape {values.shape} but n_fft={n_fft}; give an array of "
                f"exactly n_fft={n_fft} samples, or a window name such as 'hann'"
            )
        if not np.all(np.isfinite(values)):
            raise ParameterError("window array contains NaN or infinite values")
        if not np.any(values != 0):
            raise ParameterError("window array is all zeros: every frame would be silent")
    try:
        return librosa.filters.get_window(window, n_fft, fftbins=True)
    except (ValueError, TypeError, librosa.util.exceptions.ParameterError) as exc:
        raise ParameterError(
            f"window={window!r} is not a window librosa can build with n_fft={n_fft} "
            f"samples ({exc}). Use a name such as 'hann', 'hamming' or 'blackman', a "
            "tuple with its parameter such as ('kaiser', 8.0), or an array of "
            f"length n_fft={n_fft}"
        ) from exc


def _check_window(window, n_fft: int):
    """Check that ``window`` is a usable analysis window; return it unchanged."""
    _window_array(window, n_fft)
    return window


def _check_nola(window, n_fft: int, hop_length: int) -> None:
    """Raise unless the shifted squared windows never sum to zero (the NOLA condition)."""
    values = _window_array(window, n_fft)
    if not scipy.signal.check_NOLA(values, n_fft, n_fft - hop_length):
        raise ParameterError(
            f"window={window!r} with n_fft={n_fft} and hop_length={hop_length} samples "
            "violates the NOLA condition: some samples are covered only where the window is "
            "zero, so the inverse STFT cannot recover them. Use a shorter hop (the course "
            "uses about half the frame) or a window without zeros such as 'hamming'"
        )


def _frame_samples(sr, frame, n_fft) -> int:
    """The frame length in samples: ``n_fft`` if given, else ``round(frame * sr)``."""
    if n_fft is not None:
        return check_int(n_fft, "n_fft", minimum=2, unit="sample(s)")
    frame = check_positive(frame, "frame", unit="s")
    if frame > MAX_FRAME_SECONDS:
        raise ParameterError(
            f"frame={frame} s is longer than {MAX_FRAME_SECONDS:g} s"
            + (_slip_hint(frame, "frame") or "; give the frame length in seconds (0.064 is 64 ms)")
        )
    n_fft = round(frame * sr)
    if n_fft < 2:
        raise ParameterError(
            f"frame={frame} s at sr={sr} Hz is {n_fft} sample(s); a frame needs at least 2 samples"
        )
    return int(n_fft)


def _hop_samples(sr, hop, hop_length) -> int:
    """The hop in samples: ``hop_length`` if given, else ``round(hop * sr)``."""
    if hop_length is not None:
        return check_int(hop_length, "hop_length", minimum=1, unit="sample(s)")
    hop = check_positive(hop, "hop", unit="s")
    if hop > MAX_FRAME_SECONDS:
        raise ParameterError(
            f"hop={hop} s is longer than {MAX_FRAME_SECONDS:g} s"
            + (_slip_hint(hop, "hop") or "; give the hop in seconds (0.032 is 32 ms)")
        )
    hop_length = round(hop * sr)
    if hop_length < 1:
        raise ParameterError(
            f"hop={hop} s at sr={sr} Hz is less than one sample; use a hop of at least "
            f"{1 / sr:.3g} s"
        )
    return int(hop_length)


def _check_resynthesis(X, name, n_fft, hop_length, window, center, length) -> int | None:
    """The checks shared by :func:`istft` and :func:`griffin_lim`; returns ``length``."""
    _check_nola(window, n_fft, hop_length)
    length = _check_length(length)
    n_frames = X.shape[-1]
    if length is None:
        length = hop_length * (n_frames - 1) + (n_fft % 2 if center else n_fft)
        if length < 2:
            raise ParameterError(
                f"{name} has {n_frames} frame(s): with center=True its default length, "
                f"hop_length * (frames - 1) = {hop_length * (n_frames - 1)} sample(s), is "
                "(nearly) empty. Pass length= (the number of samples of the original signal)"
            )
        length = None  # let librosa trim as it always does
    check_array_size(
        (*X.shape[:-2], length or hop_length * n_frames + n_fft),
        np.float64,
        "the resynthesised signal",
        hint="check length= (in samples)",
    )
    return length


#: The name librosa gives the random generator of ``griffinlim``: ``random_state``
#: up to 0.11, ``rng`` from 1.0 (which warns about the old name).
_GRIFFINLIM_RNG = (
    "rng" if "rng" in inspect.signature(librosa.griffinlim).parameters else "random_state"
)


def _check_bins(X: np.ndarray, name: str, n_fft: int) -> None:
    expected = n_fft // 2 + 1
    if X.shape[-2] != expected:
        raise ParameterError(
            f"{name} has {X.shape[-2]} frequency bins but n_fft={n_fft} expects {expected}; "
            "pass the same frame/n_fft as to stft"
        )


# ---------------------------------------------------------------------------
# parameters and axes
# ---------------------------------------------------------------------------


def frame_params(
    sr,
    *,
    frame: float = DEFAULT_FRAME,
    hop: float = DEFAULT_HOP,
    n_fft: int | None = None,
    hop_length: int | None = None,
) -> tuple[int, int]:
    """Convert a frame length and hop in seconds to samples.

    Used in 01_stft, §2 (frame and hop in seconds and samples).

    ``n_fft = round(frame * sr)`` and ``hop_length = round(hop * sr)`` (to the
    nearest integer, as Python's :func:`round`), unless ``n_fft`` or
    ``hop_length`` are given in samples, which then take precedence.

    Parameters
    ----------
    sr : int or float
        The sample rate in Hz.
    frame : float
        The frame (window) length in seconds; 64 ms by default.
    hop : float
        The hop between the starts of consecutive frames in seconds; 32 ms by
        default.
    n_fft : int, optional
        The frame length in samples; overrides ``frame``.
    hop_length : int, optional
        The hop in samples; overrides ``hop``.

    Returns
    -------
    n_fft : int
        The frame length (and FFT size) in samples, at least 2.
    hop_length : int
        The hop in samples, between 1 and ``n_fft``.

    Raises
    ------
    TypeError
        When a parameter is not a number, or ``n_fft`` / ``hop_length`` are not
        ints.
    ParameterError
        When ``sr``, ``frame`` or ``hop`` are not positive, the frame is shorter
        than 2 samples, the hop shorter than 1 sample, or the hop longer than
        the frame (which would skip samples).

    Examples
    --------
    >>> from course_lib.stft import frame_params
    >>> frame_params(22050)
    (1411, 706)
    >>> frame_params(16000, frame=0.025, hop=0.010)
    (400, 160)
    >>> frame_params(22050, n_fft=2048, hop_length=512)
    (2048, 512)
    """
    sr = check_sample_rate(sr)
    n_fft = _frame_samples(sr, frame, n_fft)
    hop_length = _hop_samples(sr, hop, hop_length)
    if hop_length > n_fft:
        raise ParameterError(
            f"the hop (hop_length={hop_length} samples) is longer than the frame "
            f"(n_fft={n_fft} samples), so some samples would never be analysed. Use a hop "
            "of at most the frame length (the course uses half of it); when you give n_fft "
            "in samples, give hop_length in samples too"
        )
    return n_fft, hop_length


def frequencies(sr, *, frame: float = DEFAULT_FRAME, n_fft: int | None = None) -> np.ndarray:
    """The centre frequency of each STFT bin, ``F(k) = k * sr / n_fft`` in Hz.

    Used in 01_stft, §2 (the axes of a spectrogram).

    Parameters
    ----------
    sr : int or float
        The sample rate in Hz.
    frame : float
        The frame length in seconds, as given to :func:`stft`.
    n_fft : int, optional
        The frame length in samples; overrides ``frame``.

    Returns
    -------
    numpy.ndarray, shape (n_fft // 2 + 1,)
        The frequencies in Hz, from 0 to ``sr / 2`` (reached when ``n_fft`` is
        even), float64. The same as ``librosa.fft_frequencies``.

    Raises
    ------
    TypeError, ParameterError
        As :func:`frame_params`.

    Examples
    --------
    >>> from course_lib.stft import frequencies
    >>> frequencies(8000, n_fft=8)
    array([   0., 1000., 2000., 3000., 4000.])
    >>> frequencies(22050).shape
    (706,)
    """
    n_fft = _frame_samples(check_sample_rate(sr), frame, n_fft)
    return np.arange(n_fft // 2 + 1) * (float(sr) / n_fft)


def times(n_frames, sr, *, hop: float = DEFAULT_HOP, hop_length: int | None = None) -> np.ndarray:
    """The time of each STFT frame, ``T(m) = m * hop_length / sr`` in seconds.

    Used in 01_stft, §2 (the axes of a spectrogram).

    With ``center=True`` (the default of :func:`stft`) frame ``m`` is centred
    on sample ``m * hop_length``, so ``T(m)`` is the time of its centre; with
    ``center=False`` it is the time of its first sample.

    Parameters
    ----------
    n_frames : int
        The number of frames, ``X.shape[-1]``.
    sr : int or float
        The sample rate in Hz.
    hop : float
        The hop in seconds, as given to :func:`stft`.
    hop_length : int, optional
        The hop in samples; overrides ``hop``.

    Returns
    -------
    numpy.ndarray, shape (n_frames,)
        The times in seconds, float64. The same as
        ``librosa.frames_to_time(np.arange(n_frames), sr=sr, hop_length=hop_length)``.

    Raises
    ------
    TypeError
        When ``n_frames`` is not an int.
    ParameterError
        When ``n_frames`` is negative, or as :func:`frame_params`.

    Examples
    --------
    >>> from course_lib.stft import times
    >>> times(4, 8000, hop_length=2000)
    array([0.  , 0.25, 0.5 , 0.75])
    >>> times(3, 22050)[1]  # the 706-sample hop of the course default
    np.float64(0.03201814058956916)
    """
    n_frames = check_int(n_frames, "n_frames", minimum=0, unit="frame(s)")
    hop_length = _hop_samples(check_sample_rate(sr), hop, hop_length)
    return np.arange(n_frames) * (hop_length / float(sr))


# ---------------------------------------------------------------------------
# transforms
# ---------------------------------------------------------------------------


def stft(
    y,
    sr,
    *,
    frame: float = DEFAULT_FRAME,
    hop: float = DEFAULT_HOP,
    n_fft: int | None = None,
    hop_length: int | None = None,
    window="hann",
    center: bool = True,
) -> np.ndarray:
    """The short-time Fourier transform of a signal.

    Used in 01_stft, §2 and in every later notebook.

    ``X(k, m) = sum_n y(n + m H) w(n) exp(-2 pi j n k / N)`` with ``N = n_fft``
    and ``H = hop_length``, computed by ``librosa.stft`` (zero padding of
    ``N // 2`` samples on each side when ``center=True``).

    Parameters
    ----------
    y : numpy.ndarray, shape (samples,) or (channels, samples)
        The signal, float32 or float64.
    sr : int or float
        The sample rate in Hz; used to convert ``frame`` and ``hop``.
    frame : float
        The frame (window) length in seconds; 64 ms by default.
    hop : float
        The hop in seconds; 32 ms by default.
    n_fft : int, optional
        The frame length in samples; overrides ``frame``.
    hop_length : int, optional
        The hop in samples; overrides ``hop``.
    window : str, tuple or numpy.ndarray
        The analysis window: a name such as ``"hann"`` (default), ``"hamming"``
        or ``"blackman"``, a tuple such as ``("kaiser", 8.0)`` (anything
        ``scipy.signal.get_window`` accepts), or an array of ``n_fft`` samples.
    center : bool
        Whether to pad the signal so that frame ``m`` is centred on sample
        ``m * hop_length``.

    Returns
    -------
    numpy.ndarray, shape (freq, frames) or (channels, freq, frames)
        The complex STFT, ``freq = n_fft // 2 + 1``; complex64 for float32
        input, complex128 for float64 input.

    Raises
    ------
    TypeError
        When ``y`` is not a real float array (e.g. integer PCM samples).
    ParameterError
        When ``y`` has the wrong shape or non-finite values, the frame
        parameters are invalid (see :func:`frame_params`), the window is
        unknown or unusable (all zero, NaN, complex, of the wrong length), the
        frame is longer than the signal, or the result would be larger than
        :data:`course_lib._validation.MAX_ARRAY_BYTES`.

    References
    ----------
    .. [1] J. B. Allen, "Short term spectral analysis, synthesis, and
       modification by discrete Fourier transform," IEEE Trans. Acoust.,
       Speech, Signal Process., 25(3), 235-238, 1977.

    Examples
    --------
    >>> import numpy as np
    >>> from course_lib.stft import stft
    >>> sr = 22050
    >>> y = np.zeros(sr, dtype=np.float32)  # one second
    >>> X = stft(y, sr)  # 64 ms frames (1411 samples), 32 ms hop (706)
    >>> X.shape, X.dtype
    ((706, 32), dtype('complex64'))
    >>> stft(np.zeros((2, 4096)), sr, n_fft=1024, hop_length=256).shape
    (2, 513, 17)
    """
    n_fft, hop_length = frame_params(sr, frame=frame, hop=hop, n_fft=n_fft, hop_length=hop_length)
    center = check_bool(center, "center")
    audio = check_audio(y)
    n_samples = audio.shape[-1]
    if n_fft > n_samples:
        seconds = n_fft / float(sr)
        raise ParameterError(
            f"the frame (n_fft={n_fft} samples, {seconds:g} s) is longer than the signal "
            f"({n_samples} samples, {n_samples / float(sr):g} s)"
            + (_slip_hint(frame, "frame") if n_fft == round(frame * sr) else "")
            + "; use a shorter frame, or a longer signal"
        )
    window = _check_window(window, n_fft)
    n_frames = 1 + (n_samples + (2 * (n_fft // 2) if center else 0) - n_fft) // hop_length
    check_array_size(
        (*audio.shape[:-1], n_fft // 2 + 1, n_frames),
        np.complex64 if audio.dtype == np.float32 else np.complex128,
        "this STFT",
        hint="check the units of frame and hop (seconds) or n_fft and hop_length (samples)",
    )
    return librosa.stft(
        audio, n_fft=n_fft, hop_length=hop_length, window=window, center=center
    )


def istft(
    X,
    sr,
    *,
    frame: float = DEFAULT_FRAME,
    hop: float = DEFAULT_HOP,
    n_fft: int | None = None,
    hop_length: int | None = None,
    window="hann",
    center: bool = True,
    length: int | None = None,
) -> np.ndarray:
    """The inverse STFT: a signal from its (possibly modified) STFT.

    Used in 01_stft, §5 (back to a sound) and every separation after it.

    Inverse FFT of each frame, multiplication by the window, overlap-add, and
    division by the overlapped sum of the squared window (the least-squares
    estimate of Griffin & Lim [1]_, computed by ``librosa.istft``). With the
    same parameters as :func:`stft`, ``istft(stft(y))`` gives back ``y`` up to
    rounding whenever the shifted squared windows never sum to zero (the NOLA
    condition, checked here with ``scipy.signal.check_NOLA``). The Hann and
    Blackman windows meet it for any hop shorter than the frame (their only
    zero is the first sample: at ``hop_length = n_fft`` they fail), the Hamming
    window for any hop up to the frame. The course default, a 706-sample hop in
    a 1411-sample frame, is just over half the frame, and meets it.

    Parameters
    ----------
    X : numpy.ndarray, shape (freq, frames) or (channels, freq, frames)
        The STFT, complex (or real), with ``freq = n_fft // 2 + 1``.
    sr : int or float
        The sample rate in Hz.
    frame, hop, n_fft, hop_length, window, center
        The parameters used for :func:`stft`; see there.
    length : int, optional
        The number of samples to return: the output is trimmed or zero padded
        to exactly ``length``. Pass ``y.shape[-1]`` to get back a signal of the
        original length. Without it the length is ``hop_length * (frames - 1)
        + n_fft % 2`` with ``center=True`` (one sample more for an odd
        ``n_fft``, as the course default), ``n_fft + hop_length * (frames - 1)``
        with ``center=False``.

    Returns
    -------
    numpy.ndarray, shape (samples,) or (channels, samples)
        The real signal; float32 for a complex64 ``X``, float64 for complex128.

    Raises
    ------
    TypeError
        When ``X`` is not a numeric float or complex array, or ``length`` is
        not an int.
    ParameterError
        When ``X`` has the wrong shape, non-finite values, or a number of
        frequency bins that does not match ``n_fft``; when the frame
        parameters or the window are invalid, or violate the NOLA condition;
        when ``length`` is not positive or too large to allocate; or when the
        signal would be empty (a single frame with ``center=True`` and no
        ``length``).

    References
    ----------
    .. [1] D. W. Griffin and J. S. Lim, "Signal estimation from modified
       short-time Fourier transform," IEEE Trans. Acoust., Speech, Signal
       Process., 32(2), 236-243, 1984.

    Examples
    --------
    >>> import numpy as np
    >>> from course_lib.stft import stft, istft
    >>> sr = 22050
    >>> y = np.random.default_rng(0).standard_normal(sr)
    >>> X = stft(y, sr)
    >>> y_back = istft(X, sr, length=len(y))
    >>> y_back.shape, bool(np.allclose(y_back, y))
    ((22050,), True)
    """
    spectrogram = check_spectrogram(X, "X")
    n_fft, hop_length = frame_params(sr, frame=frame, hop=hop, n_fft=n_fft, hop_length=hop_length)
    center = check_bool(center, "center")
    _check_bins(spectrogram, "X", n_fft)
    length = _check_resynthesis(spectrogram, "X", n_fft, hop_length, window, center, length)
    if not np.iscomplexobj(spectrogram):
        spectrogram = spectrogram.astype(
            np.complex64 if spectrogram.dtype == np.float32 else np.complex128
        )
    return librosa.istft(
        spectrogram,
        n_fft=n_fft,
        hop_length=hop_length,
        window=window,
        center=center,
        length=length,
    )


def magphase(X) -> tuple[np.ndarray, np.ndarray]:
    """Split an STFT into its magnitude and its phase, ``X = magnitude * phase``.

    Used in 01_stft, §4 (magnitude and phase).

    Parameters
    ----------
    X : numpy.ndarray, any shape, e.g. (freq, frames) or (channels, freq, frames)
        The STFT, complex (or real).

    Returns
    -------
    magnitude : numpy.ndarray, shape of ``X``
        ``|X|``, real and non-negative (float32 for complex64 input).
    phase : numpy.ndarray, shape of ``X``
        ``exp(j * angle(X))``, complex with modulus 1; a bin where ``X`` is 0
        has phase 1 (as ``librosa.magphase``).

    Raises
    ------
    TypeError
        When ``X`` is not a numeric float or complex array.
    ParameterError
        When ``X`` is empty or has non-finite values.

    Examples
    --------
    >>> import numpy as np
    >>> from course_lib.stft import magphase
    >>> magnitude, phase = magphase(np.array([[3 + 4j, 0j], [-2 + 0j, 1j]]))
    >>> magnitude
    array([[5., 0.],
           [2., 1.]])
    >>> phase
    array([[ 0.6+0.8j,  1. +0.j ],
           [-1. +0.j ,  0. +1.j ]])
    """
    spectrogram = check_spectrogram(X, "X", ndims=None)
    return librosa.magphase(spectrogram, power=1)


def griffin_lim(
    magnitude,
    sr,
    *,
    n_iter: int = 32,
    frame: float = DEFAULT_FRAME,
    hop: float = DEFAULT_HOP,
    n_fft: int | None = None,
    hop_length: int | None = None,
    window="hann",
    center: bool = True,
    length: int | None = None,
    random_state=None,
    momentum: float = 0.99,
) -> np.ndarray:
    """A signal whose STFT magnitude approximates ``magnitude`` (Griffin-Lim).

    Used in 01_stft, §6 (why phase matters).

    Starting from a random phase, each iteration resynthesises a signal with
    :func:`istft`, takes its STFT, keeps that phase and puts back the target
    magnitude [1]_. The momentum of the fast Griffin-Lim algorithm [2]_
    speeds up convergence; ``momentum=0`` is the original algorithm. The work
    is done by ``librosa.griffinlim`` with ``init="random"``.

    Parameters
    ----------
    magnitude : numpy.ndarray, shape (freq, frames) or (channels, freq, frames)
        The target magnitude spectrogram ``|X|``, real and non-negative, with
        ``freq = n_fft // 2 + 1``.
    sr : int or float
        The sample rate in Hz.
    n_iter : int
        The number of iterations, at least 1.
    frame, hop, n_fft, hop_length, window, center
        The STFT parameters ``magnitude`` was computed with; see :func:`stft`.
    length : int, optional
        The number of samples to return, as in :func:`istft`.
    random_state : None, int or numpy.random.Generator
        The source of the initial random phase. An int gives the same signal
        every time; a Generator is advanced.
    momentum : float
        The momentum of fast Griffin-Lim, non-negative; values above 1 may not
        converge (librosa warns).

    Returns
    -------
    numpy.ndarray, shape (samples,) or (channels, samples)
        The signal; float32 for a float32 ``magnitude``, float64 otherwise.

    Raises
    ------
    TypeError
        When ``magnitude`` is complex or not a float array, or ``n_iter``,
        ``length`` or ``random_state`` have the wrong type.
    ParameterError
        When ``magnitude`` has the wrong shape, negative or non-finite values,
        or a number of bins that does not match ``n_fft``; when ``n_iter`` or
        ``length`` are not positive, ``momentum`` is negative, or the frame
        parameters or the window are invalid.

    References
    ----------
    .. [1] D. W. Griffin and J. S. Lim, "Signal estimation from modified
       short-time Fourier transform," IEEE Trans. Acoust., Speech, Signal
       Process., 32(2), 236-243, 1984.
    .. [2] N. Perraudin, P. Balazs and P. L. Søndergaard, "A fast Griffin-Lim
       algorithm," IEEE WASPAA, 2013.

    Examples
    --------
    >>> import numpy as np
    >>> from course_lib.stft import griffin_lim, stft
    >>> sr = 8000
    >>> tone = np.sin(2 * np.pi * 440 * np.arange(sr) / sr)
    >>> magnitude = np.abs(stft(tone, sr))
    >>> y = griffin_lim(magnitude, sr, random_state=0, length=sr)
    >>> y.shape
    (8000,)
    >>> error = np.linalg.norm(np.abs(stft(y, sr)) - magnitude) / np.linalg.norm(magnitude)
    >>> bool(error < 0.2)
    True
    """
    target = check_spectrogram(magnitude, "magnitude", nonnegative=True)
    n_fft, hop_length = frame_params(sr, frame=frame, hop=hop, n_fft=n_fft, hop_length=hop_length)
    center = check_bool(center, "center")
    _check_bins(target, "magnitude", n_fft)
    length = _check_resynthesis(target, "magnitude", n_fft, hop_length, window, center, length)
    n_iter = check_int(n_iter, "n_iter", minimum=1, unit="iteration(s)")
    momentum = check_positive(momentum, "momentum", allow_zero=True)
    generator = check_random_state(random_state)
    return librosa.griffinlim(
        target,
        n_iter=n_iter,
        hop_length=hop_length,
        n_fft=n_fft,
        window=window,
        center=center,
        length=length,
        momentum=float(momentum),
        init="random",
        **{_GRIFFINLIM_RNG: generator},
    )
