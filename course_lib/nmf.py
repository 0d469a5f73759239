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
from dataclasses import dataclass

import numpy as np

from . import masks as _masks
from . import stft as _stft
from ._validation import ParameterError, _describe, check_positive, check_random_state

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

    Attributes
    ----------
    W : numpy.ndarray, shape (freq, rank)
        Bases (spectral templates), one per column.
    H : numpy.ndarray, shape (rank, frames)
        Activations, one row per basis.
    losses : numpy.ndarray, shape (n_recorded,)
        β-divergence after the iterations in ``loss_iterations``.
    loss_iterations : numpy.ndarray of int, shape (n_recorded,)
        The iteration (1-based) after which each loss was measured.
    initial_loss : float
        The loss of the initial factors (NaN when no loss was tracked).
    n_iter : int
        Iterations (or gradient steps) actually run.
    beta : float
        The β of the divergence.
    times : numpy.ndarray, shape (n_recorded,)
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
    if isinstance(beta, bool) or not isinstance(beta, numbers.Real) or not np.isfinite(beta):
        raise TypeError(f"beta must be 'EU', 'KL', 'IS' or a finite number, got {_describe(beta)}")
    return float(beta)


def _check_float_dtype(dtype, name="dtype"):
    dtype = np.dtype(dtype)
    if dtype not in (np.float32, np.float64):
        raise TypeError(f"{name} must be float32 or float64, got {dtype}")
    return dtype


def _check_nonnegative_matrix(M, name: str, *, dtype=None, allow_zero_matrix=False):
    """A finite, non-negative, real 2-D float array (never the caller's object if converted)."""
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


