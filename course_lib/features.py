"""Mel filterbank, log-mel spectrum and MFCCs: a teaching implementation, checked against librosa.

Shapes
------
Everything follows librosa's layout, frequency first:

- a power or magnitude spectrogram ``S`` is ``(freq, frames)`` with
  ``freq = 1 + n_fft // 2`` bins at ``k * sr / n_fft`` Hz (:func:`course_lib.stft.frequencies`);
  NMF bases ``W`` ``(freq, rank)`` have the same layout, one basis per column;
- a mel filterbank is ``(n_mels, freq)``: one triangular filter per row, so that
  ``mel_basis @ S`` is ``(n_mels, frames)``;
- a log-mel spectrogram is ``(n_mels, frames)``, its MFCCs ``(n_mfcc, frames)``.

Frequencies are in Hz, mel values on the HTK scale
``m = 2595 log10(1 + f / 700)`` (:func:`hz_to_mel`).

The pipeline
------------
:func:`mel_filterbank` builds triangles whose corners are equally spaced on the mel
scale; :func:`log_mel` sums a spectrogram under each triangle and compresses the result
with ``log10(1 + amax * M / max(M))``, the form Spiertz and Gnann use for NMF bases
[1]_; :func:`mfcc` keeps the first coefficients of the orthonormal DCT-II of each
log-mel column (:func:`dct_basis`), which describe the smooth spectral envelope (the
"filter" of the source-filter model) and drop the fine harmonic structure.

No function modifies its arguments.

References
----------
.. [1] M. Spiertz and V. Gnann, "Source-filter based clustering for monaural blind
   source separation", Proc. DAFx, 2009.
.. [2] S. B. Davis and P. Mermelstein, "Comparison of parametric representations for
   monosyllabic word recognition in continuously spoken sentences", IEEE Trans. ASSP
   28(4), 1980.
.. [3] S. Young et al., "The HTK Book", Cambridge University Engineering Department
   (the mel scale ``2595 log10(1 + f / 700)``).
.. [4] T. Ganchev, N. Fakotakis and G. Kokkinakis, "Comparative evaluation of various
   MFCC implementations on the speaker verification task", Proc. SPECOM, 2005 (the
   unit-area triangles).
"""

from __future__ import annotations

import warnings

import numpy as np

from ._validation import (
    ParameterError,
    _describe,
    check_bool,
    check_finite_number,
    check_int,
    check_name_list,
    check_positive,
    check_sample_rate,
    check_spectrogram,
)

__all__ = [
    "hz_to_mel",
    "mel_to_hz",
    "mel_frequencies",
    "mel_filterbank",
    "log_mel",
    "dct_basis",
    "mfcc",
]

#: The break frequency of the mel scale, in Hz: below it the scale is nearly linear,
#: above it nearly logarithmic.
MEL_BREAK_HZ = 700.0
#: The factor of the HTK mel scale, chosen so that 1000 Hz is 1000 mel.
MEL_FACTOR = 2595.0

_NORMS = ("area",)


# ---------------------------------------------------------------------------
# The mel scale
# ---------------------------------------------------------------------------


def _check_frequencies(frequencies, name: str) -> np.ndarray:
    arr = np.asarray(frequencies)
    if arr.dtype == object or not np.issubdtype(arr.dtype, np.number) or arr.dtype == np.bool_:
        raise TypeError(f"{name} must be a number or an array of numbers, got "
                        f"{_describe(frequencies)}")
    if np.iscomplexobj(arr):
        raise TypeError(f"{name} must be real, got complex dtype {arr.dtype}")
    arr = arr.astype(np.float64)
    if not np.all(np.isfinite(arr)):
        raise ParameterError(f"{name} contains NaN or infinite values")
    return arr


