"""Measuring separation quality: BSS Eval, SI-SDR, SNR and source matching.

Conventions
-----------
Every function here compares *references* (the true sources) with *estimates*
(what a separation method returned), stacked first, in the course layout:

- ``(sources, samples)`` for mono sources;
- ``(sources, channels, samples)`` for multichannel (e.g. stereo) sources;
- :func:`si_sdr` and :func:`snr` also take a single mono signal ``(samples,)``.

References and estimates have the same shape, and ``estimates[j]`` is the
estimate of ``references[j]`` (use :func:`match_sources` first when the order of
the estimates is unknown, as after NMF or clustering). The sample rate ``sr`` is
in Hz, the BSS Eval window and hop are in seconds, every score is in dB (higher
is better). museval works on ``(sources, samples, channels)`` arrays with a
window and a hop in samples; :func:`bss_eval` converts to that layout inside,
never in a notebook. No function modifies its arguments.

Metrics
-------
- :func:`bss_eval`: BSS Eval version 4 (museval, as in SiSEC 2018 / MUSDB18):
  SDR, ISR, SIR and SAR per source, computed on frames of ``window`` seconds
  and summarised by their median over frames (:class:`BSSEvalResult`).
- :func:`si_sdr`: the scale-invariant SDR of Le Roux et al. (2019), fast and
  free of distortion filters; the usual training and quick-look metric.
- :func:`snr`: the plain signal-to-noise ratio of the estimate, which punishes
  any gain error.
- :func:`match_sources`: the order of the estimates that best matches the
  references (Hungarian algorithm on pairwise SI-SDR or SNR).

References
----------
.. [1] E. Vincent, R. Gribonval and C. Févotte, "Performance measurement in blind
   audio source separation," IEEE Trans. Audio, Speech and Language Processing,
   14(4), 1462-1469, 2006.
.. [2] A. Liutkus, F.-R. Stöter and N. Ito, "The 2018 Signal Separation
   Evaluation Campaign," in Proc. LVA/ICA, 2018.
.. [3] J. Le Roux, S. Wisdom, H. Erdogan and J. R. Hershey, "SDR - half-baked or
   well done?," in Proc. ICASSP, 2019.
"""

from __future__ import annotations

import html
import importlib.util
import os
import sys
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType, ModuleType

import numpy as np

from ._validation import (
    ParameterError,
    check_audio,
    check_name_list,
    check_positive,
    check_sample_rate,
    check_sources,
)

__all__ = ["BSSEvalResult", "ScoresTable", "bss_eval", "compare", "si_sdr", "snr", "match_sources"]

_MODES = {"images": ("sdr", "isr", "sir", "sar"), "sources": ("sdr", "sir", "sar")}
_CRITERIA = ("si_sdr", "snr")
_METRIC_LABELS = {"sdr": "SDR", "isr": "ISR", "sir": "SIR", "sar": "SAR"}

# Scores beyond this many dB are clipped before the Hungarian algorithm, which
# cannot handle +inf (a perfect estimate) or -inf (a silent one).
_SCORE_CLIP_DB = 1000.0

#: The length of museval's distortion filters, in samples (its ``filters_len``).
_FILTER_TAPS = 512

#: Two references whose normalised correlation exceeds this in absolute value are
#: the same signal up to a gain, for BSS Eval (see :func:`_check_distinct_references`).
_SAME_SIGNAL_CORRELATION = 1 - 1e-9

_museval_metrics: ModuleType | None = None


# ---------------------------------------------------------------------------
# museval without musdb / ffmpeg
# ---------------------------------------------------------------------------


def _load_museval_metrics() -> ModuleType:
    """Return museval's ``metrics`` module without running ``museval/__init__.py``.

    ``import museval`` (and therefore ``import museval.metrics``) imports musdb
    and stempeg, and stempeg raises ``RuntimeError: ffmpeg or ffprobe could not
    be found`` on a computer without ffmpeg. BSS Eval itself needs only numpy
    and scipy, so the file ``museval/metrics.py`` is loaded on its own, under a
    private name, and cached. When ``museval.metrics`` is already imported it is
    reused.
    """
    global _museval_metrics
    if _museval_metrics is not None:
        return _museval_metrics
    already = sys.modules.get("museval.metrics")
    if already is not None:
        _museval_metrics = already
        return already
    spec = importlib.util.find_spec("museval")  # finds the package, does not import it
    if spec is None or not spec.submodule_search_locations:
        raise ImportError(
            "bss_eval needs the museval package: `pip install museval` (it is a dependency "
            "of course_lib, so `pip install -e .` in the course repository installs it)"
        )
    path = os.path.join(list(spec.submodule_search_locations)[0], "metrics.py")
    file_spec = importlib.util.spec_from_file_location("course_lib._museval_metrics", path)
    if file_spec is None or file_spec.loader is None or not os.path.isfile(path):
        raise ImportError(f"museval is installed but its metrics module is missing at {path!r}")
    module = importlib.util.module_from_spec(file_spec)
    file_spec.loader.exec_module(module)
    _museval_metrics = module
    return module


# ---------------------------------------------------------------------------
# validation helpers
# ---------------------------------------------------------------------------


def _check_pair(references, estimates) -> tuple[np.ndarray, np.ndarray]:
    """Validate stacked references and estimates and check that their shapes match."""
    references = check_sources(references, "references")
    estimates = check_sources(estimates, "estimates")
    _check_same_shape(references, estimates, "references", "estimates")
    return references, estimates


