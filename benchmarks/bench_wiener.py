"""How fast and how lean is course_lib.wiener.wiener against norbert.wiener, with the same output?

The input is the STFT of a 30 s stereo clip at 44 100 Hz (``n_fft`` 4096, hop 1024, Hann:
2 x 2049 bins x 1293 frames, complex128), built from the shipped stereo examples
(``stereo_trio``, then ``stereo_voices``, then ``stereo_trio`` again, resampled from
22 050 Hz). The source spectrograms are noisy oracle magnitudes, ``|S_j| exp(0.5 n)``
with ``n`` standard normal: with 2 sources the lead and the accompaniment (piano + bass),
with 4 sources lead, piano, bass and a noise floor of 5 % of the mixture's magnitude.
They are per channel, ``(sources, 2, 2049, 1293)``.

In one run it prints, for 2 and 4 sources and 1 and 3 EM iterations:

1. **Time.** Best-of-N wall-clock seconds of ``course_lib.wiener.wiener(v, x,
   iterations=...)`` and of ``norbert.wiener`` on the same data in norbert's layout
   ``(frames, bins, channels, sources)`` (the transposes are made before the clock
   starts; norbert gets a fresh copy of ``x`` each time, since it divides it in place),
   run in turn within each repeat so that a change of the machine's load hits both alike.
   The ratio is norbert's time over ours; the target is 4x (aim: 10x).
2. **Peak memory.** Each function runs once more in a fresh Python process that loads the
   inputs from ``.npy`` files (norbert's already in its layout, its ``x`` already copied),
   resets the resident set's high-water mark to the current resident size (``5`` into
   ``/proc/self/clear_refs``), calls the function and reads the new high-water mark
   (``VmHWM`` in ``/proc/self/status``): the difference is the extra resident memory the
   call needed at its peak, its output included, the inputs not, in MiB (Linux only).
3. **Agreement.** ``max |ours - norbert| / max |norbert|`` over all the output.

Then the time of ``course_lib.wiener.wiener`` (4 sources, 1 iteration) for several block
sizes (``course_lib.wiener._BLOCK_CELLS``, time-frequency cells per block, and one block for
the whole STFT), which is how the default was chosen.

Run with ``make bench`` or ``python benchmarks/bench_wiener.py [--quick] [--repeats N]``
(``--quick``: a 10 s clip, one repeat, about 30 s). The full run takes about 3 minutes on a
2-core machine, most of it in norbert. The machine's load average is printed: on a busy
machine the times of both suffer, the ratios less.
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from course_lib import audio, data, stft
from course_lib import wiener as course_wiener

SR = 44_100
N_FFT, HOP = 4096, 1024
SEED = 0
SPEEDUP_TARGET = 4.0
BLOCK_SIZES = (4096, 8192, 16384, 32768, 65536, None)   # None: one block


# ---------------------------------------------------------------------------
# Input
# ---------------------------------------------------------------------------


def _clip(seconds):
    """``seconds`` of stereo audio at 44.1 kHz and its stems (lead, piano, bass), float64."""
    parts = [data.load_example(name, dtype=np.float64)
             for name in ("stereo_trio", "stereo_voices", "stereo_trio")]
    stems = np.concatenate([p.sources() for p in parts], axis=-1)   # (3, 2, samples)
    stems = audio.resample(stems.reshape(-1, stems.shape[-1]), parts[0].sr, target_sr=SR)
    stems = stems.reshape(3, 2, -1)[..., : int(round(seconds * SR))]
    return stems.sum(axis=0), stems


def _problem(seconds, n_sources):
    """The mixture STFT (2, F, T) and noisy source magnitudes (J, 2, F, T)."""
    mixture, stems = _clip(seconds)
    x = stft.stft(mixture, SR, n_fft=N_FFT, hop_length=HOP)
    stem_stfts = np.stack([stft.stft(s, SR, n_fft=N_FFT, hop_length=HOP) for s in stems])
    if n_sources == 2:
        oracle = np.abs(np.stack([stem_stfts[0], stem_stfts[1] + stem_stfts[2]]))
    else:
        oracle = np.concatenate([np.abs(stem_stfts), 0.05 * np.abs(x)[np.newaxis]])
    rng = np.random.default_rng(SEED)
    v = oracle * np.exp(0.5 * rng.standard_normal(oracle.shape))
    return np.ascontiguousarray(x), v


def _to_norbert(v, x):
    return (np.ascontiguousarray(v.transpose(3, 2, 1, 0)),
            np.ascontiguousarray(x.transpose(2, 1, 0)))


# ---------------------------------------------------------------------------
# Timing, memory, printing
# ---------------------------------------------------------------------------


def _best_of_interleaved(contenders, repeats):
    """Best wall-clock time of each contender, run in turn within each repeat.

    ``contenders``: name -> (run, setup); ``setup()``'s result is passed to ``run`` and is
    not timed. Returns the best times and the last output of each.
    """
    best, out = dict.fromkeys(contenders, math.inf), {}
    for _ in range(repeats):
        for name, (run, setup) in contenders.items():
            args = setup() if setup is not None else ()
            start = time.perf_counter()
            out[name] = run(*args)
            best[name] = min(best[name], time.perf_counter() - start)
            args = None
    return best, out


def _peak_memory_mib(method, v_path, x_path, iterations):
    """Extra peak RSS of one call in a fresh process, in MiB (see the module docstring)."""
    result = subprocess.run(
        [sys.executable, __file__, "--measure", method, str(v_path), str(x_path),
         str(iterations)],
        capture_output=True, text=True, check=True,
    )
    return float(result.stdout.split()[-1])


def _measure(method, v_path, x_path, iterations):
    """The body of the --measure subprocess: prints the extra peak RSS in MiB."""
    v, x = np.load(v_path), np.load(x_path)
    if method == "norbert":
        import norbert

        def run():
            return norbert.wiener(v, x, iterations=iterations)
    else:
        def run():
            return course_wiener.wiener(v, x, iterations=iterations)
    # ru_maxrss would not do: Linux carries it over fork and exec from the parent, whose
    # peak (building the STFTs) is higher than anything measured here
    Path("/proc/self/clear_refs").write_text("5")      # high-water mark := current RSS
    before = _status_kib("VmRSS")
    output = run()
    after = _status_kib("VmHWM")
    del output
    print((after - before) / 1024)


def _status_kib(field):
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError(f"no {field} in /proc/self/status (the memory column needs Linux)")


def _table(header, rows):
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]

    def line(r):
        return "  ".join(f"{str(c):>{w}}" for c, w in zip(r, widths, strict=True))

    print("  " + line(header))
    print("  " + "  ".join("-" * w for w in widths))
    for r in rows:
        print("  " + line(r))


def _print_environment():
    from importlib.metadata import version

    print(f"python {platform.python_version()}, numpy {np.__version__}, norbert "
          f"{version('norbert')}, {os.cpu_count()} CPU(s) ({platform.machine()})")
    try:
        import threadpoolctl
    except ImportError:
        return
    for info in threadpoolctl.threadpool_info():
        print(f"  {info['user_api']} {info['internal_api']}: {info['num_threads']} thread(s), "
              f"{os.path.basename(info['filepath'])}")


def _print_load(when):
    if hasattr(os, "getloadavg"):
        load = os.getloadavg()[0]
        busy = load > 0.5 * (os.cpu_count() or 1)
        print(f"load average (1 min) {when}: {load:.2f}"
              + ("  (the machine is busy: times are inflated, ratios less so)" if busy else ""))


# ---------------------------------------------------------------------------
# The benchmark
# ---------------------------------------------------------------------------


def compare(seconds, repeats, folder):
    import norbert

    rows, verdicts = [], []
    for n_sources in (2, 4):
        x, v = _problem(seconds, n_sources)
        v_nb, x_nb = _to_norbert(v, x)
        paths = {name: folder / f"{name}_{n_sources}.npy" for name in ("v", "x", "vnb", "xnb")}
        for name, array in zip(paths, (v, x, v_nb, x_nb), strict=True):
            np.save(paths[name], array)
        for iterations in (1, 3):
            times, outputs = _best_of_interleaved({
                "ours": (lambda it=iterations, v=v, x=x: course_wiener.wiener(
                    v, x, iterations=it), None),
                "norbert": (lambda x_copy, it=iterations, v_nb=v_nb: norbert.wiener(
                    v_nb, x_copy, iterations=it), lambda x_nb=x_nb: (x_nb.copy(),)),
            }, repeats)
            reference = outputs["norbert"].transpose(3, 2, 1, 0)
            difference = np.abs(outputs["ours"] - reference).max() / np.abs(reference).max()
            outputs = reference = None
            memory_ours = _peak_memory_mib("ours", paths["v"], paths["x"], iterations)
            memory_nb = _peak_memory_mib("norbert", paths["vnb"], paths["xnb"], iterations)
            speedup = times["norbert"] / times["ours"]
            verdicts.append(speedup >= SPEEDUP_TARGET)
            rows.append([n_sources, iterations, f"{times['norbert']:.3f}",
                         f"{times['ours']:.3f}", f"{speedup:.1f}x", f"{memory_nb:.0f}",
                         f"{memory_ours:.0f}", f"{memory_nb / memory_ours:.1f}x",
                         f"{difference:.1e}"])
        inputs_mib = (x.nbytes + v.nbytes) / 2**20
        print(f"  [{n_sources} sources: x {x.shape} {x.dtype}, v {v.shape} {v.dtype}, "
              f"inputs {inputs_mib:.0f} MiB, output {2 * v.nbytes / 2**20:.0f} MiB]")
    print()
    _table(["sources", "iters", "norbert s", "ours s", "speed-up", "norbert MiB", "ours MiB",
            "memory", "max rel diff"], rows)
    ok = all(verdicts)
    print(f"  target: ours at least {SPEEDUP_TARGET:g}x faster than norbert in every row: "
          + ("PASS" if ok else "MISS"))
    return ok


def block_sizes(seconds, repeats):
    x, v = _problem(seconds, 4)
    default = course_wiener._BLOCK_CELLS
    n_freq, n_frames = x.shape[1:]
    contenders = {}
    for cells in BLOCK_SIZES:
        def run(cells=cells):
            course_wiener._BLOCK_CELLS = cells if cells is not None else n_freq * n_frames
            try:
                return course_wiener.wiener(v, x, iterations=1)
            finally:
                course_wiener._BLOCK_CELLS = default
        contenders[cells] = (run, None)
    times, _ = _best_of_interleaved(contenders, repeats)
    rows = []
    for cells in BLOCK_SIZES:
        bins = n_freq if cells is None else max(1, cells // n_frames)
        label = "one block" if cells is None else str(cells)
        mark = " (default)" if cells == default else ""
        rows.append([label + mark, bins, f"{times[cells]:.3f}",
                     f"{times[cells] / times[default]:.2f}"])
    print(f"\nBlock size: course_lib.wiener.wiener, 4 sources, 1 iteration, best of {repeats}")
    _table(["cells per block", "bins per block", "seconds", "vs default"], rows)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a 10 s clip, one repeat")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--measure", nargs=4, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.measure:
        method, v_path, x_path, iterations = args.measure
        _measure(method, v_path, x_path, int(iterations))
        return
    seconds, repeats = (10.0, 1) if args.quick else (30.0, args.repeats)
    n_frames = 1 + int(round(seconds * SR)) // HOP
    print(f"Wiener / EM benchmark: stereo STFT 2 x {N_FFT // 2 + 1} x {n_frames} "
          f"({seconds:g} s at {SR} Hz, n_fft {N_FFT}, hop {HOP}), complex128, best of "
          f"{repeats}" + (" [--quick]" if args.quick else ""))
    _print_environment()
    _print_load("at the start")
    with tempfile.TemporaryDirectory() as folder:
        compare(seconds, repeats, Path(folder))
    block_sizes(seconds, repeats)
    _print_load("at the end")


if __name__ == "__main__":
    main()
