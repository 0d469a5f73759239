"""Render the course's audio corpus from MIDI with FluidSynth.

Every clip in ``data/`` is made here, deterministically, from fixed seeds:

1. the music is written as notes in Python and saved as one Standard MIDI File
   per part (instrument, or one piano key, ...);
2. each part is rendered on its own by a fresh ``fluidsynth`` process with the
   FluidR3 Mono General MIDI soundfont, reverb and chorus off, float output;
3. the parts are padded to one length, high-passed at 20 Hz (some samples of the
   soundfont carry a DC offset), given one gain per example, and quantised to
   16-bit integers;
4. the mixture is the exact integer sum of the quantised stems, so the
   ground truth is exact: the decoded mixture equals the sum of the decoded
   stems sample for sample.

The named examples store their mixture too (``mixture.flac``); the U-Net
corpus stores only ``lead.flac`` and ``accompaniment.flac`` per song and
``course_lib.data`` adds them up at load time.

Usage (from the repository root; ``make data`` runs the first line)::

    python data/render.py                    # everything, into data/
    python data/render.py --only piano_notes --out /tmp/check
    python data/render.py --list

Needs the ``fluidsynth`` program and the soundfont of Debian's
``fluidr3mono-gm-soundfont`` package (MIT licence), and ``mido``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import soundfile as sf

from course_lib.data import samples_sha256

SOUNDFONT = Path(
    os.environ.get("COURSE_SOUNDFONT", "/usr/share/sounds/sf3/FluidR3Mono_GM.sf3")
)
SOUNDFONT_LICENCE = (
    "FluidR3 Mono GM soundfont, MIT licence: Mono version (c) 2014-2017 Michael Cowgill; "
    "original Fluid (R3) GM (c) 2000-2002, 2008 Frank Wen. See data/LICENSE-audio.txt."
)
DATA_DIR = Path(__file__).resolve().parent
PEAK = 0.89  # peak of every mixture before quantisation (about -1 dBFS)
FULL_SCALE = 32768  # int16 full scale; soundfile decodes q to q / 32768
FADE_S = 0.02  # fade-out at the end of every clip that is cut short

# ---------------------------------------------------------------------------
# Music as data
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Note:
    """One note: onset and duration in seconds, MIDI pitch and velocity."""

    start: float
    duration: float
    pitch: int
    velocity: int = 90


@dataclass
class Part:
    """One stem: a General MIDI program and its notes.

    ``drums`` parts play on MIDI channel 10, where ``program`` selects the kit.
    ``modulation`` sets the modulation wheel (CC 1, vibrato on voice programs).
    """

    name: str
    program: int
    notes: list[Note] = field(default_factory=list)
    drums: bool = False
    modulation: int = 0


def write_midi(part: Part, path: Path) -> None:
    """Write ``part`` as a one-track Standard MIDI File (120 bpm: 960 ticks per second)."""
    import mido

    ticks_per_second = 960
    channel = 9 if part.drums else 0
    events = []  # (tick, order, message); note-offs sort before note-ons at one tick
    for note in part.notes:
        on = round(note.start * ticks_per_second)
        off = max(on + 1, round((note.start + note.duration) * ticks_per_second))
        events.append((on, 1, mido.Message("note_on", note=note.pitch, velocity=note.velocity,
                                            channel=channel)))
        events.append((off, 0, mido.Message("note_off", note=note.pitch, velocity=0,
                                             channel=channel)))
    events.sort(key=lambda e: (e[0], e[1], e[2].note))
    track = mido.MidiTrack()
    track.append(mido.MetaMessage("set_tempo", tempo=500_000, time=0))
    track.append(mido.Message("program_change", program=part.program, channel=channel, time=0))
    track.append(mido.Message("control_change", control=1, value=part.modulation,
                              channel=channel, time=0))
    now = 0
    for tick, _, message in events:
        track.append(message.copy(time=tick - now))
        now = tick
    # one silent second after the last note-off lets the release ring out
    track.append(mido.MetaMessage("end_of_track", time=ticks_per_second))
    midi = mido.MidiFile(ticks_per_beat=480)
    midi.tracks.append(track)
    midi.save(path)


def fluidsynth_version() -> str:
    out = subprocess.run(["fluidsynth", "--version"], capture_output=True, text=True, check=True)
    return out.stdout.splitlines()[0].replace("FluidSynth runtime version", "").strip()


def render_part(part: Part, sr: int, n_samples: int) -> np.ndarray:
    """Render one part with a fresh FluidSynth process → float64 ``(n_samples,)``."""
    with tempfile.TemporaryDirectory(prefix="course_render_") as tmp:
        midi_path, wav_path = Path(tmp) / "part.mid", Path(tmp) / "part.wav"
        write_midi(part, midi_path)
        cmd = [
            "fluidsynth", "-n", "-i", "-q",
            "-R", "0", "-C", "0",  # reverb and chorus off
            "-O", "float", "-T", "wav", "-r", str(sr),
            "-o", "synth.cpu-cores=1",
            "-F", str(wav_path), str(SOUNDFONT), str(midi_path),
        ]
        result = subprocess.run(cmd, capture_output=True, text=True)
        if result.returncode != 0 or not wav_path.exists():
            raise RuntimeError(f"fluidsynth failed on part {part.name!r}: {result.stderr}")
        audio, file_sr = sf.read(wav_path, dtype="float64", always_2d=True)
    if file_sr != sr:
        raise RuntimeError(f"fluidsynth wrote {file_sr} Hz, asked for {sr} Hz")
    mono = audio.mean(axis=1)  # the soundfont is mono and parts are centred: L == R
    out = np.zeros(n_samples)
    out[: min(n_samples, mono.size)] = mono[:n_samples]
    return out


# ---------------------------------------------------------------------------
# Harmony and melody helpers
# ---------------------------------------------------------------------------

MAJOR = (0, 2, 4, 5, 7, 9, 11)
MINOR = (0, 2, 3, 5, 7, 8, 10)


@dataclass(frozen=True)
class Key:
    tonic: int  # pitch class, 0 = C
    mode: str  # "major" or "minor"

    @property
    def steps(self) -> tuple[int, ...]:
        return MAJOR if self.mode == "major" else MINOR

    def pitch(self, degree: int, octave: int) -> int:
        """MIDI pitch of scale ``degree`` (0-based, may exceed 6) in ``octave`` (4 = middle C)."""
        octave += degree // 7
        return 12 * (octave + 1) + self.tonic + self.steps[degree % 7]

    def chord(self, root_degree: int, octave: int) -> list[int]:
        """The diatonic triad on ``root_degree``."""
        return [self.pitch(root_degree + k, octave) for k in (0, 2, 4)]

    def degree_of(self, pitch: int) -> int | None:
        """Absolute scale degree (octave included) of ``pitch``, or None if not diatonic."""
        rel = pitch - 12 - self.tonic
        octave, pc = divmod(rel, 12)
        if pc not in self.steps:
            return None
        return 7 * (octave - 4) + self.steps.index(pc)

    @property
    def name(self) -> str:
        names = ["C", "C#", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B"]
        return f"{names[self.tonic]} {self.mode}"


# Chord progressions as 0-based scale degrees, one chord a bar. Each split of the
# U-Net corpus has its own pool, so no validation or test song shares a progression
# with a training song.
PROGRESSIONS = {
    "train": [
        (0, 4, 5, 3), (0, 5, 3, 4), (5, 3, 0, 4), (0, 3, 4, 3),
        (1, 4, 0, 0), (0, 2, 3, 4), (3, 0, 4, 5), (0, 3, 0, 4),
        (0, 0, 3, 4), (5, 4, 3, 4), (0, 4, 0, 3), (3, 4, 0, 0),
    ],
    "validation": [(0, 3, 5, 4), (5, 1, 4, 0)],
    "test": [(0, 4, 3, 0), (3, 5, 4, 0), (0, 1, 3, 4)],
    "examples": [(0, 5, 1, 4), (5, 3, 4, 0)],
}

# Instrument programs. The test songs use programs no training song uses.
PROGRAMS = {
    "train": {"lead": (52, 53), "piano": (0, 4), "guitar": (24, 25), "bass": (32, 33),
              "drums": (0, 8)},
    "test": {"lead": (54, 85), "piano": (1, 2), "guitar": (26, 27), "bass": (34, 35),
             "drums": (16, 32)},
}
PROGRAMS["validation"] = PROGRAMS["train"]

# Melody rhythms, one bar of eighth notes; a negative length is a rest.
RHYTHMS = (
    (2, 2, 2, 2), (3, 1, 2, 2), (4, 2, 2), (2, 2, 4), (1, 1, 2, 4), (2, 1, 1, 4),
    (6, 2), (2, 4, 2), (3, 3, 2), (4, 4), (2, 2, 2, -2), (-2, 2, 2, 2),
)


def melody(key: Key, progression, bars: int, bar_s: float, rng, *, low: int, high: int,
           velocity=(78, 100), start_bar: int = 0) -> list[Note]:
    """A singable line: chord tones on downbeats, mostly steps between, 4-bar phrases."""
    eighth = bar_s / 8
    notes: list[Note] = []
    degree = None
    for bar in range(start_bar, bars):
        chord_root = progression[bar % len(progression)]
        chord_pcs = {key.pitch(chord_root + k, 4) % 12 for k in (0, 2, 4)}
        phrase_end = bar % 4 == 3
        rhythm = (6, -2) if phrase_end else RHYTHMS[rng.integers(len(RHYTHMS))]
        pos = 0
        for i, length in enumerate(rhythm):
            start = bar * bar_s + pos * eighth
            pos += abs(length)
            if length < 0:
                continue
            candidates = [p for p in range(low, high + 1) if key.degree_of(p) is not None]
            if degree is None or i == 0:
                # a chord tone near the previous note (or near the middle of the range)
                centre = (low + high) / 2 if degree is None else _pitch_of(key, degree)
                tones = [p for p in candidates if p % 12 in chord_pcs]
                weights = np.exp(-np.abs(np.array(tones) - centre) / 3.0)
                pitch = int(rng.choice(tones, p=weights / weights.sum()))
            else:
                step = int(rng.choice([-2, -1, -1, 1, 1, 2, 0]))
                pitch = _pitch_of(key, degree + step)
                if not low <= pitch <= high:
                    pitch = _pitch_of(key, degree - step)
            degree = key.degree_of(pitch)
            duration = abs(length) * eighth * 0.95
            vel = int(rng.integers(velocity[0], velocity[1] + 1))
            notes.append(Note(start, duration, pitch, vel))
    return notes


def _pitch_of(key: Key, absolute_degree: int) -> int:
    return key.pitch(absolute_degree, 4)


def bass_line(key, progression, bars, bar_s, rng) -> list[Note]:
    notes = []
    for bar in range(bars):
        root = progression[bar % len(progression)]
        pitch = key.pitch(root, 2)
        fifth = key.pitch(root + 4, 2)
        pattern = [(0, 2, pitch), (2, 2, fifth)] if rng.random() < 0.5 else \
                  [(0, 1, pitch), (1, 1, pitch), (2, 1, fifth), (3, 1, pitch)]
        for beat, beats, p in pattern:
            notes.append(Note(bar * bar_s + beat * bar_s / 4, beats * bar_s / 4 * 0.9, p,
                              int(rng.integers(85, 101))))
    return notes


def piano_chords(key, progression, bars, bar_s, rng) -> list[Note]:
    notes = []
    for bar in range(bars):
        chord = key.chord(progression[bar % len(progression)], 3)
        chord = [p + 12 if p < 52 else p for p in chord]  # keep the voicing around E3-D4
        hits = [(0, 2), (2, 2)] if rng.random() < 0.6 else [(0, 1.5), (1.5, 2.5)]
        for beat, beats in hits:
            vel = int(rng.integers(58, 76))
            for p in chord:
                notes.append(Note(bar * bar_s + beat * bar_s / 4, beats * bar_s / 4 * 0.95,
                                  p, vel))
    return notes


def guitar_arpeggio(key, progression, bars, bar_s, rng, *, octave=3) -> list[Note]:
    notes = []
    eighth = bar_s / 8
    for bar in range(bars):
        chord = key.chord(progression[bar % len(progression)], octave)
        order = [chord[0], chord[1], chord[2], chord[1] + 12 if rng.random() < 0.5 else chord[2]]
        for i in range(8):
            notes.append(Note(bar * bar_s + i * eighth, eighth * 1.9, order[i % 4],
                              int(rng.integers(62, 84))))
    return notes


def drum_pattern(bars, bar_s, rng) -> list[Note]:
    kick, snare, hat, crash = 36, 38, 42, 49
    notes = []
    eighth = bar_s / 8
    for bar in range(bars):
        t0 = bar * bar_s
        for i in range(8):
            notes.append(Note(t0 + i * eighth, 0.1, hat, 70 if i % 2 else 88))
        for beat in (0, 2):
            notes.append(Note(t0 + beat * bar_s / 4, 0.1, kick, 100))
        if rng.random() < 0.4:
            notes.append(Note(t0 + 5 * eighth, 0.1, kick, 85))
        for beat in (1, 3):
            notes.append(Note(t0 + beat * bar_s / 4, 0.1, snare, int(rng.integers(88, 106))))
        if bar % 4 == 0:
            notes.append(Note(t0, 0.1, crash, 80))
    return notes


# ---------------------------------------------------------------------------
# Clip assembly: gain, quantisation, stereo images
# ---------------------------------------------------------------------------


def remove_dc(x: np.ndarray, sr: int) -> np.ndarray:
    """4th-order Butterworth high-pass at 20 Hz: some soundfont samples carry a DC offset,
    inaudible energy that would otherwise count in every energy ratio and score."""
    from scipy.signal import butter, sosfilt

    return sosfilt(butter(4, 20.0, btype="highpass", fs=sr, output="sos"), x)


def fade_out(x: np.ndarray, sr: int) -> np.ndarray:
    n = min(int(FADE_S * sr), x.shape[-1])
    ramp = np.ones(x.shape[-1])
    ramp[x.shape[-1] - n:] = np.linspace(1.0, 0.0, n)
    return x * ramp


def quantise(stems: dict[str, np.ndarray], peak: float = PEAK) -> dict[str, np.ndarray]:
    """One gain for all stems so that their sum peaks at ``peak``, then round to int16."""
    total = sum(stems.values())
    gain = peak * FULL_SCALE / np.max(np.abs(total))
    out = {name: np.round(x * gain).astype(np.int16) for name, x in stems.items()}
    mixture = sum(x.astype(np.int32) for x in out.values())
    assert np.max(np.abs(mixture)) < FULL_SCALE, "mixture would clip"
    return out


def energy_balance(target: np.ndarray, other: np.ndarray, ratio_db: float) -> np.ndarray:
    """Scale ``other`` so that 10 log10(E[target] / E[other]) equals ``ratio_db``."""
    return other * np.sqrt(np.sum(target**2) / np.sum(other**2) / 10 ** (ratio_db / 10))


def stereo_image(x: np.ndarray, pan: float, delay_samples: int = 0) -> np.ndarray:
    """Constant-power pan (-1 left … +1 right) of a mono stem, the right channel delayed."""
    angle = (pan + 1) * np.pi / 4
    left, right = np.cos(angle) * x, np.sin(angle) * x
    if delay_samples:
        right = np.concatenate([np.zeros(delay_samples), right[:-delay_samples]])
    return np.stack([left, right])


# ---------------------------------------------------------------------------
# The clips
# ---------------------------------------------------------------------------


@dataclass
class Clip:
    """A clip to render: parts, how to combine them, and what to write down about it."""

    name: str
    split: str
    sr: int
    duration: float
    parts: list[Part]
    description: str
    # float stems (name → (samples,) mono) → float stems to store, before quantisation
    combine: Callable[[dict[str, np.ndarray]], dict[str, np.ndarray]] | None = None
    store_mixture: bool = True
    info: dict = field(default_factory=dict)


def clip_piano_notes() -> Clip:
    low, high = 60, 64  # C4 and E4: a major third
    parts = [
        Part("piano_C4", 0, [Note(0.5, 1.5, low, 96), Note(4.5, 1.5, low, 96)]),
        Part("piano_E4", 0, [Note(2.5, 1.5, high, 96), Note(4.5, 1.5, high, 96)]),
    ]
    return Clip("piano_notes", "examples", 22050, 7.0, parts,
                "Two piano notes (C4, E4) struck apart, then together: the first NMF example "
                "(expect two tonal bases and one for the hammer noise).")


def clip_scale_chords() -> Clip:
    key = Key(0, "major")
    pitches = [key.pitch(d, 4) for d in range(8)]  # C4 D4 E4 F4 G4 A4 B4 C5
    names = ["C4", "D4", "E4", "F4", "G4", "A4", "B4", "C5"]
    notes: dict[int, list[Note]] = {p: [] for p in pitches}
    t = 0.5
    for p in pitches:  # the scale, crotchets at 120 bpm
        notes[p].append(Note(t, 0.45, p, 90))
        t += 0.5
    t += 0.5
    for chord in ((0, 2), (1, 3), (2, 4), (3, 5), (4, 6)):  # two-note chords (thirds)
        for d in chord:
            notes[pitches[d]].append(Note(t, 0.9, pitches[d], 88))
        t += 1.0
    t += 0.5
    for chord in ((0, 2, 4), (1, 3, 5), (2, 4, 6), (3, 5, 7)):  # triads
        for d in chord:
            notes[pitches[d]].append(Note(t, 0.9, pitches[d], 86))
        t += 1.0
    parts = [Part(f"piano_{n}", 0, notes[p]) for n, p in zip(names, pitches, strict=True)]
    return Clip("scale_chords", "examples", 22050, round(t + 1.5, 1), parts,
                "A C-major scale on piano (C4-C5), then five two-note and four three-note "
                "chords; one stem per key, so every NMF component has a ground truth.")


def clip_seven_parts() -> Clip:
    rng = np.random.default_rng(7)
    duration = 16.0
    parts = []
    for name, program, pitch, length in (
        ("piano_C4", 0, 60, 1.2), ("piano_E4", 0, 64, 1.2), ("piano_G4", 0, 67, 1.2),
        ("clarinet_F4", 71, 65, 1.6), ("clarinet_A4", 71, 69, 1.6), ("clarinet_D5", 71, 74, 1.6),
    ):
        onsets = np.sort(rng.uniform(0.2, duration - 2.5, size=4))
        notes = [Note(float(t), length, pitch, int(rng.integers(80, 105))) for t in onsets]
        parts.append(Part(name, program, notes))
    staccato = []
    for bar in range(8):  # strings: staccato quavers on C3-G3 in every other half-bar
        if bar % 2:
            continue
        for i in range(8):
            t = 0.25 + bar * 2.0 + i * 0.25
            staccato += [Note(t, 0.12, 48, 92), Note(t, 0.12, 55, 88)]
    parts.append(Part("strings_staccato", 48, staccato))
    return Clip("seven_parts", "examples", 22050, duration, parts,
                "Three piano notes, three clarinet notes and staccato strings, 16 s: the "
                "seven-source experiment of the NMF / SNPA notebooks.")


def _duet(name: str, lead_program: int, lead_label: str, seed: int, progression) -> Clip:
    rng = np.random.default_rng(seed)
    key = Key(int(rng.integers(12)), "major")
    bar_s = 4 * 60 / 96  # 96 bpm
    bars = 10
    duration = bars * bar_s  # 25 s
    guitar = Part("guitar", 25, guitar_arpeggio(key, progression, bars, bar_s, rng))
    lead = Part(lead_label, lead_program,
                melody(key, progression, bars, bar_s, rng, low=62, high=79, start_bar=1),
                modulation=40)

    def zero_db(stems):  # 0 dB target-to-interference ratio, as in SiSEC 2011
        return {lead_label: stems[lead_label],
                "guitar": energy_balance(stems[lead_label], stems["guitar"], 0.0)}

    return Clip(name, "examples", 22050, duration, [guitar, lead],
                f"Steel-string guitar arpeggios and a {lead_label} melody in {key.name}, "
                "mixed at 0 dB, 25 s, in the spirit of SiSEC 2011's two-source mixtures.",
                combine=zero_db, info={"key": key.name, "tempo_bpm": 96,
                                       "progression": list(progression)})


def clip_guitar_voice() -> Clip:
    return _duet("guitar_voice", 52, "voice", 11, PROGRESSIONS["examples"][0])


def clip_guitar_synth() -> Clip:
    return _duet("guitar_synth", 81, "synth", 12, PROGRESSIONS["examples"][1])


def _stereo(name: str, seed: int, progression, lead_program: int, pans, delay_ms) -> Clip:
    rng = np.random.default_rng(seed)
    key = Key(int(rng.integers(12)), str(rng.choice(["major", "minor"])))
    bar_s = 4 * 60 / 100
    bars = 6
    sr = 22050
    parts = [
        Part("lead", lead_program, melody(key, progression, bars, bar_s, rng, low=64, high=81),
             modulation=30),
        Part("piano", 0, piano_chords(key, progression, bars, bar_s, rng)),
        Part("bass", 33, bass_line(key, progression, bars, bar_s, rng)),
    ]
    delays = {"lead": 0, "piano": round(delay_ms * 1e-3 * sr), "bass": 0}

    def pan(stems):
        return {k: stereo_image(stems[k], pans[k], delays[k]) for k in ("lead", "piano", "bass")}

    return Clip(name, "examples", sr, bars * bar_s, parts,
                f"Stereo trio in {key.name}: lead (GM {lead_program}) panned {pans['lead']:+.1f}, "
                f"piano {pans['piano']:+.1f} with its right channel {delay_ms} ms late, bass "
                f"{pans['bass']:+.1f}; constant-power panning, for multichannel Wiener EM.",
                combine=pan,
                info={"pans": pans, "right_channel_delay_samples": delays,
                      "key": key.name, "tempo_bpm": 100})


def clip_stereo_trio() -> Clip:
    return _stereo("stereo_trio", 21, PROGRESSIONS["examples"][0], 71,
                   {"lead": -0.5, "piano": 0.6, "bass": 0.0}, 0.5)


def clip_stereo_voices() -> Clip:
    return _stereo("stereo_voices", 22, PROGRESSIONS["examples"][1], 53,
                   {"lead": 0.3, "piano": -0.7, "bass": 0.1}, 1.0)


UNET_SR = 8192
UNET_DURATION = 16.0  # at least 12 s: one 128-frame patch at hop 768 is 12 s
UNET_SONGS = {"train": 80, "validation": 8, "test": 8}
UNET_SEED = {"train": 1000, "validation": 2000, "test": 3000}


def clip_song(split: str, index: int) -> Clip:
    """One song of the U-Net corpus: a voice-like lead over piano/guitar, bass and drums."""
    rng = np.random.default_rng(UNET_SEED[split] + index)
    programs = PROGRAMS[split]
    pool = PROGRESSIONS[split]
    progression = pool[int(rng.integers(len(pool)))]
    key = Key(int(rng.integers(12)), str(rng.choice(["major", "minor"], p=[0.6, 0.4])))
    tempo = int(rng.integers(84, 133))
    bar_s = 4 * 60 / tempo
    bars = int(np.ceil(UNET_DURATION / bar_s))
    pick = {k: int(rng.choice(v)) for k, v in programs.items()}
    backing = str(rng.choice(["piano", "guitar", "both"]))
    lead_low = int(rng.integers(58, 65))
    parts = [Part("lead", pick["lead"],
                  melody(key, progression, bars, bar_s, rng, low=lead_low, high=lead_low + 16,
                         start_bar=int(rng.integers(0, 2))),
                  modulation=int(rng.integers(20, 60)))]
    if backing in ("piano", "both"):
        parts.append(Part("piano", pick["piano"], piano_chords(key, progression, bars, bar_s, rng)))
    if backing in ("guitar", "both"):
        parts.append(Part("guitar", pick["guitar"],
                          guitar_arpeggio(key, progression, bars, bar_s, rng)))
    parts.append(Part("bass", pick["bass"], bass_line(key, progression, bars, bar_s, rng)))
    parts.append(Part("drums", pick["drums"], drum_pattern(bars, bar_s, rng), drums=True))
    lead_to_accompaniment_db = float(rng.uniform(-2.0, 4.0))

    def lead_and_accompaniment(stems):
        accompaniment = sum(v for k, v in stems.items() if k != "lead")
        return {"lead": stems["lead"],
                "accompaniment": energy_balance(stems["lead"], accompaniment,
                                                lead_to_accompaniment_db)}

    used = {p.name: p.program for p in parts}
    return Clip(f"{split}_{index:03d}", split, UNET_SR, UNET_DURATION, parts,
                f"U-Net {split} song {index}: voice-like lead over {', '.join(used)}.",
                combine=lead_and_accompaniment, store_mixture=False,
                info={"key": key.name, "tempo_bpm": tempo, "progression": list(progression),
                      "programs": used, "lead_to_accompaniment_db":
                      round(lead_to_accompaniment_db, 2), "seed": UNET_SEED[split] + index})


EXAMPLES = {
    "piano_notes": clip_piano_notes,
    "scale_chords": clip_scale_chords,
    "seven_parts": clip_seven_parts,
    "guitar_voice": clip_guitar_voice,
    "guitar_synth": clip_guitar_synth,
    "stereo_trio": clip_stereo_trio,
    "stereo_voices": clip_stereo_voices,
}


def all_clips() -> list[Clip]:
    clips = [make() for make in EXAMPLES.values()]
    for split, count in UNET_SONGS.items():
        clips += [clip_song(split, i) for i in range(count)]
    return clips


# ---------------------------------------------------------------------------
# Writing
# ---------------------------------------------------------------------------


def clip_folder(clip: Clip) -> Path:
    return Path("examples", clip.name) if clip.split == "examples" else Path("unet", clip.split,
                                                                             clip.name)


def render_clip(clip: Clip, out_dir: Path, jobs: int = 1) -> dict:
    """Render, combine, quantise and write one clip; return its manifest entry."""
    n = round(clip.duration * clip.sr)
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        rendered = list(pool.map(lambda p: render_part(p, clip.sr, n), clip.parts))
    stems = {p.name: fade_out(remove_dc(x, clip.sr), clip.sr)
             for p, x in zip(clip.parts, rendered, strict=True)}
    if clip.combine is not None:
        stems = clip.combine(stems)
    stems_q = quantise(stems)
    folder = out_dir / clip_folder(clip)
    folder.mkdir(parents=True, exist_ok=True)
    to_write = dict(stems_q)
    if clip.store_mixture:
        to_write["mixture"] = sum(x.astype(np.int32) for x in stems_q.values()).astype(np.int16)
    files = {}
    for name, x in to_write.items():
        path = folder / f"{name}.flac"
        sf.write(path, x.T, clip.sr, subtype="PCM_16", format="FLAC", compression_level=1.0)
        files[name] = {"path": str(path.relative_to(out_dir)), "sha256": samples_sha256(path)}
    first = next(iter(stems_q.values()))
    return {
        "name": clip.name,
        "split": clip.split,
        "sr": clip.sr,
        "channels": 1 if first.ndim == 1 else int(first.shape[0]),
        "samples": n,
        "duration": clip.duration,
        "stems": list(stems_q),
        "mixture": "stored: mixture.flac, the exact integer sum of the stems" if clip.store_mixture
        else "not stored: the sum of the decoded stems, computed at load time",
        "files": files,
        "description": clip.description,
        "parts": [{"name": p.name, "program": p.program, "drums": p.drums,
                   "notes": len(p.notes)} for p in clip.parts],
        **({"info": clip.info} if clip.info else {}),
        "licence": SOUNDFONT_LICENCE,
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=DATA_DIR, help="output folder (data/)")
    parser.add_argument("--only", nargs="*", help="render only these clips (names)")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--list", action="store_true", help="list the clips and exit")
    args = parser.parse_args(argv)

    clips = all_clips()
    if args.list:
        for clip in clips:
            print(f"{clip.name:16s} {clip.split:10s} {clip.sr:6d} Hz {clip.duration:5.1f} s")
        return 0
    if shutil.which("fluidsynth") is None or not SOUNDFONT.exists():
        print("render.py needs FluidSynth and the FluidR3 Mono soundfont: "
              "sudo apt-get install fluidsynth fluidr3mono-gm-soundfont", file=sys.stderr)
        return 2
    if args.only:
        unknown = set(args.only) - {c.name for c in clips}
        if unknown:
            print(f"unknown clip(s): {sorted(unknown)}; see --list", file=sys.stderr)
            return 2
        clips = [c for c in clips if c.name in args.only]

    start = time.perf_counter()
    entries = []
    for i, clip in enumerate(clips, 1):
        entries.append(render_clip(clip, args.out, jobs=args.jobs))
        print(f"[{i:3d}/{len(clips)}] {clip.name:16s} {time.perf_counter() - start:6.1f} s",
              flush=True)
    manifest_path = args.out / "manifest.json"
    rendered = {entry["name"]: entry for entry in entries}
    if args.only and manifest_path.exists():
        # a partial render updates its clips in the existing manifest and keeps the rest
        previous = json.loads(manifest_path.read_text())["clips"]
        merged = [rendered.pop(e["name"], e) for e in previous] + list(rendered.values())
    else:
        merged = entries
    manifest = {
        "about": "The course's audio corpus, rendered by data/render.py (make data).",
        "made_with": {
            "fluidsynth": fluidsynth_version(),
            "soundfont": SOUNDFONT.name,
            "soundfont_package": "Debian fluidr3mono-gm-soundfont",
            "settings": "one fresh fluidsynth process per part; reverb and chorus off; "
                        "32-bit float output; parts padded, high-passed at 20 Hz (DC offset), "
                        "faded out over 20 ms, one gain per clip, rounded to 16 bit",
        },
        "sha256": "of the decoded int16 samples, little endian, (samples, channels) order",
        "licence": SOUNDFONT_LICENCE,
        "clips": merged,
    }
    if {c.name for c in all_clips()} - {e["name"] for e in merged}:
        manifest["partial"] = True
    (args.out / "manifest.json").write_text(json.dumps(manifest, indent=1) + "\n")
    print(f"wrote {len(entries)} clips to {args.out} in {time.perf_counter() - start:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
