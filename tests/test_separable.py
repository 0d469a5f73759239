"""Tests of course_lib.separable: SPA, SNPA, the greedy rule and their projections.

Planted separable matrices ``M = W [I, H'] Π``: the columns of ``H'`` lie in
``Δ = {h >= 0, Σ h <= 1}`` (Dirichlet draws with a slack coordinate, so strictly inside),
``Π`` is a random permutation, and the test knows which columns of ``M`` are the
columns of ``W``.
"""

from __future__ import annotations

import itertools
import time
import warnings

import numpy as np
import pytest

import course_lib
from course_lib import separable

ParameterError = course_lib.ParameterError


# ---------------------------------------------------------------------------
# helpers: planted matrices and brute-force references
# ---------------------------------------------------------------------------


def planted(rng, W, n_inside):
    """M = W [I, H'] Π with H' strictly inside Δ; returns M and the planted column indices."""
    r = W.shape[1]
    inside = rng.dirichlet(np.ones(r + 1), size=n_inside).T[:r]      # columns sum to < 1
    H = np.hstack([np.eye(r), inside])
    perm = rng.permutation(H.shape[1])
    M = (W @ H)[:, perm]
    where = np.argsort(perm)[:r]           # column perm^-1(k) of M is W[:, k]
    assert np.allclose(M[:, where], W)
    return M, set(where.tolist())


def rank_deficient_vertices(rng, m, r):
    """W (m, r) of rank r - 1 whose every column is a vertex of conv(W ∪ {0}).

    Points on the unit sphere of R^(r-1) (positive orthant) are extreme points of the
    ball, hence of the hull of themselves and 0; an injective linear map keeps that.
    """
    C = rng.uniform(0.1, 1.0, size=(r - 1, r))
    C /= np.linalg.norm(C, axis=0)
    B = rng.uniform(size=(m, r - 1))
    W = B @ C
    assert np.linalg.matrix_rank(W) == r - 1
    return W


def noisy(rng, M, W, level):
    """M plus Gaussian noise whose every column has norm level × the smallest column norm
    of W, clipped at 0 (clipping only moves entries closer to M, so the noise stays within
    that bound)."""
    N = rng.standard_normal(M.shape)
    N *= level * np.linalg.norm(W, axis=0).min() / np.linalg.norm(N, axis=0)
    return np.maximum(M + N, 0.0)


def brute_force_simplex_projection(v):
    """argmin_{h in Δ} ||h - v|| by trying every support, with and without Σ h = 1."""
    r = v.size
    best, best_distance = np.zeros(r), float(np.sum(v**2))
    for size in range(1, r + 1):
        for support in itertools.combinations(range(r), size):
            s = list(support)
            candidates = [v[s], v[s] - (v[s].sum() - 1.0) / size]
            for values in candidates:
                h = np.zeros(r)
                h[s] = values
                if np.all(h >= -1e-12) and h.sum() <= 1 + 1e-12:
                    distance = float(np.sum((h - v) ** 2))
                    if distance < best_distance - 1e-15:
                        best, best_distance = h, distance
    return best


def brute_force_hull_projection(m, W):
    """argmin_{h in Δ} ||m - W h|| by solving the KKT system of every active set."""
    r = W.shape[1]
    best, best_value = np.zeros(r), float(m @ m)
    for size in range(1, r + 1):
        for support in itertools.combinations(range(r), size):
            s = list(support)
            Ws = W[:, s]
            free = np.linalg.lstsq(Ws, m, rcond=None)[0]          # Σ h <= 1 inactive
            kkt = np.block([[Ws.T @ Ws, np.ones((size, 1))], [np.ones((1, size)), 0.0]])
            on_face = np.linalg.solve(kkt, np.r_[Ws.T @ m, 1.0])[:size]   # Σ h = 1
            for values in (free, on_face):
                h = np.zeros(r)
                h[s] = values
                if np.all(h >= -1e-10) and h.sum() <= 1 + 1e-10:
                    value = float(np.sum((m - W @ h) ** 2))
                    if value < best_value:
                        best, best_value = h, value
    return best


