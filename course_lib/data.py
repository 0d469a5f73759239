"""The course's shipped audio: named examples and the U-Net corpus.

Every clip was rendered from MIDI by ``data/render.py`` (FluidSynth with the
FluidR3 Mono soundfont, MIT licence) and is described in ``data/manifest.json``.

Shapes
------
``Example.mixture`` is ``(samples,)`` for mono clips and ``(channels, samples)``
for stereo ones; every entry of ``Example.stems`` has the same shape as the
mixture. ``Example.sources()`` stacks the stems first:
``(sources, samples)`` or ``(sources, channels, samples)``. Samples are float32
in [-1, 1); the sample rate ``sr`` is in Hz.

The mixture is always the sum of the decoded stems, computed at load time, so
it equals the sum of the stems exactly (the files hold 16-bit integers, whose
sums float32 represents without rounding). The named examples also ship a
``mixture.flac`` for listening outside Python; it holds the same samples.

Integrity
---------
:func:`load_example` and :func:`load_corpus` read each file's header before
decoding it and check its sample rate, channel count, length and encoding
against ``data/manifest.json``; the manifest itself is checked when it is read
(every key present, one file per stem). A mismatch, or a file libsndfile cannot
decode, raises :class:`DataIntegrityError` naming the file and saying how to
restore it. :func:`verify_checksums` is the thorough check: it decodes every
file and compares its samples with the manifest's sha256.

Where the data are
------------------
In this order: the folder named by the ``COURSE_LIB_DATA`` environment
variable; the ``data/`` folder beside the ``course_lib`` package (a clone, an
editable install, Colab after the setup cell); a ``data/`` folder in the
current directory or one of its parents.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import posixpath
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from . import REPOSITORY_URL
from ._validation import (
    ParameterError,
    check_finite_number,
    check_float_dtype,
    check_int,
    check_name_list,
)

__all__ = [
    "DataIntegrityError",
    "DataNotFoundError",
    "Example",
    "data_dir",
    "list_examples",
    "load_example",
    "load_corpus",
    "list_corpus",
    "verify_checksums",
    "samples_sha256",
    "SPLITS",
]

SPLITS = ("train", "validation", "test")
ENV_VAR = "COURSE_LIB_DATA"
_HOW_TO_GET = (
    "The audio ships with the course repository in its data/ folder. Work from a clone "
    f"(`git clone --depth 1 {REPOSITORY_URL}` then `pip install -e <clone>`; on Colab "
    "run the notebook's setup cell, which does this), or point the environment variable "
    f"{ENV_VAR} at a data/ folder that holds manifest.json. To render the audio again from "
    "MIDI, run `make data` in the clone (needs `apt-get install fluidsynth "
    "fluidr3mono-gm-soundfont`)."
)


_HOW_TO_RESTORE = (
    "The file is damaged or was replaced. Restore the shipped files with `git checkout data/` "
    "in the course clone (or render them again with `make data`), then run "
    "course_lib.data.verify_checksums() for the thorough check of every file's samples."
)
_HOW_TO_RESTORE_MANIFEST = (
    "Restore it with `git checkout data/manifest.json` in the course clone (or render the data "
    "again with `make data`)."
)


class DataNotFoundError(FileNotFoundError):
    """The course's ``data/`` folder, or a file listed in its manifest, is missing."""


class DataIntegrityError(ValueError):
    """A file in ``data/``, or ``data/manifest.json`` itself, is damaged or inconsistent.

    Raised when a file cannot be decoded, or its sample rate, channel count,
    length or encoding differ from the manifest, or when the manifest is not
    valid JSON, lacks a key or points two stems at one file. The message names
    the file and says how to restore it. A subclass of ``ValueError``.
    """


