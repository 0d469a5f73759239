"""NMF basis clustering: valid partitions, seeds, the empty-cluster policy, separation of a
synthetic two-source mixture, the oracle, relabelling, and errors.

Shapes as in ``course_lib.clustering``: bases ``W (freq, rank)``, activations
``H (rank, frames)``, labels ``(rank,)``, stem STFTs ``(sources, freq, frames)``.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from course_lib import clustering, metrics, nmf, stft
from course_lib._validation import ParameterError

SR = 8000
N_FFT = 512  # 64 ms at 8 kHz
STFT = dict(n_fft=N_FFT, hop_length=N_FFT // 2, window="hamming")

#: Stated before measuring: on the synthetic mixture below, each method must improve the
#: BSS Eval SDR of *each* source by at least this many dB over the mixture itself (the
#: "no separation" estimate). Measured when the test was written: 34.5 and 36.7 dB, the
#: same for k-means, the second NMF and the oracle, which all found the same partition.
SDR_IMPROVEMENT_DB = 3.0


# ---------------------------------------------------------------------------
# test data
# ---------------------------------------------------------------------------


def _two_families(rng, per_family=6, freq=N_FFT // 2 + 1):
    """Dark bases (falling envelope) then bright ones (rising envelope), random fine structure."""
    f = np.linspace(0.0, 1.0, freq)[:, np.newaxis]
    dark = np.exp(-8 * f) * rng.uniform(size=(freq, per_family))
    bright = np.exp(-8 * (1 - f)) * rng.uniform(size=(freq, per_family))
    return np.hstack([dark, bright])


def _harmonic_notes(duration, f0s, note_length, envelope, rng, *, offset=0.0):
    """A melody of harmonic notes: f0 drawn from ``f0s``, harmonic h weighted envelope(h f0)."""
    y = np.zeros(int(duration * SR))
    t = np.arange(int(note_length * SR)) / SR
    amplitude = np.minimum(1.0, t / 0.01) * np.exp(-t / (0.6 * note_length))
    for start in np.arange(offset, duration - note_length + 1e-9, note_length):
        f0 = f0s[rng.integers(len(f0s))]
        harmonics = np.arange(1, int(SR / 2 / f0))
        phases = rng.uniform(0, 2 * np.pi, size=harmonics.size)
        note = (envelope(harmonics * f0)[:, np.newaxis]
                * np.sin(2 * np.pi * np.outer(harmonics * f0, t) + phases[:, np.newaxis])).sum(0)
        first = int(round(start * SR))
        y[first:first + t.size] += amplitude * note
    return y


@pytest.fixture(scope="module")
def duet():
    """Two harmonic sources with very different spectral envelopes, at 0 dB, 4 s at 8 kHz.

    A dark one (harmonics falling as 1 / h², notes of 110 to 196 Hz) and a bright one
    (harmonics under a formant at 2.5 kHz, notes of 330 to 523 Hz), each a melody of
    three pitches, overlapping in time.
    """
    rng = np.random.default_rng(0)
    dark = _harmonic_notes(4.0, [110.0, 147.0, 196.0], 0.5, lambda f: (f / 110.0) ** -2.0, rng)
    bright = _harmonic_notes(4.0, [330.0, 440.0, 523.0], 0.4,
                             lambda f: np.exp(-0.5 * ((f - 2500.0) / 500.0) ** 2), rng,
                             offset=0.2)
    references = 0.1 * np.stack([dark / np.std(dark), bright / np.std(bright)])
    mixture = references.sum(axis=0)
    X = stft.stft(mixture, SR, **STFT)
    stems = np.stack([stft.stft(r, SR, **STFT) for r in references])
    fit = nmf.nmf(np.abs(X), 8, beta="KL", n_iter=200, normalize="energy", random_state=0,
                  loss_every=0)
    baseline = metrics.bss_eval(references, np.stack([mixture, mixture]), SR)
    return dict(references=references, mixture=mixture, X=X, stems=stems, fit=fit,
                baseline=baseline)


def _separate(duet, labels):
    fit = duet["fit"]
    estimates = nmf.component_signals(duet["X"], fit.W, fit.H, SR, groups=labels,
                                      length=duet["mixture"].size, **STFT)
    perm = metrics.match_sources(duet["references"], estimates)
    return metrics.bss_eval(duet["references"], estimates[perm], SR), perm


# ---------------------------------------------------------------------------
# partitions, seeds, features
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("method", clustering.METHODS)
@pytest.mark.parametrize("n_sources", [2, 3, 5])
def test_labels_are_a_partition_with_every_source_used(rng, method, n_sources):
    W = rng.uniform(size=(N_FFT // 2 + 1, 12)) ** 3
    W_before = W.copy()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # random bases may need filling
        labels = clustering.cluster_bases(W, SR, N_FFT, n_sources, method=method,
                                          random_state=1)
    assert labels.shape == (12,)
    assert np.issubdtype(labels.dtype, np.integer)
    assert set(labels.tolist()) == set(range(n_sources))
    np.testing.assert_array_equal(W, W_before)


@pytest.mark.parametrize("method", clustering.METHODS)
def test_same_seed_same_labels(rng, method):
    W = _two_families(rng) + 0.05 * rng.uniform(size=(N_FFT // 2 + 1, 12))
    first = clustering.cluster_bases(W, SR, N_FFT, 2, method=method, random_state=7)
    again = clustering.cluster_bases(W, SR, N_FFT, 2, method=method, random_state=7)
    np.testing.assert_array_equal(first, again)
    from_generator = [clustering.cluster_bases(W, SR, N_FFT, 2, method=method,
                                               random_state=np.random.default_rng(3))
                      for _ in range(2)]
    np.testing.assert_array_equal(*from_generator)


@pytest.mark.parametrize("method", clustering.METHODS)
def test_two_families_of_bases_are_split(rng, method):
    W = _two_families(rng)
    labels = clustering.cluster_bases(W, SR, N_FFT, 2, method=method, random_state=0)
    assert len(set(labels[:6])) == 1 and len(set(labels[6:])) == 1 and labels[0] != labels[6]


def test_basis_features_are_the_features_pipeline(rng):
    from course_lib import features

    W = rng.uniform(size=(706, 25))
    feats = clustering.basis_features(W, 22050, 1411)
    fb = features.mel_filterbank(22050, 1411, 20, norm="area", snap_to_bins=True)
    np.testing.assert_allclose(feats.mel_basis, fb)
    np.testing.assert_allclose(feats.log_mel, features.log_mel(W**2, fb, amax=1e4))
    np.testing.assert_allclose(feats.mfcc, features.mfcc(feats.log_mel, n_mfcc=9))
    np.testing.assert_allclose(feats.standardized_mfcc.mean(axis=1), 0, atol=1e-12)
    np.testing.assert_allclose(feats.standardized_mfcc.std(axis=1), 1, rtol=1e-12)
    assert feats.center_frequencies.shape == (20,)
    assert feats.pca(n_components=2).shape == (2, 25)
    assert feats.rank == 25 and feats.n_mels == 20 and feats.n_mfcc == 9


def test_second_nmf_normalisation_options(rng):
    feats = clustering.basis_features(_two_families(rng), SR, N_FFT)
    unit = clustering.cluster_features(feats, 2, method="nmf", random_state=0)
    np.testing.assert_allclose(unit.second_nmf.W.sum(axis=0), 1.0, rtol=1e-9)
    assert unit.second_nmf.n_iter == 100 and unit.second_nmf.beta == 2.0
    np.testing.assert_array_equal(unit.labels, np.argmax(unit.affinities, axis=0))
    plain = clustering.cluster_features(feats, 2, method="nmf", random_state=0, normalize=None)
    assert not np.allclose(plain.second_nmf.W.sum(axis=0), 1.0)
    kmeans = clustering.cluster_features(feats, 2, method="kmeans", random_state=0)
    assert kmeans.centers.shape == (9, 2) and kmeans.second_nmf is None
    assert "kmeans" in repr(kmeans)


# ---------------------------------------------------------------------------
# empty clusters
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("method", clustering.METHODS)
def test_empty_cluster_is_filled_with_a_warning_or_raises(rng, method):
    # Identical bases: every feature is the same, so every basis lands in one cluster.
    W = np.repeat(rng.uniform(size=(N_FFT // 2 + 1, 1)), 6, axis=1)
    feats = clustering.basis_features(W, SR, N_FFT)
    with pytest.warns(UserWarning, match=r"came out empty .*on_empty='fill'"):
        result = clustering.cluster_features(feats, 3, method=method, random_state=0)
    assert set(result.labels.tolist()) == {0, 1, 2}
    assert len(result.filled) == 2 and np.all(result.sizes >= 1)
    with pytest.raises(ParameterError, match="came out empty"):
        clustering.cluster_features(feats, 3, method=method, random_state=0, on_empty="raise")


def test_filling_moves_the_basis_closest_to_the_empty_cluster():
    from course_lib.clustering import _fill_empty

    affinities = np.array([[5.0, 4.0, 9.0, 1.0],
                           [0.0, 3.5, 1.0, 0.0]])
    with pytest.warns(UserWarning):
        labels, filled = _fill_empty(np.zeros(4, dtype=int), affinities, on_empty="fill",
                                     method="test")
    np.testing.assert_array_equal(labels, [0, 1, 0, 0])  # basis 1 loses only 0.5
    assert filled == (1,)


# ---------------------------------------------------------------------------
# separation of a synthetic mixture
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("method", [*clustering.METHODS, "oracle"])
def test_both_methods_separate_two_sources_with_different_envelopes(duet, method):
    if method == "oracle":
        labels = clustering.oracle_labels(duet["fit"].W, duet["fit"].H, duet["stems"])
    else:
        labels = clustering.cluster_bases(duet["fit"].W, SR, N_FFT, 2, method=method,
                                          random_state=0)
    scores, _ = _separate(duet, labels)
    improvement = scores.sdr - duet["baseline"].sdr
    assert np.all(improvement >= SDR_IMPROVEMENT_DB), (method, improvement)


def test_oracle_recovers_planted_labels(rng):
    # Bases of two sources on disjoint frequency bands; each stem is its bases' model.
    freq, frames = 64, 50
    W = np.zeros((freq, 6))
    W[:32, :3] = rng.uniform(0.1, 1.0, size=(32, 3))
    W[32:, 3:] = rng.uniform(0.1, 1.0, size=(32, 3))
    H = rng.uniform(0.1, 1.0, size=(6, frames))
    order = [4, 0, 5, 1, 3, 2]  # shuffle the bases
    W, H = W[:, order], H[order]
    planted = np.array([1, 0, 1, 0, 1, 0])
    stems = np.stack([W[:, planted == j] @ H[planted == j] for j in (0, 1)])
    np.testing.assert_array_equal(clustering.oracle_labels(W, H, stems), planted)
    np.testing.assert_array_equal(clustering.oracle_labels(W, H, stems.astype(complex)), planted)
    multichannel = np.stack([stems, stems], axis=1)  # (sources, channels, freq, frames)
    np.testing.assert_array_equal(clustering.oracle_labels(W, H, multichannel), planted)


def test_relabel_follows_match_sources(duet):
    labels = clustering.cluster_bases(duet["fit"].W, SR, N_FFT, 2, method="nmf", random_state=0)
    _, perm = _separate(duet, labels)
    matched = clustering.relabel(labels, perm)
    oracle = clustering.oracle_labels(duet["fit"].W, duet["fit"].H, duet["stems"])
    np.testing.assert_array_equal(matched, oracle)  # this easy case is clustered perfectly
    np.testing.assert_array_equal(clustering.relabel([0, 0, 1, 0], [1, 0]), [1, 1, 0, 1])
    np.testing.assert_array_equal(clustering.relabel([2, 0, 1], [0, 1, 2]), [2, 0, 1])


# ---------------------------------------------------------------------------
# errors
# ---------------------------------------------------------------------------


def test_bad_input_raises_clearly(rng):
    W = rng.uniform(size=(N_FFT // 2 + 1, 10))
    with_nan = W.copy()
    with_nan[5, 2] = np.nan
    with pytest.raises(ParameterError, match="W contains NaN"):
        clustering.cluster_bases(with_nan, SR, N_FFT, 2)
    with pytest.raises(ParameterError, match="there are 1 bases but n_sources=2"):
        clustering.cluster_bases(W[:, :1], SR, N_FFT, 2)
    with pytest.raises(ParameterError, match="there are 3 bases but n_sources=4"):
        clustering.cluster_bases(W[:, :3], SR, N_FFT, 4, method="nmf")
    with pytest.raises(ParameterError, match="looks transposed: pass W.T"):
        clustering.cluster_bases(W.T, SR, N_FFT, 2)
    with pytest.raises(ParameterError, match="n_fft=1024 gives 513 frequency bins"):
        clustering.cluster_bases(W, SR, 1024, 2)
    with pytest.raises(ParameterError, match=r"shape \(freq, rank\)"):
        clustering.cluster_bases(W[:, 0], SR, N_FFT, 2)
    with pytest.raises(ParameterError, match="method has unknown"):
        clustering.cluster_bases(W, SR, N_FFT, 2, method="kmean")
    with pytest.raises(TypeError, match="method must be one of"):
        clustering.cluster_bases(W, SR, N_FFT, 2, method=None)
    with pytest.raises(ParameterError, match="random_state=-1"):
        clustering.cluster_bases(W, SR, N_FFT, 2, random_state=-1)
    with pytest.raises(ParameterError, match="n_sources=1"):
        clustering.cluster_bases(W, SR, N_FFT, 1)
    with pytest.raises(TypeError, match="n_sources must be an int"):
        clustering.cluster_bases(W, SR, N_FFT, 2.0)
    with pytest.raises(ParameterError, match="negative"):
        clustering.cluster_bases(-W, SR, N_FFT, 2)
    with pytest.raises(TypeError, match="complex"):
        clustering.cluster_bases(W + 0j, SR, N_FFT, 2)
    with pytest.raises(ParameterError, match="normalize has unknown"):
        clustering.cluster_bases(W, SR, N_FFT, 2, method="nmf", normalize="l2")
    with pytest.raises(ParameterError, match="on_empty has unknown"):
        clustering.cluster_bases(W, SR, N_FFT, 2, on_empty="ignore")
    with pytest.raises(ParameterError, match="n_init=0"):
        clustering.cluster_bases(W, SR, N_FFT, 2, n_init=0)
    with pytest.raises(TypeError, match="BasisFeatures"):
        clustering.cluster_features(W, 2)


def test_oracle_and_relabel_errors(rng):
    W, H = rng.uniform(size=(20, 4)), rng.uniform(size=(4, 30))
    stems = rng.uniform(size=(2, 20, 30))
    with pytest.raises(ParameterError, match="must have the shape"):
        clustering.oracle_labels(W, H, stems[:, :10])
    with pytest.raises(ParameterError, match="at least 2"):
        clustering.oracle_labels(W, H, stems[:1])
    with pytest.raises(ParameterError, match="there are 1 bases"):
        clustering.oracle_labels(W[:, :1], H[:1], stems)
    with pytest.raises(ParameterError, match="permutation"):
        clustering.relabel([0, 1], [0, 0])
    with pytest.raises(ParameterError, match="labels must lie in"):
        clustering.relabel([0, 2], [1, 0])
    with pytest.raises(TypeError, match="ints"):
        clustering.relabel([0.0, 1.0], [1, 0])
