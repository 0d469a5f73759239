"""Non-negative matrix factorisation (NMF) of spectrograms.

Shapes
------
``V ≈ W @ H`` with ``V`` non-negative ``(freq, frames)`` (a magnitude or power
spectrogram), ``W`` the bases (基底, spectral templates) ``(freq, rank)`` and ``H``
the activations ``(rank, frames)``. The reference material names them differently:
the keep learning blog calls the bases H and the activations U; the handout's
``lw`` is ``(frames, bases)``, i.e. log Hᵀ, and its ``lh`` is log Wᵀ.

Divergences
-----------
The loss is the β-divergence ``D_β(V | W H)`` summed over all bins, defined as in
scikit-learn, so values compare directly: β = 2 is half the squared Frobenius
norm (EU), β = 1 the generalised Kullback–Leibler or I-divergence (KL), β = 0 the
Itakura–Saito divergence (IS). KL and IS suit audio better than EU: IS is scale
invariant (``D(λv | λv̂) = D(v | v̂)``), so quiet bins count as much as loud ones,
and KL sits in between.

Algorithms
----------
- :func:`nmf`: multiplicative updates (乗法的更新), W then H in every iteration
  (Lee & Seung [1]_ for EU and KL; Févotte, Bertin & Durrieu [2]_ and Févotte &
  Idier [3]_ for IS and any β, with the exponent γ(β) that makes the loss provably
  non-increasing: 1/(2-β) below β = 1, 1 between 1 and 2, 1/(β-1) above 2).
  Supervised NMF fixes ``W`` to given bases and learns ``H`` only (Smaragdis &
  Brown [4]_ introduced NMF for music transcription).
- :func:`nmf_gradient`: the handout's view: Adam steps on ``log W`` and ``log H``
  with the analytic gradient, for comparison (it is much slower).
- :func:`component_signals`: turn components, or groups of them, into sounds.

References
----------
.. [1] D. D. Lee and H. S. Seung, "Algorithms for non-negative matrix
   factorization", NIPS 13, 2001.
.. [2] C. Févotte, N. Bertin and J.-L. Durrieu, "Nonnegative matrix factorization
   with the Itakura-Saito divergence: with application to music analysis",
   Neural Computation 21(3), 2009.
.. [3] C. Févotte and J. Idier, "Algorithms for nonnegative matrix factorization
   with the β-divergence", Neural Computation 23(9), 2011.
.. [4] P. Smaragdis and J. C. Brown, "Non-negative matrix factorization for
   polyphonic music transcription", WASPAA 2003.
.. [5] D. P. Kingma and J. Ba, "Adam: a method for stochastic optimization",
   ICLR 2015.
"""

from __future__ import annotations

import numbers
import time
import warnings
from dataclasses import dataclass

import numpy as np

from . import masks as _masks
from . import stft as _stft
from ._validation import (
    ParameterError,
    _describe,
    check_float_dtype,
    check_int,
    check_nonnegative_matrix,
    check_positive,
    check_random_state,
    check_spectrogram,
)

__all__ = ["NMFResult", "beta_divergence", "nmf", "nmf_gradient", "component_signals",
           "BETA_NAMES"]

#: Names accepted for the three classic divergences.
BETA_NAMES = {"EU": 2.0, "KL": 1.0, "IS": 0.0}
_NORMALIZE = (None, "unit_sum", "energy")


# ---------------------------------------------------------------------------
# Results and validation
# ---------------------------------------------------------------------------


@dataclass(frozen=True, repr=False)
class NMFResult:
    """The factors of an NMF and the history of its loss.

    Returned by :func:`nmf` and :func:`nmf_gradient`; drawn by
    ``course_lib.plot.nmf_panel``. Used in 02_nmf, §3 to §9.

    Attributes
    ----------
    W : numpy.ndarray, shape (freq, rank)
        Bases (spectral templates), one per column.
    H : numpy.ndarray, shape (rank, frames)
        Activations, one row per basis.
    losses : numpy.ndarray of float64, shape (n_recorded,)
        ``losses[i]`` is the β-divergence ``D_β(V | W H)`` of the factors after
        iteration ``loss_iterations[i]``. The loss of the initial factors is not in
        it: it is ``initial_loss``.
    loss_iterations : numpy.ndarray of int, shape (n_recorded,)
        The iteration counts (1-based: an iteration of :func:`nmf` updates W, then H;
        one of :func:`nmf_gradient` is one Adam step) after which the losses were
        measured: every multiple of ``loss_every`` up to ``n_iter``, and ``n_iter``
        itself when it is not one, so that ``losses[-1]`` is always the loss of the
        returned ``W`` and ``H``. For ``n_iter=25, loss_every=10`` it is
        ``[10, 20, 25]``; for ``loss_every=1`` it is ``1, 2, ..., n_iter``. Empty with
        ``loss_every=0``. To plot the whole history including the start, use
        ``np.r_[0, loss_iterations]`` against ``np.r_[initial_loss, losses]``.
    initial_loss : float
        The loss of the initial factors, at iteration 0 (NaN when ``loss_every=0``).
    n_iter : int
        Iterations (or gradient steps) actually run: fewer than asked when ``tol`` or
        ``time_limit`` stopped early.
    beta : float
        The β of the divergence.
    times : numpy.ndarray of float64, shape (n_recorded,)
        Wall-clock seconds from the start to each recorded loss.
    """

    W: np.ndarray
    H: np.ndarray
    losses: np.ndarray
    loss_iterations: np.ndarray
    initial_loss: float
    n_iter: int
    beta: float
    times: np.ndarray

    @property
    def rank(self) -> int:
        return self.W.shape[1]

    @property
    def reconstruction(self) -> np.ndarray:
        """``W @ H``, shape (freq, frames)."""
        return self.W @ self.H

    def __repr__(self) -> str:
        last = f"{self.losses[-1]:.6g}" if self.losses.size else "not tracked"
        return (f"NMFResult(W {self.W.shape}, H {self.H.shape}, beta={self.beta:g}, "
                f"{self.n_iter} iterations, final loss {last})")