def hz_to_mel(frequencies):
    """Convert frequencies in Hz to mel, ``m = 2595 log10(1 + f / 700)``.

    Used in 03_mfcc_clustering, §3 (the mel scale).

    The HTK form of the mel scale [3]_: nearly linear below the break frequency of
    700 Hz and nearly logarithmic above it, with 1000 Hz at 1000 mel. The keep learning
    blog writes the same scale as ``m0 ln(1 + f / 700)`` with ``m0 = 1000 / ln(1 + 1000
    / 700)``; the two factors differ in the fourth digit, which moves no filter, since
    only equal steps on the scale matter. Equal to ``librosa.hz_to_mel(f, htk=True)``.

    Parameters
    ----------
    frequencies : float or numpy.ndarray
        Frequencies in Hz, finite (negative values are allowed by the formula above
        -700 Hz but mean nothing).

    Returns
    -------
    float or numpy.ndarray
        Mel values, the shape of ``frequencies`` (a float for a scalar).

    Examples
    --------
    >>> round(hz_to_mel(1000.0), 2)   # 1000 Hz is (nearly) 1000 mel
    999.99
    >>> hz_to_mel(np.array([0.0, 700.0, 7000.0])).round(1)
    array([   0. ,  781.2, 2702.4])
    """
    f = _check_frequencies(frequencies, "frequencies")
    if np.any(f <= -MEL_BREAK_HZ):
        raise ParameterError(f"frequencies must be above -{MEL_BREAK_HZ:g} Hz, got {f.min()}")
    mel = MEL_FACTOR * np.log10(1.0 + f / MEL_BREAK_HZ)
    return float(mel) if mel.ndim == 0 else mel


def mel_to_hz(mels):
    """Convert mel values back to Hz, ``f = 700 (10^(m / 2595) - 1)``: the inverse of
    :func:`hz_to_mel`.

    Used in 03_mfcc_clustering, §3 (the mel scale).

    Parameters
    ----------
    mels : float or numpy.ndarray
        Mel values, finite.

    Returns
    -------
    float or numpy.ndarray
        Frequencies in Hz, the shape of ``mels``.

    Examples
    --------
    >>> round(mel_to_hz(hz_to_mel(440.0)), 9)
    440.0
    """
    m = _check_frequencies(mels, "mels")
    f = MEL_BREAK_HZ * (10.0 ** (m / MEL_FACTOR) - 1.0)
    return float(f) if f.ndim == 0 else f


def _check_band(sr, fmin, fmax) -> tuple[float, float]:
    fmin = check_finite_number(fmin, "fmin", unit="Hz")
    if fmin < 0:
        raise ParameterError(f"fmin={fmin} Hz must be at least 0 Hz")
    nyquist = sr / 2
    if fmax is None:
        fmax = nyquist
    fmax = check_finite_number(fmax, "fmax", unit="Hz")
    if fmax > nyquist:
        raise ParameterError(
            f"fmax={fmax} Hz is above the Nyquist frequency sr / 2 = {nyquist:g} Hz, where "
            "the spectrogram has no bins; use fmax <= sr / 2 (or None for sr / 2)"
        )
    if fmin >= fmax:
        raise ParameterError(f"fmin={fmin} Hz must be below fmax={fmax} Hz")
    return fmin, fmax


def mel_frequencies(n_points, *, fmin: float = 0.0, fmax: float = 11025.0) -> np.ndarray:
    """``n_points`` frequencies equally spaced on the mel scale from ``fmin`` to ``fmax``.

    Used in 03_mfcc_clustering, §3 (where the triangles sit).

    A filterbank of ``n_mels`` triangles uses ``n_mels + 2`` of them: triangle ``i``
    rises from point ``i``, peaks at point ``i + 1`` and falls to 0 at point ``i + 2``,
    so ``mel_frequencies(n_mels + 2, ...)[1:-1]`` are the channels' centre frequencies.
    Equal to ``librosa.mel_frequencies(n_points, fmin=fmin, fmax=fmax, htk=True)``.

    Parameters
    ----------
    n_points : int
        How many frequencies, at least 2.
    fmin, fmax : float
        The first and last frequency in Hz, ``0 <= fmin < fmax``.

    Returns
    -------
    numpy.ndarray, shape (n_points,)
        The frequencies in Hz, increasing, float64.

    Examples
    --------
    >>> mel_frequencies(4, fmin=0.0, fmax=8000.0).round(1)
    array([   0. ,  921.5, 3055.9, 8000. ])
    """
    n_points = check_int(n_points, "n_points", minimum=2, unit="point(s)")
    fmin = check_finite_number(fmin, "fmin", unit="Hz")
    fmax = check_finite_number(fmax, "fmax", unit="Hz")
    if fmin < 0 or fmin >= fmax:
        raise ParameterError(f"fmin={fmin} Hz and fmax={fmax} Hz must satisfy 0 <= fmin < fmax")
    return mel_to_hz(np.linspace(hz_to_mel(fmin), hz_to_mel(fmax), n_points))