@dataclass(frozen=True, repr=False)
class Example:
    """A mixture, its ground-truth stems and their sample rate.

    Attributes
    ----------
    name : str
        The clip's name, e.g. ``"piano_notes"`` or ``"train_007"``.
    mixture : numpy.ndarray, shape (samples,) or (channels, samples)
        The sum of the stems, float32.
    stems : dict of str to numpy.ndarray
        Each stem, the same shape as ``mixture``, in the manifest's order.
    sr : int
        Sample rate in Hz.
    split : str
        ``"examples"`` for the named examples, else the U-Net corpus split.
    description : str
        How the clip was made, in a sentence.
    info : dict
        Musical details from the manifest (key, tempo, programs, ...).
    """

    name: str
    mixture: np.ndarray
    stems: dict[str, np.ndarray]
    sr: int
    split: str = "examples"
    description: str = ""
    info: dict = field(default_factory=dict)

    @property
    def stem_names(self) -> list[str]:
        return list(self.stems)

    @property
    def duration(self) -> float:
        """Length in seconds."""
        return self.mixture.shape[-1] / self.sr

    @property
    def channels(self) -> int:
        return 1 if self.mixture.ndim == 1 else self.mixture.shape[0]

    def sources(self, names=None) -> np.ndarray:
        """Stack stems first: ``(sources, samples)`` or ``(sources, channels, samples)``.

        Used in 01_stft §7 and 02_nmf §9 (the references a separation is scored against).

        Parameters
        ----------
        names : str or list of str, optional
            Which stems, in which order; all of them, in order, by default. A single
            name is one stem: ``sources("piano_C4")`` has shape ``(1, samples)``.

        Raises
        ------
        TypeError
            If ``names`` is not a str or a list of str.
        ParameterError
            If ``names`` is empty, repeats a stem or names one the example does not have.

        Examples
        --------
        >>> load_example("piano_notes").sources("piano_C4").shape
        (1, 154350)
        """
        if names is None:
            names = self.stem_names
        else:
            names = check_name_list(names, "names", allowed=self.stem_names, what="stem")
            if not names:
                raise ParameterError(
                    f"names is empty; give at least one of the stems of {self.name!r}, "
                    f"{self.stem_names}, or None for all of them"
                )
        return np.stack([self.stems[n] for n in names])

    def excerpt(self, duration: float, *, start: float = 0.0) -> Example:
        """The same clip cut to ``duration`` seconds from ``start`` (both in seconds).

        The excerpt's mixture is still the exact sum of its stems. A duration that runs
        past the end is cut at the end. Used in 01_stft §3, §6, §7 and 02_nmf §3, §9.

        Raises
        ------
        TypeError
            If ``duration`` or ``start`` is not a number.
        ParameterError
            If ``duration`` is not positive and finite, or ``start`` is not within the clip.

        Examples
        --------
        >>> load_example("guitar_voice").excerpt(2.0, start=1.0).duration
        2.0
        """
        duration = check_finite_number(duration, "duration", unit="s")
        start = check_finite_number(start, "start", unit="s")
        if duration <= 0 or start < 0 or start >= self.duration:
            raise ParameterError(
                f"excerpt(duration={duration}, start={start}) must have duration > 0 and "
                f"0 <= start < {self.duration:.2f} s, the length of {self.name!r}"
            )
        first = round(start * self.sr)
        last = min(first + max(1, round(duration * self.sr)), self.mixture.shape[-1])
        return Example(
            name=self.name, mixture=self.mixture[..., first:last].copy(),
            stems={k: v[..., first:last].copy() for k, v in self.stems.items()}, sr=self.sr,
            split=self.split, description=self.description, info=dict(self.info),
        )

    def __repr__(self) -> str:
        layout = "mono" if self.channels == 1 else f"{self.channels} channels"
        return (
            f"Example({self.name!r}: {self.duration:.1f} s at {self.sr} Hz, {layout}, "
            f"stems {self.stem_names})"
        )


# ---------------------------------------------------------------------------
# Finding data/ and its manifest
# ---------------------------------------------------------------------------


