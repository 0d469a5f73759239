"""Interactive explorers for the notebooks (ipywidgets 7.6 or newer, 7.x and 8.x alike).

Each explorer is a thin widget around a plain update function that draws into a
matplotlib axes and returns the numbers it shows; the tests call that function
directly, without a browser, and drive the widget's own redraw by setting its
controls. ipywidgets is imported only when a widget is built.

Frame parameters follow the course's one path from seconds to samples: the update
function takes the STFT keywords of :func:`course_lib.stft.stft` (``frame, hop,
n_fft, hop_length, window, center``, with its defaults), converts them with
:func:`course_lib.stft.frame_params` and draws the axes of
:func:`course_lib.stft.times` and :func:`course_lib.stft.frequencies` (through
:func:`course_lib.plot.specshow`). Audio is mono, ``(samples,)``, with its sample
rate in Hz.
"""

from __future__ import annotations

import html

from . import plot
from . import stft as _stft
from ._validation import ParameterError, check_audio, check_positive, check_sample_rate

__all__ = ["stft_explorer", "stft_explorer_update", "WINDOWS", "FRAME_MS_RANGE"]

#: Windows offered by the STFT explorer (any window :func:`course_lib.stft.stft`
#: accepts works in the update function).
WINDOWS = ("hann", "hamming", "blackman", "boxcar")

#: The frame lengths the explorer's slider spans, in milliseconds.
FRAME_MS_RANGE = (4.0, 512.0)

#: The hops the explorer's slider spans, as fractions of the frame.
_HOP_FRACTIONS = (0.125, 1.0)


def _window_name(window) -> str:
    return str(window) if isinstance(window, (str, tuple)) else "custom window"


def stft_explorer_update(
    y,
    sr,
    *,
    frame: float = _stft.DEFAULT_FRAME,
    hop: float = _stft.DEFAULT_HOP,
    n_fft: int | None = None,
    hop_length: int | None = None,
    window="hann",
    center: bool = True,
    freq_scale: str = "linear",
    fmax: float | None = None,
    ax=None,
) -> dict:
    """Draw the spectrogram of ``y`` for one frame length, hop and window.

    Used in 01_stft, §3 (the time–frequency trade-off): the explorer's redraw, and
    the fixed comparison of three frame lengths.

    Parameters
    ----------
    y : numpy.ndarray, shape (samples,)
        A mono signal (take one channel or ``audio.to_mono`` of a stereo clip).
    sr : int
        Sample rate in Hz.
    frame, hop, n_fft, hop_length, window, center
        The analysis, as for :func:`course_lib.stft.stft`: frame (window) length and
        hop in seconds, or n_fft and hop_length in samples (which take precedence),
        the window and the centring.
    freq_scale : {"linear", "log", "mel"}
    fmax : float, optional
        Upper frequency shown, in Hz.
    ax : matplotlib.axes.Axes, optional

    Returns
    -------
    dict
        ``n_fft`` and ``hop_length`` (samples), ``window`` and ``center`` (as given),
        ``frame_ms`` and ``hop_ms`` (the time resolution and the frame spacing, ms),
        ``bin_hz`` (the bin spacing, sr / n_fft in Hz: not the frequency resolution,
        which is the width of the window's main lobe, two bins either side for Hann),
        ``shape`` of the STFT ``(freq, frames)``, and ``mesh`` (the image).

    Raises
    ------
    TypeError, ParameterError
        As :func:`course_lib.stft.stft` (a frame longer than the signal, an unknown
        window, a hop longer than the frame) and :func:`course_lib.plot.specshow`.

    Examples
    --------
    >>> import numpy as np, matplotlib
    >>> matplotlib.use("Agg")
    >>> y = np.random.default_rng(0).standard_normal(8000)
    >>> info = stft_explorer_update(y, 8000, frame=0.032, hop=0.008)
    >>> info["n_fft"], info["hop_length"], info["bin_hz"]
    (256, 64, 31.25)
    """
    y = check_audio(y, allow_multichannel=False)
    sr = check_sample_rate(sr)
    n_fft, hop_length = _stft.frame_params(sr, frame=frame, hop=hop, n_fft=n_fft,
                                           hop_length=hop_length)
    params = dict(n_fft=n_fft, hop_length=hop_length, window=window, center=center)
    X = _stft.stft(y, sr, **params)
    frame_ms, hop_ms, bin_hz = 1e3 * n_fft / sr, 1e3 * hop_length / sr, sr / n_fft
    mesh = plot.specshow(
        X, sr, **params, freq_scale=freq_scale, fmax=fmax, ax=ax,
        title=f"{_window_name(window)}, frame {frame_ms:.1f} ms, hop {hop_ms:.1f} ms: "
              f"bins every {bin_hz:.1f} Hz",
    )
    return {"n_fft": n_fft, "hop_length": hop_length, "window": window, "center": center,
            "frame_ms": frame_ms, "hop_ms": hop_ms, "bin_hz": bin_hz, "shape": X.shape,
            "mesh": mesh}


def _summary(info: dict) -> str:
    """The explorer's status line: frame, hop and bin spacing of the STFT it draws."""
    bins, frames = info["shape"]
    return (f"{_window_name(info['window'])} window; time resolution: frame "
            f"{info['frame_ms']:.1f} ms ({info['n_fft']} samples), hop {info['hop_ms']:.1f} ms "
            f"({info['hop_length']} samples); bins every {info['bin_hz']:.2f} Hz (the bin "
            f"spacing: two partials need about a main lobe between them to be resolved); "
            f"STFT of {bins} bins x {frames} frames")


