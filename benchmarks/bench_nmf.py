"""How fast course_lib.nmf is: against scikit-learn, a plain NumPy loop and the GEMM floor.

The input is the magnitude spectrogram of a 30 s clip at 22 050 Hz (64 ms frames, 32 ms
hop: 706 x 937; guitar_voice, 25 s, then the first 5 s of seven_parts, whose silent
lead-in gives 6 all-zero frames, as real recordings have), factorised at rank 25 for 200
iterations with β = EU, KL and IS. In one
run, with the same initial factors and the same dtype on every side (a float64 table,
then a float32 table), it prints the best-of-3 wall-clock time of

- ``course_lib.nmf.nmf`` (no loss tracking),
- scikit-learn's ``NMF(solver="mu")`` (on ``V.T``: scikit-learn factorises samples x
  features, so its W is our H.T and its H our W.T),
- a plain NumPy loop, written the way a first implementation looks,

then the cost of tracking the loss, the "GEMM floor" (the time of the matrix products an
iteration needs, nothing else) and a race between multiplicative updates and
``course_lib.nmf.nmf_gradient`` (Adam on log W, log H) to the same loss.

Run with ``make bench`` or ``python benchmarks/bench_nmf.py [--quick] [--gradient-seconds S]``.
The numbers depend on the BLAS and its thread count, which are printed first.
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import time
import warnings

import numpy as np
import sklearn
import threadpoolctl
from sklearn.decomposition import NMF

from course_lib import data, nmf, stft

BETAS = ("EU", "KL", "IS")
SKLEARN_BETA = {"EU": "frobenius", "KL": "kullback-leibler", "IS": "itakura-saito"}
# Targets: scikit-learn time / ours at least this; ours / GEMM floor at most this.
SPEEDUP_TARGET = {"EU": 1.0, "KL": 1.5, "IS": 1.5}
FLOOR_TARGET = {"EU": 1.5, "KL": 1.5, "IS": 2.0}
RANK = 25
SEED = 0
# Extrapolated times beyond this many seconds are printed as "> 1 day".
ESTIMATE_LIMIT = 86_400.0


# ---------------------------------------------------------------------------
# Input, timing and small helpers
# ---------------------------------------------------------------------------


def _clip(seconds):
    """``seconds`` of mono audio: guitar_voice (25 s), then seven_parts from its start."""
    first, second = data.load_example("guitar_voice"), data.load_example("seven_parts")
    assert first.sr == second.sr and first.channels == second.channels == 1
    y = np.concatenate([first.mixture, second.mixture])
    n = int(round(seconds * first.sr))
    assert y.size >= n, f"the shipped examples hold {y.size / first.sr:.1f} s, asked {seconds}"
    return y[:n].astype(np.float64), first.sr


def _is_floored(V):
    """V with the floor that course_lib.nmf applies for β <= 0 (its ``_is_floor``).

    The clip has silent frames and scikit-learn refuses IS on data with zeros, so every
    contender gets this same floored V for IS.
    """
    return np.maximum(V, max(float(V.max()), 1.0) * np.finfo(V.dtype).eps)


def _loss(V, W, H, beta):
    """The β-divergence of W @ H, in float64.

    With silent frames, KL drives whole columns of H, hence of W @ H, to 0 where V is 0
    too: those bins cost 0, and W @ H is floored at the smallest normal float there (as
    course_lib.nmf does). A 0 of W @ H where V > 0 makes KL and IS infinite: inf.
    """
    V = V.astype(np.float64)
    V_hat = W.astype(np.float64) @ H.astype(np.float64)
    if beta != "EU" and np.any((V_hat == 0) & (V > 0)):
        return math.inf
    return nmf.beta_divergence(V, np.maximum(V_hat, np.finfo(float).tiny), beta)


def _best_of(run, repeats, setup=None):
    """Best wall-clock time of ``run(*setup())`` (setup is not timed) and the last output."""
    best, out = math.inf, None
    for _ in range(repeats):
        args = setup() if setup is not None else ()
        start = time.perf_counter()
        out = run(*args)
        best = min(best, time.perf_counter() - start)
    return best, out


def _best_of_interleaved(contenders, repeats):
    """``_best_of`` for several contenders, run in turn within each repeat, so that a change
    of the machine's load hits them all alike. ``contenders``: name -> (run, setup)."""
    best, out = dict.fromkeys(contenders, math.inf), {}
    for _ in range(repeats):
        for name, (run, setup) in contenders.items():
            t, out[name] = _best_of(run, 1, setup)
            best[name] = min(best[name], t)
    return best, out


