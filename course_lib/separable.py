"""Separable NMF: choose the bases among the columns of the data (SPA, SNPA, greedy SNPA).

Shapes
------
``M`` is a non-negative matrix ``(m, n)``: for audio a magnitude spectrogram
``(freq, frames)``, whose columns are the spectra of the frames. A separable
NMF picks ``r`` of those columns as the bases,

.. math:: M \\approx M_{:,J}\\, H, \\qquad W = M_{:,J} \\;(m \\times r), \\quad
          H \\;(r \\times n),

so every basis is a frame that really occurs in the data, and ``H`` holds one
column of weights per frame. ``indices`` (the set ``J``, in the order chosen) are
column numbers of ``M``, i.e. frame numbers of a spectrogram.

The model
---------
``M`` is *r-separable* when ``M = W [I_r, H'] Π`` for a non-negative ``W``
``(m, r)``, a permutation ``Π`` and non-negative ``H'`` whose columns lie in
``Δ = {h ≥ 0, Σ h ≤ 1}``: the columns of ``W`` occur among the columns of ``M``,
and every other column lies in the convex hull of them and the origin. For audio:
every source has at least one frame in which it sounds alone (Arora et al. [1]_).
*Near-separable*: the same up to a small noise matrix.

The algorithms
--------------
All three select one column per step and then recompute a residual ``R``:

- :func:`spa`, the successive projection algorithm (Araújo et al. 2001; analysed by
  Gillis & Vavasis [2]_): take the column of ``R`` with the largest norm, then
  project every column of ``R`` onto the orthogonal complement of it. It needs
  ``W`` of full column rank: after ``rank(W)`` steps nothing is left.
- :func:`snpa`, the successive *nonnegative* projection algorithm of Gillis [3]_:
  the same choice, but the residual of column ``i`` is what is left after projecting
  ``M_{:,i}`` onto the convex hull of the chosen columns and the origin,
  ``R_{:,i} = M_{:,i} - M_{:,J} h_i`` with ``h_i = argmin_{h ∈ Δ} ||M_{:,i} - M_{:,J} h||``
  (:func:`hull_projection`). It works when ``W`` is rank-deficient, as long as each
  column of ``W`` is a vertex of ``conv(W ∪ {0})``, and is more robust to noise.
- :func:`greedy_snpa`, the reference notebook's greedy rule, after XRAY (Kumar et
  al. [4]_): choose ``argmax_j ||(Rᵀ M_{:,j})_+||² / ||M_{:,j}||²``, the column that
  explains the most of the residual, then project as SNPA does. It can fail on
  exactly separable data (a triangle and its centre: it takes the centre first).

Column normalisation (``normalize="l1"``, Gillis [3]_, §2): dividing each column of
``M`` by its sum makes ``Σ h = 1`` for every column of a separable matrix whose bases
are scaled the same way, so loud and quiet frames count alike and only the *shape*
of each spectrum matters. The factors are returned for the original ``M``.

- :func:`project_simplex`: the exact Euclidean projection onto ``Δ``;
- :func:`hull_projection`: ``argmin_{H_{:,i} ∈ Δ} ||M - W H||_F``, by an accelerated
  projected gradient over all columns at once (:class:`HullProjection`);
- :func:`spa`, :func:`snpa`, :func:`greedy_snpa`: :class:`SeparableResult`.

No function modifies its arguments.

References
----------
.. [1] S. Arora, R. Ge, R. Kannan and A. Moitra, "Computing a nonnegative matrix
   factorization -- provably", STOC 2012.
.. [2] N. Gillis and S. A. Vavasis, "Fast and robust recursive algorithms for
   separable nonnegative matrix factorization", IEEE TPAMI 36(4), 2014.
.. [3] N. Gillis, "Successive nonnegative projection algorithm for robust
   nonnegative blind source separation", SIAM J. Imaging Sciences 7(2), 2014.
.. [4] A. Kumar, V. Sindhwani and P. Kambadur, "Fast conical hull algorithms for
   near-separable non-negative matrix factorization", ICML 2013.
.. [5] A. Beck and M. Teboulle, "A fast iterative shrinkage-thresholding algorithm
   for linear inverse problems", SIAM J. Imaging Sciences 2(1), 2009 (FISTA).
.. [6] B. O'Donoghue and E. Candès, "Adaptive restart for accelerated gradient
   schemes", Foundations of Computational Mathematics 15, 2015.
"""