def data_dir() -> Path:
    """The folder that holds ``manifest.json`` and the audio.

    Raises
    ------
    DataNotFoundError
        When no candidate folder holds a ``manifest.json``; the message says how to
        get the data.
    """
    env = os.environ.get(ENV_VAR)
    if env:
        path = Path(env).expanduser()
        if (path / "manifest.json").is_file():
            return path.resolve()
        raise DataNotFoundError(
            f"{ENV_VAR}={env!r} but {path / 'manifest.json'} does not exist. Point "
            f"{ENV_VAR} at the course's data/ folder, or unset it. {_HOW_TO_GET}"
        )
    candidates = [Path(__file__).resolve().parent.parent / "data"]
    here = Path.cwd().resolve()
    candidates += [folder / "data" for folder in (here, *here.parents)]
    for path in candidates:
        if (path / "manifest.json").is_file():
            return path
    looked = ", ".join(str(p) for p in dict.fromkeys(candidates[:4]))
    raise DataNotFoundError(f"The course data were not found (looked in {looked}, ...). "
                            + _HOW_TO_GET)


def _manifest(folder: Path) -> dict:
    """The parsed and checked ``manifest.json`` of ``folder``, read again when it changes."""
    path = folder / "manifest.json"
    stat = path.stat()
    return _read_manifest(path, stat.st_mtime_ns, stat.st_size)


@functools.lru_cache(maxsize=4)
def _read_manifest(path: Path, mtime_ns: int, size: int) -> dict:
    try:
        with open(path, encoding="utf-8") as fh:
            manifest = json.load(fh)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise DataIntegrityError(
            f"{path} is not valid JSON ({exc}). {_HOW_TO_RESTORE_MANIFEST}"
        ) from exc
    _check_manifest(manifest, path)
    manifest["by_name"] = {clip["name"]: clip for clip in manifest["clips"]}
    return manifest


#: The keys every clip of the manifest has, and their JSON types.
_CLIP_KEYS = {
    "name": str, "split": str, "sr": int, "channels": int, "samples": int, "stems": list,
    "files": dict,
}
_TYPE_NAMES = {str: "a string", int: "an integer", list: "a list", dict: "an object"}


def _check_manifest(manifest, path: Path) -> None:
    """Every key :func:`load_example` and :func:`verify_checksums` use, and one file per stem."""

    def damaged(problem: str) -> DataIntegrityError:
        return DataIntegrityError(f"{path} {problem}. {_HOW_TO_RESTORE_MANIFEST}")

    if not isinstance(manifest, dict) or not isinstance(manifest.get("clips"), list):
        raise damaged("has no list of clips under the key 'clips'")
    names = set()
    owners = {}  # file path -> the (clip, stem) that uses it
    for index, clip in enumerate(manifest["clips"]):
        if not isinstance(clip, dict):
            raise damaged(f"has clip number {index} that is not an object: {clip!r}"[:300])
        label = f"clip {clip['name']!r}" if isinstance(clip.get("name"), str) else f"clip #{index}"
        for key, kind in _CLIP_KEYS.items():
            if key not in clip:
                raise damaged(f"lacks the key {key!r} in {label}")
            value = clip[key]
            if isinstance(value, bool) or not isinstance(value, kind):
                raise damaged(f"has {key}={value!r} in {label}, not {_TYPE_NAMES[kind]}"[:300])
        for key in ("sr", "channels", "samples"):
            if clip[key] < 1:
                raise damaged(f"has {key}={clip[key]} in {label}; it must be positive")
        if clip["split"] not in ("examples", *SPLITS):
            raise damaged(f"has split={clip['split']!r} in {label}, not one of "
                          f"{('examples', *SPLITS)}")
        if clip["name"] in names:
            raise damaged(f"lists {label} twice")
        names.add(clip["name"])
        stems = clip["stems"]
        if not stems or not all(isinstance(stem, str) for stem in stems):
            raise damaged(f"has stems={stems!r} in {label}; it must be a list of stem names")
        if len(set(stems)) != len(stems):
            raise damaged(f"names a stem twice in the stems of {label}: {stems}")
        for stem in stems:
            if stem not in clip["files"]:
                raise damaged(f"lacks the key {stem!r} under 'files' in {label}")
        for stem, info in clip["files"].items():
            where = f"files[{stem!r}] of {label}"
            if not isinstance(info, dict):
                raise damaged(f"has {where} = {info!r}, not an object"[:300])
            for key in ("path", "sha256"):
                if not isinstance(info.get(key), str):
                    raise damaged(f"lacks the key {key!r} (a string) in {where}")
            relative = posixpath.normpath(info["path"])
            if posixpath.isabs(relative) or relative.split("/")[0] == "..":
                raise damaged(f"has path {info['path']!r} in {where}, outside the data folder")
            if relative in owners:
                other_clip, other_stem = owners[relative]
                raise damaged(
                    f"points two stems at one file, {relative}: {other_stem!r} of clip "
                    f"{other_clip!r} and {stem!r} of {label}; each stem has its own file"
                )
            owners[relative] = (clip["name"], stem)


