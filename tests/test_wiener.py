"""Tests of course_lib.wiener: norbert's numbers, conservativity, untouched inputs, dtypes,
EM on real stereo mixtures, blocks, callbacks and bad input.

norbert lays arrays out as ``(frames, bins, channels, sources)``; the helpers below
transpose the course layout ``(sources, channels, freq, frames)`` to it and back.
"""

from __future__ import annotations

import numpy as np
import pytest

from course_lib import ParameterError, data, metrics, stft
from course_lib import wiener as wn

norbert = pytest.importorskip("norbert")

#: Agreement required with norbert (relative; the absolute floor only matters at zeros).
RTOL = 1e-8


def assert_close(ours, reference, rtol=RTOL):
    reference = np.asarray(reference)
    scale = float(np.abs(reference).max()) or 1.0
    np.testing.assert_allclose(ours, reference, rtol=rtol, atol=1e-12 * scale)


# layouts: course -> norbert
def nb_mixture(x):            # (C, F, T) or (F, T) -> (T, F, C)
    return np.ascontiguousarray((x if x.ndim == 3 else x[np.newaxis]).transpose(2, 1, 0))


def nb_sources(y):            # (J, C, F, T) -> (T, F, C, J); (J, F, T) -> (T, F, 1, J)
    y = y if y.ndim == 4 else y[:, np.newaxis]
    return np.ascontiguousarray(y.transpose(3, 2, 1, 0))


def from_nb_sources(y):       # (T, F, C, J) -> (J, C, F, T)
    return y.transpose(3, 2, 1, 0)


def random_problem(rng, channels, n_sources, *, n_freq=6, n_frames=40, level=1.0,
                   mono_v=False, dtype=np.complex128):
    x = level * (rng.standard_normal((channels, n_freq, n_frames))
                 + 1j * rng.standard_normal((channels, n_freq, n_frames)))
    v_shape = (n_sources, n_freq, n_frames) if mono_v else (n_sources, channels, n_freq, n_frames)
    v = level * rng.random(v_shape)
    return v, x.astype(dtype)


CHANNELS = (1, 2, 3)
SOURCES = (1, 2, 3, 4)


# ---------------------------------------------------------------------------
# norbert's numbers
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("channels", CHANNELS)
@pytest.mark.parametrize("n_sources", SOURCES)
def test_wiener_matches_norbert(rng, channels, n_sources):
    # level 30 puts max|x| above 10, so the rescaling before EM is exercised too; EM is
    # scale-equivariant but for the eps terms, which a large eps makes visible
    for level, mono_v, eps in ((0.5, False, None), (30.0, False, None), (30.0, True, None),
                               (30.0, False, 1e-2)):
        v, x = random_problem(rng, channels, n_sources, level=level, mono_v=mono_v)
        for iterations in (0, 1, 3):
            for use_softmask in (True, False):
                ours = wn.wiener(v, x, iterations=iterations, use_softmask=use_softmask, eps=eps)
                reference = norbert.wiener(nb_sources(v), nb_mixture(x), iterations=iterations,
                                           use_softmask=use_softmask, eps=eps)
                assert ours.shape == (n_sources, channels) + x.shape[1:]
                assert_close(ours, from_nb_sources(reference))


@pytest.mark.parametrize("channels", CHANNELS)
@pytest.mark.parametrize("n_sources", SOURCES)
def test_expectation_maximization_matches_norbert(rng, channels, n_sources):
    v, x = random_problem(rng, channels, n_sources)
    y0 = wn.softmask(v, x)
    result = wn.expectation_maximization(y0, x, 2, eps=1e-10)
    # norbert overwrites its y: give it a copy
    y_ref, v_ref, R_ref = norbert.expectation_maximization(nb_sources(y0), nb_mixture(x), 2,
                                                           eps=1e-10)
    assert_close(result.estimates, from_nb_sources(y_ref))
    assert_close(result.v, v_ref.transpose(2, 1, 0))
    assert_close(result.R, R_ref.transpose(3, 1, 2, 0))
    assert result.iterations == 2