# ---------------------------------------------------------------------------
# The filterbank
# ---------------------------------------------------------------------------


def mel_filterbank(
    sr,
    n_fft,
    n_mels: int = 20,
    *,
    fmin: float = 0.0,
    fmax: float | None = None,
    norm: str | None = None,
    snap_to_bins: bool = False,
) -> np.ndarray:
    """Triangular filters equally spaced on the mel scale, one row per channel.

    Used in 03_mfcc_clustering, §3 (the mel scale: both variants side by side) and §4
    (the log-mel spectrum of a basis).

    The ``n_mels + 2`` corner frequencies ``f_0 < f_1 < ... < f_{n_mels+1}`` are equally
    spaced on the mel scale from ``fmin`` to ``fmax`` (:func:`mel_frequencies`). Channel
    ``i`` is the triangle that is 0 at ``f_i``, rises linearly to 1 at ``f_{i+1}`` and
    falls linearly to 0 at ``f_{i+2}``, evaluated at the FFT bin frequencies
    ``F(k) = k sr / n_fft``:

    .. math:: B_i(k) = \\max\\left(0, \\min\\left(\\frac{F(k) - f_i}{f_{i+1} - f_i},
              \\frac{f_{i+2} - F(k)}{f_{i+2} - f_{i+1}}\\right)\\right)

    Neighbouring triangles overlap by half, so the rising edge of one is the falling
    edge of the previous one. With the defaults this equals
    ``librosa.filters.mel(sr=sr, n_fft=n_fft, n_mels=n_mels, fmin=fmin, fmax=fmax,
    htk=True, norm=None)``.

    ``snap_to_bins=True`` is the variant the keep learning blog writes by hand: the
    corners are first rounded to the nearest FFT bin, ``b_i = round(f_i n_fft / sr)``
    (half to even, as ``numpy.round``), and the triangle is drawn between bins: ``(k -
    b_i) / (b_{i+1} - b_i)`` for ``b_i <= k < b_{i+1}`` and ``(b_{i+2} - k) / (b_{i+2} -
    b_{i+1})`` for ``b_{i+1} <= k < b_{i+2}``, so every peak is exactly 1 on a bin. When
    ``fmax`` is the Nyquist frequency, the last corner is the bin ``1 + n_fft // 2``, one
    past the Nyquist bin (the blog's ``n_Nyq``), so the top channel keeps some weight
    on the Nyquist bin. With ``fmin=0`` and ``fmax=None`` this reproduces the blog's
    filters (to rounding) for the course's 64 ms frames at 22 050 Hz (``n_fft=1411``) and
    the other frame lengths tested; they differ only when rounding makes two corners of a
    triangle coincide (too many channels for the resolution), where the blog's code
    divides by zero and this one keeps the remaining edge, scaled to unit sum.

    Parameters
    ----------
    sr : int or float
        Sample rate in Hz.
    n_fft : int
        FFT size in samples (the frame length of :func:`course_lib.stft.stft`), at
        least 2; odd values are fine.
    n_mels : int
        Number of channels (triangles), at least 1. The blog and Spiertz & Gnann use 20.
    fmin, fmax : float
        The lower edge of the first triangle and the upper edge of the last one, in Hz;
        ``0 <= fmin < fmax <= sr / 2``; ``fmax=None`` is ``sr / 2``.
    norm : {None, "area"}
        ``None``: every triangle peaks at 1. ``"area"``: each triangle is divided by the
        sum of its weights over the FFT bins, so that **its weights sum to 1** (unit
        area, measured in bins). A channel then reports the weighted *mean* of the
        spectrum under its triangle instead of a sum that grows with the triangle's
        width, so the wide high channels do not outweigh the narrow low ones (Ganchev et
        al. [4]_, the blog's ``Mel_norm=True``). For snapped triangles the sum is
        ``(b_{i+2} - b_i) / 2``: the blog's factor ``2 / (stop - start)``.
    snap_to_bins : bool
        Round the corners to FFT bins first, as the blog does.

    Returns
    -------
    numpy.ndarray, shape (n_mels, 1 + n_fft // 2)
        The filters, float64, non-negative; ``mel_basis @ S`` applies them to a
        spectrogram ``S`` of shape ``(1 + n_fft // 2, frames)``.

    Raises
    ------
    TypeError
        ``sr``, ``fmin`` or ``fmax`` not a number; ``n_fft`` or ``n_mels`` not an int;
        ``norm`` not None or a str; ``snap_to_bins`` not a bool.
    ParameterError
        ``sr`` not positive, ``n_fft < 2``, ``n_mels < 1``, ``fmin < 0``, ``fmin >= fmax``,
        ``fmax > sr / 2``, an unknown ``norm``.

    Warns
    -----
    UserWarning
        When a channel is empty (no FFT bin falls inside its triangle, or its snapped
        corners coincide): too many channels for the frequency resolution. An empty
        channel stays all zeros (also with ``norm="area"``).

    Notes
    -----
    The snapped triangles give a low channel only a few bins: at 22 050 Hz with
    ``n_fft=1411`` (15.6 Hz per bin) and 20 channels the first one is non-zero on bins 1 to 13,
    peaking at bin 6.

    Examples
    --------
    >>> fb = mel_filterbank(22050, 1411, 20)
    >>> fb.shape
    (20, 706)
    >>> fb_blog = mel_filterbank(22050, 1411, 20, norm="area", snap_to_bins=True)
    >>> bool(np.allclose(fb_blog.sum(axis=1), 1.0))
    True
    >>> [int(k) for k in np.flatnonzero(fb_blog[0])[[0, -1]]], int(np.argmax(fb_blog[0]))
    ([1, 13], 6)
    """
    sr = check_sample_rate(sr)
    n_fft = check_int(n_fft, "n_fft", minimum=2, unit="sample(s)")
    n_mels = check_int(n_mels, "n_mels", minimum=1, unit="channel(s)")
    fmin, fmax = _check_band(sr, fmin, fmax)
    if norm is not None:
        if not isinstance(norm, str):
            raise TypeError(f"norm must be None or 'area', got {_describe(norm)}")
        check_name_list(norm, "norm", allowed=_NORMS, what="normalisation")
    snap_to_bins = check_bool(snap_to_bins, "snap_to_bins")

    n_bins = 1 + n_fft // 2
    corners = mel_frequencies(n_mels + 2, fmin=fmin, fmax=fmax)  # Hz
    if snap_to_bins:
        corner_bins = np.round(corners * n_fft / sr).astype(int)
        if fmax == sr / 2:  # the blog's last corner: one bin past the Nyquist bin
            corner_bins[-1] = n_bins
        weights = _snapped_triangles(corner_bins, n_bins)
    else:
        bin_hz = np.arange(n_bins) * (float(sr) / n_fft)
        lower, centre, upper = corners[:-2, None], corners[1:-1, None], corners[2:, None]
        rising = (bin_hz - lower) / (centre - lower)
        falling = (upper - bin_hz) / (upper - centre)
        weights = np.maximum(0.0, np.minimum(rising, falling))

    sums = weights.sum(axis=1)
    empty = np.flatnonzero(sums == 0)
    if empty.size:
        warnings.warn(
            f"mel channel(s) {empty.tolist()} of {n_mels} are empty: no FFT bin falls inside "
            f"their triangles ({float(sr) / n_fft:.3g} Hz per bin with n_fft={n_fft} at "
            f"sr={sr} Hz). Use fewer channels (n_mels) or a longer frame (n_fft)",
            UserWarning,
            stacklevel=2,
        )
    if norm == "area":
        weights = weights / np.where(sums > 0, sums, 1.0)[:, np.newaxis]
    return weights


