"""Tests of course_lib.audio: files, preparing signals, mixing and players.

What soundfile and librosa do on their own (codec precision, the resampler's pitch) is
their tests' business; these check what course_lib adds: layouts, defaults, contracts,
and the errors for bad input.
"""

from __future__ import annotations

import base64
import dataclasses
import io
import os
import re
import stat
import struct
import warnings

import numpy as np
import pytest
import soundfile as sf
from hypothesis import given, settings
from hypothesis import strategies as st

from course_lib import audio
from course_lib._validation import ParameterError
from course_lib.audio import (
    MAX_LEVEL_DB,
    AudioGroup,
    AudioLoadError,
    Mixture,
    Player,
    load,
    mix,
    normalize,
    play,
    play_group,
    resample,
    save,
    to_mono,
)

SR = 8000


def sine(frequency, n_samples, sr=SR, amplitude=0.5):
    return amplitude * np.sin(2 * np.pi * frequency * np.arange(n_samples) / sr)


def db(ratio):
    return 20 * np.log10(ratio)


def snr_db(target, interference):
    return 10 * np.log10(np.sum(target**2) / np.sum(interference**2))


# --- load and save ------------------------------------------------------------------------------


@pytest.mark.parametrize("shape", [(1000,), (2, 1000)], ids=["mono", "stereo"])
def test_float_wav_round_trip_is_exact(tmp_path, rng, shape):
    y = rng.uniform(-1.5, 1.5, size=shape).astype(np.float32)  # float WAV keeps values beyond 1
    path = save(tmp_path / "clip.wav", y, SR, subtype="FLOAT")
    loaded, sr = load(path, mono=False)
    assert sr == SR
    assert loaded.dtype == np.float32
    np.testing.assert_array_equal(loaded, np.atleast_2d(y))


@pytest.mark.parametrize("shape", [(1000,), (2, 1000)], ids=["mono", "stereo"])
@pytest.mark.parametrize("name", ["clip.flac", "clip.wav"])
def test_pcm24_round_trip_within_one_step(tmp_path, rng, shape, name):
    y = rng.uniform(-1, 1, size=shape)
    path = save(tmp_path / name, y, SR, subtype="PCM_24")
    loaded, _ = load(path, mono=False)
    assert loaded.shape == np.atleast_2d(y).shape
    np.testing.assert_allclose(loaded, np.atleast_2d(y), rtol=0, atol=2.0**-23)


def test_save_defaults_to_16_bit_pcm_and_accepts_full_scale(tmp_path):
    y = np.array([1.0, -1.0, 0.5, 0.0])
    for name in ("a.wav", "a.flac"):
        path = save(tmp_path / name, y, SR)
        assert sf.info(path).subtype == "PCM_16"
        loaded, _ = load(path)
        np.testing.assert_allclose(loaded, y, atol=2.0**-15)


@pytest.mark.parametrize(("name", "container", "subtype"),
                         [("a.wav", "WAV", "PCM_16"), ("a.FLAC", "FLAC", "PCM_16"),
                          ("a.ogg", "OGG", "VORBIS")])
def test_the_extension_chooses_the_format(tmp_path, name, container, subtype):
    path = save(tmp_path / name, sine(440, SR), SR)
    info = sf.info(path)
    assert (info.format, info.subtype, info.frames) == (container, subtype, SR)


def test_save_returns_the_path_and_leaves_y_untouched(tmp_path, rng):
    y = rng.uniform(-1, 1, size=(2, 100))
    before = y.copy()
    path = save(str(tmp_path / "clip.wav"), y, SR)
    assert path == tmp_path / "clip.wav"
    assert path.is_file()
    np.testing.assert_array_equal(y, before)


def test_load_reads_channels_in_order(tmp_path):
    left, right = np.full(100, 0.5), np.full(100, -0.25)
    path = tmp_path / "stereo.wav"
    sf.write(path, np.column_stack([left, right]), SR, subtype="FLOAT")  # soundfile layout
    y, _ = load(path, mono=False)
    assert y.shape == (2, 100)
    np.testing.assert_array_equal(y[0], left)
    np.testing.assert_array_equal(y[1], right)


def test_save_writes_channels_in_order(tmp_path):
    y = np.stack([np.full(100, 0.5), np.full(100, -0.25)])
    path = save(tmp_path / "stereo.wav", y, SR, subtype="FLOAT")
    data, _ = sf.read(path)  # (samples, channels)
    np.testing.assert_array_equal(data[:, 0], y[0])
    np.testing.assert_array_equal(data[:, 1], y[1])


def test_load_mono_is_the_channel_mean(tmp_audio, rng):
    y = rng.uniform(-1, 1, size=(2, 500)).astype(np.float32)
    path = tmp_audio(y, SR)
    mono, _ = load(path)
    assert mono.shape == (500,)
    assert mono.dtype == np.float32
    np.testing.assert_allclose(mono, y.mean(axis=0), rtol=0, atol=1e-7)


def test_load_mono_false_gives_one_row_for_a_mono_file(tmp_audio):
    y, _ = load(tmp_audio(np.zeros(100, np.float32), SR), mono=False)
    assert y.shape == (1, 100)


def test_load_accepts_str_and_path(tmp_audio):
    path = tmp_audio(np.full(50, 0.25), SR)
    from_path, _ = load(path)
    from_str, _ = load(str(path))
    np.testing.assert_array_equal(from_path, from_str)