from __future__ import annotations

import time
import warnings
from dataclasses import dataclass

import numpy as np

from ._validation import (
    ParameterError,
    _describe,
    check_int,
    check_nonnegative_matrix,
    check_positive,
    check_spectrogram,
)

__all__ = [
    "NORMALIZATIONS",
    "HullProjection",
    "SeparableResult",
    "project_simplex",
    "hull_projection",
    "spa",
    "snpa",
    "greedy_snpa",
]

#: The column normalisations the selection algorithms accept.
NORMALIZATIONS = (None, "l1")

#: Two residual norms within this relative distance of the largest are a tie, broken
#: in favour of the column with the larger norm in the (normalised) data, as in
#: Gillis's SNPA code.
_TIE = 1e-6

#: Columns per block when the greedy rule forms Rᵀ M (bounds its memory to
#: n × _BLOCK floats).
_BLOCK = 1024


# ---------------------------------------------------------------------------
# Results
# ---------------------------------------------------------------------------


@dataclass(frozen=True, repr=False)
class HullProjection:
    """Each column of ``M`` projected onto the convex hull of the columns of ``W`` and 0.

    Returned by :func:`hull_projection`. Used in 04_snpa, §3.

    Attributes
    ----------
    H : numpy.ndarray, shape (r, n)
        The weights, each column in ``Δ = {h ≥ 0, Σ h ≤ 1}``; ``W @ H`` is the projection.
    residual_norms : numpy.ndarray, shape (n,)
        ``||M_{:,i} - W H_{:,i}||``, the distance of each column to the hull.
    n_iter : int
        Projected-gradient iterations run.
    converged : bool
        Whether the iterations stopped on ``tol`` (rather than on ``n_iter``).
    """

    H: np.ndarray
    residual_norms: np.ndarray
    n_iter: int
    converged: bool

    def __repr__(self) -> str:
        state = "converged" if self.converged else "not converged"
        return (f"HullProjection(H {self.H.shape}, {self.n_iter} iterations, {state}, "
                f"largest distance {self.residual_norms.max():.3g})")


@dataclass(frozen=True, repr=False)
class SeparableResult:
    """The columns a separable NMF selected and the weights that rebuild ``M`` from them.

    Returned by :func:`spa`, :func:`snpa` and :func:`greedy_snpa`. Used in 04_snpa, §2
    to §9. Like :class:`course_lib.nmf.NMFResult` it has ``W`` and ``H`` (so
    :func:`course_lib.nmf.component_signals` resynthesises it); ``W`` is made of
    columns of ``M``.

    Attributes
    ----------
    indices : numpy.ndarray of int, shape (k,)
        The selected columns of ``M``, in the order chosen (``k = r`` unless the
        residual vanished earlier, which warns).
    W : numpy.ndarray, shape (m, k)
        ``M[:, indices]``, the bases, in the units of ``M``.
    H : numpy.ndarray, shape (k, n)
        Non-negative weights with ``M ≈ W @ H``: for each column of the data the
        projection onto the convex hull of the selected columns and the origin
        (:func:`hull_projection`; for :func:`spa` too, computed once at the end).
        Without normalisation every column of ``H`` lies in ``Δ``; with
        ``normalize="l1"`` that holds for the normalised data and ``H`` is rescaled
        to the original columns (``H_{ki} · Σ M_{:,i} / Σ M_{:,j_k}``).
    residual_norms : numpy.ndarray, shape (k,)
        The Frobenius norm of the residual the algorithm works on, after each step,
        in the units of the (normalised) data: for SNPA and the greedy rule the
        distance of the data to the hull of the selected columns and 0; for SPA the
        distance to their linear span (orthogonal projection), which is never larger.
    relative_error : float
        ``||M - W H||_F / ||M||_F`` of the returned factors, in the units of ``M``.
    method : str
        ``"spa"``, ``"snpa"`` or ``"greedy_snpa"``.
    normalize : str or None
        The column normalisation used.
    seconds : float
        Wall-clock time of the selection and projection.
    """

    indices: np.ndarray
    W: np.ndarray
    H: np.ndarray
    residual_norms: np.ndarray
    relative_error: float
    method: str
    normalize: str | None
    seconds: float

    @property
    def rank(self) -> int:
        """The number of selected columns."""
        return int(self.indices.size)

    @property
    def reconstruction(self) -> np.ndarray:
        """``W @ H``, shape (m, n)."""
        return self.W @ self.H

    def __repr__(self) -> str:
        return (f"SeparableResult({self.method}, columns {self.indices.tolist()}, "
                f"normalize={self.normalize!r}, relative error {self.relative_error:.4f}, "
                f"{self.seconds:.3g} s)")