def _check_int(value, name: str, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer, got {_describe(value)}")
    if value < minimum:
        raise ParameterError(f"{name}={value} must be at least {minimum}")
    return int(value)


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


class _Loss:
    """β-divergence of a fixed V, with the terms that depend on V alone computed once.

    Each call streams through one (freq, frames) scratch array of its own, so that
    tracking the loss costs a few element-wise passes and allocates nothing.
    """

    def __init__(self, V: np.ndarray, beta: float):
        self.V, self.beta = V, beta
        self.scratch = np.zeros_like(V)
        self.where = True  # the entries whose log the KL loss needs
        v = V.astype(np.float64, copy=False)
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

    .. math::

        d_\\beta(v \\mid \\hat v) =
        \\begin{cases}
        \\frac{v}{\\hat v} - \\log\\frac{v}{\\hat v} - 1 & \\beta = 0 \\; (\\text{IS}) \\\\
        v \\log\\frac{v}{\\hat v} - v + \\hat v & \\beta = 1 \\; (\\text{KL}) \\\\
        \\frac{v^\\beta + (\\beta - 1)\\hat v^\\beta - \\beta v \\hat v^{\\beta - 1}}
             {\\beta(\\beta - 1)} & \\text{otherwise } (\\beta = 2: \\tfrac12 (v - \\hat v)^2)
        \\end{cases}

    The same definition as scikit-learn's, so values compare directly.

    Parameters
    ----------
    V : numpy.ndarray, shape (freq, frames)
        The data, non-negative (positive for β <= 0).
    V_hat : numpy.ndarray, shape (freq, frames)
        The approximation, positive (for β <= 1) or non-negative.
    beta : float or {"EU", "KL", "IS"}

    Returns
    -------
    float

    Examples
    --------
    >>> V = np.array([[1.0, 2.0], [3.0, 4.0]])
    >>> beta_divergence(V, V, "KL")
    0.0
    >>> beta_divergence(V, V + 1, "EU")   # half the squared Frobenius norm
    2.0
    """
    beta = _check_beta(beta)
    V = _check_nonnegative_matrix(V, "V", allow_zero_matrix=True)
    V_hat = _check_nonnegative_matrix(V_hat, "V_hat", allow_zero_matrix=True)
    if V.shape != V_hat.shape:
        raise ParameterError(f"V has shape {V.shape} but V_hat has shape {V_hat.shape}")
    if beta <= 0 and np.any(V == 0):
        raise ParameterError(f"beta={beta:g} is undefined where V is 0; add a small floor to V")
    if beta < 1 and np.any(V_hat == 0):
        raise ParameterError(f"beta={beta:g} is undefined where V_hat is 0")
    if beta == 1 and np.any((V_hat == 0) & (V > 0)):
        raise ParameterError("the KL divergence is infinite where V_hat is 0 but V is not")
    return _Loss(V.astype(np.float64), beta)(V_hat.astype(np.float64))


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
        W = _check_nonnegative_matrix(init[0], "init[0] (W0)", dtype=dtype).copy()
        H = _check_nonnegative_matrix(init[1], "init[1] (H0)", dtype=dtype).copy()
        if W.shape != (freq, rank) or H.shape != (rank, frames):
            raise ParameterError(
                f"init=(W0, H0) must have shapes {(freq, rank)} and {(rank, frames)}, got "
                f"{W.shape} and {H.shape}"
            )
    else:
        raise TypeError(f"init must be 'random' or a pair (W0, H0), got {_describe(init)}")
    if bases is not None:
        W = _check_nonnegative_matrix(bases, "bases", dtype=dtype).copy()
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
) -> NMFResult:
    """Factorise ``V ≈ W @ H`` with multiplicative updates for a β-divergence.

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
        Number of components, 1 <= rank < min(freq, frames).
    beta : float or {"EU", "KL", "IS"}
        The divergence (2, 1, 0 or any real number).
    n_iter : int
        Iterations (each updates W, then H).
    init : "random" or (W0, H0)
        Random positive factors scaled to V's mean (drawn from ``random_state``), or
        initial factors of shapes (freq, rank) and (rank, frames); they are copied.
    bases : numpy.ndarray, shape (freq, rank), optional
        Supervised NMF: W is fixed to these bases and only H is learned.
    normalize : {None, "unit_sum", "energy"}
        After each iteration, rescale each column of W to sum to 1, or give each column
        of W and row of H the same Euclidean norm; H (or W) is rescaled to compensate,
        so W @ H and the loss are unchanged by it. Ignored with ``bases``.
    random_state : None, int or numpy.random.Generator
    tol : float, optional
        Stop when the relative decrease of the loss between two recorded losses falls
        below ``tol``. Needs ``loss_every >= 1``.
    loss_every : int
        Record the loss every this many iterations; 0 records none (fastest: for KL and
        IS the loss costs a pass of logarithms).
    progress : bool
        Show a progress bar.
    dtype : float32 or float64, optional
        Computation type; V's own float type by default.

    Returns
    -------
    NMFResult
        ``W (freq, rank)``, ``H (rank, frames)``, ``losses``, ``loss_iterations``,
        ``initial_loss``, ``n_iter``, ``beta``, ``times``.

    Raises
    ------
    TypeError
        V not a real float matrix, or a bad ``init`` / ``dtype``.
    ParameterError
        Negative, non-finite or all-zero V; a rank outside [1, min(V.shape)); bad
        shapes of ``init`` or ``bases``; other bad settings.

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
    """
    beta = _check_beta(beta)
    if dtype is None:
        arr = np.asarray(V)
        dtype = arr.dtype if arr.dtype in (np.float32, np.float64) else np.float64
    dtype = _check_float_dtype(dtype)
    V = _check_nonnegative_matrix(V, "V", dtype=dtype)
    rank = _check_int(rank, "rank", 1)
    if rank >= min(V.shape):
        raise ParameterError(
            f"rank={rank} must be smaller than both dimensions of V {V.shape}; a rank of "
            f"min(V.shape) or more can reproduce V without learning anything"
        )
    n_iter = _check_int(n_iter, "n_iter", 1)
    loss_every = _check_int(loss_every, "loss_every", 0)
    if normalize not in _NORMALIZE:
        raise ParameterError(f"normalize must be one of {_NORMALIZE}, got {normalize!r}")
    if tol is not None:
        check_positive(tol, "tol")
        if loss_every == 0:
            raise ParameterError("tol needs the loss: set loss_every >= 1")
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
        if loss and it % loss_every == 0:
            loss_iterations.append(it)
            pending = True
        if bar is not None:
            bar.update()
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
) -> NMFResult:
    """NMF by Adam on ``log W`` and ``log H``: the gradient view, and why it is slow.

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
    beta : {"KL", "EU"}
        The handout's I-divergence (KL) or squared error (EU, halved as in :func:`nmf`).
    lr : float
        Adam's learning rate.
    n_steps : int
        Maximum number of steps.
    random_state : None, int or numpy.random.Generator
    time_limit : float, optional
        Stop after this many seconds of wall-clock time.
    loss_every : int
        Record the loss every this many steps (0: never; ``time_limit`` still works).
    progress : bool

    Returns
    -------
    NMFResult
        Like :func:`nmf`; ``n_iter`` is the number of steps taken and ``times`` the
        wall-clock time of each recorded loss.

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
    V = _check_nonnegative_matrix(V, "V", dtype=np.float64)
    rank = _check_int(rank, "rank", 1)
    if rank >= min(V.shape):
        raise ParameterError(f"rank={rank} must be smaller than both dimensions of V {V.shape}")
    lr = check_positive(lr, "lr")
    n_steps = _check_int(n_steps, "n_steps", 1)
    loss_every = _check_int(loss_every, "loss_every", 0)
    if time_limit is not None:
        check_positive(time_limit, "time_limit", unit="s")
    rng = check_random_state(random_state)

    A = rng.standard_normal((V.shape[0], rank))  # log W
    B = rng.standard_normal((rank, V.shape[1]))  # log H
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
    length: int | None = None,
) -> np.ndarray:
    """One time signal per NMF component, or per group of components.

    With ``masked=True`` each group ``g`` gets the soft mask of its share of the model,

    .. math:: \\hat{s}_g = \\mathrm{ISTFT}\\left(X \\circ \\frac{W_g H_g}{W H}\\right),

    so the signals add up to the mixture (the Wiener-like resynthesis of the keep
    learning blog). With ``masked=False`` each group is ``W_g H_g`` itself with the
    mixture's phase, the resynthesis of the reference notebook, whose signals do not
    add up to the mixture.

    Parameters
    ----------
    mixture_stft : numpy.ndarray, complex, shape (freq, frames)
        The STFT of the mixture (the one whose magnitude was factorised).
    W : numpy.ndarray, shape (freq, rank)
    H : numpy.ndarray, shape (rank, frames)
    sr : int
        Sample rate in Hz.
    groups : sequence of int or str, length rank, optional
        A label per basis (as clustering returns); one signal per distinct label, in
        sorted order of the labels. By default every component is its own group.
    masked : bool
    frame, hop, n_fft, hop_length, window
        The STFT parameters of ``mixture_stft``.
    length : int, optional
        Samples of each output (the mixture's length).

    Returns
    -------
    numpy.ndarray, shape (groups, samples)

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
    X = np.asarray(mixture_stft)
    if X.ndim != 2:
        raise ParameterError(f"mixture_stft must have shape (freq, frames), got {X.shape}")
    W = _check_nonnegative_matrix(W, "W", allow_zero_matrix=True)
    H = _check_nonnegative_matrix(H, "H", allow_zero_matrix=True)
    if W.shape[0] != X.shape[0] or H.shape[1] != X.shape[1] or W.shape[1] != H.shape[0]:
        raise ParameterError(
            f"W {W.shape} @ H {H.shape} must have the shape of mixture_stft {X.shape}"
        )
    rank = W.shape[1]
    labels = np.arange(rank) if groups is None else np.asarray(groups)
    if labels.shape != (rank,):
        raise ParameterError(f"groups must give one label per basis ({rank}), got {labels.shape}")
    unique = np.unique(labels)
    # model of each group: (groups, freq, frames)
    parts = np.stack([W[:, labels == g] @ H[labels == g] for g in unique])
    params = dict(frame=frame, hop=hop, n_fft=n_fft, hop_length=hop_length, window=window,
                  length=length)
    if masked:  # each group's share of the model; an empty bin is shared equally
        total = parts.sum(axis=0)
        tiny = np.finfo(parts.dtype).tiny
        shares = np.divide(parts, total, out=np.full_like(parts, 1.0 / len(unique)),
                           where=total > tiny)
        return _masks.apply_masks(X, shares, sr, **params)
    phase = np.exp(1j * np.angle(X))
    return np.stack([_stft.istft(part * phase, sr, **params) for part in parts])