def _check_beta(beta) -> float:
    if isinstance(beta, str):
        if beta.upper() not in BETA_NAMES:
            raise ParameterError(
                f"beta={beta!r} is not a divergence name; use 'EU', 'KL', 'IS' or a number"
            )
        return BETA_NAMES[beta.upper()]
    if isinstance(beta, bool) or not isinstance(beta, numbers.Real):
        raise TypeError(f"beta must be 'EU', 'KL', 'IS' or a finite number, got {_describe(beta)}")
    if not np.isfinite(beta):
        raise ParameterError(f"beta={beta} must be a finite number (or 'EU', 'KL', 'IS')")
    return float(beta)


def _check_rank(rank, V: np.ndarray, *, supervised: bool) -> int:
    """A rank of at least 1; without fixed bases, one of min(V.shape) or more warns.

    With ``bases`` the rank is the number of given bases and has no upper limit: only H
    is learned, a non-negative least-β fit of every frame on the bases (scikit-learn's
    ``non_negative_factorization(..., update_H=False)`` accepts any number of components
    too). Learning both factors with ``rank >= min(V.shape)`` can reproduce V without
    learning any structure, which is usually a slip, but not an error.
    """
    rank = check_int(rank, "rank", minimum=1, unit="component(s)")
    if not supervised and rank >= min(V.shape):
        warnings.warn(
            f"rank={rank} is not smaller than both dimensions of V {V.shape}: with that many "
            "components NMF can reproduce V without learning any structure; use a rank below "
            f"{min(V.shape)} (or pass bases= for supervised NMF, where any rank is fine)",
            UserWarning,
            stacklevel=3,
        )
    return rank


def _gamma(beta: float) -> float:
    """The exponent of Févotte & Idier (2011) that guarantees a non-increasing loss."""
    if beta < 1:
        return 1.0 / (2.0 - beta)
    if beta > 2:
        return 1.0 / (beta - 1.0)
    return 1.0


def _is_floor(V: np.ndarray) -> float:
    """A positive floor for V under β <= 0, where the divergence is undefined at 0."""
    return float(max(V.max(), 1.0) * np.finfo(V.dtype).eps)


# ---------------------------------------------------------------------------
# The β-divergence
# ---------------------------------------------------------------------------


#: Within this distance of β = 0 or β = 1 (but not at them), the expanded form of the
#: divergence, ``(Σ v^β + (β-1) Σ v̂^β - β Σ v v̂^(β-1)) / (β(β-1))``, divides a sum of
#: nearly cancelling terms by a small ``β(β-1)``: its rounding error grows as
#: ``1 / |β(β-1)|`` (at β = 1e-12 it returns -0.16 for D(V | V)). There the loss is
#: computed entry by entry in the form of :func:`_divergence_terms`, exact in the limits.
_NEAR_LIMIT = 0.1


def _expm1_ratio(x: float, log_r: np.ndarray) -> np.ndarray:
    """``(r^x - 1) / x = expm1(x log r) / x``, and its limit ``log r`` at x = 0."""
    if x == 0:
        return log_r
    with np.errstate(over="ignore"):  # r^x beyond the float range: the divergence is inf
        return np.expm1(x * log_r) / x


def _divergence_terms(V: np.ndarray, V_hat: np.ndarray, beta: float) -> np.ndarray:
    """``d_β(v | v̂)`` for every entry, in float64, continuous in β.

    With ``r = v / v̂`` the general term is ``v̂^β ((r^β - 1) - β (r - 1)) / (β(β-1))``.
    Writing ``r^β - 1`` with ``expm1`` and cancelling the vanishing factor gives two
    forms that are exact for every β and stay accurate near the limits:

    - below β = 1/2: ``v̂^β (r - 1 - (r^β - 1)/β) / (1 - β)``, which at β = 0 is
      IS's ``r - log r - 1``;
    - from β = 1/2: ``v̂^β (r (r^(β-1) - 1)/(β-1) - (r - 1)) / β``, which at β = 1 is
      KL's ``v log r - v + v̂``.

    Both are exactly 0 where ``v = v̂``. Entries where ``v`` or ``v̂`` is 0 take their
    limits (``v̂^β / β`` for v = 0 and β > 0; ``v^β / (β(β-1))`` for v̂ = 0 and β > 1;
    0 for both); the caller has rejected the combinations where the divergence is
    undefined or infinite. Rounding can leave a term a hair below 0; it is clipped.
    """
    v = np.asarray(V, dtype=np.float64)
    v_hat = np.asarray(V_hat, dtype=np.float64)
    if beta == 2:
        return 0.5 * np.square(v - v_hat)
    terms = np.zeros(v.shape)
    both = (v > 0) & (v_hat > 0)
    if both.all():
        v_b, v_hat_b = v, v_hat
    else:
        v_b, v_hat_b = v[both], v_hat[both]
    r = v_b / v_hat_b
    log_r = np.log(r)
    scale = v_hat_b if beta == 1 else v_hat_b**beta
    if beta < 0.5:
        values = (r - 1 - _expm1_ratio(beta, log_r)) * scale / (1 - beta)
    else:
        values = (r * _expm1_ratio(beta - 1, log_r) - (r - 1)) * scale / beta
    if both.all():
        terms = values
    else:
        terms[both] = values
        only_v_hat = (v == 0) & (v_hat > 0)
        terms[only_v_hat] = v_hat[only_v_hat] ** beta / beta
        only_v = (v > 0) & (v_hat == 0)
        terms[only_v] = v[only_v] ** beta / (beta * (beta - 1))
    return np.maximum(terms, 0.0, out=terms)


