"""Tests of course_lib.metrics: BSS Eval against museval, SI-SDR, SNR, source matching."""

from __future__ import annotations

import dataclasses
import importlib.util
import os
import subprocess
import sys
import textwrap
import types
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from course_lib import metrics
from course_lib._validation import ParameterError
from course_lib.metrics import BSSEvalResult, bss_eval, match_sources, si_sdr, snr

SR = 8000  # short, low-rate signals keep museval fast


# ---------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def museval_metrics():
    """museval's metrics module, imported independently of course_lib.

    ``import museval`` fails without ffmpeg (it imports musdb and stempeg), so fall
    back to loading ``museval/metrics.py`` by path, which runs the same code.
    """
    try:
        import museval.metrics as module
    except (ImportError, RuntimeError):
        spec = importlib.util.find_spec("museval")
        path = Path(list(spec.submodule_search_locations)[0]) / "metrics.py"
        file_spec = importlib.util.spec_from_file_location("_test_museval_metrics", path)
        module = importlib.util.module_from_spec(file_spec)
        file_spec.loader.exec_module(module)
    return module


def noisy_mixture_estimates(rng, shape, *, leak=0.2, noise=0.1):
    """References of ``shape`` and estimates with interference from the others and noise."""
    references = rng.standard_normal(shape)
    others = np.roll(references, 1, axis=0)
    estimates = references + leak * others + noise * rng.standard_normal(shape)
    return references, estimates


def to_museval_layout(stack):
    return stack[..., None] if stack.ndim == 2 else stack.transpose(0, 2, 1)


# ---------------------------------------------------------------------------
# bss_eval against museval
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["images", "sources"])
@pytest.mark.parametrize("shape", [(2, 44100), (2, 2, 44100)], ids=["mono", "stereo"])
def test_bss_eval_equals_museval(rng, museval_metrics, mode, shape):
    sr = 22050
    references, estimates = noisy_mixture_estimates(rng, shape)
    result = bss_eval(references, estimates, sr, window=1.0, hop=1.0, mode=mode)

    expected = museval_metrics.bss_eval(
        to_museval_layout(references),
        to_museval_layout(estimates),
        window=22050,
        hop=22050,
        compute_permutation=False,
        bsseval_sources_version=(mode == "sources"),
    )
    names = ("sdr", "isr", "sir", "sar")
    expected_metrics = names if mode == "images" else ("sdr", "sir", "sar")
    assert tuple(result.frames) == expected_metrics
    for name, per_frame in zip(names, expected[:4], strict=True):
        assert per_frame.shape == (2, 2)  # two 1 s frames, not one 2 s museval default
        if name in expected_metrics:
            np.testing.assert_allclose(result.frames[name], per_frame, rtol=0, atol=1e-6)
            median = np.nanmedian(per_frame, axis=1)
            np.testing.assert_allclose(getattr(result, name), median, rtol=0, atol=1e-6)
    if mode == "sources":
        assert np.all(np.isnan(result.isr))
    np.testing.assert_allclose(result.frame_times, [0.0, 1.0])


def test_bss_eval_passes_window_and_hop_in_samples(rng, monkeypatch):
    calls = []
    real = metrics._load_museval_metrics()

    def spy(*args, **kwargs):
        calls.append(kwargs)
        return real.bss_eval(*args, **kwargs)

    monkeypatch.setattr(
        metrics, "_load_museval_metrics", lambda: types.SimpleNamespace(bss_eval=spy)
    )
    references, estimates = noisy_mixture_estimates(rng, (2, 22050))
    result = bss_eval(references, estimates, 22050, window=0.5, hop=0.25)
    assert calls[0]["window"] == 11025
    assert calls[0]["hop"] == 5512  # 5512.5 rounded half to even
    assert calls[0]["compute_permutation"] is False
    assert calls[0]["bsseval_sources_version"] is False
    assert result.window == 0.5
    assert result.hop == pytest.approx(5512 / 22050)
    np.testing.assert_allclose(result.frame_times, np.arange(3) * 5512 / 22050)


