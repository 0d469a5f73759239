"""Reading, writing, preparing and listening to audio.

Shape conventions, used by every function here and in the rest of ``course_lib``:

- a mono signal is a 1-D array of shape ``(samples,)``;
- a multichannel signal is a 2-D array of shape ``(channels, samples)``
  (soundfile and museval use ``(samples, channels)``; the conversion happens
  inside :func:`load` and :func:`save`, never in a notebook);
- samples are float32 or float64, nominally within ``[-1, 1]`` (0 dBFS);
- the sample rate ``sr`` is always passed explicitly, in Hz.

Levels are given in dBFS (decibels relative to full scale, where a peak of 1.0
is 0 dBFS), signal-to-noise ratios in dB. No function modifies its arguments
in place.

The functions map onto the first steps of every notebook:

- :func:`load`, :func:`save`: audio files (WAV, FLAC, OGG, ...) to arrays and back;
- :func:`to_mono`, :func:`resample`, :func:`normalize`: prepare a signal;
- :func:`mix`: build a mixture at a chosen signal-to-noise ratio, with its exact
  ground-truth sources;
- :func:`play`, :func:`play_group`: inline players in a notebook.
  :func:`play_group` plays several clips at one shared gain, so that their
  loudness can be compared by ear (a separated source stays quieter than the
  mixture it came from).
"""

from __future__ import annotations

import html
import numbers
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import numpy as np
import soundfile as sf

from ._validation import ParameterError, check_audio, check_sample_rate

__all__ = [
    "AudioLoadError",
    "AudioGroup",
    "Mixture",
    "load",
    "save",
    "to_mono",
    "resample",
    "normalize",
    "mix",
    "play",
    "play_group",
]

# File extensions save() writes, and the soundfile format of each.
_WRITABLE_FORMATS = {".wav": "WAV", ".flac": "FLAC", ".ogg": "OGG"}

# Subtypes that store samples as floating point, so values beyond ±1 survive.
_FLOAT_SUBTYPES = frozenset({"FLOAT", "DOUBLE"})


class AudioLoadError(ValueError):
    """An audio file exists but cannot be read.

    Raised by :func:`load` for an empty, corrupt or unsupported file, or one
    that holds no samples. A subclass of ``ValueError``.
    """


class Mixture(NamedTuple):
    """The result of :func:`mix` with ``return_sources=True``.

    It unpacks like a tuple: ``mixture, target, interference = mix(...)``.
    ``mixture == target + interference`` holds exactly.

    Attributes
    ----------
    mixture : numpy.ndarray, shape (samples,) or (channels, samples)
        The sum of the two sources.
    target : numpy.ndarray, same shape
        A copy of the target, as it is in the mixture.
    interference : numpy.ndarray, same shape
        The interference after scaling, as it is in the mixture.
    """

    mixture: np.ndarray
    target: np.ndarray
    interference: np.ndarray


# ---------------------------------------------------------------------------
# small helpers
# ---------------------------------------------------------------------------


def _check_path(path, name: str = "path") -> Path:
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(
            f"{name} must be a str or pathlib.Path, got {type(path).__name__} {path!r}"[:200]
        )
    return Path(path)


def _check_finite_number(value, name: str, unit: str = "") -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a number, got {type(value).__name__} {value!r}"[:200])
    if not np.isfinite(value):
        suffix = f" {unit}" if unit else ""
        raise ParameterError(f"{name}={value}{suffix} must be a finite number")
    return float(value)


def _peak(y: np.ndarray) -> float:
    return float(np.max(np.abs(y))) if y.size else 0.0


def _db(linear: float) -> float:
    return 20.0 * float(np.log10(linear))


def _readable_extensions() -> set[str]:
    extensions = {f".{name.lower()}" for name in sf.available_formats()}
    return extensions | {".aif", ".aifc", ".oga", ".opus"}


# ---------------------------------------------------------------------------
# files
# ---------------------------------------------------------------------------