@pytest.mark.parametrize("n_samples", [44100, 44101])
def test_load_resamples_to_the_documented_length(tmp_audio, n_samples):
    path = tmp_audio(sine(1000, n_samples, sr=44100), 44100)
    y, sr = load(path, sr=16000)
    assert sr == 16000
    assert y.dtype == np.float32
    assert len(y) == int(np.ceil(n_samples * 16000 / 44100))


def test_load_at_the_file_rate_does_not_resample(tmp_audio, rng):
    y = rng.uniform(-1, 1, size=300).astype(np.float32)
    loaded, sr = load(tmp_audio(y, SR), sr=SR)
    assert sr == SR
    np.testing.assert_array_equal(loaded, y)


# --- load and save: errors ----------------------------------------------------------------------


def test_load_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"No audio file at .*nothing\.wav.*Check the path"):
        load(tmp_path / "nothing.wav")


def test_load_directory(tmp_path, tmp_audio):
    tmp_audio(np.zeros(10), SR, name="inside.wav")
    with pytest.raises(IsADirectoryError, match=r"is a directory.*inside\.wav"):
        load(tmp_path)


def test_load_empty_file(tmp_path):
    path = tmp_path / "empty.wav"
    path.write_bytes(b"")
    with pytest.raises(AudioLoadError, match=r"empty file \(0 bytes\)"):
        load(path)


def test_load_corrupt_file_wraps_the_soundfile_error(tmp_path):
    path = tmp_path / "corrupt.wav"
    path.write_bytes(b"this is not a RIFF header" * 10)
    with pytest.raises(AudioLoadError, match=r"corrupt or is not really WAV audio") as info:
        load(path)
    assert isinstance(info.value.__cause__, sf.SoundFileError)
    assert isinstance(info.value, ValueError)