@pytest.mark.parametrize("channels", CHANNELS)
@pytest.mark.parametrize("n_sources", SOURCES)
def test_softmask_matches_norbert(rng, channels, n_sources):
    for mono_v in (False, True):
        v, x = random_problem(rng, channels, n_sources, mono_v=mono_v)
        for eps in (None, 0.3):
            reference = norbert.softmask(nb_sources(v), nb_mixture(x), eps=eps)
            assert_close(wn.softmask(v, x, eps=eps), from_nb_sources(reference))


@pytest.mark.parametrize("channels", CHANNELS)
def test_local_gaussian_model_matches_norbert(rng, channels):
    _, x = random_problem(rng, channels, 1)
    for kwargs in ({}, {"eps": 1e-3}):
        v_j, R_j = wn.local_gaussian_model(x, **kwargs)
        v_ref, R_ref = norbert.get_local_gaussian_model(nb_mixture(x), **kwargs)
        assert_close(v_j, v_ref.T)
        assert_close(R_j, R_ref[0].transpose(1, 2, 0))    # norbert keeps a leading axis
        assert v_j.dtype == np.float64 and R_j.dtype == np.complex128


@pytest.mark.parametrize("channels", CHANNELS)
@pytest.mark.parametrize("n_sources", SOURCES)
def test_covariance_gain_and_filter_match_norbert(rng, channels, n_sources):
    _, x = random_problem(rng, channels, 1)
    y = wn.softmask(rng.random((n_sources, channels) + x.shape[1:]), x)
    models = [wn.local_gaussian_model(y_j) for y_j in y]
    v = np.stack([m.v for m in models])                      # (J, F, T)
    R = np.stack([m.R for m in models])                      # (J, C, C, F)
    cov = wn.mixture_covariance(v, R)                        # (C, C, F, T)
    cov_ref = norbert.get_mix_model(v.transpose(2, 1, 0), R.transpose(3, 1, 2, 0))
    assert_close(cov, cov_ref.transpose(2, 3, 1, 0))

    eps = 1e-6
    regularised = cov_ref + np.sqrt(eps) * np.eye(channels)
    inverse_ref = norbert._invert(regularised, eps)
    for j in range(n_sources):
        gain = wn.wiener_gain(v[j], R[j], cov, eps=eps)
        gain_ref = norbert.wiener_gain(v[j].T, R[j].transpose(2, 0, 1), inverse_ref)
        assert_close(gain, gain_ref.transpose(2, 3, 1, 0))
        filtered = wn.apply_filter(x, gain)
        filtered_ref = norbert.apply_filter(nb_mixture(x), gain_ref)
        assert_close(filtered, filtered_ref.transpose(2, 1, 0))


def test_the_pieces_rebuild_one_em_iteration(rng):
    # softmask -> local_gaussian_model -> mixture_covariance -> wiener_gain -> apply_filter
    # is exactly what one iteration of expectation_maximization does
    v, x = random_problem(rng, 2, 3)
    y0 = wn.softmask(v, x)
    eps = 1e-9
    models = [wn.local_gaussian_model(y_j, eps=eps) for y_j in y0]
    v_model = np.stack([m.v for m in models])
    R_model = np.stack([m.R for m in models])
    cov = wn.mixture_covariance(v_model, R_model)
    by_hand = np.stack([wn.apply_filter(x, wn.wiener_gain(v_model[j], R_model[j], cov, eps=eps))
                        for j in range(3)])
    result = wn.expectation_maximization(y0, x, 1, eps=eps)
    assert_close(result.estimates, by_hand, rtol=1e-10)
    assert_close(result.v, v_model, rtol=1e-12)
    assert_close(result.R, R_model, rtol=1e-12)


