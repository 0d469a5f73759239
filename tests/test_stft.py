"""Tests of course_lib.stft: frame parameters, STFT / ISTFT, axes, magphase, Griffin-Lim."""

from __future__ import annotations

import re

import librosa
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from course_lib._validation import ParameterError
from course_lib.stft import (
    frame_params,
    frequencies,
    griffin_lim,
    istft,
    magphase,
    stft,
    times,
)

SR = 22050

# (n_fft, hop_length, window) combinations whose squared windows overlap-add to
# a sum that is never zero (NOLA), so the inverse STFT is exact; odd sizes included.
INVERTIBLE = [
    *((n_fft, n_fft // 4, "hann") for n_fft in (255, 256, 511, 512, 1023, 1024, 1411)),
    (1411, 706, "hann"),  # the course default at 22 050 Hz, odd n_fft, hop ~ n_fft / 2
    (512, 256, "hann"),
    (511, 255, "hamming"),
    (1024, 512, "hamming"),
    (1411, 706, "hamming"),
    (512, 128, "blackman"),
    (1023, 255, "blackman"),
    (1024, 256, ("kaiser", 8.0)),
]

# librosa warns when a centred frame is longer than the whole signal; these
# tests use short signals on purpose.
short_signal_warning = pytest.mark.filterwarnings("ignore:n_fft=.* is too large:UserWarning")


def relative_error(estimate, reference):
    return np.linalg.norm(estimate - reference) / np.linalg.norm(reference)


def harmonic_tone(sr, seconds=1.0, f0=220.0, n_harmonics=6):
    t = np.arange(int(sr * seconds)) / sr
    return sum(np.sin(2 * np.pi * f0 * h * t) / h for h in range(1, n_harmonics + 1))


# ---------------------------------------------------------------------------
# frame parameters
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sr", "expected"),
    [(22050, (1411, 706)), (44100, (2822, 1411)), (16000, (1024, 512)), (8000, (512, 256))],
)
def test_frame_params_course_default(sr, expected):
    assert frame_params(sr) == expected


def test_frame_params_seconds_are_rounded_to_nearest_sample():
    # 0.064 * 22050 = 1411.2 -> 1411 and 0.032 * 22050 = 705.6 -> 706
    assert frame_params(22050, frame=0.064, hop=0.032) == (1411, 706)
    assert frame_params(16000, frame=0.025, hop=0.010) == (400, 160)


def test_frame_params_samples_take_precedence():
    assert frame_params(22050, frame=0.5, n_fft=1024) == (1024, 706)
    assert frame_params(22050, hop=0.001, hop_length=300) == (1411, 300)
    assert frame_params(22050, frame=0.5, hop=0.1, n_fft=2048, hop_length=512) == (2048, 512)
    # the values in seconds are not looked at when samples are given
    assert frame_params(22050, frame=-1.0, hop=0.0, n_fft=256, hop_length=64) == (256, 64)


def test_frame_params_returns_python_ints():
    n_fft, hop_length = frame_params(
        np.float64(22050.0), n_fft=np.int64(512), hop_length=np.int64(128)
    )
    assert (n_fft, hop_length) == (512, 128)
    assert type(n_fft) is int and type(hop_length) is int


def test_stft_seconds_and_samples_agree(rng):
    y = rng.standard_normal(5000)
    np.testing.assert_array_equal(stft(y, SR), stft(y, SR, n_fft=1411, hop_length=706))
    np.testing.assert_array_equal(
        stft(y, SR, frame=0.05, hop=0.0125), stft(y, SR, n_fft=1102, hop_length=276)
    )


# ---------------------------------------------------------------------------
# STFT against librosa, shapes and dtypes
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("n_fft", "hop_length", "window", "center"),
    [
        (1411, 706, "hann", True),
        (512, 128, "hamming", True),
        (511, 100, ("kaiser", 8.0), False),
        (256, 64, np.sqrt(np.hanning(256)), True),
    ],
)
def test_stft_equals_librosa(rng, n_fft, hop_length, window, center):
    y = rng.standard_normal(6000)
    expected = librosa.stft(y, n_fft=n_fft, hop_length=hop_length, window=window, center=center)
    got = stft(y, SR, n_fft=n_fft, hop_length=hop_length, window=window, center=center)
    np.testing.assert_array_equal(got, expected)


def test_stft_multichannel_equals_librosa(rng):
    y = rng.standard_normal((2, 6000)).astype(np.float32)
    expected = librosa.stft(y, n_fft=1411, hop_length=706)
    np.testing.assert_array_equal(stft(y, SR), expected)


