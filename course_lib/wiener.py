"""Soft masks, the multichannel Wiener filter and its EM refinement (local Gaussian model).

Shapes
------
Everything follows the course layout, sources stacked first, channels next, then
frequency and frames:

- ``x``, the complex STFT of the mixture: ``(freq, frames)`` or ``(channels, freq, frames)``;
- ``v``, non-negative spectrograms of the sources (magnitudes or power spectral
  densities): ``(sources, freq, frames)``, one per source shared by every channel, or
  ``(sources, channels, freq, frames)``;
- ``y``, the complex STFTs of the source estimates: ``(sources,) + x.shape``;
- ``R``, spatial covariance matrices: ``(channels, channels, freq)`` for one source,
  ``(sources, channels, channels, freq)`` stacked;
- covariances and filters of the mixture: ``(channels, channels, freq, frames)``, so
  that ``C[:, :, f, t]`` is the matrix of one time-frequency bin.

A mono mixture ``(freq, frames)`` is one channel. norbert, the reference
implementation, uses ``(frames, bins, channels, sources)``; nothing here needs it.

The model
---------
The local Gaussian model of Duong, Vincent & Gribonval [1]_ describes the image of
source ``j`` in bin ``(f, t)`` (what the microphones receive of it, a vector of
``channels`` complex numbers) as a centred complex Gaussian with covariance
``v_j(f, t) R_j(f)``: a power spectral density ``v_j`` (a scalar, how loud the source
is) times a spatial covariance matrix ``R_j`` (Hermitian, where it comes from; constant
over time). The mixture ``x = sum_j s_j`` is then Gaussian with covariance

.. math:: C_x(f, t) = \\sum_j v_j(f, t)\\, R_j(f),

and the posterior mean of each source, the multichannel Wiener filter, is

.. math:: \\hat s_j(f, t) = G_j(f, t)\\, x(f, t), \\qquad
          G_j = v_j R_j C_x^{-1}.

With one channel (``R_j = 1``) the gain is the ratio ``v_j / sum_k v_k``: the soft
mask of Wiener [2]_ for power spectrograms; applied to magnitudes it is the ratio mask
that Liutkus & Badeau [3]_ justify for alpha-stable sources. The soft-mask estimates
always add up to the mixture.

Functions, from the smallest piece to the whole:

- :func:`softmask`: ratio masks ``v_j / (eps + sum_k v_k)`` applied to the mixture;
- :func:`local_gaussian_model`: ``v_j`` and ``R_j`` from an estimate of one source;
- :func:`mixture_covariance`: ``C_x`` from all the ``v_j`` and ``R_j``;
- :func:`wiener_gain`: ``G_j`` for one source; :func:`apply_filter`: ``G_j x``;
- :func:`expectation_maximization`: alternate the model and the filter
  (:class:`EMResult`);
- :func:`wiener`: the whole pipeline: soft mask (or the mixture's phase), then EM.

The EM iterations are those norbert implements, after Nugraha, Liutkus & Vincent [4]_
and Uhlich et al. [5]_: re-estimate ``v_j = ||y_j||^2 / channels`` and
``R_j = sum_t y_j y_j^H / (eps + sum_t v_j)`` from the current estimates, then filter
the mixture again. This is not the exact EM of Duong et al. (it leaves out the
posterior covariance of the sources), a simplification found more robust for music.

Numerical safeguards (kept from norbert, so that the numbers match its own)
---------------------------------------------------------------------------
- ``eps`` defaults to the machine epsilon of the mixture's precision (2.2e-16 for
  complex128, 1.2e-7 for complex64). It is added to the denominator of the soft mask
  and to the weight ``sum_t v_j`` of ``R_j``; ``sqrt(eps) I`` is added to ``C_x``
  before inverting it (with one channel, ``eps`` once more). ``eps`` can be read as the
  power of a white noise that the filter takes out of every source: a large value keeps
  only the loud bins, and its choice changes the results a lot (norbert's
  documentation, after Uhlich et al. [5]_).
- :func:`wiener` divides the mixture and the initial estimates by
  ``max(1, max|x| / 10)`` before EM and multiplies the result back, so that the
  covariances stay of order one. Unlike norbert it divides a copy, never the caller's
  array. :func:`expectation_maximization` on its own does not rescale.
- complex64 input stays complex64, to save memory; complex128 is more accurate and
  recommended (``x.astype(np.complex128)``), in particular for an STFT computed in
  single precision by a deep-learning framework.

Speed and memory
----------------
Everything is vectorised over frames and bins. The inverse of ``C_x`` is written out
for one and two channels (for two, the 2 x 2 Hermitian inverse with a real
determinant) and solved with batched ``numpy.linalg.solve`` beyond. The work goes in
blocks of frequency bins (all frames of a few bins at a time): each bin's model and
filter involve that bin only, so a block runs through all its EM iterations while it
sits in the cache, and the temporaries stay a few megabytes whatever the length of
the signal. No function modifies its arguments.

References
----------
.. [1] N. Q. K. Duong, E. Vincent and R. Gribonval, "Under-determined reverberant
   audio source separation using a full-rank spatial covariance model", IEEE Trans.
   Audio, Speech, and Language Processing 18(7), 1830-1840, 2010.
.. [2] N. Wiener, "Extrapolation, Interpolation, and Smoothing of Stationary Time
   Series", MIT Press, 1949.
.. [3] A. Liutkus and R. Badeau, "Generalized Wiener filtering with fractional power
   spectrograms", ICASSP 2015.
.. [4] A. A. Nugraha, A. Liutkus and E. Vincent, "Multichannel audio source separation
   with deep neural networks", IEEE/ACM Trans. Audio, Speech, and Language
   Processing 24(9), 1652-1664, 2016.
.. [5] S. Uhlich, M. Porcu, F. Giron, M. Enenkl, T. Kemp, N. Takahashi and
   Y. Mitsufuji, "Improving music source separation based on deep neural networks
   through data augmentation and network blending", ICASSP 2017.
.. [6] A. Liutkus, R. Badeau and G. Richard, "Kernel additive models for source
   separation", IEEE Trans. Signal Processing 62(16), 4298-4310, 2014.
.. [7] A. Liutkus and F.-R. Stöter, "sigsep/norbert: First official Norbert release"
   (norbert 0.2), Zenodo, 2019, https://github.com/sigsep/norbert.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from ._validation import (
    ParameterError,
    check_array_size,
    check_bool,
    check_callable,
    check_complex_stft,
    check_finite_number,
    check_int,
    check_positive,
    check_spectrogram,
    check_stacked_spectrograms,
)

__all__ = [
    "EMResult",
    "LocalGaussianModel",
    "softmask",
    "wiener",
    "expectation_maximization",
    "local_gaussian_model",
    "mixture_covariance",
    "wiener_gain",
    "apply_filter",
]

#: Time-frequency cells (bins x frames) per block: 12 bins of a 30 s STFT with a hop of
#: 1024 at 44.1 kHz. A block's working set (its estimates and mixture as real planes and
#: a dozen scratch planes, 8 bytes a cell each) then stays in the cache. Chosen with
#: ``benchmarks/bench_wiener.py`` (two runs on a busy 2-core machine): 8192 and 16384
#: are within noise of each other, 32768 and 65536 up to 1.9 times slower (out of the
#: cache), 4096 up to 1.8 times (numpy's per-call overhead), and one block for the whole
#: STFT 2.5 to 6 times (page faults on full-size temporaries).
_BLOCK_CELLS = 1 << 14

#: The slope of the logistic compression of a soft mask (norbert's default).
_LOGIT_SLOPE = 15.0


# ---------------------------------------------------------------------------
# Results
# ---------------------------------------------------------------------------


class LocalGaussianModel(NamedTuple):
    """The local Gaussian model of one source: ``v_j(f, t) R_j(f)``.

    Returned by :func:`local_gaussian_model`; unpack it as ``v_j, R_j = ...``.
    Used in 05_wiener_em, §3.

    Attributes
    ----------
    v : numpy.ndarray, real, shape (freq, frames)
        The power spectral density, the power averaged over the channels.
    R : numpy.ndarray, complex, shape (channels, channels, freq)
        The spatial covariance matrix of each frequency bin (Hermitian).
    """

    v: np.ndarray
    R: np.ndarray


@dataclass(frozen=True, repr=False)
class EMResult:
    """The estimates after EM, and the model that produced them.

    Returned by :func:`expectation_maximization`. Used in 05_wiener_em, §5.

    Attributes
    ----------
    estimates : numpy.ndarray, complex, shape (sources, [channels,] freq, frames)
        The source STFTs after the last iteration, the shape of the initial estimates.
    v : numpy.ndarray, real, shape (sources, freq, frames)
        The power spectral densities the last iteration filtered with (estimated
        from the estimates before it). With ``iterations=0``, those of the initial
        estimates.
    R : numpy.ndarray, complex, shape (sources, channels, channels, freq)
        The spatial covariance matrices, likewise.
    iterations : int
        The number of EM iterations run.
    """

    estimates: np.ndarray
    v: np.ndarray
    R: np.ndarray
    iterations: int

    def __repr__(self) -> str:
        return (f"EMResult(estimates {self.estimates.shape} {self.estimates.dtype}, "
                f"v {self.v.shape}, R {self.R.shape}, {self.iterations} iteration(s))")


# ---------------------------------------------------------------------------
# Validation
# ---------------------------------------------------------------------------


def _check_eps(eps, real_dtype) -> float:
    """``eps`` or, for None, the machine epsilon of ``real_dtype``, as that dtype."""
    if eps is None:
        return np.finfo(real_dtype).eps
    return real_dtype.type(check_positive(eps, "eps"))


def _real_dtype(dtype) -> np.dtype:
    return np.finfo(dtype).dtype


def _complex_dtype(dtype) -> np.dtype:
    return np.result_type(dtype, np.complex64)


def _check_sources_for_mixture(v, x, name_v: str) -> None:
    """``v`` ``(sources, [channels,] freq, frames)`` must fit the mixture ``x``."""
    if x.ndim == 2:
        if v.ndim != 3 or v.shape[1:] != x.shape:
            raise ParameterError(
                f"{name_v} must have shape (sources, {x.shape[0]}, {x.shape[1]}) for a mono "
                f"mixture x of shape {x.shape}, got shape {v.shape}"
            )
        return
    channels, n_freq, n_frames = x.shape
    if v.shape[-2:] != (n_freq, n_frames) or (v.ndim == 4 and v.shape[1] not in (1, channels)):
        allowed = f"(sources, {n_freq}, {n_frames}) or (sources, {channels}, {n_freq}, {n_frames})"
        raise ParameterError(
            f"{name_v} must have shape {allowed} for a mixture x of shape {x.shape}, got "
            f"shape {v.shape}; check that both come from the same STFT settings"
        )


def _check_logit(logit):
    if logit is None:
        return None
    logit = check_finite_number(logit, "logit")
    if not 0 < logit < 1:
        raise ParameterError(
            f"logit={logit} must lie strictly between 0 and 1 (the mask value that the "
            "compression leaves in place), or be None for no compression"
        )
    return logit


# ---------------------------------------------------------------------------
# The engine: blocks of frequency bins, real and imaginary parts kept apart
# ---------------------------------------------------------------------------
#
# What makes it fast, measured on numpy 2 (benchmarks/bench_wiener.py):
#
# - Real arithmetic. In the cache a complex product costs about four real ones, a
#   complex array times a real one about ten, a complex division about thirty. For one
#   and two channels each block is copied once into real "parts", planes of shape
#   (bins, frames) for the real and the imaginary part of every channel and source,
#   and the EM iterations run there; the 2 x 2 algebra is written out.
# - Whole contiguous planes. numpy is about 2.5 times faster on one contiguous
#   (bins, frames) plane than on the same numbers spread over rows; so the parts are
#   laid out (..., re/im, bins, frames), and the per-bin products (the mixture
#   covariance from the PSDs, the gains applied to the mixture) are batched
#   ``np.matmul`` calls on transposed views, which BLAS reads without a copy.
# - No temporaries. Arrays above glibc's mmap threshold (128 kB) are fresh pages at
#   every allocation; page faults then cost more than the arithmetic. Every
#   block-sized array lives in a :class:`_Scratch` reused from block to block.
#
# Beyond two channels a block goes through ``numpy.linalg.solve`` in complex form.


def _blocks(n_freq: int, n_frames: int):
    step = max(1, _BLOCK_CELLS // max(1, n_frames))
    return [slice(start, min(n_freq, start + step)) for start in range(0, n_freq, step)]


class _Scratch:
    """Block-sized buffers ``(*leading, bins, frames)``, allocated once, reused per block."""

    def __init__(self, dtype, n_bins: int, n_frames: int):
        self.dtype, self.n_bins, self.n_frames = dtype, n_bins, n_frames
        self._buffers = {}

    def __call__(self, name: str, leading: tuple, n_bins: int) -> np.ndarray:
        shape = tuple(leading) + (self.n_bins, self.n_frames)
        buffer = self._buffers.get(name)
        if buffer is None or buffer.shape != shape:
            buffer = self._buffers[name] = np.empty(shape, dtype=self.dtype)
        return buffer[..., :n_bins, :]


def _flat(array, shape):
    """A reshaped *view* (never a silent copy, so that writes reach ``array``)."""
    return np.reshape(array, shape, copy=False)


def _to_parts(z, out):
    """Complex ``z`` (..., Fb, T) -> real planes ``out`` (..., 2, Fb, T)."""
    out[..., 0, :, :] = z.real
    out[..., 1, :, :] = z.imag
    return out


def _from_parts(parts, out) -> None:
    """Real planes (..., 2, Fb, T) -> complex ``out`` (..., Fb, T)."""
    out.real = parts[..., 0, :, :]
    out.imag = parts[..., 1, :, :]


def _softmask_array(v, eps, logit, out=None):
    """Ratio masks ``v_j / (eps + sum_k v_k)`` of ``v`` (J, ...), compressed with ``logit``."""
    total = v.sum(axis=0)
    total += eps
    mask = np.divide(v, total, out=out)
    if logit is not None:
        # a logistic curve centred on `logit`: masks above it move towards 1, below towards 0
        mask -= logit
        mask *= -_LOGIT_SLOPE
        np.exp(mask, out=mask)
        mask += 1.0
        np.reciprocal(mask, out=mask)
    return mask


def _initial_parts(v, xp, eps, use_softmask, yp, scratch) -> None:
    """Write the initial estimates of a block into ``yp`` (J, C, 2, Fb, T).

    ``v`` (J, 1 or C, Fb, T) real, ``xp`` the mixture's parts (C, 2, Fb, T).
    """
    n_bins = xp.shape[-2]
    if use_softmask:
        mask = _softmask_array(v, eps, None, out=scratch("mask", v.shape[:2], n_bins))
        np.multiply(mask[:, :, np.newaxis], xp, out=yp)
        return
    # v with the mixture's phase: v x / |x|, phase 1 where x is 0
    unit = scratch("unit", xp.shape[:2], n_bins)
    magnitude = np.hypot(xp[:, 0], xp[:, 1], out=scratch("magnitude", xp.shape[:1], n_bins))
    nonzero = magnitude > 0
    unit[:, 0], unit[:, 1] = 1.0, 0.0
    np.divide(xp[:, 0], magnitude, out=unit[:, 0], where=nonzero)
    np.divide(xp[:, 1], magnitude, out=unit[:, 1], where=nonzero)
    np.multiply(v[:, :, np.newaxis], unit, out=yp)


def _model_parts(yp, eps, scratch):
    """The local Gaussian model of every source of a block, from its parts.

    ``yp`` (J, C, 2, Fb, T), C = 1 or 2 -> ``v`` (J, Fb, T), a scratch view, and the
    entries of ``R``, (k, J, Fb): ``r`` for one channel, ``r00, r11, Re r01, Im r01``
    for two.
    """
    n_sources, channels, _, n_bins, _ = yp.shape
    squares = np.square(yp, out=scratch("squares", yp.shape[:3], n_bins))
    power = np.add(squares[:, :, 0], squares[:, :, 1],
                   out=scratch("power", yp.shape[:2], n_bins))       # (J, C, Fb, T)
    if channels == 1:
        v = power[:, 0]
    else:
        v = np.add(power[:, 0], power[:, 1], out=scratch("v", (n_sources,), n_bins))
        v *= 0.5                                                     # mean of 2 channels
    weight = v.sum(axis=-1)
    weight += eps                                                    # (J, Fb)
    sums = power.sum(axis=-1)                                        # (J, C, Fb)
    if channels == 1:
        return v, (sums[:, 0] / weight)[np.newaxis]
    entries = np.empty((4, n_sources, n_bins), dtype=yp.dtype)
    np.divide(sums.transpose(1, 0, 2), weight, out=entries[:2])
    # sum_t y_0 conj(y_1) = sum (y0r y1r + y0i y1i) + i sum (y0i y1r - y0r y1i)
    np.sum(np.vecdot(yp[:, 0], yp[:, 1]), axis=1, out=entries[2])
    np.subtract(np.vecdot(yp[:, 0, 1], yp[:, 1, 0]), np.vecdot(yp[:, 0, 0], yp[:, 1, 1]),
                out=entries[3])
    entries[2:] /= weight
    return v, entries


def _entries_to_R(entries, dtype):
    """(J, C, C, Fb) complex matrices from the entries (k, J, Fb) of :func:`_model_parts`."""
    k, n_sources, n_bins = entries.shape
    channels = 1 if k == 1 else 2
    R = np.empty((n_sources, channels, channels, n_bins), dtype=dtype)
    R[:, 0, 0] = entries[0]
    if channels == 2:
        R[:, 1, 1] = entries[1]
        R[:, 0, 1] = entries[2] + 1j * entries[3]
        R[:, 1, 0] = entries[2] - 1j * entries[3]
    return R


def _filter_parts(yp, xp, v, entries, eps, scratch) -> None:
    """Write ``v_j R_j (C_x + sqrt(eps) I)^-1 x`` into ``yp`` (J, C, 2, Fb, T), C = 1 or 2.

    ``xp`` (C, 2, Fb, T), ``v`` (J, Fb, T), ``entries`` (k, J, Fb).
    """
    n_sources, channels, _, n_bins, n_frames = yp.shape
    k = entries.shape[0]
    regularisation = np.sqrt(eps)
    # the entries of C_x = sum_j v_j R_j: a (k x J) @ (J x T) product per bin
    cxx = scratch("cxx", (k,), n_bins)
    np.matmul(entries.transpose(2, 0, 1), v.transpose(1, 0, 2), out=cxx.transpose(1, 0, 2))
    gains = scratch("gains", (n_sources,), n_bins)
    if channels == 1:
        cxx += regularisation
        cxx += eps                                   # norbert adds eps once more here
        np.reciprocal(cxx, out=cxx)
        np.multiply(v, entries[0][..., np.newaxis], out=gains)       # v_j R_j
        gains *= cxx                                                 # / C_x
        np.multiply(gains[:, np.newaxis], xp[0], out=yp[:, 0])
        return
    a, d, br, bi = cxx
    a += regularisation
    d += regularisation
    # C_x + sqrt(eps) I = [[a, b], [conj(b), d]], b = br + i bi, a and d real: its
    # determinant a d - |b|^2 is real and its inverse is [[d, -b], [-conj(b), a]] / det
    inverse_det = np.multiply(a, d, out=scratch("det", (), n_bins))
    plane = scratch("plane", (), n_bins)
    inverse_det -= np.square(br, out=plane)
    inverse_det -= np.square(bi, out=plane)
    np.reciprocal(inverse_det, out=inverse_det)
    # z = adj(C) x, by parts: z0 = d x0 - b x1, z1 = a x1 - conj(b) x0 (det comes later)
    x0, x1 = xp                                                      # (2, Fb, T) each
    z = scratch("z", (2, 2), n_bins)
    pair = scratch("pair", (2,), n_bins)
    np.multiply(d, x0, out=z[0])
    z[0] -= np.multiply(br, x1, out=pair)
    z[0, 0] += np.multiply(bi, x1[1], out=plane)
    z[0, 1] -= np.multiply(bi, x1[0], out=plane)
    np.multiply(a, x1, out=z[1])
    z[1] -= np.multiply(br, x0, out=pair)
    z[1, 0] -= np.multiply(bi, x0[1], out=plane)
    z[1, 1] += np.multiply(bi, x0[0], out=plane)
    # y_j = (v_j / det) R_j adj(C) x, with R_j = [[r00, rr + i ri], [rr - i ri, r11]]
    # written as a real 4 x 4 matrix per bin acting on (z0r, z0i, z1r, z1i), all
    # sources stacked: one (4J x 4) @ (4 x T) product per bin
    r00, r11, rr, ri = entries.transpose(0, 2, 1)                    # (Fb, J) each
    matrices = np.zeros((n_bins, n_sources, 4, 4), dtype=yp.dtype)
    matrices[..., 0, 0] = matrices[..., 1, 1] = r00
    matrices[..., 2, 2] = matrices[..., 3, 3] = r11
    matrices[..., 0, 2] = matrices[..., 1, 3] = matrices[..., 2, 0] = matrices[..., 3, 1] = rr
    matrices[..., 1, 2] = matrices[..., 2, 1] = ri
    matrices[..., 0, 3] = matrices[..., 3, 0] = -ri
    np.matmul(matrices.reshape(n_bins, 4 * n_sources, 4),
              _flat(z, (4, n_bins, n_frames)).transpose(1, 0, 2),
              out=_flat(yp, (4 * n_sources, n_bins, n_frames)).transpose(1, 0, 2))
    np.multiply(v, inverse_det, out=gains)
    _flat(yp, (n_sources, 4, n_bins, n_frames))[...] *= gains[:, np.newaxis]


def _abs2(z: np.ndarray) -> np.ndarray:
    """``|z|^2`` without the square root of ``np.abs``."""
    if not np.iscomplexobj(z):
        return np.square(z)
    out = np.square(z.real)
    out += np.square(z.imag)
    return out


def _block_model(y, eps):
    """The local Gaussian model of every source in a block, any number of channels.

    ``y`` (J, C, Fb, T) complex -> ``v`` (J, Fb, T) real and ``R`` (J, C, C, Fb) complex.
    """
    n_sources, channels = y.shape[:2]
    v = np.empty((n_sources,) + y.shape[2:], dtype=y.real.dtype)
    R = np.empty((n_sources, channels, channels, y.shape[2]), dtype=y.dtype)
    for j in range(n_sources):
        power = _abs2(y[j])                         # (C, Fb, T)
        np.sum(power, axis=0, out=v[j])
        v[j] /= channels
        weight = v[j].sum(axis=-1)
        weight += eps                               # (Fb,)
        for c in range(channels):
            R[j, c, c] = power[c].sum(axis=-1) / weight
            for d in range(c + 1, channels):
                # sum_t y_c conj(y_d): vecdot conjugates its first argument
                R[j, c, d] = np.vecdot(y[j, d], y[j, c]) / weight
                R[j, d, c] = np.conj(R[j, c, d])
    return v, R


def _filter_block(y, x, v, R, eps) -> None:
    """Write ``v_j R_j (C_x + sqrt(eps) I)^-1 x`` into ``y`` (J, C, Fb, T), any C, in place."""
    cxx = np.einsum("jft,jcdf->ftcd", v, R)
    diagonal = np.einsum("...ii->...i", cxx)
    diagonal += np.sqrt(eps)
    z = np.linalg.solve(cxx, np.moveaxis(x, 0, -1)[..., np.newaxis])[..., 0]   # (Fb, T, C)
    for j in range(v.shape[0]):
        np.multiply(v[j], np.einsum("cdf,ftd->cft", R[j], z), out=y[j])


def _em_iterations(yp, xp, iterations, eps, scratch, model=None) -> None:
    """Run EM on the parts of one block, in place; ``model``: (v, R) views to fill."""
    channels = xp.shape[0]
    for iteration in range(iterations):
        last = iteration == iterations - 1
        if channels <= 2:
            v, entries = _model_parts(yp, eps, scratch)
            if last and model is not None:
                model[0][...] = v
                model[1][...] = _entries_to_R(entries, model[1].dtype)
            _filter_parts(yp, xp, v, entries, eps, scratch)
            continue
        y = yp[:, :, 0] + 1j * yp[:, :, 1]
        v, R = _block_model(y, eps)
        if last and model is not None:
            model[0][...] = v
            model[1][...] = R
        _filter_block(y, xp[:, 0] + 1j * xp[:, 1], v, R, eps)
        _to_parts(y, yp)


def _run_em(x, out, initialise, iterations, eps, *, scale=1.0, model=None, callback=None,
            progress=False, view=lambda a: a):
    """Fill ``out`` (J, C, F, T) with initial estimates, then run EM on them.

    ``initialise(bins, xp, yp, scratch)`` writes the parts of the initial estimates of
    the bins ``bins`` into ``yp`` from the parts ``xp`` of the mixture there. Without
    a callback or a progress bar each block runs all its iterations while it sits in
    the cache; otherwise each iteration goes over all the blocks before the next. The
    numbers are the same. ``model`` is ``(v, R)``, filled with the last model.
    """
    n_sources, channels, n_freq, n_frames = out.shape
    blocks = _blocks(n_freq, n_frames)
    scratch = _Scratch(out.real.dtype, blocks[0].stop - blocks[0].start, n_frames)

    def parts(bins):
        n_bins = bins.stop - bins.start
        xp = _to_parts(x[:, bins], scratch("x", (channels, 2), n_bins))
        return xp, scratch("y", (n_sources, channels, 2), n_bins)

    def model_views(bins):
        return None if model is None else (model[0][:, bins], model[1][..., bins])

    def scaled(array):
        if scale != 1:
            array /= scale
        return array

    if callback is None and not progress:
        for bins in blocks:
            xp, yp = parts(bins)
            initialise(bins, xp, yp, scratch)
            if iterations:
                _em_iterations(scaled(yp), scaled(xp), iterations, eps, scratch,
                               model_views(bins))
                if scale != 1:
                    yp *= scale
            _from_parts(yp, out[:, :, bins])
        return out

    for bins in blocks:
        xp, yp = parts(bins)
        initialise(bins, xp, yp, scratch)
        _from_parts(yp, out[:, :, bins])
    if callback is not None:
        callback(0, view(out).copy())
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=iterations, desc="EM", leave=False)
    try:
        for iteration in range(1, iterations + 1):
            for bins in blocks:
                xp, yp = parts(bins)
                _to_parts(out[:, :, bins], yp)
                if iteration == 1:                   # out keeps the scaled estimates from now
                    scaled(yp)
                _em_iterations(yp, scaled(xp), 1, eps, scratch,
                               model_views(bins) if iteration == iterations else None)
                _from_parts(yp, out[:, :, bins])
            if callback is not None:
                callback(iteration, view(out * scale if scale != 1 else out.copy()))
            if bar is not None:
                bar.update(1)
        if scale != 1 and iterations:
            out *= scale
    finally:
        if bar is not None:
            bar.close()
    return out


def _as_channels(x):
    """A mixture as (C, F, T), and the function that gives results back their layout."""
    if x.ndim == 2:
        return x[np.newaxis], lambda stack: stack[:, 0]
    return x, lambda stack: stack


def _sources_as_channels(v):
    """``v`` as (J, 1 or C, F, T)."""
    return v[:, np.newaxis] if v.ndim == 3 else v


def _allocate(shape, dtype, what):
    check_array_size(shape, dtype, what)
    return np.empty(shape, dtype=dtype)


# ---------------------------------------------------------------------------
# Public functions
# ---------------------------------------------------------------------------


def softmask(v, x, *, logit=None, eps=None) -> np.ndarray:
    """Separate a mixture with ratio masks ``v_j / (eps + sum_k v_k)``.

    Used in 05_wiener_em, §2 (the soft mask, and why the estimates add up to the mixture).

    Each source gets the share of the mixture that its spectrogram claims in every
    time-frequency bin, independently for each channel: no correlation between
    channels is used. For power spectrograms this is the Wiener filter of a single
    channel [2]_; for magnitudes, the ratio mask of Liutkus & Badeau [3]_. Without
    ``logit`` the masks of a bin sum to ``total / (eps + total)``, so the estimates add
    up to the mixture (up to ``eps``).

    Parameters
    ----------
    v : numpy.ndarray, real, non-negative, shape (sources, [channels,] freq, frames)
        Spectrograms of the sources (magnitudes, powers, any non-negative model). A
        3-D ``v`` is shared by all the channels of a multichannel ``x``; a 4-D ``v``
        has one spectrogram per channel (or one channel, shared).
    x : numpy.ndarray, shape (freq, frames) or (channels, freq, frames)
        The mixture STFT, complex (a real spectrogram is masked too).
    logit : float in (0, 1), optional
        Compress the masks towards 0 and 1 with the logistic curve
        ``1 / (1 + exp(-15 (mask - logit)))``: masks above ``logit`` grow, masks below
        shrink, fewer interferences for more distortion. The estimates then no longer
        add up to the mixture. (norbert 0.2.1's ``softmask`` raises a ``TypeError``
        whenever ``logit`` is given; this is the compression it means to apply.)
    eps : float, optional
        Added to the denominator; the machine epsilon of ``x``'s precision by default.

    Returns
    -------
    numpy.ndarray, shape (sources,) + x.shape
        The source estimates, in ``x``'s dtype (complex64 stays complex64).

    Raises
    ------
    TypeError
        When ``v`` is complex, or an array is not numeric.
    ParameterError
        When ``v`` is negative or non-finite, the shapes do not fit, or ``logit`` or
        ``eps`` is out of range.

    Examples
    --------
    >>> import numpy as np
    >>> from course_lib.wiener import softmask
    >>> rng = np.random.default_rng(0)
    >>> x = rng.standard_normal((2, 5, 7)) + 1j * rng.standard_normal((2, 5, 7))
    >>> v = rng.random((3, 5, 7))            # 3 sources, shared by the 2 channels
    >>> y = softmask(v, x)
    >>> y.shape, y.dtype
    ((3, 2, 5, 7), dtype('complex128'))
    >>> bool(np.allclose(y.sum(axis=0), x))  # the estimates add up to the mixture
    True
    """
    x = check_spectrogram(x, "x")
    v = check_stacked_spectrograms(v, "v", nonnegative=True)
    _check_sources_for_mixture(v, x, "v")
    logit = _check_logit(logit)
    real = _real_dtype(x.dtype)
    eps = _check_eps(eps, real)
    x3, restore = _as_channels(x)
    v4 = _sources_as_channels(v).astype(real, copy=False)
    out = _allocate((v.shape[0],) + x3.shape, x.dtype, "the estimates")
    for bins in _blocks(x3.shape[1], x3.shape[2]):
        np.multiply(_softmask_array(v4[:, :, bins], eps, logit), x3[:, bins],
                    out=out[:, :, bins])
    return restore(out)


def wiener(v, x, *, iterations: int = 1, use_softmask: bool = True, eps=None,
           progress: bool = False, callback=None) -> np.ndarray:
    """Separate a mixture with the multichannel Wiener filter, refined by EM.

    Used in 05_wiener_em, §6 (from spectrogram estimates to source STFTs).

    The initial estimates are the soft-mask estimates (:func:`softmask`) or, with
    ``use_softmask=False``, the spectrograms ``v`` with the mixture's phase. Then
    ``iterations`` EM iterations (:func:`expectation_maximization`) re-estimate the
    local Gaussian model of each source and filter the mixture with it. The same
    numbers as ``norbert.wiener`` (to rounding), after converting the layouts.

    Before EM the mixture and the initial estimates are divided by
    ``max(1, max|x| / 10)`` and the result is multiplied back (norbert's safeguard,
    see the module docstring); the caller's ``x`` is never modified.

    Parameters
    ----------
    v : numpy.ndarray, real, non-negative, shape (sources, [channels,] freq, frames)
        Spectrogram estimates of the sources, e.g. from NMF or a network. With
        ``use_softmask=False`` they must be *magnitudes* (they become the initial
        estimates' magnitudes); the soft mask accepts any non-negative model. A 3-D
        ``v`` is shared by all channels.
    x : numpy.ndarray, complex, shape (freq, frames) or (channels, freq, frames)
        The mixture STFT. complex128 is recommended; complex64 stays complex64.
    iterations : int
        EM iterations, 0 for the initial estimates alone (the default 1 is norbert's).
    use_softmask : bool
        Start from the soft-mask estimates (the default; recommended unless ``v`` is a
        very good model) or from ``v`` with the mixture's phase.
    eps : float, optional
        The regularisation (see the module docstring); the machine epsilon of ``x``'s
        precision by default.
    progress : bool
        Show a progress bar over the EM iterations.
    callback : callable, optional
        Called as ``callback(iteration, estimates)`` with ``iteration = 0`` for the
        initial estimates and ``1, ..., iterations`` after each iteration;
        ``estimates`` has the shape of the result, is the caller's to keep, and is in
        the scale of ``x``. Use it to follow a score over the iterations in one run.

    Returns
    -------
    numpy.ndarray, complex, shape (sources,) + x.shape
        The STFTs of the source estimates, in ``x``'s dtype.

    Raises
    ------
    TypeError
        When ``x`` is real (a magnitude), ``v`` complex, or an option of the wrong type.
    ParameterError
        When ``v`` is negative or non-finite, the shapes do not fit, ``iterations`` is
        negative or ``eps`` not positive.

    Examples
    --------
    >>> import numpy as np
    >>> from course_lib.wiener import wiener
    >>> rng = np.random.default_rng(0)
    >>> sources = rng.standard_normal((2, 2, 6, 50)) + 1j * rng.standard_normal((2, 2, 6, 50))
    >>> x = sources.sum(axis=0)                        # a stereo mixture of two sources
    >>> y = wiener(np.abs(sources), x, iterations=2)
    >>> y.shape
    (2, 2, 6, 50)
    >>> scores = []
    >>> y = wiener(np.abs(sources), x, iterations=2,
    ...            callback=lambda it, est: scores.append(np.abs(est - sources).mean()))
    >>> len(scores)                                    # initial estimates and 2 iterations
    3
    """
    x = check_complex_stft(x, "x")
    v = check_stacked_spectrograms(v, "v", nonnegative=True)
    _check_sources_for_mixture(v, x, "v")
    iterations = check_int(iterations, "iterations", minimum=0)
    use_softmask = check_bool(use_softmask, "use_softmask")
    progress = check_bool(progress, "progress")
    callback = check_callable(callback, "callback")
    real = _real_dtype(x.dtype)
    eps = _check_eps(eps, real)
    x3, restore = _as_channels(x)
    v4 = _sources_as_channels(v).astype(real, copy=False)
    out = _allocate((v.shape[0],) + x3.shape, x.dtype, "the estimates")

    def initialise(bins, xp, yp, scratch):
        _initial_parts(v4[:, :, bins], xp, eps, use_softmask, yp, scratch)

    scale = 1.0
    if iterations:
        largest = max(float(np.abs(x3[:, bins]).max()) for bins in _blocks(*x3.shape[1:]))
        scale = max(1.0, largest / 10.0)
    _run_em(x3, out, initialise, iterations, eps, scale=scale, callback=callback,
            progress=progress, view=restore)
    return restore(out)


def expectation_maximization(y, x, iterations, *, eps=None, progress: bool = False,
                             callback=None) -> EMResult:
    """Refine source estimates with EM iterations of the local Gaussian model.

    Used in 05_wiener_em, §5 (EM, and the score over the iterations).

    Each iteration (Nugraha, Liutkus & Vincent [4]_, after Duong et al. [1]_ and the
    kernel additive models of Liutkus et al. [6]_):

    1. re-estimate each source's model from its current estimate
       (:func:`local_gaussian_model`, with this function's ``eps``);
    2. form the mixture covariance ``C_x + sqrt(eps) I`` (:func:`mixture_covariance`);
    3. filter the mixture again with the gains ``v_j R_j (C_x + sqrt(eps) I)^-1``
       (:func:`wiener_gain`, :func:`apply_filter`), computed for all bins at once.

    The same numbers as ``norbert.expectation_maximization`` (to rounding), which,
    unlike this function, overwrites its ``y``. No rescaling here: for a loud
    mixture (``max|x|`` well above 10) use :func:`wiener`, or scale ``x`` and ``y``
    yourself, or the fixed ``eps`` terms lose their meaning.

    Parameters
    ----------
    y : numpy.ndarray, complex, shape (sources,) + x.shape
        Initial estimates of the source STFTs, e.g. from :func:`softmask`.
    x : numpy.ndarray, complex, shape (freq, frames) or (channels, freq, frames)
        The mixture STFT; its dtype is that of the computation and of the result.
    iterations : int
        The number of EM iterations (0 returns a copy of ``y`` and its model).
    eps : float, optional
        The regularisation; the machine epsilon of ``x``'s precision by default.
    progress : bool
        Show a progress bar over the iterations.
    callback : callable, optional
        Called as ``callback(iteration, estimates)``, ``iteration = 0`` for the initial
        estimates, then after each iteration; ``estimates`` is a copy, the shape of
        ``y``.

    Returns
    -------
    EMResult
        ``estimates`` (the shape of ``y``), and the model of the last iteration:
        ``v`` ``(sources, freq, frames)`` and ``R`` ``(sources, channels, channels, freq)``.

    Raises
    ------
    TypeError
        When ``x`` or ``y`` is real, or an option has the wrong type.
    ParameterError
        When the shapes do not fit, an array is non-finite, ``iterations`` is negative
        or ``eps`` not positive.

    Examples
    --------
    >>> import numpy as np
    >>> from course_lib.wiener import expectation_maximization, softmask
    >>> rng = np.random.default_rng(0)
    >>> x = rng.standard_normal((2, 4, 30)) + 1j * rng.standard_normal((2, 4, 30))
    >>> y0 = softmask(rng.random((3, 4, 30)), x)
    >>> result = expectation_maximization(y0, x, 3)
    >>> result
    EMResult(estimates (3, 2, 4, 30) complex128, v (3, 4, 30), R (3, 2, 2, 4), 3 iteration(s))
    >>> bool(np.allclose(result.R[0, 0, 1], result.R[0, 1, 0].conj()))   # Hermitian
    True
    """
    x = check_complex_stft(x, "x")
    y = check_stacked_spectrograms(y, "y", require_complex=True)
    if y.shape[1:] != x.shape:
        raise ParameterError(
            f"y must have shape (sources,) + x.shape = (sources,) + {x.shape}, got shape "
            f"{y.shape}; estimates and mixture must share channels, bins and frames"
        )
    iterations = check_int(iterations, "iterations", minimum=0)
    progress = check_bool(progress, "progress")
    callback = check_callable(callback, "callback")
    real = _real_dtype(x.dtype)
    eps = _check_eps(eps, real)
    x3, restore = _as_channels(x)
    y4 = y[:, np.newaxis] if x.ndim == 2 else y
    n_sources, channels, n_freq, n_frames = y4.shape
    out = _allocate(y4.shape, x.dtype, "the estimates")
    v = _allocate((n_sources, n_freq, n_frames), real, "the power spectral densities")
    R = np.empty((n_sources, channels, channels, n_freq), dtype=x.dtype)

    def initialise(bins, xp, yp, scratch):
        _to_parts(y4[:, :, bins], yp)

    _run_em(x3, out, initialise, iterations, eps, model=(v, R), callback=callback,
            progress=progress, view=restore)
    if iterations == 0:
        for bins in _blocks(n_freq, n_frames):
            v[:, bins], R[..., bins] = _block_model(out[:, :, bins], eps)
    return EMResult(estimates=restore(out), v=v, R=R, iterations=iterations)


def local_gaussian_model(y_j, *, eps=1.0) -> LocalGaussianModel:
    """The power spectral density and spatial covariance matrix of one source.

    Used in 05_wiener_em, §3 (the local Gaussian model, from an estimate of a source).

    From the STFT ``y_j`` of (an estimate of) one source image, after Duong et al.
    [1]_ and Liutkus et al. [6]_:

    .. math:: v_j(f, t) = \\frac{1}{I} \\sum_i |y_{j,i}(f, t)|^2, \\qquad
              R_j(f) = \\frac{\\sum_t y_j(f, t)\\, y_j(f, t)^H}
                            {\\varepsilon + \\sum_t v_j(f, t)},

    with ``I`` channels: the power averaged over the channels, and the covariance of
    the channels averaged over time, weighted so that ``trace R_j ≈ I``. ``eps``
    keeps silent bins from dividing by zero.

    Parameters
    ----------
    y_j : numpy.ndarray, shape (freq, frames) or (channels, freq, frames)
        The STFT of one source (complex; real input is treated as complex).
    eps : float
        The regularisation of the weight; norbert's default 1.0 when called on its
        own (:func:`expectation_maximization` passes its own, much smaller ``eps``).

    Returns
    -------
    LocalGaussianModel
        ``v`` ``(freq, frames)``, real, and ``R`` ``(channels, channels, freq)``,
        complex (``(1, 1, freq)`` for a mono ``y_j``).

    Raises
    ------
    TypeError
        When ``y_j`` is not a numeric array or ``eps`` not a number.
    ParameterError
        When ``y_j`` has the wrong shape or non-finite values, or ``eps`` is not positive.

    Examples
    --------
    >>> import numpy as np
    >>> from course_lib.wiener import local_gaussian_model
    >>> rng = np.random.default_rng(0)
    >>> s = rng.standard_normal((5, 100)) + 1j * rng.standard_normal((5, 100))
    >>> y_j = np.stack([s, 0.5 * s])         # one source, panned to the left
    >>> v_j, R_j = local_gaussian_model(y_j)
    >>> v_j.shape, R_j.shape
    ((5, 100), (2, 2, 5))
    >>> np.round(R_j[:, :, 0].real, 1)       # ≈ 2 [[1, 0.5], [0.5, 0.25]] / 1.25
    array([[1.6, 0.8],
           [0.8, 0.4]])
    """
    y_j = check_spectrogram(y_j, "y_j")
    eps = check_positive(eps, "eps")
    y3 = y_j[np.newaxis] if y_j.ndim == 2 else y_j
    y3 = y3.astype(_complex_dtype(y3.dtype), copy=False)
    v, R = _block_model(y3[np.newaxis], _real_dtype(y3.dtype).type(eps))
    return LocalGaussianModel(v=v[0], R=R[0])


def mixture_covariance(v, R) -> np.ndarray:
    """The covariance of the mixture under the local Gaussian model, ``sum_j v_j R_j``.

    Used in 05_wiener_em, §4.

    Parameters
    ----------
    v : numpy.ndarray, real, non-negative, shape (sources, freq, frames)
        The power spectral densities.
    R : numpy.ndarray, shape (sources, channels, channels, freq)
        The spatial covariance matrices.

    Returns
    -------
    numpy.ndarray, complex, shape (channels, channels, freq, frames)
        ``C_x``; ``C_x[:, :, f, t]`` is the matrix of bin ``(f, t)``. Not regularised
        (:func:`wiener_gain` adds ``sqrt(eps) I``). This and the gains are
        ``channels**2`` spectrograms each, meant for looking at the filter;
        :func:`expectation_maximization` never forms them.

    Raises
    ------
    TypeError
        When ``v`` is complex or an array is not numeric.
    ParameterError
        When ``v`` is negative or non-finite or the shapes do not fit.

    Examples
    --------
    >>> import numpy as np
    >>> from course_lib.wiener import mixture_covariance
    >>> v = np.ones((2, 3, 4))                                  # 2 sources, 3 bins, 4 frames
    >>> R = np.stack([np.eye(2), [[1, 1], [1, 1]]])[..., None].repeat(3, axis=-1)
    >>> mixture_covariance(v, R)[:, :, 0, 0].real
    array([[2., 1.],
           [1., 2.]])
    """
    v = check_stacked_spectrograms(v, "v", nonnegative=True)
    R = np.asarray(R)
    if v.ndim != 3:
        raise ParameterError(
            f"v must have shape (sources, freq, frames) (one PSD per source), got shape {v.shape}"
        )
    R = _check_covariances(R, v.shape[0], v.shape[1])
    dtype = np.result_type(_complex_dtype(v.dtype), R.dtype)
    channels = R.shape[1]
    _, n_freq, n_frames = v.shape
    check_array_size((channels, channels, n_freq, n_frames), dtype, "the mixture covariance")
    return np.einsum("jft,jcdf->cdft", v.astype(_real_dtype(dtype), copy=False),
                     R.astype(dtype, copy=False))


def _check_covariances(R, n_sources: int, n_freq: int) -> np.ndarray:
    R = check_spectrogram(R, "R", ndims=None)
    if (R.ndim != 4 or R.shape[0] != n_sources or R.shape[1] != R.shape[2]
            or R.shape[3] != n_freq):
        raise ParameterError(
            f"R must have shape (sources, channels, channels, freq) = ({n_sources}, channels, "
            f"channels, {n_freq}) to match v, got shape {R.shape}"
        )
    return R


def wiener_gain(v_j, R_j, mixture_cov, *, eps=None) -> np.ndarray:
    """The Wiener gain of one source, ``G_j = v_j R_j (C_x + sqrt(eps) I)^-1``.

    Used in 05_wiener_em, §4 (the multichannel Wiener filter, bin by bin).

    The matrix that maps the mixture to the posterior mean of source ``j`` [1]_.
    ``C_x`` is regularised as in :func:`expectation_maximization` (and with one
    channel ``eps`` is added once more, as norbert does); pass the result to
    :func:`apply_filter`. The inverse is written out for one and two channels and
    computed with ``numpy.linalg.inv`` beyond (norbert uses a pseudo-inverse, which
    agrees for the regularised, positive definite ``C_x``).

    Parameters
    ----------
    v_j : numpy.ndarray, real, non-negative, shape (freq, frames)
        The power spectral density of the source.
    R_j : numpy.ndarray, shape (channels, channels, freq)
        Its spatial covariance matrices.
    mixture_cov : numpy.ndarray, shape (channels, channels, freq, frames)
        ``C_x`` from :func:`mixture_covariance`.
    eps : float, optional
        The regularisation; the machine epsilon of the covariance's precision by default.

    Returns
    -------
    numpy.ndarray, complex, shape (channels, channels, freq, frames)
        The gains.

    Raises
    ------
    TypeError
        When ``v_j`` is complex or an array is not numeric.
    ParameterError
        When ``v_j`` is negative or non-finite, the shapes do not fit or ``eps`` is not
        positive.

    Examples
    --------
    >>> import numpy as np
    >>> from course_lib.wiener import mixture_covariance, wiener_gain
    >>> v = np.array([3.0, 1.0]).reshape(2, 1, 1)              # one channel, one bin
    >>> R = np.ones((2, 1, 1, 1))
    >>> G = wiener_gain(v[0], R[0], mixture_covariance(v, R))
    >>> G.shape, round(float(G.real.squeeze()), 6)              # the soft mask 3 / 4
    ((1, 1, 1, 1), 0.75)
    """
    v_j = check_spectrogram(v_j, "v_j", ndims=(2,), nonnegative=True)
    cov = check_spectrogram(mixture_cov, "mixture_cov", ndims=None)
    n_freq, n_frames = v_j.shape
    if cov.ndim != 4 or cov.shape[0] != cov.shape[1] or cov.shape[2:] != v_j.shape:
        raise ParameterError(
            f"mixture_cov must have shape (channels, channels, {n_freq}, {n_frames}) to match "
            f"v_j, got shape {cov.shape}"
        )
    channels = cov.shape[0]
    R_j = check_spectrogram(R_j, "R_j", ndims=None)
    if R_j.shape != (channels, channels, n_freq):
        raise ParameterError(
            f"R_j must have shape (channels, channels, freq) = ({channels}, {channels}, "
            f"{n_freq}), got shape {R_j.shape}"
        )
    dtype = np.result_type(_complex_dtype(cov.dtype), R_j.dtype, _complex_dtype(v_j.dtype))
    real = _real_dtype(dtype)
    eps = _check_eps(eps, real)
    check_array_size(cov.shape, dtype, "the gains")
    matrices = np.moveaxis(cov.astype(dtype), (0, 1), (-2, -1))      # (F, T, C, C), a copy
    diagonal = np.einsum("...ii->...i", matrices)
    diagonal += np.sqrt(eps)
    if channels == 1:
        inverse = 1.0 / (matrices + eps)
    elif channels == 2:
        a, b = matrices[..., 0, 0], matrices[..., 0, 1]
        c, d = matrices[..., 1, 0], matrices[..., 1, 1]
        det = a * d - b * c
        inverse = np.stack([np.stack([d, -b], axis=-1), np.stack([-c, a], axis=-1)], axis=-2)
        inverse /= det[..., np.newaxis, np.newaxis]
    else:
        inverse = np.linalg.inv(matrices)
    gain = np.einsum("cdf,ftde->ceft", R_j.astype(dtype, copy=False), inverse)
    gain *= v_j.astype(real, copy=False)
    return gain


def apply_filter(x, G) -> np.ndarray:
    """Apply filters to a mixture, bin by bin: ``y(f, t) = G(f, t) x(f, t)``.

    Used in 05_wiener_em, §4.

    Parameters
    ----------
    x : numpy.ndarray, shape (freq, frames) or (channels, freq, frames)
        The mixture STFT (a mono ``x`` is one channel).
    G : numpy.ndarray, shape ([sources,] channels, channels, freq, frames)
        The filters, e.g. from :func:`wiener_gain`, or several stacked first.

    Returns
    -------
    numpy.ndarray, shape x.shape, or (sources,) + x.shape for stacked filters
        The filtered STFT(s).

    Raises
    ------
    TypeError
        When an array is not numeric.
    ParameterError
        When the shapes do not fit or an array is non-finite.

    Examples
    --------
    >>> import numpy as np
    >>> from course_lib.wiener import apply_filter
    >>> x = np.ones((2, 3, 4), dtype=complex)
    >>> G = np.zeros((2, 2, 3, 4)); G[0, 1] = 1; G[1, 0] = 1    # swap the channels
    >>> x[0] = 2
    >>> apply_filter(x, G)[:, 0, 0].real
    array([1., 2.])
    """
    x = check_spectrogram(x, "x")
    G = check_spectrogram(G, "G", ndims=None)
    x3, restore = _as_channels(x)
    channels = x3.shape[0]
    expected = (channels, channels) + x3.shape[1:]
    if G.shape[-4:] != expected or G.ndim not in (4, 5):
        raise ParameterError(
            f"G must have shape {expected} (or (sources,) + that) for a mixture x of shape "
            f"{x.shape}, got shape {G.shape}"
        )
    out = np.einsum("...cdft,dft->...cft", G, x3)
    return out if x.ndim == 3 else out[..., 0, :, :]
