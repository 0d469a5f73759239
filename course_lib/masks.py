"""Time–frequency masks: the oracle masks, applying masks, and oracle separations.

Shapes
------
- ``stem_stfts``: the STFTs of the sources stacked first, ``(sources, freq, frames)``
  for mono or ``(sources, channels, freq, frames)`` for multichannel audio, complex
  (or already magnitudes: only ``|S|`` is used).
- a mask has the shape of ``stem_stfts``, real, within [0, 1], float32 for float32 or
  complex64 input and float64 otherwise; the masks of all sources add up to 1 in
  every bin, so the masked mixtures add up to the mixture.
- ``mixture_stft``: ``(freq, frames)`` or ``(channels, freq, frames)``.
- estimates in the time domain: ``(sources, samples)`` or
  ``(sources, channels, samples)``, ready for :func:`course_lib.metrics.bss_eval`.

Resynthesis takes the STFT keywords of :func:`course_lib.stft.stft` (``frame, hop,
n_fft, hop_length, window, center``, with its defaults) and forwards them to
:func:`course_lib.stft.istft`: give the ones the mixture's STFT was made with.

The oracle masks are computed from the true sources, which a real separation does
not have: they are the upper bound that every scores table shows next to a method.

References
----------
.. [1] D. Wang, "On ideal binary mask as the computational goal of auditory scene
   analysis", in *Speech Separation by Humans and Machines*, Springer, 2005.
.. [2] A. Liutkus and R. Badeau, "Generalized Wiener filtering with fractional power
   spectrograms", ICASSP 2015 (ratio masks of power spectrograms, ``power``).
.. [3] E. Vincent, R. Gribonval and M. D. Plumbley, "Oracle estimators for the
   benchmarking of source separation algorithms", Signal Processing 87(8), 2007.
"""

from __future__ import annotations

import numpy as np

from . import stft as _stft
from ._validation import (
    ParameterError,
    _describe,
    check_audio,
    check_positive,
    check_sample_rate,
    check_spectrogram,
    check_stem_stfts,
)

__all__ = ["ideal_binary_mask", "ideal_ratio_mask", "apply_masks", "oracle_estimates"]


def _mask_dtype(stems: np.ndarray) -> type:
    """float32 for float32 / complex64 STFTs, float64 for everything else."""
    return np.float32 if stems.dtype in (np.float32, np.complex64) else np.float64


def _log_magnitude(stems: np.ndarray) -> np.ndarray:
    """``log |S|`` in float64 without overflow (-inf where ``S`` is 0).

    ``abs`` of a complex number near the largest float overflows; the log of the
    larger part plus a correction for the smaller one never does.
    """
    with np.errstate(divide="ignore"):
        if not np.iscomplexobj(stems):
            return np.log(np.abs(stems.astype(np.float64)))
        re = np.abs(stems.real.astype(np.float64))
        im = np.abs(stems.imag.astype(np.float64))
        big, small = np.maximum(re, im), np.minimum(re, im)
        ratio = np.divide(small, big, out=np.zeros_like(big), where=big > 0)
        return np.log(big) + 0.5 * np.log1p(ratio * ratio)


def ideal_binary_mask(stem_stfts) -> np.ndarray:
    """The ideal binary mask: each bin goes wholly to the loudest source.

    Used in 01_stft, §7 (a first separation: oracle masks).

    .. math:: M_j(f, t) = 1 \\text{ if } |S_j(f, t)| = \\max_k |S_k(f, t)| \\text{ else } 0

    Parameters
    ----------
    stem_stfts : numpy.ndarray, shape (sources, [channels,] freq, frames)
        The STFTs (or magnitudes) of the true sources, at least two.

    Returns
    -------
    numpy.ndarray, the shape of ``stem_stfts``
        Binary masks, float32 for float32 or complex64 input and float64 otherwise;
        exactly one source owns each bin (the first one on a tie, so an all-silent
        bin goes to source 0).

    Raises
    ------
    TypeError
        ``stem_stfts`` not a numeric array.
    ParameterError
        Fewer than two sources, the wrong number of dimensions, NaN or infinite values.

    Examples
    --------
    >>> S = np.array([[[3.0, 0.0]], [[1.0, 2.0]]])   # 2 sources, 1 bin, 2 frames
    >>> ideal_binary_mask(S)[:, 0]
    array([[1., 0.],
           [0., 1.]])
    >>> ideal_binary_mask(S.astype(np.complex64)).dtype
    dtype('float32')
    """
    stems = check_stem_stfts(stem_stfts)
    winner = np.argmax(_log_magnitude(stems), axis=0)
    sources = np.arange(stems.shape[0]).reshape((-1,) + (1,) * winner.ndim)
    return (sources == winner).astype(_mask_dtype(stems))