# ---------------------------------------------------------------------------
# Projections
# ---------------------------------------------------------------------------


def _project_columns(V: np.ndarray) -> np.ndarray:
    """Project every column of the 2-D float array V onto Δ (no validation)."""
    P = np.maximum(V, 0.0)
    sums = P.sum(axis=0)
    if sums.max(initial=0.0) <= 1.0:
        return P
    # Where the clipped column sums to more than 1 the constraint Σ h <= 1 is active:
    # project onto {h >= 0, Σ h = 1} by sorting (Held, Wolfe & Crowder 1974; Duchi et
    # al. 2008): h = max(v - θ, 0) with the θ that makes the sum 1.
    U = np.sort(V, axis=0)[::-1]                          # each column in decreasing order
    excess = np.cumsum(U, axis=0)
    excess -= 1.0
    ranks = np.arange(1, V.shape[0] + 1, dtype=V.dtype)[:, np.newaxis]
    support = np.count_nonzero(U * ranks > excess, axis=0)    # ρ >= 1 for every column
    theta = excess[support - 1, np.arange(V.shape[1])] / support
    theta[sums <= 1.0] = 0.0                              # those columns are just clipped
    shifted = V - theta
    return np.maximum(shifted, 0.0, out=shifted)


def project_simplex(X) -> np.ndarray:
    """The Euclidean projection of each column of ``X`` onto ``Δ = {h ≥ 0, Σ h ≤ 1}``.

    Used in 04_snpa, §3 (the projection step of SNPA).

    ``Δ`` is the probability simplex together with the origin and everything between.
    Its projection is exact and takes one sort per column: clip ``x`` at 0; if the
    clipped vector sums to at most 1 that is the answer; otherwise the constraint
    ``Σ h ≤ 1`` is active and the answer is the projection onto the probability
    simplex ``{h ≥ 0, Σ h = 1}``, ``max(x - θ, 0)`` with the θ > 0 that makes it
    sum to 1, found from the sorted entries (Held, Wolfe & Crowder 1974; Duchi et
    al. 2008).

    Parameters
    ----------
    X : numpy.ndarray, shape (r,) or (r, n)
        One vector, or one vector per column; real, finite.

    Returns
    -------
    numpy.ndarray, float64, the shape of ``X``
        The projections.

    Raises
    ------
    TypeError
        ``X`` not a real float array.
    ParameterError
        ``X`` empty, of more than two dimensions, or holding NaN or inf.

    Examples
    --------
    >>> project_simplex(np.array([0.2, -0.5, 0.1]))     # inside after clipping: kept
    array([0.2, 0. , 0.1])
    >>> project_simplex(np.array([2.0, 1.0, -1.0]))     # onto the face Σ h = 1
    array([1., 0., 0.])
    >>> project_simplex(np.array([[0.9, 0.1], [0.3, 0.2]]))
    array([[0.8, 0.1],
           [0.2, 0.2]])
    """
    X = _check_real(X, "X", ndims=(1, 2))
    X = X.astype(np.float64, copy=False)
    if X.ndim == 1:
        return _project_columns(X[:, np.newaxis])[:, 0]
    return _project_columns(X)