def test_bss_eval_accepts_float32_and_leaves_inputs_untouched(rng):
    references, estimates = noisy_mixture_estimates(rng, (2, 2, SR))
    references, estimates = references.astype(np.float32), estimates.astype(np.float32)
    before = references.copy(), estimates.copy()
    result = bss_eval(references, estimates, SR)
    np.testing.assert_array_equal(references, before[0])
    np.testing.assert_array_equal(estimates, before[1])
    assert result.sdr.shape == (2,)
    assert np.all(np.isfinite(result.sdr))


# ---------------------------------------------------------------------------
# silent frames and the NaN-aware median
# ---------------------------------------------------------------------------


def test_silent_frames_are_nan_and_ignored_by_the_median(rng):
    references, estimates = noisy_mixture_estimates(rng, (2, 4 * SR))
    references[1, 2 * SR :] = 0.0  # the second source stops half way
    result = bss_eval(references, estimates, SR)

    sdr_frames = result.frames["sdr"]
    assert sdr_frames.shape == (2, 4)
    assert np.all(np.isnan(sdr_frames[:, 2:]))  # a silent reference: NaN for every source
    assert np.all(np.isfinite(sdr_frames[:, :2]))
    for metric in ("sdr", "isr", "sir", "sar"):
        aggregate = getattr(result, metric)
        assert not np.any(np.isnan(aggregate))
        np.testing.assert_allclose(aggregate, np.median(result.frames[metric][:, :2], axis=1))


def test_no_frame_without_silence_warns_and_gives_nan(rng):
    references, estimates = noisy_mixture_estimates(rng, (2, 2 * SR))
    references[0, SR:] = 0.0
    references[1, :SR] = 0.0  # each 1 s frame has one silent reference
    with pytest.warns(UserWarning, match="every frame of .* silent"):
        result = bss_eval(references, estimates, SR)
    assert np.all(np.isnan(result.sdr))
    # one frame over the whole signal has no silent reference
    whole = bss_eval(references, estimates, SR, window=None)
    assert whole.frame_times.tolist() == [0.0]
    assert np.all(np.isfinite(whole.sdr))


def test_window_longer_than_signal_is_clamped_with_a_warning(rng):
    references, estimates = noisy_mixture_estimates(rng, (2, 2 * SR))
    with pytest.warns(UserWarning, match=r"window=5\.0 s is longer than the signals"):
        result = bss_eval(references, estimates, SR, window=5.0, hop=1.0)
    assert result.window == 2.0
    assert result.frames["sdr"].shape == (2, 1)
    whole = bss_eval(references, estimates, SR, window=None)
    np.testing.assert_allclose(result.sdr, whole.sdr)


# ---------------------------------------------------------------------------
# the result object
# ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def small_result():
    rng = np.random.default_rng(1)
    references, estimates = noisy_mixture_estimates(rng, (2, 2 * SR))
    return bss_eval(references, estimates, SR, names=["voice", "<guitar>"])


def test_result_is_frozen_and_read_only(small_result):
    with pytest.raises(dataclasses.FrozenInstanceError):
        small_result.sdr = np.zeros(2)
    with pytest.raises(ValueError, match="read-only"):
        small_result.sdr[0] = 0.0
    with pytest.raises(ValueError, match="read-only"):
        small_result.frames["sdr"][0, 0] = 0.0
    with pytest.raises(TypeError):
        small_result.frames["sdr"] = None


def test_result_table_repr_and_html(small_result):
    text = repr(small_result)
    assert "SDR" in text and "ISR" in text and "SIR" in text and "SAR" in text
    assert "voice" in text and "<guitar>" in text
    assert f"{small_result.sdr[0]:.2f}" in text
    page = small_result._repr_html_()
    assert page.startswith("<table>")
    assert "&lt;guitar&gt;" in page and "<guitar>" not in page
    assert f"{small_result.sar[1]:.2f}" in page


def test_result_to_dict_and_to_frame(small_result):
    scores = small_result.to_dict()
    assert list(scores) == ["voice", "<guitar>"]
    assert scores["voice"]["sdr"] == pytest.approx(small_result.sdr[0])
    assert all(type(value) is float for value in scores["voice"].values())
    pytest.importorskip("pandas")
    frame = small_result.to_frame()
    assert list(frame.columns) == ["SDR", "ISR", "SIR", "SAR"]
    assert list(frame.index) == ["voice", "<guitar>"]
    assert frame.loc["voice", "SDR"] == pytest.approx(small_result.sdr[0])