def test_load_unsupported_format_lists_readable_formats(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("hello")
    with pytest.raises(AudioLoadError, match=r"\.txt is not an audio format.*FLAC.*WAV"):
        load(path)


def test_load_file_without_samples(tmp_path):
    path = tmp_path / "silence.wav"
    sf.write(path, np.zeros((0, 1)), SR)
    with pytest.raises(AudioLoadError, match="holds no samples"):
        load(path)


@pytest.mark.parametrize("path", [None, 123, b"clip.wav", ["clip.wav"]])
def test_load_rejects_non_path(path):
    with pytest.raises(TypeError, match="path must be a str or pathlib.Path"):
        load(path)


def test_load_rejects_bad_arguments(tmp_audio):
    path = tmp_audio(np.zeros(10), SR)
    with pytest.raises(TypeError, match="mono must be True or False"):
        load(path, mono="yes")
    with pytest.raises(ParameterError, match="sr=0 Hz must be a positive"):
        load(path, sr=0)
    with pytest.raises(TypeError, match="sr must be a number"):
        load(path, sr="22050")
    with pytest.raises(TypeError, match="positional"):
        load(path, 22050)


@pytest.mark.parametrize(
    ("name", "subtype"),
    [("loud.wav", None), ("loud.wav", "PCM_24"), ("loud.flac", None), ("loud.ogg", None)],
)
def test_save_refuses_to_clip(tmp_path, name, subtype):
    y = np.array([0.5, 1.5, -0.2])
    with pytest.raises(ParameterError, match=r"peaks at 1\.5 .*would clip.*normalize\(y\)"):
        save(tmp_path / name, y, SR, subtype=subtype)
    assert not (tmp_path / name).exists()


def test_save_unsupported_extension(tmp_path):
    for name in ("clip.mp3", "clip.txt", "clip"):
        with pytest.raises(ParameterError, match=r"extension must be one of \.wav, \.flac, \.ogg"):
            save(tmp_path / name, np.zeros(10), SR)


def test_save_missing_folder_is_not_created(tmp_path):
    folder = tmp_path / "missing"
    with pytest.raises(FileNotFoundError, match=r"folder .*missing.* does not exist.*mkdir"):
        save(folder / "clip.wav", np.zeros(10), SR)
    assert not folder.exists()


def test_save_rejects_bad_arguments(tmp_path):
    path = tmp_path / "clip.wav"
    y = np.zeros(10)
    with pytest.raises(ParameterError, match=r"subtype='PCM_99' cannot be used for WAV"):
        save(path, y, SR, subtype="pcm_99")
    with pytest.raises(ParameterError, match=r"subtype='FLOAT' cannot be used for FLAC"):
        save(tmp_path / "clip.flac", y, SR, subtype="FLOAT")
    with pytest.raises(TypeError, match="subtype must be a str"):
        save(path, y, SR, subtype=16)
    with pytest.raises(ParameterError, match="whole number of Hz"):
        save(path, y, 22050.5)
    with pytest.raises(ParameterError, match="sr=-1 Hz must be a positive"):
        save(path, y, -1)
    with pytest.raises(TypeError, match="sr must be a number"):
        save(path, y, "22050")
    with pytest.raises(TypeError, match="integer dtype"):
        save(path, np.zeros(10, dtype=np.int16), SR)
    with pytest.raises(ParameterError, match="non-finite"):
        save(path, np.array([0.0, np.nan]), SR)
    with pytest.raises(TypeError, match="path must be a str"):
        save(42, y, SR)
    assert not path.exists()


# --- to_mono and resample -----------------------------------------------------------------------


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_to_mono_is_the_channel_mean(rng, dtype):
    y = rng.standard_normal((3, 200)).astype(dtype)
    before = y.copy()
    mono = to_mono(y)
    assert mono.dtype == dtype
    np.testing.assert_allclose(mono, y.mean(axis=0))
    np.testing.assert_array_equal(y, before)


def test_to_mono_passes_mono_through(rng):
    y = rng.standard_normal(200)
    assert to_mono(y) is y


@pytest.mark.parametrize(
    ("y", "error", "message"),
    [
        (np.zeros(10, dtype=np.int32), TypeError, "integer dtype"),
        (np.zeros(10, dtype=complex), TypeError, "complex"),
        (np.array([0.0, np.nan]), ParameterError, "non-finite"),
        (np.zeros((200, 2)), ParameterError, "transpose"),
        (np.zeros((2, 2, 10)), ParameterError, "shape"),
        ("clip.wav", TypeError, "numpy array"),
    ],
)
def test_to_mono_rejects_bad_input(y, error, message):
    with pytest.raises(error, match=message):
        to_mono(y)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_resample_keeps_the_dtype_and_gives_the_documented_length(dtype):
    y = sine(1000, 44101, sr=44100).astype(dtype)
    out = resample(y, 44100, target_sr=22050)
    assert out.dtype == dtype
    assert out.shape == (int(np.ceil(44101 * 22050 / 44100)),)


def test_resample_multichannel_matches_each_channel(rng):
    y = rng.standard_normal((2, 1000))
    out = resample(y, SR, target_sr=11025)
    assert out.shape == (2, int(np.ceil(1000 * 11025 / SR)))
    for channel in range(2):
        np.testing.assert_allclose(out[channel], resample(y[channel], SR, target_sr=11025))


def test_resample_same_rate_returns_a_copy(rng):
    y = rng.standard_normal(100)
    out = resample(y, SR, target_sr=SR)
    np.testing.assert_array_equal(out, y)
    assert out is not y


@pytest.mark.parametrize(
    ("sr", "target_sr", "error", "message"),
    [
        (0, SR, ParameterError, "sr=0 Hz must be a positive"),
        (SR, -16000, ParameterError, "target_sr=-16000 Hz must be a positive"),
        (SR, "16000", TypeError, "target_sr must be a number"),
        (np.inf, SR, ParameterError, "sr=inf Hz"),
    ],
)
def test_resample_rejects_bad_rates(sr, target_sr, error, message):
    with pytest.raises(error, match=message):
        resample(np.zeros(100), sr, target_sr=target_sr)


# --- normalize ----------------------------------------------------------------------------------


def test_normalize_default_levels(rng):
    # any explicit target_db is test_normalize_property's; here the two defaults
    y = 0.3 * rng.standard_normal((2, 1000))
    assert abs(db(np.max(np.abs(normalize(y)))) - (-1.0)) < 1e-9
    assert abs(db(np.sqrt(np.mean(normalize(y, mode="rms") ** 2))) - (-20.0)) < 1e-9


def test_normalize_keeps_float32_and_leaves_y_untouched(rng):
    y = rng.standard_normal(1000).astype(np.float32)
    before = y.copy()
    out = normalize(y, target_db=-3.0)
    assert out.dtype == np.float32
    assert abs(db(np.max(np.abs(out))) - (-3.0)) < 1e-5
    np.testing.assert_array_equal(y, before)


@pytest.mark.parametrize("mode", ["peak", "rms"])
def test_normalize_uses_one_gain_for_all_channels(mode):
    y = np.stack([sine(440, 1000, amplitude=0.8), sine(440, 1000, amplitude=0.2)])
    out = normalize(y, mode=mode, target_db=-6.0)
    gains = out[:, 10] / y[:, 10]
    np.testing.assert_allclose(out, gains[0] * y, rtol=1e-12)
    assert abs(db(np.max(np.abs(out[1])) / np.max(np.abs(out[0]))) - db(0.25)) < 1e-9


def test_normalize_rejects_bad_input():
    with pytest.raises(ParameterError, match="cannot normalise y .* silent"):
        normalize(np.zeros(100))
    with pytest.raises(ParameterError, match="silent"):
        normalize(np.zeros((2, 100)), mode="rms")
    with pytest.raises(ParameterError, match="mode must be 'peak' or 'rms', got 'loudness'"):
        normalize(np.ones(10), mode="loudness")
    with pytest.raises(ParameterError, match="target_db=nan dBFS must be a finite"):
        normalize(np.ones(10), target_db=np.nan)
    with pytest.raises(TypeError, match="target_db must be a number"):
        normalize(np.ones(10), target_db="-1")
    with pytest.raises(TypeError, match="integer dtype"):
        normalize(np.ones(10, dtype=int))
    with pytest.raises(TypeError, match="complex"):
        normalize(np.ones(10, dtype=np.complex64))
    with pytest.raises(ParameterError, match="non-finite"):
        normalize(np.array([1.0, np.inf]))


@settings(max_examples=50, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    scale=st.floats(1e-4, 1e4),
    target_db=st.floats(-60, 6),
    mode=st.sampled_from(["peak", "rms"]),
)
def test_normalize_property(seed, scale, target_db, mode):
    y = scale * np.random.default_rng(seed).standard_normal((2, 64))
    out = normalize(y, mode=mode, target_db=target_db)
    level = np.max(np.abs(out)) if mode == "peak" else np.sqrt(np.mean(out**2))
    assert abs(db(level) - target_db) < 1e-6


# --- mix ----------------------------------------------------------------------------------------


def test_mix_returns_the_exact_sources(rng):
    target, interference = rng.standard_normal((2, 500))
    target_before, interference_before = target.copy(), interference.copy()
    result = mix(target, interference, snr_db=5.0, return_sources=True)
    assert isinstance(result, Mixture)
    assert result.snr_db == 5.0
    np.testing.assert_array_equal(result.sources(), [result.target, result.interference])
    np.testing.assert_array_equal(result.mixture, result.target + result.interference)
    np.testing.assert_array_equal(result.target, target)
    assert result.target is not target
    ratio = result.interference / interference
    np.testing.assert_allclose(ratio, ratio[0], rtol=1e-12)
    np.testing.assert_array_equal(mix(target, interference, snr_db=5.0), result.mixture)
    np.testing.assert_array_equal(target, target_before)
    np.testing.assert_array_equal(interference, interference_before)


def test_mix_keeps_float32(rng):
    target, interference = rng.standard_normal((2, 500)).astype(np.float32)
    result = mix(target, interference, snr_db=0.0, return_sources=True)
    assert all(array.dtype == np.float32
               for array in (result.mixture, result.target, result.interference))
    assert abs(snr_db(result.target, result.interference)) < 1e-4


def test_mix_rejects_bad_input(rng):
    target = rng.standard_normal(100)
    with pytest.raises(ParameterError, match=r"shape \(100,\) but interference has shape \(90,\)"):
        mix(target, target[:90], snr_db=0.0)
    with pytest.raises(ParameterError, match=r"\(2, 100\).*\(100,\).*Trim"):
        mix(np.stack([target, target]), target, snr_db=0.0)
    with pytest.raises(ParameterError, match="target is silent"):
        mix(np.zeros(100), target, snr_db=0.0)
    with pytest.raises(ParameterError, match="interference is silent"):
        mix(target, np.zeros(100), snr_db=0.0)
    for bad in (np.nan, np.inf, -np.inf):
        with pytest.raises(ParameterError, match="snr_db=.* dB must be a finite number"):
            mix(target, target, snr_db=bad)
    with pytest.raises(TypeError, match="snr_db must be a number"):
        mix(target, target, snr_db="10")
    with pytest.raises(TypeError, match="positional"):
        mix(target, target, 10.0)
    with pytest.raises(TypeError, match="interference has integer dtype"):
        mix(target, np.ones(100, dtype=int), snr_db=0.0)
    with pytest.raises(ParameterError, match="target contains 1 non-finite"):
        mix(np.where(np.arange(100) == 3, np.nan, target), target, snr_db=0.0)
    with pytest.raises(TypeError, match="complex"):
        mix(target.astype(complex), target, snr_db=0.0)


@settings(max_examples=100, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    n_samples=st.integers(1, 300),
    channels=st.sampled_from([None, 1, 2]),
    target_scale=st.floats(1e-3, 1e3),
    interference_scale=st.floats(1e-3, 1e3),
    snr=st.floats(-60, 60),
)
def test_mix_snr_property(seed, n_samples, channels, target_scale, interference_scale, snr):
    shape = (n_samples,) if channels is None else (channels, max(n_samples, channels))
    random = np.random.default_rng(seed)
    target = target_scale * random.standard_normal(shape)
    interference = interference_scale * random.standard_normal(shape)
    result = mix(target, interference, snr_db=snr, return_sources=True)
    assert abs(snr_db(result.target, result.interference) - snr) < 1e-9
    np.testing.assert_array_equal(result.mixture, result.target + result.interference)
    np.testing.assert_array_equal(result.target, target)


# --- play ---------------------------------------------------------------------------------------

FLAC_SOURCE = re.compile(
    r'<audio controls[^>]*><source src="data:audio/flac;base64,([A-Za-z0-9+/=]+)" '
    r'type="audio/flac">'
)


def embedded(html_text):
    """The FLAC files the data URIs of a page embed, in order."""
    return [base64.b64decode(payload, validate=True) for payload in FLAC_SOURCE.findall(html_text)]


def decode(player):
    """The int16 samples a player's HTML embeds, as (channels, samples), read with soundfile."""
    (flac,) = embedded(player._repr_html_())
    assert flac == player.data
    info = sf.info(io.BytesIO(flac))
    assert (info.format, info.subtype) == ("FLAC", "PCM_16")
    assert (info.samplerate, info.channels, info.frames) == (player.sr, player.channels,
                                                             player.frames)
    samples, sr = sf.read(io.BytesIO(flac), dtype="int16", always_2d=True)
    assert sr == player.sr
    return samples.T


def pcm16(y, *, normalize):
    """The 16-bit quantisation a player must hold: round(32767 * y / peak), as (channels, n)."""
    y = np.atleast_2d(np.asarray(y, dtype=np.float64))
    if normalize and np.any(y):
        y = y / np.max(np.abs(y))
    return np.round(y * 32767).astype(np.int16)


@pytest.mark.parametrize("channels", [None, 2, 8], ids=["mono", "stereo", "eight"])
def test_play_embeds_flac_that_decodes_to_the_exact_16_bit_samples(rng, channels):
    shape = (1001,) if channels is None else (channels, 1001)
    y = rng.uniform(-0.7, 0.7, size=shape)
    player = play(y, SR)
    assert isinstance(player, Player)
    assert player.mimetype == "audio/flac"
    assert (player.sr, player.channels, player.frames) == (SR, channels or 1, 1001)
    assert player.data[:4] == b"fLaC"
    page = player._repr_html_()
    assert page.count("<audio controls") == 1 and page.count("</audio>") == 1
    assert "audio/wav" not in page
    decoded = decode(player)
    expected = pcm16(y, normalize=True)
    np.testing.assert_array_equal(decoded, expected)
    assert np.max(np.abs(decoded)) == 32767  # normalised to full scale


def test_play_rounds_to_the_nearest_16_bit_step():
    # k / 32767 + 0.4 step rounds down, + 0.6 step rounds up (IPython truncated toward zero)
    steps = np.array([1.0, 100.4, 100.6, -100.4, -100.6, 0.3, -0.3, -32767.0])
    decoded = decode(play(steps / 32767, SR, normalize=False))
    np.testing.assert_array_equal(decoded[0], [1, 100, 101, -100, -101, 0, 0, -32767])


def test_play_float32_input_is_quantised_from_its_own_values(rng):
    y = rng.uniform(-1, 1, 500).astype(np.float32)
    np.testing.assert_array_equal(decode(play(y, SR)), pcm16(y, normalize=True))
    np.testing.assert_array_equal(decode(play(y, SR, normalize=False)), pcm16(y, normalize=False))


def test_play_without_normalising_keeps_the_level():
    y = np.stack([sine(440, 800, amplitude=0.5), sine(440, 800, amplitude=0.125)])
    decoded = decode(play(y, SR, normalize=False))
    np.testing.assert_array_equal(decoded, pcm16(y, normalize=False))
    assert np.max(np.abs(decoded[0])) == round(0.5 * 32767)
    assert np.max(np.abs(decoded[1])) == round(0.125 * 32767)
    # normalising scales both channels by one gain, the peak of the whole clip
    normalised = decode(play(y, SR))
    assert np.max(np.abs(normalised[0])) == 32767
    assert np.max(np.abs(normalised[1])) == round(0.25 * 32767)


def test_play_silence_plays_silence_without_warning():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        decoded = decode(play(np.zeros(100), SR))
    np.testing.assert_array_equal(decoded, np.zeros((1, 100), dtype=np.int16))


def test_play_leaves_y_untouched(rng):
    y = 3.0 * rng.standard_normal(100)
    before = y.copy()
    play(y, SR)
    np.testing.assert_array_equal(y, before)


def test_play_rounds_a_fractional_rate_and_takes_the_extremes_of_flac():
    assert play(np.ones(10), 22050.4).sr == 22050
    assert play(np.ones(10), 8000.0).sr == 8000
    assert decode(play(np.ones(10), 1)).shape == (1, 10)
    assert play(np.ones(10), 655_350).sr == 655_350


def test_a_flac_player_is_smaller_than_the_wav_it_replaces():
    y = sine(440, 8 * SR)  # 8 s of a tone; IPython's WAV: a 44-byte header + 2 bytes a sample
    wav_bytes = 44 + 2 * y.size
    player = play(y, SR)
    assert len(player.data) < wav_bytes / 2
    assert len(player._repr_html_()) < 4 / 3 * wav_bytes / 2 + 200  # base64 costs 4/3


def test_player_repr_says_what_it_holds():
    assert repr(play(np.zeros((2, 16000)), 16000)).startswith(
        "Player(2 channels, 1 s at 16000 Hz; 16-bit FLAC, "
    )
    assert "mono, 0.5 s at 8000 Hz" in repr(play(np.zeros(4000), SR))


@pytest.mark.parametrize(
    ("y", "sr", "kwargs", "error", "message"),
    [
        (np.array([0.5, 1.5]), SR, {"normalize": False}, ParameterError, r"peaks at 1\.5.*group"),
        (np.zeros(10), 0, {}, ParameterError, "sr=0 Hz must be a positive"),
        (np.zeros(10), -8000, {}, ParameterError, "sr=-8000 Hz must be a positive"),
        (np.zeros(10), "8000", {}, TypeError, "sr must be a number"),
        (np.array([0.1, np.nan]), SR, {}, ParameterError, "non-finite"),
        (np.zeros(10, dtype=np.int16), SR, {}, TypeError, "integer dtype"),
        (np.zeros(10, dtype=complex), SR, {}, TypeError, "complex"),
        (np.zeros((10, 2)), SR, {}, ParameterError, "transpose"),
        (np.zeros((9, 100)), SR, {}, ParameterError,
         r"y has 9 channels, but an inline player embeds FLAC, which holds at most 8.*y\[:2\]"),
        (np.zeros(10), 655_351, {}, ParameterError,
         r"sr=655351 Hz is above 655350 Hz, the highest rate of FLAC.*resample"),
        (np.zeros(10), 0.4, {}, ParameterError, r"sr=0\.4 Hz rounds to 0 Hz"),
    ],
)
def test_play_rejects_bad_input(y, sr, kwargs, error, message):
    with pytest.raises(error, match=message):
        play(y, sr, **kwargs)


# --- play_group ---------------------------------------------------------------------------------


def test_play_group_keeps_relative_levels(rng):
    loud = sine(440, 800, amplitude=2.0)
    clips = {"loud": loud, "half": loud / 2, "noise": 0.1 * rng.standard_normal(600)}
    before = {label: clip.copy() for label, clip in clips.items()}
    group = play_group(clips, SR, peak_db=-1.0)

    assert isinstance(group, AudioGroup)
    assert group.labels == ("loud", "half", "noise")
    assert abs(db(np.max(np.abs(group.clips[0]))) - (-1.0)) < 1e-9
    for clip, original in zip(group.clips, clips.values(), strict=True):
        np.testing.assert_allclose(clip, group.gain * original, rtol=1e-12)
    # The players hold the scaled clips, not normalised one by one: 16-bit PCM of gain * clip.
    for player, original in zip(group.players, clips.values(), strict=True):
        assert isinstance(player, Player)
        np.testing.assert_array_equal(decode(player), pcm16(group.gain * original, normalize=False))
    peaks = [int(np.max(np.abs(decode(player)))) for player in group.players]
    assert peaks[0] == round(32767 * 10 ** (-1 / 20))
    assert abs(peaks[1] / peaks[0] - 0.5) < 1e-4
    for label, clip in clips.items():
        np.testing.assert_array_equal(clip, before[label])


def test_play_group_default_peak_is_just_below_full_scale(rng):
    group = play_group([rng.standard_normal(100), 5 * rng.standard_normal(100)], SR)
    assert group.labels == ("clip 1", "clip 2")
    loudest = max(np.max(np.abs(clip)) for clip in group.clips)
    assert abs(loudest - 10 ** (-0.1 / 20)) < 1e-12
    assert 0.98 < loudest < 1.0


def test_play_group_full_scale_peak_does_not_overflow(rng):
    group = play_group([rng.uniform(-3, 3, 1000)], SR, peak_db=0.0)
    assert np.max(np.abs(group.clips[0])) <= 1.0
    assert np.max(np.abs(decode(group.players[0]))) == 32767


def test_play_group_html_has_one_player_per_clip_and_escaped_labels():
    clips = [sine(440, 800), np.zeros(400), np.stack([sine(220, 600), sine(330, 600)])]
    group = play_group(clips, SR, labels=["mixture", "silent <estimate>", "stereo & co"])
    page = group._repr_html_()
    assert page.count("<audio") == 3
    assert len(group) == 3
    assert "mixture" in page
    assert "silent &lt;estimate&gt;" in page
    assert "stereo &amp; co" in page
    assert "display:flex" in page
    assert "mixture" in repr(group)
    # the page embeds each clip as FLAC, in order, at the group's one gain
    files = embedded(page)
    assert files == [player.data for player in group.players]
    for flac, clip in zip(files, clips, strict=True):
        samples, sr = sf.read(io.BytesIO(flac), dtype="int16", always_2d=True)
        assert sr == SR
        np.testing.assert_array_equal(samples.T, pcm16(group.gain * clip, normalize=False))


@pytest.mark.parametrize(
    ("clips", "kwargs", "error", "message"),
    [
        ({}, {}, ParameterError, "clips is empty"),
        ([], {}, ParameterError, "clips is empty"),
        ([np.zeros(10), np.zeros(20)], {}, ParameterError, "every clip is silent"),
        ({"a": np.ones(10)}, {"labels": ["a"]}, ParameterError, "dict keys are the labels"),
        ([np.ones(10)], {"labels": ["a", "b"]}, ParameterError, "2 labels for 1 clips"),
        ([np.ones(10)], {"labels": "a"}, TypeError, "labels must be a list"),
        (np.ones((2, 10)), {}, TypeError, r"list\(sources\)"),
        ("clip.wav", {}, TypeError, "clips must be a dict"),
        ({"a": np.ones(10), "b": np.array([np.nan])}, {}, ParameterError, r"clips\['b'\]"),
        ([np.ones(10, dtype=int)], {}, TypeError, "integer dtype"),
        ([np.ones(10)], {"peak_db": 1.0}, ParameterError, "peak_db=1.0 dBFS must be at most 0"),
        ([np.ones(10)], {"peak_db": np.nan}, ParameterError, "must be a finite"),
        ({"mix": np.ones(100), "array": np.ones((9, 100))}, {}, ParameterError,
         r"clips\['array'\] has 9 channels, .*at most 8"),
    ],
)
def test_play_group_rejects_bad_input(clips, kwargs, error, message):
    with pytest.raises(error, match=message):
        play_group(clips, SR, **kwargs)


@pytest.mark.parametrize(
    ("sr", "error", "message"),
    [
        (0, ParameterError, "sr=0 Hz must be a positive"),
        (-1, ParameterError, "sr=-1 Hz must be a positive"),
        ("8000", TypeError, "sr must be a number"),
        (None, TypeError, "sr must be a number"),
        (700_000, ParameterError, "sr=700000 Hz is above 655350 Hz"),
    ],
)
def test_play_group_rejects_bad_sample_rate(sr, error, message):
    with pytest.raises(error, match=message):
        play_group([np.ones(10)], sr)


def test_play_group_plays_a_fractional_rate_rounded_and_keeps_it():
    group = play_group([np.ones(10)], 8000.4)
    assert group.sr == 8000.4 and group.players[0].sr == 8000


# --- Mixture ------------------------------------------------------------------------------------


def test_mixture_is_a_frozen_result_object_not_a_tuple(rng):
    result = mix(*rng.standard_normal((2, 100)), snr_db=3.0, return_sources=True)
    assert dataclasses.is_dataclass(result)
    assert [field.name for field in dataclasses.fields(result)] == [
        "mixture", "target", "interference", "snr_db"]
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.mixture = np.zeros(100)
    with pytest.raises(TypeError):
        _, _, _ = result  # fields are read by name, like the other result objects
    assert repr(result) == "Mixture((100,) float64: target + interference at 3 dB SNR)"


# --- truncated files ----------------------------------------------------------------------------


@pytest.mark.parametrize("subtype", ["PCM_16", "FLOAT"])
@pytest.mark.parametrize("channels", [1, 2])
def test_a_truncated_wav_is_an_error_not_a_shorter_signal(tmp_path, rng, subtype, channels):
    path = tmp_path / "cut.wav"
    sf.write(path, rng.uniform(-0.5, 0.5, (1000, channels)), SR, subtype=subtype)
    path.write_bytes(path.read_bytes()[:-1001])  # cut off while copying
    with pytest.raises(AudioLoadError,
                       match=r"cut\.wav' is truncated: its header announces 1000 frames .* "
                             r"holds only \d+ .*complete copy"):
        load(path)


def _wav_bytes(rng, n_frames=1000):
    buffer = io.BytesIO()
    sf.write(buffer, rng.uniform(-0.5, 0.5, (n_frames, 2)), SR, subtype="PCM_16", format="WAV")
    return bytearray(buffer.getvalue())


def test_complete_wavs_with_unusual_headers_still_load(tmp_path, rng):
    # an odd-sized chunk (padded to even) before the samples, and a data size of
    # 0xFFFFFFFF as a stream writes it: the header check must not take them for truncation
    wav = _wav_bytes(rng)
    data_at = wav.index(b"data")
    padded = wav[:data_at] + b"junk" + struct.pack("<I", 3) + b"abc\x00" + wav[data_at:]
    struct.pack_into("<I", padded, 4, len(padded) - 8)
    streamed = wav[:]
    struct.pack_into("<I", streamed, data_at + 4, 0xFFFFFFFF)
    for name, content in (("padded.wav", padded), ("streamed.wav", streamed)):
        (tmp_path / name).write_bytes(bytes(content))
        y, _ = load(tmp_path / name, mono=False)
        assert y.shape == (2, 1000), name
    (tmp_path / "cut.wav").write_bytes(bytes(padded[:-11]))
    with pytest.raises(AudioLoadError, match="truncated: its header announces 1000 frames"):
        load(tmp_path / "cut.wav")
    for size in (16, 30, 40):  # cut inside the header: libsndfile's error, wrapped
        (tmp_path / "cut.wav").write_bytes(bytes(wav[:size]))
        with pytest.raises(AudioLoadError, match=r"cut\.wav"):
            load(tmp_path / "cut.wav")


def test_a_truncated_flac_names_the_file(tmp_path, rng):
    path = tmp_path / "cut.flac"
    sf.write(path, rng.uniform(-0.5, 0.5, 20000), SR, subtype="PCM_16")
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    with pytest.raises(AudioLoadError, match=r"cut\.flac.*corrupt") as info:
        load(path)
    assert isinstance(info.value.__cause__, sf.SoundFileError)


# --- save: what a format holds, and never losing the existing file ------------------------------


def test_a_failed_save_leaves_the_existing_file_as_it_was(tmp_path):
    path = save(tmp_path / "keep.flac", sine(440, 1000), SR)
    before = path.read_bytes()
    with pytest.raises(ParameterError,
                       match=r"cannot save 9 channels to .*keep\.flac.*FLAC.*at most 8.*\.wav"):
        save(path, np.zeros((9, 100)), SR)
    assert path.read_bytes() == before
    assert sorted(tmp_path.iterdir()) == [path]


def test_a_save_failing_while_writing_leaves_the_existing_file_and_no_debris(
    tmp_path, monkeypatch
):
    path = save(tmp_path / "keep.wav", sine(440, 1000), SR)
    before = path.read_bytes()

    def write_half_then_fail(file, *args, **kwargs):
        with open(file, "wb") as fh:
            fh.write(b"RIFF")
        raise sf.LibsndfileError(0, prefix="Error writing: disk full ")

    monkeypatch.setattr(audio.sf, "write", write_half_then_fail)
    with pytest.raises(OSError, match=r"could not write .*keep\.wav.*unchanged") as info:
        save(path, np.zeros(100), SR)
    assert isinstance(info.value.__cause__, sf.SoundFileError)
    assert path.read_bytes() == before
    assert sorted(tmp_path.iterdir()) == [path]


def test_save_keeps_the_mode_of_the_file_it_replaces(tmp_path):
    umask = os.umask(0)
    os.umask(umask)
    fresh = save(tmp_path / "fresh.wav", np.zeros(10), SR)
    assert stat.S_IMODE(fresh.stat().st_mode) == 0o666 & ~umask  # not a temp file's 0o600
    fresh.chmod(0o640)
    save(fresh, np.ones(10) / 2, SR)
    assert stat.S_IMODE(fresh.stat().st_mode) == 0o640


@pytest.mark.parametrize(
    ("name", "shape", "sr", "subtype", "message"),
    [
        ("a.flac", (9, 100), SR, None, "FLAC .*at most 8"),
        ("a.ogg", (256, 300), SR, None, "OGG .*at most 255"),  # libsndfile crashes beyond
        ("a.ogg", (100,), 300_000, None, "OGG .*rates up to 200000 Hz"),  # ... and here
        ("a.ogg", (100,), 44100, "OPUS", "Opus only holds the rates 8000, .*48000"),
        ("a.flac", (100,), 700_000, None, "FLAC .*rates up to 655350 Hz"),
        ("a.wav", (1025, 1100), SR, None, "WAV .*at most 1024"),
        ("a.wav", (100,), 2**31, None, r"WAV .*rates up to 2147483647 Hz"),
    ],
)
def test_save_checks_what_the_format_holds_before_writing(tmp_path, name, shape, sr, subtype,
                                                          message):
    with pytest.raises(ParameterError, match=f"cannot save .*{message}"):
        save(tmp_path / name, np.zeros(shape), sr, subtype=subtype)
    assert list(tmp_path.iterdir()) == []


def test_save_to_a_directory(tmp_path):
    (tmp_path / "folder.wav").mkdir()
    with pytest.raises(IsADirectoryError, match=r"folder\.wav': it is a directory"):
        save(tmp_path / "folder.wav", np.zeros(10), SR)


# --- zero channels ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "call",
    [
        lambda y: to_mono(y),
        lambda y: resample(y, SR, target_sr=16000),
        lambda y: play(y, SR),
        lambda y: play_group([y], SR),
        lambda y: play_group({"empty": y}, SR),
        lambda y: normalize(y),
        lambda y: mix(y, y, snr_db=0.0),
    ],
    ids=["to_mono", "resample", "play", "play_group", "play_group_dict", "normalize", "mix"],
)
def test_zero_channel_audio_is_rejected(call):
    with pytest.raises(ParameterError, match=r"shape \(0, 100\): zero channels"):
        call(np.zeros((0, 100)))


