"""How well does the shipped U-Net separate the test songs, against the ideal ratio mask?

On every song of ``data/unet/test`` (8 songs of 16 s at 8192 Hz, whose instrument programs no
training song uses), BSS Eval v4 (``course_lib.metrics.bss_eval``: 1-second frames, median
over frames, as in SiSEC 2018) of the lead and the accompaniment for

- ``U-Net``: ``course_lib.unet.separate`` with the shipped model (mask and mixture phase);
- ``U-Net + Wiener``: the same magnitudes refined by one EM iteration of
  ``course_lib.wiener.wiener``, as open-unmix does (only when ``course_lib.wiener`` exists);
- ``ideal ratio mask``: the oracle ``|S_j| / sum_k |S_k|`` with the same STFT, an upper bound
  for a mask-based method with the mixture phase;
- ``mixture``: the mixture itself as the estimate of both sources, the baseline of NSDR.

NSDR, the score Jansson et al. (2017) report, is a method's SDR minus the mixture's SDR for
the same song and source (the improvement), averaged over songs. It prints the mean over the
songs of SDR / SIR / SAR and NSDR per method and source, and saves the table, the per-song
scores and the timings to ``data/models/unet_test_scores.json`` (and a Markdown copy of the
table to ``data/models/unet_test_scores.md``) so that notebook 06 can show them without
running this.

Run with ``make bench`` or ``python benchmarks/bench_unet.py [--quick] [--no-save]``
(``--quick``: 2 songs, nothing saved). About 45 seconds on a 2-core machine, most of it in
museval. The mixture's SAR is huge (about 214 dB): the mixture has no artifacts, only
interference, so read its SDR and SIR only.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.util
import json
import platform
import time
import warnings
from pathlib import Path

import numpy as np

from course_lib import data, masks, metrics, unet

SOURCES = ("lead", "accompaniment")
SCORES = ("sdr", "sir", "sar")


def ideal_ratio_mask_estimates(song) -> np.ndarray:
    references = song.sources(list(SOURCES))
    stems = np.stack([unet._stft(s) for s in references])
    return masks.apply_masks(
        unet._stft(song.mixture), masks.ideal_ratio_mask(stems), song.sr, n_fft=unet.N_FFT,
        hop_length=unet.HOP_LENGTH, window=unet.WINDOW, length=song.mixture.shape[-1],
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="2 songs, nothing saved")
    parser.add_argument("--no-save", action="store_true", help="do not write data/models/")
    parser.add_argument("--wiener-iterations", type=int, default=1,
                        help="EM iterations of the Wiener refinement (1)")
    args = parser.parse_args()

    import torch

    pretrained = unet.load_pretrained()
    songs = data.load_corpus("test", limit=2 if args.quick else None)
    methods = {
        "U-Net": lambda song: unet.separate(pretrained.model, song.mixture, song.sr).sources(),
    }
    if importlib.util.find_spec("course_lib.wiener") is not None:
        methods[f"U-Net + Wiener ({args.wiener_iterations} EM)"] = lambda song: unet.separate(
            pretrained.model, song.mixture, song.sr, wiener_iterations=args.wiener_iterations,
        ).sources()
    else:
        print("course_lib.wiener is not there: the U-Net + Wiener row is left out")
    methods["ideal ratio mask"] = ideal_ratio_mask_estimates
    methods["mixture"] = lambda song: np.stack([song.mixture] * len(SOURCES))

    per_song = {name: {} for name in methods}
    seconds = {name: {"separate": 0.0, "bss_eval": 0.0} for name in methods}
    for song in songs:
        references = song.sources(list(SOURCES))
        for name, method in methods.items():
            start = time.perf_counter()
            estimates = method(song)
            middle = time.perf_counter()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                result = metrics.bss_eval(references, estimates, song.sr, window=1.0, hop=1.0,
                                          names=list(SOURCES))
            seconds[name]["separate"] += middle - start
            seconds[name]["bss_eval"] += time.perf_counter() - middle
            per_song[name][song.name] = {
                source: {score: float(getattr(result, score)[j]) for score in SCORES}
                for j, source in enumerate(SOURCES)
            }
        print(f"  {song.name}: lead SDR U-Net {per_song['U-Net'][song.name]['lead']['sdr']:6.2f}"
              f", mixture {per_song['mixture'][song.name]['lead']['sdr']:6.2f} dB", flush=True)

    table = {}
    for name in methods:
        table[name] = {}
        for source in SOURCES:
            row = {score: float(np.nanmean([per_song[name][s][source][score]
                                             for s in per_song[name]])) for score in SCORES}
            row["nsdr"] = float(np.nanmean([
                per_song[name][s][source]["sdr"] - per_song["mixture"][s][source]["sdr"]
                for s in per_song[name]
            ]))
            table[name][source] = row

    header = ("| method | source | NSDR | SDR | SIR | SAR |\n"
              "| --- | --- | ---: | ---: | ---: | ---: |\n")
    lines = [
        f"| {name} | {source} | {row['nsdr']:.2f} | {row['sdr']:.2f} | {row['sir']:.2f} | "
        f"{row['sar']:.2f} |"
        for name, sources in table.items() for source, row in sources.items()
    ]
    markdown = (
        f"Mean over the {len(songs)} test songs (BSS Eval v4, 1 s frames, median over frames; "
        "dB; NSDR = SDR - SDR of the mixture)\n\n" + header + "\n".join(lines) + "\n"
    )
    print()
    print(markdown)
    for name, parts in seconds.items():
        print(f"  {name}: separating {parts['separate']:.1f} s, BSS Eval {parts['bss_eval']:.1f} s")

    if not (args.quick or args.no_save):
        folder = data.data_dir() / "models"
        output = {
            "description": "BSS Eval v4 of the shipped U-Net on data/unet/test; see "
                           "benchmarks/bench_unet.py",
            "songs": [song.name for song in songs],
            "bss_eval": {"window_s": 1.0, "hop_s": 1.0, "mode": "images",
                         "summary": "median over frames, then mean over songs"},
            "model": {"config": pretrained.config.get("preset", "cpu"),
                      "best_epoch": pretrained.config.get("best_epoch"),
                      # which weights were scored: notebook 06 and tests/test_unet.py compare
                      # it with the shipped file, to tell a stale table
                      "sha256": hashlib.sha256(pretrained.path.read_bytes()).hexdigest(),
                      "command": pretrained.command},
            "mean": table,
            "per_song": per_song,
            "seconds": seconds,
            "torch_version": torch.__version__,
            "python_version": platform.python_version(),
            "markdown": markdown,
        }
        (folder / "unet_test_scores.json").write_text(json.dumps(output, indent=2) + "\n")
        (folder / "unet_test_scores.md").write_text(markdown)
        print(f"\nsaved {Path(folder, 'unet_test_scores.json')} and unet_test_scores.md")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
