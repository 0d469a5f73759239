"""Every figure type the notebooks draw: spectrograms, waveforms, NMF panels, scores.

Each function takes ``ax=None`` (a new figure when None), draws into it, returns
what it drew and never calls ``plt.show()``, so figures combine freely. Call
:func:`setup_style` once at the top of a notebook.

Shapes and units
----------------
- spectrograms ``(freq, frames)``, complex STFTs or non-negative magnitudes
  (or powers, with ``kind="power"``); frequency in Hz, time in seconds;
- audio ``(samples,)`` or ``(channels, samples)`` with its sample rate in Hz;
- NMF factors as in :mod:`course_lib.nmf`: bases ``W (freq, rank)``, activations
  ``H (rank, frames)``, bases numbered from 0.

Axes of a spectrogram
---------------------
The functions that draw a spectrogram take the STFT keywords of
:func:`course_lib.stft.stft` (``frame, hop, n_fft, hop_length, window, center``,
with its defaults), so one dict of STFT parameters goes to the analysis and to the
figure. The axes come from :func:`course_lib.stft.times` and
:func:`course_lib.stft.frequencies`: bin ``k`` is drawn centred on ``k * sr / n_fft``
Hz and frame ``m`` centred on ``m * hop_length / sr`` seconds, the time of the
sample the frame is centred on with ``center=True``. With ``center=False``,
``stft.times`` gives each frame's first sample, and the frame is drawn at its
centre instead, ``n_fft // 2`` samples later, where the same frame of a
``center=True`` analysis would be drawn. ``window`` does not change the axes; it is
accepted so that the same keywords can be passed everywhere.
"""

from __future__ import annotations

import numbers

import numpy as np

from . import stft as _stft
from ._validation import (
    ParameterError,
    _describe,
    check_audio,
    check_axes,
    check_bool,
    check_finite_number,
    check_nonnegative_matrix,
    check_positive,
    check_sample_rate,
    check_spectrogram,
)

__all__ = [
    "setup_style",
    "specshow",
    "waveform",
    "scores",
    "to_db",
    "nmf_panel",
    "seed_spread",
    "columns_2d",
    "simplex_points",
    "selected_frames",
]

_FREQ_SCALES = ("linear", "log", "mel")


def setup_style() -> None:
    """Set the course's matplotlib style: readable sizes, a perceptual colour map.

    Used in 01_stft and 02_nmf, first code cell. Call it once at the top of a
    notebook, after ``import matplotlib.pyplot``.
    """
    import matplotlib as mpl

    mpl.rcParams.update({
        "figure.figsize": (10, 3.6),
        "figure.dpi": 100,
        "figure.constrained_layout.use": True,
        "savefig.dpi": 150,
        "font.size": 11,
        "axes.titlesize": 12,
        "axes.labelsize": 11,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.grid": False,
        "image.cmap": "magma",
        "legend.frameon": False,
    })


def to_db(S, *, kind: str = "magnitude", ref=None, dynamic_range_db: float = 80.0) -> np.ndarray:
    """Decibels of a spectrogram, floored ``dynamic_range_db`` below its maximum.

    Used in 01_stft, §1 (the DFT of one piece) and 02_nmf, §5 and §6 (activations
    and bases in dB); :func:`specshow` and :func:`nmf_panel` call it.

    .. math:: 20 \\log_{10} \\frac{|S|}{\\mathrm{ref}} \\quad (\\text{magnitude}), \\qquad
              10 \\log_{10} \\frac{S}{\\mathrm{ref}} \\quad (\\text{power})

    Parameters
    ----------
    S : numpy.ndarray, shape (..., freq, frames)
        Complex STFT or magnitudes (``kind="magnitude"``), or non-negative powers
        (``kind="power"``).
    kind : {"magnitude", "power"}
    ref : float, optional
        The level shown as 0 dB, positive and finite; the maximum of ``|S|`` by
        default (1.0 when ``S`` is all zero). Pass one ``ref`` to several
        spectrograms to compare their levels.
    dynamic_range_db : float
        The floor, this many dB below the maximum (the handout plots 60 dB).

    Returns
    -------
    numpy.ndarray, float64, the shape of ``S``
        Levels in dB.

    Raises
    ------
    TypeError
        ``S`` not a float or complex array (or complex with ``kind="power"``);
        ``ref`` or ``dynamic_range_db`` not a number.
    ParameterError
        An unknown ``kind``; NaN or infinite values; a negative power; ``ref`` or
        ``dynamic_range_db`` zero, negative or not finite.

    Examples
    --------
    >>> to_db(np.array([[1.0, 0.1, 1e-9]]), dynamic_range_db=60)
    array([[  0., -20., -60.]])
    """
    if kind not in ("magnitude", "power"):
        raise ParameterError(f"kind must be 'magnitude' or 'power', got {kind!r}")
    S = check_spectrogram(S, "S", ndims=None, nonnegative=kind == "power")
    check_positive(dynamic_range_db, "dynamic_range_db", unit="dB")
    magnitude = np.abs(S).astype(np.float64)
    if ref is None:
        peak = float(magnitude.max())
        ref = peak if peak > 0 else 1.0
    else:
        try:
            ref = float(check_positive(ref, "ref"))
        except ParameterError as exc:
            raise ParameterError(
                f"{exc}: ref is the level shown as 0 dB; pass None to use the maximum of S"
            ) from None
    factor = 20.0 if kind == "magnitude" else 10.0
    tiny = np.finfo(np.float64).tiny
    db = factor * np.log10(np.maximum(magnitude, tiny) / ref)
    return np.maximum(db, db.max() - dynamic_range_db)


# ---------------------------------------------------------------------------
# shared checks and axes
# ---------------------------------------------------------------------------


