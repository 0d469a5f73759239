"""Does the second NMF cluster NMF bases better than MFCC + k-means? Over many seeds, in one run.

The reference blog (after Spiertz & Gnann, DAFx 2009) reports, by listening, that the
second-NMF clustering separates better than MFCC + k-means. This benchmark measures it on
``guitar_voice`` and ``guitar_synth`` (25 s each, 22 050 Hz, mono) with the blog's
settings: Hamming-window magnitude spectrogram with 64 ms frames and a 32 ms hop, KL-NMF
with 25 bases and 200 iterations (W and H rescaled to equal norms after each iteration,
as the blog's ``norm_H=False`` does), then the clustering defaults of
``course_lib.clustering``. For every seed (it seeds the first NMF and the clustering) it
scores, with BSS Eval v4 (``metrics.bss_eval``: 1 s frames, median over frames):

- ``mixture``: no separation, the mixture itself as each estimate (the same for every seed);
- ``kmeans``: MFCC (C0-C8, standardised) + k-means++ (10 restarts);
- ``2nd NMF``: the second NMF (EU, 100 iterations, columns of A normalised to sum to 1);
- ``2nd NMF, no norm``: the same without the normalisation (the blog's warning);
- ``oracle clustering``: each basis to the true source with most energy in its masked
  signal (``clustering.oracle_labels``): the best these bases allow;
- ``IRM``: the ideal ratio mask (``masks.oracle_estimates``), the overall upper bound.

The mixture's SAR is about 210 dB: the mixture is an exact sum of the references, so
BSS Eval finds no artefacts in it (only interference).

Clusters are matched to the references with ``metrics.match_sources``. It prints mean ±
standard deviation over the seeds of SDR / SIR / SAR per source, and the paired
comparison of the second NMF with k-means: the per-seed difference of their SDR averaged
over the two sources. The claim is said to **hold** when that difference is positive on
average and a two-sided Wilcoxon signed-rank test over the seeds gives p < 0.05; to be
**reversed** when it is negative with p < 0.05; otherwise it is **not shown**.

Run with ``make bench`` or ``python benchmarks/bench_clustering.py [--seeds N] [--quick]``
(``--quick``: 3 seeds, for a smoke test). About 70 s for 10 seeds on a 2-core machine.
"""

from __future__ import annotations

import argparse
import time
import warnings

import numpy as np
from scipy.stats import wilcoxon
from tqdm import tqdm

from course_lib import clustering, data, masks, metrics, nmf, stft

CLIPS = ("guitar_voice", "guitar_synth")
RANK = 25
N_ITER = 200
WINDOW = "hamming"
METHODS = ("mixture", "kmeans", "2nd NMF", "2nd NMF, no norm", "oracle clustering", "IRM")
METRICS = ("sdr", "sir", "sar")


def _score(references, estimates, sr, names):
    result = metrics.bss_eval(references, estimates, sr, names=names)
    return np.stack([getattr(result, m) for m in METRICS])  # (metrics, sources)


def _separate(X, fit, labels, sr, references, names, length):
    estimates = nmf.component_signals(X, fit.W, fit.H, sr, groups=labels, window=WINDOW,
                                      length=length)
    perm = metrics.match_sources(references, estimates)
    return _score(references, estimates[perm], sr, names)


def run_clip(name, seeds, timings, notes):
    example = data.load_example(name)
    sr, names = example.sr, example.stem_names
    mixture = example.mixture.astype(np.float64)
    references = example.sources().astype(np.float64)
    n_fft, hop_length = stft.frame_params(sr)
    X = stft.stft(mixture, sr, window=WINDOW)
    V = np.abs(X)
    stem_stfts = np.stack([stft.stft(r, sr, window=WINDOW) for r in references])

    scores = {m: [] for m in METHODS}  # method -> list over seeds of (metrics, sources)
    fixed = {
        "mixture": _score(references, np.stack([mixture] * len(names)), sr, names),
        "IRM": _score(references, masks.oracle_estimates(example, kind="irm", window=WINDOW),
                      sr, names),
    }
    agree = {"kmeans": 0, "2nd NMF": 0, "2nd NMF, no norm": 0}
    sizes = {m: [] for m in agree}
    fills = {m: 0 for m in agree}
    for seed in tqdm(seeds, desc=f"{name} ({len(seeds)} seeds)", unit="seed"):
        start = time.perf_counter()
        fit = nmf.nmf(V, RANK, beta="KL", n_iter=N_ITER, normalize="energy",
                      random_state=seed, loss_every=0)
        timings["first NMF (25 bases, 200 KL iterations)"].append(time.perf_counter() - start)

        start = time.perf_counter()
        feats = clustering.basis_features(fit.W, sr, n_fft)
        timings["features"].append(time.perf_counter() - start)
        labelings = {}
        for method, options in (("kmeans", dict(method="kmeans")),
                                ("2nd NMF", dict(method="nmf")),
                                ("2nd NMF, no norm", dict(method="nmf", normalize=None))):
            start = time.perf_counter()
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always", UserWarning)
                result = clustering.cluster_features(feats, len(names), random_state=seed,
                                                     **options)
            timings[f"clustering: {method}"].append(time.perf_counter() - start)
            fills[method] += bool(result.filled)
            notes.extend(str(w.message) for w in caught if "came out empty" not in
                         str(w.message))
            labelings[method] = result.labels
            sizes[method].append(sorted(result.sizes.tolist()))
        start = time.perf_counter()
        labelings["oracle clustering"] = clustering.oracle_labels(fit.W, fit.H, stem_stfts)
        timings["oracle labels"].append(time.perf_counter() - start)

        for method, labels in labelings.items():
            start = time.perf_counter()
            scores[method].append(_separate(X, fit, labels, sr, references, names,
                                            mixture.size))
            timings["resynthesis + match + BSS Eval"].append(time.perf_counter() - start)
            if method in agree:  # the same partition as the oracle (up to renaming)?
                oracle = labelings["oracle clustering"]
                agree[method] += all(len(set(oracle[labels == c])) == 1 for c in set(labels)) \
                    and len(set(labels)) == len(set(oracle))
    for method, value in fixed.items():
        scores[method] = [value] * len(seeds)
    return names, {m: np.stack(v) for m, v in scores.items()}, agree, sizes, fills