def ideal_ratio_mask(stem_stfts, *, power: float = 1.0) -> np.ndarray:
    """The ideal ratio mask: each source's share of the bin's magnitude (or power).

    Used in 01_stft, §7 (a first separation: oracle masks) and 02_nmf, §9 (the oracle
    that supervised NMF is compared with).

    .. math:: M_j(f, t) = \\frac{|S_j(f, t)|^p}{\\sum_k |S_k(f, t)|^p}

    ``power=1`` is the magnitude ratio mask; ``power=2`` is the Wiener-like mask of
    power spectrograms (the oracle Wiener filter when the sources' power spectra
    are known exactly) [2]_. A large ``p`` tends to the binary mask.

    The shares are computed in the log domain, ``exp(p (log|S_j| - max_k log|S_k|))``
    normalised over the sources, so they stay finite and add up to 1 for any
    positive ``p`` and any finite magnitudes (``power=100`` on magnitudes of
    ``1e200`` or ``1e-200`` included), where ``|S|^p`` itself would overflow or
    underflow.

    Parameters
    ----------
    stem_stfts : numpy.ndarray, shape (sources, [channels,] freq, frames)
        The STFTs (or magnitudes) of the true sources, at least two.
    power : float
        The exponent ``p`` > 0.

    Returns
    -------
    numpy.ndarray, the shape of ``stem_stfts``
        Masks in [0, 1] that add up to 1 in every bin (to rounding), float32 for
        float32 or complex64 input and float64 otherwise. A bin where every source is
        exactly zero has no share to follow: it is shared equally, ``1 / sources`` each,
        so the masked mixtures still add up to the mixture.

    Raises
    ------
    TypeError
        ``stem_stfts`` not a numeric array; ``power`` not a number.
    ParameterError
        Fewer than two sources, the wrong number of dimensions, NaN or infinite
        values; ``power`` not positive and finite.

    Examples
    --------
    >>> S = np.array([[[3.0, 0.0]], [[1.0, 0.0]]])
    >>> ideal_ratio_mask(S)[:, 0]
    array([[0.75, 0.5 ],
           [0.25, 0.5 ]])
    >>> ideal_ratio_mask(S, power=2)[:, 0, 0]
    array([0.9, 0.1])
    >>> ideal_ratio_mask(S * 1e200, power=100)[:, 0, 0].round(12)  # (1/3)**100 is 2e-48
    array([1., 0.])
    """
    stems = check_stem_stfts(stem_stfts)
    power = float(check_positive(power, "power"))
    log_magnitude = _log_magnitude(stems)
    loudest = log_magnitude.max(axis=0, keepdims=True)
    silent = np.isneginf(loudest)  # every source exactly zero in this bin
    with np.errstate(invalid="ignore"):  # -inf - -inf in silent bins, replaced below
        relative = np.where(silent, 0.0, log_magnitude - loudest)  # <= 0, 0 for the loudest
    weights = np.exp(power * relative)  # in [0, 1], 1 for the loudest: no overflow
    share = weights / weights.sum(axis=0, keepdims=True)
    return share.astype(_mask_dtype(stems))