def _check_real(X, name: str, *, ndims) -> np.ndarray:
    """A finite real float array with ``ndim`` in ``ndims`` (via check_spectrogram)."""
    if np.iscomplexobj(X):
        raise TypeError(f"{name} must be real, got complex dtype {np.asarray(X).dtype}")
    return check_spectrogram(X, name, ndims=ndims)


def _fgm(WtW, WtM, H0, n_iter, tol):
    """min_{H columns in Δ} ½ tr(Hᵀ WᵀW H) - tr(Hᵀ WᵀM): accelerated projected gradient.

    Every column is its own problem; they share the step 1/L (L the largest
    eigenvalue of WᵀW) and are updated together with matrix products. Nesterov /
    FISTA momentum with a per-column restart whenever the step and the momentum
    disagree (O'Donoghue & Candès). Stops when no entry of the gradient-mapping step
    exceeds ``tol`` (the weights are at most 1, so tol is absolute).
    Returns (H, iterations, converged).
    """
    L = float(np.linalg.eigvalsh(WtW)[-1]) if WtW.size else 0.0
    if L <= 0.0:  # W is all zero: every H fits equally badly; return the smallest
        return np.zeros_like(WtM), 0, True
    H = _project_columns(H0)
    Y = H.copy()
    t = np.ones(H.shape[1])
    for it in range(1, n_iter + 1):
        H_new = _project_columns(Y - (WtW @ Y - WtM) / L)
        step = H_new - Y
        if float(np.max(np.abs(step), initial=0.0)) <= tol:
            return H_new, it, True
        t_new = 0.5 * (1.0 + np.sqrt(1.0 + 4.0 * t * t))
        momentum = (t - 1.0) / t_new
        # restart where the momentum points against the descent step
        restart = np.einsum("ij,ij->j", step, H_new - H) < 0
        momentum[restart] = 0.0
        t_new[restart] = 1.0
        Y = H_new + momentum * (H_new - H)
        H, t = H_new, t_new
    return H, n_iter, False


def hull_projection(M, W, *, n_iter: int = 5000, tol: float = 1e-9, init=None) -> HullProjection:
    """Project each column of ``M`` onto the convex hull of the columns of ``W`` and 0.

    Used in 04_snpa, §3 (the projection step of SNPA, on its own).

    Solves, for every column ``i`` at once,

    .. math:: h_i = \\arg\\min_{h \\in \\Delta} \\|M_{:,i} - W h\\|_2^2, \\qquad
              \\Delta = \\{h \\ge 0,\\; \\textstyle\\sum_k h_k \\le 1\\},

    a least-squares problem over the simplex with the origin. The method is Gillis's
    [3]_ fast gradient method, vectorised: with ``L`` the largest eigenvalue of
    ``WᵀW``, each iteration takes a gradient step ``Y - (WᵀW Y - WᵀM) / L`` for all
    columns together, projects each column exactly onto ``Δ``
    (:func:`project_simplex`), and extrapolates with FISTA's momentum [5]_,
    restarted column by column when it points uphill [6]_. One iteration costs
    ``O(r² n)``; ``WᵀM`` (``O(m r n)``) is formed once.

    Parameters
    ----------
    M : numpy.ndarray, shape (m, n)
        The data, non-negative (e.g. a magnitude spectrogram).
    W : numpy.ndarray, shape (m, r)
        The vertices, non-negative.
    n_iter : int
        Maximum number of iterations, at least 1.
    tol : float
        Stop when no weight moves by more than ``tol`` in an iteration's
        projected-gradient step (positive; the weights lie in [0, 1]).
    init : numpy.ndarray, shape (r, n), optional
        Starting weights (projected onto ``Δ`` first); zeros by default.

    Returns
    -------
    HullProjection
        ``H`` (r, n), ``residual_norms`` (n,), ``n_iter``, ``converged``.

    Raises
    ------
    TypeError
        ``M``, ``W`` or ``init`` not real float arrays; ``n_iter`` not an int;
        ``tol`` not a number.
    ParameterError
        Negative, NaN or infinite entries; shapes that do not fit; ``n_iter < 1``;
        ``tol <= 0``.

    Examples
    --------
    >>> W = np.array([[1.0, 0.0], [0.0, 1.0]])
    >>> M = np.array([[0.5, 2.0, 0.2], [0.5, 0.0, 0.1]])   # inside, beyond a vertex, inside
    >>> fit = hull_projection(M, W)
    >>> fit.H.round(6)
    array([[0.5, 1. , 0.2],
           [0.5, 0. , 0.1]])
    >>> fit.residual_norms.round(6)                        # only the middle column sticks out
    array([0., 1., 0.])
    """
    M = check_nonnegative_matrix(M, "M", dtype=np.float64, allow_zero_matrix=True)
    W = check_nonnegative_matrix(W, "W", dtype=np.float64, allow_zero_matrix=True)
    if W.shape[0] != M.shape[0]:
        raise ParameterError(
            f"W has {W.shape[0]} rows but M has {M.shape[0]}: W (m, r) holds vertices of "
            f"the same length as the columns of M (m, n)"
        )
    n_iter = check_int(n_iter, "n_iter", minimum=1, unit="iteration(s)")
    tol = float(check_positive(tol, "tol"))
    r, n = W.shape[1], M.shape[1]
    if init is None:
        H0 = np.zeros((r, n))
    else:
        H0 = _check_real(init, "init", ndims=(2,)).astype(np.float64)
        if H0.shape != (r, n):
            raise ParameterError(
                f"init must have shape (r, n) = {(r, n)}, one column of weights per "
                f"column of M, got {H0.shape}"
            )
    WtW, WtM = W.T @ W, W.T @ M
    H, iterations, converged = _fgm(WtW, WtM, H0, n_iter, tol)
    residual = np.linalg.norm(M - W @ H, axis=0)
    return HullProjection(H=H, residual_norms=residual, n_iter=iterations, converged=converged)