def print_table(name, names, scores, n_seeds):
    print(f"\n{name}: BSS Eval v4 in dB, mean ± std over {n_seeds} seeds "
          "(mixture and IRM do not depend on the seed)")
    header = f"{'method':<19}" + "".join(f"{s + ' ' + m.upper():>15}" for s in names
                                         for m in METRICS) + f"{'mean SDR':>15}"
    print(header)
    for method, values in scores.items():  # values: (seeds, metrics, sources)
        cells = "".join(
            f"{values[:, i, j].mean():>8.2f} ±{values[:, i, j].std():>5.2f}"
            for j in range(len(names)) for i in range(len(METRICS)))
        mean_sdr = values[:, 0, :].mean(axis=1)
        print(f"{method:<19}{cells}{mean_sdr.mean():>8.2f} ±{mean_sdr.std():>5.2f}")


def verdict(scores):
    nmf_sdr = scores["2nd NMF"][:, 0, :].mean(axis=1)
    kmeans_sdr = scores["kmeans"][:, 0, :].mean(axis=1)
    diff = nmf_sdr - kmeans_sdr
    wins, losses = int(np.sum(diff > 0)), int(np.sum(diff < 0))
    if np.all(diff == 0):
        p = 1.0
    else:
        p = float(wilcoxon(nmf_sdr, kmeans_sdr, zero_method="wilcox").pvalue)
    if diff.mean() > 0 and p < 0.05:
        text = "HOLDS"
    elif diff.mean() < 0 and p < 0.05:
        text = "REVERSED (k-means is better)"
    else:
        text = "NOT SHOWN (no significant difference)"
    print(f"  second NMF - k-means, mean SDR over the sources, paired by seed: "
          f"{diff.mean():+.2f} ± {diff.std():.2f} dB; second NMF better on {wins}, worse on "
          f"{losses}, equal on {diff.size - wins - losses} seeds; Wilcoxon p = {p:.3g}")
    print(f"  'second NMF beats k-means': {text}")
    return text


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", type=int, default=10, help="number of seeds (default 10)")
    parser.add_argument("--quick", action="store_true", help="3 seeds, a smoke test")
    args = parser.parse_args()
    seeds = list(range(3 if args.quick else args.seeds))
    print(f"NMF basis clustering: {', '.join(CLIPS)}; {RANK} bases, {N_ITER} KL iterations, "
          f"64 ms / 32 ms {WINDOW} frames; seeds {seeds[0]}..{seeds[-1]}")
    timings = {k: [] for k in ("first NMF (25 bases, 200 KL iterations)", "features",
                               "clustering: kmeans", "clustering: 2nd NMF",
                               "clustering: 2nd NMF, no norm", "oracle labels",
                               "resynthesis + match + BSS Eval")}
    notes: list[str] = []
    total = time.perf_counter()
    verdicts = {}
    for name in CLIPS:
        names, scores, agree, sizes, fills = run_clip(name, seeds, timings, notes)
        print_table(name, names, scores, len(seeds))
        verdicts[name] = verdict(scores)
        for method in agree:
            print(f"  {method}: same partition as the oracle on {agree[method]} of "
                  f"{len(seeds)} seeds; an empty cluster filled on {fills[method]}; cluster "
                  f"sizes {sizes[method]}")
    print("\nTimes per call, mean over the runs (s):")
    for key, values in timings.items():
        print(f"  {key:<42}{np.mean(values):8.3f}  (x{len(values)})")
    print(f"Total: {time.perf_counter() - total:.1f} s")
    for note in sorted(set(notes)):
        print("warning:", note)
    print("Verdicts:", verdicts)


if __name__ == "__main__":
    main()