class _Loss:
    """β-divergence of a fixed V, with the terms that depend on V alone computed once.

    Each call streams through one (freq, frames) scratch array of its own, so that
    tracking the loss costs a few element-wise passes and allocates nothing. Within
    ``_NEAR_LIMIT`` of β = 0 or 1 it sums :func:`_divergence_terms` instead (slower,
    but accurate where the expanded form is not).
    """

    def __init__(self, V: np.ndarray, beta: float):
        self.V, self.beta = V, beta
        self.scratch = np.zeros_like(V)
        self.where = True  # the entries whose log the KL loss needs
        self.termwise = beta not in (0.0, 1.0, 2.0) and min(abs(beta), abs(beta - 1)) < _NEAR_LIMIT
        v = V.astype(np.float64, copy=False)
        if self.termwise:
            return
        if beta == 1:
            from scipy.special import xlogy

            self.const = float(np.sum(xlogy(v, v)) - np.sum(v))  # Σ V log V − Σ V
            if np.any(V == 0):  # V log V̂ is 0 where V is 0, whatever V̂ is (even 0)
                self.where = V > 0
        elif beta == 0:
            self.const = float(-np.sum(np.log(v)) - v.size)  # −Σ log V − FN
        elif beta != 2:
            self.const = float(np.sum(v**beta))

    def __call__(self, V_hat: np.ndarray) -> float:
        V, beta, S = self.V, self.beta, self.scratch
        if self.termwise:
            return float(np.sum(_divergence_terms(V, V_hat, beta)))
        if beta == 2:
            np.subtract(V, V_hat, out=S)
            return 0.5 * float(np.dot(S.ravel(), S.ravel()))
        if beta == 1:  # Σ V log(V / V̂) − V + V̂; S stays 0 where V is 0
            np.log(V_hat, out=S, where=self.where)
            S *= V
            return self.const - float(np.sum(S)) + float(np.sum(V_hat))
        if beta == 0:  # Σ V / V̂ − log(V / V̂) − 1
            ratio_sum = float(np.sum(np.divide(V, V_hat, out=S)))
            return ratio_sum + float(np.sum(np.log(V_hat, out=S))) + self.const
        return float(
            self.const + (beta - 1) * np.sum(V_hat**beta) - beta * np.sum(V * V_hat ** (beta - 1))
        ) / (beta * (beta - 1))


def beta_divergence(V, V_hat, beta) -> float:
    """The β-divergence ``D_β(V | V̂)``, summed over all entries.

    Used in 02_nmf, §2 (three ways to measure the misfit) and §3 (the loss of the
    updates written out by hand).

    .. math::

        d_\\beta(v \\mid \\hat v) =
        \\begin{cases}
        \\frac{v}{\\hat v} - \\log\\frac{v}{\\hat v} - 1 & \\beta = 0 \\; (\\text{IS}) \\\\
        v \\log\\frac{v}{\\hat v} - v + \\hat v & \\beta = 1 \\; (\\text{KL}) \\\\
        \\frac{v^\\beta + (\\beta - 1)\\hat v^\\beta - \\beta v \\hat v^{\\beta - 1}}
             {\\beta(\\beta - 1)} & \\text{otherwise } (\\beta = 2: \\tfrac12 (v - \\hat v)^2)
        \\end{cases}

    The same definition as scikit-learn's, so values compare directly. The general
    formula tends to IS as β → 0 and to KL as β → 1; it is evaluated in a form that is
    exact in those limits (see Notes), so the divergence is continuous in β and
    ``D_β(V | V) = 0`` for every β.

    Parameters
    ----------
    V : numpy.ndarray, shape (freq, frames)
        The data, e.g. a magnitude spectrogram; non-negative (positive for β <= 0).
    V_hat : numpy.ndarray, shape (freq, frames)
        The approximation, e.g. ``W @ H``; positive (for β <= 1; for KL it may be 0
        where V is 0) or non-negative (β > 1).
    beta : float or {"EU", "KL", "IS"}
        The β: 2 (EU), 1 (KL), 0 (IS) or any other finite number.

    Returns
    -------
    float
        The divergence, >= 0, in the units of the entries (to the power β).

    Raises
    ------
    TypeError
        ``V`` or ``V_hat`` not a real float array, or ``beta`` not a str or number.
    ParameterError
        Shapes that differ; negative, NaN or infinite entries; an unknown ``beta``
        name or a non-finite ``beta``; a 0 where the divergence is undefined (V for
        β <= 0, V_hat for β < 1) or infinite (V_hat for KL where V > 0).

    Notes
    -----
    With ``r = v / v̂`` the term is ``v̂^β ((r^β - 1) - β (r - 1)) / (β(β-1))``. Below
    β = 1/2 it is computed as ``v̂^β (r - 1 - (r^β - 1)/β) / (1 - β)`` and from β = 1/2 as
    ``v̂^β (r (r^(β-1) - 1)/(β-1) - (r - 1)) / β``, with ``r^x - 1 = expm1(x log r)``:
    both are the formula above, rearranged, and neither divides by a small number
    near β = 0 or β = 1. The textbook form loses ``1 / |β(β-1)|`` times the rounding
    error there: at β = 1e-12 it gives ``D(V | V) ≈ -0.16``.

    Examples
    --------
    >>> V = np.array([[1.0, 2.0], [3.0, 4.0]])
    >>> beta_divergence(V, V, "KL")
    0.0
    >>> beta_divergence(V, V + 1, "EU")   # half the squared Frobenius norm
    2.0
    >>> beta_divergence(V, V, 1e-12)      # any beta: D(V | V) = 0
    0.0
    >>> bool(np.isclose(beta_divergence(V, V + 1, 1e-9), beta_divergence(V, V + 1, "IS")))
    True
    """
    beta = _check_beta(beta)
    V = check_nonnegative_matrix(V, "V", allow_zero_matrix=True)
    V_hat = check_nonnegative_matrix(V_hat, "V_hat", allow_zero_matrix=True)
    if V.shape != V_hat.shape:
        raise ParameterError(
            f"V has shape {V.shape} but V_hat has shape {V_hat.shape}; they must be equal"
        )
    if beta <= 0 and np.any(V == 0):
        raise ParameterError(f"beta={beta:g} is undefined where V is 0; add a small floor to V")
    if beta < 1 and np.any(V_hat == 0):
        raise ParameterError(f"beta={beta:g} is undefined where V_hat is 0")
    if beta == 1 and np.any((V_hat == 0) & (V > 0)):
        raise ParameterError("the KL divergence is infinite where V_hat is 0 but V is not")
    return float(np.sum(_divergence_terms(V, V_hat, beta)))


# ---------------------------------------------------------------------------
# Multiplicative updates
# ---------------------------------------------------------------------------