def _snapped_triangles(corner_bins: np.ndarray, n_bins: int) -> np.ndarray:
    """Triangles between integer corners ``b_i``, drawn on half-open bin ranges as the blog.

    Rising ``(k - b_i) / (b_{i+1} - b_i)`` on ``b_i <= k < b_{i+1}``, falling
    ``(b_{i+2} - k) / (b_{i+2} - b_{i+1})`` on ``b_{i+1} <= k < b_{i+2}``; bins past
    ``n_bins - 1`` are dropped. Coinciding corners leave the edge between them out.
    """
    n_mels = corner_bins.size - 2
    weights = np.zeros((n_mels, n_bins))
    k = np.arange(n_bins)
    for i in range(n_mels):
        start, centre, stop = corner_bins[i:i + 3]
        if centre > start:
            inside = (k >= start) & (k < centre)
            weights[i, inside] = (k[inside] - start) / (centre - start)
        if stop > centre:
            inside = (k >= centre) & (k < stop)
            weights[i, inside] = (stop - k[inside]) / (stop - centre)
    return weights


# ---------------------------------------------------------------------------
# Log-mel and MFCC
# ---------------------------------------------------------------------------


def log_mel(S, mel_basis, *, amax: float = 1e4) -> np.ndarray:
    """The compressed mel spectrum ``log10(1 + amax * M / max(M))`` with ``M = mel_basis @ S``.

    Used in 03_mfcc_clustering, §4 (the log-mel spectrum of the squared bases).

    ``M`` sums the spectrogram under each mel triangle. Dividing by its largest value
    (over all channels and all columns, not per column, so that relative levels
    survive) and multiplying by ``amax`` puts the loudest entry at ``amax``; adding 1
    before the logarithm keeps silent channels at exactly 0 instead of ``-inf`` and
    makes every entry non-negative, so the result can be factorised by a second NMF.
    With ``amax = 1e4`` (Spiertz & Gnann [1]_, the blog's default) the values run from
    0 to ``log10(1 + 1e4) ≈ 4``; the ``+ 1`` flattens everything more than about 40 dB
    (power) below the maximum, a floor that keeps quiet, noisy channels from
    dominating the features.

    Parameters
    ----------
    S : numpy.ndarray, shape (freq, frames)
        A non-negative spectrogram: a power spectrogram ``|X|**2``, or squared NMF bases
        ``W**2`` (one basis per column), as in the blog and the paper.
    mel_basis : numpy.ndarray, shape (n_mels, freq)
        The filterbank (:func:`mel_filterbank`), non-negative.
    amax : float
        The level of the loudest entry before the logarithm, positive.

    Returns
    -------
    numpy.ndarray, shape (n_mels, frames)
        The log-mel spectrum, float64, in ``[0, log10(1 + amax)]``.

    Raises
    ------
    TypeError
        ``S`` or ``mel_basis`` not a real float array; ``amax`` not a number.
    ParameterError
        Wrong shapes (``mel_basis.shape[1]`` must equal ``S.shape[0]``); negative, NaN or
        infinite values; ``amax`` not positive; no energy under any triangle (``M`` all
        zeros).

    Examples
    --------
    >>> fb = mel_filterbank(8000, 64, 3, norm="area")
    >>> flat = np.ones((33, 2))                # a flat spectrum: equal channels
    >>> log_mel(flat, fb, amax=99.0)           # log10(1 + 99) = 2 everywhere
    array([[2., 2.],
           [2., 2.],
           [2., 2.]])
    >>> log_mel(0.01 * flat, fb, amax=99.0)    # the level is normalised away
    array([[2., 2.],
           [2., 2.],
           [2., 2.]])
    """
    S = check_spectrogram(S, "S", ndims=(2,), nonnegative=True)
    mel_basis = check_spectrogram(mel_basis, "mel_basis", ndims=(2,), nonnegative=True)
    amax = float(check_positive(amax, "amax"))
    if mel_basis.shape[1] != S.shape[0]:
        raise ParameterError(
            f"mel_basis has shape {mel_basis.shape}, (n_mels, freq), but S has {S.shape[0]} "
            f"frequency bins (shape {S.shape}, (freq, frames)); build the filterbank with the "
            "n_fft of S" + (", or transpose S" if mel_basis.shape[1] == S.shape[1] else "")
        )
    mel = mel_basis.astype(np.float64) @ S.astype(np.float64)
    peak = mel.max()
    if not peak > 0:
        raise ParameterError(
            "S has no energy under any mel triangle (mel_basis @ S is all zeros); there is "
            "nothing to take the logarithm of"
        )
    return np.log10(1.0 + mel * (amax / peak))