def _stft_axes(sr, n_bins: int, n_frames: int, *, frame, hop, n_fft, hop_length, center,
               check_bins: bool = True):
    """Frame centres (s) and bin frequencies (Hz) of a ``(n_bins, n_frames)`` STFT.

    Returns ``times, freqs, n_fft, hop_length``; ``freqs`` is None when
    ``check_bins`` is False (the caller has its own frequencies).
    """
    given_n_fft = n_fft is not None
    n_fft, hop_length = _stft.frame_params(sr, frame=frame, hop=hop, n_fft=n_fft,
                                           hop_length=hop_length)
    center = check_bool(center, "center")
    frame_times = _stft.times(n_frames, sr, hop_length=hop_length)
    if not center:  # stft.times is the first sample; draw the frame at its centre
        frame_times = frame_times + (n_fft // 2) / float(sr)
    if not check_bins:
        return frame_times, None, n_fft, hop_length
    if n_fft // 2 + 1 != n_bins:
        how = f"n_fft={n_fft}" if given_n_fft else f"frame={frame} s at sr={sr} Hz (n_fft={n_fft})"
        fits = (f"n_fft={2 * (n_bins - 1)} or n_fft={2 * n_bins - 1}" if n_bins > 1
                else "no n_fft")
        raise ParameterError(
            f"the spectrogram has {n_bins} frequency bins, but {how} gives "
            f"{n_fft // 2 + 1}; pass the frame (s) or n_fft (samples) of the STFT that made "
            f"it ({fits} give {n_bins} bins)"
        )
    return frame_times, _stft.frequencies(sr, n_fft=n_fft), n_fft, hop_length


def _uniform_edges(centres: np.ndarray, step: float) -> np.ndarray:
    """Cell edges around equally spaced centres ``step`` apart (for pcolormesh)."""
    return np.append(centres - step / 2, centres[-1] + step / 2)


def _edges(centres: np.ndarray) -> np.ndarray:
    """Cell edges around increasing centres, half way between them."""
    if centres.size == 1:
        return np.array([centres[0] - 0.5, centres[0] + 0.5])
    mid = (centres[1:] + centres[:-1]) / 2
    return np.concatenate([[centres[0] - (mid[0] - centres[0])], mid,
                           [centres[-1] + (centres[-1] - mid[-1])]])


def _check_cmap(cmap):
    """None, a matplotlib Colormap, or the name of a registered colour map."""
    if cmap is None:
        return None
    import matplotlib
    from matplotlib.colors import Colormap

    if isinstance(cmap, Colormap):
        return cmap
    if not isinstance(cmap, str):
        raise TypeError(
            f"cmap must be a colour map name such as 'magma' or a matplotlib Colormap, "
            f"got {_describe(cmap)}"
        )
    if cmap not in matplotlib.colormaps:
        import difflib

        close = difflib.get_close_matches(cmap, list(matplotlib.colormaps), n=3)
        hint = f"did you mean {' or '.join(map(repr, close))}? " if close else ""
        raise ParameterError(
            f"cmap={cmap!r} is not a matplotlib colour map; {hint}the course uses 'magma', "
            "'gray_r' and 'twilight' (all names: sorted(matplotlib.colormaps))"
        )
    return cmap


def _check_limits(vmin, vmax):
    if vmin is not None:
        vmin = check_finite_number(vmin, "vmin")
    if vmax is not None:
        vmax = check_finite_number(vmax, "vmax")
    if vmin is not None and vmax is not None and vmin >= vmax:
        raise ParameterError(
            f"vmin={vmin} must be below vmax={vmax} (the colours span vmin to vmax); "
            "swap them or leave one as None"
        )
    return vmin, vmax


def _frequency_scale(ax, scale: str, f_max: float) -> None:
    if scale == "linear":
        return
    if scale == "log":
        ax.set_yscale("symlog", linthresh=100.0, base=2)
    else:
        import librosa

        ax.set_yscale("function", functions=(
            lambda f: librosa.hz_to_mel(np.maximum(f, 0.0)),
            lambda m: librosa.mel_to_hz(np.maximum(m, 0.0)),
        ))
    ticks = [t for t in (0, 100, 250, 500, 1000, 2000, 4000, 8000, 16000) if t <= f_max]
    ax.set_yticks(ticks)
    ax.set_yticklabels([f"{t:g}" for t in ticks])
    ax.minorticks_off()


# ---------------------------------------------------------------------------
# figures
# ---------------------------------------------------------------------------


def specshow(
    S,
    sr,
    *,
    frame: float = _stft.DEFAULT_FRAME,
    hop: float = _stft.DEFAULT_HOP,
    n_fft: int | None = None,
    hop_length: int | None = None,
    window="hann",
    center: bool = True,
    freqs=None,
    kind: str = "magnitude",
    db: bool = True,
    ref=None,
    dynamic_range_db: float = 80.0,
    freq_scale: str = "linear",
    fmax: float | None = None,
    ax=None,
    title: str | None = None,
    colorbar: bool = True,
    colorbar_label: str | None = None,
    cmap=None,
    vmin: float | None = None,
    vmax: float | None = None,
):
    """Draw a spectrogram with time in seconds, frequency in Hz and a colour bar.

    Used in 01_stft, §2 (the STFT of piano_notes), §4 (magnitude and phase) and §7
    (the oracle masks).

    Each cell is centred on its bin's frequency, :func:`course_lib.stft.frequencies`,
    and its frame's time, :func:`course_lib.stft.times` (see the module docstring for
    ``center=False``), so the figure agrees with every other axis of the course.

    Parameters
    ----------
    S : numpy.ndarray, shape (freq, frames)
        A complex STFT or magnitudes, powers with ``kind="power"``, or any real
        matrix (a mask, a phase, an NMF reconstruction) with ``db=False``.
    sr : float
        Sample rate in Hz.
    frame, hop, n_fft, hop_length, window, center
        The STFT parameters of ``S``, as given to :func:`course_lib.stft.stft` (frame
        and hop in seconds, n_fft and hop_length in samples, which take precedence).
        ``S`` must have ``n_fft // 2 + 1`` rows unless ``freqs`` is given.
    freqs : array_like, shape (freq,), optional
        Explicit, increasing centre frequency of each row in Hz (a mel spectrogram,
        say); then the number of rows is not checked against ``n_fft``.
    kind : {"magnitude", "power"}
        What ``S`` holds, for the conversion to dB.
    db : bool
        Show decibels (default) or the values themselves (masks: 0 to 1).
    ref, dynamic_range_db
        As for :func:`to_db`: the 0 dB reference (the maximum by default) and the
        display floor, in dB.
    freq_scale : {"linear", "log", "mel"}
        How the frequency axis is warped; tick labels stay in Hz.
    fmax : float, optional
        Upper frequency shown in Hz, positive.
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure by default.
    title : str, optional
    colorbar : bool
        Add a colour bar labelled with the unit.
    colorbar_label : str, optional
        The colour bar's label; "dB", or "value" with ``db=False``, by default.
    cmap : str or matplotlib.colors.Colormap, optional
        A registered colour map name (``"magma"``, ``"gray_r"``, ``"twilight"``).
    vmin, vmax : float, optional
        The values (dB with ``db=True``) at the two ends of the colour map;
        ``vmin < vmax``.

    Returns
    -------
    matplotlib.collections.QuadMesh
        The image; ``.axes`` is the axes it is in.

    Raises
    ------
    TypeError
        ``S`` not a float or complex array; ``n_fft`` or ``hop_length`` not an int
        (``hop_length=2.5``); ``ax`` not a matplotlib Axes; ``cmap``, ``fmax``,
        ``vmin`` or ``vmax`` of the wrong type.
    ParameterError
        ``S`` not 2-D, with NaN or infinite values, or with a number of rows that
        ``n_fft`` does not give; bad frame parameters (see
        :func:`course_lib.stft.frame_params`); an unknown ``freq_scale`` or ``cmap``;
        ``fmax <= 0``; ``vmin >= vmax``.

    Examples
    --------
    >>> import numpy as np, matplotlib
    >>> matplotlib.use("Agg")
    >>> S = np.abs(np.random.default_rng(0).standard_normal((513, 40)))
    >>> mesh = specshow(S, 22050, n_fft=1024, hop_length=512, freq_scale="log")
    >>> mesh.axes.get_ylabel()
    'frequency (Hz)'
    """
    import matplotlib.pyplot as plt

    S = check_spectrogram(S, "S", ndims=(2,))
    if S.shape[0] < 2:
        raise ParameterError(f"S of shape {S.shape} has too few frequency bins to draw")
    sr = check_sample_rate(sr)
    if freq_scale not in _FREQ_SCALES:
        raise ParameterError(f"freq_scale must be one of {_FREQ_SCALES}, got {freq_scale!r}")
    ax = check_axes(ax)
    cmap = _check_cmap(cmap)
    vmin, vmax = _check_limits(vmin, vmax)
    if fmax is not None:
        fmax = check_positive(fmax, "fmax", unit="Hz")
    frame_times, stft_freqs, n_fft, hop_length = _stft_axes(
        sr, S.shape[0], S.shape[1], frame=frame, hop=hop, n_fft=n_fft, hop_length=hop_length,
        center=center, check_bins=freqs is None,
    )
    if freqs is None:
        freqs = stft_freqs
        freq_edges = _uniform_edges(freqs, sr / n_fft)
    else:
        freqs = np.asarray(freqs)
        if not np.issubdtype(freqs.dtype, np.number) or np.iscomplexobj(freqs):
            raise TypeError(f"freqs must be real frequencies in Hz, got {_describe(freqs)}")
        freqs = freqs.astype(np.float64)
        if (freqs.shape != (S.shape[0],) or not np.all(np.isfinite(freqs))
                or np.any(np.diff(freqs) <= 0)):
            raise ParameterError(
                f"freqs must be {S.shape[0]} increasing, finite frequencies in Hz, one per row "
                f"of S; got shape {freqs.shape}"
            )
        freq_edges = _edges(freqs)
    if db:
        values, unit = to_db(S, kind=kind, ref=ref, dynamic_range_db=dynamic_range_db), "dB"
    else:
        if np.iscomplexobj(S):
            raise TypeError("db=False draws values as they are, but S is complex: pass np.abs(S)")
        values, unit = S.astype(np.float64), "value"
    if ax is None:
        _, ax = plt.subplots()
    time_edges = _uniform_edges(frame_times, hop_length / sr)
    mesh = ax.pcolormesh(time_edges, freq_edges, values, shading="flat", cmap=cmap,
                         vmin=vmin, vmax=vmax, rasterized=True)
    _frequency_scale(ax, freq_scale, freqs[-1])
    ax.set_xlim(time_edges[0], time_edges[-1])
    ax.set_ylim(max(freq_edges[0], 0.0), fmax if fmax is not None else freq_edges[-1])
    ax.set_xlabel("time (s)")
    ax.set_ylabel("frequency (Hz)")
    if title:
        ax.set_title(title)
    if colorbar:
        ax.figure.colorbar(mesh, ax=ax, label=colorbar_label or unit, pad=0.01)
    return mesh


def waveform(y, sr, *, ax=None, title: str | None = None, labels=None, alpha: float = 0.9):
    """Draw a signal against time in seconds.

    Used in 01_stft, §1 (a sampled sound).

    Parameters
    ----------
    y : numpy.ndarray, shape (samples,) or (channels, samples)
    sr : float
        Sample rate in Hz.
    ax : matplotlib.axes.Axes, optional
    title : str, optional
    labels : list of str, optional
        One legend label per channel; ``"left"``/``"right"`` for stereo by default.
    alpha : float

    Returns
    -------
    list of matplotlib.lines.Line2D
        One line per channel; sample ``n`` is at ``n / sr`` seconds.

    Raises
    ------
    TypeError
        ``y`` not real float audio; ``ax`` not a matplotlib Axes.
    ParameterError
        ``y`` of the wrong shape or not finite; ``sr`` not positive; a number of
        labels other than the number of channels.
    """
    import matplotlib.pyplot as plt

    y = check_audio(y)
    sr = check_sample_rate(sr)
    ax = check_axes(ax)
    channels = y[np.newaxis] if y.ndim == 1 else y
    if labels is None:
        labels = ["left", "right"] if len(channels) == 2 else [None] * len(channels)
    if len(labels) != len(channels):
        raise ParameterError(f"got {len(labels)} labels for {len(channels)} channel(s)")
    if ax is None:
        _, ax = plt.subplots(figsize=(10, 2.4))
    t = np.arange(y.shape[-1]) / sr
    lines = [ax.plot(t, c, lw=0.6, alpha=alpha, label=label)[0]
             for c, label in zip(channels, labels, strict=True)]
    ax.set_xlim(0, t[-1] if t.size > 1 else 1 / sr)
    ax.set_xlabel("time (s)")
    ax.set_ylabel("amplitude")
    if any(label is not None for label in labels):
        ax.legend(loc="upper right")
    if title:
        ax.set_title(title)
    return lines


def _score_rows(table, metric: str) -> tuple[dict, bool]:
    """``({method: {source: value}}, named)`` from any input :func:`scores` accepts."""
    from . import metrics

    if isinstance(table, dict) and table and all(
        isinstance(v, metrics.BSSEvalResult) for v in table.values()
    ):
        table = metrics.compare(table)
    if isinstance(table, (metrics.BSSEvalResult, metrics.ScoresTable)):
        named = isinstance(table, metrics.ScoresTable)
        results = table.results if named else {None: table}
        key = metric.lower() if isinstance(metric, str) else metric
        available = next(iter(results.values())).metrics
        if key not in available:
            raise ParameterError(
                f"metric={metric!r} is not among the scores of this table, "
                f"{[m.upper() for m in available]}; for another score (SI-SDR, SNR) pass a "
                "dict {method: {source: score}}"
            )
        rows = {method: dict(zip(result.names, (float(v) for v in getattr(result, key)),
                                 strict=True))
                for method, result in results.items()}
        return rows, named
    if not isinstance(table, dict):
        raise TypeError(
            "table must be a metrics.ScoresTable (from metrics.compare), a "
            "metrics.BSSEvalResult, a dict {method: BSSEvalResult} or a dict "
            f"{{method: {{source: score in dB}}}}, got {_describe(table)}"
        )
    if not table:
        raise ParameterError("table is empty: give at least one method")
    rows = {}
    for method, row in table.items():
        if isinstance(row, metrics.BSSEvalResult):
            raise TypeError(
                f"table[{method!r}] is a BSSEvalResult but other rows are not: give every "
                "method a BSSEvalResult, or every method a dict {source: score}"
            )
        if not isinstance(row, dict):
            raise TypeError(
                f"table[{method!r}] must be a dict {{source: score in dB}}, got {_describe(row)}"
            )
        values = {}
        for source, value in row.items():
            if isinstance(value, bool) or not isinstance(value, numbers.Real):
                raise TypeError(
                    f"table[{method!r}][{source!r}] must be a number (a score in dB), got "
                    f"{_describe(value)}"
                )
            if np.isinf(value):
                raise ParameterError(
                    f"table[{method!r}][{source!r}]={value} is infinite: a score that "
                    "cannot be drawn (a silent reference or a perfect estimate?); use NaN "
                    "to leave a gap"
                )
            values[source] = float(value)
        rows[method] = values
    return rows, True


def scores(table, *, metric: str = "SDR", ax=None, title: str | None = None):
    """Grouped bars of one separation score: methods side by side for each source.

    Used in 01_stft, §7 (oracle masks against the mixture) and 02_nmf, §9
    (supervised NMF between the baseline and the oracle).

    Parameters
    ----------
    table : ScoresTable, BSSEvalResult, or dict
        The scores: a :class:`course_lib.metrics.ScoresTable` (from
        :func:`course_lib.metrics.compare`), one
        :class:`course_lib.metrics.BSSEvalResult`, a dict
        ``{method: BSSEvalResult}``, or a dict ``{method: {source: score_in_dB}}``
        for any other score (SI-SDR, SNR). Put the no-separation baseline first and
        the oracle last. A NaN score is missing (BSS Eval gives NaN when every frame
        of a source is silent): it leaves a gap labelled "n/a".
    metric : str
        Which BSS Eval score to draw from a result or table (``"SDR"``, ``"SIR"``,
        ``"SAR"``, ``"ISR"``, any case); with a dict of numbers, only the axis label
        (``"SI-SDR"``).
    ax : matplotlib.axes.Axes, optional
    title : str, optional

    Returns
    -------
    list of matplotlib.container.BarContainer
        One container per method, one bar per source (sources in order of first
        appearance); a legend under the axes names the methods, in up to three
        columns, so that it never takes the width of the chart. Each bar carries its
        value, written upright when it fits the bar's width and turned a quarter
        turn (in a smaller font if need be) when it does not, so that the labels of
        neighbouring bars never overlap; on bars too narrow even for that (many
        methods on a small axes) the values are left out.

    Raises
    ------
    TypeError
        ``table`` of another type, a score that is not a number, ``ax`` not a
        matplotlib Axes.
    ParameterError
        An empty table, an infinite score, a ``metric`` the results do not hold,
        results of different sources (as :func:`course_lib.metrics.compare`).

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> bars = scores({"mixture": {"voice": 0.3, "guitar": -0.2},
    ...                "oracle": {"voice": 12.1, "guitar": 9.8}}, metric="SI-SDR")
    >>> [float(bar.get_height()) for bar in bars[1]]
    [12.1, 9.8]
    """
    import matplotlib.pyplot as plt

    ax = check_axes(ax)
    rows, named = _score_rows(table, metric)
    sources: list = []
    for row in rows.values():
        sources += [s for s in row if s not in sources]
    if not sources:
        raise ParameterError("table holds no scores: every method's row is empty")
    if ax is None:
        _, ax = plt.subplots(figsize=(max(5.0, 1.1 * len(sources) * len(rows) + 2.5), 3.8))
    width = 0.8 / len(rows)
    x = np.arange(len(sources))
    values = {method: np.array([row.get(s, np.nan) for s in sources])
              for method, row in rows.items()}
    texts = {method: [f"{v:.1f}" for v in row] for method, row in values.items()}
    widest = max(len(t) for row in texts.values() for t in row)
    bar_points = _bar_points(ax, bar_width=width, n_groups=len(sources))
    upright = _text_points(widest) <= bar_points
    # turned a quarter turn, a value is one line high: shrink the font to the bar, or
    # leave the values out when even 5 points do not fit
    fontsize = _VALUE_FONTSIZE if upright else min(_VALUE_FONTSIZE, bar_points / 1.25)
    containers = []
    for i, (method, row) in enumerate(values.items()):
        bars = ax.bar(x + (i - (len(rows) - 1) / 2) * width, row, width, label=method)
        if fontsize >= 5:
            ax.bar_label(bars, labels=texts[method], fontsize=fontsize, padding=2,
                         rotation=0 if upright else 90)
        for bar, value in zip(bars, row, strict=True):
            if np.isnan(value) and fontsize >= 5:  # a missing score: say so
                ax.annotate("n/a", (bar.get_x() + bar.get_width() / 2, 0.0), ha="center",
                            va="bottom", xytext=(0, 2), textcoords="offset points",
                            fontsize=fontsize, rotation=0 if upright else 90)
        containers.append(bars)
    ax.axhline(0, color="0.3", lw=0.8)
    ax.set_xticks(x, [str(s) for s in sources])
    ax.set_xlim(-0.5, len(sources) - 0.5)
    ax.set_ylabel(f"{metric} (dB)")
    # room above the tallest bar (and below the lowest) for the value labels
    finite = np.concatenate([row[np.isfinite(row)] for row in values.values()] + [np.zeros(1)])
    low, high = float(finite.min()), float(finite.max())
    span = max(high - low, 1.0)
    label_inches = (2 + (_VALUE_FONTSIZE if upright else _text_points(widest))) / 72
    axes_inches = ax.get_position().height * ax.figure.get_figheight() * 0.8
    share = min(label_inches / axes_inches, 0.3)  # of the axes' height, per side
    headroom = span * share / (1 - 2 * share)
    ax.set_ylim(low - (headroom if low < 0 else 0.02 * span), high + headroom)
    if named:
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.14), ncol=min(len(rows), 3),
                  fontsize=9, handlelength=1.2, columnspacing=1.2)
    if title:
        ax.set_title(title)
    return containers