def _initial_factors(V, rank, init, bases, rng, dtype):
    freq, frames = V.shape
    if isinstance(init, str):
        if init != "random":
            raise ParameterError(f"init must be 'random' or a pair (W0, H0), got {init!r}")
        scale = np.sqrt(V.mean() / rank)
        W = (scale * rng.uniform(0.5, 1.5, size=(freq, rank))).astype(dtype)
        H = (scale * rng.uniform(0.5, 1.5, size=(rank, frames))).astype(dtype)
    elif isinstance(init, (tuple, list)) and len(init) == 2:
        W = check_nonnegative_matrix(init[0], "init[0] (W0)", dtype=dtype).copy()
        H = check_nonnegative_matrix(init[1], "init[1] (H0)", dtype=dtype).copy()
        if W.shape != (freq, rank) or H.shape != (rank, frames):
            raise ParameterError(
                f"init=(W0, H0) must have shapes {(freq, rank)} and {(rank, frames)}, got "
                f"{W.shape} and {H.shape}"
            )
    else:
        raise TypeError(f"init must be 'random' or a pair (W0, H0), got {_describe(init)}")
    if bases is not None:
        W = check_nonnegative_matrix(bases, "bases", dtype=dtype).copy()
        if W.shape != (freq, rank):
            raise ParameterError(
                f"bases must have shape (freq, rank) = {(freq, rank)}, got {W.shape}: one "
                "column per basis, as many rows as V"
            )
        if np.any(W.sum(axis=0) == 0):
            raise ParameterError("bases has an all-zero column; remove it")
    return W, H


def _normalize(W: np.ndarray, H: np.ndarray, how: str | None) -> None:
    """Rescale columns of W and rows of H in place, leaving W @ H unchanged."""
    if how is None:
        return
    if how == "unit_sum":
        scale = W.sum(axis=0)
    else:  # "energy": equal Euclidean norms of W[:, k] and H[k]
        scale = np.sqrt(np.linalg.norm(W, axis=0) / np.maximum(np.linalg.norm(H, axis=1),
                                                                np.finfo(W.dtype).tiny))
    scale = np.where(scale > 0, scale, 1).astype(W.dtype)
    W /= scale
    H *= scale[:, np.newaxis]


def _mu_step_W(V, W, H, WH, beta, gamma, tiny, buf, zeros=None):
    """One multiplicative update of W in place. WH = W @ H (unused for EU).

    ``buf`` is a (freq, frames) scratch array; it may be WH itself, which is then
    overwritten (for KL and IS, whose ratios need W @ H only once).
    """
    if beta == 2:  # W ← W ∘ (V Hᵀ) / (W H Hᵀ)
        numerator = V @ H.T
        denominator = W @ (H @ H.T)
    elif beta == 1:  # W ← W ∘ ((V / WH) Hᵀ) / (1 Hᵀ)
        np.divide(V, WH, out=buf)
        numerator = buf @ H.T
        denominator = H.sum(axis=1)[np.newaxis, :]
    else:  # W ← W ∘ [((WH)^(β-2) ∘ V) Hᵀ / ((WH)^(β-1) Hᵀ)]^γ
        numerator, denominator = _beta_terms(V, WH, beta, buf, lambda A: A @ H.T, zeros)
    _apply(W, numerator, denominator, gamma, tiny)


def _mu_step_H(V, W, H, WH, beta, gamma, tiny, buf, zeros=None):
    """One multiplicative update of H in place. WH = W @ H with the current W.

    ``buf`` as in :func:`_mu_step_W` (it may be WH itself).
    """
    if beta == 2:  # H ← H ∘ (Wᵀ V) / (Wᵀ W H)
        numerator = W.T @ V
        denominator = (W.T @ W) @ H
    elif beta == 1:  # H ← H ∘ (Wᵀ (V / WH)) / (Wᵀ 1)
        np.divide(V, WH, out=buf)
        numerator = W.T @ buf
        denominator = W.sum(axis=0)[:, np.newaxis]
    else:
        numerator, denominator = _beta_terms(V, WH, beta, buf, lambda A: W.T @ A, zeros)
    _apply(H, numerator, denominator, gamma, tiny)


def _beta_terms(V, WH, beta, buf, product, zeros):
    """product((WH)^(β-2) ∘ V) and product((WH)^(β-1)) for the general β update.

    ``zeros`` marks the entries where V is 0 (None when there are none): there the
    first term is 0, whatever (WH)^(β-2) is, as in scikit-learn (it can overflow to
    inf where a silent bin meets a silent frame, and inf · 0 is NaN).
    """
    if beta == 0:  # (WH)^-1 and V (WH)^-2; V has no zeros under IS (it is floored)
        np.divide(1.0, WH, out=buf)  # as exact as np.reciprocal, and about twice as fast
        denominator = product(buf)
        np.square(buf, out=buf)  # faster than buf *= buf
        buf *= V
        return product(buf), denominator
    with np.errstate(over="ignore", invalid="ignore"):
        np.power(WH, beta - 2, out=buf)
        buf *= V
        if zeros is not None:
            buf[zeros] = 0
        numerator = product(buf)
        np.power(WH, beta - 1, out=buf)
        return numerator, product(buf)


def _apply(F, numerator, denominator, gamma, tiny):
    ratio = numerator / np.maximum(denominator, tiny)
    if gamma != 1:
        ratio **= gamma
    F *= ratio