@pytest.mark.parametrize(
    ("dtype", "complex_dtype"), [(np.float32, np.complex64), (np.float64, np.complex128)]
)
def test_shapes_and_dtypes(rng, dtype, complex_dtype):
    y = rng.standard_normal((2, SR)).astype(dtype)
    X = stft(y, SR)
    assert X.shape == (2, 1411 // 2 + 1, 1 + SR // 706)
    assert X.dtype == complex_dtype
    assert stft(y[0], SR).shape == X.shape[1:]
    back = istft(X, SR, length=SR)
    assert back.shape == y.shape
    assert back.dtype == dtype


def test_inputs_are_not_modified(rng):
    y = rng.standard_normal(4000)
    y_copy = y.copy()
    X = stft(y, SR)
    X_copy = X.copy()
    magnitude = np.abs(X)
    magnitude_copy = magnitude.copy()
    istft(X, SR, length=len(y))
    magphase(X)
    griffin_lim(magnitude, SR, n_iter=2, random_state=0)
    np.testing.assert_array_equal(y, y_copy)
    np.testing.assert_array_equal(X, X_copy)
    np.testing.assert_array_equal(magnitude, magnitude_copy)


# ---------------------------------------------------------------------------
# perfect reconstruction
# ---------------------------------------------------------------------------


@short_signal_warning
@settings(max_examples=40, deadline=None)
@given(
    n_samples=st.integers(min_value=1000, max_value=20000),
    params=st.sampled_from(INVERTIBLE),
    seed=st.integers(min_value=0, max_value=2**32 - 1),
)
def test_round_trip_is_perfect(n_samples, params, seed):
    n_fft, hop_length, window = params
    y = np.random.default_rng(seed).standard_normal(n_samples)
    X = stft(y, SR, n_fft=n_fft, hop_length=hop_length, window=window)
    back = istft(X, SR, n_fft=n_fft, hop_length=hop_length, window=window, length=n_samples)
    assert back.shape == y.shape
    assert relative_error(back, y) < 1e-6


@short_signal_warning
@settings(max_examples=15, deadline=None)
@given(
    n_samples=st.integers(min_value=1000, max_value=20000),
    seed=st.integers(min_value=0, max_value=2**32 - 1),
)
def test_round_trip_course_default_in_seconds(n_samples, seed):
    # 64 ms / 32 ms at 22 050 Hz is n_fft=1411 (odd), hop=706 (just over half):
    # librosa divides by the overlapped squared window, so the round trip is exact.
    y = np.random.default_rng(seed).standard_normal(n_samples)
    back = istft(stft(y, SR), SR, length=n_samples)
    assert relative_error(back, y) < 1e-6


@pytest.mark.parametrize(("n_fft", "hop_length", "window"), INVERTIBLE[::3])
def test_round_trip_multichannel(rng, n_fft, hop_length, window):
    y = rng.standard_normal((2, 9000))
    X = stft(y, SR, n_fft=n_fft, hop_length=hop_length, window=window)
    assert X.shape[:2] == (2, n_fft // 2 + 1)
    back = istft(X, SR, n_fft=n_fft, hop_length=hop_length, window=window, length=9000)
    assert back.shape == (2, 9000)
    assert relative_error(back, y) < 1e-6
    # each channel is transformed on its own
    np.testing.assert_allclose(
        back[1],
        istft(X[1], SR, n_fft=n_fft, hop_length=hop_length, window=window, length=9000),
    )


def test_round_trip_without_centering(rng):
    n_fft, hop_length = 512, 128
    y = rng.standard_normal(1 + 40 * hop_length + n_fft)
    X = stft(y, SR, n_fft=n_fft, hop_length=hop_length, center=False)
    back = istft(X, SR, n_fft=n_fft, hop_length=hop_length, center=False, length=len(y))
    # the first and last samples lie under a single window tail; compare the rest
    inner = slice(n_fft, len(y) - n_fft)
    assert relative_error(back[inner], y[inner]) < 1e-6


@pytest.mark.parametrize("length", [1, 500, 8000, 12345])
def test_istft_length_is_exact(rng, length):
    X = stft(rng.standard_normal(8000), SR)
    assert istft(X, SR, length=length).shape == (length,)
    assert istft(X[np.newaxis], SR, length=length).shape == (1, length)


def test_istft_accepts_a_real_spectrogram(rng):
    X = stft(rng.standard_normal(4000), SR)
    np.testing.assert_allclose(istft(X.real, SR), istft(X.real + 0j, SR))


# ---------------------------------------------------------------------------
# axes
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(("sr", "n_fft"), [(22050, 1411), (8000, 512), (44100, 4096), (16000, 7)])
def test_frequencies(sr, n_fft):
    got = frequencies(sr, n_fft=n_fft)
    k = np.arange(n_fft // 2 + 1)
    np.testing.assert_allclose(got, k * sr / n_fft, rtol=1e-12)
    np.testing.assert_allclose(got, librosa.fft_frequencies(sr=sr, n_fft=n_fft), rtol=1e-12)
    assert got[0] == 0.0
    assert got[-1] <= sr / 2


def test_frequencies_in_seconds():
    np.testing.assert_allclose(frequencies(SR), frequencies(SR, n_fft=1411))
    assert len(frequencies(SR)) == stft(np.zeros(SR), SR).shape[0]


@pytest.mark.parametrize(("sr", "hop_length"), [(22050, 706), (8000, 128), (44100, 1)])
def test_times(sr, hop_length):
    n_frames = 37
    got = times(n_frames, sr, hop_length=hop_length)
    m = np.arange(n_frames)
    np.testing.assert_allclose(got, m * hop_length / sr, rtol=1e-12)
    np.testing.assert_allclose(
        got, librosa.frames_to_time(m, sr=sr, hop_length=hop_length), rtol=1e-12
    )


def test_times_in_seconds_match_the_frames_of_stft():
    X = stft(np.zeros(SR), SR)
    axis = times(X.shape[-1], SR)
    assert axis.shape == (X.shape[-1],)
    np.testing.assert_allclose(axis, np.arange(X.shape[-1]) * 706 / SR)
    assert times(0, SR).shape == (0,)


def test_times_centre_of_a_click():
    # with center=True, frame m is centred on sample m * hop_length
    y = np.zeros(8000)
    y[3000] = 1.0
    X = stft(y, 8000, n_fft=256, hop_length=100, window="hann")
    loudest = int(np.argmax(np.sum(np.abs(X) ** 2, axis=0)))
    assert times(X.shape[-1], 8000, hop_length=100)[loudest] == pytest.approx(3000 / 8000)


# ---------------------------------------------------------------------------
# magphase
# ---------------------------------------------------------------------------


def test_magphase_recombines(rng):
    X = stft(rng.standard_normal((2, 5000)), SR)
    magnitude, phase = magphase(X)
    assert magnitude.shape == phase.shape == X.shape
    assert np.isrealobj(magnitude) and np.all(magnitude >= 0)
    np.testing.assert_allclose(magnitude * phase, X, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(np.abs(phase), 1.0, rtol=1e-12)
    np.testing.assert_allclose(magnitude, np.abs(X))


def test_magphase_zero_bins_have_phase_one():
    X = np.array([[0j, 2j], [-3.0 + 0j, 0j]])
    magnitude, phase = magphase(X)
    np.testing.assert_array_equal(magnitude, [[0.0, 2.0], [3.0, 0.0]])
    np.testing.assert_array_equal(phase, [[1.0, 1j], [-1.0, 1.0]])


def test_magphase_matches_librosa_and_keeps_precision(rng):
    X = stft(rng.standard_normal(3000).astype(np.float32), SR)
    magnitude, phase = magphase(X)
    expected_magnitude, expected_phase = librosa.magphase(X)
    np.testing.assert_array_equal(magnitude, expected_magnitude)
    np.testing.assert_array_equal(phase, expected_phase)
    assert magnitude.dtype == np.float32


# ---------------------------------------------------------------------------
# Griffin-Lim
# ---------------------------------------------------------------------------

GL_SR = 8000
GL_PARAMS = {"n_fft": 512, "hop_length": 128}


def spectral_convergence(y, magnitude):
    rebuilt = np.abs(stft(y, GL_SR, **GL_PARAMS))
    return np.linalg.norm(rebuilt - magnitude) / np.linalg.norm(magnitude)


def test_griffin_lim_is_deterministic_for_a_seed():
    magnitude = np.abs(stft(harmonic_tone(GL_SR, 0.5), GL_SR, **GL_PARAMS))
    first = griffin_lim(magnitude, GL_SR, n_iter=5, random_state=3, **GL_PARAMS)
    again = griffin_lim(magnitude, GL_SR, n_iter=5, random_state=3, **GL_PARAMS)
    from_generator = griffin_lim(
        magnitude, GL_SR, n_iter=5, random_state=np.random.default_rng(3), **GL_PARAMS
    )
    other = griffin_lim(magnitude, GL_SR, n_iter=5, random_state=4, **GL_PARAMS)
    np.testing.assert_array_equal(first, again)
    np.testing.assert_array_equal(first, from_generator)
    assert not np.allclose(first, other)


def test_griffin_lim_beats_random_phase():
    tone = harmonic_tone(GL_SR, 1.0)
    magnitude = np.abs(stft(tone, GL_SR, **GL_PARAMS))
    random_phase = np.exp(2j * np.pi * np.random.default_rng(0).random(magnitude.shape))
    baseline = istft(magnitude * random_phase, GL_SR, length=len(tone), **GL_PARAMS)
    estimate = griffin_lim(
        magnitude, GL_SR, n_iter=32, length=len(tone), random_state=0, **GL_PARAMS
    )
    assert estimate.shape == tone.shape
    baseline_error = spectral_convergence(baseline, magnitude)
    estimate_error = spectral_convergence(estimate, magnitude)
    assert estimate_error < 0.5 * baseline_error
    assert estimate_error < 0.15


def test_griffin_lim_multichannel_and_float32():
    tone = harmonic_tone(GL_SR, 0.5).astype(np.float32)
    magnitude = np.abs(stft(np.stack([tone, 0.5 * tone]), GL_SR, **GL_PARAMS))
    y = griffin_lim(magnitude, GL_SR, n_iter=4, length=len(tone), random_state=0, **GL_PARAMS)
    assert y.shape == (2, len(tone))
    assert y.dtype == np.float32


def test_griffin_lim_momentum_zero_is_plain_griffin_lim():
    magnitude = np.abs(stft(harmonic_tone(GL_SR, 0.5), GL_SR, **GL_PARAMS))
    ours = griffin_lim(magnitude, GL_SR, n_iter=3, momentum=0.0, random_state=1, **GL_PARAMS)
    theirs = librosa.griffinlim(
        magnitude, n_iter=3, momentum=0.0, random_state=np.random.default_rng(1), **GL_PARAMS
    )
    np.testing.assert_array_equal(ours, theirs)


# ---------------------------------------------------------------------------
# errors
# ---------------------------------------------------------------------------


def test_stft_rejects_non_finite_input(rng):
    y = rng.standard_normal(4000)
    y[10] = np.nan
    with pytest.raises(ParameterError, match=r"y contains 1 non-finite value"):
        stft(y, SR)


def test_stft_rejects_integer_input():
    with pytest.raises(TypeError, match=r"y has integer dtype int16; convert it to float"):
        stft(np.zeros(4000, dtype=np.int16), SR)


@pytest.mark.parametrize("shape", [(), (2, 2, 4000)])
def test_stft_rejects_wrong_ndim(shape):
    with pytest.raises(ParameterError, match=r"y must have shape \(samples,\) or"):
        stft(np.zeros(shape), SR)


def test_stft_rejects_uncentred_signal_shorter_than_a_frame():
    with pytest.raises(ParameterError, match=r"at least 1411 sample\(s\)"):
        stft(np.zeros(1000), SR, center=False)


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"hop": 0.0}, ParameterError, r"hop=0.0 s must be positive"),
        ({"hop": -0.01}, ParameterError, r"hop=-0.01 s must be positive"),
        ({"frame": 0.0}, ParameterError, r"frame=0.0 s must be positive"),
        ({"frame": float("nan")}, ParameterError, r"frame=nan s must be positive and finite"),
        ({"frame": "64ms"}, TypeError, r"frame must be a number"),
        ({"frame": 0.01, "hop": 0.02}, ParameterError, r"hop_length=441 samples\) is longer"),
        ({"n_fft": 256, "hop_length": 257}, ParameterError, r"longer than the frame \(n_fft=256"),
        ({"frame": 0.00001}, ParameterError, r"frame=1e-05 s .* at least 2 samples"),
        ({"hop": 0.00001}, ParameterError, r"hop=1e-05 s at sr=22050 Hz is less than one"),
        ({"n_fft": 1}, ParameterError, r"n_fft=1 must be at least 2"),
        ({"n_fft": 1024.0}, TypeError, r"n_fft must be an int number of sample"),
        ({"hop_length": 0}, ParameterError, r"hop_length=0 must be at least 1"),
        ({"hop_length": True}, TypeError, r"hop_length must be an int"),
    ],
)
def test_bad_frame_parameters(kwargs, error, message):
    with pytest.raises(error, match=message):
        frame_params(SR, **kwargs)
    with pytest.raises(error, match=message):
        stft(np.zeros(4000), SR, **kwargs)