def test_to_frame_without_pandas_says_what_to_do(small_result, monkeypatch):
    monkeypatch.setitem(sys.modules, "pandas", None)
    with pytest.raises(ImportError, match="to_frame\\(\\) needs pandas"):
        small_result.to_frame()


def test_sources_mode_table_has_no_isr(rng):
    references, estimates = noisy_mixture_estimates(rng, (2, SR))
    result = bss_eval(references, estimates, SR, mode="sources")
    assert isinstance(result, BSSEvalResult)
    assert result.metrics == ("sdr", "sir", "sar")
    assert "ISR" not in repr(result) and "ISR" not in result._repr_html_()
    assert set(result.to_dict()["source 0"]) == {"sdr", "sir", "sar"}


# ---------------------------------------------------------------------------
# museval without ffmpeg, and imported lazily
# ---------------------------------------------------------------------------


def test_bss_eval_works_without_ffmpeg(tmp_path):
    tools = ("ffmpeg", "ffprobe", "ffmpeg.exe", "ffprobe.exe")
    kept = [
        folder
        for folder in os.environ.get("PATH", "").split(os.pathsep)
        if folder and not any((Path(folder) / tool).exists() for tool in tools)
    ]
    script = textwrap.dedent(
        """
        import shutil, sys
        import numpy as np
        assert shutil.which("ffmpeg") is None and shutil.which("ffprobe") is None
        import course_lib.metrics as metrics
        assert "museval" not in sys.modules, "museval must be imported lazily"
        rng = np.random.default_rng(0)
        references = rng.standard_normal((2, 8000))
        estimates = references + 0.1 * rng.standard_normal((2, 8000))
        result = metrics.bss_eval(references, estimates, 8000)
        assert np.all(result.sdr > 15), result
        assert "musdb" not in sys.modules and "stempeg" not in sys.modules
        print("ok", result.sdr.round(1).tolist())
        """
    )
    env = {**os.environ, "PATH": os.pathsep.join(kept)}
    completed = subprocess.run(
        [sys.executable, "-c", script],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.startswith("ok")


def test_missing_museval_raises_a_clear_import_error(rng, monkeypatch):
    monkeypatch.setattr(metrics, "_museval_metrics", None)
    monkeypatch.delitem(sys.modules, "museval.metrics", raising=False)
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *args: None)
    references, estimates = noisy_mixture_estimates(rng, (2, SR))
    with pytest.raises(ImportError, match="pip install museval"):
        bss_eval(references, estimates, SR)


# ---------------------------------------------------------------------------
# bss_eval errors: clear messages, never a museval traceback
# ---------------------------------------------------------------------------


def _pair(shape=(2, 800)):
    rng = np.random.default_rng(2)
    return rng.standard_normal(shape), rng.standard_normal(shape)


def _with(array, index, value):
    array = array.copy()
    array[index] = value
    return array


REFS, ESTS = _pair()
REFS_ST, ESTS_ST = _pair((2, 2, 800))