def load(path, *, sr=None, mono: bool = True) -> tuple[np.ndarray, int | float]:
    """Read an audio file into a float32 array.

    Parameters
    ----------
    path : str or pathlib.Path
        The file to read. Any format libsndfile reads works (WAV, FLAC, OGG,
        AIFF, ...; see ``soundfile.available_formats()``). Relative paths are
        relative to the current working directory.
    sr : float or None
        The sample rate in Hz to return. ``None`` (the default) keeps the rate of
        the file; any other rate resamples with :func:`resample`.
    mono : bool
        ``True`` (the default) averages the channels into one (:func:`to_mono`);
        ``False`` keeps every channel, even for a mono file.

    Returns
    -------
    y : numpy.ndarray [dtype=float32], shape (samples,) or (channels, samples)
        The samples, within ``[-1, 1]`` for integer files. Shape ``(samples,)``
        when ``mono=True``, ``(channels, samples)`` otherwise.
    sr : int or float
        The sample rate of ``y`` in Hz.

    Raises
    ------
    TypeError
        When ``path`` is not a str or pathlib.Path, or ``mono`` is not a bool.
    FileNotFoundError
        When nothing exists at ``path``.
    IsADirectoryError
        When ``path`` is a directory.
    AudioLoadError
        When the file is empty, corrupt, in a format soundfile cannot read, or
        holds no samples.
    ParameterError
        When ``sr`` is not a positive number.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> import numpy as np
    >>> from course_lib.audio import load, save
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> stereo = np.zeros((2, 44100), dtype=np.float32)
    >>> path = save(folder / "stereo.wav", stereo, 44100)
    >>> y, sr = load(path)
    >>> y.shape, y.dtype, sr
    ((44100,), dtype('float32'), 44100)
    >>> y, sr = load(path, sr=22050, mono=False)
    >>> y.shape, sr
    ((2, 22050), 22050)
    """
    file = _check_path(path)
    if not isinstance(mono, (bool, np.bool_)):
        raise TypeError(f"mono must be True or False, got {type(mono).__name__} {mono!r}")
    if sr is not None:
        sr = check_sample_rate(sr)

    if not file.exists():
        raise FileNotFoundError(
            f"No audio file at {str(file)!r}. Check the path: relative paths start from "
            f"the current working directory, which is {os.getcwd()!r}"
        )
    if file.is_dir():
        audio_files = sorted(
            child.name for child in file.iterdir() if child.suffix.lower() in _WRITABLE_FORMATS
        )
        hint = f"; it contains {', '.join(audio_files[:3])}" if audio_files else ""
        raise IsADirectoryError(
            f"{str(file)!r} is a directory, not an audio file{hint}. "
            "Pass the path of one file inside it"
        )
    if not os.access(file, os.R_OK):
        raise PermissionError(f"{str(file)!r} exists but you have no permission to read it")
    if file.stat().st_size == 0:
        raise AudioLoadError(f"{str(file)!r} is an empty file (0 bytes), not audio")

    try:
        data, file_sr = sf.read(file, dtype="float32", always_2d=True)
    except (sf.SoundFileError, RuntimeError) as exc:
        suffix = file.suffix.lower()
        if suffix not in _readable_extensions():
            formats = ", ".join(sorted(sf.available_formats()))
            raise AudioLoadError(
                f"cannot read {str(file)!r}: {suffix or 'a file without extension'} is not an "
                f"audio format soundfile reads. Readable formats: {formats}. Convert the file "
                "to WAV or FLAC first (e.g. with ffmpeg -i input output.wav)"
            ) from exc
        raise AudioLoadError(
            f"cannot read {str(file)!r}: the file looks corrupt or is not really "
            f"{suffix[1:].upper()} audio ({exc})"
        ) from exc

    if data.shape[0] == 0:
        raise AudioLoadError(f"{str(file)!r} is a valid audio file but holds no samples")

    y = np.ascontiguousarray(data.T)  # soundfile: (samples, channels) -> (channels, samples)
    if mono:
        y = y.mean(axis=0)
    if sr is not None and sr != file_sr:
        return resample(y, file_sr, target_sr=sr), sr
    return y, file_sr