@pytest.mark.parametrize(
    ("sr", "error"), [(0, ParameterError), (-8000, ParameterError), ("22050", TypeError)]
)
def test_bad_sample_rate(sr, error):
    with pytest.raises(error, match=r"sr"):
        stft(np.zeros(4000), sr)
    with pytest.raises(error, match=r"sr"):
        frequencies(sr)


@pytest.mark.parametrize(
    ("window", "message"),
    [
        ("hanning_x", r"window='hanning_x' is not a window librosa can build"),
        (("kaiser",), r"window=\('kaiser',\) is not a window"),
        (None, r"window=None is not a window"),
        (np.ones(100), r"array of length n_fft=1411"),
    ],
)
def test_bad_window(window, message):
    with pytest.raises(ParameterError, match=message):
        stft(np.zeros(4000), SR, window=window)
    X = np.zeros((706, 5), dtype=complex)
    with pytest.raises(ParameterError, match=message):
        istft(X, SR, window=window)


def test_istft_wrong_number_of_bins():
    X = stft(np.zeros(8000), SR, n_fft=1024, hop_length=256)
    expected = (
        "X has 513 frequency bins but n_fft=2048 expects 1025; pass the same frame/n_fft as to stft"
    )
    with pytest.raises(ParameterError, match=re.escape(expected)):
        istft(X, SR, n_fft=2048, hop_length=512)
    with pytest.raises(ParameterError, match=r"X has 513 frequency bins but n_fft=1411"):
        istft(X, SR)


