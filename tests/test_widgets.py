"""The STFT explorer: its update function, called headless, and the widget's own redraw.

The widget tests set the controls as a student's slider would and read the status
line the redraw writes, for whichever ipywidgets is installed (7.x on Colab, 8.x
here); outside a kernel an error in the redraw is raised, not swallowed.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from course_lib import ParameterError, stft, widgets  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.fixture
def tone():
    sr = 8000
    t = np.arange(sr) / sr
    return np.sin(2 * np.pi * 440 * t) * np.exp(-3 * t), sr


# ---------------------------------------------------------------------------
# the update function
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(("frame", "hop"), [(0.016, 0.008), (0.064, 0.016), (0.2561, 0.2561)])
def test_update_reports_and_draws_the_stft_of_frame_params(tone, frame, hop):
    y, sr = tone
    info = widgets.stft_explorer_update(y, sr, frame=frame, hop=hop)
    n_fft, hop_length = stft.frame_params(sr, frame=frame, hop=hop)
    assert (info["n_fft"], info["hop_length"]) == (n_fft, hop_length)
    assert info["frame_ms"] == pytest.approx(1e3 * n_fft / sr)
    assert info["hop_ms"] == pytest.approx(1e3 * hop_length / sr)
    assert info["bin_hz"] == pytest.approx(sr / n_fft)
    X = stft.stft(y, sr, n_fft=n_fft, hop_length=hop_length)
    assert info["shape"] == X.shape
    np.testing.assert_allclose(info["mesh"].get_array().reshape(X.shape).max(), 0.0)
    corners = info["mesh"].get_coordinates()
    centres = (corners[0, 1:, 0] + corners[0, :-1, 0]) / 2
    np.testing.assert_allclose(centres, stft.times(X.shape[1], sr, hop_length=hop_length))
    assert f"{info['bin_hz']:.1f} Hz" in info["mesh"].axes.get_title()


def test_update_takes_samples_and_every_stft_keyword(tone):
    y, sr = tone
    info = widgets.stft_explorer_update(y, sr, n_fft=255, hop_length=64, window="hamming",
                                        center=False)
    X = stft.stft(y, sr, n_fft=255, hop_length=64, window="hamming", center=False)
    assert info["shape"] == X.shape and info["window"] == "hamming"


def test_update_draws_into_the_given_axes(tone):
    y, sr = tone
    fig, (a, b) = plt.subplots(1, 2)
    info = widgets.stft_explorer_update(y, sr, window="hamming", freq_scale="log", ax=b)
    assert info["mesh"].axes is b and not a.collections


def test_update_rejects_bad_settings(tone):
    y, sr = tone
    with pytest.raises(ParameterError, match="hop .* is longer than the frame"):
        widgets.stft_explorer_update(y, sr, frame=0.016, hop=0.032)
    with pytest.raises(ParameterError, match="frame=0"):
        widgets.stft_explorer_update(y, sr, frame=0)
    with pytest.raises(ParameterError, match="did you mean frame=0.064"):
        widgets.stft_explorer_update(y, sr, frame=64)
    with pytest.raises(TypeError, match="hop_length must be an int"):
        widgets.stft_explorer_update(y, sr, n_fft=256, hop_length=2.5)
    with pytest.raises(ParameterError, match="longer than the signal"):
        widgets.stft_explorer_update(y[:100], sr)
    with pytest.raises(ParameterError, match="not a window"):
        widgets.stft_explorer_update(y, sr, window="nonsense")
    with pytest.raises(ParameterError, match="shape"):
        widgets.stft_explorer_update(np.stack([y, y]), sr)
    with pytest.raises(TypeError, match="ax must be a matplotlib Axes"):
        widgets.stft_explorer_update(y, sr, ax="not an axes")


# ---------------------------------------------------------------------------
# the widget: its controls drive the same redraw a student's slider does
# ---------------------------------------------------------------------------


def _parts(box):
    ipywidgets = pytest.importorskip("ipywidgets")
    sliders, menus, status, out = box.children
    assert isinstance(status, ipywidgets.HTML) and isinstance(out, ipywidgets.Output)
    return (*sliders.children, *menus.children, status)


def test_explorer_redraws_what_its_controls_say(tone):
    pytest.importorskip("ipywidgets")
    y, sr = tone
    frame, hop, window, scale, status = _parts(widgets.stft_explorer(y, sr, fmax=2000))
    assert [c.description for c in (frame, hop, window, scale)] == [
        "frame (ms)", "hop / frame", "window", "frequency"]
    # the course default: 64 ms and 32 ms at 8 kHz are 512 and 256 samples
    assert "hann window" in status.value and "frame 64.0 ms (512 samples)" in status.value
    assert "hop 32.0 ms (256 samples)" in status.value
    frame.value = 32.0  # each assignment runs the widget's own redraw
    assert "frame 32.0 ms (256 samples)" in status.value
    assert "hop 16.0 ms (128 samples)" in status.value
    assert "bins every 31.25 Hz" in status.value
    hop.value = 0.25
    assert "hop 8.0 ms (64 samples)" in status.value
    window.value = "blackman"
    assert "blackman window" in status.value
    scale.value = "mel"
    assert "cannot draw" not in status.value
    expected = stft.stft(y, sr, n_fft=256, hop_length=64).shape
    assert f"STFT of {expected[0]} bins x {expected[1]} frames" in status.value


def test_explorer_explains_a_setting_the_clip_cannot_take(tone):
    pytest.importorskip("ipywidgets")
    y, sr = tone
    frame, *_, status = _parts(widgets.stft_explorer(y[: sr // 5], sr))
    frame.value = 512.0  # longer than the 200 ms clip
    assert "cannot draw" in status.value and "longer than the signal" in status.value
    frame.value = 64.0
    assert "cannot draw" not in status.value and "frame 64.0 ms" in status.value


def test_explorer_does_not_swallow_a_broken_update(tone, monkeypatch):
    pytest.importorskip("ipywidgets")
    y, sr = tone
    frame, *_, status = _parts(widgets.stft_explorer(y, sr))

    def broken(*args, **kwargs):
        raise ValueError("operands could not be broadcast together")

    monkeypatch.setattr(widgets, "stft_explorer_update", broken)
    with pytest.raises(ValueError, match="broadcast"):
        frame.value = 32.0

    def rejects(*args, **kwargs):
        raise ParameterError("n_fft=512 gives 257 bins but S has 129")

    monkeypatch.setattr(widgets, "stft_explorer_update", rejects)
    frame.value = 16.0
    assert "cannot draw: n_fft=512 gives 257 bins" in status.value


def test_explorer_rejects_bad_settings(tone):
    pytest.importorskip("ipywidgets")
    y, sr = tone
    with pytest.raises(ParameterError, match="did you mean frame=0.064"):
        widgets.stft_explorer(y, sr, frame=64)
    with pytest.raises(ParameterError, match="outside the explorer's range 4 to 512 ms"):
        widgets.stft_explorer(y, sr, frame=0.002, hop=0.001)
    with pytest.raises(ParameterError, match="hop slider starts at 0.125"):
        widgets.stft_explorer(y, sr, hop=0.004)
    with pytest.raises(ParameterError, match="not in the explorer's menu"):
        widgets.stft_explorer(y, sr, window="kaiser")
    with pytest.raises(ParameterError, match="fmax=0 Hz"):
        widgets.stft_explorer(y, sr, fmax=0)
    with pytest.raises(ParameterError, match="shape"):
        widgets.stft_explorer(np.stack([y, y]), sr)