# ---------------------------------------------------------------------------
# Properties
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("channels", CHANNELS)
@pytest.mark.parametrize("n_sources", SOURCES)
def test_softmask_estimates_add_up_to_the_mixture(rng, channels, n_sources):
    v, x = random_problem(rng, channels, n_sources)
    v[:, ..., :3] = 0.0                                      # silent sources in a few frames
    v[0, ..., 3] = 0.0
    estimates = wn.softmask(v, x)
    total = v.sum(axis=0)
    expected = np.where(total > 0, x, 0)                     # all-silent bins give 0
    np.testing.assert_allclose(estimates.sum(axis=0), expected, rtol=1e-12, atol=1e-12)
    # and the iterations=0 path of wiener is the same soft mask
    np.testing.assert_array_equal(wn.wiener(v, x, iterations=0), estimates)


def test_softmask_of_a_mono_mixture_keeps_its_layout(rng):
    v, x = random_problem(rng, 1, 3)
    mono = wn.softmask(v[:, 0], x[0])
    assert mono.shape == (3,) + x.shape[1:]
    np.testing.assert_array_equal(mono, wn.softmask(v, x)[:, 0])
    for iterations in (0, 2):
        mono = wn.wiener(v[:, 0], x[0], iterations=iterations)
        np.testing.assert_array_equal(mono, wn.wiener(v, x, iterations=iterations)[:, 0])


def test_logit_compresses_the_masks(rng):
    v, x = random_problem(rng, 2, 3)
    mask = v / (np.finfo(float).eps + v.sum(axis=0))
    expected = 1 / (1 + np.exp(-15 * (mask - 0.4))) * x
    compressed = wn.softmask(v, x, logit=0.4)
    np.testing.assert_allclose(compressed, expected, rtol=1e-12)
    plain = wn.softmask(v, x)
    strong = mask > 0.6
    assert np.all(np.abs(compressed[strong]) >= np.abs(plain[strong]))


def test_inputs_are_never_modified_even_for_a_loud_mixture(rng):
    v, x = random_problem(rng, 2, 3, level=1000.0)           # max|x| far above 10
    v_copy, x_copy = v.copy(), x.copy()
    y0 = wn.softmask(v, x)
    y0_copy = y0.copy()
    for use_softmask in (True, False):
        wn.wiener(v, x, iterations=2, use_softmask=use_softmask)
    wn.wiener(v, x, iterations=1, callback=lambda it, est: None, progress=True)
    wn.expectation_maximization(y0, x, 2)
    for y_j in y0:
        wn.local_gaussian_model(y_j)
    np.testing.assert_array_equal(v, v_copy)
    np.testing.assert_array_equal(x, x_copy)
    np.testing.assert_array_equal(y0, y0_copy)


def test_complex64_stays_complex64(rng):
    v, x = random_problem(rng, 2, 3, level=30.0)
    x64 = x.astype(np.complex64)
    # the same eps as complex64's default, so that only the precision differs
    precise = wn.wiener(v, x64.astype(np.complex128), iterations=2,
                        eps=float(np.finfo(np.float32).eps))
    for v_dtype in (np.float32, np.float64):
        ours = wn.wiener(v.astype(v_dtype), x64, iterations=2)
        assert ours.dtype == np.complex64
        assert np.abs(ours - precise).max() <= 1e-5 * np.abs(precise).max()
    assert wn.softmask(v, x64).dtype == np.complex64
    result = wn.expectation_maximization(wn.softmask(v, x64), x64, 1)
    assert result.estimates.dtype == np.complex64
    assert result.v.dtype == np.float32 and result.R.dtype == np.complex64


def test_the_block_size_does_not_change_the_numbers(rng, monkeypatch):
    v, x = random_problem(rng, 2, 3, n_freq=9, n_frames=50, level=30.0)
    default = wn.wiener(v, x, iterations=3)
    for cells in (1, 100, 10**9):                            # a bin at a time ... one block
        monkeypatch.setattr(wn, "_BLOCK_CELLS", cells)
        assert_close(wn.wiener(v, x, iterations=3), default, rtol=1e-13)