def nmf(
    V,
    rank: int,
    *,
    beta="KL",
    n_iter: int = 200,
    init="random",
    bases=None,
    normalize: str | None = None,
    random_state=None,
    tol: float | None = None,
    loss_every: int = 1,
    progress: bool = False,
    dtype=None,
    time_limit: float | None = None,
) -> NMFResult:
    """Factorise ``V ≈ W @ H`` with multiplicative updates for a β-divergence.

    Used in 02_nmf, §3 (multiplicative updates, checked against the updates written
    out by hand) and from then on: §4 and §5 (piano notes, scale and chords), §6 (EU,
    KL and IS), §7 (the race against Adam), §8 (the rank) and §9 (supervised NMF with
    ``bases``).

    Each iteration updates W, then H (with the new W), by

    .. math::

        W \\leftarrow W \\circ \\left[\\frac{((WH)^{\\beta-2} \\circ V) H^\\top}
                                          {(WH)^{\\beta-1} H^\\top}\\right]^{\\gamma(\\beta)},
        \\qquad
        H \\leftarrow H \\circ \\left[\\frac{W^\\top ((WH)^{\\beta-2} \\circ V)}
                                          {W^\\top (WH)^{\\beta-1}}\\right]^{\\gamma(\\beta)}

    which for β = 2 is Lee & Seung's ``W ← W ∘ V Hᵀ / (W H Hᵀ)`` and for β = 1 their
    KL update; γ(β) = 1/(2-β) for β < 1 (1/2 for IS), 1 for 1 ≤ β ≤ 2 and 1/(β-1) for
    β > 2 makes the loss non-increasing (Févotte & Idier 2011).

    Parameters
    ----------
    V : numpy.ndarray, shape (freq, frames)
        Non-negative data, e.g. a magnitude spectrogram ``np.abs(X)``; float32 or float64.
    rank : int
        Number of components, at least 1. Without ``bases`` it should be below
        ``min(freq, frames)`` (a larger rank can reproduce V without learning anything,
        and warns); with ``bases`` it is their number, and may exceed the frames.
    beta : float or {"EU", "KL", "IS"}
        The divergence (2, 1, 0 or any finite real number).
    n_iter : int
        Iterations (each updates W, then H), at least 1.
    init : "random" or (W0, H0)
        Random positive factors scaled to V's mean (drawn from ``random_state``), or
        initial factors of shapes (freq, rank) and (rank, frames); they are copied.
    bases : numpy.ndarray, shape (freq, rank), optional
        Supervised NMF: W is fixed to these bases and only H is learned. Any number of
        bases is allowed, more than the frames of V included (scikit-learn's
        ``non_negative_factorization(..., update_H=False)`` allows it too).
    normalize : {None, "unit_sum", "energy"}
        After each iteration, rescale each column of W to sum to 1, or give each column
        of W and row of H the same Euclidean norm; H (or W) is rescaled to compensate,
        so W @ H and the loss are unchanged by it. Ignored with ``bases``.
    random_state : None, int or numpy.random.Generator
        Seed (a non-negative int) or generator of the random initial factors.
    tol : float, optional
        Stop when the relative decrease of the loss between two recorded losses falls
        below ``tol``. Needs ``loss_every >= 1``.
    loss_every : int
        Record the loss after every ``loss_every``-th iteration and after the last one
        (see :attr:`NMFResult.loss_iterations`); 0 records none (fastest: for KL and IS
        the loss costs a pass of logarithms).
    progress : bool
        Show a progress bar.
    dtype : float32 or float64, optional
        Computation type; V's own float type by default.
    time_limit : float, optional
        Stop after the first iteration that ends this many seconds of wall-clock time
        after the start (as :func:`nmf_gradient`'s ``time_limit``, so that a race gives
        both methods the same budget, 02_nmf §7); the loss of the last iteration is
        recorded whenever ``loss_every >= 1``.

    Returns
    -------
    NMFResult
        ``W (freq, rank)``, ``H (rank, frames)``, ``losses`` (after the iterations in
        ``loss_iterations``), ``initial_loss``, ``n_iter``, ``beta``, ``times``.

    Raises
    ------
    TypeError
        V not a real float matrix; ``rank``, ``n_iter`` or ``loss_every`` not an int;
        ``beta``, ``init``, ``normalize``, ``random_state`` or ``dtype`` of a wrong type.
    ParameterError
        Negative, non-finite or all-zero V; a rank below 1; bad shapes of ``init`` or
        ``bases``; a negative ``random_state``; a dtype other than float32 / float64;
        a ``time_limit`` that is not positive; other bad settings.

    Warns
    -----
    UserWarning
        Without ``bases``, when ``rank >= min(V.shape)``.

    Notes
    -----
    For β <= 0 (IS), zeros of V are raised to a floor of ``eps · max(V, 1)``, since the
    divergence is undefined at 0; the losses reported are those of the floored V.
    Entries of W and H (initial factors included; fixed ``bases`` excepted) are kept at or
    above ``eps² · sqrt(mean(V) / rank)`` (eps of the dtype), or ``2 sqrt(tiny)`` if that
    is larger: far below anything audible, it keeps them from becoming subnormal numbers,
    on which arithmetic is many times slower, and keeps ``W @ H`` positive. (An exact 0 in
    the initial factors, which multiplicative updates could never move, starts at the
    floor instead.)

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> V = rng.uniform(size=(6, 3)) @ rng.uniform(size=(3, 40))
    >>> result = nmf(V, 3, beta="KL", n_iter=300, random_state=0)
    >>> result.W.shape, result.H.shape
    ((6, 3), (3, 40))
    >>> bool(np.all(np.diff(result.losses) <= 1e-12))
    True
    >>> bool(result.losses[-1] < 1e-3 * result.initial_loss)
    True
    >>> nmf(V, 3, n_iter=25, loss_every=10, random_state=0).loss_iterations
    array([10, 20, 25])
    """
    beta = _check_beta(beta)
    if dtype is None:
        arr = np.asarray(V)
        dtype = arr.dtype if arr.dtype in (np.float32, np.float64) else np.float64
    dtype = check_float_dtype(dtype)
    V = check_nonnegative_matrix(V, "V", dtype=dtype)
    rank = _check_rank(rank, V, supervised=bases is not None)
    n_iter = check_int(n_iter, "n_iter", minimum=1, unit="iteration(s)")
    loss_every = check_int(loss_every, "loss_every", minimum=0, unit="iteration(s)")
    if normalize is not None and not isinstance(normalize, str):
        raise TypeError(
            f"normalize must be None, 'unit_sum' or 'energy', got {_describe(normalize)}"
        )
    if normalize not in _NORMALIZE:
        raise ParameterError(f"normalize must be one of {_NORMALIZE}, got {normalize!r}")
    if tol is not None:
        check_positive(tol, "tol")
        if loss_every == 0:
            raise ParameterError("tol needs the loss: set loss_every >= 1")
    if time_limit is not None:
        check_positive(time_limit, "time_limit", unit="s")
    rng = check_random_state(random_state)

    if beta <= 0:  # IS: the divergence is undefined at 0
        V = np.maximum(V, _is_floor(V))
    # C order, whatever the caller's layout (course_lib.stft returns Fortran-ordered
    # spectrograms): every (freq, frames) operand below then shares one layout, and an
    # element-wise pass over mixed layouts is several times slower than over matching ones.
    V = np.ascontiguousarray(V)
    W, H = _initial_factors(V, rank, init, bases, rng, dtype)
    update_W = bases is None
    normalize = normalize if update_W else None
    gamma = _gamma(beta)
    tiny = np.finfo(dtype).tiny
    # Multiplicative updates shrink unused entries geometrically; once they become
    # subnormal numbers every operation on them is many times slower. A floor far below
    # any audible level (eps² of the factors' typical size) keeps them normal, and its
    # square is a normal number too, so W @ H >= floor² > 0 whenever every row of W and
    # every column of H has an entry at the floor or above: V / (W H) is then never 0 / 0.
    floor = dtype.type(max(np.finfo(dtype).eps ** 2 * np.sqrt(V.mean() / rank),
                           2 * np.sqrt(tiny)))
    if update_W:
        np.maximum(W, floor, out=W)
    np.maximum(H, floor, out=H)
    # Fixed bases may have a row below the floor (a bin no basis uses); only then can W @ H
    # reach 0, and only then does each product pay for a pass that keeps it positive.
    guard_product = not update_W and not np.all(W.max(axis=1) >= floor)
    if guard_product and beta <= 1:
        uncovered = np.flatnonzero((W.max(axis=1) == 0) & (V.max(axis=1) > 0))
        if uncovered.size:
            raise ParameterError(
                f"bases is all zero in bin(s) {uncovered[:10].tolist()} where V is positive: "
                f"W @ H is 0 there whatever H is, and the beta={beta:g} divergence is infinite; "
                "give every bin some energy (e.g. bases + 1e-9 * bases.max()) or drop those bins"
            )
    product_buf = np.empty_like(V)  # W @ H, written in place by every product
    # The scratch array of the updates. KL and IS need W @ H only to form their ratios
    # (V / WH; 1 / WH and V / WH²), so those overwrite it: one (freq, frames) array less
    # to stream through the cache makes an iteration 10-20 % faster. Other β need W @ H
    # twice (two powers of it) and get an array of their own; EU needs none.
    buf = product_buf if beta in (0.0, 1.0, 2.0) else np.empty_like(V)
    zeros = (V == 0) if beta not in (1.0, 2.0) and np.any(V == 0) else None
    loss = _Loss(V, beta) if loss_every else None

    def product():
        np.matmul(W, H, out=product_buf)
        if guard_product:
            np.maximum(product_buf, tiny, out=product_buf)
        return product_buf

    start = time.perf_counter()
    initial_loss = loss(product()) if loss else float("nan")
    losses, loss_iterations, times = [], [], []
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=n_iter, desc=f"NMF (beta={beta:g})", leave=False)
    pending = False  # the loss of the previous iteration is still to be recorded
    it = 0
    for it in range(1, n_iter + 1):
        WH = product() if (beta != 2 or pending) else None
        if pending:  # W H of the previous iteration's factors: its loss comes for free
            losses.append(loss(WH))
            times.append(time.perf_counter() - start)
            pending = False
            if _converged(losses, initial_loss, tol):
                it -= 1
                break
        if update_W:
            _mu_step_W(V, W, H, WH, beta, gamma, tiny, buf, zeros)
            np.maximum(W, floor, out=W)
            if beta != 2:
                WH = product()
        _mu_step_H(V, W, H, WH, beta, gamma, tiny, buf, zeros)
        np.maximum(H, floor, out=H)
        if normalize is not None:  # the rescaling may take entries below the floor
            _normalize(W, H, normalize)
            np.maximum(W, floor, out=W)
            np.maximum(H, floor, out=H)
        out_of_time = time_limit is not None and time.perf_counter() - start >= time_limit
        if loss and (it % loss_every == 0 or it == n_iter or out_of_time):
            loss_iterations.append(it)
            pending = True
        if bar is not None:
            bar.update()
        if out_of_time:
            break
    if pending:
        losses.append(loss(product()))
        times.append(time.perf_counter() - start)
    if bar is not None:
        bar.close()
    return NMFResult(W=W, H=H, losses=np.asarray(losses, dtype=np.float64),
                     loss_iterations=np.asarray(loss_iterations[:len(losses)], dtype=int),
                     initial_loss=float(initial_loss), n_iter=it, beta=beta,
                     times=np.asarray(times, dtype=np.float64))


