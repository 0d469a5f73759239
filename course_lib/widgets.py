"""Interactive explorers for the notebooks (ipywidgets).

Each explorer is a thin widget around a plain update function that draws into a
matplotlib axes and returns the numbers it shows; the tests call that function
directly, without a browser. ipywidgets is imported only when a widget is built.
"""

from __future__ import annotations

import numpy as np

from . import plot
from . import stft as _stft
from ._validation import ParameterError, check_audio, check_positive, check_sample_rate

__all__ = ["stft_explorer", "stft_explorer_update", "WINDOWS"]

#: Windows offered by the STFT explorer (any librosa window name works in the update).
WINDOWS = ("hann", "hamming", "blackman", "boxcar")


def stft_explorer_update(
    y,
    sr,
    *,
    frame_ms: float = 64.0,
    hop_fraction: float = 0.5,
    window: str = "hann",
    freq_scale: str = "linear",
    fmax: float | None = None,
    ax=None,
) -> dict:
    """Draw the spectrogram of ``y`` for one frame length, hop and window.

    Parameters
    ----------
    y : numpy.ndarray, shape (samples,)
        A mono signal (take one channel or ``audio.to_mono`` of a stereo clip).
    sr : int
        Sample rate in Hz.
    frame_ms : float
        Frame (window) length in milliseconds.
    hop_fraction : float
        Hop as a fraction of the frame, in (0, 1].
    window : str
        A window name librosa knows (``"hann"``, ``"hamming"``, ``"boxcar"``...).
    freq_scale : {"linear", "log", "mel"}
    fmax : float, optional
        Upper frequency shown, in Hz.
    ax : matplotlib.axes.Axes, optional

    Returns
    -------
    dict
        ``n_fft`` and ``hop_length`` (samples), ``frame_ms`` and ``hop_ms`` (the
        time resolution and the frame spacing, ms), ``bin_hz`` (the frequency
        resolution, sr / n_fft in Hz), ``shape`` of the STFT, and ``mesh`` (the image).
    """
    y = check_audio(y, allow_multichannel=False)
    sr = check_sample_rate(sr)
    check_positive(frame_ms, "frame_ms", unit="ms")
    check_positive(hop_fraction, "hop_fraction")
    if hop_fraction > 1:
        raise ParameterError(f"hop_fraction={hop_fraction} must be at most 1 (hop <= frame)")
    n_fft = max(2, round(frame_ms * 1e-3 * sr))
    hop_length = max(1, round(n_fft * hop_fraction))
    if n_fft > y.size:
        raise ParameterError(
            f"a {frame_ms} ms frame is {n_fft} samples, longer than the signal ({y.size}); "
            "choose a shorter frame or a longer clip"
        )
    X = _stft.stft(y, sr, n_fft=n_fft, hop_length=hop_length, window=window)
    frame_ms_real, hop_ms, bin_hz = 1e3 * n_fft / sr, 1e3 * hop_length / sr, sr / n_fft
    mesh = plot.specshow(
        X, sr, hop_length=hop_length, n_fft=n_fft, freq_scale=freq_scale, fmax=fmax, ax=ax,
        title=f"{window}, frame {frame_ms_real:.1f} ms, hop {hop_ms:.1f} ms: "
              f"bins every {bin_hz:.1f} Hz",
    )
    return {"n_fft": n_fft, "hop_length": hop_length, "frame_ms": frame_ms_real,
            "hop_ms": hop_ms, "bin_hz": bin_hz, "shape": X.shape, "mesh": mesh}


def stft_explorer(y, sr, *, fmax: float | None = None, frame_ms: float = 64.0):
    """An STFT explorer: sliders for the frame length and hop, a window menu.

    Moving a control redraws the spectrogram and states the time resolution (ms)
    and the frequency resolution (Hz) it gives.

    Parameters
    ----------
    y : numpy.ndarray, shape (samples,)
    sr : int
        Sample rate in Hz.
    fmax : float, optional
        Upper frequency shown, in Hz.
    frame_ms : float
        The frame length the explorer starts at.

    Returns
    -------
    ipywidgets.VBox
        Display it as the last expression of a cell. (In a static HTML export
        the controls do not move; the notebooks show fixed comparisons too.)
    """
    import ipywidgets as widgets
    import matplotlib.pyplot as plt
    from IPython.display import display

    y = check_audio(y, allow_multichannel=False)
    sr = check_sample_rate(sr)
    frame = widgets.FloatLogSlider(value=frame_ms, base=2, min=2, max=np.log2(512), step=0.25,
                                   description="frame (ms)", readout_format=".1f",
                                   continuous_update=False)
    hop = widgets.FloatSlider(value=0.5, min=0.125, max=1.0, step=0.125,
                              description="hop / frame", continuous_update=False)
    window = widgets.Dropdown(options=WINDOWS, value="hann", description="window")
    scale = widgets.Dropdown(options=("linear", "log", "mel"), value="linear",
                             description="frequency")
    out = widgets.Output()

    def redraw(*_):
        with out:
            out.clear_output(wait=True)
            fig, ax = plt.subplots(figsize=(10, 3.6))
            try:
                stft_explorer_update(y, sr, frame_ms=frame.value, hop_fraction=hop.value,
                                     window=window.value, freq_scale=scale.value, fmax=fmax,
                                     ax=ax)
                display(fig)
            except ValueError as exc:
                print(exc)
            finally:
                plt.close(fig)

    for control in (frame, hop, window, scale):
        control.observe(redraw, names="value")
    redraw()
    return widgets.VBox([widgets.HBox([frame, hop]), widgets.HBox([window, scale]), out])