#: Font size of the value written on each bar of :func:`scores`.
_VALUE_FONTSIZE = 8


def _bar_points(ax, *, bar_width: float, n_groups: int) -> float:
    """The width in points of one bar of ``ax``.

    The x axis holds ``n_groups`` groups of bars, one unit each, and a bar is
    ``bar_width`` units wide. The axes' width comes from its place in the figure
    (before the layout, which takes some of it for margins, hence the 0.85).
    """
    axes_inches = ax.get_position().width * ax.figure.get_figwidth() * 0.85
    return 72 * axes_inches * bar_width / n_groups


def _text_points(n_chars: int) -> float:
    """The width in points of ``n_chars`` characters of the value font (0.6 em each)."""
    return (n_chars + 0.5) * 0.6 * _VALUE_FONTSIZE


def _nmf_factors(result, V):
    """W, H, V (or None), losses and their iterations from an NMFResult-like object."""
    if isinstance(result, np.ndarray) or not (hasattr(result, "W") and hasattr(result, "H")):
        raise TypeError(
            "result must be an NMFResult (from nmf.nmf or nmf.nmf_gradient), or any object "
            f"with W (freq, rank) and H (rank, frames), got {_describe(result)}; draw a fit "
            "with plot.nmf_panel(fit, V=V)"
        )
    W = check_nonnegative_matrix(result.W, "result.W", allow_zero_matrix=True)
    H = check_nonnegative_matrix(result.H, "result.H", allow_zero_matrix=True)
    if W.shape[1] != H.shape[0]:
        raise ParameterError(
            f"result.W {W.shape} and result.H {H.shape} do not multiply: W is (freq, rank), "
            "H is (rank, frames)"
        )
    if V is not None:
        V = check_nonnegative_matrix(V, "V", allow_zero_matrix=True)
        if V.shape != (W.shape[0], H.shape[1]):
            raise ParameterError(
                f"V has shape {V.shape} but W @ H has shape {(W.shape[0], H.shape[1])}: pass "
                "the spectrogram that was factorised"
            )
    losses = getattr(result, "losses", None)
    losses = np.zeros(0) if losses is None else np.asarray(losses, dtype=np.float64)
    iterations = getattr(result, "loss_iterations", None)
    if losses.size and iterations is None:
        raise ParameterError(
            f"result has {losses.size} losses but no loss_iterations to place them on the "
            "iteration axis; give it loss_iterations (as NMFResult has)"
        )
    iterations = np.zeros(0) if iterations is None else np.asarray(iterations, dtype=np.float64)
    if losses.ndim != 1 or iterations.shape != losses.shape:
        raise ParameterError(
            f"result.losses {losses.shape} and result.loss_iterations {iterations.shape} must "
            "be 1-D and of the same length, one iteration number per loss"
        )
    return W, H, V, losses, iterations