def _converged(losses, initial_loss, tol) -> bool:
    if tol is None:
        return False
    previous = losses[-2] if len(losses) > 1 else initial_loss
    return previous > 0 and (previous - losses[-1]) / previous < tol


# ---------------------------------------------------------------------------
# Gradient descent on log-parametrised factors (the handout's view)
# ---------------------------------------------------------------------------


def nmf_gradient(
    V,
    rank: int,
    *,
    beta="KL",
    lr: float = 0.1,
    n_steps: int = 1000,
    random_state=None,
    time_limit: float | None = None,
    loss_every: int = 1,
    progress: bool = False,
    init="random",
) -> NMFResult:
    """NMF by Adam on ``log W`` and ``log H``: the gradient view, and why it is slow.

    Used in 02_nmf, §7 (the gradient view, and a race against :func:`nmf`).

    ``W = exp(A)`` and ``H = exp(B)`` are positive whatever A and B are, so plain
    gradient steps need no projection. With ``V̂ = W H`` and ``G = ∂D/∂V̂``
    (``1 - V / V̂`` for KL, ``V̂ - V`` for EU), the chain rule gives

    .. math:: \\frac{\\partial D}{\\partial A} = W \\circ (G H^\\top), \\qquad
              \\frac{\\partial D}{\\partial B} = H \\circ (W^\\top G),

    and Adam (Kingma & Ba 2015; β₁ = 0.9, β₂ = 0.999, ε = 1e-8) scales each step.
    The handout runs this with TensorFlow's Adam, learning rate 0.1 and 10 000 steps,
    initialising A and B from a standard normal distribution, as here.

    Parameters
    ----------
    V : numpy.ndarray, shape (freq, frames)
        Non-negative data.
    rank : int
        Number of components, at least 1 (one of ``min(V.shape)`` or more warns, as
        in :func:`nmf`).
    beta : {"KL", "EU"}
        The handout's I-divergence (KL) or squared error (EU, halved as in :func:`nmf`).
    lr : float
        Adam's learning rate, positive.
    n_steps : int
        Maximum number of steps, at least 1.
    random_state : None, int or numpy.random.Generator
        Seed (a non-negative int) or generator of the initial log-factors.
    time_limit : float, optional
        Stop after this many seconds of wall-clock time.
    loss_every : int
        Record the loss after every ``loss_every``-th step and after the last one
        (see :attr:`NMFResult.loss_iterations`); 0: never (``time_limit`` still works).
    progress : bool
        Show a progress bar.
    init : "random" or (W0, H0)
        The handout's start, ``log W`` and ``log H`` drawn from a standard normal
        distribution (from ``random_state``), or given positive initial factors of
        shapes (freq, rank) and (rank, frames), e.g. the start of another method in a
        race (02_nmf, §7); they are not modified.

    Returns
    -------
    NMFResult
        Like :func:`nmf`; ``n_iter`` is the number of steps taken,
        ``loss_iterations`` the steps after which the losses were measured and
        ``times`` the wall-clock time of each recorded loss.

    Raises
    ------
    TypeError
        V not a real float matrix; ``rank``, ``n_steps`` or ``loss_every`` not an
        int; ``lr``, ``time_limit``, ``beta`` or ``random_state`` of a wrong type.
    ParameterError
        Negative, non-finite or all-zero V; a β other than KL or EU; a rank below 1;
        a ``lr`` or ``time_limit`` that is not positive; a negative ``random_state``;
        initial factors of the wrong shape or with a zero (its log is -inf).

    Warns
    -----
    UserWarning
        When ``rank >= min(V.shape)``.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> V = rng.uniform(size=(8, 2)) @ rng.uniform(size=(2, 30))
    >>> result = nmf_gradient(V, 2, n_steps=300, random_state=0)
    >>> bool(result.losses[-1] < 0.1 * result.initial_loss)
    True
    """
    beta = _check_beta(beta)
    if beta not in (1.0, 2.0):
        raise ParameterError(f"nmf_gradient supports beta 'KL' or 'EU', got beta={beta:g}")
    V = check_nonnegative_matrix(V, "V", dtype=np.float64)
    rank = _check_rank(rank, V, supervised=False)
    lr = check_positive(lr, "lr")
    n_steps = check_int(n_steps, "n_steps", minimum=1, unit="step(s)")
    loss_every = check_int(loss_every, "loss_every", minimum=0, unit="step(s)")
    if time_limit is not None:
        check_positive(time_limit, "time_limit", unit="s")
    rng = check_random_state(random_state)

    if isinstance(init, str) and init == "random":
        A = rng.standard_normal((V.shape[0], rank))  # log W
        B = rng.standard_normal((rank, V.shape[1]))  # log H
    elif isinstance(init, (tuple, list)) and len(init) == 2:
        W0 = check_nonnegative_matrix(init[0], "init[0] (W0)", dtype=np.float64)
        H0 = check_nonnegative_matrix(init[1], "init[1] (H0)", dtype=np.float64)
        if W0.shape != (V.shape[0], rank) or H0.shape != (rank, V.shape[1]):
            raise ParameterError(
                f"init=(W0, H0) must have shapes {(V.shape[0], rank)} and "
                f"{(rank, V.shape[1])}, got {W0.shape} and {H0.shape}"
            )
        if np.any(W0 == 0) or np.any(H0 == 0):
            raise ParameterError("init=(W0, H0) has a zero entry: Adam works on log W and "
                                 "log H, so every entry must be positive")
        A, B = np.log(W0), np.log(H0)
    elif isinstance(init, str):
        raise ParameterError(f"init must be 'random' or a pair (W0, H0), got {init!r}")
    else:
        raise TypeError(f"init must be 'random' or a pair (W0, H0), got {_describe(init)}")
    moments = [[np.zeros_like(A), np.zeros_like(A)], [np.zeros_like(B), np.zeros_like(B)]]
    b1, b2, eps = 0.9, 0.999, 1e-8
    loss = _Loss(V, beta)
    tiny = np.finfo(np.float64).tiny
    start = time.perf_counter()
    initial_loss = loss(np.maximum(np.exp(A) @ np.exp(B), tiny)) if loss_every else float("nan")
    losses, loss_iterations, times = [], [], []
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=n_steps, desc=f"Adam NMF (beta={beta:g})", leave=False)
    step = 0
    for step in range(1, n_steps + 1):
        W, H = np.exp(A), np.exp(B)
        V_hat = np.maximum(W @ H, tiny)
        G = 1.0 - V / V_hat if beta == 1 else V_hat - V
        gradients = (W * (G @ H.T), H * (W.T @ G))
        for param, grad, (m, v) in zip((A, B), gradients, moments, strict=True):
            m *= b1
            m += (1 - b1) * grad
            v *= b2
            v += (1 - b2) * grad**2
            param -= lr * (m / (1 - b1**step)) / (np.sqrt(v / (1 - b2**step)) + eps)
        done = time_limit is not None and time.perf_counter() - start >= time_limit
        if loss_every and (step % loss_every == 0 or done or step == n_steps):
            losses.append(loss(np.maximum(np.exp(A) @ np.exp(B), tiny)))
            loss_iterations.append(step)
            times.append(time.perf_counter() - start)
        if bar is not None:
            bar.update()
        if done:
            break
    if bar is not None:
        bar.close()
    return NMFResult(W=np.exp(A), H=np.exp(B), losses=np.asarray(losses, dtype=np.float64),
                     loss_iterations=np.asarray(loss_iterations, dtype=int),
                     initial_loss=float(initial_loss), n_iter=step, beta=beta,
                     times=np.asarray(times, dtype=np.float64))