def _verdict(ok):
    return "PASS" if ok else "MISS"


def _table(header, rows, align=None):
    """Print rows of strings as columns; ``align``: one of "<" / ">" per column."""
    align = align or ["<"] + [">"] * (len(header) - 1)
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]

    def line(r):
        return "  ".join(f"{str(c):{a}{w}}" for c, a, w in zip(r, align, widths, strict=True))

    print("  " + line(header))
    print("  " + "  ".join("-" * w for w in widths))
    for r in rows:
        print("  " + line(r))


def _print_load(when, warn=True):
    """The load average: other processes on the machine make every timing here unreliable
    (OpenBLAS threads that wait for a busy core slow down far more than in proportion)."""
    if not hasattr(os, "getloadavg"):
        return
    load = os.getloadavg()[0]
    busy = warn and load > 0.5 * (os.cpu_count() or 1)
    print(f"load average (1 min) {when}: {load:.2f}"
          + ("  WARNING: the machine is busy, the timings are not reliable" if busy else ""))


def _print_environment():
    print(f"python {platform.python_version()}, numpy {np.__version__}, "
          f"scikit-learn {sklearn.__version__}, {os.cpu_count()} CPU(s) ({platform.machine()})")
    print("BLAS / OpenMP thread pools (threadpoolctl.threadpool_info()):")
    for info in threadpoolctl.threadpool_info():
        where = os.path.basename(os.path.dirname(info["filepath"]))
        print(f"  {info['user_api']:6s} {info['internal_api']} {info.get('version') or ''} "
              f"[{info.get('architecture') or '-'}], {info['num_threads']} thread(s), "
              f"from {where}/{os.path.basename(info['filepath'])}")


# ---------------------------------------------------------------------------
# The three contenders
# ---------------------------------------------------------------------------


def _ours(V, beta, n_iter, W0, H0, loss_every=0):
    result = nmf.nmf(V, RANK, beta=beta, n_iter=n_iter, loss_every=loss_every, init=(W0, H0))
    return result.W, result.H