@pytest.mark.parametrize("shape", [(513,), (1, 1, 513, 4)])
def test_istft_wrong_ndim(shape):
    with pytest.raises(ParameterError, match=r"X must have shape \(freq, frames\) or"):
        istft(np.zeros(shape, dtype=complex), SR, n_fft=1024)


def test_istft_rejects_non_finite_and_non_numeric():
    X = np.zeros((513, 4), dtype=complex)
    X[0, 0] = np.inf
    with pytest.raises(ParameterError, match=r"X contains 1 non-finite value"):
        istft(X, SR, n_fft=1024)
    with pytest.raises(TypeError, match=r"X has integer dtype"):
        istft(np.zeros((513, 4), dtype=int), SR, n_fft=1024)
    with pytest.raises(TypeError, match=r"X must be a numeric array"):
        istft(np.array([["a"]]), SR, n_fft=1024)
    with pytest.raises(ParameterError, match=r"X is empty"):
        istft(np.zeros((513, 0), dtype=complex), SR, n_fft=1024)


@pytest.mark.parametrize(
    ("length", "error", "message"),
    [
        (0, ParameterError, r"length=0 must be at least 1"),
        (-5, ParameterError, r"length=-5 must be at least 1"),
        (100.0, TypeError, r"length must be an int number of sample"),
        ("100", TypeError, r"length must be an int"),
    ],
)
def test_bad_length(length, error, message):
    X = np.zeros((706, 5), dtype=complex)
    with pytest.raises(error, match=message):
        istft(X, SR, length=length)
    with pytest.raises(error, match=message):
        griffin_lim(np.abs(X), SR, length=length)