# ---------------------------------------------------------------------------
# The selection algorithms
# ---------------------------------------------------------------------------


def _check_selection_input(M, r, normalize, residual_tol):
    M = check_nonnegative_matrix(M, "M", dtype=np.float64)
    n = M.shape[1]
    r = check_int(r, "r", minimum=1, unit="column(s)")
    if r > n:
        raise ParameterError(
            f"r={r} is larger than the number of columns of M ({n}, shape {M.shape}): a "
            f"separable NMF selects r of the columns; choose r <= {n} (is M transposed? "
            "a spectrogram is (freq, frames))"
        )
    if normalize is not None and not isinstance(normalize, str):
        raise TypeError(f"normalize must be None or 'l1', got {_describe(normalize)}")
    if normalize not in NORMALIZATIONS:
        raise ParameterError(
            f"normalize={normalize!r} is not known; use None (no scaling) or 'l1' "
            "(each column divided by its sum)"
        )
    residual_tol = float(check_positive(residual_tol, "residual_tol"))
    scale = M.sum(axis=0) if normalize == "l1" else np.ones(n)
    scale = np.where(scale > 0, scale, 1.0)      # an all-zero column stays zero
    X = M / scale if normalize == "l1" else M
    return M, X, r, scale, residual_tol


def _pick(scores, norms0, selected):
    """argmax of scores over the unselected columns; near-ties go to the larger norm."""
    scores = scores.copy()
    scores[selected] = -np.inf
    best = float(scores.max())
    ties = np.flatnonzero(scores >= best - _TIE * abs(best))
    return int(ties[np.argmax(norms0[ties])]) if ties.size > 1 else int(ties[0])


def _finish(method, M, X, indices, H_norm, residual_norms, scale, normalize, start):
    indices = np.asarray(indices, dtype=int)
    # back to the units of M: M_i = s_i X_i ≈ Σ_k H_ki s_i / s_jk M_jk
    H = H_norm * scale[np.newaxis, :] / scale[indices][:, np.newaxis]
    W = M[:, indices].copy()
    norm_M = float(np.linalg.norm(M))
    error = float(np.linalg.norm(M - W @ H)) / norm_M
    return SeparableResult(indices=indices, W=W, H=H,
                           residual_norms=np.asarray(residual_norms, dtype=np.float64),
                           relative_error=error, method=method, normalize=normalize,
                           seconds=time.perf_counter() - start)