@pytest.mark.parametrize(
    ("references", "estimates", "kwargs", "error", "match"),
    [
        (_with(REFS, 1, 0.0), ESTS, {}, ParameterError, r"references\[1\] is silent"),
        (REFS, _with(ESTS, 0, 0.0), {}, ParameterError, r"estimates\[0\] is silent"),
        (
            REFS_ST,
            _with(ESTS_ST, (1, 1), -ESTS_ST[1, 0]),
            {},
            ParameterError,
            r"estimates\[1\] has channels that cancel",
        ),
        (_with(REFS, (0, 5), np.nan), ESTS, {}, ParameterError, r"references\[0\].*non-finite"),
        (REFS, _with(ESTS, (1, 7), np.inf), {}, ParameterError, r"estimates\[1\].*non-finite"),
        (REFS, ESTS[:, :700], {}, ParameterError, "lengths differ: 800 and 700"),
        (REFS, ESTS[:1], {}, ParameterError, "must have the same shape"),
        (REFS_ST, ESTS, {}, ParameterError, "one is mono, the other multichannel"),
        (REFS[0], ESTS[0], {}, ParameterError, r"needs a leading axis: y\[np.newaxis\]"),
        (REFS[None, None], ESTS[None, None], {}, ParameterError, "must have shape"),
        (REFS[:0], ESTS[:0], {}, ParameterError, "at least one source"),
        (
            REFS_ST.transpose(0, 2, 1),
            ESTS_ST.transpose(0, 2, 1),
            {},
            ParameterError,
            r"museval's \(sources, samples, channels\) layout",
        ),
        (np.ones((101, 5)), np.ones((101, 5)), {}, ParameterError, "at most 100"),
        ([[0.1, 0.2], [0.3]], ESTS, {}, ParameterError, "could not be stacked"),
        (REFS.astype(np.int16), ESTS, {}, TypeError, "integer dtype"),
        (REFS, ESTS + 1j, {}, TypeError, "complex"),
        (REFS, ESTS, {"sr": 0}, ParameterError, "sr=0 Hz must be a positive"),
        (REFS, ESTS, {"sr": float("nan")}, ParameterError, "sr=nan Hz"),
        (REFS, ESTS, {"sr": "8000"}, TypeError, "sr must be a number in Hz"),
        (REFS, ESTS, {"window": 0.0}, ParameterError, r"window=0\.0 s must be positive"),
        (REFS, ESTS, {"hop": -1.0}, ParameterError, r"hop=-1\.0 s must be positive"),
        (REFS, ESTS, {"window": "1"}, TypeError, "window must be a number"),
        (REFS, ESTS, {"window": 0.05, "hop": 0.1}, ParameterError, "hop=0.1 s is longer than"),
        (REFS, ESTS, {"window": 1e-6, "hop": 1e-6}, ParameterError, "shorter than one sample"),
        (REFS, ESTS, {"mode": "image"}, ParameterError, "mode='image' is not known"),
        (REFS, ESTS, {"mode": 1}, TypeError, "mode must be 'images' or 'sources'"),
        (REFS, ESTS, {"names": ["a"]}, ParameterError, "names has 1 entries"),
        (REFS, ESTS, {"names": "ab"}, ParameterError, r"names has 1 entries \['ab'\]"),
        (REFS, ESTS, {"names": ["a", 2]}, TypeError, "names must hold str source names"),
        (REFS, ESTS, {"names": 3}, TypeError, "names must be a str or a list of str"),
        (REFS, ESTS, {"names": ["voice", "voice"]}, ParameterError,
         r"names names \['voice'\] more than once"),
        (REFS, ESTS, {}, ParameterError, r"800 samples long .* too short for BSS Eval"),
        (REFS, ESTS, {"window": None}, ParameterError, r"at least 1024 samples"),
    ],
)
def test_bss_eval_errors(references, estimates, kwargs, error, match):
    kwargs = {"sr": SR, **kwargs}
    sr = kwargs.pop("sr")
    with pytest.raises(error, match=match):
        bss_eval(references, estimates, sr, **kwargs)


# ---------------------------------------------------------------------------
# bss_eval refuses what it cannot score (museval returns 200-300 dB without a warning)
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "make",
    [
        lambda r: np.stack([r[0], r[0]]),
        lambda r: np.stack([r[0], -0.5 * r[0]]),  # up to a gain, sign included
        lambda r: np.stack([r[0], r[1], 3.0 * r[1]]),  # any pair, not only the first
        lambda r: np.stack([r[0], r[0] * (1 + 1e-12)]),  # equal up to rounding
    ],
    ids=["identical", "scaled", "third", "rounding"],
)
@pytest.mark.parametrize("channels", [None, 2], ids=["mono", "stereo"])
def test_references_that_are_one_signal_up_to_a_gain_are_rejected(rng, make, channels):
    shape = (3, 4 * SR) if channels is None else (3, channels, 4 * SR)
    references = make(rng.standard_normal(shape))
    estimates = references + 0.1 * rng.standard_normal(references.shape)
    with pytest.raises(ParameterError, match=r"are the same signal up to a gain") as excinfo:
        bss_eval(references, estimates, SR)
    assert "references[" in str(excinfo.value)