# ---------------------------------------------------------------------------
# From components to sounds
# ---------------------------------------------------------------------------


def component_signals(
    mixture_stft,
    W,
    H,
    sr,
    *,
    groups=None,
    masked: bool = True,
    frame: float = _stft.DEFAULT_FRAME,
    hop: float = _stft.DEFAULT_HOP,
    n_fft: int | None = None,
    hop_length: int | None = None,
    window="hann",
    center: bool = True,
    length: int | None = None,
) -> np.ndarray:
    """One time signal per NMF component, or per group of components.

    Used in 02_nmf, §4 (listening to the components of two piano notes), §5 (the
    keys of a scale), §8 (the rank) and §9 (supervised NMF: one group per source).

    With ``masked=True`` each group ``g`` gets the soft mask of its share of the model,

    .. math:: \\hat{s}_g = \\mathrm{ISTFT}\\left(X \\circ \\frac{W_g H_g}{W H}\\right),

    so the signals add up to the mixture (the Wiener-like resynthesis of the keep
    learning blog). With ``masked=False`` each group is ``W_g H_g`` itself with the
    mixture's phase, the resynthesis of the reference notebook, whose signals do not
    add up to the mixture.

    A multichannel mixture ``(channels, freq, frames)`` is resynthesised channel by
    channel with the same masks (or magnitudes): factorise one ``(freq, frames)``
    spectrogram of it, e.g. ``np.abs(X).mean(axis=0)``.

    Parameters
    ----------
    mixture_stft : numpy.ndarray, complex, shape (freq, frames) or (channels, freq, frames)
        The STFT of the mixture (the one whose magnitude was factorised).
    W : numpy.ndarray, shape (freq, rank)
        The bases, non-negative.
    H : numpy.ndarray, shape (rank, frames)
        The activations, non-negative.
    sr : int or float
        Sample rate in Hz.
    groups : sequence of int or str, length rank, optional
        A label per basis (as clustering returns); one signal per distinct label, in
        sorted order of the labels. By default every component is its own group.
    masked : bool
        Soft-mask the mixture (True) or use the model's magnitudes (False).
    frame, hop, n_fft, hop_length, window, center
        The STFT parameters of ``mixture_stft``, as for :func:`course_lib.stft.stft`
        (frame and hop in seconds, n_fft and hop_length in samples).
    length : int, optional
        Samples of each output (give the mixture's length to get it exactly).

    Returns
    -------
    numpy.ndarray, shape (groups, samples) or (groups, channels, samples)
        One signal per group, stacked first, ready for :mod:`course_lib.metrics`.

    Raises
    ------
    TypeError
        ``mixture_stft``, ``W`` or ``H`` not a numeric array (``W`` and ``H`` real
        float), ``groups`` not labels of one kind (int or str), ``masked`` not a bool.
    ParameterError
        Shapes that do not fit (``W @ H`` must have the shape of one channel of
        ``mixture_stft``); NaN or infinite values; negative ``W`` or ``H``; a number of
        labels other than ``rank``, or a NaN label; bad STFT parameters.

    Examples
    --------
    >>> from course_lib import stft
    >>> rng = np.random.default_rng(0)
    >>> y = rng.standard_normal(4000)
    >>> X = stft.stft(y, 8000, n_fft=256, hop_length=64)
    >>> fit = nmf(np.abs(X), 4, n_iter=50, random_state=0)
    >>> parts = component_signals(X, fit.W, fit.H, 8000, n_fft=256, hop_length=64,
    ...                           length=y.size, groups=[0, 1, 0, 1])
    >>> parts.shape, bool(np.allclose(parts.sum(axis=0), y))
    ((2, 4000), True)
    """
    X = check_spectrogram(mixture_stft, "mixture_stft", ndims=(2, 3))
    W = check_nonnegative_matrix(W, "W", allow_zero_matrix=True)
    H = check_nonnegative_matrix(H, "H", allow_zero_matrix=True)
    if W.shape[0] != X.shape[-2] or H.shape[1] != X.shape[-1] or W.shape[1] != H.shape[0]:
        raise ParameterError(
            f"W {W.shape} @ H {H.shape} must have the shape (freq, frames) of mixture_stft "
            f"{X.shape}: W (freq, rank), H (rank, frames)"
        )
    if not isinstance(masked, (bool, np.bool_)):
        raise TypeError(f"masked must be True or False, got {_describe(masked)}")
    rank = W.shape[1]
    labels = np.arange(rank) if groups is None else _check_groups(groups, rank)
    unique = np.unique(labels)
    # model of each group: (groups, freq, frames)
    parts = np.stack([W[:, labels == g] @ H[labels == g] for g in unique])
    params = dict(frame=frame, hop=hop, n_fft=n_fft, hop_length=hop_length, window=window,
                  center=center, length=length)
    if masked:  # each group's share of the model; an empty bin is shared equally
        total = parts.sum(axis=0)
        tiny = np.finfo(parts.dtype).tiny
        shares = np.divide(parts, total, out=np.full_like(parts, 1.0 / len(unique)),
                           where=total > tiny)
        return _masks.apply_masks(X, shares, sr, **params)
    phase = np.exp(1j * np.angle(X))
    return np.stack([_stft.istft(part * phase, sr, **params) for part in parts])


def _check_groups(groups, rank: int) -> np.ndarray:
    """One label (int or str) per basis, none of them NaN."""
    if isinstance(groups, (str, bytes)):
        raise TypeError(
            f"groups must be a sequence of labels, one per basis, got {_describe(groups)}"
        )
    try:
        labels = np.asarray(groups)
    except ValueError as exc:  # ragged
        raise TypeError(f"groups must be a flat sequence of labels, got {groups!r}"[:200]) from exc
    if labels.shape != (rank,):
        raise ParameterError(
            f"groups must give one label per basis ({rank}), got shape {labels.shape}"
        )
    if labels.dtype.kind not in "iufU":
        raise TypeError(
            f"groups must hold int or str labels (one kind), got dtype {labels.dtype}: "
            f"{labels.tolist()!r}"[:200]
        )
    if labels.dtype.kind == "f" and not np.all(np.isfinite(labels)):
        bad = np.flatnonzero(~np.isfinite(labels))
        raise ParameterError(
            f"groups has a NaN or infinite label at position(s) {bad[:10].tolist()}; "
            "give every basis a label (e.g. an int)"
        )
    return labels