def _check_n_mfcc(n_mfcc, n_mels: int) -> int:
    n_mfcc = check_int(n_mfcc, "n_mfcc", minimum=1, unit="coefficient(s)")
    if n_mfcc > n_mels:
        raise ParameterError(
            f"n_mfcc={n_mfcc} must be at most the number of mel channels, {n_mels}: the DCT "
            f"of {n_mels} values has {n_mels} coefficients"
        )
    return n_mfcc


def dct_basis(n_mels, *, n_mfcc: int | None = None) -> np.ndarray:
    """The orthonormal DCT-II matrix, its first ``n_mfcc`` rows.

    Used in 03_mfcc_clustering, §5 (MFCCs: the cosines a log-mel column is projected on).

    .. math:: D_{qn} = c_q \\cos\\left(\\frac{\\pi q (2n + 1)}{2 N}\\right), \\qquad
              c_0 = \\sqrt{1 / N}, \\; c_q = \\sqrt{2 / N} \\; (q \\geq 1)

    with ``N = n_mels``. Row ``q`` is a cosine of ``q`` half-periods across the mel
    channels: row 0 is constant (the overall level), row 1 one slow slope (the spectral
    tilt), higher rows ever finer ripples. The full matrix is orthogonal
    (``D @ D.T = I``), the same transform as ``scipy.fft.dct(..., type=2, norm="ortho")``.

    Parameters
    ----------
    n_mels : int
        The length of the vectors transformed, at least 1.
    n_mfcc : int, optional
        How many rows (coefficients) to keep, ``1 <= n_mfcc <= n_mels``; all by default.

    Returns
    -------
    numpy.ndarray, shape (n_mfcc, n_mels)
        The DCT-II rows, float64.

    Examples
    --------
    >>> D = dct_basis(4)
    >>> bool(np.allclose(D @ D.T, np.eye(4)))
    True
    >>> D[0]
    array([0.5, 0.5, 0.5, 0.5])
    """
    n_mels = check_int(n_mels, "n_mels", minimum=1, unit="channel(s)")
    n_mfcc = n_mels if n_mfcc is None else _check_n_mfcc(n_mfcc, n_mels)
    q = np.arange(n_mfcc)[:, np.newaxis]
    n = np.arange(n_mels)[np.newaxis, :]
    basis = np.sqrt(2.0 / n_mels) * np.cos(np.pi * q * (2 * n + 1) / (2 * n_mels))
    basis[0] /= np.sqrt(2.0)
    return basis