def save(path, y, sr, *, subtype: str | None = None) -> Path:
    """Write audio to a WAV, FLAC or OGG file, chosen by the file extension.

    Parameters
    ----------
    path : str or pathlib.Path
        The file to write, ending in ``.wav``, ``.flac`` or ``.ogg``. Its folder
        must exist; an existing file is overwritten.
    y : numpy.ndarray, shape (samples,) or (channels, samples)
        The signal, float32 or float64.
    sr : int
        The sample rate in Hz, a whole number.
    subtype : str or None
        The sample encoding, e.g. ``"PCM_16"``, ``"PCM_24"``, ``"FLOAT"`` (see
        ``soundfile.available_subtypes(format)``). ``None`` uses soundfile's
        default: 16-bit PCM for WAV and FLAC, Vorbis for OGG.

    Returns
    -------
    pathlib.Path
        The path written.

    Raises
    ------
    TypeError
        When ``path`` is not a str or pathlib.Path, ``y`` is not a real float
        array, or ``subtype`` is not a str.
    FileNotFoundError
        When the folder of ``path`` does not exist.
    ParameterError
        When the extension is not ``.wav``, ``.flac`` or ``.ogg``; ``sr`` is not
        a positive whole number; ``subtype`` does not exist for the format; or
        ``y`` exceeds ±1 and ``subtype`` is not a float subtype. Such a file
        would clip: scale the signal with :func:`normalize` first, or save to
        WAV with ``subtype="FLOAT"``.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> import numpy as np
    >>> from course_lib.audio import save
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> tone = 0.5 * np.sin(2 * np.pi * 440 * np.arange(22050) / 22050)
    >>> save(folder / "tone.flac", tone, 22050, subtype="PCM_24").name
    'tone.flac'
    """
    file = _check_path(path)
    audio = check_audio(y)
    sr = check_sample_rate(sr)
    if not isinstance(sr, int):
        raise ParameterError(f"sr={sr} Hz must be a whole number of Hz to be saved in a file")

    suffix = file.suffix.lower()
    if suffix not in _WRITABLE_FORMATS:
        raise ParameterError(
            f"cannot save to {str(file)!r}: the extension must be one of "
            f"{', '.join(_WRITABLE_FORMATS)}, got {suffix or 'no extension'!r}"
        )
    file_format = _WRITABLE_FORMATS[suffix]
    if subtype is None:
        subtype = sf.default_subtype(file_format)
    elif not isinstance(subtype, str):
        raise TypeError(f"subtype must be a str or None, got {type(subtype).__name__}")
    subtype = subtype.upper()
    if not sf.check_format(file_format, subtype):
        allowed = ", ".join(sorted(sf.available_subtypes(file_format)))
        raise ParameterError(
            f"subtype={subtype!r} cannot be used for {file_format} files; allowed: {allowed}"
        )

    peak = _peak(audio)
    if subtype not in _FLOAT_SUBTYPES and peak > 1.0:
        raise ParameterError(
            f"y peaks at {peak:.4g} ({_db(peak):+.2f} dBFS), beyond the range [-1, 1] "
            f"of {file_format} {subtype}; saving it would clip. Scale it first with "
            "normalize(y), or save to a .wav file with subtype='FLOAT'"
        )
    if not file.parent.is_dir():
        raise FileNotFoundError(
            f"cannot save to {str(file)!r}: the folder {str(file.parent)!r} does not exist. "
            "Create it first, e.g. with Path(folder).mkdir(parents=True, exist_ok=True)"
        )

    try:
        sf.write(file, audio.T, sr, subtype=subtype, format=file_format)
    except (sf.SoundFileError, RuntimeError) as exc:
        raise OSError(f"could not write {str(file)!r}: {exc}") from exc
    return file


# ---------------------------------------------------------------------------
# preparing signals
# ---------------------------------------------------------------------------