def apply_masks(
    mixture_stft,
    masks,
    sr,
    *,
    frame: float = _stft.DEFAULT_FRAME,
    hop: float = _stft.DEFAULT_HOP,
    n_fft: int | None = None,
    hop_length: int | None = None,
    window="hann",
    center: bool = True,
    length: int | None = None,
) -> np.ndarray:
    """Mask the mixture's STFT once per source and resynthesise each with the mixture phase.

    Used in 01_stft, §7 (through :func:`oracle_estimates`) and 02_nmf, §9 (through
    :func:`course_lib.nmf.component_signals`).

    .. math:: \\hat{s}_j = \\mathrm{ISTFT}(M_j \\odot X)

    Parameters
    ----------
    mixture_stft : numpy.ndarray, complex, shape ([channels,] freq, frames)
        The STFT of the mixture.
    masks : numpy.ndarray, shape (sources, [channels,] freq, frames)
        One non-negative mask per source. For a multichannel mixture, masks of shape
        ``(sources, freq, frames)`` apply to every channel.
    sr : int
        Sample rate in Hz.
    frame, hop, n_fft, hop_length, window, center
        The STFT parameters ``mixture_stft`` was made with, as for
        :func:`course_lib.stft.stft` (frame and hop in seconds, n_fft and hop_length
        in samples); forwarded to :func:`course_lib.stft.istft`.
    length : int, optional
        Samples of each output; give the mixture's length to get it exactly.

    Returns
    -------
    numpy.ndarray, shape (sources, [channels,] samples)
        The estimates, stacked first.

    Raises
    ------
    TypeError
        ``mixture_stft`` not a numeric array, ``masks`` not real.
    ParameterError
        When the masks' shape does not match the mixture, a mask is negative or
        not finite, or the STFT parameters do not fit ``mixture_stft`` (as
        :func:`course_lib.stft.istft`).

    Examples
    --------
    >>> from course_lib import stft
    >>> rng = np.random.default_rng(0)
    >>> y = rng.standard_normal(4000)
    >>> X = stft.stft(y, 8000, n_fft=256, hop_length=64, center=False)
    >>> halves = np.full((2, *X.shape), 0.5)
    >>> parts = apply_masks(X, halves, 8000, n_fft=256, hop_length=64, center=False)
    >>> parts.shape
    (2, 3968)
    >>> inner = slice(256, 3968 - 256)  # the tapered first and last frames aside
    >>> bool(np.allclose(parts.sum(axis=0)[inner], y[inner]))
    True
    """
    mixture_stft = check_spectrogram(mixture_stft, "mixture_stft", ndims=(2, 3))
    if isinstance(masks, (str, bytes)) or masks is None:
        raise TypeError(f"masks must be a numpy array, got {_describe(masks)}")
    masks = np.asarray(masks)
    if not np.issubdtype(masks.dtype, np.number) or np.iscomplexobj(masks):
        raise TypeError(f"masks must be a real numeric array, got dtype {masks.dtype}")
    if mixture_stft.ndim == 3 and masks.ndim == 3:  # one mask per source for every channel
        masks = masks[:, np.newaxis]
    if (
        masks.ndim != mixture_stft.ndim + 1
        or masks.shape[-2:] != mixture_stft.shape[-2:]
        or (mixture_stft.ndim == 3 and masks.shape[1] not in (1, mixture_stft.shape[0]))
    ):
        raise ParameterError(
            f"masks of shape {masks.shape} do not fit mixture_stft of shape "
            f"{mixture_stft.shape}: expected (sources, {', '.join(map(str, mixture_stft.shape))}),"
            " one mask per source stacked first"
        )
    if not np.all(np.isfinite(masks)) or np.any(masks < 0):
        raise ParameterError("masks must be finite and non-negative")
    masked = masks * mixture_stft[np.newaxis]
    return np.stack([
        _stft.istft(x, sr, frame=frame, hop=hop, n_fft=n_fft, hop_length=hop_length,
                    window=window, center=center, length=length)
        for x in masked
    ])


