"""The shipped corpus and course_lib.data: integrity, exactness, splits, discovery, errors.

Two kinds of test live here. The *corpus checks* (``test_corpus_*``) hold only for the
clips shipped in ``data/``: they fail when the audio is rendered differently, not when
``course_lib.data`` is wrong. The other tests check the code; those that damage files work
on copies in a temporary folder reached through ``COURSE_LIB_DATA``, never on ``data/``.
"""

from __future__ import annotations

import importlib.util
import json
import shutil
import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from course_lib import data
from course_lib._validation import ParameterError

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "data"
MANIFEST = json.loads((DATA / "manifest.json").read_text())
CLIPS = {c["name"]: c for c in MANIFEST["clips"]}
SOUNDFONT = Path("/usr/share/sounds/sf3/FluidR3Mono_GM.sf3")
RESTORE = r"git checkout data/.*make data.*verify_checksums\(\)"


@pytest.fixture(autouse=True)
def _no_env(monkeypatch):
    monkeypatch.delenv(data.ENV_VAR, raising=False)


class DataCopy:
    """A copy of two examples (mono ``piano_notes``, stereo ``stereo_trio``) and a manifest."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.clips = {name: json.loads(json.dumps(CLIPS[name]))
                      for name in ("piano_notes", "stereo_trio")}
        for name in self.clips:
            shutil.copytree(DATA / "examples" / name, folder / "examples" / name)
        self.write_manifest()

    def write_manifest(self, text: str | None = None) -> None:
        manifest = dict(MANIFEST, clips=list(self.clips.values()))
        (self.folder / "manifest.json").write_text(text or json.dumps(manifest))
        data._read_manifest.cache_clear()

    def path(self, clip: str, stem: str) -> Path:
        return self.folder / self.clips[clip]["files"][stem]["path"]


@pytest.fixture
def copy(tmp_path, monkeypatch) -> DataCopy:
    """A data folder in tmp_path that the tests may damage; COURSE_LIB_DATA points at it."""
    copied = DataCopy(tmp_path / "data")
    monkeypatch.setenv(data.ENV_VAR, str(copied.folder))
    yield copied
    data._read_manifest.cache_clear()


# --- corpus checks: the shipped clips ---------------------------------------------------


def test_corpus_manifest_is_complete_and_lists_every_file():
    """Corpus check: every FLAC in data/ is listed, every clip fully described."""
    on_disk = {p.relative_to(DATA).as_posix() for p in DATA.rglob("*.flac")}
    listed = {f["path"] for c in MANIFEST["clips"] for f in c["files"].values()}
    assert on_disk == listed
    for clip in MANIFEST["clips"]:
        for key in ("name", "split", "sr", "channels", "duration", "stems", "licence",
                    "description"):
            assert clip[key], (clip["name"], key)
    assert "partial" not in MANIFEST, "manifest.json was written by a partial render (--only)"


def test_corpus_checksums_match_the_manifest():
    """Corpus check: the shipped files are the ones the manifest describes."""
    damaged = data.verify_checksums()
    assert len(damaged) == len(CLIPS)
    assert {k: v for k, v in damaged.items() if v} == {}


@pytest.mark.parametrize("name", [n for n, c in CLIPS.items() if "mixture" in c["files"]])
def test_corpus_stored_mixture_is_the_exact_sum_of_the_decoded_stems(name):
    """Corpus check: each shipped mixture.flac holds the sum of its stems."""
    entry = CLIPS[name]
    stems = [sf.read(DATA / entry["files"][s]["path"], dtype="float64")[0]
             for s in entry["stems"]]
    mixture, _ = sf.read(DATA / entry["files"]["mixture"]["path"], dtype="float64")
    assert np.max(np.abs(mixture - np.sum(stems, axis=0))) < 1e-6


@pytest.mark.parametrize("name", list(CLIPS))
def test_corpus_clip_is_neither_silent_nor_clipped_and_matches_its_manifest(name):
    """Corpus check: levels, DC offset and shape of every shipped clip."""
    entry = CLIPS[name]
    ex = data.load_example(name, dtype=np.float64)
    assert ex.sr == entry["sr"] and ex.channels == entry["channels"]
    assert ex.mixture.shape[-1] == entry["samples"]
    assert ex.duration == pytest.approx(entry["duration"])
    assert ex.stem_names == entry["stems"]
    peak = np.max(np.abs(ex.mixture))
    assert 0.5 < peak < 0.999, f"{name}: mixture peak {peak:.3f}"
    for stem, x in ex.stems.items():
        assert x.shape == ex.mixture.shape
        rms_db = 10 * np.log10(np.mean(x**2))
        assert rms_db > -45, f"{name}/{stem} is nearly silent ({rms_db:.1f} dBFS RMS)"
        assert np.max(np.abs(x)) < 0.999, f"{name}/{stem} clips"
        dc = np.max(np.abs(x.mean(axis=-1)))
        assert dc < 1e-3 * np.sqrt(np.mean(x**2)), f"{name}/{stem} has a DC offset"
    # the loaded mixture is exactly the sum of the loaded stems
    assert np.array_equal(ex.mixture, np.sum(ex.sources(), axis=0))


def test_corpus_two_source_examples_are_zero_db_mixtures():
    """Corpus check: the two-source duets are rendered at 0 dB."""
    for name in ("guitar_voice", "guitar_synth"):
        ex = data.load_example(name, dtype=np.float64)
        energies = [np.sum(x**2) for x in ex.stems.values()]
        assert 10 * np.log10(energies[0] / energies[1]) == pytest.approx(0.0, abs=0.05)


def test_corpus_stereo_examples_are_panned_and_one_source_is_delayed():
    """Corpus check: the stereo clips follow the pan law and delays in their manifest info."""
    for name in ("stereo_trio", "stereo_voices"):
        ex = data.load_example(name, dtype=np.float64)
        assert ex.mixture.shape[0] == 2 and len(ex.stems) == 3
        info = ex.info
        for stem, x in ex.stems.items():
            pan = info["pans"][stem]
            delay = info["right_channel_delay_samples"][stem]
            # undo the delay, then the channel energy ratio is the constant-power pan law
            right = x[1, delay:] if delay else x[1]
            left = x[0, : x.shape[1] - delay]
            angle = (pan + 1) * np.pi / 4
            expected = (np.sin(angle) / np.cos(angle)) ** 2
            assert np.sum(right**2) / np.sum(left**2) == pytest.approx(expected, rel=1e-3)
            if delay:
                lag = np.argmax(np.correlate(x[1, :4000], x[0, :4000], mode="full")) - 3999
                assert lag == delay
        assert sum(bool(d) for d in info["right_channel_delay_samples"].values()) == 1


def test_corpus_named_examples_the_notebooks_rely_on():
    """Corpus check: the examples the notebooks load exist with the stems they use."""
    names = data.list_examples()
    for required in ("piano_notes", "scale_chords", "seven_parts", "guitar_voice",
                     "guitar_synth", "stereo_trio"):
        assert required in names
    seven = data.load_example("seven_parts")
    assert seven.sr == 22050 and seven.duration == pytest.approx(16.0)
    assert len(seven.stems) == 7
    assert data.load_example("piano_notes").stem_names == ["piano_C4", "piano_E4"]


def _songs(split):
    return [CLIPS[n] for n in data.list_corpus(split)]


def test_corpus_unet_size_and_format():
    """Corpus check: the U-Net corpus is big enough and in the format 06_unet expects."""
    train_seconds = sum(c["duration"] for c in _songs("train"))
    assert train_seconds >= 20 * 60
    for split in data.SPLITS:
        songs = _songs(split)
        assert len(songs) >= 5
        for song in songs:
            assert song["sr"] == 8192 and song["channels"] == 1
            assert song["duration"] >= 12.0
            assert song["stems"] == ["lead", "accompaniment"]
            assert "mixture" not in song["files"]


def test_corpus_unet_splits_are_disjoint_in_songs_progressions_and_test_programs():
    """Corpus check: no song, progression or (test) instrument program leaks across splits."""
    names = {s: set(data.list_corpus(s)) for s in data.SPLITS}
    assert not names["train"] & names["validation"]
    assert not names["train"] & names["test"]
    assert not names["validation"] & names["test"]
    progressions = {s: {tuple(c["info"]["progression"]) for c in _songs(s)} for s in data.SPLITS}
    assert not progressions["train"] & progressions["validation"]
    assert not progressions["train"] & progressions["test"]
    assert not progressions["validation"] & progressions["test"]
    train_programs = {(k, v) for c in _songs("train") for k, v in c["info"]["programs"].items()}
    test_programs = {(k, v) for c in _songs("test") for k, v in c["info"]["programs"].items()}
    assert not train_programs & test_programs
    # no two songs anywhere share their audio
    digests = [c["files"]["lead"]["sha256"] for s in data.SPLITS for c in _songs(s)]
    assert len(set(digests)) == len(digests)


def _render_module():
    spec = importlib.util.spec_from_file_location("course_render", DATA / "render.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while it executes
    spec.loader.exec_module(module)
    return module


@pytest.mark.fluidsynth
@pytest.mark.skipif(shutil.which("fluidsynth") is None or not SOUNDFONT.exists(),
                    reason="FluidSynth or the FluidR3 Mono soundfont is not installed "
                           "(apt-get install fluidsynth fluidr3mono-gm-soundfont)")
def test_corpus_rendering_piano_notes_again_reproduces_the_shipped_clip(tmp_path):
    """Corpus check: data/render.py reproduces a shipped clip from its MIDI."""
    render = _render_module()
    assert render.main(["--only", "piano_notes", "--out", str(tmp_path), "--jobs", "2"]) == 0
    same_build = render.fluidsynth_version() == MANIFEST["made_with"]["fluidsynth"]
    for stem, info in CLIPS["piano_notes"]["files"].items():
        fresh, _ = sf.read(tmp_path / info["path"], dtype="float64")
        shipped, _ = sf.read(DATA / info["path"], dtype="float64")
        assert fresh.shape == shipped.shape
        if same_build:  # the FluidSynth version that made data/: bit-identical
            assert np.array_equal(fresh, shipped), stem
        else:  # another FluidSynth may interpolate differently: within 60 dB SNR
            snr = 10 * np.log10(np.sum(shipped**2) / np.sum((fresh - shipped) ** 2))
            assert snr > 60, f"{stem}: re-rendered clip is only {snr:.1f} dB from the shipped one"


# --- the API ---------------------------------------------------------------------------


def test_load_corpus_returns_lead_and_accompaniment():
    songs = data.load_corpus("validation", limit=2)
    assert len(songs) == 2
    for song in songs:
        assert song.stem_names == ["lead", "accompaniment"]
        assert song.split == "validation" and song.sr == 8192
        assert song.mixture.dtype == np.float32
        assert np.array_equal(song.mixture, song.stems["lead"] + song.stems["accompaniment"])
    assert len(data.load_corpus("test")) == len(data.list_corpus("test"))


def test_example_arrays_are_fresh_and_typed():
    a = data.load_example("piano_notes")
    b = data.load_example("piano_notes", dtype=np.float64)
    assert a.mixture.dtype == np.float32 and b.mixture.dtype == np.float64
    a.mixture[:] = 0
    assert np.any(data.load_example("piano_notes").mixture != 0)
    assert "piano_notes" in repr(a) and "22050 Hz" in repr(a)
    assert a.sources(["piano_E4", "piano_C4"]).shape == (2, a.mixture.size)


def test_a_single_name_is_a_list_of_one():
    example = data.load_example("piano_notes")
    one = example.sources("piano_C4")
    assert one.shape == (1, example.mixture.size)
    np.testing.assert_array_equal(one[0], example.stems["piano_C4"])
    assert data.verify_checksums("piano_notes") == {"piano_notes": []}


def test_excerpt_cuts_every_stem_and_keeps_the_sum_exact():
    example = data.load_example("stereo_trio")
    cut = example.excerpt(2.0, start=1.5)
    assert cut.duration == pytest.approx(2.0) and cut.mixture.shape == (2, 2 * example.sr)
    first = round(1.5 * example.sr)
    np.testing.assert_array_equal(cut.stems["lead"], example.stems["lead"][:, first:first
                                                                             + 2 * example.sr])
    assert np.array_equal(cut.mixture, np.sum(cut.sources(), axis=0))
    assert example.excerpt(100.0).duration == pytest.approx(example.duration)


PIANO = "piano_notes"


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda: data.load_example("pianonotes"), ParameterError,
         "no example named 'pianonotes'.*piano_notes"),
        (lambda: data.load_example(3), TypeError, "name must be a string"),
        (lambda: data.load_example(PIANO, dtype=np.int16), ParameterError,
         "dtype must be np.float32 or np.float64"),
        (lambda: data.load_example(PIANO, dtype="garbage"), TypeError,
         "dtype='garbage' is not a numpy dtype"),
        (lambda: data.load_corpus("train", dtype="garbage"), TypeError, "dtype="),
        (lambda: data.load_corpus("training"), ParameterError, "split must be one of"),
        (lambda: data.load_corpus(3), TypeError, "split must be one of the strings"),
        (lambda: data.list_corpus(["train"]), TypeError, "split must be one of the strings"),
        (lambda: data.load_corpus("train", limit=0), ParameterError, "limit=0 must be at least 1"),
        (lambda: data.load_corpus("train", limit=True), TypeError, "limit must be an int"),
        (lambda: data.load_corpus("train", limit=2.0), TypeError, "limit must be an int"),
        (lambda: data.verify_checksums(["nothing"]), ParameterError,
         r"unknown clip name\(s\) \['nothing'\].*piano_notes.*list_corpus"),
        (lambda: data.verify_checksums([PIANO, PIANO]), ParameterError, "more than once"),
        (lambda: data.verify_checksums(3), TypeError, "names must be a str or a list of str"),
        (lambda: data.samples_sha256(3), TypeError, "path must be a str"),
        (lambda: data.samples_sha256(DATA / "nothing.flac"), data.DataNotFoundError,
         "nothing.flac missing"),
    ],
)
def test_bad_arguments_raise_clear_errors(call, error, message):
    with pytest.raises(error, match=message):
        call()


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda ex: ex.sources(["piano_G4"]), ParameterError,
         r"unknown stem\(s\) \['piano_G4'\].*piano_C4"),
        (lambda ex: ex.sources("piano_G4"), ParameterError, r"\['piano_G4'\]"),
        (lambda ex: ex.sources([]), ParameterError, "names is empty"),
        (lambda ex: ex.sources(["piano_C4", "piano_C4"]), ParameterError, "more than once"),
        (lambda ex: ex.sources(0), TypeError, "names must be a str or a list of str"),
        (lambda ex: ex.excerpt(0.0), ParameterError, "duration > 0"),
        (lambda ex: ex.excerpt(1.0, start=ex.duration), ParameterError, "start"),
        (lambda ex: ex.excerpt(float("nan")), ParameterError, "duration=nan s must be a finite"),
        (lambda ex: ex.excerpt(np.inf), ParameterError, "duration=inf s must be a finite"),
        (lambda ex: ex.excerpt(1.0, start=np.nan), ParameterError, "start=nan s"),
        (lambda ex: ex.excerpt("1"), TypeError, "duration must be a number, got str"),
        (lambda ex: ex.excerpt(1.0, start=None), TypeError, "start must be a number"),
        (lambda ex: ex.excerpt(True), TypeError, "duration must be a number, got bool"),
    ],
)
def test_example_methods_reject_bad_arguments(call, error, message):
    example = data.load_example(PIANO)
    with pytest.raises(error, match=message):
        call(example)


# --- finding the data ------------------------------------------------------------------


def test_data_dir_honours_the_environment_variable(tmp_path, monkeypatch):
    copy = tmp_path / "elsewhere"
    (copy / "examples").mkdir(parents=True)
    shutil.copytree(DATA / "examples" / "piano_notes", copy / "examples" / "piano_notes")
    manifest = dict(MANIFEST, clips=[CLIPS["piano_notes"]])
    (copy / "manifest.json").write_text(json.dumps(manifest))
    monkeypatch.setenv(data.ENV_VAR, str(copy))
    assert data.data_dir() == copy.resolve()
    assert data.list_examples() == ["piano_notes"]
    assert data.load_example("piano_notes").sr == 22050


def test_missing_data_says_how_to_get_it(tmp_path, monkeypatch):
    monkeypatch.setenv(data.ENV_VAR, str(tmp_path))
    with pytest.raises(data.DataNotFoundError, match="COURSE_LIB_DATA.*make data"):
        data.load_example("piano_notes")
    with pytest.raises(FileNotFoundError):
        data.list_examples()


def test_missing_data_without_the_variable(tmp_path, monkeypatch):
    # a package installed away from its clone, run from a folder with no data/
    monkeypatch.setattr(data, "__file__", str(tmp_path / "site" / "course_lib" / "data.py"))
    monkeypatch.chdir(tmp_path)
    with pytest.raises(data.DataNotFoundError, match="make data"):
        data.data_dir()
    # ... and from inside a clone, found by walking up from the working directory
    monkeypatch.chdir(ROOT / "tests")
    assert data.data_dir() == DATA


def test_a_missing_audio_file_is_reported(copy):
    copy.path("piano_notes", "piano_C4").unlink()
    with pytest.raises(data.DataNotFoundError, match="piano_C4.flac is listed in the manifest"):
        data.load_example("piano_notes")


# --- damaged files: a copy of data/ in tmp_path ----------------------------------------


def test_an_intact_copy_passes_both_checks(copy):
    # the baseline of the damage tests below: the undamaged copy loads and verifies
    assert data.data_dir() == copy.folder.resolve()
    assert data.list_examples() == ["piano_notes", "stereo_trio"]
    assert data.load_example("stereo_trio").mixture.shape == (2, CLIPS["stereo_trio"]["samples"])
    assert data.verify_checksums() == {"piano_notes": [], "stereo_trio": []}


def _write_int16(path, samples, sr, **kwargs):
    sf.write(path, samples, sr, **{"subtype": "PCM_16", **kwargs})


def _replace_with_garbage(path):
    path.write_bytes(b"not a FLAC file at all " * 200)


def _truncate(path):
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


def _replace_with_shorter(path):
    samples, sr = sf.read(path, dtype="int16")
    _write_int16(path, samples[:1000], sr)


def _replace_with_another_rate(path):
    samples, _ = sf.read(path, dtype="int16")
    _write_int16(path, samples, 44100)


def _replace_with_stereo(path):
    samples, sr = sf.read(path, dtype="int16")
    _write_int16(path, np.column_stack([samples, samples]), sr)


def _replace_with_wav_bytes(path):
    samples, sr = sf.read(path, dtype="int16")
    _write_int16(path, samples, sr, format="WAV")


def _replace_with_24_bit(path):
    samples, sr = sf.read(path, dtype="int32")
    sf.write(path, samples, sr, subtype="PCM_24", format="FLAC")


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (_replace_with_garbage, "piano_C4.flac cannot be decoded"),
        (_truncate, "piano_C4.flac cannot be decoded"),
        (_replace_with_shorter, r"piano_C4.flac does not match.*1000 samples.*154350 samples"),
        (_replace_with_another_rate, r"piano_C4.flac does not match.*44100 Hz.*22050 Hz"),
        (_replace_with_stereo, r"piano_C4.flac does not match.*2 channel\(s\).*says 1 channel"),
        (_replace_with_wav_bytes, r"piano_C4.flac does not match.*a WAV file named \.flac"),
        (_replace_with_24_bit, r"piano_C4.flac does not match.*PCM_24"),
    ],
    ids=["garbage", "truncated", "shorter", "rate", "stereo", "wav", "24-bit"],
)
def test_a_damaged_file_names_itself_and_how_to_restore_it(copy, damage, message):
    damage(copy.path("piano_notes", "piano_C4"))
    with pytest.raises(data.DataIntegrityError, match=f"{message}.*{RESTORE}") as info:
        data.load_example("piano_notes")
    if "decoded" in message:  # the libsndfile error is the cause, not what the user sees
        assert isinstance(info.value.__cause__, sf.SoundFileError)
    # the thorough check finds the same file, and only that one
    assert data.verify_checksums("piano_notes") == {"piano_notes": ["piano_C4"]}


def test_a_stereo_clip_never_loads_as_its_first_channel(copy):
    copy.clips["stereo_trio"]["channels"] = 1
    copy.write_manifest()
    with pytest.raises(data.DataIntegrityError,
                       match=r"lead.flac does not match.*2 channel\(s\).*says 1 channel"):
        data.load_example("stereo_trio")


@pytest.mark.parametrize(("key", "value", "found"), [("sr", 44100, "44100 Hz"),
                                                      ("samples", 100, "100 samples")])
def test_a_manifest_that_disagrees_with_the_file_is_not_believed(copy, key, value, found):
    copy.clips["piano_notes"][key] = value
    copy.write_manifest()
    with pytest.raises(data.DataIntegrityError, match=f"says 1 channel.*{found}.*{RESTORE}"):
        data.load_example("piano_notes")


def test_verify_checksums_finds_one_changed_sample_and_missing_files(copy):
    path = copy.path("piano_notes", "piano_E4")
    samples, sr = sf.read(path, dtype="int16")
    samples[1000] += 1
    _write_int16(path, samples, sr)
    copy.path("stereo_trio", "mixture").unlink()
    assert data.verify_checksums() == {"piano_notes": ["piano_E4"], "stereo_trio": ["mixture"]}
    assert data.load_example("piano_notes").sr == sr  # the cheap check cannot see a sample


# --- a damaged manifest ----------------------------------------------------------------


MANIFEST_ERROR = r"manifest\.json .*git checkout data/manifest\.json"


def test_invalid_json_names_the_manifest(copy):
    copy.write_manifest('{"clips": [')
    with pytest.raises(data.DataIntegrityError, match=r"manifest\.json is not valid JSON"):
        data.list_examples()
    with pytest.raises(data.DataIntegrityError, match=MANIFEST_ERROR):
        data.load_example("piano_notes")


@pytest.mark.parametrize("key", ["name", "split", "sr", "channels", "samples", "stems", "files"])
def test_a_missing_key_names_the_manifest_and_the_clip(copy, key):
    del copy.clips["piano_notes"][key]
    copy.write_manifest()
    where = "clip #0" if key == "name" else "clip 'piano_notes'"
    with pytest.raises(data.DataIntegrityError, match=f"lacks the key '{key}' in {where}"):
        data.load_example("stereo_trio")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda clips: clips["piano_notes"]["files"]["piano_C4"].pop("path"),
         r"lacks the key 'path' \(a string\) in files\['piano_C4'\] of clip 'piano_notes'"),
        (lambda clips: clips["piano_notes"]["files"].pop("piano_E4"),
         "lacks the key 'piano_E4' under 'files'"),
        (lambda clips: clips["piano_notes"].update(sr="22050"), "sr='22050'.*not an integer"),
        (lambda clips: clips["piano_notes"].update(channels=0), "channels=0.*must be positive"),
        (lambda clips: clips["piano_notes"].update(split="training"), "split='training'"),
        (lambda clips: clips["stereo_trio"].update(name="piano_notes"),
         "lists clip 'piano_notes' twice"),
        (lambda clips: clips["piano_notes"]["files"]["piano_C4"].update(path="../x.flac"),
         "outside the data folder"),
    ],
    ids=["path", "stem-file", "sr-type", "channels", "split", "twice", "outside"],
)
def test_a_malformed_manifest_is_reported(copy, change, message):
    change(copy.clips)
    copy.write_manifest()
    with pytest.raises(data.DataIntegrityError, match=f"{message}.*git checkout data/manifest"):
        data.load_example("piano_notes")


def test_two_stems_pointing_at_one_file_raise(copy):
    files = copy.clips["piano_notes"]["files"]
    files["piano_E4"]["path"] = "examples/piano_notes/./piano_C4.flac"
    copy.write_manifest()
    with pytest.raises(
        data.DataIntegrityError,
        match=r"two stems at one file, examples/piano_notes/piano_C4\.flac: 'piano_C4'.*"
        r"'piano_E4' of clip 'piano_notes'",
    ):
        data.load_example("piano_notes")
    with pytest.raises(data.DataIntegrityError, match="no list of clips"):
        copy.write_manifest("[]")
        data.list_examples()