def to_mono(y) -> np.ndarray:
    """Average the channels of a signal into one.

    Parameters
    ----------
    y : numpy.ndarray, shape (samples,) or (channels, samples)
        The signal, float32 or float64.

    Returns
    -------
    numpy.ndarray, shape (samples,)
        The mean over channels, in the dtype of ``y``. A mono ``y`` is returned
        as it is (not copied).

    Raises
    ------
    TypeError
        When ``y`` is not a real float array.
    ParameterError
        When ``y`` has the wrong shape or non-finite values.

    Examples
    --------
    >>> import numpy as np
    >>> from course_lib.audio import to_mono
    >>> to_mono(np.array([[1.0, 0.0, 0.5], [0.0, 0.0, -0.5]]))
    array([0.5, 0. , 0. ])
    """
    audio = check_audio(y)
    if audio.ndim == 1:
        return audio
    return audio.mean(axis=0)


def resample(y, sr, *, target_sr) -> np.ndarray:
    """Change the sample rate of a signal.

    Uses :func:`librosa.resample` (the soxr "HQ" band-limited resampler), along
    the last axis, so each channel is resampled alike.

    Parameters
    ----------
    y : numpy.ndarray, shape (samples,) or (channels, samples)
        The signal, float32 or float64.
    sr : float
        The sample rate of ``y`` in Hz.
    target_sr : float
        The sample rate wanted, in Hz.

    Returns
    -------
    numpy.ndarray, shape (ceil(samples * target_sr / sr),) or (channels, ...)
        The resampled signal, in the dtype of ``y``; a copy of ``y`` when the
        two rates are equal.

    Raises
    ------
    TypeError
        When ``y`` is not a real float array or a rate is not a number.
    ParameterError
        When ``y`` has the wrong shape or non-finite values, or a rate is not
        positive.

    Examples
    --------
    >>> import numpy as np
    >>> from course_lib.audio import resample
    >>> y = np.zeros(44100, dtype=np.float32)
    >>> resample(y, 44100, target_sr=16000).shape
    (16000,)
    """
    audio = check_audio(y)
    sr = check_sample_rate(sr)
    target_sr = check_sample_rate(target_sr, "target_sr")
    if sr == target_sr:
        return audio.copy()
    import librosa  # imported here so that `import course_lib` stays fast

    resampled = librosa.resample(audio, orig_sr=sr, target_sr=target_sr, axis=-1)
    return resampled.astype(audio.dtype, copy=False)


_DEFAULT_LEVEL_DB = {"peak": -1.0, "rms": -20.0}


def normalize(y, *, mode: str = "peak", target_db: float | None = None) -> np.ndarray:
    """Scale a signal to a given peak or RMS level.

    Parameters
    ----------
    y : numpy.ndarray, shape (samples,) or (channels, samples)
        The signal, float32 or float64. Multichannel signals get one gain for
        all channels, so the balance between channels is kept.
    mode : {"peak", "rms"}
        ``"peak"`` sets the largest absolute sample, ``"rms"`` the root mean
        square over all samples (and all channels).
    target_db : float or None
        The level to reach, in dBFS (0 dBFS is a peak, or an RMS, of 1.0).
        ``None`` means -1 dBFS for ``"peak"`` and -20 dBFS for ``"rms"``. An RMS
        target can push peaks beyond ±1; check before saving to PCM.

    Returns
    -------
    numpy.ndarray, shape of ``y``
        A scaled copy of ``y``, in the dtype of ``y``.

    Raises
    ------
    TypeError
        When ``y`` is not a real float array or ``target_db`` is not a number.
    ParameterError
        When ``mode`` is unknown, ``target_db`` is not finite, or ``y`` is silent
        (all zeros): silence cannot be scaled to any level.

    Examples
    --------
    >>> import numpy as np
    >>> from course_lib.audio import normalize
    >>> y = np.array([0.1, -0.25, 0.2])
    >>> normalize(y, target_db=0.0)
    array([ 0.4, -1. ,  0.8])
    >>> rms = np.sqrt(np.mean(normalize(y, mode="rms", target_db=-20.0) ** 2))
    >>> round(float(rms), 6)
    0.1
    """
    audio = check_audio(y)
    if mode not in _DEFAULT_LEVEL_DB:
        raise ParameterError(f"mode must be 'peak' or 'rms', got {mode!r}")
    if target_db is None:
        target_db = _DEFAULT_LEVEL_DB[mode]
    target_db = _check_finite_number(target_db, "target_db", "dBFS")

    if mode == "peak":
        level = _peak(audio)
    else:
        level = float(np.sqrt(np.mean(np.square(audio, dtype=np.float64))))
    if level == 0.0:
        raise ParameterError(
            f"cannot normalise y to a {mode} level: it is silent (all {audio.size} samples are 0)"
        )
    gain = 10.0 ** (target_db / 20.0) / level
    return (audio * gain).astype(audio.dtype, copy=False)