def test_magphase_rejects_non_finite():
    with pytest.raises(ParameterError, match=r"X contains 1 non-finite value"):
        magphase(np.array([1 + 1j, np.nan]))
    with pytest.raises(TypeError, match=r"X must be a numpy array"):
        magphase(None)


@pytest.mark.parametrize(
    ("magnitude", "kwargs", "error", "message"),
    [
        (-np.ones((706, 4)), {}, ParameterError, r"magnitude must be non-negative"),
        (np.ones((706, 4), dtype=complex), {}, TypeError, r"take np.abs of the STFT"),
        (np.ones((513, 4)), {}, ParameterError, r"magnitude has 513 frequency bins"),
        (np.ones((706, 4)), {"n_iter": 0}, ParameterError, r"n_iter=0 must be at least 1"),
        (np.ones((706, 4)), {"n_iter": 2.0}, TypeError, r"n_iter must be an int"),
        (np.ones((706, 4)), {"momentum": -0.5}, ParameterError, r"momentum=-0.5 must be non"),
        (np.ones((706, 4)), {"random_state": "seed"}, TypeError, r"random_state must be None"),
    ],
)
def test_griffin_lim_errors(magnitude, kwargs, error, message):
    with pytest.raises(error, match=message):
        griffin_lim(magnitude, SR, **kwargs)