def _check_same_shape(first: np.ndarray, second: np.ndarray, name1: str, name2: str) -> None:
    if first.shape == second.shape:
        return
    message = (
        f"{name1} has shape {first.shape} but {name2} has shape {second.shape}; "
        "they must have the same shape"
    )
    if first.ndim == second.ndim and first.shape[:-1] == second.shape[:-1]:
        shorter = min(first.shape[-1], second.shape[-1])
        message += (
            f" (their lengths differ: {first.shape[-1]} and {second.shape[-1]} samples; "
            f"trim both to the same length, e.g. [..., :{shorter}])"
        )
    elif first.ndim != second.ndim:
        message += " (one is mono, the other multichannel, or a source axis is missing)"
    raise ParameterError(message)


def _check_signal_or_sources(x, name: str) -> np.ndarray:
    """Accept ``(samples,)``, ``(sources, samples)`` or ``(sources, channels, samples)``."""
    try:
        one_dimensional = np.ndim(x) == 1
    except ValueError:  # a ragged list; check_sources explains
        one_dimensional = False
    if one_dimensional:
        return check_audio(x, name, allow_multichannel=False)
    return check_sources(x, name)


def _silent_sources(stack: np.ndarray) -> list[tuple[int, str]]:
    """Sources museval treats as silent, with the reason.

    museval calls a source silent when the sum of its channels is zero at every
    sample: an all-zero source, or a stereo source whose channels cancel exactly.
    """
    silent = []
    for index, source in enumerate(stack):
        if not np.any(source):
            silent.append((index, "is silent (all zeros)"))
        elif source.ndim == 2 and not np.any(source.sum(axis=0)):
            silent.append((index, "has channels that cancel exactly (their sum is all zeros)"))
    return silent


def _check_names(names, n_sources: int) -> tuple[str, ...]:
    """One distinct str per source (a single str names a single source)."""
    if names is None:
        return tuple(f"source {index}" for index in range(n_sources))
    names = check_name_list(names, "names", what="source name")
    if len(names) != n_sources:
        raise ParameterError(
            f"names has {len(names)} entries {names} but there are {n_sources} sources; "
            "give one name per source"
        )
    return tuple(names)


def _segment_samples(seconds: float, sr: float, name: str) -> int:
    """A BSS Eval segment length or hop in seconds, as whole samples: ``round(seconds * sr)``.

    The one conversion of BSS Eval's ``window`` and ``hop``. They are not STFT frames,
    so :func:`course_lib.stft.frame_params` is not used: museval cuts the signals
    into plain segments (no window function, no FFT, no padding), over which it sums
    the energies of the parts of each estimate; a segment may be as long as the
    whole signal (SiSEC uses 1 s, and tens of seconds are common), which the STFT's
    units-slip guard (frames of at most 4 s) would reject. The rounding is the same
    as ``frame_params``'s (Python's :func:`round`).
    """
    samples = int(round(seconds * sr))
    if samples < 1:
        raise ParameterError(
            f"{name}={seconds} s is shorter than one sample at sr={sr} Hz "
            f"({1 / sr:.3g} s); use at least that"
        )
    return samples


def _check_long_enough(references: np.ndarray, sr) -> None:
    """Raise when the signals are too short for BSS Eval's distortion filters.

    BSS Eval fits, for each estimate channel, a ``_FILTER_TAPS``-tap filter from every
    channel of every reference: ``sources * channels * 512`` coefficients. With fewer
    samples than coefficients the filtered references can reproduce any estimate, and
    museval returns SIRs of 200 to 300 dB for random noise (for 1 or 10 samples, or
    up to 512 samples of stereo audio). From that length on, the scores of random
    estimates are within about 1 dB of their long-signal values.
    """
    n_sources, n_samples = references.shape[0], references.shape[-1]
    n_channels = references.shape[1] if references.ndim == 3 else 1
    needed = n_sources * n_channels * _FILTER_TAPS
    if n_samples < needed:
        raise ParameterError(
            f"the signals are {n_samples} samples long ({n_samples / sr:.3g} s at {sr} Hz), "
            f"too short for BSS Eval: its distortion filters have {_FILTER_TAPS} taps per "
            f"source and channel, {n_sources} x {n_channels} x {_FILTER_TAPS} = {needed} "
            f"coefficients, and need at least {needed} samples ({needed / sr:.3g} s), "
            "otherwise they fit anything and the scores are meaningless (near 300 dB). "
            "Score a longer excerpt, or use si_sdr() or snr() for short signals"
        )


def _check_distinct_references(references: np.ndarray) -> None:
    """Raise when two references are the same signal up to a gain (sign included).

    BSS Eval splits each estimate into the part explained by its own reference and
    the part explained by the other references (the interference). When two
    references are proportional that split is not defined (the references' Gram
    matrix is singular) and museval returns SIRs near 290 dB without a warning.

    Two sources count as the same when the absolute value of their normalised
    correlation ``<a, b> / (|a| |b|)`` (all channels pooled) exceeds ``1 - 1e-9``:
    the part of one that a scaled copy of the other cannot explain then has less
    than ``1 - ρ² < 2e-9`` of its energy (below -87 dB), far below anything audible,
    yet far above the rounding of the float64 arithmetic (about 1e-16), so distinct
    recordings, however strongly correlated, pass.
    """
    flat = references.reshape(references.shape[0], -1).astype(np.float64, copy=False)
    gram = flat @ flat.T
    norms = np.sqrt(np.diag(gram))
    correlation = np.abs(gram) / np.outer(norms, norms)
    np.fill_diagonal(correlation, 0.0)
    if np.any(correlation > _SAME_SIGNAL_CORRELATION):
        first, second = np.argwhere(correlation > _SAME_SIGNAL_CORRELATION)[0]
        raise ParameterError(
            f"references[{first}] and references[{second}] are the same signal up to a gain "
            f"(normalised correlation {gram[first, second] / (norms[first] * norms[second]):.12g}"
            "): BSS Eval cannot tell which of them an estimate recovers, and its scores would "
            "be meaningless (near 290 dB). Give each source its own reference"
        )


