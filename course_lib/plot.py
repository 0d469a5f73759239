"""Every figure type the notebooks draw: spectrograms, waveforms, masks, scores.

Each function takes ``ax=None`` (a new figure when None), draws into it, returns
what it drew and never calls ``plt.show()``, so figures combine freely. Call
:func:`setup_style` once at the top of a notebook.

Shapes
------
- spectrograms ``(freq, frames)``, complex STFTs or non-negative magnitudes
  (or powers, with ``kind="power"``); frequency in Hz, time in seconds;
- audio ``(samples,)`` or ``(channels, samples)`` with its sample rate in Hz.
"""

from __future__ import annotations

import numbers

import numpy as np

from ._validation import ParameterError, check_audio, check_positive, check_sample_rate

__all__ = ["setup_style", "specshow", "waveform", "scores", "to_db", "nmf_panel"]

_FREQ_SCALES = ("linear", "log", "mel")


def setup_style() -> None:
    """Set the course's matplotlib style: readable sizes, a perceptual colour map.

    Call it once at the top of a notebook, after ``import matplotlib.pyplot``.
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

    .. math:: 20 \\log_{10} \\frac{|S|}{\\mathrm{ref}} \\quad (\\text{magnitude}), \\qquad
              10 \\log_{10} \\frac{S}{\\mathrm{ref}} \\quad (\\text{power})

    Parameters
    ----------
    S : numpy.ndarray, shape (..., freq, frames)
        Complex STFT or magnitudes (``kind="magnitude"``), or powers (``kind="power"``).
    kind : {"magnitude", "power"}
    ref : float, optional
        The value shown as 0 dB; the maximum of ``|S|`` by default. Pass one ``ref``
        to several spectrograms to compare their levels.
    dynamic_range_db : float
        The floor, this many dB below the maximum (the handout plots 60 dB).

    Returns
    -------
    numpy.ndarray, float, the shape of ``S``
    """
    S = np.asarray(S)
    if kind not in ("magnitude", "power"):
        raise ParameterError(f"kind must be 'magnitude' or 'power', got {kind!r}")
    if not np.all(np.isfinite(S)):
        raise ParameterError("S contains NaN or infinite values")
    magnitude = np.abs(S).astype(np.float64)
    if kind == "power" and np.iscomplexobj(S):
        raise ParameterError("kind='power' needs a real power spectrogram, not a complex STFT")
    if kind == "power" and np.any(S < 0):
        raise ParameterError("a power spectrogram cannot be negative")
    check_positive(dynamic_range_db, "dynamic_range_db", unit="dB")
    factor = 20.0 if kind == "magnitude" else 10.0
    if ref is None:
        ref = float(magnitude.max()) if magnitude.size else 1.0
    ref = check_positive(ref if ref > 0 else 1.0, "ref")
    tiny = np.finfo(np.float64).tiny
    db = factor * np.log10(np.maximum(magnitude, tiny) / ref)
    return np.maximum(db, db.max(initial=-np.inf) - dynamic_range_db)


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


def _edges(centres: np.ndarray) -> np.ndarray:
    """Cell edges around increasing centres (for pcolormesh)."""
    if centres.size == 1:
        return np.array([centres[0] - 0.5, centres[0] + 0.5])
    mid = (centres[1:] + centres[:-1]) / 2
    return np.concatenate([[centres[0] - (mid[0] - centres[0])], mid,
                           [centres[-1] + (centres[-1] - mid[-1])]])