def mix(target, interference, *, snr_db, return_sources: bool = False):
    """Add an interference to a target at a given signal-to-noise ratio.

    The interference is scaled by one gain ``g`` so that::

        10 * log10(sum(target ** 2) / sum((g * interference) ** 2)) == snr_db

    with the sums over all samples (and all channels). The target is not
    scaled.

    Parameters
    ----------
    target : numpy.ndarray, shape (samples,) or (channels, samples)
        The signal to keep (e.g. the voice), float32 or float64.
    interference : numpy.ndarray, same shape as ``target``
        The signal to add (e.g. noise or accompaniment). Trim or pad it to the
        length of ``target`` first.
    snr_db : float
        The signal-to-noise ratio of the mixture, in dB. 0 dB means equal
        energies; negative values make the interference louder.
    return_sources : bool
        When ``True``, also return the two sources exactly as they are in the
        mixture, the ground truth a separation is scored against.

    Returns
    -------
    numpy.ndarray or Mixture
        The mixture ``target + g * interference``, in the common dtype of the
        inputs; with ``return_sources=True`` a :class:`Mixture`
        ``(mixture, target, interference)`` whose fields sum exactly to the
        mixture. The mixture can exceed ±1; use :func:`normalize` (on all three
        arrays with the same gain) or :func:`play_group` to listen.

    Raises
    ------
    TypeError
        When an input is not a real float array, or ``snr_db`` is not a number.
    ParameterError
        When the shapes differ, ``snr_db`` is not finite, or either input is
        silent (an SNR needs energy on both sides).

    Examples
    --------
    >>> import numpy as np
    >>> from course_lib.audio import mix
    >>> rng = np.random.default_rng(0)
    >>> voice, noise = rng.standard_normal((2, 8000))
    >>> mixture, voice_in_mix, noise_in_mix = mix(voice, noise, snr_db=10.0,
    ...                                           return_sources=True)
    >>> snr = 10 * np.log10(np.sum(voice_in_mix**2) / np.sum(noise_in_mix**2))
    >>> round(float(snr), 9)
    10.0
    """
    target_audio = check_audio(target, "target")
    interference_audio = check_audio(interference, "interference")
    if target_audio.shape != interference_audio.shape:
        raise ParameterError(
            f"target has shape {target_audio.shape} but interference has shape "
            f"{interference_audio.shape}; they must match. Trim the longer one, e.g. "
            "interference[..., :target.shape[-1]], or pad the shorter one with np.pad"
        )
    snr_db = _check_finite_number(snr_db, "snr_db", "dB")
    target_energy = float(np.sum(np.square(target_audio, dtype=np.float64)))
    interference_energy = float(np.sum(np.square(interference_audio, dtype=np.float64)))
    for name, energy in (("target", target_energy), ("interference", interference_energy)):
        if energy == 0.0:
            raise ParameterError(
                f"{name} is silent (all zeros): no gain gives an SNR of {snr_db} dB"
            )

    gain = np.sqrt(target_energy / (interference_energy * 10.0 ** (snr_db / 10.0)))
    dtype = np.result_type(target_audio, interference_audio)
    scaled_interference = (interference_audio * gain).astype(dtype, copy=False)
    target_in_mix = target_audio.astype(dtype, copy=True)
    mixture = target_in_mix + scaled_interference
    if return_sources:
        return Mixture(mixture, target_in_mix, scaled_interference)
    return mixture