# ---------------------------------------------------------------------------
# project_simplex
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("r", [1, 2, 3, 5])
def test_simplex_projection_matches_brute_force(rng, r):
    for scale in (0.1, 1.0, 3.0):
        V = scale * rng.standard_normal((r, 40))
        P = separable.project_simplex(V)
        expected = np.stack([brute_force_simplex_projection(v) for v in V.T], axis=1)
        np.testing.assert_allclose(P, expected, atol=1e-12)
        assert np.all(P >= 0) and np.all(P.sum(axis=0) <= 1 + 1e-12)


def test_simplex_projection_keeps_points_inside_and_takes_one_vector(rng):
    inside = rng.dirichlet(np.ones(5), size=10).T[:4]          # sums < 1
    np.testing.assert_array_equal(separable.project_simplex(inside), inside)
    v = np.array([3.0, 0.5, -2.0])
    np.testing.assert_allclose(separable.project_simplex(v), brute_force_simplex_projection(v))
    original = v.copy()
    separable.project_simplex(v)
    np.testing.assert_array_equal(v, original)


@pytest.mark.parametrize(
    ("X", "error", "match"),
    [
        (np.array([[np.nan, 1.0]]), ParameterError, "non-finite"),
        (np.zeros((2, 2, 2)), ParameterError, "shape"),
        (np.array([1 + 1j, 0]), TypeError, "complex"),
        (np.array([1, 2]), TypeError, "integer"),
        ("abc", TypeError, "numpy array"),
    ],
)
def test_simplex_projection_rejects_bad_input(X, error, match):
    with pytest.raises(error, match=match):
        separable.project_simplex(X)


# ---------------------------------------------------------------------------
# hull_projection
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("r", [1, 2, 4])
def test_hull_projection_matches_brute_force(rng, r):
    W = rng.uniform(size=(6, r))
    M = rng.uniform(0, 1.5, size=(6, 30))
    fit = separable.hull_projection(M, W)
    assert fit.converged
    expected = np.stack([brute_force_hull_projection(m, W) for m in M.T], axis=1)
    np.testing.assert_allclose(fit.H, expected, atol=1e-6)
    np.testing.assert_allclose(fit.residual_norms, np.linalg.norm(M - W @ fit.H, axis=0))
    assert np.all(fit.H >= 0) and np.all(fit.H.sum(axis=0) <= 1 + 1e-12)


def test_hull_projection_is_exact_for_points_in_the_hull(rng):
    W = rng.uniform(size=(8, 4))
    inside = rng.dirichlet(np.ones(5), size=25).T[:4]
    fit = separable.hull_projection(W @ inside, W)
    np.testing.assert_allclose(fit.H, inside, atol=1e-7)
    assert fit.residual_norms.max() < 1e-7 * np.linalg.norm(W)


def test_hull_projection_reports_unconverged_runs_and_takes_a_start(rng):
    W = rng.uniform(size=(6, 3))
    M = rng.uniform(size=(6, 20))
    short = separable.hull_projection(M, W, n_iter=1)
    assert short.n_iter == 1 and not short.converged
    exact = separable.hull_projection(M, W)
    warm = separable.hull_projection(M, W, init=exact.H)
    assert warm.n_iter < exact.n_iter
    np.testing.assert_allclose(warm.H, exact.H, atol=1e-7)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        (dict(M=-np.ones((3, 4))), ParameterError, "negative"),
        (dict(W=np.ones((4, 2))), ParameterError, "rows"),
        (dict(init=np.zeros((3, 4))), ParameterError, "init must have shape"),
        (dict(n_iter=0), ParameterError, "n_iter"),
        (dict(n_iter=5.0), TypeError, "n_iter"),
        (dict(tol=0.0), ParameterError, "tol"),
    ],
)
def test_hull_projection_rejects_bad_input(kwargs, error, match):
    arguments = dict(M=np.ones((3, 4)), W=np.ones((3, 2)))
    arguments.update(kwargs)
    M, W = arguments.pop("M"), arguments.pop("W")
    with pytest.raises(error, match=match):
        separable.hull_projection(M, W, **arguments)