def test_strongly_correlated_but_distinct_references_are_scored(rng):
    # normalised correlation 1 - 5e-7: two recordings of nearly the same thing, still distinct
    first = rng.standard_normal(2 * SR)
    references = np.stack([first, first + 1e-3 * rng.standard_normal(2 * SR)])
    estimates = references + 0.1 * rng.standard_normal(references.shape)
    result = bss_eval(references, estimates, SR)
    assert np.all(np.isfinite(result.sdr)) and np.all(result.sir < 100)


@pytest.mark.parametrize(
    ("shape", "needed"),
    [((2,), 1024), ((3,), 1536), ((2, 2), 2048), ((3, 2), 3072)],
    ids=["2 mono", "3 mono", "2 stereo", "3 stereo"],
)
def test_signals_shorter_than_the_distortion_filters_are_rejected(rng, shape, needed):
    # sources x channels x 512 filter coefficients: with fewer samples they fit any estimate
    for n_samples in (1, 10, needed - 1):
        if len(shape) == 2 and n_samples < shape[1]:
            continue  # (sources, channels, samples) with fewer samples than channels
        references = rng.standard_normal((*shape, n_samples))
        estimates = rng.standard_normal((*shape, n_samples))
        for window in (1.0, None):
            with pytest.raises(ParameterError, match=rf"at least {needed} samples"):
                bss_eval(references, estimates, SR, window=window)
    if shape[0] == 2:  # from that length on the scores make sense (3 sources are slow)
        references = rng.standard_normal((*shape, needed))
        noise = rng.standard_normal((*shape, needed))  # random estimates: no 200 dB scores
        result = bss_eval(references, noise, SR, window=None)
        assert np.all(np.abs(result.sir) < 10) and np.all(np.abs(result.sdr) < 10)


def test_repeated_names_are_rejected_by_the_result_too(small_result):
    # to_dict() is keyed by name: a repeated name would silently drop a source
    with pytest.raises(ParameterError, match=r"\['voice'\] more than once"):
        dataclasses.replace(small_result, names=("voice", "voice"))
    with pytest.raises(ParameterError, match="names has 3 entries"):
        dataclasses.replace(small_result, names=("a", "b", "c"))
    with pytest.raises(TypeError, match="names must be a tuple of str"):
        dataclasses.replace(small_result, names="ab")
    renamed = dataclasses.replace(small_result, names=["a", "b"])
    assert renamed.names == ("a", "b") and list(renamed.to_dict()) == ["a", "b"]


def test_a_single_source_may_be_named_by_a_str(rng):
    reference = rng.standard_normal((1, 2 * SR))
    result = bss_eval(reference, reference + 0.1 * rng.standard_normal((1, 2 * SR)), SR,
                      names="voice")
    assert result.names == ("voice",)


# ---------------------------------------------------------------------------
# si_sdr and snr
# ---------------------------------------------------------------------------


def orthogonal_noise(rng, reference, ratio_db):
    """Noise orthogonal to ``reference`` with ||reference||² / ||noise||² = ratio_db (in dB)."""
    noise = rng.standard_normal(reference.shape)
    noise -= np.sum(noise * reference) / np.sum(reference**2) * reference
    noise *= np.sqrt(np.sum(reference**2) / np.sum(noise**2) / 10 ** (ratio_db / 10))
    return noise


@pytest.mark.parametrize("ratio_db", [-10.0, 0.0, 7.5, 30.0])
def test_si_sdr_of_orthogonal_noise_is_the_energy_ratio(rng, ratio_db):
    reference = rng.standard_normal(SR)
    estimate = reference + orthogonal_noise(rng, reference, ratio_db)
    assert si_sdr(reference, estimate) == pytest.approx(ratio_db, abs=1e-9)
    # with orthogonal noise and no gain error, SNR and SI-SDR agree
    assert snr(reference, estimate) == pytest.approx(ratio_db, abs=1e-9)


@settings(max_examples=30, deadline=None)
@given(
    scale=st.floats(1e-3, 1e3) | st.floats(-1e3, -1e-3),
    seed=st.integers(0, 2**32 - 1),
)
def test_si_sdr_is_invariant_to_the_scale_of_the_estimate(scale, seed):
    generator = np.random.default_rng(seed)
    reference = generator.standard_normal(256)
    estimate = reference + 0.3 * generator.standard_normal(256)
    assert si_sdr(reference, scale * estimate) == pytest.approx(
        si_sdr(reference, estimate), abs=1e-8
    )