def nmf_panel(
    result,
    *,
    V=None,
    sr: float | None = None,
    frame: float = _stft.DEFAULT_FRAME,
    hop: float = _stft.DEFAULT_HOP,
    n_fft: int | None = None,
    hop_length: int | None = None,
    window="hann",
    center: bool = True,
    fmax: float | None = None,
    dynamic_range_db: float = 60.0,
    title: str | None = None,
    loss_label: str = "loss",
    fig=None,
):
    """The handout's NMF figure: loss curve, bases W, activations H and W @ H.

    Used in 02_nmf, §4 (two piano notes).

    A grid with the loss curve top left, the bases W down the left side (frequency
    upwards, one column per basis), the activations H along the top (one row per
    basis, time to the right) and the model ``W @ H`` as the large panel, where it
    lines up with both. Bases are numbered from 0, as the prints and players of the
    notebooks number them; with many bases only some are numbered (at most about one
    tick per 0.3 inch of panel), so that the numbers never overlap. Each factor is
    shown in dB with a floor ``dynamic_range_db`` below its maximum (the handout uses
    60 dB), with a colour bar of its own (W's under it, H's and W @ H's to their
    right); ``W @ H`` uses the maximum of ``V`` (or its own) as 0 dB. Every panel has
    a y label. The loss is drawn at the iterations it was recorded at
    (``result.loss_iterations``: 10, 20, ... with ``loss_every=10``), on a log scale
    when it falls by a decade or more.

    Parameters
    ----------
    result : course_lib.nmf.NMFResult
        The fit: ``W`` (freq, rank), ``H`` (rank, frames), ``losses`` and
        ``loss_iterations`` (shape (n_recorded,)). Any object with ``W`` and ``H``
        works; without ``losses`` the loss panel stays empty.
    V : numpy.ndarray, shape (freq, frames), optional
        The spectrogram that was factorised; only its maximum is used, as the 0 dB
        level of ``W @ H``.
    sr : float, optional
        Sample rate in Hz. With it the axes are in seconds and Hz (through
        :func:`course_lib.stft.times` and :func:`course_lib.stft.frequencies`);
        without it, in frames and bins, and the STFT keywords must keep their defaults.
    frame, hop, n_fft, hop_length, window, center
        The STFT parameters of ``V``, as given to :func:`course_lib.stft.stft` (frame
        and hop in seconds, n_fft and hop_length in samples); the bases must have
        ``n_fft // 2 + 1`` rows. See the module docstring for ``center`` and ``window``.
    fmax : float, optional
        Upper frequency shown, positive (Hz with ``sr``, else bins).
    dynamic_range_db : float
        The floor of each panel, in dB below its maximum.
    title : str, optional
    loss_label : str
        y label of the loss curve.
    fig : matplotlib.figure.Figure, optional
        An empty figure to draw into; a new one by default. A figure without a
        layout engine gets matplotlib's constrained layout, which keeps the panels
        lined up when the colour bars take their room.

    Returns
    -------
    dict of str to matplotlib.axes.Axes
        ``"loss"``, ``"W"``, ``"H"``, ``"WH"``. Each image's colour bar is
        ``axes[name].images[0].colorbar``.

    Raises
    ------
    TypeError
        ``result`` without ``W`` and ``H``; factors not real float matrices;
        ``n_fft`` or ``hop_length`` not an int; ``fig`` not a matplotlib Figure.
    ParameterError
        Negative or non-finite factors; shapes that do not fit; losses without
        iteration numbers; bad frame parameters (``n_fft=0``, ``hop_length=-1``) or
        a number of bins that ``n_fft`` does not give; STFT keywords without ``sr``;
        ``fmax <= 0``.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from course_lib import nmf
    >>> V = np.abs(np.random.default_rng(0).standard_normal((129, 50)))
    >>> fit = nmf.nmf(V, 3, n_iter=30, loss_every=10, random_state=0)
    >>> axes = nmf_panel(fit, V=V, sr=8000, n_fft=256, hop_length=64)
    >>> axes["loss"].get_lines()[0].get_xdata()
    array([10., 20., 30.])
    """
    import matplotlib.pyplot as plt
    from matplotlib.figure import Figure
    from matplotlib.gridspec import GridSpec
    from matplotlib.ticker import MaxNLocator

    W, H, V, losses, iterations = _nmf_factors(result, V)
    if fig is not None and not isinstance(fig, Figure):
        raise TypeError(
            f"fig must be a matplotlib Figure (e.g. plt.figure()) or None, got {_describe(fig)}"
        )
    freq, frames, rank = W.shape[0], H.shape[1], W.shape[1]
    if sr is not None:
        sr = check_sample_rate(sr)
        frame_times, freqs, n_fft, hop_length = _stft_axes(
            sr, freq, frames, frame=frame, hop=hop, n_fft=n_fft, hop_length=hop_length,
            center=center,
        )
        t_step, f_step = hop_length / sr, sr / n_fft
        t_unit, f_unit = "time (s)", "frequency (Hz)"
    else:
        defaults = dict(frame=_stft.DEFAULT_FRAME, hop=_stft.DEFAULT_HOP, n_fft=None,
                        hop_length=None, center=True)
        given = dict(frame=frame, hop=hop, n_fft=n_fft, hop_length=hop_length, center=center)
        changed = [k for k in defaults if given[k] is not defaults[k]
                   and given[k] != defaults[k]]
        if changed:
            raise ParameterError(
                f"{', '.join(f'{k}={given[k]!r}' for k in changed)} place the axes in seconds "
                "and Hz, which needs the sample rate: give sr too (without sr the axes are in "
                "frames and bins)"
            )
        frame_times, freqs = np.arange(frames, dtype=float), np.arange(freq, dtype=float)
        t_step = f_step = 1.0
        t_unit, f_unit = "frame", "frequency bin"
    if fmax is not None:
        fmax = check_positive(fmax, "fmax", unit="Hz" if sr is not None else "bins")
    t_extent = (frame_times[0] - t_step / 2, frame_times[-1] + t_step / 2)
    f_extent = (freqs[0] - f_step / 2, freqs[-1] + f_step / 2)
    basis_extent = (-0.5, rank - 0.5)

    if fig is None:
        fig = plt.figure(figsize=(11, 7), layout="constrained")
    elif fig.get_layout_engine() is None:
        fig.set_layout_engine("constrained")  # keeps W level with W @ H, H above it
    grid = GridSpec(5, 5, figure=fig)
    axes = {
        "loss": fig.add_subplot(grid[0, 0]),
        "H": fig.add_subplot(grid[0, 1:]),
        "W": fig.add_subplot(grid[1:, 0]),
    }
    axes["WH"] = fig.add_subplot(grid[1:, 1:], sharex=axes["H"], sharey=axes["W"])
    model = W @ H
    peak = float(V.max()) if V is not None else float(model.max())
    ref = peak if peak > 0 else None
    image = dict(aspect="auto", origin="lower", interpolation="nearest", cmap="magma",
                 vmin=-dynamic_range_db, vmax=0.0)
    w_image = axes["W"].imshow(to_db(W, dynamic_range_db=dynamic_range_db),
                               extent=(*basis_extent, *f_extent), **image)
    axes["W"].set(xlabel="basis", ylabel=f_unit)
    w_inches = axes["W"].get_position().width * fig.get_figwidth()
    axes["W"].xaxis.set_major_locator(
        MaxNLocator(nbins=max(2, int(w_inches / 0.3)), integer=True, min_n_ticks=1))
    h_image = axes["H"].imshow(to_db(H, dynamic_range_db=dynamic_range_db),
                               extent=(*t_extent, *basis_extent), **image)
    axes["H"].set(ylabel="basis", title="activations H")
    h_inches = axes["H"].get_position().height * fig.get_figheight()
    axes["H"].yaxis.set_major_locator(
        MaxNLocator(nbins=max(2, int(h_inches / 0.25)), integer=True, min_n_ticks=1))
    axes["H"].tick_params(labelbottom=False)
    model_db = to_db(model, ref=ref, dynamic_range_db=dynamic_range_db)
    mesh = axes["WH"].imshow(model_db, extent=(*t_extent, *f_extent),
                             **(image | {"vmax": max(0.0, float(model_db.max()))}))
    axes["WH"].set(xlabel=t_unit, ylabel=f_unit, title="model W @ H")
    axes["WH"].set_xlim(*t_extent)
    axes["WH"].set_ylim(max(f_extent[0], 0.0) if sr is not None else f_extent[0],
                        fmax if fmax is not None else f_extent[1])
    fig.colorbar(mesh, ax=axes["WH"], label="dB re max V" if V is not None else "dB",
                 pad=0.01)
    fig.colorbar(h_image, ax=axes["H"], label="dB", pad=0.01)
    fig.colorbar(w_image, ax=axes["W"], label="dB (bases W)", location="bottom",
                 pad=0.02, aspect=12)
    if losses.size:
        axes["loss"].plot(iterations, losses, marker="." if losses.size < 30 else None)
        if np.all(losses > 0) and losses.max() >= 10 * losses.min():
            # log scale over a decade or more; no numbers on the minor ticks, which crowd
            from matplotlib.ticker import NullFormatter

            axes["loss"].set_yscale("log")
            axes["loss"].yaxis.set_minor_formatter(NullFormatter())
        else:
            axes["loss"].yaxis.set_major_locator(MaxNLocator(nbins=3))
    else:
        axes["loss"].text(0.5, 0.5, "no loss recorded\n(loss_every=0)", ha="center",
                          va="center", transform=axes["loss"].transAxes, fontsize=8)
    axes["loss"].set(xlabel="iteration", ylabel=loss_label)
    if title:
        fig.suptitle(title)
    return axes


