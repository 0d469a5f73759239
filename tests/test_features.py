"""Mel filterbank, log-mel and MFCC: against librosa, against the blog's hand-written
filterbank, properties of the two normalisations, and errors.

Shapes as in ``course_lib.features``: filterbank ``(n_mels, 1 + n_fft // 2)``, log-mel
``(n_mels, frames)``, MFCC ``(n_mfcc, frames)``.
"""

from __future__ import annotations

import warnings

import librosa
import numpy as np
import pytest

from course_lib import features
from course_lib._validation import ParameterError

# ---------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------


def _random_settings(rng, count):
    """(sr, n_fft, n_mels, fmin, fmax) drawn at random; odd and even n_fft, fmax None or not."""
    settings = []
    for index in range(count):
        if index % 2:
            sr = int(rng.choice([8000, 11025, 16000, 22050, 44100, 48000]))
        else:
            sr = float(rng.uniform(4000, 50000))
        n_fft = int(rng.integers(16, 4097))
        if index % 3 == 0:
            n_fft |= 1  # odd
        n_mels = int(rng.integers(1, 129))
        fmax = float(rng.uniform(0.3, 1.0) * sr / 2) if rng.random() < 0.6 else None
        top = sr / 2 if fmax is None else fmax
        fmin = float(rng.uniform(0.0, 0.5) * top) if rng.random() < 0.6 else 0.0
        settings.append((sr, n_fft, n_mels, fmin, fmax))
    return settings


def _blog_filterbank(sr, n_fft, n_channels):
    """The keep learning blog's filterbank, transcribed as a test oracle: (channels, bins).

    Mel points ``m0 ln(1 + f / 700)`` equally spaced from 0 to the Nyquist frequency,
    centres rounded to bins, the last triangle ending at bin ``n_fft // 2 + 1``, each
    triangle scaled by ``2 / (stop - start)``.
    """
    m0 = 1000.0 / np.log(1.0 + 1000.0 / 700.0)
    bin_hz = sr / n_fft
    top_mel = m0 * np.log(1.0 + (sr / 2) / 700.0)
    centre_mels = np.arange(1, n_channels + 1) * top_mel / (n_channels + 1)
    centres = np.round(700.0 * (np.exp(centre_mels / m0) - 1.0) / bin_hz)
    n_bins = n_fft // 2 + 1
    starts = np.concatenate([[0.0], centres[:-1]])
    stops = np.concatenate([centres[1:], [float(n_bins)]])
    out = np.zeros((n_channels, n_bins))
    for c, (start, centre, stop) in enumerate(zip(starts, centres, stops, strict=True)):
        for x in range(int(start), int(centre)):
            out[c, x] = (x - start) / (centre - start)
        for x in range(int(centre), int(stop)):
            out[c, x] = 1.0 - (x - centre) / (stop - centre)
        out[c] *= 2.0 / (stop - start)
    return out


# ---------------------------------------------------------------------------
# mel scale
# ---------------------------------------------------------------------------


def test_mel_scale_matches_librosa_htk_and_inverts(rng):
    f = rng.uniform(0, 24000, size=200)
    np.testing.assert_allclose(features.hz_to_mel(f), librosa.hz_to_mel(f, htk=True), rtol=1e-12)
    np.testing.assert_allclose(features.mel_to_hz(features.hz_to_mel(f)), f, rtol=1e-12,
                               atol=1e-9)
    assert isinstance(features.hz_to_mel(440.0), float)


def test_mel_frequencies_match_librosa():
    np.testing.assert_allclose(features.mel_frequencies(30, fmin=50.0, fmax=8000.0),
                               librosa.mel_frequencies(30, fmin=50.0, fmax=8000.0, htk=True),
                               rtol=1e-12)


# ---------------------------------------------------------------------------
# mel filterbank
# ---------------------------------------------------------------------------