# ---------------------------------------------------------------------------
# listening
# ---------------------------------------------------------------------------


def play(y, sr, *, normalize: bool = True):
    """Make an inline audio player for a notebook.

    Parameters
    ----------
    y : numpy.ndarray, shape (samples,) or (channels, samples)
        The signal, float32 or float64.
    sr : int
        The sample rate in Hz.
    normalize : bool
        ``True`` (the default) scales the clip so that its peak is full scale,
        which makes a quiet clip audible but hides how loud it is. ``False``
        plays the samples as they are, and needs them within ±1. To compare the
        loudness of several clips, use :func:`play_group`. A silent clip plays
        as silence either way.

    Returns
    -------
    IPython.display.Audio
        The player; it shows when it is the last expression of a cell, or with
        ``IPython.display.display``.

    Raises
    ------
    TypeError
        When ``y`` is not a real float array.
    ParameterError
        When ``y`` has the wrong shape or non-finite values, ``sr`` is not a
        positive number, or ``normalize=False`` and ``y`` exceeds ±1.

    Examples
    --------
    >>> import numpy as np
    >>> from course_lib.audio import play
    >>> tone = 0.5 * np.sin(2 * np.pi * 440 * np.arange(8000) / 8000)
    >>> player = play(tone, 8000)
    >>> "<audio" in player._repr_html_()
    True
    """
    from IPython.display import Audio

    audio = check_audio(y)
    sr = check_sample_rate(sr)
    peak = _peak(audio)
    if not normalize and peak > 1.0:
        raise ParameterError(
            f"y peaks at {peak:.4g} ({_db(peak):+.2f} dBFS), beyond [-1, 1], and "
            "normalize=False plays samples as they are. Use play(y, sr) to scale it, "
            "normalize(y) first, or play_group to compare it with other clips"
        )
    # IPython divides by the peak when normalising, which turns silence into NaN.
    return Audio(audio, rate=sr, normalize=normalize and peak > 0.0)


@dataclass(frozen=True, repr=False)
class AudioGroup:
    """Audio players shown side by side, all scaled by one gain.

    Made by :func:`play_group`. In a notebook it displays as a row of labelled
    players (plain HTML, so it also survives export to static HTML).

    Attributes
    ----------
    players : tuple of IPython.display.Audio
        One player per clip, created with ``normalize=False``.
    labels : tuple of str
        The label of each clip.
    clips : tuple of numpy.ndarray
        The clips after scaling, the samples the players play.
    gain : float
        The linear gain applied to every clip.
    sr : int
        The sample rate in Hz.
    """

    players: tuple
    labels: tuple[str, ...]
    clips: tuple[np.ndarray, ...]
    gain: float
    sr: int | float

    def __len__(self) -> int:
        return len(self.players)

    def __repr__(self) -> str:
        labels = ", ".join(repr(label) for label in self.labels)
        return (
            f"AudioGroup({len(self)} clips: {labels}; sr={self.sr} Hz; "
            f"shared gain {_db(self.gain):+.2f} dB)"
        )

    def _repr_html_(self) -> str:
        cells = "".join(
            '<figure style="margin:0">'
            f'<figcaption style="font-weight:bold">{html.escape(label)}</figcaption>'
            f"{player._repr_html_()}"
            "</figure>"
            for label, player in zip(self.labels, self.players, strict=True)
        )
        return (
            '<div style="display:flex;flex-wrap:wrap;gap:1em;align-items:flex-start">'
            f"{cells}</div>"
            f'<div style="font-size:smaller">All clips scaled by one gain '
            f"({_db(self.gain):+.1f} dB), so their loudness can be compared.</div>"
        )