# ---------------------------------------------------------------------------
# BSS Eval
# ---------------------------------------------------------------------------


@dataclass(frozen=True, eq=False, repr=False)
class BSSEvalResult:
    """The BSS Eval scores of :func:`bss_eval`, one row per source.

    Used in 01_stft, §7 and 02_nmf, §9 (the scores tables).

    Attributes
    ----------
    sdr, isr, sir, sar : numpy.ndarray, shape (sources,)
        The median over frames (ignoring NaN frames) of each metric, in dB:
        source-to-distortion, image-to-spatial-distortion, source-to-interference
        and source-to-artifacts ratios. ``isr`` is all NaN when
        ``mode="sources"``, which does not define it.
    frames : mapping of str to numpy.ndarray, shape (sources, frames)
        The per-frame values of each metric the mode defines (keys ``"sdr"``,
        ``"isr"`` (images mode only), ``"sir"``, ``"sar"``), in dB. A frame in
        which any reference or estimate is silent is NaN for every source.
    frame_times : numpy.ndarray, shape (frames,)
        The start of each frame, in seconds.
    names : tuple of str
        The name of each source, in the order of the rows; distinct (a repeated name
        raises ``ParameterError``, since :meth:`to_dict` is keyed by name).
    mode : str
        ``"images"`` or ``"sources"``.
    sr : int or float
        The sample rate, in Hz.
    window, hop : float
        The frame length and hop actually used, in seconds (after rounding to
        whole samples, and after clamping a window longer than the signal).

    All arrays are read-only.
    """

    sdr: np.ndarray
    isr: np.ndarray
    sir: np.ndarray
    sar: np.ndarray
    frames: Mapping[str, np.ndarray]
    frame_times: np.ndarray
    names: tuple[str, ...]
    mode: str
    sr: int | float
    window: float
    hop: float

    def __post_init__(self):
        names = self.names
        if isinstance(names, str) or not isinstance(names, (tuple, list)):
            raise TypeError(f"names must be a tuple of str, got {type(names).__name__}")
        names = tuple(check_name_list(names, "names", what="source name"))
        object.__setattr__(self, "names", names)
        if len(self.names) != np.shape(self.sdr)[0]:
            raise ParameterError(
                f"names has {len(self.names)} entries but there are {np.shape(self.sdr)[0]} "
                "rows of scores"
            )

    @property
    def metrics(self) -> tuple[str, ...]:
        """The metrics this mode defines: SDR, ISR, SIR, SAR, or SDR, SIR, SAR."""
        return _MODES[self.mode]

    def to_dict(self) -> dict[str, dict[str, float]]:
        """The median scores as ``{source name: {metric: dB}}``, plain floats.

        Examples
        --------
        >>> import numpy as np
        >>> from course_lib.metrics import bss_eval
        >>> rng = np.random.default_rng(0)
        >>> references = rng.standard_normal((2, 8000))
        >>> estimates = references + 0.1 * rng.standard_normal((2, 8000))
        >>> scores = bss_eval(references, estimates, 8000, names=["voice", "guitar"])
        >>> sorted(scores.to_dict()["voice"])
        ['isr', 'sar', 'sdr', 'sir']
        """
        return {
            name: {metric: float(getattr(self, metric)[row]) for metric in self.metrics}
            for row, name in enumerate(self.names)
        }

    def to_frame(self):
        """The median scores as a pandas DataFrame (rows: sources, columns: metrics in dB).

        Raises
        ------
        ImportError
            When pandas is not installed; :meth:`to_dict` needs nothing.
        """
        try:
            import pandas as pd
        except ImportError as exc:
            raise ImportError(
                "to_frame() needs pandas (`pip install pandas`); to_dict() and print() "
                "work without it"
            ) from exc
        return pd.DataFrame(
            {_METRIC_LABELS[m]: np.asarray(getattr(self, m)) for m in self.metrics},
            index=pd.Index(list(self.names), name="source"),
        )

    def _header(self) -> str:
        n_frames = self.frame_times.size
        return (
            f"BSS Eval v4, bss_eval_{self.mode}: median over {n_frames} "
            f"frame{'s' if n_frames != 1 else ''} of {self.window:g} s (hop {self.hop:g} s), in dB"
        )

    def __repr__(self) -> str:
        width = max(6, *(len(name) for name in self.names))
        columns = [_METRIC_LABELS[m] for m in self.metrics]
        lines = [self._header(), f"{'':<{width}}" + "".join(f"{c:>9}" for c in columns)]
        for row, name in enumerate(self.names):
            values = "".join(f"{getattr(self, m)[row]:>9.2f}" for m in self.metrics)
            lines.append(f"{name:<{width}}{values}")
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        head = "".join(f"<th>{_METRIC_LABELS[m]} (dB)</th>" for m in self.metrics)
        body = "".join(
            f"<tr><th>{html.escape(name)}</th>"
            + "".join(f"<td>{getattr(self, m)[row]:.2f}</td>" for m in self.metrics)
            + "</tr>"
            for row, name in enumerate(self.names)
        )
        return (
            f"<table><caption>{html.escape(self._header())}</caption>"
            f"<thead><tr><th>source</th>{head}</tr></thead><tbody>{body}</tbody></table>"
        )