def test_snr_matches_its_formula(rng):
    reference = rng.standard_normal((3, SR))
    estimate = 0.8 * reference + 0.2 * rng.standard_normal((3, SR))
    expected = [
        10 * np.log10(np.sum(s**2) / np.sum((s - e) ** 2))
        for s, e in zip(reference, estimate, strict=True)
    ]
    np.testing.assert_allclose(snr(reference, estimate), expected, rtol=1e-12)
    assert snr(reference[0], estimate[0]) == pytest.approx(expected[0], rel=1e-12)


def test_perfect_and_silent_estimates():
    reference = np.sin(np.linspace(0, 40, SR)) + 0.1
    assert si_sdr(reference, reference) == np.inf
    assert si_sdr(reference, 2.0 * reference) == np.inf
    assert si_sdr(reference, -reference) == np.inf
    assert si_sdr(reference, 0.7 * reference) > 100  # rounding leaves a tiny residual
    assert snr(reference, 0.5 * reference) == pytest.approx(10 * np.log10(4))  # a gain error
    assert snr(reference, reference) == np.inf
    assert si_sdr(reference, np.zeros(SR)) == -np.inf
    assert snr(reference, np.zeros(SR)) == 0.0


@pytest.mark.parametrize("function", [si_sdr, snr])
def test_single_signals_give_a_float_and_stacked_ones_an_array(rng, function):
    reference = rng.standard_normal((3, 2, SR)).astype(np.float32)
    estimate = reference + 0.1 * rng.standard_normal((3, 2, SR)).astype(np.float32)
    single = function(reference[0, 0], estimate[0, 0])
    assert type(single) is float  # not numpy.float64 or a 0-d array
    for index in (np.s_[:], np.s_[:, 0], np.s_[:1, 0], np.s_[:1]):
        scores = function(reference[index], estimate[index])
        assert type(scores) is np.ndarray and scores.dtype == np.float64
        assert scores.shape == (len(reference[index]),)
    perfect = function(reference[:2, 0], reference[:2, 0])  # inf is still an array entry
    assert type(perfect) is np.ndarray and np.all(np.isinf(perfect))


def test_si_sdr_and_snr_shapes(rng):
    reference = rng.standard_normal((3, 2, SR))
    estimate = reference + 0.1 * rng.standard_normal((3, 2, SR))
    stacked = si_sdr(reference, estimate)
    assert stacked.shape == (3,)
    # a stereo source is scored as one signal: channels pooled, one scale factor
    pooled = [si_sdr(r.ravel(), e.ravel()) for r, e in zip(reference, estimate, strict=True)]
    np.testing.assert_allclose(stacked, pooled)
    assert snr(reference, estimate).shape == (3,)
    mono = si_sdr(reference[:, 0], estimate[:, 0])
    expected = [si_sdr(r, e) for r, e in zip(reference[:, 0], estimate[:, 0], strict=True)]
    np.testing.assert_allclose(mono, expected)


def test_si_sdr_leaves_inputs_untouched(rng):
    reference = rng.standard_normal((2, SR)).astype(np.float32)
    estimate = reference + 0.1
    before = reference.copy(), estimate.copy()
    si_sdr(reference, estimate)
    snr(reference, estimate)
    np.testing.assert_array_equal(reference, before[0])
    np.testing.assert_array_equal(estimate, before[1])


@pytest.mark.parametrize("function", [si_sdr, snr])
@pytest.mark.parametrize(
    ("reference", "estimate", "error", "match"),
    [
        (np.zeros(100), np.ones(100), ParameterError, "reference is silent"),
        (
            np.stack([np.ones(100), np.zeros(100)]),
            np.ones((2, 100)),
            ParameterError,
            r"reference\[1\] is silent",
        ),
        (np.ones(100), np.ones(90), ParameterError, "lengths differ: 100 and 90"),
        (np.ones((2, 100)), np.ones(100), ParameterError, "must have the same shape"),
        (np.ones((1, 1, 1, 100)), np.ones((1, 1, 1, 100)), ParameterError, "must have shape"),
        (np.full(100, np.nan), np.ones(100), ParameterError, "non-finite"),
        (np.ones(100), np.full(100, np.inf), ParameterError, "non-finite"),
        (np.ones(100, dtype=int), np.ones(100), TypeError, "integer dtype"),
        ("abc", np.ones(100), TypeError, "must be"),
    ],
)
def test_si_sdr_and_snr_errors(function, reference, estimate, error, match):
    with pytest.raises(error, match=match):
        function(reference, estimate)


