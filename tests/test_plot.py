"""Figures: axes from stft.times / stft.frequencies, dB floors, result objects, clear errors."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from course_lib import ParameterError, metrics, nmf, plot, stft  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _centres(edges: np.ndarray) -> np.ndarray:
    return (edges[1:] + edges[:-1]) / 2


def _drawn_axes(mesh) -> tuple[np.ndarray, np.ndarray]:
    """The centres of the cells a pcolormesh drew: (times, frequencies)."""
    coordinates = mesh.get_coordinates()  # (rows + 1, columns + 1, 2) cell corners
    return _centres(coordinates[0, :, 0]), _centres(coordinates[:, 0, 1])


# ---------------------------------------------------------------------------
# to_db
# ---------------------------------------------------------------------------


def test_to_db_references_the_maximum_and_floors(rng):
    S = rng.uniform(0.1, 1.0, size=(10, 20))
    S[0, 0], S[1, 1] = 2.0, 1e-9
    db = plot.to_db(S, dynamic_range_db=60)
    assert db.max() == pytest.approx(0.0)
    assert db.min() == pytest.approx(-60.0) and db[1, 1] == pytest.approx(-60.0)
    assert db[2, 2] == pytest.approx(20 * np.log10(S[2, 2] / 2.0))
    power = plot.to_db(S**2, kind="power", dynamic_range_db=200)
    np.testing.assert_allclose(power, plot.to_db(S, dynamic_range_db=200), atol=1e-9)
    assert plot.to_db(S, ref=4.0).max() == pytest.approx(20 * np.log10(2.0 / 4.0))
    silence = plot.to_db(np.zeros((3, 3)))
    assert np.all(np.isfinite(silence)) and silence.max() <= 0


@pytest.mark.parametrize("ref", [0, 0.0, -1.0, np.nan, np.inf])
def test_to_db_rejects_a_reference_that_is_not_a_positive_level(ref):
    # ref=0 used to fall back silently to 1.0
    with pytest.raises(ParameterError, match=r"ref=.*positive.*pass None"):
        plot.to_db(np.ones((2, 2)), ref=ref)


@pytest.mark.parametrize("ref", ["max", True, [1.0]])
def test_to_db_rejects_a_reference_that_is_not_a_number(ref):
    with pytest.raises(TypeError, match="ref must be a number"):
        plot.to_db(np.ones((2, 2)), ref=ref)


def test_to_db_rejects_bad_spectrograms():
    with pytest.raises(ParameterError, match="kind must be"):
        plot.to_db(np.ones((2, 2)), kind="amplitude")
    with pytest.raises(TypeError, match="complex"):
        plot.to_db(np.ones((2, 2), dtype=complex), kind="power")
    with pytest.raises(ParameterError, match="non-negative"):
        plot.to_db(-np.ones((2, 2)), kind="power")
    with pytest.raises(ParameterError, match="non-finite"):
        plot.to_db(np.full((2, 2), np.nan))
    with pytest.raises(ParameterError, match="dynamic_range_db=0"):
        plot.to_db(np.ones((2, 2)), dynamic_range_db=0)


# ---------------------------------------------------------------------------
# specshow
# ---------------------------------------------------------------------------


def test_specshow_axes_at_the_course_default_are_stft_times_and_frequencies(rng):
    # 30 s at 22 050 Hz with the 64 ms / 32 ms default: n_fft=1411, hop_length=706. The
    # old axes used hop * sr = 705.6 samples (17 ms short after 30 s) and n_fft = 1410
    # (the top bin 8 Hz high).
    sr = 22050
    y = 0.1 * rng.standard_normal(30 * sr)
    X = stft.stft(y, sr)
    mesh = plot.specshow(X, sr)
    times, freqs = _drawn_axes(mesh)
    np.testing.assert_allclose(times, stft.times(X.shape[1], sr), rtol=0, atol=1e-9)
    np.testing.assert_allclose(freqs, stft.frequencies(sr), rtol=0, atol=1e-9)
    # the same axes from the frame parameters in samples
    n_fft, hop_length = stft.frame_params(sr)
    again = plot.specshow(np.abs(X), sr, n_fft=n_fft, hop_length=hop_length)
    np.testing.assert_allclose(_drawn_axes(again)[0], times, atol=1e-12)
    ax = mesh.axes
    assert ax.get_xlabel() == "time (s)" and ax.get_ylabel() == "frequency (Hz)"
    assert ax.get_ylim() == pytest.approx((0.0, freqs[-1] + sr / n_fft / 2))


def test_specshow_draws_an_uncentred_stft_at_the_centre_of_its_frames(rng):
    sr, n_fft, hop_length = 8000, 256, 64
    X = stft.stft(rng.standard_normal(sr), sr, n_fft=n_fft, hop_length=hop_length, center=False)
    mesh = plot.specshow(X, sr, n_fft=n_fft, hop_length=hop_length, center=False)
    times, _ = _drawn_axes(mesh)
    expected = stft.times(X.shape[1], sr, hop_length=hop_length) + (n_fft // 2) / sr
    np.testing.assert_allclose(times, expected, atol=1e-12)


def test_specshow_takes_one_dict_of_stft_keywords(rng):
    params = dict(n_fft=512, hop_length=128, window="hamming", center=True)
    X = stft.stft(rng.standard_normal(8000), 8000, **params)
    times, freqs = _drawn_axes(plot.specshow(X, 8000, **params))
    np.testing.assert_allclose(freqs, stft.frequencies(8000, n_fft=512))
    np.testing.assert_allclose(times, stft.times(X.shape[1], 8000, hop_length=128))


@pytest.mark.parametrize("freq_scale", ["linear", "log", "mel"])
def test_specshow_scales_colour_bar_and_floor(rng, freq_scale):
    S = rng.standard_normal((513, 40)) * (1 + 1j)
    fig, (other, ax) = plt.subplots(1, 2)
    mesh = plot.specshow(S, 22050, n_fft=1024, hop_length=256, freq_scale=freq_scale,
                         ax=ax, fmax=5000, title="t")
    assert mesh.axes is ax and not other.collections
    assert ax.get_ylim()[1] == 5000
    assert fig.axes[-1].get_ylabel() == "dB"  # the colour bar
    values = mesh.get_array()
    assert values.max() == pytest.approx(0.0) and values.min() >= -80 - 1e-9


def test_specshow_with_explicit_frequencies_and_no_db(rng):
    freqs = np.geomspace(50, 8000, 40)
    mask = rng.uniform(size=(40, 30))
    mesh = plot.specshow(mask, 16000, hop=0.01, freqs=freqs, db=False, colorbar=False,
                         cmap="gray_r", vmin=0, vmax=1)
    np.testing.assert_allclose(mesh.get_array().reshape(mask.shape), mask)
    times, drawn = _drawn_axes(mesh)
    np.testing.assert_allclose(times, stft.times(30, 16000, hop=0.01))
    assert np.all(np.diff(drawn) > 0) and len(mesh.axes.figure.axes) == 1


def test_specshow_bad_input_raises_clear_errors(rng):
    S = np.ones((513, 7))
    ok = dict(n_fft=1024, hop_length=256)
    with pytest.raises(TypeError, match="hop_length must be an int"):
        plot.specshow(S, 8000, n_fft=1024, hop_length=2.5)
    with pytest.raises(ParameterError, match="n_fft=0"):
        plot.specshow(S, 8000, n_fft=0)
    with pytest.raises(ParameterError, match="fmax=0 Hz must be positive"):
        plot.specshow(S, 8000, fmax=0, **ok)
    with pytest.raises(ParameterError, match="fmax=-100"):
        plot.specshow(S, 8000, fmax=-100, **ok)
    with pytest.raises(ParameterError, match="vmin=0.0 must be below vmax=-10.0"):
        plot.specshow(S, 8000, vmin=0, vmax=-10, **ok)
    with pytest.raises(TypeError, match="vmin must be a number"):
        plot.specshow(S, 8000, vmin="low", **ok)
    with pytest.raises(ParameterError, match="cmap='magme'.*did you mean 'magma'"):
        plot.specshow(S, 8000, cmap="magme", **ok)
    with pytest.raises(TypeError, match="cmap must be"):
        plot.specshow(S, 8000, cmap=3, **ok)
    with pytest.raises(TypeError, match="ax must be a matplotlib Axes"):
        plot.specshow(S, 8000, ax="not an axes", **ok)
    with pytest.raises(TypeError, match="center must be True or False"):
        plot.specshow(S, 8000, center="no", **ok)
    # the bins must agree with n_fft, and the message gives the n_fft that fits
    with pytest.raises(ParameterError, match=r"513 frequency bins.*n_fft=1024 or n_fft=1025"):
        plot.specshow(S, 8000)
    with pytest.raises(ParameterError, match=r"n_fft=10 gives 6"):
        plot.specshow(np.ones((5, 7)), 8000, n_fft=10, hop_length=5)
    with pytest.raises(ParameterError, match=r"shape \(freq, frames\)"):
        plot.specshow(np.ones((2, 5, 7)), 8000)
    with pytest.raises(ParameterError, match="freq_scale"):
        plot.specshow(S, 8000, freq_scale="bark", **ok)
    with pytest.raises(ParameterError, match="non-finite"):
        plot.specshow(np.full((513, 7), np.nan), 8000, **ok)
    with pytest.raises(ParameterError, match="hop=0"):
        plot.specshow(S, 8000, n_fft=1024, hop=0)
    with pytest.raises(ParameterError, match="freqs must be 5 increasing"):
        plot.specshow(np.ones((5, 7)), 8000, freqs=[1, 2, 3], hop_length=64)
    with pytest.raises(ParameterError, match="sr"):
        plot.specshow(S, -1, **ok)
    with pytest.raises(TypeError, match="np.abs"):
        plot.specshow(S * 1j, 8000, db=False, **ok)


# ---------------------------------------------------------------------------
# waveform
# ---------------------------------------------------------------------------


def test_waveform_time_axis_and_channels(rng):
    y = rng.standard_normal((2, 8000)) * 0.1
    lines = plot.waveform(y, 8000)
    assert len(lines) == 2
    assert lines[0].get_xdata()[-1] == pytest.approx(7999 / 8000)
    assert [line.get_label() for line in lines] == ["left", "right"]
    assert len(plot.waveform(y[0], 8000)) == 1
    with pytest.raises(ParameterError, match="labels"):
        plot.waveform(y, 8000, labels=["only one"])
    with pytest.raises(TypeError, match="ax must be a matplotlib Axes"):
        plot.waveform(y, 8000, ax=object())


# ---------------------------------------------------------------------------
# scores
# ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def results():
    rng = np.random.default_rng(0)
    references = rng.standard_normal((2, 8000))
    names = ["voice", "guitar"]
    return {
        "mixture": metrics.bss_eval(references, np.stack([references.sum(0)] * 2), 8000,
                                    names=names),
        "good": metrics.bss_eval(references, references + 0.1 * rng.standard_normal((2, 8000)),
                                 8000, names=names),
    }


def _heights(containers):
    return [[float(bar.get_height()) for bar in c] for c in containers]


def test_scores_draws_a_dict_of_numbers():
    table = {"mixture": {"a": 0.5, "b": -0.5}, "oracle": {"a": 12.0, "b": 10.0}}
    containers = plot.scores(table, metric="SI-SDR", title="x")
    assert _heights(containers) == [[0.5, -0.5], [12.0, 10.0]]
    ax = containers[0][0].axes
    assert ax.get_ylabel() == "SI-SDR (dB)"
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["mixture", "oracle"]


def test_scores_draws_the_result_objects_directly(results):
    table = metrics.compare(results)
    expected = [r.sdr for r in results.values()]
    np.testing.assert_allclose(_heights(plot.scores(table)), expected)
    np.testing.assert_allclose(_heights(plot.scores(results)), expected)
    sir = plot.scores(table, metric="sir")
    np.testing.assert_allclose(_heights(sir), [r.sir for r in results.values()])
    assert sir[0][0].axes.get_ylabel() == "sir (dB)"
    single = plot.scores(results["good"], metric="SAR")
    np.testing.assert_allclose(_heights(single), [results["good"].sar])
    labels = [t.get_text() for t in single[0][0].axes.get_xticklabels()]
    assert labels == ["voice", "guitar"]
    with pytest.raises(ParameterError, match="metric='SI-SDR' is not among"):
        plot.scores(table, metric="SI-SDR")


def test_scores_leaves_a_gap_for_a_missing_score():
    containers = plot.scores({"a": {"x": 1.0, "y": np.nan}, "b": {"x": 2.0}})
    assert np.isnan(containers[0][1].get_height()) and np.isnan(containers[1][1].get_height())
    texts = [t.get_text() for t in containers[0][0].axes.texts]
    assert texts.count("n/a") == 2


def test_scores_bad_input_raises_clear_errors(results):
    with pytest.raises(ParameterError, match="empty"):
        plot.scores({})
    with pytest.raises(TypeError, match="ScoresTable"):
        plot.scores([1.0, 2.0])
    with pytest.raises(TypeError, match=r"table\['m'\] must be a dict"):
        plot.scores({"m": [1.0]})
    with pytest.raises(TypeError, match=r"table\['m'\]\['voice'\] must be a number"):
        plot.scores({"m": {"voice": "12 dB"}})
    with pytest.raises(ParameterError, match=r"table\['m'\]\['voice'\]=inf is infinite"):
        plot.scores({"m": {"voice": np.inf}})
    with pytest.raises(TypeError, match="other rows are not"):
        plot.scores({"good": results["good"], "m": {"voice": 1.0}})
    with pytest.raises(TypeError, match="ax must be a matplotlib Axes"):
        plot.scores({"m": {"voice": 1.0}}, ax="not an axes")


# ---------------------------------------------------------------------------
# nmf_panel
# ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def fit():
    rng = np.random.default_rng(0)
    V = rng.uniform(size=(129, 4)) @ rng.uniform(size=(4, 50))
    return V, nmf.nmf(V, 4, n_iter=35, loss_every=10, random_state=0)


def test_nmf_panel_draws_the_loss_at_the_iterations_it_was_recorded(fit):
    V, result = fit
    axes = plot.nmf_panel(result, V=V)
    line = axes["loss"].get_lines()[0]
    np.testing.assert_array_equal(line.get_xdata(), [10, 20, 30, 35])
    np.testing.assert_array_equal(line.get_ydata(), result.losses)
    assert axes["loss"].get_yscale() == "log"


def test_nmf_panel_axes_are_stft_times_and_frequencies_and_bases_count_from_0(fit):
    V, result = fit
    sr, n_fft, hop_length = 8000, 256, 64
    axes = plot.nmf_panel(result, V=V, sr=sr, n_fft=n_fft, hop_length=hop_length, title="t")
    assert set(axes) == {"loss", "W", "H", "WH"}
    times = stft.times(50, sr, hop_length=hop_length)
    freqs = stft.frequencies(sr, n_fft=n_fft)
    left, right, bottom, top = axes["WH"].get_images()[0].get_extent()
    np.testing.assert_allclose(np.linspace(left, right, 51)[:-1] + (right - left) / 100, times)
    np.testing.assert_allclose(np.linspace(bottom, top, 130)[:-1] + (top - bottom) / 258, freqs)
    assert axes["W"].get_images()[0].get_extent()[:2] == [-0.5, 3.5]  # bases 0 .. 3
    assert axes["H"].get_images()[0].get_extent()[2:] == [-0.5, 3.5]
    assert axes["W"].get_ylim() == axes["WH"].get_ylim()
    assert axes["H"].get_xlim() == axes["WH"].get_xlim()
    image = axes["WH"].get_images()[0].get_array()  # 0 dB is the maximum of V
    assert image.max() == pytest.approx(0.0, abs=0.1) and image.min() >= -60 - 1e-9
    # the course default in seconds, at 22 050 Hz: 706 bins
    W22 = np.ones((706, 2))
    H22 = np.ones((2, 9))

    class Fit:
        W, H = W22, H22

    axes = plot.nmf_panel(Fit(), sr=22050)
    left, right, *_ = axes["WH"].get_images()[0].get_extent()
    np.testing.assert_allclose((left + right) / 2, stft.times(9, 22050)[[0, -1]].mean())


def test_nmf_panel_bad_input_raises_clear_errors(fit):
    V, result = fit
    with pytest.raises(ParameterError, match="n_fft=0"):
        plot.nmf_panel(result, sr=8000, n_fft=0, hop_length=64)
    with pytest.raises(ParameterError, match="hop_length=-64"):
        plot.nmf_panel(result, sr=8000, n_fft=256, hop_length=-64)
    with pytest.raises(TypeError, match="hop_length must be an int"):
        plot.nmf_panel(result, sr=8000, n_fft=256, hop_length=2.5)
    with pytest.raises(ParameterError, match=r"129 frequency bins.*n_fft=256 or n_fft=257"):
        plot.nmf_panel(result, sr=8000, n_fft=512, hop_length=64)
    with pytest.raises(ParameterError, match="give sr too"):
        plot.nmf_panel(result, n_fft=256, hop_length=64)
    with pytest.raises(TypeError, match="NMFResult"):
        plot.nmf_panel(V)
    with pytest.raises(ParameterError, match="V has shape"):
        plot.nmf_panel(result, V=V[:, :10])
    with pytest.raises(ParameterError, match="fmax=0"):
        plot.nmf_panel(result, fmax=0)
    with pytest.raises(TypeError, match="fig must be a matplotlib Figure"):
        plot.nmf_panel(result, fig="figure")

    class Negative:
        W, H = -result.W, result.H

    with pytest.raises(ParameterError, match="negative"):
        plot.nmf_panel(Negative())

    class NoIterations:
        W, H, losses = result.W, result.H, result.losses

    with pytest.raises(ParameterError, match="no loss_iterations"):
        plot.nmf_panel(NoIterations())


# ---------------------------------------------------------------------------
# Figures a student can read: legends, labels that do not overlap, y labels
# ---------------------------------------------------------------------------


def _overlaps(texts) -> list[tuple[str, str]]:
    """Pairs of drawn texts whose boxes overlap (the figure must have been drawn)."""
    renderer = texts[0].figure.canvas.get_renderer()
    boxes = [(t.get_text(), t.get_window_extent(renderer)) for t in texts if t.get_text()]
    return [(a, b) for i, (a, box_a) in enumerate(boxes) for b, box_b in boxes[i + 1:]
            if box_a.overlaps(box_b)]


NOTEBOOK_SCORES = {
    "mixture (no separation)": {"voice": 0.85, "guitar": -0.85},
    "supervised NMF": {"voice": 9.58, "guitar": 9.24},
    "oracle ratio mask": {"voice": 13.68, "guitar": 12.51},
}


@pytest.mark.parametrize("figsize", [None, (10, 3.6), (4.5, 3.0)])
def test_scores_legend_sits_under_the_chart_and_values_never_overlap(figsize):
    ax = None if figsize is None else plt.subplots(figsize=figsize)[1]
    containers = plot.scores(NOTEBOOK_SCORES, ax=ax, title="t")
    ax = containers[0][0].axes
    fig = ax.figure
    fig.canvas.draw()
    legend = ax.get_legend().get_window_extent()
    axes_box = ax.get_window_extent()
    assert legend.y1 <= axes_box.y0  # under the axes, not beside them
    assert axes_box.width >= 0.75 * fig.bbox.width  # the chart keeps the width
    values = [t for t in ax.texts if t.get_text() not in ("",)]
    assert len(values) == 6
    assert _overlaps(values) == []
    for text in values:  # every value inside the axes, above or below its bar
        box = text.get_window_extent()
        assert axes_box.y0 - 1 <= box.y0 and box.y1 <= axes_box.y1 + 1, text.get_text()


def test_scores_turns_the_values_only_when_they_do_not_fit():
    wide = plot.scores({"a": {"x": 1.0}, "b": {"x": 2.0}})
    assert all(t.get_rotation() == 0 for t in wide[0][0].axes.texts)
    _, ax = plt.subplots(figsize=(5, 3))
    many = {f"method {i}": {"x": -12.345 + i, "y": 3.0} for i in range(5)}
    narrow = plot.scores(many, ax=ax)
    texts = narrow[0][0].axes.texts
    assert len(texts) == 10 and all(t.get_rotation() == 90 for t in texts)
    ax.figure.canvas.draw()
    assert _overlaps(list(texts)) == []
    # too narrow even for that: no values rather than a pile of them
    _, ax = plt.subplots(figsize=(2, 2))
    crowded = plot.scores({f"m{i}": {"x": 1.0, "y": 2.0, "z": 3.0} for i in range(8)}, ax=ax)
    texts = crowded[0][0].axes.texts
    ax.figure.canvas.draw()
    assert len(texts) == 0 or _overlaps(list(texts)) == []


def test_nmf_panel_has_a_colour_bar_per_image_and_a_y_label_on_every_axis(fit):
    V, result = fit
    axes = plot.nmf_panel(result, V=V, sr=8000, n_fft=256, hop_length=64)
    for name in ("W", "H", "WH"):
        colorbar = axes[name].images[0].colorbar
        assert colorbar is not None, name
        assert "dB" in colorbar.ax.get_xlabel() + colorbar.ax.get_ylabel()
    for name, ax in axes.items():
        assert ax.get_ylabel(), f"axis {name} has no y label"
    # W and H on one scale: 0 dB at their maximum, the floor at the bottom of the bar
    assert axes["W"].images[0].get_clim() == (-60.0, 0.0)
    assert axes["H"].images[0].get_clim() == (-60.0, 0.0)
    fig = axes["W"].figure
    fig.canvas.draw()
    w, h, wh = (axes[k].get_window_extent() for k in ("W", "H", "WH"))
    assert (w.y0, w.y1) == pytest.approx((wh.y0, wh.y1), abs=0.5)  # W lines up with W @ H
    assert (h.x0, h.x1) == pytest.approx((wh.x0, wh.x1), abs=0.5)  # and H too


@pytest.mark.parametrize("rank", [3, 8, 25, 40])
def test_nmf_panel_basis_numbers_never_overlap(rank):
    rng = np.random.default_rng(rank)
    V = rng.uniform(size=(129, rank)) @ rng.uniform(size=(rank, 120))
    result = nmf.nmf(V, rank, n_iter=3, random_state=0)
    axes = plot.nmf_panel(result, V=V)
    fig = axes["W"].figure
    fig.canvas.draw()
    for ax, ticks in ((axes["W"], axes["W"].get_xticklabels()),
                      (axes["H"], axes["H"].get_yticklabels())):
        shown = [t for t in ticks if t.get_text()
                 and -0.5 <= float(t.get_text().replace("−", "-")) <= rank - 0.5]
        assert len(shown) >= 2, [t.get_text() for t in ticks]
        assert _overlaps(shown) == [], ax


def test_seed_spread_draws_every_seed_and_the_median():
    counts = {"EU": [6, 7, 8, 8, 6, 6], "KL": [7, 6, 6, 7, 7, 7], "IS": [3, np.nan, 5]}
    dots = plot.seed_spread(counts, ylabel="keys found", integer=True, title="t")
    assert list(dots) == ["EU", "KL", "IS"]
    offsets = dots["EU"].get_offsets()
    assert sorted(offsets[:, 1].tolist()) == [6, 6, 6, 7, 8, 8]
    assert len({tuple(p) for p in offsets.tolist()}) == 6  # equal counts side by side
    assert dots["IS"].get_offsets().shape == (2, 2)  # the NaN is left out
    ax = dots["EU"].axes
    assert ax.get_ylabel() == "keys found"
    medians = [line.get_ydata()[0] for line in ax.get_lines()]
    assert medians == [6.5, 7.0, 4.0]
    assert "median 6.5 (6–8)" in ax.texts[0].get_text()
    assert [t.get_text() for t in ax.get_xticklabels()] == ["EU", "KL", "IS"]
    ax.figure.canvas.draw()
    assert _overlaps(list(ax.texts)) == []
    logged = plot.seed_spread({"a": [1e3, 1e5]}, ylabel="loss", log=True)
    assert logged["a"].axes.get_yscale() == "log"


def test_seed_spread_bad_input_raises_clear_errors():
    with pytest.raises(TypeError, match="values must be a dict"):
        plot.seed_spread([1, 2], ylabel="x")
    with pytest.raises(ParameterError, match="empty"):
        plot.seed_spread({}, ylabel="x")
    with pytest.raises(ParameterError, match=r"values\['a'\] holds no number"):
        plot.seed_spread({"a": [np.nan]}, ylabel="x")
    with pytest.raises(ParameterError, match="infinite"):
        plot.seed_spread({"a": [1.0, np.inf]}, ylabel="x")
    with pytest.raises(ParameterError, match="log=True"):
        plot.seed_spread({"a": [0.0, 1.0]}, ylabel="x", log=True)
    with pytest.raises(TypeError, match=r"values\['a'\] must be a sequence of numbers"):
        plot.seed_spread({"a": ["six"]}, ylabel="x")
    with pytest.raises(TypeError, match="ax must be a matplotlib Axes"):
        plot.seed_spread({"a": [1.0]}, ylabel="x", ax="axes")


def test_selected_frames_names_its_y_axis(rng):
    drawn = plot.selected_frames(np.abs(rng.standard_normal((3, 40))), [5], 8000, n_fft=256,
                                 hop_length=128)
    assert drawn["image"].axes.get_ylabel() == "source"