@dataclass(frozen=True, repr=False)
class ScoresTable:
    """BSS Eval scores of several separations of one mixture, side by side.

    Used in 01_stft, §7 and 02_nmf, §9 (the scores tables). Made by :func:`compare`.
    Rows are methods (the no-separation baseline first, the oracle last, by
    convention), columns are sources × metrics, values in dB.

    Attributes
    ----------
    results : dict of str to BSSEvalResult
        The results, by method, in the order given.
    """

    results: dict

    @property
    def methods(self) -> list[str]:
        return list(self.results)

    @property
    def sources(self) -> tuple[str, ...]:
        return next(iter(self.results.values())).names

    @property
    def metrics(self) -> tuple[str, ...]:
        return next(iter(self.results.values())).metrics

    def to_dict(self) -> dict[str, dict[str, dict[str, float]]]:
        """``{method: {source: {metric: dB}}}``."""
        return {method: result.to_dict() for method, result in self.results.items()}

    def best(self, metric: str = "sdr") -> dict[str, str]:
        """The method with the highest median ``metric`` for each source."""
        if metric not in self.metrics:
            raise ParameterError(f"metric must be one of {self.metrics}, got {metric!r}")
        scores = {m: getattr(r, metric) for m, r in self.results.items()}
        return {
            source: max(scores, key=lambda m, j=j: -np.inf if np.isnan(scores[m][j])
                        else scores[m][j])
            for j, source in enumerate(self.sources)
        }

    def __repr__(self) -> str:
        labels = [_METRIC_LABELS[m] for m in self.metrics]
        width = max(8, *(len(m) for m in self.methods))
        head1 = f"{'':<{width}}" + "".join(f"{s:^{9 * len(labels)}}" for s in self.sources)
        head2 = f"{'method':<{width}}" + "".join(f"{c:>9}" for _ in self.sources for c in labels)
        lines = ["BSS Eval (dB, median over frames)", head1, head2]
        for method, result in self.results.items():
            values = "".join(f"{getattr(result, m)[j]:>9.2f}"
                             for j in range(len(self.sources)) for m in self.metrics)
            lines.append(f"{method:<{width}}{values}")
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        labels = [_METRIC_LABELS[m] for m in self.metrics]
        head1 = "".join(f'<th colspan="{len(labels)}" style="text-align:center">'
                        f"{html.escape(s)}</th>" for s in self.sources)
        head2 = "".join(f"<th>{c}</th>" for _ in self.sources for c in labels)
        best = {(j, m): max(getattr(r, m)[j] for r in self.results.values()
                            if not np.isnan(getattr(r, m)[j]))
                if any(not np.isnan(getattr(r, m)[j]) for r in self.results.values())
                else np.nan
                for j in range(len(self.sources)) for m in self.metrics}
        rows = []
        for method, result in self.results.items():
            cells = []
            for j in range(len(self.sources)):
                for m in self.metrics:
                    value = getattr(result, m)[j]
                    style = ' style="font-weight:bold"' if value == best[(j, m)] else ""
                    cells.append(f"<td{style}>{value:.2f}</td>")
            rows.append(f"<tr><th style='text-align:left'>{html.escape(method)}</th>"
                        f"{''.join(cells)}</tr>")
        first = next(iter(self.results.values()))
        return (
            f"<table><caption>{html.escape(first._header())}; best of each column in bold"
            f"</caption><thead><tr><th></th>{head1}</tr><tr><th>method</th>{head2}</tr>"
            f"</thead><tbody>{''.join(rows)}</tbody></table>"
        )


def compare(results) -> ScoresTable:
    """Put the BSS Eval results of several separations of one mixture in one table.

    Used in 01_stft, §7 (oracle masks against the mixture) and 02_nmf, §9
    (supervised NMF between the mixture and the oracle).

    Parameters
    ----------
    results : dict of str to BSSEvalResult
        ``{method: bss_eval(...)}``, all on the same references (same source names,
        same mode). Put the no-separation baseline first and the oracle last.

    Returns
    -------
    ScoresTable
        Displays as a table in a notebook; ``print()`` gives a text table.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> refs = rng.standard_normal((2, 8000))
    >>> table = compare({
    ...     "mixture": bss_eval(refs, np.stack([refs.sum(0)] * 2), 8000, names=["a", "b"]),
    ...     "good": bss_eval(refs, refs + 0.1 * rng.standard_normal((2, 8000)), 8000,
    ...                      names=["a", "b"]),
    ... })
    >>> table.best("sdr")
    {'a': 'good', 'b': 'good'}
    """
    if not isinstance(results, dict) or not results:
        raise TypeError("results must be a non-empty dict {method name: BSSEvalResult}")
    for method, result in results.items():
        if not isinstance(result, BSSEvalResult):
            raise TypeError(
                f"results[{method!r}] must be a BSSEvalResult (from bss_eval), got "
                f"{type(result).__name__}"
            )
    first = next(iter(results.values()))
    for method, result in results.items():
        if result.names != first.names or result.mode != first.mode:
            raise ParameterError(
                f"results[{method!r}] scores sources {list(result.names)} in mode "
                f"{result.mode!r}, but the first result scores {list(first.names)} in mode "
                f"{first.mode!r}: compare separations of the same mixture"
            )
    return ScoresTable(dict(results))