def test_save_rejects_zero_channels(tmp_path):
    with pytest.raises(ParameterError, match="zero channels"):
        save(tmp_path / "none.wav", np.zeros((0, 100)), SR)
    assert list(tmp_path.iterdir()) == []


# --- levels: a sensible range, and never inf, NaN or a division by zero -------------------------


@pytest.mark.parametrize("level", [7000.0, -7000.0, 200.5, -1e300])
def test_levels_beyond_200_db_are_rejected(level):
    y = sine(440, 100)
    with pytest.raises(ParameterError, match=r"target_db=.* dBFS is outside \[-200, 200\]"):
        normalize(y, target_db=level)
    with pytest.raises(ParameterError, match=r"target_db=.* is outside \[-200, 200\]"):
        normalize(y, mode="rms", target_db=level)
    with pytest.raises(ParameterError, match=r"snr_db=.* dB is outside \[-200, 200\] dB.*in dB"):
        mix(y, y[::-1].copy(), snr_db=level)
    if level < 0:
        with pytest.raises(ParameterError, match=r"peak_db=.* dBFS is outside \[-200, 0\]"):
            play_group([y], SR, peak_db=level)


@pytest.mark.filterwarnings("error")
def test_the_extremes_of_the_range_stay_exact():
    y = sine(440, 100)
    assert MAX_LEVEL_DB == 200.0
    for level in (-MAX_LEVEL_DB, MAX_LEVEL_DB):
        out = normalize(y, target_db=level)
        assert abs(db(np.max(np.abs(out))) - level) < 1e-9
        result = mix(y, y[::-1].copy(), snr_db=level, return_sources=True)
        assert abs(snr_db(result.target, result.interference) - level) < 1e-9
    group = play_group([y], SR, peak_db=-MAX_LEVEL_DB)
    assert abs(db(np.max(np.abs(group.clips[0]))) - (-200.0)) < 1e-9