def test_callback_sees_every_iteration_and_changes_nothing(rng):
    v, x = random_problem(rng, 2, 3, level=30.0)
    seen = []
    result = wn.wiener(v, x, iterations=3, callback=lambda it, est: seen.append((it, est)))
    assert [it for it, _ in seen] == [0, 1, 2, 3]
    np.testing.assert_array_equal(result, wn.wiener(v, x, iterations=3))
    np.testing.assert_array_equal(seen[-1][1], result)
    np.testing.assert_array_equal(seen[0][1], wn.softmask(v, x))
    for iterations in (1, 2):
        assert_close(seen[iterations][1], wn.wiener(v, x, iterations=iterations), rtol=1e-13)
    # the estimates passed are copies: keeping them is safe
    arrays = [estimates for _, estimates in seen]
    assert not any(np.shares_memory(a, b) for a, b in zip(arrays[:-1], arrays[1:], strict=True))

    y0 = wn.softmask(v, x)
    em_seen = []
    em = wn.expectation_maximization(y0, x, 2, callback=lambda it, est: em_seen.append(est))
    assert len(em_seen) == 3
    np.testing.assert_array_equal(em_seen[0], y0)
    np.testing.assert_array_equal(em_seen[-1], em.estimates)


def test_zero_iterations_return_the_estimates_and_their_model(rng):
    v, x = random_problem(rng, 2, 2)
    y0 = wn.softmask(v, x)
    result = wn.expectation_maximization(y0, x, 0, eps=1e-4)
    np.testing.assert_array_equal(result.estimates, y0)
    assert not np.shares_memory(result.estimates, y0)
    v_0, R_0 = wn.local_gaussian_model(y0[0], eps=1e-4)
    assert_close(result.v[0], v_0)
    assert_close(result.R[0], R_0)


def test_em_improves_estimates_of_sources_that_follow_the_model(rng):
    # two point sources, one mostly left, one mostly right: s_j = a_j * (a scalar signal),
    # rank-1 spatial covariances. From the true magnitudes, the soft mask mixes them up
    # and EM, which learns where each source comes from, separates them better.
    n_freq, n_frames = 8, 400
    gains = np.array([[1.0, 0.2], [0.3, 1.0]])
    signals = rng.standard_normal((2, n_freq, n_frames)) + 1j * rng.standard_normal(
        (2, n_freq, n_frames))
    sources = gains[:, :, None, None] * signals[:, None]
    x = sources.sum(axis=0)
    errors = []
    y = wn.wiener(np.abs(sources), x, iterations=3, callback=lambda it, est: errors.append(
        np.linalg.norm(est - sources) / np.linalg.norm(sources)))
    assert errors[1] < 0.8 * errors[0] and errors[3] < errors[1]
    # the Wiener estimates still add up to the mixture, up to the sqrt(eps) regularisation
    assert np.abs(y.sum(axis=0) - x).max() < 1e-6 * np.abs(x).max()


# ---------------------------------------------------------------------------
# A real stereo mixture: one EM iteration improves noisy oracle estimates
# ---------------------------------------------------------------------------


def _stereo_examples():
    names = [name for name in data.list_examples() if data.load_example(name).channels == 2]
    assert names, "no stereo example shipped"
    return names


def test_one_em_iteration_does_not_lower_the_median_sdr():
    # The oracle magnitudes of every stereo example, spoiled by log-normal noise (5 draws),
    # separated with the soft mask (iteration 0) and after one EM iteration. SI-SDR is
    # used as the SDR: BSS Eval would take about a second per second of audio.
    before, after = [], []
    for name in _stereo_examples():
        example = data.load_example(name, dtype=np.float64)
        references = example.sources()
        source_stfts = np.stack([stft.stft(s, example.sr) for s in references])
        mixture_stft = stft.stft(example.mixture, example.sr)
        rng = np.random.default_rng(12)
        for _ in range(5):
            v = np.abs(source_stfts) * np.exp(0.7 * rng.standard_normal(source_stfts.shape))
            scores = {}

            def score(iteration, estimates, scores=scores, example=example,
                      references=references):
                signals = np.stack([stft.istft(e, example.sr, length=references.shape[-1])
                                    for e in estimates])
                scores[iteration] = metrics.si_sdr(references, signals)

            wn.wiener(v, mixture_stft, iterations=1, callback=score)
            before.extend(scores[0])
            after.extend(scores[1])
    assert np.median(after) >= np.median(before)


