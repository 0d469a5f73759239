"""Figures: axes in physical units, dB floors, colour bars, and clear errors."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from course_lib import plot  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def test_to_db_references_the_maximum_and_floors(rng):
    S = rng.uniform(0.1, 1.0, size=(10, 20))
    S[0, 0], S[1, 1] = 2.0, 1e-9
    db = plot.to_db(S, dynamic_range_db=60)
    assert db.max() == pytest.approx(0.0)
    assert db.min() == pytest.approx(-60.0) and db[1, 1] == pytest.approx(-60.0)
    assert db[2, 2] == pytest.approx(20 * np.log10(S[2, 2] / 2.0))
    power = plot.to_db(S**2, kind="power", dynamic_range_db=200)
    np.testing.assert_allclose(power, plot.to_db(S, dynamic_range_db=200), atol=1e-9)
    assert plot.to_db(np.zeros((3, 3))).max() <= 0  # silence: no NaN
    assert np.all(np.isfinite(plot.to_db(np.zeros((3, 3)))))


@pytest.mark.parametrize("freq_scale", ["linear", "log", "mel"])
def test_specshow_axes_are_in_seconds_and_hertz(rng, freq_scale):
    sr, n_fft, hop_length, frames = 22050, 1024, 256, 87
    S = rng.standard_normal((n_fft // 2 + 1, frames)) * (1 + 1j)
    mesh = plot.specshow(S, sr, hop_length=hop_length, freq_scale=freq_scale, title="t")
    ax = mesh.axes
    assert ax.get_xlabel() == "time (s)" and ax.get_ylabel() == "frequency (Hz)"
    x0, x1 = ax.get_xlim()
    assert x1 == pytest.approx((frames - 0.5) * hop_length / sr, rel=1e-6)
    assert ax.get_ylim()[1] == pytest.approx((n_fft // 2 + 0.5) * sr / n_fft)
    assert len(ax.figure.axes) == 2  # the colour bar
    assert ax.figure.axes[1].get_ylabel() == "dB"
    values = mesh.get_array()
    assert values.max() == pytest.approx(0.0) and values.min() >= -80 - 1e-9


def test_specshow_with_explicit_frequencies_and_no_db(rng):
    freqs = np.geomspace(50, 8000, 40)
    mask = rng.uniform(size=(40, 30))
    mesh = plot.specshow(mask, 16000, hop=0.01, freqs=freqs, db=False, colorbar=False)
    assert mesh.get_array().max() == pytest.approx(mask.max())
    assert len(mesh.axes.figure.axes) == 1


def test_specshow_draws_into_a_given_axes(rng):
    fig, (a, b) = plt.subplots(1, 2)
    plot.specshow(np.abs(rng.standard_normal((65, 10))), 8000, hop_length=32, ax=b)
    assert b.collections and not a.collections


def test_waveform_time_axis_and_channels(rng):
    y = rng.standard_normal((2, 8000)) * 0.1
    lines = plot.waveform(y, 8000)
    assert len(lines) == 2
    assert lines[0].get_xdata()[-1] == pytest.approx(7999 / 8000)
    assert [line.get_label() for line in lines] == ["left", "right"]
    assert len(plot.waveform(y[0], 8000)) == 1


def test_scores_bars_hold_the_values():
    table = {"mixture": {"a": 0.5, "b": -0.5}, "oracle": {"a": 12.0, "b": 10.0}}
    containers = plot.scores(table, metric="SDR", title="x")
    heights = [[bar.get_height() for bar in c] for c in containers]
    assert heights == [[0.5, -0.5], [12.0, 10.0]]
    assert containers[0][0].axes.get_ylabel() == "SDR (dB)"


def test_setup_style_sets_the_colour_map():
    plot.setup_style()
    assert matplotlib.rcParams["image.cmap"] == "magma"


def test_bad_input_raises(rng):
    with pytest.raises(ValueError, match=r"shape \(freq, frames\)"):
        plot.specshow(np.ones((2, 5, 7)), 8000)
    with pytest.raises(ValueError, match="freq_scale"):
        plot.specshow(np.ones((5, 7)), 8000, freq_scale="bark")
    with pytest.raises(ValueError, match="n_fft=10 gives 6 bins"):
        plot.specshow(np.ones((5, 7)), 8000, n_fft=10)
    with pytest.raises(ValueError, match="NaN"):
        plot.specshow(np.full((5, 7), np.nan), 8000)
    with pytest.raises(ValueError, match="hop=0"):
        plot.specshow(np.ones((5, 7)), 8000, hop=0)
    with pytest.raises(ValueError, match="freqs must be 5 increasing"):
        plot.specshow(np.ones((5, 7)), 8000, freqs=[1, 2, 3])
    with pytest.raises(ValueError, match="kind must be"):
        plot.to_db(np.ones((2, 2)), kind="amplitude")
    with pytest.raises(ValueError, match="sr"):
        plot.specshow(np.ones((5, 7)), -1)
    with pytest.raises(TypeError, match="non-empty dict"):
        plot.scores({})
    with pytest.raises(ValueError, match="labels"):
        plot.waveform(rng.standard_normal((2, 100)), 8000, labels=["only one"])


def test_nmf_panel_lines_up_the_factors(rng):
    W = rng.uniform(size=(129, 4))
    H = rng.uniform(size=(4, 50))
    V = W @ H
    axes = plot.nmf_panel(V, W, H, losses=np.geomspace(10, 1, 30), sr=8000, hop_length=64,
                          title="t")
    assert set(axes) == {"loss", "W", "H", "WH"}
    assert axes["WH"].get_xlim() == pytest.approx((0, 50 * 64 / 8000))
    assert axes["W"].get_ylim() == axes["WH"].get_ylim()
    assert axes["H"].get_xlim() == axes["WH"].get_xlim()
    assert axes["loss"].get_yscale() == "log"
    image = axes["WH"].get_images()[0].get_array()
    assert image.max() == pytest.approx(0.0, abs=1e-9) and image.min() >= -60 - 1e-9
    with pytest.raises(ValueError, match="must have the shape of V"):
        plot.nmf_panel(V[:, :10], W, H)
    with pytest.raises(ValueError, match="non-negative"):
        plot.nmf_panel(V, -W, H)
    with pytest.raises(ValueError, match="hop_length"):
        plot.nmf_panel(V, W, H, sr=8000)