def _sklearn(V, beta, n_iter, W_sk0, H_sk0):
    """scikit-learn on X = V.T ≈ W_sk H_sk, W_sk = our H.T, H_sk = our W.T.

    It updates W_sk then H_sk, i.e. our H then our W (the reverse of our order), and
    modifies the factors it is given in place: the caller passes fresh copies. Its own
    overheads (a loss at the start and one at the end for ``reconstruction_err_``) count.
    """
    model = NMF(n_components=RANK, solver="mu", beta_loss=SKLEARN_BETA[beta], max_iter=n_iter,
                tol=0, init="custom", alpha_W=0, alpha_H=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        W_sk = model.fit_transform(V.T, W=W_sk0, H=H_sk0)
    return model.components_.T, W_sk.T


def _plain(V, beta, n_iter, W, H):
    """Multiplicative updates as a first implementation writes them (the blog's style):
    np.dot, W @ H recomputed wherever it appears, no buffers, W then H, IS exponent 1/2.

    The eps in the divisions is the usual first-implementation guard; without it the
    clip's silent frames give 0/0 = NaN (they drive columns of H, hence of W @ H, to 0).
    It is the smallest normal float, so that it changes nothing else (a larger one, say
    1e-12, would exceed IS's floor of V in float64 and change the result).
    """
    eps = np.finfo(V.dtype).tiny
    for _ in range(n_iter):
        if beta == "EU":
            W = W * np.dot(V, H.T) / (np.dot(np.dot(W, H), H.T) + eps)
            H = H * np.dot(W.T, V) / (np.dot(W.T, np.dot(W, H)) + eps)
        elif beta == "KL":
            W = W * np.dot(V / (np.dot(W, H) + eps), H.T) / (np.sum(H, axis=1) + eps)
            H = H * np.dot(W.T, V / (np.dot(W, H) + eps)) / (np.sum(W, axis=0)[:, None] + eps)
        else:  # IS
            W = W * (np.dot(V / (np.dot(W, H) + eps) ** 2, H.T)
                     / (np.dot(1 / (np.dot(W, H) + eps), H.T) + eps)) ** 0.5
            H = H * (np.dot(W.T, V / (np.dot(W, H) + eps) ** 2)
                     / (np.dot(W.T, 1 / (np.dot(W, H) + eps)) + eps)) ** 0.5
    return W, H


# ---------------------------------------------------------------------------
# The GEMM floor
# ---------------------------------------------------------------------------

# The matrix products ONE iteration of course_lib.nmf.nmf makes (W and H both updated,
# loss_every=0, no normalisation), read from course_lib/nmf.py (nmf, _mu_step_W,
# _mu_step_H, _beta_terms). F = freq, N = frames, K = rank; a product of an (m, k) by a
# (k, n) matrix costs 2 m k n flops. Layouts as in the module: "NN" both operands
# C-contiguous; "NT" b is the transpose view of a C-contiguous array (X @ H.T); "TN" a is
# (W.T @ X); "XXt" / "XtX" a matrix times its own transpose view (H @ H.T, W.T @ W:
# numpy may call syrk for these). The (freq, frames) operands (V, V / WH, ...) are
# C-contiguous, as in the module, which copies V to C order first (course_lib.stft
# returns Fortran-ordered spectrograms) and writes W @ H into a preallocated array; the
# floor preallocates its outputs too.
#
#   EU (W @ H is never formed):
#     W: V @ H.T        (F,N)(N,K)  NT    2FNK
#        H @ H.T        (K,N)(N,K)  XXt   2K²N
#        W @ (H H.T)    (F,K)(K,K)  NN    2FK²
#     H: W.T @ V        (K,F)(F,N)  TN    2KFN
#        W.T @ W        (K,F)(F,K)  XtX   2K²F
#        (W.T W) @ H    (K,K)(K,N)  NN    2K²N
#   KL (denominators are row / column sums, no product):
#     W @ H             (F,K)(K,N)  NN    2FKN   (with the old W)
#     W: (V / WH) @ H.T (F,N)(N,K)  NT    2FNK
#     W @ H             (F,K)(K,N)  NN    2FKN   (with the new W)
#     H: W.T @ (V / WH) (K,F)(F,N)  TN    2KFN
#   IS:
#     W @ H             twice, as KL
#     W: (V/WH²) @ H.T and (1/WH) @ H.T          2 x (F,N)(N,K) NT
#     H: W.T @ (V/WH²) and W.T @ (1/WH)          2 x (K,F)(F,N) TN
PRODUCTS = {
    "EU": [("V @ H.T", "NT", "FNK", 1), ("H @ H.T", "XXt", "KNK", 1),
           ("W @ HHt", "NN", "FKK", 1), ("W.T @ V", "TN", "KFN", 1),
           ("W.T @ W", "XtX", "KFK", 1), ("WtW @ H", "NN", "KKN", 1)],
    "KL": [("W @ H", "NN", "FKN", 2), ("R @ H.T", "NT", "FNK", 1), ("W.T @ R", "TN", "KFN", 1)],
    "IS": [("W @ H", "NN", "FKN", 2), ("R @ H.T", "NT", "FNK", 2), ("W.T @ R", "TN", "KFN", 2)],
}


def _operands(layout, m, k, n, dtype, rng):
    def rand(*shape):
        return rng.uniform(0.5, 1.5, size=shape).astype(dtype)

    if layout == "NN":
        return rand(m, k), rand(k, n)
    if layout == "NT":
        return rand(m, k), rand(n, k).T
    if layout == "TN":
        return rand(k, m).T, rand(k, n)
    if layout == "XXt":  # H @ H.T, H C-contiguous
        X = rand(m, k)
        return X, X.T
    if layout == "XtX":  # W.T @ W, W C-contiguous
        X = rand(k, m)
        return X.T, X
    raise ValueError(layout)


def _gemm_floor(beta, F, N, dtype, n_iter):
    """The products of ``n_iter`` iterations, alone: a function that runs them, and flops.

    Timed among the contenders (in ``_best_of_interleaved``), so that the floor and the
    times it is compared with see the same load on the machine.
    """
    rng = np.random.default_rng(1)
    dims = {"F": F, "N": N, "K": RANK}
    products, flops = [], 0.0
    for _label, layout, shape, count in PRODUCTS[beta]:
        m, k, n = (dims[c] for c in shape)
        a, b = _operands(layout, m, k, n, dtype, rng)
        assert a.shape == (m, k) and b.shape == (k, n)
        products += [(a, b, np.empty((m, n), dtype=dtype))] * count
        flops += count * 2.0 * m * k * n * n_iter

    def run():
        for _ in range(n_iter):
            for a, b, out in products:
                np.matmul(a, b, out=out)

    return run, flops


def _describe_products(beta):
    parts = []
    for _label, _layout, shape, count in PRODUCTS[beta]:
        parts.append(f"{count}x{shape}" if count > 1 else shape)
    return " + ".join(parts)


# ---------------------------------------------------------------------------
# Multiplicative updates against Adam (nmf_gradient)
# ---------------------------------------------------------------------------


def _time_to_reach(times, losses, target):
    """(seconds, reached): when ``losses`` first reach ``target``, or an extrapolation.

    Extrapolation, when the target is not reached: a least-squares line of the loss
    against log(time) over the last half of the run (the recorded losses with
    t >= t_end / 2), followed to the target. If the loss keeps decaying like a power of
    t towards its limit, it is convex in log(time) and its slope keeps shrinking, so the
    straight line is optimistic: read the estimate as a lower bound. A flat or rising
    line gives inf (no progress in sight).
    """
    times, losses = np.asarray(times), np.asarray(losses)
    hit = np.flatnonzero(losses <= target)
    if hit.size:
        return float(times[hit[0]]), True
    last_half = times >= times[-1] / 2
    if last_half.sum() < 3:
        return math.nan, False
    slope, intercept = np.polyfit(np.log(times[last_half]), losses[last_half], 1)
    if slope >= 0:
        return math.inf, False
    return float(np.exp((target - intercept) / slope)), False


def _race(V, n_iter, seconds, repeats):
    """Rows of the race table: MU for n_iter iterations, then Adam until its loss."""
    F, N = V.shape
    # nmf_gradient starts from W = exp(A), H = exp(B), A and B standard normal drawn
    # from default_rng(random_state) in that order; MU gets exactly these factors, so both
    # start from the same point (checked below through the initial loss).
    rng = np.random.default_rng(SEED)
    W0, H0 = np.exp(rng.standard_normal((F, RANK))), np.exp(rng.standard_normal((RANK, N)))
    rows = []
    for beta in ("KL", "EU"):
        mu_seconds, (W, H) = _best_of(lambda beta=beta: _ours(V, beta, n_iter, W0, H0),
                                      repeats)
        target = _loss(V, W, H, beta)
        start = time.perf_counter()
        result = nmf.nmf_gradient(V, RANK, beta=beta, lr=0.1, n_steps=10**9, random_state=SEED,
                                  time_limit=seconds, loss_every=10)
        wall = time.perf_counter() - start
        same_start = math.isclose(result.initial_loss, _loss(V, W0, H0, beta), rel_tol=1e-9)
        t, reached = _time_to_reach(result.times, result.losses, target)
        best = float(result.losses.min())
        rows.append(dict(beta=beta, target=target, mu_seconds=mu_seconds, wall=wall,
                         steps=result.n_iter, best=best, seconds=t, reached=reached,
                         same_start=same_start))
    return rows


# ---------------------------------------------------------------------------
# main
# ---------------------------------------------------------------------------


def _parse(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="smoke run: a 5 s clip, 20 iterations, one repeat")
    parser.add_argument("--gradient-seconds", type=float, default=None,
                        help="time cap of each nmf_gradient run (default 120; 1 with --quick)")
    args = parser.parse_args(argv)
    if args.gradient_seconds is None:
        args.gradient_seconds = 1.0 if args.quick else 120.0
    if not args.gradient_seconds > 0:
        parser.error("--gradient-seconds must be positive")
    return args


def main(argv=None):
    args = _parse(argv)
    seconds, n_iter, repeats = (5.0, 20, 1) if args.quick else (30.0, 200, 5)
    y, sr = _clip(seconds)
    V64 = np.abs(stft.stft(y, sr))  # default 64 ms frame, 32 ms hop
    F, N = V64.shape
    W0 = np.random.default_rng(SEED).uniform(0.5, 1.5, size=(F, RANK))
    H0 = np.random.default_rng(SEED + 1).uniform(0.5, 1.5, size=(RANK, N))
    scale = np.sqrt(V64.mean() / RANK)  # the scale of course_lib's and sklearn's random init
    W0, H0 = scale * W0, scale * H0

    print(f"NMF benchmark: V {F} x {N} ({seconds:g} s at {sr} Hz, 64 ms frames, 32 ms hop), "
          f"rank {RANK}, {n_iter} iterations, best of {repeats}"
          + (" [--quick]" if args.quick else ""))
    _print_environment()
    _print_load("at the start")

    results = {"shape": (F, N), "n_iter": n_iter, "speed": [], "floor": [], "tracking": [],
               "race": []}
    verdicts = []
    for dtype in (np.float64, np.float32):
        name = np.dtype(dtype).name
        speed_rows, floor_rows = [], []
        for beta in BETAS:
            V = V64.astype(dtype)
            if beta == "IS":
                V = _is_floored(V)
            W0d, H0d = W0.astype(dtype), H0.astype(dtype)
            floor_run, flops = _gemm_floor(beta, F, N, dtype, n_iter)
            times, outs = _best_of_interleaved({
                "GEMM floor": (floor_run, None),
                "ours": (lambda V=V, b=beta, W0d=W0d, H0d=H0d: _ours(V, b, n_iter, W0d, H0d),
                         None),
                "sklearn": (lambda Wsk, Hsk, V=V, b=beta: _sklearn(V, b, n_iter, Wsk, Hsk),
                            lambda W0d=W0d, H0d=H0d: (H0d.T.copy(), W0d.T.copy())),
                "plain": (lambda V=V, b=beta, W0d=W0d, H0d=H0d: _plain(V, b, n_iter, W0d, H0d),
                          None),
                "ours, loss_every=1": (lambda V=V, b=beta, W0d=W0d, H0d=H0d:
                                       _ours(V, b, n_iter, W0d, H0d, loss_every=1), None),
            }, repeats)
            t_ours, t_sk, t_plain = times["ours"], times["sklearn"], times["plain"]
            t_track, t_floor = times["ours, loss_every=1"], times["GEMM floor"]
            (W, H), (W_sk, H_sk), (W_pl, H_pl) = outs["ours"], outs["sklearn"], outs["plain"]

            loss = _loss(V, W, H, beta)
            loss_sk, loss_pl = _loss(V, W_sk, H_sk, beta), _loss(V, W_pl, H_pl, beta)
            speedup, floor_ratio = t_sk / t_ours, t_ours / t_floor
            ok_speed = speedup >= SPEEDUP_TARGET[beta]
            ok_floor = floor_ratio <= FLOOR_TARGET[beta]
            verdicts += [(f"{name} {beta} vs scikit-learn", ok_speed),
                         (f"{name} {beta} vs GEMM floor", ok_floor)]
            speed_rows.append([
                beta, f"{t_ours:.3f}", f"{t_sk:.3f}", f"{t_plain:.3f}",
                f"{speedup:.2f}x", f"{t_plain / t_ours:.2f}x",
                f">= {SPEEDUP_TARGET[beta]:.1f}x {_verdict(ok_speed)}",
                f"{loss:.6g}", f"{loss_sk / loss - 1:+.1e}", f"{loss_pl / loss - 1:+.1e}"])
            floor_rows.append([
                beta, _describe_products(beta), f"{flops / 1e9:.1f}", f"{t_floor:.3f}",
                f"{flops / t_floor / 1e9:.1f}", f"{t_ours:.3f}", f"{flops / t_ours / 1e9:.1f}",
                f"{floor_ratio:.2f}x", f"<= {FLOOR_TARGET[beta]:.1f}x {_verdict(ok_floor)}"])
            results["speed"].append(dict(dtype=name, beta=beta, ours=t_ours, sklearn=t_sk,
                                         plain=t_plain, loss=loss,
                                         loss_sklearn=loss_sk,
                                         loss_plain=loss_pl))
            results["floor"].append(dict(dtype=name, beta=beta, floor=t_floor, flops=flops,
                                         ours=t_ours))
            results["tracking"].append(dict(dtype=name, beta=beta, loss_every_0=t_ours,
                                            loss_every_1=t_track))

        print(f"\n{name}: seconds for {n_iter} iterations (same initial factors everywhere)")
        _table(["beta", "course_lib", "sklearn", "plain", "sklearn/ours", "plain/ours",
                "target", "loss (ours)", "sklearn vs ours", "plain vs ours"],
               speed_rows, align=["<"] + [">"] * 5 + ["<"] + [">"] * 3)
        print("  sklearn vs ours, plain vs ours: final loss relative to ours (scikit-learn updates"
              " H before W,\n    so a few % apart is expected; inf: W @ H has exact zeros where"
              " V > 0).")
        print(f"\n{name}: GEMM floor, the matrix products alone (best of {repeats}, timed in turn "
              "with the contenders above); "
              f"F={F}, N={N}, K={RANK}, products per iteration as listed in the comment "
              "above PRODUCTS")
        _table(["beta", "products/iteration", "GFLOP", "floor s", "floor GFLOP/s",
                "ours s", "ours GFLOP/s", "ours/floor", "target"],
               floor_rows, align=["<", "<"] + [">"] * 6 + ["<"])

    print(f"\nLoss tracking: course_lib.nmf with loss_every=1 against loss_every=0 "
          f"({n_iter} iterations, best of {repeats})")
    rows = []
    for r in results["tracking"]:
        extra = r["loss_every_1"] - r["loss_every_0"]
        rows.append([r["dtype"], r["beta"], f"{r['loss_every_0']:.3f}",
                     f"{r['loss_every_1']:.3f}", f"{r['loss_every_1'] / r['loss_every_0']:.2f}x",
                     f"{extra / n_iter * 1e3:.2f}"])
    _table(["dtype", "beta", "loss_every=0 s", "loss_every=1 s", "ratio", "ms per loss"], rows,
           align=["<", "<", ">", ">", ">", ">"])

    print(f"\nnmf_gradient (Adam, lr=0.1, loss every 10 steps, float64, cap "
          f"{args.gradient_seconds:g} s) against the loss of {n_iter} multiplicative updates "
          f"(float64, loss_every=0), both from the same start (random_state={SEED})")
    results["race"] = _race(V64, n_iter, args.gradient_seconds, repeats)
    rows = []
    for r in results["race"]:
        if r["reached"]:
            when = f"{r['seconds']:.2f}"
        elif r["seconds"] <= ESTIMATE_LIMIT:
            when = f"not reached (est. >= {r['seconds']:.3g})"
        elif math.isfinite(r["seconds"]):  # the trend is almost flat: no arrival in sight
            when = "not reached (est. > 1 day)"
        else:
            when = "not reached (no trend)"
        ratio = r["seconds"] / r["mu_seconds"] if r["seconds"] <= ESTIMATE_LIMIT else math.inf
        rows.append([r["beta"], f"{r['target']:.6g}", f"{r['mu_seconds']:.3f}",
                     f"{r['steps']}", f"{r['wall']:.1f}", f"{r['best']:.6g}",
                     f"{r['best'] / r['target'] - 1:+.2%}", when,
                     f"{ratio:.3g}x" if math.isfinite(ratio) else "-",
                     "yes" if r["same_start"] else "NO"])
    _table(["beta", "MU loss", "MU s", "Adam steps", "Adam s", "Adam best loss",
            "best vs MU", "Adam s to MU loss", "Adam/MU", "same start"], rows)
    print("  est.: the loss against log(time) over the last half of the run, extended as a"
          " straight line\n    to the MU loss; the curve flattens, so this is a lower bound.")

    _print_load("at the end, this benchmark's own threads included", warn=False)
    misses = [what for what, ok in verdicts if not ok]
    print(f"\nTargets: {len(verdicts) - len(misses)} PASS, {len(misses)} MISS"
          + (f" ({', '.join(misses)})" if misses else ""))
    return results


if __name__ == "__main__":
    main()
