"""The STFT explorer: its update function, called headless, and the widget around it."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from course_lib import stft, widgets  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.fixture
def tone():
    sr = 8000
    t = np.arange(sr) / sr
    return np.sin(2 * np.pi * 440 * t) * np.exp(-3 * t), sr


@pytest.mark.parametrize(("frame_ms", "hop_fraction"), [(16, 0.5), (64, 0.25), (256, 1.0)])
def test_update_reports_the_resolutions_of_the_stft_it_draws(tone, frame_ms, hop_fraction):
    y, sr = tone
    info = widgets.stft_explorer_update(y, sr, frame_ms=frame_ms, hop_fraction=hop_fraction)
    n_fft = round(frame_ms * 1e-3 * sr)
    assert info["n_fft"] == n_fft
    assert info["hop_length"] == round(n_fft * hop_fraction)
    assert info["frame_ms"] == pytest.approx(1e3 * n_fft / sr)
    assert info["hop_ms"] == pytest.approx(1e3 * info["hop_length"] / sr)
    assert info["bin_hz"] == pytest.approx(sr / n_fft)
    assert info["shape"] == stft.stft(y, sr, n_fft=n_fft, hop_length=info["hop_length"]).shape
    assert f"{info['bin_hz']:.1f} Hz" in info["mesh"].axes.get_title()


def test_longer_frames_give_finer_frequency_and_coarser_time(tone):
    y, sr = tone
    short = widgets.stft_explorer_update(y, sr, frame_ms=16)
    long = widgets.stft_explorer_update(y, sr, frame_ms=128)
    assert long["bin_hz"] < short["bin_hz"] and long["frame_ms"] > short["frame_ms"]
    assert long["shape"][0] > short["shape"][0] and long["shape"][1] < short["shape"][1]


def test_update_draws_into_the_given_axes(tone):
    y, sr = tone
    fig, (a, b) = plt.subplots(1, 2)
    info = widgets.stft_explorer_update(y, sr, window="hamming", freq_scale="log", ax=b)
    assert info["mesh"].axes is b and not a.collections


def test_update_rejects_bad_settings(tone):
    y, sr = tone
    with pytest.raises(ValueError, match="hop_fraction=1.5 must be at most 1"):
        widgets.stft_explorer_update(y, sr, hop_fraction=1.5)
    with pytest.raises(ValueError, match="frame_ms=0"):
        widgets.stft_explorer_update(y, sr, frame_ms=0)
    with pytest.raises(ValueError, match="longer than the signal"):
        widgets.stft_explorer_update(y[:100], sr, frame_ms=64)
    with pytest.raises(ValueError, match="not a window"):
        widgets.stft_explorer_update(y, sr, window="nonsense")
    with pytest.raises(ValueError, match="shape"):
        widgets.stft_explorer_update(np.stack([y, y]), sr)


def test_explorer_widget_builds_and_redraws(tone):
    pytest.importorskip("ipywidgets")
    y, sr = tone
    box = widgets.stft_explorer(y, sr, fmax=2000)
    controls = [c for row in box.children[:2] for c in row.children]
    assert [c.description for c in controls] == ["frame (ms)", "hop / frame", "window",
                                                 "frequency"]
    controls[0].value = 32.0  # moving a control redraws without raising
    controls[2].value = "blackman"
    assert controls[2].value == "blackman"