def seed_spread(values, *, ylabel: str, ax=None, title: str | None = None,
                integer: bool = False, log: bool = False):
    """One result per seed for several methods: every seed a dot, the median a bar.

    Used in 02_nmf, §5 to §7 (keys found over seeds, rank 8 against rank 9, the
    race's final losses): the course's rule that an "A beats B" claim shows its
    spread over seeds, drawn.

    Each method gets one column; its values are dots, spread sideways a little when
    several are equal (``integer=True`` counts: equal counts stack side by side so
    that every seed stays visible), with a black bar at the median and the median
    and range written above the column.

    Parameters
    ----------
    values : dict of str to sequence of float
        ``{method: [value of seed 0, value of seed 1, ...]}``; methods may have
        different numbers of seeds. NaNs are left out.
    ylabel : str
        What the values are (with their unit).
    ax : matplotlib.axes.Axes, optional
    title : str, optional
    integer : bool
        The values are counts: integer ticks, equal values side by side.
    log : bool
        A logarithmic y axis (positive values only).

    Returns
    -------
    dict of str to matplotlib.collections.PathCollection
        The dots of each method.

    Raises
    ------
    TypeError
        ``values`` not a dict of sequences of numbers; ``ax`` not a matplotlib Axes.
    ParameterError
        An empty dict, a method without a finite value, infinite values, or values
        that are not positive with ``log=True``.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> dots = seed_spread({"EU": [6, 7, 8], "KL": [7, 7, 6]}, ylabel="keys found",
    ...                    integer=True)
    >>> sorted(dots["KL"].get_offsets()[:, 1].tolist())
    [6.0, 7.0, 7.0]
    """
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator

    if not isinstance(values, dict):
        raise TypeError(f"values must be a dict {{method: values per seed}}, got "
                        f"{_describe(values)}")
    if not values:
        raise ParameterError("values is empty: give at least one method")
    check_bool(integer, "integer")
    check_bool(log, "log")
    columns = {}
    for method, row in values.items():
        try:
            array = np.asarray(row, dtype=np.float64).ravel()
        except (TypeError, ValueError):
            raise TypeError(f"values[{method!r}] must be a sequence of numbers, got "
                            f"{_describe(row)}") from None
        array = array[~np.isnan(array)]
        if not array.size:
            raise ParameterError(f"values[{method!r}] holds no number (empty or all NaN)")
        if np.any(np.isinf(array)):
            raise ParameterError(f"values[{method!r}] has an infinite value")
        if log and np.any(array <= 0):
            raise ParameterError(f"values[{method!r}] has a value <= 0, which log=True "
                                 "cannot draw")
        columns[str(method)] = array
    ax = check_axes(ax)
    if ax is None:
        _, ax = plt.subplots(figsize=(max(4.0, 1.3 * len(columns) + 1.5), 3.2))
    dots = {}
    for i, (method, array) in enumerate(columns.items()):
        offsets = np.zeros(array.size)
        for value in np.unique(array):  # equal values side by side, centred
            same = np.flatnonzero(array == value)
            offsets[same] = (np.arange(same.size) - (same.size - 1) / 2) * min(
                0.06, 0.7 / max(same.size, 1))
        dots[method] = ax.scatter(i + offsets, array, s=22, alpha=0.8, zorder=3)
        median = float(np.median(array))
        ax.plot([i - 0.3, i + 0.3], [median, median], color="k", lw=2, zorder=2)
        spread = (f"{median:g} ({array.min():g}–{array.max():g})" if integer else
                  f"{median:.3g} ({array.min():.3g}–{array.max():.3g})")
        ax.annotate(f"median {spread}\n{array.size} seeds", (i, 1.0),
                    xycoords=("data", "axes fraction"), xytext=(0, 3),
                    textcoords="offset points", ha="center", va="bottom", fontsize=8)
    ax.set_xticks(range(len(columns)), list(columns))
    ax.set_xlim(-0.6, len(columns) - 0.4)
    if log:
        ax.set_yscale("log")
    if integer:
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        low = min(a.min() for a in columns.values())
        high = max(a.max() for a in columns.values())
        ax.set_ylim(low - 0.6, high + 0.6)
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title, pad=28)
    return dots


