"""Time–frequency masks: the oracle masks, applying masks, and oracle separations.

Shapes
------
- ``stem_stfts``: the STFTs of the sources stacked first, ``(sources, freq, frames)``
  for mono or ``(sources, channels, freq, frames)`` for multichannel audio, complex
  (or already magnitudes: only ``|S|`` is used).
- a mask has the shape of ``stem_stfts``, real, within [0, 1]; the masks of all
  sources add up to 1 in every bin, so the masked mixtures add up to the mixture.
- ``mixture_stft``: ``(freq, frames)`` or ``(channels, freq, frames)``.
- estimates in the time domain: ``(sources, samples)`` or
  ``(sources, channels, samples)``, ready for :func:`course_lib.metrics.bss_eval`.

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
from ._validation import ParameterError, check_positive

__all__ = ["ideal_binary_mask", "ideal_ratio_mask", "apply_masks", "oracle_estimates"]


def _check_stem_stfts(stem_stfts, name: str = "stem_stfts") -> np.ndarray:
    arr = np.asarray(stem_stfts)
    if not np.issubdtype(arr.dtype, np.number):
        raise TypeError(f"{name} must be a numeric array, got dtype {arr.dtype}")
    if arr.ndim not in (3, 4):
        raise ParameterError(
            f"{name} must have shape (sources, freq, frames) or (sources, channels, freq, "
            f"frames), got shape {arr.shape}; stack the STFTs of the sources with np.stack"
        )
    if arr.shape[0] < 2:
        raise ParameterError(f"{name} holds {arr.shape[0]} source(s); a mask needs at least 2")
    if not np.all(np.isfinite(arr)):
        raise ParameterError(f"{name} contains NaN or infinite values")
    return arr


def ideal_binary_mask(stem_stfts) -> np.ndarray:
    """The ideal binary mask: each bin goes wholly to the loudest source.

    .. math:: M_j(f, t) = 1 \\text{ if } |S_j(f, t)| = \\max_k |S_k(f, t)| \\text{ else } 0

    Parameters
    ----------
    stem_stfts : numpy.ndarray, shape (sources, [channels,] freq, frames)
        The STFTs (or magnitudes) of the true sources.

    Returns
    -------
    numpy.ndarray, float32, the shape of ``stem_stfts``
        Binary masks; exactly one source owns each bin (the first one on a tie, so
        an all-silent bin goes to source 0).

    Examples
    --------
    >>> S = np.array([[[3.0, 0.0]], [[1.0, 2.0]]])   # 2 sources, 1 bin, 2 frames
    >>> ideal_binary_mask(S)[:, 0]
    array([[1., 0.],
           [0., 1.]], dtype=float32)
    """
    magnitudes = np.abs(_check_stem_stfts(stem_stfts))
    winner = np.argmax(magnitudes, axis=0)
    return (np.arange(magnitudes.shape[0]).reshape((-1,) + (1,) * winner.ndim) == winner).astype(
        np.float32
    )


def ideal_ratio_mask(stem_stfts, *, power: float = 1.0) -> np.ndarray:
    """The ideal ratio mask: each source's share of the bin's magnitude (or power).

    .. math:: M_j(f, t) = \\frac{|S_j(f, t)|^p}{\\sum_k |S_k(f, t)|^p}

    ``power=1`` is the magnitude ratio mask; ``power=2`` is the Wiener-like mask of
    power spectrograms (the oracle Wiener filter when the sources' power spectra
    are known exactly).

    Parameters
    ----------
    stem_stfts : numpy.ndarray, shape (sources, [channels,] freq, frames)
        The STFTs (or magnitudes) of the true sources.
    power : float
        The exponent ``p`` > 0.

    Returns
    -------
    numpy.ndarray, float32 (float64 for float64/complex128 input), the shape of ``stem_stfts``
        Masks in [0, 1] that add up to 1 in every bin; a bin where every source is
        silent is shared equally.

    Examples
    --------
    >>> S = np.array([[[3.0, 0.0]], [[1.0, 0.0]]])
    >>> ideal_ratio_mask(S)[:, 0]
    array([[0.75, 0.5 ],
           [0.25, 0.5 ]])
    >>> ideal_ratio_mask(S, power=2)[:, 0, 0]
    array([0.9, 0.1])
    """
    stems = _check_stem_stfts(stem_stfts)
    power = check_positive(power, "power")
    dtype = np.float32 if stems.dtype in (np.float32, np.complex64) else np.float64
    weights = np.abs(stems).astype(np.float64) ** power
    total = weights.sum(axis=0, keepdims=True)
    share = np.divide(weights, total, out=np.full_like(weights, 1.0 / stems.shape[0]),
                      where=total > 0)
    return share.astype(dtype)


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
    length: int | None = None,
) -> np.ndarray:
    """Mask the mixture's STFT once per source and resynthesise each with the mixture phase.

    .. math:: \\hat{s}_j = \\mathrm{ISTFT}(M_j \\odot X)

    Parameters
    ----------
    mixture_stft : numpy.ndarray, complex, shape ([channels,] freq, frames)
        The STFT of the mixture, made with the same frame parameters.
    masks : numpy.ndarray, shape (sources, [channels,] freq, frames)
        One non-negative mask per source. For a multichannel mixture, masks of shape
        ``(sources, freq, frames)`` apply to every channel.
    sr : int
        Sample rate in Hz.
    frame, hop, n_fft, hop_length, window
        As for :func:`course_lib.stft.istft`: the same as for the forward STFT.
    length : int, optional
        Samples of each output; give the mixture's length to get it exactly.

    Returns
    -------
    numpy.ndarray, shape (sources, [channels,] samples)
        The estimates, stacked first.

    Raises
    ------
    ParameterError
        When the masks' shape does not match the mixture, or a mask is negative or
        not finite.
    """
    mixture_stft = np.asarray(mixture_stft)
    if mixture_stft.ndim not in (2, 3):
        raise ParameterError(
            f"mixture_stft must have shape (freq, frames) or (channels, freq, frames), got "
            f"shape {mixture_stft.shape}"
        )
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
                    window=window, length=length)
        for x in masked
    ])


def oracle_estimates(
    example,
    kind: str = "irm",
    *,
    power: float = 1.0,
    frame: float = _stft.DEFAULT_FRAME,
    hop: float = _stft.DEFAULT_HOP,
    n_fft: int | None = None,
    hop_length: int | None = None,
    window="hann",
) -> np.ndarray:
    """The estimates of an oracle separation of a :mod:`course_lib.data` example.

    Masks computed from the true stems are applied to the mixture: the best a
    masking method with these frame parameters can do, and the upper bound of a
    scores table.

    Parameters
    ----------
    example : course_lib.data.Example
        Anything with ``mixture``, ``stems`` (dict) and ``sr``.
    kind : {"irm", "ibm"}
        Ideal ratio mask (with ``power``) or ideal binary mask.
    power : float
        Exponent of the ratio mask (1: magnitudes, 2: powers); ignored for "ibm".
    frame, hop, n_fft, hop_length, window
        STFT parameters, as for :func:`course_lib.stft.stft`.

    Returns
    -------
    numpy.ndarray, shape (sources, samples) or (sources, channels, samples)
        One estimate per stem, in the order of ``example.stems``, the length of the
        mixture.

    Examples
    --------
    >>> from course_lib import data
    >>> example = data.load_example("piano_notes")
    >>> estimates = oracle_estimates(example, "ibm")
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
    params = dict(frame=frame, hop=hop, n_fft=n_fft, hop_length=hop_length, window=window)
    sr = example.sr
    stems = list(example.stems.values())
    mixture_stft = _stft.stft(example.mixture, sr, **params)
    stem_stfts = np.stack([_stft.stft(s, sr, **params) for s in stems])
    masks = ideal_binary_mask(stem_stfts) if kind == "ibm" else ideal_ratio_mask(
        stem_stfts, power=power)
    return apply_masks(mixture_stft, masks, sr, length=example.mixture.shape[-1], **params)
