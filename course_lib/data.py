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
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ._validation import ParameterError

__all__ = [
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
    "(`git clone --depth 1 <course repository URL>` then `pip install -e <clone>`; on Colab "
    "run the notebook's setup cell, which does this), or point the environment variable "
    f"{ENV_VAR} at a data/ folder that holds manifest.json. To render the audio again from "
    "MIDI, run `make data` in the clone (needs `apt-get install fluidsynth "
    "fluidr3mono-gm-soundfont`)."
)


class DataNotFoundError(FileNotFoundError):
    """The course's ``data/`` folder, or a file listed in its manifest, is missing."""


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

        Parameters
        ----------
        names : list of str, optional
            Which stems, in which order; all of them, in order, by default.
        """
        names = self.stem_names if names is None else list(names)
        unknown = [n for n in names if n not in self.stems]
        if unknown:
            raise ParameterError(
                f"{self.name} has no stem(s) {unknown}; its stems are {self.stem_names}"
            )
        return np.stack([self.stems[n] for n in names])

    def excerpt(self, duration: float, *, start: float = 0.0) -> Example:
        """The same clip cut to ``duration`` seconds from ``start`` (both in seconds).

        The excerpt's mixture is still the exact sum of its stems. A duration that runs
        past the end is cut at the end.

        Examples
        --------
        >>> load_example("guitar_voice").excerpt(2.0, start=1.0).duration
        2.0
        """
        for value, label in ((duration, "duration"), (start, "start")):
            if isinstance(value, bool) or not isinstance(value, (int, float, np.number)) \
                    or not np.isfinite(value):
                raise TypeError(f"{label} must be a number of seconds, got {value!r}")
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


@functools.lru_cache(maxsize=4)
def _manifest(folder: Path) -> dict:
    with open(folder / "manifest.json", encoding="utf-8") as fh:
        manifest = json.load(fh)
    manifest["by_name"] = {clip["name"]: clip for clip in manifest["clips"]}
    return manifest


def _clips() -> tuple[Path, dict]:
    folder = data_dir()
    return folder, _manifest(folder)["by_name"]


# ---------------------------------------------------------------------------
# Loading
# ---------------------------------------------------------------------------


def _read_int16(path: Path) -> np.ndarray:
    import soundfile as sf

    if not path.is_file():
        raise DataNotFoundError(f"{path} is listed in the manifest but missing. {_HOW_TO_GET}")
    samples, _ = sf.read(path, dtype="int16", always_2d=True)
    return samples.T  # (channels, samples)


def _load_clip(folder: Path, entry: dict, dtype) -> Example:
    stems = {}
    for stem in entry["stems"]:
        samples = _read_int16(folder / entry["files"][stem]["path"])
        if entry["channels"] == 1:
            samples = samples[0]
        if samples.shape[-1] != entry["samples"]:
            raise DataNotFoundError(
                f"{entry['files'][stem]['path']} has {samples.shape[-1]} samples, the manifest "
                f"says {entry['samples']}: the file is damaged or from another version. "
                + _HOW_TO_GET
            )
        stems[stem] = samples
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


def _check_dtype(dtype):
    dtype = np.dtype(dtype)
    if dtype not in (np.float32, np.float64):
        raise TypeError(f"dtype must be float32 or float64, got {dtype}")
    return dtype


def list_examples() -> list[str]:
    """Names of the named examples (not the U-Net corpus), in the manifest's order.

    Examples
    --------
    >>> "piano_notes" in list_examples()
    True
    """
    _, clips = _clips()
    return [name for name, entry in clips.items() if entry["split"] == "examples"]


def load_example(name: str, *, dtype=np.float32) -> Example:
    """Load a named example (or a U-Net corpus song by its name, e.g. ``"train_003"``).

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
        If ``name`` is not a string.
    ParameterError
        If there is no clip of that name (the message lists the names).
    DataNotFoundError
        If the data folder or one of the clip's files is missing.

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
    dtype = _check_dtype(dtype)
    folder, clips = _clips()
    if name not in clips:
        raise ParameterError(
            f"there is no example named {name!r}; the examples are {list_examples()}, and the "
            "U-Net corpus songs are listed by list_corpus(split)"
        )
    return _load_clip(folder, clips[name], dtype)


def _check_split(split) -> str:
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

    Examples
    --------
    >>> songs = load_corpus("validation", limit=2)
    >>> [s.stem_names for s in songs]
    [['lead', 'accompaniment'], ['lead', 'accompaniment']]
    """
    names = list_corpus(split)
    dtype = _check_dtype(dtype)
    if limit is not None:
        if isinstance(limit, bool) or not isinstance(limit, (int, np.integer)) or limit < 1:
            raise ParameterError(f"limit must be a positive integer or None, got {limit!r}")
        names = names[:limit]
    folder, clips = _clips()
    return [_load_clip(folder, clips[n], dtype) for n in names]


def verify_checksums(names=None) -> dict[str, list[str]]:
    """Compare the decoded samples of each file with the manifest's sha256.

    Parameters
    ----------
    names : list of str, optional
        Clips to check; all of them by default.

    Returns
    -------
    dict
        Clip name → the files whose checksum differs (empty when none is damaged).
    """
    folder, clips = _clips()
    names = list(clips) if names is None else list(names)
    unknown = [n for n in names if n not in clips]
    if unknown:
        raise ParameterError(f"unknown clip name(s) {unknown}")
    return {
        name: [
            stem
            for stem, info in clips[name]["files"].items()
            if samples_sha256(folder / info["path"]) != info["sha256"]
        ]
        for name in names
    }


def samples_sha256(path) -> str:
    """sha256 of a file's decoded int16 samples, little endian, ``(samples, channels)`` order.

    The manifest's checksums are of samples, not of FLAC bytes, which differ between
    libFLAC versions for the same samples.
    """
    samples = _read_int16(Path(path)).T  # (samples, channels), C order
    return hashlib.sha256(np.ascontiguousarray(samples, dtype="<i2").tobytes()).hexdigest()