# ---------------------------------------------------------------------------
# Separable NMF (04_snpa): columns as points, the hull of the selected ones
# ---------------------------------------------------------------------------



def _check_selected(selected, n: int, name: str = "selected") -> np.ndarray:
    """Column indices (any int sequence, in the order chosen), distinct and in range."""
    from ._validation import check_int

    if selected is None:
        return np.zeros(0, dtype=int)
    if isinstance(selected, (str, bytes)) or not hasattr(selected, "__iter__"):
        raise TypeError(f"{name} must be a sequence of column indices, got {_describe(selected)}")
    indices = [check_int(j, f"{name}[{i}]", minimum=0, maximum=n - 1, unit="")
               for i, j in enumerate(np.asarray(selected).tolist())]
    if len(set(indices)) != len(indices):
        raise ParameterError(f"{name}={indices} repeats a column; give each column once")
    return np.asarray(indices, dtype=int)


def _mark_selected(ax, points: np.ndarray, selected: np.ndarray, label: str,
                   color: str = "C3"):
    """Star markers on the selected points, numbered 1, 2, ... in the order chosen."""
    if not isinstance(label, str):
        raise TypeError(f"label must be a str, got {_describe(label)}")
    marks = ax.scatter(points[0, selected], points[1, selected], s=160, marker="*",
                       color=color, edgecolor="k", linewidth=0.5, zorder=4, label=label)
    for order, j in enumerate(selected, start=1):
        ax.annotate(str(order), points[:, j], xytext=(6, 6), textcoords="offset points",
                    fontsize=10, fontweight="bold", color=color, zorder=5)
    return marks