def _warn_early(method, k, r):
    warnings.warn(
        f"{method} stopped after {k} of r={r} columns: every column of the residual is "
        "(numerically) zero, so the data are explained by fewer columns; the result has "
        f"{k} bases",
        UserWarning,
        stacklevel=3,
    )


def spa(M, r: int, *, normalize: str | None = None, residual_tol: float = 1e-6,
        n_iter: int = 5000, tol: float = 1e-9) -> SeparableResult:
    """The successive projection algorithm (SPA): r columns of ``M`` as bases.

    Used in 04_snpa, §2 (checked against SPA written out by hand) and §3 (where it fails
    with bases of low rank, and how much noise it survives).

    .. code-block:: text

        R = M (columns normalised first with normalize="l1"); J = []
        repeat r times:
            j = argmax_i ||R[:, i]||          (near-ties: the larger column of M)
            J = J + [j]
            u = R[:, j] / ||R[:, j]||
            R = R - u (uᵀ R)                  (orthogonal complement of the new column)

    Gillis and Vavasis [2]_ prove it recovers the columns of ``W`` of a near-separable
    matrix when ``W`` has full column rank; when it does not, the residual vanishes
    after ``rank(W)`` steps and SPA stops early (with a warning). The weights ``H``
    are computed at the end by :func:`hull_projection`, as SNPA's are, so that the
    three methods return comparable factors.

    Parameters
    ----------
    M : numpy.ndarray, shape (m, n)
        Non-negative data, e.g. a magnitude spectrogram (freq, frames); not all zero.
    r : int
        Number of columns to select, 1 <= r <= n.
    normalize : {None, "l1"}
        Scale each column of ``M`` to sum to 1 before selecting (Gillis [3]_).
    residual_tol : float
        Stop early when every residual column is below ``residual_tol`` times the
        largest column norm of the (normalised) data (1e-6, as in Gillis's code).
    n_iter, tol
        Iterations and tolerance of the final :func:`hull_projection`.

    Returns
    -------
    SeparableResult

    Raises
    ------
    TypeError
        ``M`` not a real float matrix; ``r`` or ``n_iter`` not an int; ``normalize``
        not None or a str.
    ParameterError
        Negative, NaN, infinite or all-zero ``M``; ``r < 1`` or ``r`` larger than the
        number of columns; an unknown ``normalize``; a tolerance that is not positive.

    Warns
    -----
    UserWarning
        When the residual vanishes before ``r`` columns are selected.

    Examples
    --------
    >>> W = np.array([[1.0, 0.0, 0.2], [0.0, 1.0, 0.2], [0.1, 0.1, 1.0]])
    >>> M = W @ np.array([[1, 0, 0, 0.3, 0.5], [0, 1, 0, 0.3, 0.2], [0, 0, 1, 0.3, 0.2]])
    >>> spa(M, 3).indices
    array([2, 0, 1])
    """
    start = time.perf_counter()
    M, X, r, scale, residual_tol = _check_selection_input(M, r, normalize, residual_tol)
    n_iter = check_int(n_iter, "n_iter", minimum=1, unit="iteration(s)")
    tol = float(check_positive(tol, "tol"))
    R = X.copy()
    norms0 = np.einsum("ij,ij->j", X, X)
    threshold = (residual_tol * np.sqrt(norms0.max())) ** 2
    norms, indices, residual_norms = norms0.copy(), [], []
    for _ in range(r):
        if norms.max() <= threshold:
            _warn_early("spa", len(indices), r)
            break
        j = _pick(norms, norms0, indices)
        indices.append(j)
        u = R[:, j] / np.sqrt(norms[j])
        R -= np.outer(u, u @ R)
        norms = np.einsum("ij,ij->j", R, R)
        residual_norms.append(np.sqrt(norms.sum()))
    XJ = X[:, indices]
    H, _, _ = _fgm(XJ.T @ XJ, XJ.T @ X, np.zeros((len(indices), X.shape[1])), n_iter, tol)
    return _finish("spa", M, X, indices, H, residual_norms, scale, normalize, start)