def test_filterbank_matches_librosa_on_random_settings(rng):
    for sr, n_fft, n_mels, fmin, fmax in _random_settings(rng, 150):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # empty channels: both warn
            ours = features.mel_filterbank(sr, n_fft, n_mels, fmin=fmin, fmax=fmax)
            theirs = librosa.filters.mel(sr=sr, n_fft=n_fft, n_mels=n_mels, fmin=fmin,
                                         fmax=fmax, htk=True, norm=None)
            theirs64 = librosa.filters.mel(sr=sr, n_fft=n_fft, n_mels=n_mels, fmin=fmin,
                                           fmax=fmax, htk=True, norm=None, dtype=np.float64)
        setting = dict(sr=sr, n_fft=n_fft, n_mels=n_mels, fmin=fmin, fmax=fmax)
        assert ours.shape == (n_mels, 1 + n_fft // 2), setting
        np.testing.assert_allclose(ours, theirs, atol=1e-6, rtol=0, err_msg=str(setting))
        np.testing.assert_allclose(ours, theirs64, atol=1e-10, rtol=0, err_msg=str(setting))


@pytest.mark.parametrize("n_fft", [1411, 1410, 512, 2048, 1023])
def test_filterbank_peaks_and_shapes(n_fft):
    fb = features.mel_filterbank(22050, n_fft, 20)
    assert fb.shape == (20, n_fft // 2 + 1)
    assert fb.dtype == np.float64
    assert np.all(fb >= 0) and np.all(fb <= 1)
    # each bin is covered by at most two neighbouring triangles whose weights sum to <= 1
    assert np.all(fb.sum(axis=0) <= 1 + 1e-12)
    assert np.all(np.argmax(fb, axis=1)[1:] > np.argmax(fb, axis=1)[:-1])


@pytest.mark.parametrize("snap", [False, True])
@pytest.mark.parametrize("n_fft", [1411, 1024, 511])
def test_area_norm_gives_unit_sum_over_bins(snap, n_fft):
    fb = features.mel_filterbank(22050, n_fft, 20, norm="area", snap_to_bins=snap)
    np.testing.assert_allclose(fb.sum(axis=1), 1.0, rtol=1e-12)
    plain = features.mel_filterbank(22050, n_fft, 20, snap_to_bins=snap)
    ratio = fb / np.where(plain > 0, plain, 1)
    for row, weights in zip(ratio, plain, strict=True):  # one factor per channel
        np.testing.assert_allclose(row[weights > 0], row[weights > 0][0], rtol=1e-12)


@pytest.mark.parametrize(
    ("sr", "n_fft", "n_mels"),
    [(22050, 1411, 20), (22050, 1024, 20), (22050, 2048, 20), (16000, 1024, 20),
     (44100, 2822, 26), (8000, 512, 20), (22050, 1413, 40)],
)
def test_snapped_area_filterbank_is_the_blogs(sr, n_fft, n_mels):
    ours = features.mel_filterbank(sr, n_fft, n_mels, norm="area", snap_to_bins=True)
    np.testing.assert_allclose(ours, _blog_filterbank(sr, n_fft, n_mels), atol=1e-12)


def test_snapped_corners_lie_on_bins():
    fb = features.mel_filterbank(22050, 1411, 20, snap_to_bins=True)
    peaks = np.argmax(fb, axis=1)
    assert np.all(fb[np.arange(20), peaks] == 1.0)  # every peak exactly on a bin
    # the rising edge of each channel ends where the next one starts (corners shared)
    for channel in range(19):
        assert np.flatnonzero(fb[channel + 1])[0] - 1 == peaks[channel]


def test_empty_channels_warn_and_stay_zero():
    with pytest.warns(UserWarning, match="empty"):
        fb = features.mel_filterbank(8000, 64, 40, norm="area")
    assert np.all(np.isfinite(fb))
    assert np.any(fb.sum(axis=1) == 0)


def test_filterbank_errors():
    with pytest.raises(ParameterError, match="fmax=5000.0 Hz is above the Nyquist"):
        features.mel_filterbank(8000, 512, fmax=5000.0)
    with pytest.raises(ParameterError, match="fmin=3000.0 Hz must be below fmax"):
        features.mel_filterbank(8000, 512, fmin=3000.0, fmax=2000.0)
    with pytest.raises(ParameterError, match="fmin=-1.0 Hz"):
        features.mel_filterbank(8000, 512, fmin=-1.0)
    with pytest.raises(ParameterError, match="n_mels=0"):
        features.mel_filterbank(8000, 512, 0)
    with pytest.raises(ParameterError, match="n_fft=1"):
        features.mel_filterbank(8000, 1)
    with pytest.raises(TypeError, match="n_fft must be an int"):
        features.mel_filterbank(8000, 512.0)
    with pytest.raises(ParameterError, match="norm has unknown"):
        features.mel_filterbank(8000, 512, norm="slaney")
    with pytest.raises(TypeError, match="norm must be None or 'area'"):
        features.mel_filterbank(8000, 512, norm=1)
    with pytest.raises(TypeError, match="snap_to_bins must be True or False"):
        features.mel_filterbank(8000, 512, snap_to_bins="yes")
    with pytest.raises(ParameterError, match="sr=0"):
        features.mel_filterbank(0, 512)


# ---------------------------------------------------------------------------
# log-mel and MFCC
# ---------------------------------------------------------------------------


def test_log_mel_is_the_compressed_mel_spectrum(rng):
    S = rng.uniform(size=(706, 25)) ** 4
    fb = features.mel_filterbank(22050, 1411, 20, norm="area", snap_to_bins=True)
    S_before = S.copy()
    L = features.log_mel(S, fb, amax=1e4)
    M = fb @ S
    np.testing.assert_allclose(L, np.log10(1 + 1e4 * M / M.max()), rtol=1e-12)
    assert L.shape == (20, 25)
    assert L.min() >= 0 and np.isclose(L.max(), np.log10(1 + 1e4))
    np.testing.assert_array_equal(S, S_before)
    # the overall level is normalised away
    np.testing.assert_allclose(features.log_mel(1e-6 * S, fb), L, rtol=1e-10)


def test_log_mel_errors(rng):
    fb = features.mel_filterbank(8000, 512, 10)
    with pytest.raises(ParameterError, match="S has 200 frequency bins"):
        features.log_mel(rng.uniform(size=(200, 5)), fb)
    with pytest.raises(ParameterError, match="transpose S"):
        features.log_mel(rng.uniform(size=(5, 257)), fb)
    with pytest.raises(ParameterError, match="non-negative"):
        features.log_mel(-rng.uniform(size=(257, 5)), fb)
    with pytest.raises(ParameterError, match="no energy"):
        features.log_mel(np.zeros((257, 5)), fb)
    with pytest.raises(ParameterError, match="amax=0"):
        features.log_mel(rng.uniform(size=(257, 5)), fb, amax=0)
    bad = rng.uniform(size=(257, 5))
    bad[3, 1] = np.nan
    with pytest.raises(ParameterError, match="non-finite"):
        features.log_mel(bad, fb)


def test_dct_basis_is_orthonormal_and_scipys():
    import scipy.fft

    for n in (1, 2, 7, 20):
        D = features.dct_basis(n)
        np.testing.assert_allclose(D @ D.T, np.eye(n), atol=1e-12)
        np.testing.assert_allclose(D, scipy.fft.dct(np.eye(n), type=2, norm="ortho", axis=0),
                                   atol=1e-12)
    assert features.dct_basis(20, n_mfcc=9).shape == (9, 20)


@pytest.mark.parametrize("n_mfcc", [1, 9, 13, 20])
def test_mfcc_matches_librosa_from_the_same_log_mel(rng, n_mfcc):
    S = rng.uniform(size=(706, 40)) ** 3
    fb = features.mel_filterbank(22050, 1411, 20, norm="area", snap_to_bins=True)
    L = features.log_mel(S, fb)
    ours = features.mfcc(L, n_mfcc=n_mfcc)
    theirs = librosa.feature.mfcc(S=L, n_mfcc=n_mfcc, dct_type=2, norm="ortho")
    assert ours.shape == (n_mfcc, 40)
    np.testing.assert_allclose(ours, theirs, atol=1e-10)
    np.testing.assert_allclose(features.mfcc(L[:, 3], n_mfcc=n_mfcc), theirs[:, 3], atol=1e-10)


def test_mfcc_errors(rng):
    with pytest.raises(ParameterError, match="n_mfcc=21 must be at most the number of mel"):
        features.mfcc(rng.uniform(size=(20, 3)), n_mfcc=21)
    with pytest.raises(TypeError, match="must be real"):
        features.mfcc(rng.uniform(size=(20, 3)) + 1j, n_mfcc=3)
    with pytest.raises(ParameterError, match="shape"):
        features.mfcc(rng.uniform(size=(20, 3, 2)), n_mfcc=3)
    with pytest.raises(TypeError, match="n_mfcc must be an int"):
        features.mfcc(rng.uniform(size=(20, 3)), n_mfcc=3.0)