def columns_2d(M, *, selected=None, hull: str | None = "convex", projection=None,
               label: str = "selected (in the order chosen)", ax=None, title: str | None = None):
    """The columns of a 2-row non-negative matrix as points in the plane.

    Used in 04_snpa, §1 (the cone of a separable matrix) and §3 (what SPA and SNPA
    project onto, and the residual each leaves).

    Every column ``M[:, i]`` is a grey dot; the ``selected`` columns are stars
    numbered in the order chosen. ``hull="convex"`` shades the convex hull of the
    selected columns and the origin (what SNPA projects onto); ``hull="span"`` draws
    the line through the origin along each selected column (what SPA projects onto,
    one column at a time); ``hull="cone"`` shades the cone they span (what a
    conical-hull method such as XRAY projects onto). ``projection`` draws an arrow
    from each column to the point given for it, e.g. ``W @ H``: the residual.

    Parameters
    ----------
    M : numpy.ndarray, shape (2, n)
        Non-negative columns.
    selected : sequence of int, optional
        Indices of selected columns, in the order chosen.
    hull : {"convex", "span", "cone", None}
        What to draw around the selected columns.
    projection : numpy.ndarray, shape (2, n), optional
        Where each column is projected to (arrows where it moved).
    label : str
        The legend entry of the stars (say what they are: chosen by an algorithm, or
        the planted columns).
    ax : matplotlib.axes.Axes, optional
    title : str, optional

    Returns
    -------
    dict of str to matplotlib artists
        ``"points"`` always; ``"selected"``, ``"hull"`` and ``"arrows"`` when drawn.

    Raises
    ------
    TypeError
        ``M`` or ``projection`` not a real float matrix; ``selected`` not a sequence
        of ints; ``ax`` not a matplotlib Axes.
    ParameterError
        ``M`` not of shape (2, n), negative or not finite; a selected index out of
        range or repeated; an unknown ``hull``; ``projection`` of another shape.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> M = np.array([[1.0, 0.2, 0.5], [0.1, 1.0, 0.4]])
    >>> artists = columns_2d(M, selected=[0, 1])
    >>> sorted(artists)
    ['hull', 'points', 'selected']
    """
    import matplotlib.pyplot as plt
    from matplotlib.patches import Polygon

    M = check_nonnegative_matrix(M, "M", allow_zero_matrix=True)
    if M.shape[0] != 2:
        raise ParameterError(f"M must have 2 rows (points in the plane), got shape {M.shape}")
    selected = _check_selected(selected, M.shape[1])
    if hull not in ("convex", "span", "cone", None):
        raise ParameterError(f"hull must be 'convex', 'span', 'cone' or None, got {hull!r}")
    ax = check_axes(ax)
    if ax is None:
        _, ax = plt.subplots(figsize=(4.6, 4.2))
    artists = {}
    reach = 1.08 * float(M.max()) if M.max() > 0 else 1.0
    W = M[:, selected]
    if selected.size and hull == "convex":
        angles = np.arctan2(W[1], W[0])
        corners = np.c_[np.zeros(2), W[:, np.argsort(angles)]].T
        # the edge shows the hull when it is flat (one column: the segment from 0 to it)
        artists["hull"] = ax.add_patch(Polygon(corners, closed=True, facecolor=(0.12, 0.47, 0.71,
                                                                                0.18),
                                               edgecolor="C0", lw=1.2, label="conv(selected, 0)"))
    elif selected.size and hull == "span":
        lines = []
        for w in W.T:
            end = 2 * reach * w / np.linalg.norm(w)
            lines += ax.plot([-end[0], end[0]], [-end[1], end[1]], "--", color="C0", lw=1)
        lines[0].set_label("span of each selected column")
        artists["hull"] = lines
    elif selected.size and hull == "cone":
        angles = np.arctan2(W[1], W[0])
        low, high = W[:, np.argmin(angles)], W[:, np.argmax(angles)]
        far = [2 * reach * v / np.linalg.norm(v) for v in (low, high)]
        artists["hull"] = ax.add_patch(Polygon(np.array([[0, 0], far[0], far[1]]), closed=True,
                                               alpha=0.12, color="C2", label="cone(selected)"))
    if projection is not None:
        P = check_spectrogram(projection, "projection", ndims=(2,))
        if np.iscomplexobj(P) or P.shape != M.shape:
            raise ParameterError(
                f"projection must be a real array of the shape of M {M.shape}, one point per "
                f"column, got {P.dtype} {P.shape}"
            )
        moved = np.linalg.norm(P - M, axis=0) > 1e-6 * reach    # rounding draws no arrow
        if np.any(moved):
            artists["arrows"] = ax.quiver(M[0, moved], M[1, moved], P[0, moved] - M[0, moved],
                                          P[1, moved] - M[1, moved], angles="xy",
                                          scale_units="xy", scale=1, color="C1", width=0.006,
                                          zorder=3, label="residual (to the projection)")
    artists["points"] = ax.scatter(M[0], M[1], s=18, color="0.35", zorder=3, label="columns of M")
    if selected.size:
        artists["selected"] = _mark_selected(ax, M, selected, label)
    ax.scatter([0], [0], marker="+", color="k", s=60, zorder=3)
    ax.set(xlim=(-0.05 * reach, reach), ylim=(-0.05 * reach, reach), aspect="equal",
           xlabel="row 1", ylabel="row 2")
    ax.legend(loc="upper right", fontsize=8)
    if title:
        ax.set_title(title)
    return artists


#: The corners of the triangle the 3-part simplex is drawn in (equilateral, side 1).
_TRIANGLE = np.array([[0.0, 1.0, 0.5], [0.0, 0.0, np.sqrt(3) / 2]])


