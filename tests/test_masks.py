"""Oracle masks: their defining properties, conservativity, and the oracle on shipped audio."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from course_lib import ParameterError, data, masks, stft


def _random_stfts(rng, shape, *, complex_=True):
    x = rng.standard_normal(shape)
    return x + 1j * rng.standard_normal(shape) if complex_ else np.abs(x)


@pytest.mark.parametrize("shape", [(2, 5, 7), (3, 5, 7), (3, 2, 5, 7)])
def test_binary_mask_picks_the_loudest_source_and_partitions_bins(rng, shape):
    S = _random_stfts(rng, shape)
    mask = masks.ideal_binary_mask(S)
    assert mask.shape == shape and set(np.unique(mask)) <= {0.0, 1.0}
    np.testing.assert_array_equal(mask.sum(axis=0), 1.0)
    winner = np.argmax(np.abs(S), axis=0)
    np.testing.assert_array_equal(np.take_along_axis(mask, winner[None], axis=0)[0], 1.0)


@pytest.mark.parametrize("power", [0.5, 1.0, 2.0])
def test_ratio_mask_is_the_share_of_magnitude_to_the_power(rng, power):
    S = _random_stfts(rng, (3, 2, 6, 9))
    mask = masks.ideal_ratio_mask(S, power=power)
    expected = np.abs(S) ** power / np.sum(np.abs(S) ** power, axis=0)
    np.testing.assert_allclose(mask, expected, rtol=1e-12)
    np.testing.assert_allclose(mask.sum(axis=0), 1.0, rtol=1e-12)
    assert mask.dtype == np.float64
    assert masks.ideal_ratio_mask(S.astype(np.complex64)).dtype == np.float32


@pytest.mark.parametrize(("dtype", "mask_dtype"), [
    (np.float32, np.float32), (np.complex64, np.float32),
    (np.float64, np.float64), (np.complex128, np.float64),
])
def test_masks_keep_the_float_type_of_their_input(rng, dtype, mask_dtype):
    S = _random_stfts(rng, (2, 4, 5), complex_=np.dtype(dtype).kind == "c").astype(dtype)
    assert masks.ideal_binary_mask(S).dtype == mask_dtype
    assert masks.ideal_ratio_mask(S).dtype == mask_dtype


@pytest.mark.parametrize("scale", [1.0, 1e200, 1e-200])
@pytest.mark.parametrize("power", [1.0, 2.0, 100.0])
def test_ratio_mask_is_finite_and_sums_to_one_for_any_power_and_level(scale, power):
    # |S|**p overflows (1e200**2) or underflows (1e-200**2, 0.5**100 * 1e-200) in a
    # direct computation: NaN, or a silent bin shared equally by mistake.
    magnitudes = np.array([[[1.0, 0.0, 2.0, 1.0]], [[3.0, 0.0, 2.0, 0.0]]])  # (2, 1, 4)
    mask = masks.ideal_ratio_mask(magnitudes * scale, power=power)
    assert np.all(np.isfinite(mask))
    np.testing.assert_allclose(mask.sum(axis=0), 1.0, rtol=1e-12)
    share = 1.0 / (1.0 + 3.0**power)
    np.testing.assert_allclose(mask[:, 0, 0], [share, 1 - share], rtol=1e-9, atol=1e-300)
    np.testing.assert_array_equal(mask[:, 0, 1], [0.5, 0.5])  # all zero: equal shares
    np.testing.assert_array_equal(mask[:, 0, 2], [0.5, 0.5])  # a tie
    np.testing.assert_array_equal(mask[:, 0, 3], [1.0, 0.0])  # the other source is silent


def test_ratio_mask_of_the_largest_complex_values_is_finite():
    big = np.finfo(np.float64).max / 2
    S = np.array([[[big * (1 + 1j)]], [[big * 0.5j]]])
    mask = masks.ideal_ratio_mask(S, power=2)
    np.testing.assert_allclose(mask[:, 0, 0], [2 / 2.25, 0.25 / 2.25])
    assert masks.ideal_binary_mask(S)[0, 0, 0] == 1.0


def test_ratio_mask_of_float32_input_sums_to_one(rng):
    S = _random_stfts(rng, (3, 6, 9)).astype(np.complex64)
    mask = masks.ideal_ratio_mask(S, power=2)
    assert mask.dtype == np.float32
    np.testing.assert_allclose(mask.sum(axis=0), 1.0, rtol=1e-6)


@pytest.mark.parametrize("kind", ["irm", "ibm"])
def test_oracle_estimates_add_up_to_the_mixture(kind):
    example = data.load_example("piano_notes", dtype=np.float64)
    estimates = masks.oracle_estimates(example, kind=kind)
    assert estimates.shape == (2, example.mixture.size)
    np.testing.assert_allclose(estimates.sum(axis=0), example.mixture, atol=1e-10)


def test_oracle_estimates_of_a_stereo_example_keep_their_channels():
    example = data.load_example("stereo_trio", dtype=np.float64)
    estimates = masks.oracle_estimates(example, kind="irm", power=2)
    assert estimates.shape == (3, *example.mixture.shape)
    np.testing.assert_allclose(estimates.sum(axis=0), example.mixture, atol=1e-10)
    # each estimate is much closer to its own stem than to the mixture
    for estimate, stem in zip(estimates, example.stems.values(), strict=True):
        error = np.sum((estimate - stem) ** 2)
        assert error < 0.1 * np.sum((example.mixture - stem) ** 2)


def test_masking_separates_sources_in_disjoint_bands():
    sr = 8000
    t = np.arange(2 * sr) / sr
    low, high = np.sin(2 * np.pi * 300 * t), 0.5 * np.sin(2 * np.pi * 2500 * t)
    params = dict(n_fft=512, hop_length=128)
    X = stft.stft(low + high, sr, **params)
    S = np.stack([stft.stft(low, sr, **params), stft.stft(high, sr, **params)])
    for mask in (masks.ideal_binary_mask(S), masks.ideal_ratio_mask(S)):
        est = masks.apply_masks(X, mask, sr, length=t.size, **params)
        for e, s in zip(est, (low, high), strict=True):
            snr = 10 * np.log10(np.sum(s**2) / np.sum((e - s) ** 2))
            assert snr > 30


def test_apply_masks_broadcasts_one_mask_over_channels(rng):
    sr = 8000
    y = rng.standard_normal((2, 4000))
    X = stft.stft(y, sr, n_fft=256, hop_length=64)
    mask = rng.uniform(size=(2, *X.shape[1:]))
    shared = masks.apply_masks(X, mask, sr, n_fft=256, hop_length=64, length=4000)
    explicit = masks.apply_masks(X, np.repeat(mask[:, None], 2, axis=1), sr, n_fft=256,
                                 hop_length=64, length=4000)
    np.testing.assert_allclose(shared, explicit)
    assert shared.shape == (2, 2, 4000)


def test_apply_masks_forwards_every_stft_keyword(rng):
    # center was missing: an uncentred analysis could not be resynthesised
    sr, y = 8000, rng.standard_normal(4000)
    params = dict(n_fft=255, hop_length=64, window="hamming", center=False)
    X = stft.stft(y, sr, **params)
    mask = rng.uniform(size=(2, *X.shape))
    estimates = masks.apply_masks(X, mask, sr, **params)
    for estimate, m in zip(estimates, mask, strict=True):
        np.testing.assert_allclose(estimate, stft.istft(m * X, sr, **params))
    inner = slice(255, estimates.shape[-1] - 255)
    ones = masks.apply_masks(X, np.stack([np.ones(X.shape), np.zeros(X.shape)]), sr, **params)
    np.testing.assert_allclose(ones[0][inner], y[inner], atol=1e-10)
    # in seconds, the same as in samples
    in_seconds = masks.apply_masks(X, mask, sr, frame=255 / sr, hop=64 / sr, window="hamming",
                                   center=False)
    np.testing.assert_allclose(in_seconds, estimates)


def test_oracle_estimates_forward_every_stft_keyword():
    example = data.load_example("piano_notes", dtype=np.float64).excerpt(2.0)
    params = dict(frame=0.032, hop=0.008, window="hamming", center=False)
    estimates = masks.oracle_estimates(example, kind="irm", power=2, **params)
    stem_stfts = np.stack([stft.stft(s, example.sr, **params) for s in example.stems.values()])
    expected = masks.apply_masks(stft.stft(example.mixture, example.sr, **params),
                                 masks.ideal_ratio_mask(stem_stfts, power=2), example.sr,
                                 length=example.mixture.size, **params)
    np.testing.assert_allclose(estimates, expected)
    n_fft, hop_length = stft.frame_params(example.sr, frame=0.032, hop=0.008)
    in_samples = masks.oracle_estimates(example, kind="irm", power=2, n_fft=n_fft,
                                        hop_length=hop_length, window="hamming", center=False)
    np.testing.assert_allclose(in_samples, estimates)


def test_oracle_estimates_reject_stems_that_do_not_fit_the_mixture(rng):
    mixture = rng.standard_normal(8000)
    stems = {"a": mixture[:6000], "b": mixture}
    with pytest.raises(ParameterError, match=r"mixture's shape \(8000,\).*'a' has \(6000,\)"):
        masks.oracle_estimates(SimpleNamespace(mixture=mixture, stems=stems, sr=8000))
    with pytest.raises(ParameterError, match="'b' has"):
        masks.oracle_estimates(SimpleNamespace(mixture=mixture, sr=8000,
                                               stems={"a": mixture, "b": np.stack([mixture] * 2)}))
    with pytest.raises(ParameterError, match="1 stem"):
        masks.oracle_estimates(SimpleNamespace(mixture=mixture, stems={"a": mixture}, sr=8000))
    with pytest.raises(TypeError, match="stems must be a dict"):
        masks.oracle_estimates(SimpleNamespace(mixture=mixture, stems=[mixture] * 2, sr=8000))


def test_inputs_are_not_modified(rng):
    S = _random_stfts(rng, (2, 4, 5))
    before = S.copy()
    masks.ideal_ratio_mask(S)
    masks.ideal_binary_mask(S)
    np.testing.assert_array_equal(S, before)


def test_bad_input_raises_clear_errors(rng):
    S = _random_stfts(rng, (2, 5, 7))
    with pytest.raises(ValueError, match="at least 2"):
        masks.ideal_ratio_mask(S[:1])
    with pytest.raises(ValueError, match=r"\(sources, freq, frames\)"):
        masks.ideal_binary_mask(S[0])
    bad = S.copy()
    bad[0, 0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        masks.ideal_ratio_mask(bad)
    with pytest.raises(ValueError, match="power=0 must be positive"):
        masks.ideal_ratio_mask(S, power=0)
    with pytest.raises(ValueError, match="do not fit"):
        masks.apply_masks(S[0], np.ones((2, 5, 6)), 8000, n_fft=8, hop_length=2)
    with pytest.raises(ValueError, match="non-negative"):
        masks.apply_masks(S[0], -np.ones((2, 5, 7)), 8000, n_fft=8, hop_length=2)
    with pytest.raises(TypeError, match="real"):
        masks.apply_masks(S[0], S, 8000, n_fft=8, hop_length=2)
    with pytest.raises(TypeError, match="power must be a number"):
        masks.ideal_ratio_mask(S, power="2")
    with pytest.raises(TypeError, match="stem_stfts must be a numpy array"):
        masks.ideal_binary_mask("stems")
    with pytest.raises(TypeError, match="masks must be a numpy array"):
        masks.apply_masks(S[0], None, 8000, n_fft=8, hop_length=2)
    with pytest.raises(ParameterError, match="mixture_stft must have shape"):
        masks.apply_masks(S[np.newaxis], np.ones((2, 2, 5, 7)), 8000, n_fft=8, hop_length=2)
    example = data.load_example("piano_notes")
    with pytest.raises(ValueError, match="kind must be"):
        masks.oracle_estimates(example, kind="wiener")
    with pytest.raises(TypeError, match="positional"):
        masks.oracle_estimates(example, "ibm")  # options are keyword-only
    with pytest.raises(TypeError, match="course_lib.data.Example"):
        masks.oracle_estimates(np.zeros(100))