# ---------------------------------------------------------------------------
# Bad input
# ---------------------------------------------------------------------------


def _bad_calls():
    rng = np.random.default_rng(0)
    v, x = random_problem(rng, 2, 3)
    y = wn.softmask(v, x)
    nan_x = x.copy()
    nan_x[0, 0, 0] = np.nan
    R = np.stack([wn.local_gaussian_model(y_j).R for y_j in y])
    vm = np.abs(y).mean(axis=1) ** 2
    cov = wn.mixture_covariance(vm, R)
    return [
        ("negative v", lambda: wn.wiener(-v, x), ParameterError, "non-negative"),
        ("NaN in x", lambda: wn.wiener(v, nan_x), ParameterError, "non-finite"),
        ("complex v", lambda: wn.wiener(y, x), TypeError, "real magnitude"),
        ("magnitude x", lambda: wn.wiener(v, np.abs(x)), TypeError, "complex STFT"),
        ("integer v", lambda: wn.softmask(v.astype(int), x), TypeError, "integer"),
        ("string x", lambda: wn.softmask(v, "x"), TypeError, "numpy array"),
        ("2-D v", lambda: wn.wiener(v[0, 0], x), ParameterError, "stack the sources"),
        ("frames differ", lambda: wn.wiener(v[..., :-1], x), ParameterError, "same STFT"),
        ("channels differ", lambda: wn.wiener(np.concatenate([v, v], axis=1), x),
         ParameterError, "shape"),
        ("mono x, 4-D v", lambda: wn.softmask(v, x[0]), ParameterError, "mono mixture"),
        ("negative iterations", lambda: wn.wiener(v, x, iterations=-1), ParameterError,
         "iterations=-1"),
        ("float iterations", lambda: wn.wiener(v, x, iterations=2.0), TypeError, "iterations"),
        ("zero eps", lambda: wn.wiener(v, x, eps=0.0), ParameterError, "eps=0.0"),
        ("string eps", lambda: wn.softmask(v, x, eps="small"), TypeError, "eps"),
        ("string use_softmask", lambda: wn.wiener(v, x, use_softmask="no"), TypeError,
         "use_softmask"),
        ("callback not callable", lambda: wn.wiener(v, x, callback=3), TypeError, "callback"),
        ("logit above 1", lambda: wn.softmask(v, x, logit=1.5), ParameterError, "logit=1.5"),
        ("real y", lambda: wn.expectation_maximization(np.abs(y), x, 1), TypeError,
         "complex STFTs"),
        ("y of another shape", lambda: wn.expectation_maximization(y[:, :1], x, 1),
         ParameterError, "x.shape"),
        ("EM negative iterations", lambda: wn.expectation_maximization(y, x, -2),
         ParameterError, "iterations=-2"),
        ("EM progress not bool", lambda: wn.expectation_maximization(y, x, 1, progress=1),
         TypeError, "progress"),
        ("4-D y_j", lambda: wn.local_gaussian_model(y), ParameterError, "shape"),
        ("zero eps for the model", lambda: wn.local_gaussian_model(y[0], eps=0),
         ParameterError, "eps=0"),
        ("R of another size", lambda: wn.mixture_covariance(vm, R[..., :-1]), ParameterError,
         "R must have shape"),
        ("4-D v for the covariance", lambda: wn.mixture_covariance(v, R), ParameterError,
         "one PSD per source"),
        ("gain with a short R_j", lambda: wn.wiener_gain(vm[0], R[0, :1], cov), ParameterError,
         "R_j must have shape"),
        ("gain with another v_j", lambda: wn.wiener_gain(vm[0, :-1], R[0], cov),
         ParameterError, "mixture_cov"),
        ("filter of another size", lambda: wn.apply_filter(x[:1], cov), ParameterError,
         "G must have shape"),
    ]


@pytest.mark.parametrize(("label", "call", "error", "match"), _bad_calls(),
                         ids=[case[0] for case in _bad_calls()])
def test_bad_input_raises_clearly(label, call, error, match):
    with pytest.raises(error, match=match):
        call()