def _read_only(array: np.ndarray) -> np.ndarray:
    array = np.array(array, dtype=np.float64)
    array.flags.writeable = False
    return array


def bss_eval(
    references,
    estimates,
    sr,
    *,
    window: float | None = 1.0,
    hop: float = 1.0,
    mode: str = "images",
    names=None,
) -> BSSEvalResult:
    """BSS Eval version 4 scores (SDR, ISR, SIR, SAR) of estimated sources, via museval.

    Used in 01_stft, §7 (oracle masks) and 02_nmf, §9 (supervised NMF).

    Each estimate is decomposed into the true source (allowing a 512-tap
    distortion filter), spatial distortion, interference from the other
    references, and artifacts [1]_; the ratios of their energies are the
    metrics. As in SiSEC 2018 and MUSDB18 [2]_, the distortion filters are
    computed once on the whole signals (version 4) and the ratios on frames of
    ``window`` seconds every ``hop`` seconds; each source's score is the median
    over frames. The estimates are taken in the order given (no permutation is
    searched; see :func:`match_sources`).

    Parameters
    ----------
    references : numpy.ndarray, shape (sources, samples) or (sources, channels, samples)
        The true sources. None may be silent, no two may be the same signal up to a
        gain, and they must be at least ``sources * channels * 512`` samples long
        (museval's distortion filters; 1024 samples, 46 ms at 22 050 Hz, for two mono
        sources).
    estimates : numpy.ndarray, same shape as ``references``
        ``estimates[j]`` is the estimate of ``references[j]``. None may be silent.
    sr : int or float
        Sample rate in Hz, used only to convert ``window`` and ``hop`` to samples.
    window : float or None
        Length of the segments the ratios are computed on, in seconds (default 1.0,
        as museval and SiSEC; not an STFT frame, see Notes). ``None``
        evaluates the whole signal as one frame. A window longer than the
        signal is clamped to the signal's length, with a warning.
    hop : float
        Hop between frame starts, in seconds (default 1.0). It may not exceed
        ``window``, otherwise samples between frames would go unevaluated.
        Samples after the last full frame are not evaluated (museval's framing).
    mode : {"images", "sources"}
        ``"images"`` (the default, SiSEC's choice): bss_eval_images, giving SDR,
        ISR, SIR and SAR. ``"sources"``: the bss_eval_sources variant of BSS Eval
        v2/v3, giving SDR, SIR and SAR (``isr`` is NaN); it adapts the
        references to the estimates, which can inflate the scores.
    names : list of str, optional
        A distinct name per source for the result's table (a single str for a single
        source); ``"source 0"``, ... by default.

    Returns
    -------
    BSSEvalResult
        ``.sdr``, ``.isr``, ``.sir``, ``.sar`` (shape ``(sources,)``, dB): the
        median over frames, computed with ``numpy.nanmedian``. museval returns
        NaN for every source in a frame where any reference or estimate is
        silent (e.g. a pause in the vocals); those frames are ignored, and a
        source whose every frame is NaN gets NaN, with a warning. ``.frames``
        holds the per-frame values ``(sources, frames)`` and ``.frame_times``
        the frame starts in seconds. Printing the result shows a table.

    Raises
    ------
    TypeError
        When an array is not real floating point, ``sr``, ``window`` or ``hop``
        is not a number, or ``mode`` or ``names`` has the wrong type.
    ParameterError
        When the arrays are not ``(sources, samples)`` or
        ``(sources, channels, samples)``, their shapes differ, they hold NaN or
        inf, there are more than 100 sources (museval's limit), a reference or
        an estimate is silent (all zeros; BSS Eval is not defined for it), two
        references are the same signal up to a gain (normalised correlation
        above 1 - 1e-9 in absolute value), the signals are shorter than
        ``sources * channels * 512`` samples, ``sr``, ``window`` or ``hop`` is not
        positive, ``hop > window``, ``mode`` is unknown, or ``names`` has the
        wrong length or a repeated name.
    ImportError
        When museval is not installed.

    Warns
    -----
    UserWarning
        When ``window`` is longer than the signal (it is clamped), or when a
        source has no frame without silence.

    Notes
    -----
    museval is imported on first use, by loading its ``metrics.py`` alone:
    ``import museval`` would import musdb and stempeg, which fail when ffmpeg is
    not installed, and BSS Eval needs neither. museval's own default window is
    44100 *samples* whatever the rate (2 s at 22 050 Hz); here ``window`` and
    ``hop`` are seconds and are always converted with ``sr``, rounded to whole
    samples. They describe plain segments (no window function, no FFT, no
    padding, and as long as the whole signal if wanted), not STFT frames, so they
    do not go through :func:`course_lib.stft.frame_params`, whose 4 s limit on a
    frame is a guard for STFTs only.

    Both refusals (too short, identical references) replace what museval does
    silently: scores of 200 to 300 dB that mean nothing. Its distortion filters
    have 512 taps from every channel of every reference; with fewer samples than
    that many coefficients they fit any estimate. With two proportional
    references the interference of one on the other is not defined.

    Timing (measured on a 2-core laptop-class machine, 1 s window and hop):
    expect about 0.5 s for 2 mono sources of 25 s at 22 050 Hz (the
    ``guitar_voice`` example) and about 3 to 4.5 s for 3 stereo sources of 14 s
    at 22 050 Hz (``stereo_trio``); the first call of a session adds about a
    second. The time grows with the length, and faster than linearly with the
    number of sources and of channels.

    References
    ----------
    .. [1] E. Vincent, R. Gribonval and C. Févotte, "Performance measurement in
       blind audio source separation," IEEE TASLP 14(4), 2006.
    .. [2] A. Liutkus, F.-R. Stöter and N. Ito, "The 2018 Signal Separation
       Evaluation Campaign," LVA/ICA 2018.

    Examples
    --------
    >>> import numpy as np
    >>> from course_lib.metrics import bss_eval
    >>> rng = np.random.default_rng(0)
    >>> sr = 8000
    >>> references = rng.standard_normal((2, 2 * sr))        # 2 mono sources, 2 s
    >>> estimates = references + 0.1 * rng.standard_normal((2, 2 * sr))
    >>> scores = bss_eval(references, estimates, sr, names=["voice", "guitar"])
    >>> scores.sdr.shape, scores.frames["sdr"].shape, scores.frame_times.tolist()
    ((2,), (2, 2), [0.0, 1.0])
    >>> bool(np.all(scores.sdr > 15))                          # noise 20 dB below
    True
    >>> print(scores)
    BSS Eval v4, bss_eval_images: median over 2 frames of 1 s (hop 1 s), in dB
                SDR      ISR      SIR      SAR
    voice     19.90    35.44    35.15    20.16
    guitar    20.00    35.32    35.03    20.27
    """
    references, estimates = _check_pair(references, estimates)
    sr = check_sample_rate(sr)
    if not isinstance(mode, str):
        raise TypeError(f"mode must be 'images' or 'sources', got {type(mode).__name__} {mode!r}")
    if mode not in _MODES:
        raise ParameterError(f"mode={mode!r} is not known; use 'images' or 'sources'")
    names = _check_names(names, references.shape[0])
    max_sources = 100  # museval.metrics.MAX_SOURCES
    if references.shape[0] > max_sources:
        raise ParameterError(
            f"references holds {references.shape[0]} sources; museval's BSS Eval accepts at "
            f"most {max_sources}"
        )
    for arr_name, stack in (("references", references), ("estimates", estimates)):
        silent = _silent_sources(stack)
        if silent:
            index, reason = silent[0]
            advice = (
                "BSS Eval cannot score the recovery of a silent source; leave it out of "
                "references and estimates"
                if arr_name == "references"
                else "BSS Eval is not defined for a silent estimate (museval raises); "
                "report that source as failed, or score it with si_sdr() or snr()"
            )
            raise ParameterError(f"{arr_name}[{index}] {reason}. {advice}")

    n_samples = references.shape[-1]
    duration = n_samples / sr
    hop = check_positive(hop, "hop", unit="s")
    if window is None:
        window_samples = hop_samples = n_samples
    else:
        window = check_positive(window, "window", unit="s")
        if hop > window:
            raise ParameterError(
                f"hop={hop} s is longer than window={window} s: the samples between frames "
                "would not be evaluated; use hop <= window"
            )
        window_samples = _segment_samples(window, sr, "window")
        hop_samples = _segment_samples(hop, sr, "hop")
    _check_long_enough(references, sr)
    _check_distinct_references(references)
    if window is not None and window_samples > n_samples:
        warnings.warn(
            f"window={window} s is longer than the signals ({duration:.3g} s, "
            f"{n_samples} samples at {sr} Hz); using one frame of the whole signal",
            UserWarning,
            stacklevel=2,
        )
        window_samples = n_samples

    # course layout -> museval's (sources, samples, channels), float64 for accuracy
    def to_museval(stack: np.ndarray) -> np.ndarray:
        stack = np.asarray(stack, dtype=np.float64)
        return (
            stack[..., np.newaxis]
            if stack.ndim == 2
            else np.ascontiguousarray(stack.transpose(0, 2, 1))
        )

    museval_metrics = _load_museval_metrics()
    sdr, isr, sir, sar, _ = museval_metrics.bss_eval(
        to_museval(references),
        to_museval(estimates),
        window=window_samples,
        hop=hop_samples,
        compute_permutation=False,
        bsseval_sources_version=(mode == "sources"),
    )
    per_frame = {"sdr": sdr, "isr": isr, "sir": sir, "sar": sar}
    n_frames = sdr.shape[1]
    frame_times = np.arange(n_frames) * hop_samples / sr

    medians = {}
    for metric, values in per_frame.items():
        all_nan = np.all(np.isnan(values), axis=1)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # "All-NaN slice encountered"
            medians[metric] = np.nanmedian(values, axis=1)
        if metric == "sdr" and np.any(all_nan):
            missing = [names[index] for index in np.flatnonzero(all_nan)]
            warnings.warn(
                f"every frame of {missing} contains a silent reference or estimate, so "
                "their BSS Eval scores are NaN; use a longer window (or window=None)",
                UserWarning,
                stacklevel=2,
            )

    metrics = _MODES[mode]
    return BSSEvalResult(
        sdr=_read_only(medians["sdr"]),
        isr=_read_only(medians["isr"] if mode == "images" else np.full(len(names), np.nan)),
        sir=_read_only(medians["sir"]),
        sar=_read_only(medians["sar"]),
        frames=MappingProxyType({m: _read_only(per_frame[m]) for m in metrics}),
        frame_times=_read_only(frame_times),
        names=names,
        mode=mode,
        sr=sr,
        window=window_samples / sr,
        hop=hop_samples / sr,
    )