def stft_explorer(
    y,
    sr,
    *,
    frame: float = _stft.DEFAULT_FRAME,
    hop: float = _stft.DEFAULT_HOP,
    n_fft: int | None = None,
    hop_length: int | None = None,
    window="hann",
    center: bool = True,
    fmax: float | None = None,
):
    """An STFT explorer: sliders for the frame length and hop, a window menu.

    Used in 01_stft, §3 (the time–frequency trade-off).

    Moving a control redraws the spectrogram through :func:`stft_explorer_update`
    and states the frame and hop (ms) and the bin spacing (Hz) it gives in a status
    line. A setting the signal cannot take (a frame longer than the
    clip) is explained in the status line instead of a figure; any other error is
    raised (shown as a traceback under the widget).

    Works with ipywidgets 7.6 and later, 7.x (Colab) and 8.x alike: it uses only
    sliders, menus, ``HTML``, ``Output`` and ``observe(..., names="value")``.

    Parameters
    ----------
    y : numpy.ndarray, shape (samples,)
        A mono signal.
    sr : int
        Sample rate in Hz.
    frame, hop, n_fft, hop_length, window, center
        The analysis the explorer starts at, as for :func:`course_lib.stft.stft`
        (the course default: 64 ms and 32 ms). The frame must lie in
        :data:`FRAME_MS_RANGE`, the hop between 1/8 of the frame and the frame, and
        the window must be one of :data:`WINDOWS`; ``center`` stays as given.
    fmax : float, optional
        Upper frequency shown, in Hz.

    Returns
    -------
    ipywidgets.VBox
        Display it as the last expression of a cell. Its children: the row of
        sliders (frame in ms, hop / frame), the row of menus (window, frequency
        scale), the status line (``ipywidgets.HTML``) and the figure
        (``ipywidgets.Output``). In a static HTML export the controls do not move;
        the notebooks show fixed comparisons too.

    Raises
    ------
    ImportError
        When ipywidgets is not installed.
    TypeError, ParameterError
        Bad audio, frame parameters out of the sliders' range, a window not in the
        menu, ``fmax`` not positive.
    """
    import ipywidgets as widgets
    import matplotlib.pyplot as plt
    import numpy as np
    from IPython.display import display

    y = check_audio(y, allow_multichannel=False)
    sr = check_sample_rate(sr)
    n_fft, hop_length = _stft.frame_params(sr, frame=frame, hop=hop, n_fft=n_fft,
                                           hop_length=hop_length)
    frame_ms, fraction = 1e3 * n_fft / sr, hop_length / n_fft
    low, high = FRAME_MS_RANGE
    if not low <= frame_ms <= high:
        raise ParameterError(
            f"the frame is {frame_ms:g} ms ({n_fft} samples at sr={sr} Hz), outside the "
            f"explorer's range {low:g} to {high:g} ms; frame is in seconds (0.064 is 64 ms)"
        )
    if fraction < _HOP_FRACTIONS[0]:
        raise ParameterError(
            f"the hop is {hop_length} samples, {fraction:.3g} of the frame; the explorer's "
            f"hop slider starts at {_HOP_FRACTIONS[0]} of the frame"
        )
    if not isinstance(window, str) or window not in WINDOWS:
        raise ParameterError(f"window={window!r} is not in the explorer's menu {WINDOWS}")
    if fmax is not None:
        fmax = check_positive(fmax, "fmax", unit="Hz")

    frame_slider = widgets.FloatLogSlider(
        value=frame_ms, base=2, min=np.log2(low), max=np.log2(high), step=0.25,
        description="frame (ms)", readout_format=".1f", continuous_update=False)
    hop_slider = widgets.FloatSlider(
        value=fraction, min=_HOP_FRACTIONS[0], max=_HOP_FRACTIONS[1], step=0.125,
        description="hop / frame", readout_format=".3f", continuous_update=False)
    window_menu = widgets.Dropdown(options=WINDOWS, value=window, description="window")
    scale_menu = widgets.Dropdown(options=("linear", "log", "mel"), value="linear",
                                  description="frequency")
    status = widgets.HTML(value="")
    out = widgets.Output()

    def redraw(change=None):
        seconds = frame_slider.value / 1e3
        with out:
            out.clear_output(wait=True)
            fig, ax = plt.subplots(figsize=(10, 3.6))
            try:
                info = stft_explorer_update(
                    y, sr, frame=seconds, hop=seconds * hop_slider.value,
                    window=window_menu.value, center=center, freq_scale=scale_menu.value,
                    fmax=fmax, ax=ax,
                )
            except ParameterError as exc:  # a setting this signal cannot take: say why
                status.value = (f"<span style='color:#b00020'>cannot draw: "
                                f"{html.escape(str(exc))}</span>")
            else:
                status.value = html.escape(_summary(info))
                display(fig)
            finally:
                plt.close(fig)

    for control in (frame_slider, hop_slider, window_menu, scale_menu):
        control.observe(redraw, names="value")
    redraw()
    return widgets.VBox([widgets.HBox([frame_slider, hop_slider]),
                         widgets.HBox([window_menu, scale_menu]), status, out])