def _clips() -> tuple[Path, dict]:
    folder = data_dir()
    return folder, _manifest(folder)["by_name"]


# ---------------------------------------------------------------------------
# Loading
# ---------------------------------------------------------------------------


def _read_int16(path: Path, *, entry: dict | None = None) -> np.ndarray:
    """Decode a file's samples as int16, ``(channels, samples)``.

    With ``entry`` (the file's clip in the manifest), the header is checked first,
    before any decoding: sample rate, channel count, length, container and 16-bit
    encoding must be those the manifest and the renderer promise.
    """
    import soundfile as sf

    if not path.is_file():
        listed = " is listed in the manifest but" if entry is not None else ""
        raise DataNotFoundError(f"{path}{listed} missing. {_HOW_TO_GET}")
    try:
        with sf.SoundFile(path) as audio_file:
            frames = audio_file.frames
            if entry is not None:
                _check_header(path, audio_file, entry)
            samples = audio_file.read(dtype="int16", always_2d=True)
    except (sf.SoundFileError, RuntimeError) as exc:
        raise DataIntegrityError(
            f"{path} cannot be decoded (libsndfile: {exc}). {_HOW_TO_RESTORE}"
        ) from exc
    if samples.shape[0] != frames:
        raise DataIntegrityError(
            f"{path} is truncated: its header announces {frames} samples but only "
            f"{samples.shape[0]} could be decoded. {_HOW_TO_RESTORE}"
        )
    return samples.T  # (channels, samples)


def _check_header(path: Path, audio_file, entry: dict) -> None:
    found = (audio_file.samplerate, audio_file.channels, audio_file.frames)
    expected = (entry["sr"], entry["channels"], entry["samples"])
    problems = []
    if found != expected:
        problems.append(
            f"it holds {found[1]} channel(s) of {found[2]} samples at {found[0]} Hz, the manifest "
            f"data/manifest.json says {expected[1]} channel(s) of {expected[2]} samples at "
            f"{expected[0]} Hz (clip {entry['name']!r})"
        )
    container = path.suffix[1:].upper()
    if container in ("FLAC", "WAV", "OGG") and audio_file.format != container:
        problems.append(f"it is a {audio_file.format} file named .{path.suffix[1:]}")
    if audio_file.subtype != "PCM_16":
        problems.append(f"its samples are {audio_file.subtype}, the course's files are PCM_16")
    if problems:
        raise DataIntegrityError(f"{path} does not match the manifest: {'; '.join(problems)}. "
                                 + _HOW_TO_RESTORE)