# ---------------------------------------------------------------------------
# match_sources
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("criterion", ["si_sdr", "snr"])
@pytest.mark.parametrize("shape", [(4, SR), (3, 2, SR)], ids=["mono", "stereo"])
def test_match_sources_recovers_a_permutation(rng, criterion, shape):
    references = rng.standard_normal(shape)
    order = rng.permutation(shape[0])
    estimates = references[order] + 0.3 * rng.standard_normal(shape)
    perm = match_sources(references, estimates, criterion=criterion)
    assert perm.dtype.kind == "i" and perm.shape == (shape[0],)
    np.testing.assert_array_equal(order[perm], np.arange(shape[0]))
    np.testing.assert_array_equal(perm, np.argsort(order))


def test_match_sources_with_extra_estimates(rng):
    references = rng.standard_normal((3, SR))
    estimates = rng.standard_normal((6, SR))  # three distractors
    truth = np.array([4, 0, 2])
    estimates[truth] = references + 0.2 * rng.standard_normal((3, SR))
    np.testing.assert_array_equal(match_sources(references, estimates), truth)


def test_match_sources_handles_perfect_and_silent_estimates(rng):
    references = rng.standard_normal((2, SR))
    estimates = np.stack([np.zeros(SR), references[1], references[0]])
    np.testing.assert_array_equal(match_sources(references, estimates), [2, 1])


@pytest.mark.parametrize(
    ("references", "estimates", "kwargs", "error", "match"),
    [
        (np.ones((3, 100)), np.ones((2, 100)), {}, ParameterError, "at least one estimate per"),
        (np.ones((2, 100)), np.ones((2, 90)), {}, ParameterError, "every axis but the first"),
        (np.ones((2, 2, 100)), np.ones((2, 100)), {}, ParameterError, "every axis but the first"),
        (np.ones(100), np.ones(100), {}, ParameterError, "needs a leading axis"),
        (np.zeros((1, 100)), np.ones((1, 100)), {}, ParameterError, r"references\[0\] is silent"),
        (
            np.ones((1, 100)),
            np.ones((1, 100)),
            {"criterion": "sdr"},
            ParameterError,
            "criterion='sdr' is not known",
        ),
        (np.ones((1, 100)), np.ones((1, 100)), {"criterion": None}, TypeError, "criterion must be"),
    ],
)
def test_match_sources_errors(references, estimates, kwargs, error, match):
    with pytest.raises(error, match=match):
        match_sources(references, estimates, **kwargs)


def test_compare_puts_methods_side_by_side(rng):
    refs = rng.standard_normal((2, 8000))
    names = ["a", "b"]
    baseline = metrics.bss_eval(refs, np.stack([refs.sum(0)] * 2), 8000, names=names)
    good = metrics.bss_eval(refs, refs + 0.05 * rng.standard_normal((2, 8000)), 8000,
                            names=names)
    table = metrics.compare({"mixture": baseline, "good": good})
    assert table.methods == ["mixture", "good"] and table.sources == ("a", "b")
    assert table.to_dict()["good"]["a"]["sdr"] == pytest.approx(float(good.sdr[0]))
    assert table.best("sdr") == {"a": "good", "b": "good"}
    text = repr(table)
    assert "mixture" in text and f"{good.sdr[1]:.2f}" in text
    page = table._repr_html_()
    assert page.count("<tr>") == 4 and "font-weight:bold" in page
    with pytest.raises(TypeError, match="non-empty dict"):
        metrics.compare({})
    with pytest.raises(TypeError, match="BSSEvalResult"):
        metrics.compare({"x": {"a": 1.0}})
    other = metrics.bss_eval(refs, refs + 0.1, 8000, names=["x", "y"])
    with pytest.raises(ValueError, match="same mixture"):
        metrics.compare({"mixture": baseline, "other": other})
    with pytest.raises(ValueError, match="metric must be one of"):
        table.best("pesq")