# ---------------------------------------------------------------------------
# Exact recovery of planted columns
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("normalize", [None, "l1"])
@pytest.mark.parametrize("method", ["spa", "snpa"])
def test_noiseless_full_rank_recovers_the_planted_columns(rng, method, normalize):
    select = getattr(separable, method)
    for _ in range(10):
        W = rng.uniform(size=(20, 6))
        M, truth = planted(rng, W, 40)
        result = select(M, 6, normalize=normalize)
        assert set(result.indices.tolist()) == truth
        assert result.relative_error < 1e-6


def test_noiseless_rank_deficient_snpa_recovers_and_spa_cannot(rng):
    for _ in range(10):
        W = rank_deficient_vertices(rng, 12, 5)         # rank 4, five vertices
        M, truth = planted(rng, W, 30)
        result = separable.snpa(M, 5)
        assert set(result.indices.tolist()) == truth
        assert result.relative_error < 1e-6
        with pytest.warns(UserWarning, match="stopped after 4 of r=5"):
            failed = separable.spa(M, 5)
        assert failed.rank == 4 and set(failed.indices.tolist()) != truth


@pytest.mark.slow
def test_noisy_snpa_recovers_the_planted_columns_in_45_of_50_draws(rng, capsys):
    # W square (12 x 12), far from orthogonal; noise 1 % of the smallest column of W.
    found = {"snpa": 0, "spa": 0}
    for _ in range(50):
        W = rng.uniform(size=(12, 12))
        M, truth = planted(rng, W, 60)
        M_noisy = noisy(rng, M, W, 0.01)
        found["snpa"] += set(separable.snpa(M_noisy, 12).indices.tolist()) == truth
        found["spa"] += set(separable.spa(M_noisy, 12).indices.tolist()) == truth
    with capsys.disabled():
        print(f"\nnoise 1 %: SNPA recovered the planted columns in {found['snpa']} of 50 "
              f"draws, SPA in {found['spa']} of 50")
    assert found["snpa"] >= 45, found


def test_noisy_rank_deficient_snpa_still_recovers(rng):
    found = 0
    for _ in range(20):
        W = rank_deficient_vertices(rng, 12, 5)
        M, truth = planted(rng, W, 30)
        found += set(separable.snpa(noisy(rng, M, W, 0.01), 5).indices.tolist()) == truth
    assert found >= 18


def test_triangle_and_centre_fools_the_greedy_rule_but_not_snpa():
    # the corners of an equilateral triangle in the plane x + y + z = 1, and its centre
    M = np.c_[np.eye(3), np.full(3, 1 / 3)]
    greedy = separable.greedy_snpa(M, 3)
    assert greedy.indices[0] == 3                    # the centre first ...
    assert greedy.relative_error > 0.1               # ... so one corner is never explained
    result = separable.snpa(M, 3)
    assert set(result.indices.tolist()) == {0, 1, 2}
    assert result.relative_error < 1e-8
    np.testing.assert_allclose(result.H[:, 3], np.full(3, 1 / 3), atol=1e-7)


def test_greedy_rule_is_the_documented_score(rng):
    M = rng.uniform(size=(7, 25))
    R = M.copy()
    scores = [np.sum(np.maximum(R.T @ M[:, j], 0) ** 2) / np.sum(M[:, j] ** 2)
              for j in range(M.shape[1])]
    first = separable.greedy_snpa(M, 1)
    assert first.indices[0] == int(np.argmax(scores))
    # the second choice scores the residual of the projection onto [0, M_j1]
    h = separable.hull_projection(M, M[:, first.indices]).H
    R = M - M[:, first.indices] @ h
    scores = np.array([np.sum(np.maximum(R.T @ M[:, j], 0) ** 2) / np.sum(M[:, j] ** 2)
                       for j in range(M.shape[1])])
    scores[first.indices[0]] = -np.inf
    assert separable.greedy_snpa(M, 2).indices[1] == int(np.argmax(scores))