@pytest.mark.filterwarnings("error")
def test_large_and_tiny_samples_give_right_answers_without_overflow():
    # samples of 1e200 square to inf in float64: the energies are taken in log10
    big = np.full(10, 1e200) * np.resize([1.0, -1.0], 10)
    assert abs(db(np.sqrt(np.mean(normalize(big, mode="rms") ** 2))) - (-20.0)) < 1e-9
    result = mix(big, np.resize([1.0, -1.0, 0.5], 10), snr_db=6.0, return_sources=True)
    assert abs(snr_db(result.target / 1e200, result.interference / 1e200) - 6.0) < 1e-9
    # a float32 signal with a subnormal peak scales in float64, not to inf
    tiny = np.full(10, 1e-40, dtype=np.float32)
    out = normalize(tiny, target_db=0.0)
    assert out.dtype == np.float32 and np.all(out == 1.0)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: normalize(np.full(10, 5e-324)), r"would overflow float64 \(a gain of inf"),
        (lambda: mix(np.full(10, 1e30, np.float32), np.full(10, 1e-30, np.float32),
                     snr_db=-200.0), "interference scaled to -200 dB SNR would overflow float32"),
        (lambda: mix(np.full(10, 1e-300), np.full(10, 1e300), snr_db=200.0),
         "interference scaled to 200 dB SNR would be silent"),
        (lambda: play_group([np.full(10, 5e-324)], SR), "too quiet to be scaled"),
    ],
    ids=["normalize-subnormal", "mix-overflow", "mix-underflow", "play_group-subnormal"],
)
@pytest.mark.filterwarnings("error")
def test_a_gain_that_overflows_is_an_error_not_inf_or_nan(call, message):
    with pytest.raises(ParameterError, match=message):
        call()