def _load_clip(folder: Path, entry: dict, dtype) -> Example:
    stems = {}
    for stem in entry["stems"]:
        samples = _read_int16(folder / entry["files"][stem]["path"], entry=entry)
        # The header check guarantees that a stereo file is never taken for a mono one.
        stems[stem] = samples[0] if entry["channels"] == 1 else samples
    # The exact integer sum, then one conversion: equal to the sum of the float stems.
    mixture = np.sum([s.astype(np.int32) for s in stems.values()], axis=0)
    scale = np.float64(1.0 / 32768)
    return Example(
        name=entry["name"],
        mixture=(mixture * scale).astype(dtype),
        stems={k: (v * scale).astype(dtype) for k, v in stems.items()},
        sr=int(entry["sr"]),
        split=entry["split"],
        description=entry.get("description", ""),
        info=dict(entry.get("info", {})),
    )


def list_examples() -> list[str]:
    """Names of the named examples (not the U-Net corpus), in the manifest's order.

    Raises
    ------
    DataNotFoundError
        If the data folder is missing.
    DataIntegrityError
        If ``data/manifest.json`` is not valid JSON or lacks a key.

    Examples
    --------
    >>> "piano_notes" in list_examples()
    True
    """
    _, clips = _clips()
    return [name for name, entry in clips.items() if entry["split"] == "examples"]


def load_example(name: str, *, dtype=np.float32) -> Example:
    """Load a named example (or a U-Net corpus song by its name, e.g. ``"train_003"``).

    Each file's header is checked against ``data/manifest.json`` before it is
    decoded (sample rate, channels, length, 16-bit encoding): a cheap check that
    catches a replaced or truncated file; :func:`verify_checksums` is the thorough
    check of the samples. Used in 01_stft §1, §2, §6, §7 and 02_nmf §3, §5, §9.

    Parameters
    ----------
    name : str
        One of :func:`list_examples`, or a corpus song name from :func:`list_corpus`.
    dtype : float32 or float64
        Sample type of the returned arrays.

    Returns
    -------
    Example
        ``mixture`` ``(samples,)`` or ``(channels, samples)``, ``stems``, ``sr`` in Hz.

    Raises
    ------
    TypeError
        If ``name`` is not a string, or ``dtype`` is not a numpy dtype.
    ParameterError
        If there is no clip of that name (the message lists the names), or ``dtype``
        is another dtype than float32 or float64.
    DataNotFoundError
        If the data folder or one of the clip's files is missing.
    DataIntegrityError
        If a file cannot be decoded or disagrees with the manifest, or the manifest
        is damaged; the message names the file and how to restore it.

    Examples
    --------
    >>> ex = load_example("piano_notes")
    >>> ex.sr, ex.stem_names
    (22050, ['piano_C4', 'piano_E4'])
    >>> bool(np.all(ex.mixture == ex.stems["piano_C4"] + ex.stems["piano_E4"]))
    True
    """
    if not isinstance(name, str):
        raise TypeError(f"name must be a string such as 'piano_notes', got {name!r}")
    dtype = check_float_dtype(dtype)
    folder, clips = _clips()
    if name not in clips:
        raise ParameterError(
            f"there is no example named {name!r}; the examples are {list_examples()}, and the "
            "U-Net corpus songs are listed by list_corpus(split)"
        )
    return _load_clip(folder, clips[name], dtype)


def _check_split(split) -> str:
    if not isinstance(split, str):
        raise TypeError(f"split must be one of the strings {SPLITS}, got {split!r}"[:200])
    if split not in SPLITS:
        raise ParameterError(f"split must be one of {SPLITS}, got {split!r}")
    return split


def list_corpus(split: str) -> list[str]:
    """Names of the U-Net corpus songs in ``split`` (``"train"``, ``"validation"``, ``"test"``)."""
    _check_split(split)
    _, clips = _clips()
    return [name for name, entry in clips.items() if entry["split"] == split]