# ---------------------------------------------------------------------------
# Properties of the results
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["spa", "snpa", "greedy_snpa"])
def test_H_is_nonnegative_and_its_columns_lie_in_the_simplex(rng, method):
    M = rng.uniform(size=(15, 60)) ** 3
    result = getattr(separable, method)(M, 5)
    assert result.H.shape == (5, 60) and result.W.shape == (15, 5)
    assert np.all(result.H >= 0)
    assert np.all(result.H.sum(axis=0) <= 1 + 1e-12)
    np.testing.assert_array_equal(result.W, M[:, result.indices])
    error = np.linalg.norm(M - result.W @ result.H) / np.linalg.norm(M)
    assert result.relative_error == pytest.approx(error)
    # every column's weights are its projection onto the hull of the selected columns
    best = separable.hull_projection(M, result.W).residual_norms
    np.testing.assert_allclose(np.linalg.norm(M - result.reconstruction, axis=0), best,
                               atol=1e-6)
    assert result.residual_norms.shape == (5,) and np.all(np.diff(result.residual_norms) <= 1e-9)


def test_l1_normalisation_ignores_the_loudness_of_each_column(rng):
    W = rng.uniform(size=(20, 6))
    M, truth = planted(rng, W, 40)
    gains = rng.uniform(0.01, 100, size=M.shape[1])
    scaled = M * gains
    result = separable.snpa(scaled, 6, normalize="l1")
    assert set(result.indices.tolist()) == truth
    np.testing.assert_array_equal(result.indices, separable.snpa(M, 6, normalize="l1").indices)
    assert np.all(result.H >= 0)
    assert result.relative_error < 1e-6              # H is rescaled to the original columns
    normalised = result.H * (scaled[:, result.indices].sum(axis=0)[:, np.newaxis]
                             / scaled.sum(axis=0))
    assert np.all(normalised.sum(axis=0) <= 1 + 1e-9)


def test_spa_residual_is_the_distance_to_the_span(rng):
    M = rng.uniform(size=(10, 30))
    result = separable.spa(M, 3)
    Q, _ = np.linalg.qr(M[:, result.indices])
    expected = np.linalg.norm(M - Q @ (Q.T @ M))
    assert result.residual_norms[-1] == pytest.approx(expected)


def test_no_argument_is_modified(rng):
    M = rng.uniform(size=(10, 30))
    original = M.copy()
    for method in (separable.spa, separable.snpa, separable.greedy_snpa):
        for normalize in (None, "l1"):
            method(M, 4, normalize=normalize)
    W = M[:, :3].copy()
    init = np.full((3, 30), 0.2)
    separable.hull_projection(M, W, init=init)
    np.testing.assert_array_equal(M, original)
    np.testing.assert_array_equal(init, np.full((3, 30), 0.2))


def test_residual_that_vanishes_stops_early_with_a_warning(rng):
    M = np.outer(rng.uniform(size=8), rng.uniform(0.1, 1, size=20))     # rank 1
    with pytest.warns(UserWarning, match="stopped after 1 of r=3"):
        result = separable.snpa(M, 3)
    assert result.rank == 1 and result.H.shape == (1, 20)
    assert result.relative_error < 1e-9


def test_all_zero_columns_are_never_selected(rng):
    M = rng.uniform(size=(6, 12))
    M[:, [2, 7]] = 0.0
    for method in (separable.spa, separable.snpa, separable.greedy_snpa):
        for normalize in (None, "l1"):
            result = method(M, 5, normalize=normalize)
            assert not {2, 7} & set(result.indices.tolist())
            assert np.all(np.isfinite(result.H))