def specshow(
    S,
    sr,
    *,
    hop: float = 0.032,
    hop_length: int | None = None,
    n_fft: int | None = None,
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
    cmap: str | None = None,
    vmin: float | None = None,
    vmax: float | None = None,
):
    """Draw a spectrogram with time in seconds, frequency in Hz and a colour bar.

    Frame ``m`` is drawn centred at ``m * hop_length / sr`` seconds and bin ``k`` at
    ``k * sr / n_fft`` Hz (the course's STFT is centred, as librosa's).

    Parameters
    ----------
    S : numpy.ndarray, shape (freq, frames)
        A complex STFT or magnitudes, powers with ``kind="power"``, or any
        non-negative matrix (a mask, an NMF reconstruction) with ``db=False``.
    sr : float
        Sample rate in Hz.
    hop, hop_length
        The hop in seconds, or in samples (which takes precedence).
    n_fft : int, optional
        The FFT length; ``2 * (freq - 1)`` by default. Give it for odd FFT lengths.
    freqs : array_like, shape (freq,), optional
        Explicit centre frequency of each row in Hz (a mel spectrogram, say);
        overrides ``n_fft``.
    kind : {"magnitude", "power"}
        What ``S`` holds, for the conversion to dB.
    db : bool
        Show decibels (default) or the values themselves (masks: 0 to 1).
    ref, dynamic_range_db
        As for :func:`to_db`: 0 dB reference (max by default) and the display floor.
    freq_scale : {"linear", "log", "mel"}
        How the frequency axis is warped; tick labels stay in Hz.
    fmax : float, optional
        Upper frequency limit in Hz.
    ax : matplotlib.axes.Axes, optional
    title : str, optional
    colorbar : bool
        Add a colour bar labelled with the unit.
    colorbar_label : str, optional
        The colour bar's label; "dB", or "value" with ``db=False``, by default.
    cmap, vmin, vmax
        Passed to ``pcolormesh``.

    Returns
    -------
    matplotlib.collections.QuadMesh
        The image; ``.axes`` is the axes it is in.

    Examples
    --------
    >>> import numpy as np, matplotlib
    >>> matplotlib.use("Agg")
    >>> S = np.abs(np.random.default_rng(0).standard_normal((513, 40)))
    >>> mesh = specshow(S, 22050, hop_length=512, freq_scale="log")
    >>> mesh.axes.get_ylabel()
    'frequency (Hz)'
    """
    import matplotlib.pyplot as plt

    S = np.asarray(S)
    if S.ndim != 2:
        raise ParameterError(
            f"S must be one spectrogram of shape (freq, frames), got shape {S.shape}; "
            "for multichannel audio draw one channel, S[0], or the mean over channels"
        )
    if S.shape[0] < 2 or S.shape[1] < 1:
        raise ParameterError(f"S of shape {S.shape} has too few bins or frames to draw")
    sr = check_sample_rate(sr)
    if freq_scale not in _FREQ_SCALES:
        raise ParameterError(f"freq_scale must be one of {_FREQ_SCALES}, got {freq_scale!r}")
    if hop_length is None:
        hop_length = check_positive(hop, "hop", unit="s") * sr
    elif isinstance(hop_length, bool) or not isinstance(hop_length, numbers.Integral) \
            or hop_length < 1:
        raise ParameterError(f"hop_length={hop_length!r} must be a positive whole number")
    if freqs is None:
        n_fft = 2 * (S.shape[0] - 1) if n_fft is None else n_fft
        if n_fft // 2 + 1 != S.shape[0]:
            raise ParameterError(
                f"n_fft={n_fft} gives {n_fft // 2 + 1} bins but S has {S.shape[0]}"
            )
        freqs = np.arange(S.shape[0]) * sr / n_fft
    else:
        freqs = np.asarray(freqs, dtype=np.float64)
        if freqs.shape != (S.shape[0],) or np.any(np.diff(freqs) <= 0):
            raise ParameterError(
                f"freqs must be {S.shape[0]} increasing frequencies in Hz, one per row of S"
            )
    if db:
        values, unit = to_db(S, kind=kind, ref=ref, dynamic_range_db=dynamic_range_db), "dB"
    else:
        if np.iscomplexobj(S):
            raise ParameterError("db=False draws values as they are: pass np.abs(S)")
        values, unit = S.astype(np.float64), "value"
        if not np.all(np.isfinite(values)):
            raise ParameterError("S contains NaN or infinite values")
    times = np.arange(S.shape[1]) * hop_length / sr
    if ax is None:
        _, ax = plt.subplots()
    freq_edges = _edges(freqs)
    freq_edges[0] = max(freq_edges[0], 0.0)
    mesh = ax.pcolormesh(_edges(times), freq_edges, values, shading="flat", cmap=cmap,
                         vmin=vmin, vmax=vmax, rasterized=True)
    _frequency_scale(ax, freq_scale, freqs[-1])
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
        One line per channel.
    """
    import matplotlib.pyplot as plt

    y = check_audio(y)
    sr = check_sample_rate(sr)
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


def scores(table, *, metric: str = "SDR", ax=None, title: str | None = None):
    """Grouped bars of one separation score: methods side by side for each source.

    Parameters
    ----------
    table : dict of str to dict of str to float
        ``{method: {source: score_in_dB}}``, e.g. from
        ``{name: result.to_dict()[metric] ...}``; a method missing a source leaves a
        gap. Put the no-separation baseline first and the oracle last.
    metric : str
        The score's name for the axis label (SDR, SIR, SAR, ISR, SI-SDR).
    ax : matplotlib.axes.Axes, optional
    title : str, optional

    Returns
    -------
    list of matplotlib.container.BarContainer
        One container per method.
    """
    import matplotlib.pyplot as plt

    if not isinstance(table, dict) or not table:
        raise TypeError("table must be a non-empty dict {method: {source: score}}")
    sources: list[str] = []
    for method, row in table.items():
        if not isinstance(row, dict):
            raise TypeError(f"table[{method!r}] must be a dict {{source: score}}")
        sources += [s for s in row if s not in sources]
    if ax is None:
        _, ax = plt.subplots(figsize=(max(5.0, 1.6 * len(sources) + 2), 3.4))
    width = 0.8 / len(table)
    x = np.arange(len(sources))
    containers = []
    for i, (method, row) in enumerate(table.items()):
        values = [float(row.get(s, np.nan)) for s in sources]
        bars = ax.bar(x + (i - (len(table) - 1) / 2) * width, values, width, label=method)
        ax.bar_label(bars, fmt="%.1f", fontsize=8, padding=2)
        containers.append(bars)
    ax.axhline(0, color="0.3", lw=0.8)
    ax.set_xticks(x, sources)
    ax.set_ylabel(f"{metric} (dB)")
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0))
    if title:
        ax.set_title(title)
    return containers


def nmf_panel(
    V,
    W,
    H,
    losses=None,
    *,
    sr: float | None = None,
    hop_length: int | None = None,
    n_fft: int | None = None,
    fmax: float | None = None,
    dynamic_range_db: float = 60.0,
    title: str | None = None,
    loss_label: str = "loss",
    fig=None,
):
    """The handout's NMF figure: loss curve, bases W, activations H and W @ H.

    A grid with the loss curve top left, the bases W down the left side (frequency
    upwards, one column per basis), the activations H along the top (one row per basis,
    time to the right) and the model ``W @ H`` as the large panel, where it lines up
    with both. Each factor is shown in dB with a floor ``dynamic_range_db`` below its
    maximum (the handout uses 60 dB); ``W @ H`` uses V's maximum as 0 dB.

    Parameters
    ----------
    V : numpy.ndarray, shape (freq, frames)
        The data (only its maximum is used, as the reference level of ``W @ H``).
    W : numpy.ndarray, shape (freq, rank)
    H : numpy.ndarray, shape (rank, frames)
    losses : array_like, optional
        The loss history (``NMFResult.losses``), drawn on a log scale.
    sr, hop_length, n_fft : optional
        With them the axes are in s and Hz; without, in frames and bins.
    fmax : float, optional
        Upper frequency shown (Hz with ``sr``, else bins).
    dynamic_range_db : float
    title : str, optional
    loss_label : str
        y label of the loss curve.
    fig : matplotlib.figure.Figure, optional

    Returns
    -------
    dict of str to matplotlib.axes.Axes
        ``"loss"``, ``"W"``, ``"H"``, ``"WH"``.
    """
    import matplotlib.pyplot as plt
    from matplotlib.gridspec import GridSpec

    V, W, H = (np.asarray(a) for a in (V, W, H))
    if V.ndim != 2 or W.ndim != 2 or H.ndim != 2:
        raise ParameterError(
            f"V, W and H must be matrices, got shapes {V.shape}, {W.shape}, {H.shape}"
        )
    if W.shape[0] != V.shape[0] or H.shape[1] != V.shape[1] or W.shape[1] != H.shape[0]:
        raise ParameterError(
            f"W {W.shape} @ H {H.shape} must have the shape of V {V.shape}"
        )
    for name, M in (("V", V), ("W", W), ("H", H)):
        if np.iscomplexobj(M) or not np.all(np.isfinite(M)) or np.any(M < 0):
            raise ParameterError(f"{name} must be real, finite and non-negative")
    freq, frames = V.shape
    rank = W.shape[1]
    if sr is not None:
        sr = check_sample_rate(sr)
        if hop_length is None:
            raise ParameterError("give hop_length (samples) with sr, for the time axis")
        n_fft = 2 * (freq - 1) if n_fft is None else n_fft
        t_max, f_max, t_unit, f_unit = frames * hop_length / sr, freq * sr / n_fft, "time (s)", \
            "frequency (Hz)"
    else:
        t_max, f_max, t_unit, f_unit = frames, freq, "frame", "frequency bin"
    if fig is None:
        fig = plt.figure(figsize=(11, 7))
    grid = GridSpec(5, 5, figure=fig)
    axes = {
        "loss": fig.add_subplot(grid[0, 0]),
        "H": fig.add_subplot(grid[0, 1:]),
        "W": fig.add_subplot(grid[1:, 0]),
    }
    axes["WH"] = fig.add_subplot(grid[1:, 1:], sharex=axes["H"], sharey=axes["W"])
    ref = float(V.max()) if V.max() > 0 else None
    image = dict(aspect="auto", origin="lower", interpolation="nearest")
    axes["W"].imshow(to_db(W, dynamic_range_db=dynamic_range_db), cmap="magma",
                     extent=(0.5, rank + 0.5, 0, f_max), **image)
    axes["W"].set(xlabel="basis", ylabel=f_unit)
    axes["H"].imshow(to_db(H, dynamic_range_db=dynamic_range_db), cmap="magma",
                     extent=(0, t_max, 0.5, rank + 0.5), **image)
    axes["H"].set(ylabel="basis")
    axes["H"].tick_params(labelbottom=False)
    mesh = axes["WH"].imshow(to_db(W @ H, ref=ref, dynamic_range_db=dynamic_range_db),
                             cmap="magma", extent=(0, t_max, 0, f_max), **image)
    axes["WH"].set(xlabel=t_unit, title="W @ H")
    axes["WH"].tick_params(labelleft=False)
    if fmax is not None:
        axes["WH"].set_ylim(0, fmax)
    fig.colorbar(mesh, ax=axes["WH"], label="dB", pad=0.01)
    if losses is not None and len(losses):
        axes["loss"].plot(np.arange(1, len(losses) + 1), np.asarray(losses, dtype=float))
        axes["loss"].set_yscale("log")
    axes["loss"].set(xlabel="iteration", ylabel=loss_label)
    if title:
        fig.suptitle(title)
    return axes