def load_corpus(split: str, *, limit: int | None = None, dtype=np.float32) -> list[Example]:
    """Load the U-Net corpus songs of one split.

    Each song is an :class:`Example` at 8192 Hz, mono, with two stems: ``"lead"``
    (the voice-like melody) and ``"accompaniment"`` (piano and/or guitar, bass and
    drums, summed). Train, validation and test songs use disjoint chord
    progressions and melodies; the test songs also use instrument programs that no
    training song uses.

    Parameters
    ----------
    split : {"train", "validation", "test"}
    limit : int, optional
        Load only the first ``limit`` songs (quick experiments, ``COURSE_FAST``).
    dtype : float32 or float64

    Returns
    -------
    list of Example

    Raises
    ------
    TypeError
        If ``split`` is not a str, ``limit`` is not an int (a bool included) or
        ``dtype`` is not a numpy dtype.
    ParameterError
        If ``split`` is unknown, ``limit`` is below 1 or ``dtype`` is not a float dtype.
    DataNotFoundError, DataIntegrityError
        As for :func:`load_example`.

    Examples
    --------
    >>> songs = load_corpus("validation", limit=2)
    >>> [s.stem_names for s in songs]
    [['lead', 'accompaniment'], ['lead', 'accompaniment']]
    """
    names = list_corpus(split)
    dtype = check_float_dtype(dtype)
    if limit is not None:
        names = names[: check_int(limit, "limit", minimum=1)]
    folder, clips = _clips()
    return [_load_clip(folder, clips[n], dtype) for n in names]


def verify_checksums(names=None) -> dict[str, list[str]]:
    """Decode every file of each clip and compare its samples with the manifest's sha256.

    The thorough check (about 1.5 s for the whole corpus): :func:`load_example`
    only compares each file's header with the manifest. The headers are checked
    here too, since a checksum of the samples misses a changed sample rate.

    Parameters
    ----------
    names : str or list of str, optional
        The clip or clips to check; all of them by default. A single name is one
        clip: ``verify_checksums("piano_notes")``.

    Returns
    -------
    dict
        Clip name → the files (stem names, and ``"mixture"`` where one is stored)
        whose samples or header differ from the manifest, or that are missing or
        cannot be decoded; an empty list for a sound clip.

    Raises
    ------
    TypeError
        If ``names`` is not a str or a list of str.
    ParameterError
        If ``names`` repeats a clip or names one the manifest does not list.
    DataNotFoundError
        If the data folder is missing.
    DataIntegrityError
        If ``data/manifest.json`` is damaged.

    Examples
    --------
    >>> verify_checksums("piano_notes")
    {'piano_notes': []}
    """
    folder, clips = _clips()
    if names is None:
        names = list(clips)
    else:
        names = check_name_list(names, "names", what="clip name")
        unknown = [name for name in names if name not in clips]
        if unknown:
            raise ParameterError(
                f"names has unknown clip name(s) {unknown}; the named examples are "
                f"{list_examples()}, and list_corpus(split) lists the U-Net corpus songs"
            )
    return {name: _damaged_files(folder, clips[name]) for name in names}


def _damaged_files(folder: Path, entry: dict) -> list[str]:
    damaged = []
    for stem, info in entry["files"].items():
        try:
            samples = _read_int16(folder / info["path"], entry=entry)
        except (DataNotFoundError, DataIntegrityError):
            damaged.append(stem)
            continue
        if _sha256(samples) != info["sha256"]:
            damaged.append(stem)
    return damaged


def _sha256(samples: np.ndarray) -> str:
    """sha256 of ``(channels, samples)`` int16 samples, little endian, (samples, channels) order."""
    interleaved = np.ascontiguousarray(samples.T, dtype="<i2")
    return hashlib.sha256(interleaved.tobytes()).hexdigest()


def samples_sha256(path) -> str:
    """sha256 of a file's decoded int16 samples, little endian, ``(samples, channels)`` order.

    The manifest's checksums are of samples, not of FLAC bytes, which differ between
    libFLAC versions for the same samples.

    Raises
    ------
    TypeError
        If ``path`` is not a str or path.
    DataNotFoundError
        If there is no file at ``path``.
    DataIntegrityError
        If libsndfile cannot decode the file.
    """
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"path must be a str or pathlib.Path, got {path!r}"[:200])
    return _sha256(_read_int16(Path(path)))
