"""The shipped corpus and course_lib.data: integrity, exactness, splits, discovery, errors."""

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

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "data"
MANIFEST = json.loads((DATA / "manifest.json").read_text())
CLIPS = {c["name"]: c for c in MANIFEST["clips"]}
SOUNDFONT = Path("/usr/share/sounds/sf3/FluidR3Mono_GM.sf3")


@pytest.fixture(autouse=True)
def _no_env(monkeypatch):
    monkeypatch.delenv(data.ENV_VAR, raising=False)


# --- the corpus on disk -----------------------------------------------------------------


def test_manifest_is_complete_and_lists_every_file():
    on_disk = {p.relative_to(DATA).as_posix() for p in DATA.rglob("*.flac")}
    listed = {f["path"] for c in MANIFEST["clips"] for f in c["files"].values()}
    assert on_disk == listed
    for clip in MANIFEST["clips"]:
        for key in ("name", "split", "sr", "channels", "duration", "stems", "licence",
                    "description"):
            assert clip[key], (clip["name"], key)
    assert "partial" not in MANIFEST, "manifest.json was written by a partial render (--only)"


def test_checksums_match_the_manifest():
    damaged = data.verify_checksums()
    assert len(damaged) == len(CLIPS)
    assert {k: v for k, v in damaged.items() if v} == {}


def test_checksum_detects_a_changed_sample(tmp_path):
    entry = CLIPS["piano_notes"]
    path = DATA / entry["files"]["piano_C4"]["path"]
    x, sr = sf.read(path, dtype="int16")
    x[1000] += 1
    changed = tmp_path / "changed.flac"
    sf.write(changed, x, sr, subtype="PCM_16")
    assert data.samples_sha256(changed) != entry["files"]["piano_C4"]["sha256"]
    assert data.samples_sha256(path) == entry["files"]["piano_C4"]["sha256"]


@pytest.mark.parametrize("name", [n for n, c in CLIPS.items() if "mixture" in c["files"]])
def test_stored_mixture_is_the_exact_sum_of_the_decoded_stems(name):
    entry = CLIPS[name]
    stems = [sf.read(DATA / entry["files"][s]["path"], dtype="float64")[0]
             for s in entry["stems"]]
    mixture, _ = sf.read(DATA / entry["files"]["mixture"]["path"], dtype="float64")
    assert np.max(np.abs(mixture - np.sum(stems, axis=0))) < 1e-6


@pytest.mark.parametrize("name", list(CLIPS))
def test_clip_is_neither_silent_nor_clipped_and_matches_its_manifest(name):
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


def test_two_source_examples_are_zero_db_mixtures():
    for name in ("guitar_voice", "guitar_synth"):
        ex = data.load_example(name, dtype=np.float64)
        energies = [np.sum(x**2) for x in ex.stems.values()]
        assert 10 * np.log10(energies[0] / energies[1]) == pytest.approx(0.0, abs=0.05)


def test_stereo_examples_are_panned_and_one_source_is_delayed():
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


def test_named_examples_the_notebooks_rely_on():
    names = data.list_examples()
    for required in ("piano_notes", "scale_chords", "seven_parts", "guitar_voice",
                     "guitar_synth", "stereo_trio"):
        assert required in names
    seven = data.load_example("seven_parts")
    assert seven.sr == 22050 and seven.duration == pytest.approx(16.0)
    assert len(seven.stems) == 7
    assert data.load_example("piano_notes").stem_names == ["piano_C4", "piano_E4"]


# --- the U-Net corpus ------------------------------------------------------------------


def _songs(split):
    return [CLIPS[n] for n in data.list_corpus(split)]


def test_unet_corpus_size_and_format():
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


def test_unet_splits_are_disjoint_in_songs_progressions_and_test_programs():
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


def test_load_corpus_returns_lead_and_accompaniment():
    songs = data.load_corpus("validation", limit=2)
    assert len(songs) == 2
    for song in songs:
        assert song.stem_names == ["lead", "accompaniment"]
        assert song.split == "validation" and song.sr == 8192
        assert song.mixture.dtype == np.float32
        assert np.array_equal(song.mixture, song.stems["lead"] + song.stems["accompaniment"])
    assert len(data.load_corpus("test")) == len(data.list_corpus("test"))


# --- the API ---------------------------------------------------------------------------


def test_example_arrays_are_fresh_and_typed():
    a = data.load_example("piano_notes")
    b = data.load_example("piano_notes", dtype=np.float64)
    assert a.mixture.dtype == np.float32 and b.mixture.dtype == np.float64
    a.mixture[:] = 0
    assert np.any(data.load_example("piano_notes").mixture != 0)
    assert "piano_notes" in repr(a) and "22050 Hz" in repr(a)
    assert a.sources(["piano_E4"]).shape == (1, a.mixture.size)


def test_bad_arguments_raise_clear_errors():
    with pytest.raises(ValueError, match="no example named 'pianonotes'.*piano_notes"):
        data.load_example("pianonotes")
    with pytest.raises(TypeError, match="name must be a string"):
        data.load_example(3)
    with pytest.raises(TypeError, match="dtype must be float32 or float64"):
        data.load_example("piano_notes", dtype=np.int16)
    with pytest.raises(ValueError, match="split must be one of"):
        data.load_corpus("training")
    with pytest.raises(ValueError, match="limit must be a positive integer"):
        data.load_corpus("train", limit=0)
    with pytest.raises(ValueError, match="no stem"):
        data.load_example("piano_notes").sources(["piano_G4"])
    with pytest.raises(ValueError, match="unknown clip"):
        data.verify_checksums(["nothing"])


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


def test_a_missing_audio_file_is_reported(tmp_path, monkeypatch):
    copy = tmp_path / "data"
    copy.mkdir()
    (copy / "manifest.json").write_text(json.dumps(dict(MANIFEST, clips=[CLIPS["piano_notes"]])))
    monkeypatch.setenv(data.ENV_VAR, str(copy))
    with pytest.raises(data.DataNotFoundError, match="piano_C4.flac is listed in the manifest"):
        data.load_example("piano_notes")


# --- rendering again -------------------------------------------------------------------


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
def test_rendering_piano_notes_again_reproduces_the_shipped_clip(tmp_path):
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


def test_excerpt_cuts_every_stem_and_keeps_the_sum_exact():
    example = data.load_example("stereo_trio")
    cut = example.excerpt(2.0, start=1.5)
    assert cut.duration == pytest.approx(2.0) and cut.mixture.shape == (2, 2 * example.sr)
    first = round(1.5 * example.sr)
    np.testing.assert_array_equal(cut.stems["lead"], example.stems["lead"][:, first:first
                                                                             + 2 * example.sr])
    assert np.array_equal(cut.mixture, np.sum(cut.sources(), axis=0))
    assert example.excerpt(100.0).duration == pytest.approx(example.duration)
    with pytest.raises(ValueError, match="duration > 0"):
        example.excerpt(0.0)
    with pytest.raises(ValueError, match="start"):
        example.excerpt(1.0, start=example.duration)
    with pytest.raises(TypeError, match="seconds"):
        example.excerpt("2")