def play_group(clips, sr, *, labels=None, peak_db: float = -0.1) -> AudioGroup:
    """Make players for several clips at one shared gain, to compare their loudness.

    Every clip is multiplied by the same gain, chosen so that the loudest peak
    of the whole group reaches ``peak_db``. A clip half as loud as another stays
    half as loud, which :func:`play` (normalising each clip on its own) hides.

    Parameters
    ----------
    clips : dict of str to numpy.ndarray, or list of numpy.ndarray
        The clips, each of shape ``(samples,)`` or ``(channels, samples)``,
        float32 or float64. Lengths may differ. A dict gives the labels by its
        keys. For stacked sources of shape ``(sources, samples)``, pass
        ``list(sources)``.
    sr : int
        The sample rate of every clip, in Hz.
    labels : list of str, optional
        A label per clip when ``clips`` is a list; ``"clip 1"``, ``"clip 2"``,
        ... by default. Not allowed with a dict.
    peak_db : float
        The peak level of the loudest clip after scaling, in dBFS, at most 0.
        The default -0.1 dBFS is a peak of about 0.989.

    Returns
    -------
    AudioGroup
        The players, labels, scaled clips and the shared gain; it displays as a
        row of labelled players in a notebook.

    Raises
    ------
    TypeError
        When ``clips`` is not a dict or list, or a clip is not a real float
        array.
    ParameterError
        When there are no clips, the labels do not match the clips, a clip has
        the wrong shape or non-finite values, ``sr`` is not a positive number,
        ``peak_db`` is above 0 dBFS, or every clip is silent.

    Examples
    --------
    >>> import numpy as np
    >>> from course_lib.audio import play_group
    >>> t = np.arange(8000) / 8000
    >>> loud = 2.0 * np.sin(2 * np.pi * 440 * t)
    >>> group = play_group({"loud": loud, "half": loud / 2}, 8000, peak_db=-6.0)
    >>> [round(float(np.max(np.abs(clip))), 3) for clip in group.clips]
    [0.501, 0.251]
    """
    from IPython.display import Audio

    if isinstance(clips, Mapping):
        if labels is not None:
            raise ParameterError(
                "labels must be None when clips is a dict: the dict keys are the labels"
            )
        labels = [str(key) for key in clips]
        arrays = list(clips.values())
    elif isinstance(clips, Sequence) and not isinstance(clips, (str, bytes)):
        arrays = list(clips)
        if labels is None:
            labels = [f"clip {number}" for number in range(1, len(arrays) + 1)]
        elif isinstance(labels, str) or not isinstance(labels, Sequence):
            raise TypeError(f"labels must be a list of str, got {type(labels).__name__}")
        elif len(labels) != len(arrays):
            raise ParameterError(f"got {len(labels)} labels for {len(arrays)} clips")
        labels = [str(label) for label in labels]
    else:
        hint = (
            "; for one clip use play(y, sr), for stacked sources pass list(sources)"
            if isinstance(clips, np.ndarray)
            else ""
        )
        raise TypeError(
            f"clips must be a dict of label -> array or a list of arrays, "
            f"got {type(clips).__name__}{hint}"
        )
    if not arrays:
        raise ParameterError("clips is empty: give at least one clip to play")

    audios = [
        check_audio(array, f"clips[{label!r}]") for label, array in zip(labels, arrays, strict=True)
    ]
    sr = check_sample_rate(sr)
    peak_db = _check_finite_number(peak_db, "peak_db", "dBFS")
    if peak_db > 0.0:
        raise ParameterError(
            f"peak_db={peak_db} dBFS must be at most 0: samples beyond ±1 cannot be played"
        )

    loudest = max(_peak(audio) for audio in audios)
    if loudest == 0.0:
        raise ParameterError("every clip is silent (all zeros): there is nothing to hear")
    gain = 10.0 ** (peak_db / 20.0) / loudest
    # The clip to ±1 only removes a rounding error of one ulp at peak_db=0.
    scaled = tuple(
        np.clip(audio * gain, -1.0, 1.0).astype(audio.dtype, copy=False) for audio in audios
    )
    players = tuple(Audio(clip, rate=sr, normalize=False) for clip in scaled)
    return AudioGroup(players=players, labels=tuple(labels), clips=scaled, gain=gain, sr=sr)