def oracle_estimates(
    example,
    *,
    kind: str = "irm",
    power: float = 1.0,
    frame: float = _stft.DEFAULT_FRAME,
    hop: float = _stft.DEFAULT_HOP,
    n_fft: int | None = None,
    hop_length: int | None = None,
    window="hann",
    center: bool = True,
) -> np.ndarray:
    """The estimates of an oracle separation of a :mod:`course_lib.data` example.

    Used in 01_stft, §7 (the oracle masks against the mixture) and 02_nmf, §9 (the
    oracle that supervised NMF is compared with).

    Masks computed from the true stems are applied to the mixture: the best a
    masking method with these frame parameters can do, and the upper bound of a
    scores table [3]_.

    Parameters
    ----------
    example : course_lib.data.Example
        Anything with ``mixture`` (shape ([channels,] samples)), ``stems`` (a dict of
        at least two signals of the mixture's shape) and ``sr`` (Hz).
    kind : {"irm", "ibm"}
        Ideal ratio mask (with ``power``) or ideal binary mask.
    power : float
        Exponent of the ratio mask (1: magnitudes, 2: powers); ignored for "ibm".
    frame, hop, n_fft, hop_length, window, center
        The STFT parameters of the analysis and the resynthesis, as for
        :func:`course_lib.stft.stft` (frame and hop in seconds, n_fft and hop_length
        in samples).

    Returns
    -------
    numpy.ndarray, shape (sources, samples) or (sources, channels, samples)
        One estimate per stem, in the order of ``example.stems``, the length of the
        mixture.

    Raises
    ------
    TypeError
        ``example`` without ``mixture``, ``stems`` and ``sr``; audio that is not a
        real float array.
    ParameterError
        An unknown ``kind``; fewer than two stems; a stem whose shape (length or
        channels) differs from the mixture's; bad STFT parameters.

    Examples
    --------
    >>> from course_lib import data
    >>> example = data.load_example("piano_notes")
    >>> estimates = oracle_estimates(example, kind="ibm")
    >>> estimates.shape == (2, example.mixture.size)
    True
    """
    if kind not in ("irm", "ibm"):
        raise ParameterError(f"kind must be 'irm' or 'ibm', got {kind!r}")
    for attribute in ("mixture", "stems", "sr"):
        if not hasattr(example, attribute):
            raise TypeError(
                f"example must have mixture, stems and sr (a course_lib.data.Example); "
                f"{type(example).__name__} has no {attribute!r}"
            )
    if not isinstance(example.stems, dict):
        raise TypeError(f"example.stems must be a dict {{name: signal}}, got "
                        f"{_describe(example.stems)}")
    sr = check_sample_rate(example.sr, "example.sr")
    mixture = check_audio(example.mixture, "example.mixture")
    stems = {name: check_audio(stem, f"example.stems[{name!r}]")
             for name, stem in example.stems.items()}
    if len(stems) < 2:
        raise ParameterError(
            f"example has {len(stems)} stem(s); an oracle mask shares each bin among at "
            "least 2 sources"
        )
    mismatched = {name: stem.shape for name, stem in stems.items() if stem.shape != mixture.shape}
    if mismatched:
        raise ParameterError(
            f"every stem must have the mixture's shape {mixture.shape} (channels, samples), "
            f"but {', '.join(f'{n!r} has {s}' for n, s in mismatched.items())}; trim or pad "
            "the stems to the mixture's length"
        )
    params = dict(frame=frame, hop=hop, n_fft=n_fft, hop_length=hop_length, window=window,
                  center=center)
    mixture_stft = _stft.stft(mixture, sr, **params)
    stem_stfts = np.stack([_stft.stft(s, sr, **params) for s in stems.values()])
    masks = ideal_binary_mask(stem_stfts) if kind == "ibm" else ideal_ratio_mask(
        stem_stfts, power=power)
    return apply_masks(mixture_stft, masks, sr, length=mixture.shape[-1], **params)