def _successive(method, M, r, normalize, residual_tol, n_iter, tol):
    """SNPA's loop, with the SNPA (norm) or the greedy (XRAY-like) selection rule."""
    start = time.perf_counter()
    M, X, r, scale, residual_tol = _check_selection_input(M, r, normalize, residual_tol)
    n_iter = check_int(n_iter, "n_iter", minimum=1, unit="iteration(s)")
    tol = float(check_positive(tol, "tol"))
    n = X.shape[1]
    norms0 = np.einsum("ij,ij->j", X, X)
    threshold = (residual_tol * np.sqrt(norms0.max())) ** 2
    R, norms = X, norms0
    indices, residual_norms = [], []
    H = np.zeros((0, n))
    WtX = np.zeros((0, n))
    for _ in range(r):
        if norms.max() <= threshold:
            _warn_early(method, len(indices), r)
            break
        if method == "snpa":
            j = _pick(norms, norms0, indices)
        else:
            j = _pick(_greedy_scores(R, X, norms0), norms0, indices)
        indices.append(j)
        # warm start: the old weights, and the new column represented by itself
        WtX = np.vstack([WtX, X[:, j] @ X])
        XJ = X[:, indices]
        H0 = np.vstack([H, np.zeros(n)])
        H0[:, j] = 0.0
        H0[-1, j] = 1.0
        H, _, _ = _fgm(XJ.T @ XJ, WtX, H0, n_iter, tol)
        R = X - XJ @ H
        norms = np.einsum("ij,ij->j", R, R)
        residual_norms.append(np.sqrt(norms.sum()))
    return _finish(method, M, X, indices, H, residual_norms, scale, normalize, start)


def _greedy_scores(R, X, norms0):
    """||(Rᵀ X_j)_+||² / ||X_j||² for every column j (0 for an all-zero column)."""
    n = X.shape[1]
    scores = np.zeros(n)
    for first in range(0, n, _BLOCK):
        block = slice(first, min(first + _BLOCK, n))
        inner = R.T @ X[:, block]                      # (n, block)
        np.maximum(inner, 0.0, out=inner)
        scores[block] = np.einsum("ij,ij->j", inner, inner)
    nonzero = norms0 > 0
    scores[nonzero] /= norms0[nonzero]
    return scores


def snpa(M, r: int, *, normalize: str | None = None, residual_tol: float = 1e-6,
         n_iter: int = 5000, tol: float = 1e-9) -> SeparableResult:
    """The successive nonnegative projection algorithm (SNPA) of Gillis (2014).

    Used in 04_snpa, §3 (what SNPA changes, and how much noise it survives), §4 (the
    greedy rule's counter-example), §5 to §8 (the seven parts, with and without column
    normalisation) and §9 (solo frames appended).

    .. code-block:: text

        R = M (columns normalised first with normalize="l1"); J = []
        repeat r times:
            j = argmax_i ||R[:, i]||          (near-ties: the larger column of M)
            J = J + [j]
            H = argmin over columns in Δ of ||M - M[:, J] H||   (hull_projection)
            R = M - M[:, J] H

    SPA projects onto the orthogonal complement of the chosen columns; SNPA projects
    onto the convex hull of the chosen columns and the origin. A column beyond the
    hull keeps a residual even when it lies in the span of the chosen ones, so SNPA
    recovers the columns of ``W`` of a separable matrix when each of them is a vertex
    of ``conv(W ∪ {0})``, full rank or not, and Gillis [3]_ shows it is more robust to
    noise than SPA. Each projection is warm-started from the previous weights and
    solved for all columns at once (:func:`hull_projection`'s method): a 2049 × 700
    spectrogram takes well under a second for r = 7.

    Parameters
    ----------
    M : numpy.ndarray, shape (m, n)
        Non-negative data, e.g. a magnitude spectrogram (freq, frames); not all zero.
    r : int
        Number of columns to select, 1 <= r <= n.
    normalize : {None, "l1"}
        Scale each column of ``M`` to sum to 1 before selecting (Gillis [3]_): then
        only the shape of each spectrum matters, not its loudness.
    residual_tol : float
        Stop early when every residual column is below ``residual_tol`` times the
        largest column norm of the (normalised) data (1e-6, as in Gillis's code: the
        projections are accurate to about ``tol``, so a smaller value could take a
        column that is already explained).
    n_iter : int
        Maximum projected-gradient iterations of each projection.
    tol : float
        Tolerance of each projection (see :func:`hull_projection`).

    Returns
    -------
    SeparableResult

    Raises
    ------
    TypeError
        ``M`` not a real float matrix; ``r`` or ``n_iter`` not an int; ``normalize``
        not None or a str.
    ParameterError
        Negative, NaN, infinite or all-zero ``M``; ``r < 1`` or ``r`` larger than the
        number of columns; an unknown ``normalize``; a tolerance that is not positive.

    Warns
    -----
    UserWarning
        When the residual vanishes before ``r`` columns are selected.

    Examples
    --------
    Four vertices of a square in a plane (rank 3, r = 4) and its centre: SPA runs out
    of rank after three columns; SNPA finds all four corners.

    >>> corners = np.array([[0.0, 1, 0, 1], [0, 0, 1, 1], [1, 1, 1, 1]])   # rank 3
    >>> M = np.c_[corners, corners.mean(axis=1)]          # (3, 5): corners, then the centre
    >>> sorted(snpa(M, 4).indices.tolist())
    [0, 1, 2, 3]
    >>> import warnings
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     spa(M, 4).rank                                # the residual vanished
    3
    """
    return _successive("snpa", M, r, normalize, residual_tol, n_iter, tol)