def test_snpa_takes_seconds_on_a_2049_by_700_spectrogram(rng):
    # a magnitude-like matrix: 7 spectra with harmonic peaks, random activations, noise
    freqs = np.arange(2049)[:, np.newaxis]
    f0 = np.array([40, 47, 53, 60, 70, 80, 95])
    W = sum(np.exp(-0.5 * ((freqs - k * f0) / 2.0) ** 2) / k for k in range(1, 12))
    H = rng.exponential(size=(7, 700)) * (rng.uniform(size=(7, 700)) < 0.4)
    M = W @ H + 0.01 * rng.uniform(size=(2049, 700))
    start = time.perf_counter()
    result = separable.snpa(M, 7)
    seconds = time.perf_counter() - start
    assert result.H.shape == (7, 700)
    assert seconds < 5.0, f"SNPA took {seconds:.1f} s on a 2049 x 700 matrix"
    start = time.perf_counter()
    separable.greedy_snpa(M, 7)
    assert time.perf_counter() - start < 10.0


# ---------------------------------------------------------------------------
# Bad input
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["spa", "snpa", "greedy_snpa"])
@pytest.mark.parametrize(
    ("M", "r", "kwargs", "error", "match"),
    [
        (-np.ones((4, 6)), 2, {}, ParameterError, "negative"),
        (np.full((4, 6), np.nan), 2, {}, ParameterError, "NaN"),
        (np.zeros((4, 6)), 2, {}, ParameterError, "all zeros"),
        (np.ones(6), 2, {}, ParameterError, "2-D"),
        (np.ones((4, 6), dtype=complex), 2, {}, TypeError, "complex"),
        (np.ones((4, 6), dtype=int), 2, {}, TypeError, "integer"),
        (np.ones((4, 6)), 7, {}, ParameterError, r"r=7 is larger than the number of columns"),
        (np.ones((4, 6)), 0, {}, ParameterError, "r=0"),
        (np.ones((4, 6)), 2.0, {}, TypeError, "r must be an int"),
        (np.ones((4, 6)), 2, {"normalize": "l2"}, ParameterError, "normalize='l2'"),
        (np.ones((4, 6)), 2, {"normalize": 1}, TypeError, "normalize"),
        (np.ones((4, 6)), 2, {"residual_tol": -1.0}, ParameterError, "residual_tol"),
        (np.ones((4, 6)), 2, {"n_iter": 0}, ParameterError, "n_iter"),
        (np.ones((4, 6)), 2, {"tol": float("nan")}, ParameterError, "tol"),
    ],
)
def test_selection_rejects_bad_input(method, M, r, kwargs, error, match):
    with pytest.raises(error, match=match):
        getattr(separable, method)(M, r, **kwargs)


def test_options_are_keyword_only():
    with pytest.raises(TypeError):
        separable.snpa(np.ones((3, 4)), 2, "l1")


def test_results_print_what_they_hold(rng):
    M = rng.uniform(size=(5, 9))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        text = repr(separable.snpa(M, 2))
    assert text.startswith("SeparableResult(snpa, columns [")
    assert "HullProjection(H (2, 9)" in repr(separable.hull_projection(M, M[:, :2]))


# ---------------------------------------------------------------------------
# The figures of notebook 04 (course_lib.plot)
# ---------------------------------------------------------------------------


@pytest.fixture
def plt():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as pyplot

    yield pyplot
    pyplot.close("all")


