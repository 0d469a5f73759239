"""How fast the shipped audio loads: course_lib.data against librosa.load, in one run.

Prints, for the whole U-Net training split and for the named examples, the seconds each
loader takes, how many times faster than real time that is, and the ratio of the two; and
what the integrity check that load_example makes on every file (its header against
data/manifest.json, before decoding) costs, as a share of the load time.
Run with `make bench` or `python benchmarks/bench_data.py`.
"""

from __future__ import annotations

import time

import librosa
import numpy as np
import soundfile as sf

from course_lib import data


def _best_of(fn, repeats=3):
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main():
    folder = data.data_dir()
    librosa.load(folder / "examples" / "piano_notes" / "piano_C4.flac", sr=None)  # warm up
    for label, names in (
        ("named examples", data.list_examples()),
        ("U-Net train split", data.list_corpus("train")),
    ):
        clips = [data.load_example(n) for n in names]
        audio_seconds = sum(c.duration * len(c.stems) * c.channels for c in clips)
        manifest = data._manifest(folder)["by_name"]
        paths = [folder / manifest[n]["files"][s]["path"] for n in names
                 for s in manifest[n]["stems"]]

        def with_course_lib(names=names):
            for n in names:
                data.load_example(n)

        def with_librosa(paths=paths):
            for p in paths:
                y, _ = librosa.load(p, sr=None, mono=False)
                np.asarray(y)

        def header_checks_only(names=names, manifest=manifest):
            for n in names:
                entry = manifest[n]
                for s in entry["stems"]:
                    path = folder / entry["files"][s]["path"]
                    with sf.SoundFile(path) as audio_file:
                        data._check_header(path, audio_file, entry)

        ours, theirs = _best_of(with_course_lib), _best_of(with_librosa)
        checks = _best_of(header_checks_only)
        print(f"{label}: {len(names)} clips, {audio_seconds:.0f} s of stems")
        for what, seconds in (("course_lib.data.load_example", ours),
                              ("librosa.load (stems only)", theirs)):
            print(f"  {what:30s} {seconds:6.2f} s  ({audio_seconds / seconds:6.0f}x real time)")
        print(f"  ratio librosa / course_lib    {theirs / ours:6.2f}")
        print(f"  header checks (in load_example) {checks:6.3f} s  "
              f"({100 * checks / ours:4.1f} % of its time)")


if __name__ == "__main__":
    main()