def greedy_snpa(M, r: int, *, normalize: str | None = None, residual_tol: float = 1e-6,
                n_iter: int = 5000, tol: float = 1e-9) -> SeparableResult:
    """SNPA with the reference notebook's greedy (XRAY-like) selection rule.

    Used in 04_snpa, §4 (the rule and its counter-example) and §5 to §8 (the seven parts).

    .. code-block:: text

        R = M; J = []
        repeat r times:
            j = argmax_j ||(Rᵀ M[:, j])_+||² / ||M[:, j]||²
            J = J + [j]
            H = argmin over columns in Δ of ||M - M[:, J] H||
            R = M - M[:, J] H

    ``(Rᵀ M_j)_+`` are the positive parts of the inner products of every residual
    column with candidate ``j``: the rule picks the column along which the residual
    has the most energy left, a greedy step towards the smallest residual, in the
    spirit of XRAY (Kumar et al. [4]_, which projects onto the conical hull instead).
    It is not guaranteed to find the vertices even without noise: for the three
    corners of a triangle and its centre it picks the centre first, and never drops
    it. Forming ``Rᵀ M`` costs ``O(m n²)`` per step (blocks of 1024 columns).

    Parameters
    ----------
    M : numpy.ndarray, shape (m, n)
        Non-negative data, e.g. a magnitude spectrogram (freq, frames); not all zero.
    r : int
        Number of columns to select, 1 <= r <= n.
    normalize : {None, "l1"}
        Scale each column of ``M`` to sum to 1 before selecting.
    residual_tol, n_iter, tol
        As for :func:`snpa`.

    Returns
    -------
    SeparableResult

    Raises
    ------
    TypeError
        ``M`` not a real float matrix; ``r`` or ``n_iter`` not an int; ``normalize``
        not None or a str.
    ParameterError
        Negative, NaN, infinite or all-zero ``M``; ``r < 1`` or ``r`` larger than the
        number of columns; an unknown ``normalize``; a tolerance that is not positive.

    Warns
    -----
    UserWarning
        When the residual vanishes before ``r`` columns are selected.

    Examples
    --------
    The corners of a triangle and its centre (columns 0 to 2, then 3):

    >>> M = np.c_[np.eye(3), np.full(3, 1 / 3)]
    >>> int(greedy_snpa(M, 3).indices[0]), int(snpa(M, 3).indices[0]) != 3
    (3, True)
    """
    return _successive("greedy_snpa", M, r, normalize, residual_tol, n_iter, tol)