def mfcc(log_mel_spectrum, *, n_mfcc: int = 9) -> np.ndarray:
    """Mel-frequency cepstral coefficients: the first ``n_mfcc`` orthonormal DCT-II
    coefficients of each log-mel column, C(0) included.

    Used in 03_mfcc_clustering, §5 (MFCCs of the bases, the features of k-means).

    ``C = dct_basis(n_mels, n_mfcc) @ L`` (Davis & Mermelstein [2]_). The low
    coefficients describe the smooth envelope of the log-mel spectrum, the "filter"
    of the source-filter model, which characterises an instrument; the fine, pitch-
    dependent harmonic ripple lands in the higher coefficients, which are dropped.
    C(0) is the mean level (times ``sqrt(n_mels)``). Equal to
    ``librosa.feature.mfcc(S=L, n_mfcc=n_mfcc, dct_type=2, norm="ortho")`` for the same
    log-mel input ``L`` (librosa's default ``lifter=0``).

    Parameters
    ----------
    log_mel_spectrum : numpy.ndarray, shape (n_mels,) or (n_mels, frames)
        A log-mel spectrum (:func:`log_mel`), real and finite; the DCT runs along the
        first axis.
    n_mfcc : int
        Coefficients to keep, ``1 <= n_mfcc <= n_mels``. The blog and Spiertz & Gnann
        keep 9, C(0) to C(8).

    Returns
    -------
    numpy.ndarray, shape (n_mfcc,) or (n_mfcc, frames)
        The coefficients, float64.

    Raises
    ------
    TypeError
        Input not a real numeric array; ``n_mfcc`` not an int.
    ParameterError
        Input not 1-D or 2-D, empty, or with NaN or infinite values; ``n_mfcc`` out of
        range.

    Examples
    --------
    >>> L = np.array([[1.0], [1.0], [1.0], [1.0]])  # a flat log-mel column
    >>> mfcc(L, n_mfcc=2).round(12)                  # only C(0): 2 = 1 * sqrt(4)
    array([[2.],
           [0.]])
    """
    L = check_spectrogram(log_mel_spectrum, "log_mel_spectrum", ndims=(1, 2))
    if np.iscomplexobj(L):
        raise TypeError(f"log_mel_spectrum must be real, got complex dtype {L.dtype}")
    n_mfcc = _check_n_mfcc(n_mfcc, L.shape[0])
    return dct_basis(L.shape[0], n_mfcc=n_mfcc) @ L.astype(np.float64)