# ---------------------------------------------------------------------------
# SI-SDR and SNR
# ---------------------------------------------------------------------------


def _flatten_pair(reference, estimate) -> tuple[np.ndarray, np.ndarray, bool]:
    """Validate, then reshape to (sources, values); also say whether the input was stacked."""
    reference = _check_signal_or_sources(reference, "reference")
    estimate = _check_signal_or_sources(estimate, "estimate")
    _check_same_shape(reference, estimate, "reference", "estimate")
    stacked = reference.ndim > 1
    reference = np.asarray(reference, dtype=np.float64).reshape(
        reference.shape[0] if stacked else 1, -1
    )
    estimate = np.asarray(estimate, dtype=np.float64).reshape(reference.shape)
    energy = np.sum(reference**2, axis=1)
    if np.any(energy == 0):
        index = int(np.flatnonzero(energy == 0)[0])
        where = f"reference[{index}]" if stacked else "reference"
        raise ParameterError(f"{where} is silent (all zeros): a ratio to its energy is not defined")
    return reference, estimate, stacked


def _ratio_db(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    """10 log10(numerator / denominator), +inf when only the denominator is 0, -inf when
    only the numerator is 0."""
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = 10 * np.log10(numerator / denominator)
    ratio[(numerator == 0) & (denominator == 0)] = -np.inf
    return ratio


def si_sdr(reference, estimate):
    """Scale-invariant signal-to-distortion ratio (SI-SDR) in dB.

    Not yet called in 01_stft or 02_nmf (they report BSS Eval); the quick-look
    metric of the separation tests, and :func:`match_sources`'s default criterion.

    The estimate is split into a scaled copy of the reference and a residual
    [1]_::

        alpha  = <estimate, reference> / ||reference||²
        target = alpha * reference
        SI-SDR = 10 log10( ||target||² / ||estimate - target||² )

    Rescaling the estimate (a louder or quieter output, or a sign flip) does
    not change the score. No mean is removed from either signal.

    Parameters
    ----------
    reference : numpy.ndarray, shape (samples,), (sources, samples) or (sources, channels, samples)
        The true signal(s). None may be silent.
    estimate : numpy.ndarray, same shape as ``reference``
        The estimated signal(s).

    Returns
    -------
    float or numpy.ndarray of float64, shape (sources,)
        The SI-SDR in dB: a Python ``float`` for a single ``(samples,)`` signal, a
        numpy array with one value per source for stacked input
        ``(sources, samples)`` or ``(sources, channels, samples)`` (shape ``(1,)``
        for one stacked source). For multichannel sources, all channels of
        a source share one scale factor and one score. A perfect estimate (any
        non-zero multiple of the reference with no residual at all) gives
        ``+inf``; an estimate equal to the reference up to rounding gives a large
        finite value (above 100 dB). An all-zero estimate gives ``-inf``.

    Raises
    ------
    TypeError
        When an array is not real floating point.
    ParameterError
        When the shapes differ or are not allowed, an array holds NaN or inf,
        or a reference is silent.

    References
    ----------
    .. [1] J. Le Roux, S. Wisdom, H. Erdogan and J. R. Hershey, "SDR - half-baked
       or well done?," in Proc. ICASSP, 2019, pp. 626-630.

    Examples
    --------
    >>> import numpy as np
    >>> from course_lib.metrics import si_sdr
    >>> rng = np.random.default_rng(0)
    >>> reference = rng.standard_normal(8000)
    >>> estimate = reference + 0.1 * rng.standard_normal(8000)   # noise 20 dB down
    >>> round(si_sdr(reference, estimate))
    20
    >>> round(si_sdr(reference, 0.5 * estimate))                  # the scale does not matter
    20
    >>> si_sdr(reference, reference)
    inf
    >>> si_sdr(np.stack([reference, estimate]), np.stack([estimate, reference])).round()
    array([20., 20.])
    """
    reference, estimate, stacked = _flatten_pair(reference, estimate)
    alpha = np.sum(estimate * reference, axis=1) / np.sum(reference**2, axis=1)
    target = alpha[:, np.newaxis] * reference
    scores = _ratio_db(np.sum(target**2, axis=1), np.sum((estimate - target) ** 2, axis=1))
    return scores if stacked else float(scores[0])


def snr(reference, estimate):
    """Signal-to-noise ratio of an estimate, in dB: ``10 log10(||s||² / ||s - ŝ||²)``.

    Used in 01_stft, §6 (why phase matters: the same magnitude with another phase).

    Everything that differs from the reference counts as noise, including a
    gain error: an estimate at half the level scores about 6 dB, however clean
    (compare :func:`si_sdr`).

    Parameters
    ----------
    reference : numpy.ndarray, shape (samples,), (sources, samples) or (sources, channels, samples)
        The true signal(s) ``s``. None may be silent.
    estimate : numpy.ndarray, same shape as ``reference``
        The estimated signal(s) ``ŝ``.

    Returns
    -------
    float or numpy.ndarray of float64, shape (sources,)
        The SNR in dB: a Python ``float`` for a single ``(samples,)`` signal, a
        numpy array with one value per source (channels pooled) for stacked input
        ``(sources, samples)`` or ``(sources, channels, samples)`` (shape ``(1,)``
        for one stacked source). ``+inf`` for an estimate
        exactly equal to the reference; 0 dB for an all-zero estimate.

    Raises
    ------
    TypeError
        When an array is not real floating point.
    ParameterError
        When the shapes differ or are not allowed, an array holds NaN or inf,
        or a reference is silent.

    Examples
    --------
    >>> import numpy as np
    >>> from course_lib.metrics import snr
    >>> reference = np.sin(2 * np.pi * 440 * np.arange(8000) / 8000)
    >>> round(snr(reference, 0.5 * reference), 2)    # 10 log10(1 / 0.25)
    6.02
    >>> snr(reference, np.zeros(8000))
    0.0
    """
    reference, estimate, stacked = _flatten_pair(reference, estimate)
    scores = _ratio_db(np.sum(reference**2, axis=1), np.sum((reference - estimate) ** 2, axis=1))
    return scores if stacked else float(scores[0])


# ---------------------------------------------------------------------------
# matching estimates to references
# ---------------------------------------------------------------------------


def match_sources(references, estimates, *, criterion: str = "si_sdr") -> np.ndarray:
    """The order of the estimates that best matches the references.

    Not yet called in 01_stft or 02_nmf, whose estimates come in the order of the
    references; written for the clustering notebook (03_mfcc_clustering), whose
    groups of components come in an arbitrary order.

    Methods such as NMF with clustering or a blind separation return their
    sources in an arbitrary order. This scores every (reference, estimate) pair
    with ``criterion`` and picks the one-to-one assignment with the largest
    total score (the Hungarian algorithm, ``scipy.optimize.linear_sum_assignment``).

    Parameters
    ----------
    references : numpy.ndarray, shape (sources, samples) or (sources, channels, samples)
        The true sources. None may be silent.
    estimates : numpy.ndarray, shape (estimates, samples) or (estimates, channels, samples)
        The estimated sources, in any order; at least as many as references (the
        extra ones are left unassigned). The other axes match ``references``.
    criterion : {"si_sdr", "snr"}
        The pairwise score, in dB (:func:`si_sdr` or :func:`snr`). Scores beyond
        ±1000 dB (e.g. ``inf`` for a perfect or ``-inf`` for a silent estimate) are
        clipped to ±1000 dB before the assignment.

    Returns
    -------
    perm : numpy.ndarray [dtype=int], shape (sources,)
        ``perm[j]`` is the index of the estimate assigned to ``references[j]``,
        so ``estimates[perm]`` is in the order of the references.

    Raises
    ------
    TypeError
        When an array is not real floating point or ``criterion`` is not a str.
    ParameterError
        When the arrays are not stacked sources, their channels or lengths
        differ, there are fewer estimates than references, an array holds NaN or
        inf, a reference is silent, or ``criterion`` is unknown.

    Examples
    --------
    >>> import numpy as np
    >>> from course_lib.metrics import match_sources, si_sdr
    >>> rng = np.random.default_rng(0)
    >>> references = rng.standard_normal((3, 4000))
    >>> estimates = references[[2, 0, 1]] + 0.1 * rng.standard_normal((3, 4000))
    >>> perm = match_sources(references, estimates)
    >>> perm
    array([1, 2, 0])
    >>> si_sdr(references, estimates[perm]).round()
    array([20., 20., 20.])
    """
    references = check_sources(references, "references")
    estimates = check_sources(estimates, "estimates")
    if not isinstance(criterion, str):
        raise TypeError(
            f"criterion must be 'si_sdr' or 'snr', got {type(criterion).__name__} {criterion!r}"
        )
    if criterion not in _CRITERIA:
        raise ParameterError(f"criterion={criterion!r} is not known; use 'si_sdr' or 'snr'")
    if references.shape[1:] != estimates.shape[1:]:
        raise ParameterError(
            f"references has shape {references.shape} but estimates has shape "
            f"{estimates.shape}; every axis but the first (sources) must match: the same "
            "channels and the same number of samples"
        )
    silent = [index for index, source in enumerate(references) if not np.any(source)]
    if silent:
        raise ParameterError(
            f"references[{silent[0]}] is silent (all zeros): no estimate can be matched to it"
        )
    n_references, n_estimates = references.shape[0], estimates.shape[0]
    if n_estimates < n_references:
        raise ParameterError(
            f"estimates holds {n_estimates} source(s) but references holds {n_references}; "
            "match_sources needs at least one estimate per reference"
        )
    score = si_sdr if criterion == "si_sdr" else snr
    scores = np.empty((n_references, n_estimates))
    for row in range(n_references):
        scores[row] = score(np.broadcast_to(references[row], estimates.shape), estimates)
    scores = np.clip(scores, -_SCORE_CLIP_DB, _SCORE_CLIP_DB)

    from scipy.optimize import linear_sum_assignment

    rows, columns = linear_sum_assignment(scores, maximize=True)
    perm = np.empty(n_references, dtype=int)
    perm[rows] = columns
    return perm