def test_columns_2d_draws_the_hull_of_the_selected_columns_and_the_residuals(plt):
    from course_lib import plot

    M = np.array([[1.0, 0.2, 0.5, 0.9], [0.1, 1.0, 0.4, 0.9]])
    fit = separable.hull_projection(M, M[:, [0, 1]])
    artists = plot.columns_2d(M, selected=[1, 0], projection=M[:, [0, 1]] @ fit.H)
    corners = artists["hull"].get_xy()[:-1]          # closed polygon: last point repeats
    np.testing.assert_allclose(corners, [[0, 0], [1.0, 0.1], [0.2, 1.0]])
    assert len(artists["points"].get_offsets()) == 4
    # only the column outside the hull, (0.9, 0.9), moved: one arrow, towards the edge
    assert len(artists["arrows"].X) == 1 and artists["arrows"].X[0] == pytest.approx(0.9)
    labels = [text.get_text() for text in artists["hull"].axes.texts]
    assert labels == ["1", "2"]                      # stars numbered in the order chosen
    span = plot.columns_2d(M, selected=[0], hull="span")["hull"]
    assert len(span) == 1


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        (dict(M=np.ones((3, 4))), ParameterError, "2 rows"),
        (dict(selected=[0, 0]), ParameterError, "repeats"),
        (dict(selected=[4]), ParameterError, "at most 3"),
        (dict(selected=[1.5]), TypeError, "int"),
        (dict(hull="polygon"), ParameterError, "hull"),
        (dict(projection=np.ones((2, 3))), ParameterError, "projection"),
        (dict(label=3), TypeError, "label"),
    ],
)
def test_columns_2d_rejects_bad_input(plt, kwargs, error, match):
    from course_lib import plot

    arguments = dict(M=np.ones((2, 4)), selected=[0])
    arguments.update(kwargs)
    with pytest.raises(error, match=match):
        plot.columns_2d(arguments.pop("M"), **arguments)


def test_simplex_points_places_columns_by_their_shares(plt):
    from course_lib import plot

    M = np.c_[np.diag([2.0, 3.0, 5.0]), [1.0, 1.0, 1.0], [0.0, 0.0, 0.0], [3.0, 1.0, 0.0]]
    artists = plot.simplex_points(M, selected=[0, 1, 2])
    xy = np.asarray(artists["points"].get_offsets())
    np.testing.assert_allclose(xy[:3], [[0, 0], [1, 0], [0.5, np.sqrt(3) / 2]])  # corners
    np.testing.assert_allclose(xy[3], [0.5, np.sqrt(3) / 6])                     # centre
    assert np.all(np.isnan(np.asarray(xy[4], dtype=float)))                      # no direction
    np.testing.assert_allclose(xy[5], [0.25, 0.0])            # 3/4 of row 1, 1/4 of row 2


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        (dict(M=np.ones((2, 4))), ParameterError, "3 rows"),
        (dict(M=np.c_[np.ones((3, 3)), np.zeros(3)], selected=[3]), ParameterError, "all-zero"),
        (dict(corner_labels=["a", "b"]), ParameterError, "3 names"),
        (dict(M=-np.ones((3, 4))), ParameterError, "negative"),
    ],
)
def test_simplex_points_rejects_bad_input(plt, kwargs, error, match):
    from course_lib import plot

    arguments = dict(M=np.ones((3, 4)))
    arguments.update(kwargs)
    with pytest.raises(error, match=match):
        plot.simplex_points(arguments.pop("M"), **arguments)


@pytest.mark.parametrize("center", [True, False])
def test_selected_frames_draws_lines_at_the_frame_times(plt, rng, center):
    from course_lib import plot, stft

    activity = rng.uniform(size=(3, 50))
    drawn = plot.selected_frames(activity, [7, 2, 60], 8000, n_fft=512, hop_length=128,
                                 center=center, names=["a", "b", "c"])
    times = stft.times(50, 8000, hop_length=128) + (0 if center else 256 / 8000)
    xs = [line.get_xdata()[0] for line in drawn["lines"]]
    np.testing.assert_allclose(xs, times[[7, 2]])           # the appended column 60 is not drawn
    ax = drawn["image"].axes
    assert [t.get_text() for t in ax.get_yticklabels()] == ["a", "b", "c"]
    with pytest.raises(ParameterError, match="one label per source"):
        plot.selected_frames(activity, [1], 8000, names=["a"], n_fft=512, hop_length=128)
    with pytest.raises(ParameterError, match="negative"):
        plot.selected_frames(-activity, [1], 8000, n_fft=512, hop_length=128)
    with pytest.raises(ParameterError, match="at least 0"):
        plot.selected_frames(activity, [-1], 8000, n_fft=512, hop_length=128)