def simplex_points(M, *, selected=None, corner_labels=None,
                   label: str = "selected (in the order chosen)", ax=None,
                   title: str | None = None):
    """Columns of a 3-row non-negative matrix, scaled to sum 1, drawn in a triangle.

    Used in 04_snpa, §1 (near-separable data in the simplex) and §4 (the greedy rule's
    counter-example).

    Dividing each column by its sum (``normalize="l1"`` of :mod:`course_lib.separable`)
    puts it on the plane ``x + y + z = 1``, inside the triangle whose corners are the
    three unit vectors; the figure shows that triangle flat (barycentric coordinates),
    so a column is drawn nearer a corner the larger its share of that row. The columns
    of ``W`` of a separable matrix are the corners of the polygon that holds all the
    points. All-zero columns have no direction and are left out.

    Parameters
    ----------
    M : numpy.ndarray, shape (3, n)
        Non-negative columns, not all zero.
    selected : sequence of int, optional
        Indices of selected columns, in the order chosen (numbered stars).
    corner_labels : sequence of 3 str, optional
        Names of the three rows, written at the corners (``"row 1"`` ... by default).
    label : str
        The legend entry of the stars.
    ax : matplotlib.axes.Axes, optional
    title : str, optional

    Returns
    -------
    dict of str to matplotlib artists
        ``"points"``, ``"triangle"``, and ``"selected"`` when given.

    Raises
    ------
    TypeError
        ``M`` not a real float matrix; ``selected`` not a sequence of ints; ``ax`` not
        a matplotlib Axes.
    ParameterError
        ``M`` not of shape (3, n), negative, not finite or all zero; a selected
        index out of range, repeated, or of an all-zero column; not 3 corner labels.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> artists = simplex_points(np.c_[np.eye(3), np.full(3, 1 / 3)], selected=[3])
    >>> artists["points"].get_offsets()[3].round(3).tolist()      # the centre
    [0.5, 0.289]
    """
    import matplotlib.pyplot as plt

    M = check_nonnegative_matrix(M, "M")
    if M.shape[0] != 3:
        raise ParameterError(f"M must have 3 rows, got shape {M.shape}")
    selected = _check_selected(selected, M.shape[1])
    sums = M.sum(axis=0)
    if np.any(sums[selected] == 0):
        raise ParameterError("selected names an all-zero column, which has no place in the "
                             "triangle")
    if corner_labels is None:
        corner_labels = ["row 1", "row 2", "row 3"]
    if isinstance(corner_labels, str) or len(corner_labels) != 3:
        raise ParameterError(f"corner_labels must be 3 names, one per row, got {corner_labels!r}")
    ax = check_axes(ax)
    if ax is None:
        _, ax = plt.subplots(figsize=(4.6, 4.2))
    shares = M / np.where(sums > 0, sums, 1.0)
    xy = _TRIANGLE @ shares
    xy[:, sums == 0] = np.nan
    triangle = ax.fill(_TRIANGLE[0], _TRIANGLE[1], facecolor="none", edgecolor="0.3", lw=1)[0]
    artists = {"triangle": triangle}
    artists["points"] = ax.scatter(xy[0], xy[1], s=18, color="0.35", zorder=3,
                                   label="columns of M (scaled to sum 1)")
    if selected.size:
        artists["selected"] = _mark_selected(ax, xy, selected, label)
    for corner, name, align in zip(_TRIANGLE.T, corner_labels, ("right", "left", "center"),
                                   strict=True):
        offset = (0, 24) if align == "center" else (-8 if align == "right" else 8, -14)
        ax.annotate(str(name), corner, xytext=offset, textcoords="offset points",
                    ha=align, va="center", fontsize=9)
    ax.set(xlim=(-0.15, 1.15), ylim=(-0.3, 1.02), aspect="equal")
    ax.axis("off")
    ax.legend(loc="lower center", fontsize=8, ncol=2)
    if title:
        ax.set_title(title)
    return artists


def selected_frames(
    activity,
    indices,
    sr,
    *,
    names=None,
    frame: float = _stft.DEFAULT_FRAME,
    hop: float = _stft.DEFAULT_HOP,
    n_fft: int | None = None,
    hop_length: int | None = None,
    window="hann",
    center: bool = True,
    dynamic_range_db: float = 40.0,
    ax=None,
    title: str | None = None,
):
    """Which sources sound in the frames a separable NMF selected.

    Used in 04_snpa, §5 (the frames SNPA and the greedy rule picked, against the true
    parts).

    ``activity`` holds the energy of each true source in each frame (e.g. the squared
    magnitudes of its STFT summed over frequency); it is drawn in dB, one row per
    source, with a floor ``dynamic_range_db`` below its maximum. Each selected frame
    is a vertical line numbered in the order chosen: a frame that cuts through one
    bright row only is a solo frame of that source.

    Parameters
    ----------
    activity : numpy.ndarray, shape (sources, frames)
        Non-negative energies.
    indices : sequence of int
        The selected frames (``SeparableResult.indices``), in the order chosen.
        Indices beyond the last frame (columns appended to the spectrogram) are not
        drawn.
    sr : float
        Sample rate in Hz.
    names : sequence of str, optional
        One label per source.
    frame, hop, n_fft, hop_length, window, center
        The STFT parameters of the spectrogram, as for :func:`course_lib.stft.stft`;
        frames are drawn at their centres (see the module docstring).
    dynamic_range_db : float
        The floor, in dB below the maximum.
    ax : matplotlib.axes.Axes, optional
    title : str, optional

    Returns
    -------
    dict of str to matplotlib artists
        ``"image"`` and ``"lines"`` (one per selected frame drawn).

    Raises
    ------
    TypeError
        ``activity`` not a real float matrix; ``indices`` not ints; ``ax`` not a
        matplotlib Axes.
    ParameterError
        Negative or non-finite ``activity``; a negative or repeated index; a number of
        names other than the sources; bad STFT parameters.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> energy = np.abs(np.random.default_rng(0).standard_normal((3, 40)))
    >>> drawn = selected_frames(energy, [5, 20], 8000, n_fft=256, hop_length=128)
    >>> [round(float(line.get_xdata()[0]), 3) for line in drawn["lines"]]
    [0.08, 0.32]
    """
    import matplotlib.pyplot as plt

    activity = check_nonnegative_matrix(activity, "activity", allow_zero_matrix=True)
    n_sources, n_frames = activity.shape
    if indices is None:
        raise TypeError("indices must be a sequence of frame numbers, got None")
    # indices past the last frame are allowed (appended columns) and not drawn
    selected = _check_selected(indices, np.iinfo(np.int64).max, "indices")
    sr = check_sample_rate(sr)
    frame_times, _, _, hop_length = _stft_axes(sr, 0, n_frames, frame=frame, hop=hop,
                                               n_fft=n_fft, hop_length=hop_length,
                                               center=center, check_bins=False)
    if names is None:
        names = [f"source {k}" for k in range(n_sources)]
    if isinstance(names, str) or len(names) != n_sources:
        raise ParameterError(f"names must give one label per source ({n_sources}), got {names!r}")
    check_positive(dynamic_range_db, "dynamic_range_db", unit="dB")
    ax = check_axes(ax)
    if ax is None:
        _, ax = plt.subplots(figsize=(11, 0.35 * n_sources + 1.6))
    step = hop_length / sr
    extent = (frame_times[0] - step / 2, frame_times[-1] + step / 2, n_sources - 0.5, -0.5)
    image = ax.imshow(to_db(activity, kind="power", dynamic_range_db=dynamic_range_db),
                      aspect="auto", interpolation="nearest", extent=extent, cmap="magma")
    lines = []
    for order, j in enumerate(selected, start=1):
        if j >= n_frames:
            continue
        lines.append(ax.axvline(frame_times[j], color="c", lw=1.2))
        ax.annotate(str(order), (frame_times[j], -0.5), xytext=(0, 2), textcoords="offset points",
                    ha="center", va="bottom", fontsize=9, color="k", annotation_clip=False)
    ax.set_yticks(range(n_sources), [str(name) for name in names])
    ax.set_xlabel("time (s)")
    ax.set_ylabel("source")
    if title:
        ax.set_title(title, pad=14)
    return {"image": image, "lines": lines}
