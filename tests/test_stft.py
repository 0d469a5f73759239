"""Tests of course_lib.stft: frame parameters, STFT / ISTFT, axes, magphase, Griffin-Lim."""

from __future__ import annotations

import re
import warnings

import librosa
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from course_lib._validation import ParameterError
from course_lib.stft import (
    _GRIFFINLIM_RNG,
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


@settings(max_examples=40, deadline=None)
@given(
    n_samples=st.integers(min_value=1411, max_value=20000),
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


@settings(max_examples=15, deadline=None)
@given(
    n_samples=st.integers(min_value=1411, max_value=20000),
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


@settings(max_examples=60, deadline=None)
@given(
    n_fft=st.integers(min_value=16, max_value=600),
    hop_fraction=st.floats(min_value=0.1, max_value=1.0),
    extra=st.integers(min_value=0, max_value=3000),
    center=st.booleans(),
)
def test_frame_count_and_default_length_are_as_documented(n_fft, hop_fraction, extra, center):
    # the module docstring's frame count and istft's default length, at odd and even n_fft
    hop_length = max(1, int(hop_fraction * n_fft))
    n_samples = n_fft + extra
    X = stft(
        np.ones(n_samples), SR, n_fft=n_fft, hop_length=hop_length, center=center, window="hamming"
    )
    if center:
        assert X.shape[-1] == 1 + (n_samples + 2 * (n_fft // 2) - n_fft) // hop_length
        assert X.shape[-1] == 1 + (n_samples - n_fft % 2) // hop_length
    else:
        assert X.shape[-1] == 1 + (n_samples - n_fft) // hop_length
    if center and X.shape[-1] == 1:
        return  # a single centred frame needs length= (tested below)
    y = istft(X, SR, n_fft=n_fft, hop_length=hop_length, center=center, window="hamming")
    expected = hop_length * (X.shape[-1] - 1) + (n_fft % 2 if center else n_fft)
    assert y.shape == (expected,)


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


def test_magphase_keeps_single_precision(rng):
    magnitude, phase = magphase(stft(rng.standard_normal(3000).astype(np.float32), SR))
    assert magnitude.dtype == np.float32 and phase.dtype == np.complex64


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
    with warnings.catch_warnings():
        # librosa 1.0 renamed griffinlim's random_state= to rng= and warns on the old name
        warnings.simplefilter("error")
        griffin_lim(magnitude, GL_SR, n_iter=1, random_state=3, **GL_PARAMS)
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
        magnitude,
        n_iter=3,
        momentum=0.0,
        **{_GRIFFINLIM_RNG: np.random.default_rng(1)},
        **GL_PARAMS,
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


@pytest.mark.parametrize("center", [True, False])
def test_stft_rejects_a_signal_shorter_than_a_frame(center):
    with pytest.raises(ParameterError, match=r"n_fft=1411 samples, 0.0639909 s\) is longer than"):
        stft(np.zeros(1000), SR, center=center)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (
            {"frame": 64},
            r"frame=64 s is longer than 4 s; frame is in seconds: did you mean frame=0.064\?",
        ),
        ({"frame": 64, "hop": 0.032}, r"did you mean frame=0.064\?"),
        ({"frame": 0.064, "hop": 32}, r"hop=32 s .* did you mean hop=0.032\?"),
        ({"frame": 1e5}, r"frame=100000.0 s is longer than 4 s; give the frame length in seconds"),
    ],
)
def test_a_frame_in_milliseconds_is_caught_before_any_work(kwargs, message):
    # frame=64 (meant as 64 ms) once took 25 s and 1.15 GB; frame=1e5 ran out of 24 GB.
    with pytest.raises(ParameterError, match=message):
        stft(np.zeros(2000), SR, **kwargs)


def test_a_frame_given_in_samples_longer_than_the_signal_says_so():
    with pytest.raises(
        ParameterError, match=r"n_fft=100000 samples.*longer than the signal \(2000"
    ):
        stft(np.zeros(2000), SR, n_fft=100_000, hop_length=50_000)


def test_results_too_large_to_allocate_raise_before_trying(monkeypatch):
    import course_lib._validation as validation

    monkeypatch.setattr(validation, "MAX_ARRAY_BYTES", 10 * 1024**2)  # 10 MiB
    y = np.zeros(SR)
    with pytest.raises(
        ParameterError,
        match=r"this STFT would need 0.337 GiB \(1025 x 22051 complex128\), more than the 0.00977",
    ):
        stft(y, SR, n_fft=2048, hop_length=1)
    X = stft(y, SR)
    with pytest.raises(ParameterError, match=r"resynthesised signal would need .*check length="):
        istft(X, SR, length=10**10)
    with pytest.raises(ParameterError, match=r"resynthesised signal would need"):
        griffin_lim(np.abs(X), SR, length=10**10)


@pytest.mark.parametrize("window", ["hann", "blackman"])
def test_resynthesis_rejects_a_hop_that_violates_nola(window):
    # Hann with hop = n_fft: every frame's first sample has weight 0 in all frames,
    # and librosa silently returned an error of up to 0.22 at those samples.
    X = stft(
        np.random.default_rng(0).standard_normal(8192), SR, n_fft=512, hop_length=512, window=window
    )
    with pytest.raises(ParameterError, match=r"violates the NOLA condition"):
        istft(X, SR, n_fft=512, hop_length=512, window=window)
    with pytest.raises(ParameterError, match=r"violates the NOLA condition"):
        griffin_lim(np.abs(X), SR, n_fft=512, hop_length=512, window=window)
    # Hamming has no zero: the same hop is invertible
    y = np.random.default_rng(1).standard_normal(8192)
    X = stft(y, SR, n_fft=512, hop_length=512, window="hamming")
    back = istft(X, SR, n_fft=512, hop_length=512, window="hamming", length=8192)
    assert relative_error(back, y) < 1e-6


def test_a_single_frame_needs_a_length():
    # librosa returned an empty signal (or 1 sample for an odd n_fft) here
    X = stft(np.random.default_rng(0).standard_normal(4000), SR)[:, :1]
    with pytest.raises(ParameterError, match=r"1 frame\(s\).*Pass length="):
        istft(X, SR)
    with pytest.raises(ParameterError, match=r"1 frame\(s\).*Pass length="):
        griffin_lim(np.abs(X), SR)
    assert istft(X, SR, length=706).shape == (706,)
    assert istft(stft(np.ones(4000), SR)[:, :2], SR).shape == (707,)  # hop * 1 + n_fft % 2


@pytest.mark.parametrize(
    ("window", "message"),
    [
        (np.zeros(1411), r"window array is all zeros"),
        (np.full(1411, np.nan), r"window array contains NaN"),
        (np.hanning(1411) + 0j, r"window must be a real array"),
        (np.ones((1411, 1)), r"window array has shape \(1411, 1\) but n_fft=1411"),
    ],
)
def test_unusable_window_arrays(window, message):
    with pytest.raises(ParameterError, match=message):
        stft(np.zeros(4000), SR, window=window)


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
        (np.ones(100), r"window array has shape \(100,\) but n_fft=1411"),
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


@pytest.mark.parametrize("center", ["no", 0, None])
def test_center_must_be_a_bool(center):
    # bool("no") is True: a string would silently do the opposite of what was meant
    with pytest.raises(TypeError, match=r"center must be True or False"):
        stft(np.zeros(4000), SR, center=center)
    with pytest.raises(TypeError, match=r"center must be True or False"):
        istft(np.zeros((706, 5), dtype=complex), SR, center=center)
