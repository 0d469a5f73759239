"""Reading, writing, preparing and listening to audio.

Shape conventions, used by every function here and in the rest of ``course_lib``:

- a mono signal is a 1-D array of shape ``(samples,)``;
- a multichannel signal is a 2-D array of shape ``(channels, samples)``
  (soundfile and museval use ``(samples, channels)``; the conversion happens
  inside :func:`load` and :func:`save`, never in a notebook);
- samples are float32 or float64, nominally within ``[-1, 1]`` (0 dBFS);
- the sample rate ``sr`` is always passed explicitly, in Hz.

Levels are given in dBFS (decibels relative to full scale, where a peak of 1.0
is 0 dBFS), signal-to-noise ratios in dB, each within ±200 dB (see
:data:`MAX_LEVEL_DB`). No function modifies its arguments in place.

The functions map onto the first steps of every notebook:

- :func:`load`, :func:`save`: audio files (WAV, FLAC, OGG, ...) to arrays and back;
- :func:`to_mono`, :func:`resample`, :func:`normalize`: prepare a signal;
- :func:`mix`: build a mixture at a chosen signal-to-noise ratio, with its exact
  ground-truth sources;
- :func:`play`, :func:`play_group`: inline players in a notebook.
  :func:`play_group` plays several clips at one shared gain, so that their
  loudness can be compared by ear (a separated source stays quieter than the
  mixture it came from). A player (:class:`Player`) embeds its clip as 16-bit
  FLAC: the samples of the WAV that ``IPython.display.Audio`` embeds, losslessly,
  in 20 to 80 % fewer bytes (dense music saves least, quiet estimates most), so
  a saved notebook and its HTML export stay lighter.
"""

from __future__ import annotations

import base64
import html
import io
import os
import shutil
import struct
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

import numpy as np
import soundfile as sf

from ._validation import (
    ParameterError,
    check_audio,
    check_bool,
    check_finite_number,
    check_path,
    check_player_capacity,
    check_sample_rate,
)