@pytest.mark.filterwarnings("error")
def test_play_and_play_group_never_hold_nan():
    tiny = np.array([5e-324, -5e-324, 0.0, 1e-310])
    decoded = decode(play(tiny, SR))
    np.testing.assert_array_equal(decoded, [[0, 0, 0, 32767]])  # normalised by its peak
    group = play_group([np.full(10, 1.0), tiny], SR, peak_db=-200.0)  # the quiet clip underflows
    assert all(np.all(np.isfinite(clip)) for clip in group.clips)
    np.testing.assert_array_equal(decode(group.players[1]), 0)  # far below one 16-bit step
    assert np.isfinite(group.gain) and group.gain > 0
    assert "-200.00 dB" in repr(group)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: play(np.zeros(10), SR, normalize="no"), "normalize must be True or False"),
        (lambda: mix(np.ones(10), np.ones(10), snr_db=0.0, return_sources="yes"),
         "return_sources must be True or False"),
        (lambda: play(np.zeros(10), SR, False), "positional"),
        (lambda: play_group([np.ones(10)], SR, ["a"]), "positional"),
        (lambda: normalize(np.ones(10), "rms"), "positional"),
    ],
)
def test_options_are_keyword_only_and_flags_are_bools(call, message):
    with pytest.raises(TypeError, match=message):
        call()
