"""Oracle masks: their defining properties, conservativity, and the oracle on shipped audio."""

from __future__ import annotations

import numpy as np
import pytest

from course_lib import data, masks, stft


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


def test_ratio_mask_shares_silent_bins_equally():
    S = np.zeros((4, 3, 2))
    S[0, 0, 0] = 1.0
    mask = masks.ideal_ratio_mask(S)
    assert mask[0, 0, 0] == 1.0 and mask[1, 0, 0] == 0.0
    np.testing.assert_allclose(mask[:, 1:, :], 0.25)
    assert not np.any(np.isnan(mask))


@pytest.mark.parametrize("kind", ["irm", "ibm"])
def test_oracle_estimates_add_up_to_the_mixture(kind):
    example = data.load_example("piano_notes", dtype=np.float64)
    estimates = masks.oracle_estimates(example, kind)
    assert estimates.shape == (2, example.mixture.size)
    np.testing.assert_allclose(estimates.sum(axis=0), example.mixture, atol=1e-10)


def test_oracle_estimates_of_a_stereo_example_keep_their_channels():
    example = data.load_example("stereo_trio", dtype=np.float64)
    estimates = masks.oracle_estimates(example, "irm", power=2)
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
    with pytest.raises(ValueError, match="kind must be"):
        masks.oracle_estimates(data.load_example("piano_notes"), "wiener")
    with pytest.raises(TypeError, match="course_lib.data.Example"):
        masks.oracle_estimates(np.zeros(100))