__all__ = [
    "AudioLoadError",
    "AudioGroup",
    "MAX_LEVEL_DB",
    "Mixture",
    "Player",
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

# What each format holds, as libsndfile 1.2 writes it: (most channels, highest rate in Hz).
# Beyond them libsndfile fails with a misleading "Format not recognised", and Ogg Vorbis with
# more than 255 channels or above 200 kHz crashes the Python process.
_FORMAT_LIMITS = {"WAV": (1024, 2**31 - 1), "FLAC": (8, 655_350), "OGG": (255, 200_000)}
_OPUS_RATES = (8000, 12000, 16000, 24000, 48000)
# Bytes per sample of the uncompressed WAV subtypes; a RIFF file holds at most 4 GiB.
_WAV_SAMPLE_BYTES = {"PCM_U8": 1, "PCM_S8": 1, "ULAW": 1, "ALAW": 1, "PCM_16": 2, "PCM_24": 3,
                     "PCM_32": 4, "FLOAT": 4, "DOUBLE": 8}
_RIFF_MAX_BYTES = 2**32 - 1 - 1024  # room for the header chunks

#: The largest level, in dB, that :func:`normalize`, :func:`mix` and :func:`play_group`
#: accept (``|target_db|``, ``|snr_db|``, ``|peak_db|``). 200 dB is an amplitude ratio of
#: 10¹⁰: more than 24-bit PCM (144 dB) or float32's 24-bit mantissa resolves and more than
#: the ear's range (about 130 dB), yet far from float overflow, so every level inside it is
#: computed exactly. A level beyond it is a slip (a linear ratio or a power typed as dB) and
#: would overflow to inf or underflow to a gain of zero.
MAX_LEVEL_DB = 200.0


class AudioLoadError(ValueError):
    """An audio file exists but cannot be read.

    Raised by :func:`load` for an empty, corrupt or unsupported file, or one
    that holds no samples. A subclass of ``ValueError``.
    """


@dataclass(frozen=True, eq=False, repr=False)
class Mixture:
    """The result of :func:`mix` with ``return_sources=True``.

    ``mixture == target + interference`` holds exactly. Read the fields by name
    (``result.mixture``, ``result.target``); :meth:`sources` stacks the two
    sources for the metrics.

    Attributes
    ----------
    mixture : numpy.ndarray, shape (samples,) or (channels, samples)
        The sum of the two sources.
    target : numpy.ndarray, same shape
        A copy of the target, as it is in the mixture.
    interference : numpy.ndarray, same shape
        The interference after scaling, as it is in the mixture.
    snr_db : float
        The signal-to-noise ratio the interference was scaled to, in dB.
    """

    mixture: np.ndarray
    target: np.ndarray
    interference: np.ndarray
    snr_db: float

    def sources(self) -> np.ndarray:
        """The target and the interference, stacked first (the references of the metrics).

        Shape ``(2, samples)`` or ``(2, channels, samples)``.
        """
        return np.stack([self.target, self.interference])

    def __repr__(self) -> str:
        return (
            f"Mixture({self.mixture.shape} {self.mixture.dtype}: target + interference at "
            f"{self.snr_db:g} dB SNR)"
        )


# ---------------------------------------------------------------------------
# small helpers
# ---------------------------------------------------------------------------


def _check_level(value, name: str, unit: str, *, maximum: float = MAX_LEVEL_DB) -> float:
    """A finite level in dB within ``[-MAX_LEVEL_DB, maximum]``."""
    value = check_finite_number(value, name, unit=unit)
    if not -MAX_LEVEL_DB <= value <= maximum:
        raise ParameterError(
            f"{name}={value:g} {unit} is outside [{-MAX_LEVEL_DB:g}, {maximum:g}] {unit}. A "
            f"level beyond ±{MAX_LEVEL_DB:g} dB (an amplitude ratio of 1e10) is below or above "
            "anything audible or storable and overflows the arithmetic; levels are in dB, "
            "e.g. 20 * log10(ratio) for an amplitude ratio"
        )
    return value


def _peak(y: np.ndarray) -> float:
    return float(np.max(np.abs(y))) if y.size else 0.0


def _log10_energy(y: np.ndarray, peak: float) -> float:
    """log10 of the sum of squares of ``y`` (peak > 0), without overflow for large samples."""
    scaled = np.asarray(y, dtype=np.float64) / peak
    return 2.0 * np.log10(peak) + float(np.log10(np.sum(np.square(scaled))))


def _scaled(audio: np.ndarray, gain: float, dtype, what: str) -> np.ndarray:
    """``audio * gain`` in ``dtype``, or a ParameterError when the result is not finite or is
    silent although ``audio`` is not (the gain overflows or underflows the float type)."""
    peak = _peak(audio)
    limit = float(np.finfo(dtype).max)
    if not np.isfinite(gain) or gain * peak > limit:
        raise ParameterError(
            f"{what} would overflow {np.dtype(dtype)} (a gain of {gain:.3g} on a peak of "
            f"{peak:.3g}); the signal is too quiet for the level asked, or the level too high"
        )
    with np.errstate(over="ignore", under="ignore"):
        result = (audio.astype(np.float64, copy=False) * gain).astype(dtype, copy=False)
    if peak > 0 and not np.any(result):
        raise ParameterError(
            f"{what} would be silent in {np.dtype(dtype)} (a gain of {gain:.3g} on a peak of "
            f"{peak:.3g} underflows to 0); the level asked is too low for this signal"
        )
    return result


def _db(linear: float) -> float:
    return 20.0 * float(np.log10(linear))


def _readable_extensions() -> set[str]:
    extensions = {f".{name.lower()}" for name in sf.available_formats()}
    return extensions | {".aif", ".aifc", ".oga", ".opus"}


def _wav_truncation(file: Path) -> str | None:
    """Why a RIFF/WAVE file is shorter than its header says, or None.

    libsndfile trusts the file and silently shortens the frame count of a WAV file
    whose ``data`` chunk runs past the end of the file, so the chunk size in the
    header is compared with the bytes that follow it. Only RIFF (and big-endian
    RIFX) WAV files are checked; RF64, Wave64, AIFF and the other containers are
    left to libsndfile. A data size of 0 or 0xFFFFFFFF (written by a stream that
    could not seek back to the header) means "unknown" and is not checked.
    """
    size = file.stat().st_size
    with open(file, "rb") as fh:
        head = fh.read(12)
        if len(head) < 12 or head[:4] not in (b"RIFF", b"RIFX") or head[8:12] != b"WAVE":
            return None
        order = "<" if head[:4] == b"RIFF" else ">"
        position, block_align, sr = 12, 0, 0
        while position + 8 <= size:
            fh.seek(position)
            chunk_id, chunk_size = struct.unpack(order + "4sI", fh.read(8))
            if chunk_id == b"fmt " and chunk_size >= 14:
                body = fh.read(14)
                if len(body) < 14:  # cut inside the header: libsndfile reports it
                    return None
                _, _, sr, _, block_align = struct.unpack(order + "HHIIH", body)
            elif chunk_id == b"data":
                available = size - position - 8
                if chunk_size in (0, 0xFFFFFFFF) or chunk_size <= available:
                    return None
                if block_align and sr:
                    announced, held = chunk_size // block_align, available // block_align
                    return (
                        f"its header announces {announced} frames ({announced / sr:.3f} s) but "
                        f"the file holds only {held} ({held / sr:.3f} s)"
                    )
                return f"its header announces {chunk_size} bytes of samples but {available} follow"
            position += 8 + chunk_size + (chunk_size & 1)  # chunks are padded to even sizes
    return None


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
        When the file is empty, corrupt, truncated (shorter than its header
        says), in a format soundfile cannot read, or holds no samples.
    ParameterError
        When ``sr`` is not a positive number.

    Notes
    -----
    A truncated file, cut off while being copied, downloaded or written, is an
    error rather than a shorter signal. libsndfile itself reports a truncated
    FLAC or Ogg file; for WAV, whose frame count libsndfile silently shortens,
    the size of the ``data`` chunk in the RIFF header is compared with the file
    size (RF64 and Wave64 files are not checked).

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
    file = check_path(path)
    mono = check_bool(mono, "mono")
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

    truncated = _wav_truncation(file)
    if truncated:
        raise AudioLoadError(
            f"{str(file)!r} is truncated: {truncated}. It was probably cut off while being "
            "copied, downloaded or written; get a complete copy of the file"
        )
    try:
        with sf.SoundFile(file) as audio_file:
            file_sr, announced = audio_file.samplerate, audio_file.frames
            data = audio_file.read(dtype="float32", always_2d=True)
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

    if data.shape[0] < announced:
        raise AudioLoadError(
            f"{str(file)!r} is truncated: its header announces {announced} frames but only "
            f"{data.shape[0]} could be decoded; get a complete copy of the file"
        )
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
        must exist; an existing file is replaced, but only once the new file is
        complete: the audio is written to a temporary file in the same folder,
        which then takes the place of ``path``. A failed save leaves an existing
        file as it was.
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
    IsADirectoryError
        When ``path`` is a directory.
    ParameterError
        When the extension is not ``.wav``, ``.flac`` or ``.ogg``; ``sr`` is not
        a positive whole number; ``subtype`` does not exist for the format; the
        format cannot hold ``y`` (FLAC: at most 8 channels and 655 350 Hz; Ogg:
        255 channels, Vorbis up to 200 kHz, Opus at 8, 12, 16, 24 or 48 kHz; WAV:
        1024 channels and 4 GiB); or ``y`` exceeds ±1 and ``subtype`` is not a
        float subtype. Such a file would clip: scale the signal with
        :func:`normalize` first, or save to WAV with ``subtype="FLOAT"``.
    OSError
        When libsndfile fails to write (a full disk, say); ``path`` is untouched.

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
    file = check_path(path)
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

    _check_capacity(file, audio, sr, file_format, subtype)
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

    if file.is_dir():
        raise IsADirectoryError(f"cannot save to {str(file)!r}: it is a directory")

    # Write next to the target, then replace it in one step: a failure never leaves a
    # truncated file, and never costs the file that was there.
    target = file.resolve() if file.is_symlink() else file
    temporary = target.parent / f".{target.name}.{uuid.uuid4().hex[:8]}.part"
    # Created as a normal file would be (mode 0o666 minus the umask), not 0o600 as by
    # tempfile, and given the mode of the file it replaces.
    os.close(os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
    try:
        if target.exists():
            shutil.copymode(target, temporary)
        sf.write(temporary, audio.T, sr, subtype=subtype, format=file_format)
        os.replace(temporary, target)
    except (sf.SoundFileError, RuntimeError) as exc:
        raise OSError(
            f"could not write {str(file)!r}: {exc}; nothing was written (an existing file "
            "there is unchanged)"
        ) from exc
    finally:
        if temporary.exists():
            temporary.unlink()
    return file


def _check_capacity(file: Path, audio: np.ndarray, sr: int, file_format: str, subtype: str):
    """Raise before writing when ``file_format`` / ``subtype`` cannot hold ``audio`` at ``sr``."""
    channels = 1 if audio.ndim == 1 else audio.shape[0]
    max_channels, max_rate = _FORMAT_LIMITS[file_format]
    name = f"{file_format} ({subtype})"
    if channels > max_channels:
        raise ParameterError(
            f"cannot save {channels} channels to {str(file)!r}: {name} holds at most "
            f"{max_channels}. Save to .wav, or save groups of channels to separate files"
        )
    if subtype == "OPUS":
        if sr not in _OPUS_RATES:
            raise ParameterError(
                f"cannot save sr={sr} Hz to {str(file)!r}: Opus only holds the rates "
                f"{', '.join(map(str, _OPUS_RATES))} Hz; resample first, e.g. "
                "resample(y, sr, target_sr=48000)"
            )
    elif sr > max_rate:
        raise ParameterError(
            f"cannot save sr={sr} Hz to {str(file)!r}: {name} holds rates up to {max_rate} Hz; "
            "save to .wav, or resample first"
        )
    if file_format == "WAV" and subtype in _WAV_SAMPLE_BYTES:
        n_bytes = audio.size * _WAV_SAMPLE_BYTES[subtype]
        if n_bytes > _RIFF_MAX_BYTES:
            raise ParameterError(
                f"cannot save {n_bytes / 1024**3:.2f} GiB of {subtype} samples to "
                f"{str(file)!r}: a WAV file holds at most 4 GiB. Save to .flac, or split "
                "the signal"
            )


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
        The level to reach, in dBFS (0 dBFS is a peak, or an RMS, of 1.0), within
        ±:data:`MAX_LEVEL_DB`. ``None`` means -1 dBFS for ``"peak"`` and -20 dBFS
        for ``"rms"``. An RMS target can push peaks beyond ±1; check before saving
        to PCM.

    Returns
    -------
    numpy.ndarray, shape of ``y``
        A scaled copy of ``y``, in the dtype of ``y``.

    Raises
    ------
    TypeError
        When ``y`` is not a real float array or ``target_db`` is not a number.
    ParameterError
        When ``mode`` is unknown, ``target_db`` is not finite or beyond ±200 dB,
        or ``y`` is silent (all zeros): silence cannot be scaled to any level. Also
        when the scaled signal would overflow (or underflow to zero in) the dtype
        of ``y``, e.g. a float32 signal with a peak of 1e-40.

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
    target_db = _check_level(target_db, "target_db", "dBFS")

    peak = _peak(audio)
    if peak == 0.0:
        raise ParameterError(
            f"cannot normalise y to a {mode} level: it is silent (all {audio.size} samples are 0)"
        )
    if mode == "peak":
        log10_level = np.log10(peak)
    else:  # log10 of the RMS, computed without squaring large samples
        log10_level = (_log10_energy(audio, peak) - np.log10(audio.size)) / 2.0
    with np.errstate(over="ignore"):
        gain = float(np.power(10.0, target_db / 20.0 - log10_level))
    return _scaled(audio, gain, audio.dtype, f"y normalised to {target_db:g} dBFS {mode}")


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
        The signal-to-noise ratio of the mixture, in dB, within
        ±:data:`MAX_LEVEL_DB`. 0 dB means equal energies; negative values make the
        interference louder.
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
        When the shapes differ, ``snr_db`` is not finite or beyond ±200 dB, or
        either input is silent (an SNR needs energy on both sides). Also when the
        scaled interference would overflow (or underflow to zero in) the dtype.

    Examples
    --------
    >>> import numpy as np
    >>> from course_lib.audio import mix
    >>> rng = np.random.default_rng(0)
    >>> voice, noise = rng.standard_normal((2, 8000))
    >>> result = mix(voice, noise, snr_db=10.0, return_sources=True)
    >>> result
    Mixture((8000,) float64: target + interference at 10 dB SNR)
    >>> snr = 10 * np.log10(np.sum(result.target**2) / np.sum(result.interference**2))
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
    snr_db = _check_level(snr_db, "snr_db", "dB")
    return_sources = check_bool(return_sources, "return_sources")
    peaks = {"target": _peak(target_audio), "interference": _peak(interference_audio)}
    for name, peak in peaks.items():
        if peak == 0.0:
            raise ParameterError(
                f"{name} is silent (all zeros): no gain gives an SNR of {snr_db} dB"
            )

    # g = sqrt(E_target / (E_interference * 10^(snr/10))), in log10 so that no energy
    # overflows (samples of 1e200 square to inf) and no ratio divides by zero.
    log10_gain = (
        _log10_energy(target_audio, peaks["target"])
        - _log10_energy(interference_audio, peaks["interference"])
        - snr_db / 10.0
    ) / 2.0
    with np.errstate(over="ignore"):
        gain = float(np.power(10.0, log10_gain))
    dtype = np.result_type(target_audio, interference_audio)
    what = f"the interference scaled to {snr_db:g} dB SNR"
    scaled_interference = _scaled(interference_audio, gain, dtype, what)
    target_in_mix = target_audio.astype(dtype, copy=True)
    if peaks["target"] + _peak(scaled_interference) > float(np.finfo(dtype).max):
        raise ParameterError(f"the mixture at {snr_db:g} dB SNR would overflow {dtype}")
    mixture = target_in_mix + scaled_interference
    if return_sources:
        return Mixture(mixture, target_in_mix, scaled_interference, snr_db)
    return mixture


# ---------------------------------------------------------------------------
# listening
# ---------------------------------------------------------------------------


# What an inline player embeds: FLAC (lossless) holding 16-bit PCM, the resolution of the
# WAV players of IPython.display.Audio and of a CD: 96 dB between full scale and one step,
# more than a listening room resolves. 24 bits would add 8 bits of incompressible noise
# floor to every sample, making each player about 1.6 times larger for nothing audible.
_PLAYER_FORMAT, _PLAYER_SUBTYPE = "FLAC", "PCM_16"
# 16-bit full scale: a sample of ±1.0 becomes ±32767, symmetric like IPython's players.
_PCM16_FULL_SCALE = 32767


@dataclass(frozen=True, eq=False, repr=False)
class Player:
    """An inline audio player: a clip embedded as lossless FLAC in an HTML ``<audio>``.

    Made by :func:`play` and :func:`play_group`. In a notebook it displays as an
    ``<audio controls>`` element whose source is a ``data:audio/flac;base64,...``
    URI, so it plays in a saved notebook and in its static HTML export with no
    file beside it. FLAC in an ``<audio>`` element plays in Chromium (56 and
    later), Firefox (51 and later) and Safari (11 on iOS, 13 on macOS).

    Attributes
    ----------
    data : bytes
        The FLAC file: 16-bit PCM samples, losslessly compressed (20 to 80 %
        smaller than the WAV file of ``IPython.display.Audio``). Decode it with
        ``soundfile.read(io.BytesIO(player.data), dtype="int16")``.
    sr : int
        The sample rate in whole Hz.
    channels : int
        The number of channels (1 to 8).
    frames : int
        The number of samples per channel.
    mimetype : str
        ``"audio/flac"``.
    """

    data: bytes
    sr: int
    channels: int
    frames: int
    mimetype: ClassVar[str] = "audio/flac"

    @property
    def duration(self) -> float:
        """The length of the clip in seconds."""
        return self.frames / self.sr

    @property
    def src(self) -> str:
        """The clip as a ``data:`` URI, the ``src`` of the ``<audio>`` element."""
        return f"data:{self.mimetype};base64,{base64.b64encode(self.data).decode('ascii')}"

    def __repr__(self) -> str:
        channels = "mono" if self.channels == 1 else f"{self.channels} channels"
        return (
            f"Player({channels}, {self.duration:.3g} s at {self.sr} Hz; 16-bit FLAC, "
            f"{len(self.data) / 1024:.1f} KiB)"
        )

    def _repr_html_(self) -> str:
        return (
            f'<audio controls preload="metadata"><source src="{self.src}" '
            f'type="{self.mimetype}">Your browser cannot play FLAC audio.</audio>'
        )


def _pcm16(audio: np.ndarray, *, normalize: bool) -> np.ndarray:
    """The 16-bit samples a player holds, ``(channels, samples)`` int16.

    ``audio`` (within ±1 unless ``normalize``) is divided by its peak when ``normalize``
    and it is not silent, then rounded to the nearest of the steps ``k / 32767``.
    """
    scaled = np.atleast_2d(np.asarray(audio, dtype=np.float64))
    peak = _peak(scaled)
    if normalize and peak > 0.0:
        scaled = scaled / peak  # never overflows: every |sample| <= peak
    return np.rint(np.clip(scaled, -1.0, 1.0) * _PCM16_FULL_SCALE).astype(np.int16)


def _player(samples: np.ndarray, sr: int) -> Player:
    """Encode ``(channels, samples)`` int16 ``samples`` at ``sr`` Hz as a FLAC player."""
    buffer = io.BytesIO()
    sf.write(buffer, np.ascontiguousarray(samples.T), sr, format=_PLAYER_FORMAT,
             subtype=_PLAYER_SUBTYPE)
    return Player(data=buffer.getvalue(), sr=sr, channels=samples.shape[0],
                  frames=samples.shape[1])


def play(y, sr, *, normalize: bool = True) -> Player:
    """Make an inline audio player for a notebook.

    Used in 01_stft, §1 (the first sound); the notebooks compare clips with
    :func:`play_group`.

    Parameters
    ----------
    y : numpy.ndarray, shape (samples,) or (channels, samples)
        The signal, float32 or float64, at most 8 channels.
    sr : int
        The sample rate in Hz, at most 655 350 Hz. The player plays whole hertz:
        a fractional rate is rounded.
    normalize : bool
        ``True`` (the default) scales the clip so that its peak is full scale,
        which makes a quiet clip audible but hides how loud it is. ``False``
        plays the samples as they are, and needs them within ±1. To compare the
        loudness of several clips, use :func:`play_group`. A silent clip plays
        as silence either way.

    Returns
    -------
    Player
        The player; it shows when it is the last expression of a cell, or with
        ``IPython.display.display``. ``player.data`` is the FLAC file it embeds.

    Raises
    ------
    TypeError
        When ``y`` is not a real float array.
    ParameterError
        When ``y`` has the wrong shape (zero channels included), more than 8
        channels or non-finite values, ``sr`` is not a positive number or is
        above 655 350 Hz, or ``normalize=False`` and ``y`` exceeds ±1.

    Notes
    -----
    The player holds 16-bit samples, ``round(32767 * y / peak)`` (``round(32767
    * y)`` when ``normalize=False``), compressed losslessly as FLAC: the
    resolution of ``IPython.display.Audio``'s WAV players (which truncate
    toward zero instead of rounding), in 20 to 80 % fewer bytes, so that a
    notebook full of players is lighter to save, export and open. Soundfile
    reads the samples back exactly, as int16.

    Examples
    --------
    >>> import numpy as np
    >>> from course_lib.audio import play
    >>> tone = 0.5 * np.sin(2 * np.pi * 440 * np.arange(8000) / 8000)
    >>> player = play(tone, 8000)
    >>> player.mimetype, player.sr, player.channels, player.frames
    ('audio/flac', 8000, 1, 8000)
    >>> "<audio" in player._repr_html_()
    True
    """
    audio = check_audio(y)
    sr = check_sample_rate(sr)
    normalize = check_bool(normalize, "normalize")
    peak = _peak(audio)
    if not normalize and peak > 1.0:
        raise ParameterError(
            f"y peaks at {peak:.4g} ({_db(peak):+.2f} dBFS), beyond [-1, 1], and "
            "normalize=False plays samples as they are. Use play(y, sr) to scale it, "
            "normalize(y) first, or play_group to compare it with other clips"
        )
    rate = check_player_capacity(audio, sr, "y", max_channels=_FORMAT_LIMITS["FLAC"][0],
                                 max_rate=_FORMAT_LIMITS["FLAC"][1])
    return _player(_pcm16(audio, normalize=normalize), rate)


@dataclass(frozen=True, repr=False)
class AudioGroup:
    """Audio players shown side by side, all scaled by one gain.

    Made by :func:`play_group`. In a notebook it displays as a row of labelled
    players (plain HTML, so it also survives export to static HTML).

    Attributes
    ----------
    players : tuple of Player
        One player per clip, holding the scaled clip without normalisation.
    labels : tuple of str
        The label of each clip.
    clips : tuple of numpy.ndarray
        The clips after scaling, the samples the players play.
    gain : float
        The linear gain applied to every clip.
    sr : int
        The sample rate in Hz.
    """

    players: tuple[Player, ...]
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
    Each player embeds its scaled clip as 16-bit FLAC, like :func:`play` with
    ``normalize=False``.

    Used in every notebook, wherever clips are heard side by side (01_stft, §3,
    §6 and §7; 03_mfcc_clustering, §1 and §6).

    Parameters
    ----------
    clips : dict of str to numpy.ndarray, or list of numpy.ndarray
        The clips, each of shape ``(samples,)`` or ``(channels, samples)``,
        float32 or float64, at most 8 channels. Lengths may differ. A dict gives the labels by its
        keys. For stacked sources of shape ``(sources, samples)``, pass
        ``list(sources)``.
    sr : int
        The sample rate of every clip, in Hz, at most 655 350 Hz (a fractional
        rate is rounded for the players).
    labels : list of str, optional
        A label per clip when ``clips`` is a list; ``"clip 1"``, ``"clip 2"``,
        ... by default. Not allowed with a dict.
    peak_db : float
        The peak level of the loudest clip after scaling, in dBFS, from -200 to 0.
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
        the wrong shape, more than 8 channels or non-finite values, ``sr`` is
        not a positive number or is above 655 350 Hz, ``peak_db`` is above 0 or
        below -200 dBFS, every clip is silent, or the loudest clip is too quiet
        to be scaled (a peak of 1e-320).

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
    peak_db = check_finite_number(peak_db, "peak_db", unit="dBFS")
    if peak_db > 0.0:
        raise ParameterError(
            f"peak_db={peak_db} dBFS must be at most 0: samples beyond ±1 cannot be played"
        )
    peak_db = _check_level(peak_db, "peak_db", "dBFS", maximum=0.0)
    max_channels, max_rate = _FORMAT_LIMITS["FLAC"]
    for label, audio in zip(labels, audios, strict=True):  # one rate, each clip's channels
        rate = check_player_capacity(audio, sr, f"clips[{label!r}]",
                                     max_channels=max_channels, max_rate=max_rate)

    loudest = max(_peak(audio) for audio in audios)
    if loudest == 0.0:
        raise ParameterError("every clip is silent (all zeros): there is nothing to hear")
    with np.errstate(over="ignore"):
        gain = float(np.power(10.0, peak_db / 20.0 - np.log10(loudest)))
    if not np.isfinite(gain):
        raise ParameterError(
            f"the loudest clip peaks at {loudest:.3g}, too quiet to be scaled to {peak_db:g} "
            "dBFS (the gain overflows): the clips are silent in practice"
        )
    # The clip to ±1 only removes a rounding error of one ulp at peak_db=0. A clip far
    # quieter than the loudest may underflow to silence, as it would sound.
    with np.errstate(under="ignore"):
        scaled = tuple(
            np.clip(audio * gain, -1.0, 1.0).astype(audio.dtype, copy=False) for audio in audios
        )
    players = tuple(_player(_pcm16(clip, normalize=False), rate) for clip in scaled)
    return AudioGroup(players=players, labels=tuple(labels), clips=scaled, gain=gain, sr=sr)
