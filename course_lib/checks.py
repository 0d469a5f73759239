"""Homework feedback: run a student's function against the course's reference and explain.

Used by the homework notebooks in ``notebooks/homework/`` (their Otter tests call these
functions, so the message a student sees in ``grader.check("hw01_q2")`` is the one
written here).

Each ``check_<name>(student_function)`` calls the student's function on fresh random
inputs (a new seed every run; ``seed=`` repeats one), compares the result with the
``course_lib`` reference and prints a short verdict: either that it passes, or the first
difference in words (wrong shape, axes swapped, off by a constant factor, conjugated,
NaN where an input is zero, an argument changed in place, too slow by 100x, ...). It
never shows a bare traceback: an exception raised by the student's code is reported
with the line of the student's code that raised it. While the student's function runs,
the functions it is compared against (``course_lib.stft.stft``, ``librosa.stft``, ...)
are hidden, so an answer that only calls the reference fails and says why.

Shapes follow the course (see each topic's module): spectrograms ``(freq, frames)``,
frames of a signal ``(n_fft, frames)``, NMF ``V ≈ W @ H`` with ``W`` ``(freq, rank)``
and ``H`` ``(rank, frames)`` (SNPA's weights: one column of ``H`` per data column), a mel
filterbank ``(n_mels, 1 + n_fft // 2)``, a source image ``(channels, freq, frames)`` with its
spatial covariance matrices ``(channels, channels, freq)``, multichannel Wiener gains
``(channels, channels, freq, frames)``.

- ``check_<name>(fn, *, seed=None, strict=False)``: print the verdict and return a
  :class:`CheckResult` (truthy when it passed); with ``strict=True`` print nothing and
  raise :class:`CheckFailed` (an ``AssertionError``) on failure, which is what the
  Otter tests do;
- :data:`CHECKS`: every check by exercise name; :func:`run_check` runs one by name.

Nothing here modifies the student's arguments; the check itself verifies that the
student's function does not modify its own.
"""

from __future__ import annotations

import contextlib
import dis
import importlib
import inspect
import linecache
import math
import os
import signal
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ._validation import ParameterError, check_bool

__all__ = [
    "CHECKS",
    "CheckFailed",
    "CheckResult",
    "run_check",
    "check_frame_signal",
    "check_framed_dft",
    "check_kl_divergence",
    "check_kl_update_h",
    "check_hz_to_mel",
    "check_mel_filterbank",
    "check_spa_step",
    "check_project_simplex",
    "check_wiener_gain_2ch",
    "check_local_gaussian_model",
    "check_conv_transpose_1d",
    "check_transposed_output_length",
]

#: A student's function slower than this many times the reference fails the check.
SLOWDOWN_LIMIT = 100.0
#: ... but only when it also takes longer than this (seconds): tiny inputs time noisily.
SLOW_FLOOR_SECONDS = 0.5
#: The longest a student's function may run on one input before the check gives up.
CALL_LIMIT_SECONDS = 20.0

_COURSE_DIR = str(Path(__file__).resolve().parent)
_SYSTEM_DIRS = tuple({os.path.realpath(p) for p in (sys.prefix, sys.base_prefix,
                                                    sys.exec_prefix)})


class CheckFailed(AssertionError):
    """A homework check did not pass; the message says why, in words."""


@dataclass(frozen=True)
class CheckResult:
    """The verdict of one check: its name, whether it passed, and the message."""

    name: str
    passed: bool
    message: str

    def __bool__(self) -> bool:
        return self.passed

    def __str__(self) -> str:
        return self.message


class _Fail(Exception):
    """Internal: the first difference found, as a message for the student."""


class _ReferenceUsed(Exception):
    def __init__(self, qualname: str):
        super().__init__(qualname)
        self.qualname = qualname


class _TimeUp(BaseException):  # not an Exception: a student's `except Exception` cannot eat it
    pass


# ---------------------------------------------------------------------------
# Running the student's function
# ---------------------------------------------------------------------------


def _stub(qualname: str, used: list):
    def hidden(*args, **kwargs):
        used.append(qualname)
        raise _ReferenceUsed(qualname)

    hidden.__name__ = qualname.rsplit(".", 1)[-1]
    hidden.__qualname__ = f"hidden {qualname}"
    return hidden


@contextlib.contextmanager
def _hidden(fn, references, used):
    """Replace each reference ``"module.attr"`` by a stub, in its module and in fn's globals."""
    patched = []  # (namespace dict or module, key, original)
    fn_globals = getattr(fn, "__globals__", {})
    try:
        for qualname in references:
            module_name, attr = qualname.rsplit(".", 1)
            root = module_name.split(".")[0]
            if root not in sys.modules:  # never import a heavy module (torch) just to hide it
                continue
            try:
                module = importlib.import_module(module_name)
                original = getattr(module, attr)
            except (ImportError, AttributeError):
                continue
            stub = _stub(qualname, used)
            setattr(module, attr, stub)
            patched.append((module, attr, original))
            for key, value in list(fn_globals.items()):
                if value is original:
                    fn_globals[key] = stub
                    patched.append((fn_globals, key, original))
        yield
    finally:
        for where, key, original in reversed(patched):
            if isinstance(where, dict):
                where[key] = original
            else:
                setattr(where, key, original)


@contextlib.contextmanager
def _time_limit(seconds: float):
    """Raise _TimeUp in the student's code after ``seconds`` (main thread on Unix only)."""
    usable = (hasattr(signal, "setitimer")
              and threading.current_thread() is threading.main_thread())
    if not usable:
        yield
        return

    def on_alarm(signum, frame):
        raise _TimeUp()

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _is_student_file(filename: str) -> bool:
    if not filename or filename == __file__:
        return False
    real = os.path.realpath(filename)
    if real.startswith(_COURSE_DIR + os.sep):
        return False
    return not any(real.startswith(d + os.sep) for d in _SYSTEM_DIRS) or "<" in filename


def _where(exc: BaseException, fname: str) -> str:
    """' at line N of `function`:  source' for the deepest frame of the student's code."""
    tb = exc.__traceback__
    frames = []
    while tb is not None:
        frames.append((tb.tb_frame.f_code, tb.tb_lineno))
        tb = tb.tb_next
    own = [(code, line) for code, line in frames if _is_student_file(code.co_filename)]
    if not own:
        return ""
    code, lineno = own[-1]
    text = linecache.getline(code.co_filename, lineno).strip()
    name = "your function" if code.co_name == fname else f"`{code.co_name}`"
    return f"\n  at line {lineno} of {name}:  {text}" if text else f" (line {lineno} of {name})"


def _is_skeleton(fn) -> bool:
    """Whether fn does nothing (its body is only ``...``, ``pass`` or a docstring)."""
    code = getattr(fn, "__code__", None)
    if code is None or code.co_name == "<lambda>":  # `lambda ...: None` is an answer
        return False
    idle = {"RESUME", "NOP", "LOAD_CONST", "RETURN_VALUE", "RETURN_CONST", "POP_TOP"}
    return all(i.opname in idle and (i.opname not in ("LOAD_CONST", "RETURN_CONST")
                                     or i.argval is None or i.argval is Ellipsis)
               for i in dis.get_instructions(code))


class _Student:
    """Calls the student's function: hidden references, time limit, in-place check, errors."""

    def __init__(self, fn, fname: str, params: tuple[str, ...], references: tuple[str, ...]):
        self.fn, self.fname, self.params, self.references = fn, fname, params, references
        self.calls = 0

    @property
    def call_text(self) -> str:
        return f"{self.fname}({', '.join(self.params)})"

    def check_signature(self, n_args: int) -> None:
        if self.fn is None:
            raise _Fail(f"`{self.fname}` is not defined: run the cell that defines it first")
        if not callable(self.fn):
            raise _Fail(f"`{self.fname}` should be a function, but it is "
                        f"{type(self.fn).__name__} {self.fn!r:.60}")
        try:
            signature = inspect.signature(self.fn)
        except (TypeError, ValueError):
            return
        try:
            signature.bind(*range(n_args))
        except TypeError:
            raise _Fail(
                f"`{self.fname}` takes {self.fname}{signature} but the check calls it as "
                f"{self.call_text}: keep the parameters of the exercise"
            ) from None

    def __call__(self, *args, limit: float = CALL_LIMIT_SECONDS):
        copies = [np.array(a, copy=True) if isinstance(a, np.ndarray) else None for a in args]
        used: list[str] = []
        self.calls += 1
        start = time.perf_counter()
        try:
            with _hidden(self.fn, self.references, used), _time_limit(limit):
                out = self.fn(*args)
        except _TimeUp:
            raise _TimeUp() from None
        except _ReferenceUsed as exc:
            raise _Fail(self._reference_message(exc.qualname)) from None
        except Exception as exc:  # the student's own error, with the student's line
            if used:
                raise _Fail(self._reference_message(used[0])) from None
            raise _Fail(
                f"`{self.call_text}` raised {type(exc).__name__}: {exc}{_where(exc, self.fname)}"
            ) from None
        self.seconds = time.perf_counter() - start
        if out is None and _is_skeleton(self.fn):
            raise _Fail(f"`{self.fname}` is still the skeleton (its body is only `...`): write "
                        "its body, run its cell, then run the check again")
        if used:
            raise _Fail(self._reference_message(used[0]))
        for name, arg, copy in zip(self.params, args, copies, strict=True):
            if copy is not None and not np.array_equal(arg, copy, equal_nan=True):
                raise _Fail(
                    f"`{self.fname}` changed its argument `{name}` in place; work on a copy "
                    f"(`{name} = {name}.copy()`, or `{name} * x` instead of `{name} *= x`): a "
                    "course function never modifies its arguments"
                )
        return out

    def _reference_message(self, qualname: str) -> str:
        return (f"`{self.fname}` calls `{qualname}`, the function it is checked against "
                "(hidden while the check runs): write the computation yourself with numpy")


# ---------------------------------------------------------------------------
# Comparing results
# ---------------------------------------------------------------------------


def _close(a, b, rtol, atol) -> bool:
    return a.shape == b.shape and bool(np.allclose(a, b, rtol=rtol, atol=atol))


def _fmt(x) -> str:
    if isinstance(x, (complex, np.complexfloating)):
        return f"{x.real:.6g}{x.imag:+.6g}j"
    return f"{x:.6g}"


def _as_array(got, fname: str, what: str) -> np.ndarray:
    if got is None:
        raise _Fail(f"`{fname}` returned None: end it with `return ...` ({what})")
    if isinstance(got, (tuple, list)) and got and all(isinstance(g, np.ndarray) for g in got):
        raise _Fail(f"`{fname}` returned a {type(got).__name__} of {len(got)} arrays; return "
                    f"one array ({what})")
    try:
        arr = np.asarray(got)
    except Exception:
        raise _Fail(f"`{fname}` returned {type(got).__name__}, not an array ({what})") from None
    if arr.dtype == object or not (np.issubdtype(arr.dtype, np.number)
                                   or arr.dtype == np.bool_):
        raise _Fail(f"`{fname}` returned {type(got).__name__} of dtype {arr.dtype}, not an "
                    f"array of numbers ({what})")
    return arr


def _factor_phrase(c, factors) -> str:
    for value, phrase in factors:
        if abs(c - value) <= 1e-6 * max(1.0, abs(value)):
            return f" ({phrase})"
    return ""


def _compare(got, expected, *, fname: str, what: str, axes: str, variants=(), factors=(),
             nan_hint: str = "", rtol: float = 1e-6, atol: float = 1e-9, context: str = ""):
    """Raise _Fail with the first difference between got and expected, in words."""
    got = _as_array(got, fname, f"expected {what} of shape {axes} = {expected.shape}")
    suffix = f" ({context})" if context else ""
    variant_arrays = [(message, np.asarray(v)) for message, v in variants]
    if got.shape != expected.shape:
        for message, v in variant_arrays:
            if _close(got, v, rtol, atol) or (got.shape == v.shape != expected.shape):
                raise _Fail(f"wrong shape: expected {axes} = {expected.shape}, got {got.shape}"
                            f"{suffix}: {message}")
        if got.ndim == expected.ndim and sorted(got.shape) == sorted(expected.shape):
            kind = "swapped" if got.ndim == 2 else "in the wrong order"
            raise _Fail(f"axes {kind}: expected {axes} = {expected.shape}, got {got.shape}"
                        f"{suffix}; the course's layout is {axes}")
        raise _Fail(f"wrong shape: expected {axes} = {expected.shape}, got {got.shape}{suffix}")
    bad = ~np.isfinite(got) & np.isfinite(expected)
    if bad.any():
        index = tuple(int(i) for i in np.argwhere(bad)[0])
        raise _Fail(f"{_fmt(got[index])} at index {index} where {_fmt(expected[index])} is "
                    f"expected{suffix}" + (f": {nan_hint}" if nan_hint else ""))
    if np.iscomplexobj(expected) and not np.iscomplexobj(got):
        if _close(got, np.abs(expected), rtol, atol):
            raise _Fail(f"you returned the magnitude (real, dtype {got.dtype}); return the "
                        f"complex values{suffix}")
        raise _Fail(f"the result is real (dtype {got.dtype}) but {what} is complex{suffix}")
    if _close(got, expected, rtol, atol):
        return
    for message, v in variant_arrays:
        if _close(got, v, rtol, atol):
            raise _Fail(f"{message}{suffix}")
    if np.iscomplexobj(expected) and _close(got, np.conj(expected), rtol, atol):
        raise _Fail(f"your values are the complex conjugates of the expected ones{suffix}: "
                    "check the sign of the exponent (exp(-2πj n k / N))")
    denominator = np.vdot(expected, expected)
    if abs(denominator) > 0:
        c = np.vdot(expected, got) / denominator
        c = c.real if abs(c.imag) <= 1e-9 * abs(c) else c
        if not np.isclose(c, 1.0) and _close(got, c * expected, rtol, atol):
            if np.isclose(c, -1.0):
                raise _Fail(f"the sign is flipped: your values are −1 × the expected ones"
                            f"{suffix}")
            raise _Fail(f"off by a constant factor: your values are {_fmt(c)} × the expected "
                        f"ones{_factor_phrase(c, factors)}{suffix}")
    error = np.abs(got - expected)
    tolerance = atol + rtol * np.abs(expected)
    index = tuple(int(i) for i in np.unravel_index(np.argmax(error - tolerance), got.shape))
    n_bad = int(np.count_nonzero(error > tolerance))
    raise _Fail(f"{n_bad} of {got.size} values differ{suffix}; the largest difference is at "
                f"index {index}: expected {_fmt(expected[index])}, got {_fmt(got[index])}")


def _compare_scalar(got, expected: float, *, fname: str, what: str, variants=(), factors=(),
                    nan_hint: str = "", rtol: float = 1e-6, atol: float = 1e-9,
                    context: str = ""):
    suffix = f" ({context})" if context else ""
    if got is None:
        raise _Fail(f"`{fname}` returned None: end it with `return ...` ({what})")
    arr = np.asarray(got) if not isinstance(got, (int, float, np.number)) else None
    if arr is not None and arr.size != 1:
        raise _Fail(f"`{fname}` returned an array of shape {arr.shape}; {what} is one number "
                    "(sum over every entry)")
    try:
        value = float(np.asarray(got).reshape(()))
    except Exception:
        raise _Fail(f"`{fname}` returned {type(got).__name__}, not a number ({what})") from None
    if not math.isfinite(value) and math.isfinite(expected):
        raise _Fail(f"`{fname}` returned {value}, expected {expected:.6g}{suffix}"
                    + (f": {nan_hint}" if nan_hint else ""))
    if math.isclose(value, expected, rel_tol=rtol, abs_tol=atol):
        return
    for message, v in variants:
        if math.isclose(value, float(v), rel_tol=rtol, abs_tol=atol):
            raise _Fail(f"{message}{suffix}")
    if expected != 0 and value != 0:
        c = value / expected
        phrase = _factor_phrase(c, factors)
        if phrase:
            raise _Fail(f"off by a constant factor: your value is {c:.6g} × the expected "
                        f"one{phrase}{suffix}")
    raise _Fail(f"expected {expected:.10g}, got {value:.10g}{suffix}")


def _check_speed(student, args, reference, describe: str, hint: str) -> None:
    """Fail when the student's function is over SLOWDOWN_LIMIT times slower than reference."""
    best = math.inf
    for _ in range(3):
        start = time.perf_counter()
        reference()
        best = min(best, time.perf_counter() - start)
    budget = max(SLOWDOWN_LIMIT * best, SLOW_FLOOR_SECONDS)
    try:
        student(*args, limit=budget)
    except _TimeUp:
        raise _Fail(
            f"too slow: `{student.fname}` took more than {budget:.2g} s on {describe}, where "
            f"the reference takes {best * 1e3:.2g} ms (over {SLOWDOWN_LIMIT:.0f}× slower). "
            f"{hint}"
        ) from None


# ---------------------------------------------------------------------------
# The checks
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Spec:
    name: str            # the exercise's function name
    params: tuple        # its parameters, as the exercise states them
    reference: str       # what it is compared against, for the verdict
    hidden: tuple        # "module.attr" hidden while the student's code runs
    run: object          # run(student, rng) -> str (what passed), raises _Fail


CHECKS: dict[str, _Spec] = {}


def _register(name, params, reference, hidden):
    def decorator(run):
        spec = _Spec(name, tuple(params), reference, tuple(hidden), run)
        CHECKS[name] = spec

        def check(student_function, *, seed=None, strict: bool = False) -> CheckResult:
            result = run_check(name, student_function, seed=seed)
            if check_bool(strict, "strict"):
                if not result.passed:
                    raise CheckFailed(result.message)
            else:
                print(result.message)
            return result

        check.__name__ = check.__qualname__ = f"check_{name}"
        check.__doc__ = (
            f"Check a student's ``{name}({', '.join(params)})`` against {reference}.\n\n"
            f"{run.__doc__ or ''}\n\n"
            "Prints the verdict and returns a :class:`CheckResult`; with ``strict=True`` prints\n"
            "nothing and raises :class:`CheckFailed` when the check fails. ``seed`` repeats\n"
            "one set of random inputs (a fresh one by default)."
        )
        return check

    return decorator


def run_check(name: str, student_function, *, seed=None) -> CheckResult:
    """Run the check called ``name`` (a key of :data:`CHECKS`) and return its verdict.

    Examples
    --------
    >>> import numpy as np
    >>> def hz_to_mel(f):
    ...     return 2595 * np.log10(1 + f / 700)
    >>> run_check("hz_to_mel", hz_to_mel, seed=0).passed
    True
    >>> result = run_check("hz_to_mel", lambda f: 2595 * np.log(1 + f / 700), seed=0)
    >>> result.passed, "natural logarithm" in result.message
    (False, True)
    """
    if not isinstance(name, str) or name not in CHECKS:
        raise ParameterError(f"name={name!r} is not a check; choose one of {sorted(CHECKS)}")
    spec = CHECKS[name]
    rng = np.random.default_rng(seed)
    student = _Student(student_function, spec.name, spec.params, spec.hidden)
    try:
        student.check_signature(len(spec.params))
        passed = spec.run(student, rng)
    except _Fail as fail:
        return CheckResult(name, False, f"✘ {name}: {fail}")
    except _TimeUp:
        return CheckResult(name, False, f"✘ {name}: `{student.call_text}` did not finish "
                           f"within {CALL_LIMIT_SECONDS:.0f} s (an endless loop?)")
    return CheckResult(name, True, f"✔ {name} matches {spec.reference} {passed}.")


# --- hw01: frames and the framed DFT ---------------------------------------


def _stft_case(rng, *, odd: bool):
    n_fft = int(rng.choice([255, 301, 511]) if odd else rng.choice([256, 400, 512]))
    hop = int(rng.integers(n_fft // 4, n_fft // 2 + 1))
    y = rng.standard_normal(int(rng.integers(3 * n_fft, 6 * n_fft)))
    return y, n_fft, hop


def _frames_reference(y, n_fft, hop):
    import librosa

    padded = np.pad(y, n_fft // 2)
    return librosa.util.frame(padded, frame_length=n_fft, hop_length=hop, axis=-1).copy()


@_register("frame_signal", ("y", "n_fft", "hop_length"),
           "librosa.util.frame of the zero-padded signal (center=True)",
           ("librosa.util.frame", "librosa.util.utils.frame"))
def check_frame_signal(student, rng):
    """``frames[:, m] = y_padded[m * hop_length : m * hop_length + n_fft]`` where
    ``y_padded`` has ``n_fft // 2`` zeros on each side; shape ``(n_fft, frames)``."""
    for odd in (False, True):
        y, n_fft, hop = _stft_case(rng, odd=odd)
        context = f"len(y)={y.size}, n_fft={n_fft}, hop_length={hop}"
        expected = _frames_reference(y, n_fft, hop)
        import librosa

        no_pad = librosa.util.frame(y, frame_length=n_fft, hop_length=hop, axis=-1)
        reflect = librosa.util.frame(np.pad(y, n_fft // 2, mode="reflect"), frame_length=n_fft,
                                     hop_length=hop, axis=-1)
        _compare(student(y, n_fft, hop), expected, fname=student.fname, what="the frames",
                 axes="(n_fft, frames)", context=context, variants=[
                     ("no padding: pad n_fft // 2 zeros on each side first "
                      "(np.pad(y, n_fft // 2)), so that frame m is centred on sample "
                      "m * hop_length", no_pad),
                     ("padded by reflection: pad with zeros, np.pad(y, n_fft // 2)", reflect),
                 ])
    return "on 2 random signals (even and odd n_fft)"


def _stft_reference(y, n_fft, hop, window):
    from . import stft as _stft

    return _stft.stft(y, 22050, n_fft=n_fft, hop_length=hop, window=window)


@_register("framed_dft", ("y", "n_fft", "hop_length", "window"),
           "course_lib.stft.stft (center=True)",
           ("course_lib.stft.stft", "librosa.stft", "librosa.core.stft",
            "librosa.core.spectrum.stft"))
def check_framed_dft(student, rng):
    """``X[k, m] = sum_n y_padded[n + m * hop_length] window[n] exp(-2πj n k / n_fft)``
    for ``k = 0 .. n_fft // 2``; shape ``(1 + n_fft // 2, frames)``, complex."""
    import scipy.signal

    for odd in (False, True):
        y, n_fft, hop = _stft_case(rng, odd=odd)
        window = scipy.signal.get_window("hann", n_fft)
        context = f"len(y)={y.size}, n_fft={n_fft}, hop_length={hop}, Hann window"
        expected = _stft_reference(y, n_fft, hop, window)
        frames = _frames_reference(y, n_fft, hop)
        full = np.fft.fft(frames * window[:, None], axis=0)
        _compare(student(y, n_fft, hop, window), expected, fname=student.fname,
                 what="the STFT", axes="(1 + n_fft // 2, frames)", context=context,
                 factors=[(1 / n_fft, "1/n_fft: the course's STFT is not normalised"),
                          (1 / np.sqrt(n_fft), "1/sqrt(n_fft): the course's STFT is not "
                           "normalised (no norm='ortho')"),
                          (2.0, "2: keep every bin as the DFT gives it")],
                 variants=[
                     ("you kept all n_fft bins, negative frequencies included: keep bins 0 .. "
                      "n_fft // 2 (np.fft.rfft)", full),
                     ("frames without centre padding: pad n_fft // 2 zeros on each side "
                      "(center=True)", np.fft.rfft(
                          np.lib.stride_tricks.sliding_window_view(y, n_fft)[::hop].T
                          * window[:, None], axis=0)),
                     ("the window is missing: multiply each frame by the window before its DFT",
                      np.fft.rfft(frames, axis=0)),
                 ])
    y = rng.standard_normal(22050 * 2)
    window = scipy.signal.get_window("hann", 1024)
    _check_speed(student, (y, 1024, 256, window),
                 lambda: _stft_reference(y, 1024, 256, window),
                 "2 s of audio (n_fft=1024, hop_length=256)",
                 "Loop over frames at most, and let np.fft.rfft compute each frame's DFT (or "
                 "all frames at once with axis=0); a Python loop over bins and samples is what "
                 "makes it slow.")
    return "on 2 random signals (even and odd n_fft) and is fast enough"


# --- hw02: NMF with the KL divergence ---------------------------------------


def _nmf_case(rng, *, zeros: bool):
    freq, frames, rank = (int(rng.integers(20, 40)), int(rng.integers(30, 50)),
                          int(rng.integers(2, 6)))
    W = rng.random((freq, rank)) + 0.1
    H = rng.random((rank, frames)) + 0.1
    V = (W @ H) * rng.uniform(0.5, 1.5, (freq, frames))
    if zeros:
        V[rng.random(V.shape) < 0.1] = 0.0
    return V, W, H


@_register("kl_divergence", ("V", "V_hat"), "course_lib.nmf.beta_divergence(V, V_hat, 'KL')",
           ("course_lib.nmf.beta_divergence",))
def check_kl_divergence(student, rng):
    """``D(V | V_hat) = sum(V log(V / V_hat) - V + V_hat)``, with ``0 log 0 = 0``; one number."""
    from . import nmf as _nmf

    for zeros in (False, True):
        V, W, H = _nmf_case(rng, zeros=zeros)
        V_hat = W @ H
        context = f"V of shape {V.shape}" + (" with some zeros" if zeros else "")
        expected = _nmf.beta_divergence(V, V_hat, "KL")
        positive = V > 0
        log_only = float(np.sum(V[positive] * np.log(V[positive] / V_hat[positive])))
        swapped = _nmf.beta_divergence(V_hat, np.where(V > 0, V, 1.0), "KL") if not zeros \
            else math.nan
        _compare_scalar(student(V, V_hat), expected, fname=student.fname,
                        what="the divergence", context=context,
                        nan_hint="where V is 0 the term V log(V / V_hat) is 0 (its limit), "
                                 "not NaN: compute the log only where V > 0 (np.where, a "
                                 "mask, or scipy.special.xlogy)",
                        factors=[(1 / V.size, "1/V.size: you took the mean; the divergence "
                                  "is the sum over every entry")],
                        variants=[
                            ("you left out the terms − V + V_hat: the generalised KL "
                             "divergence is sum(V log(V / V_hat) − V + V_hat)", log_only),
                            ("the arguments are swapped: D(V | V_hat) is not symmetric; "
                             "V comes first, inside the log's numerator", swapped),
                        ])
    return "on 2 random inputs (one with zeros in V)"


def _kl_update_reference(V, W, H):
    from . import nmf as _nmf

    H = H.copy()
    WH = W @ H
    _nmf._mu_step_H(V, W, H, WH, 1.0, 1.0, np.finfo(H.dtype).tiny, WH)
    return H


@_register("kl_update_h", ("V", "W", "H"),
           "one KL multiplicative update of H in course_lib.nmf",
           ("course_lib.nmf.nmf", "course_lib.nmf._mu_step_H"))
def check_kl_update_h(student, rng):
    """``H_new = H * (W.T @ (V / (W @ H))) / (W.T @ 1)``; shape ``(rank, frames)``."""
    for zeros in (False, True):
        V, W, H = _nmf_case(rng, zeros=zeros)
        context = f"V {V.shape}, W {W.shape}, H {H.shape}"
        expected = _kl_update_reference(V, W, H)
        WH = W @ H
        numerator = W.T @ (V / WH)
        denominator = W.sum(axis=0)[:, None]
        _compare(student(V, W, H), expected, fname=student.fname, what="the new H",
                 axes="(rank, frames)", context=context, variants=[
                     ("this is the Euclidean (EU) update H ∘ (WᵀV) / (WᵀWH); for KL the "
                      "numerator is Wᵀ(V / WH) and the denominator Wᵀ1, the column sums of W",
                      H * (W.T @ V) / (W.T @ W @ H)),
                     ("the old H is missing: the update multiplies H by the ratio",
                      numerator / denominator),
                     ("the denominator is missing: divide by Wᵀ1, the sums of W's columns "
                      "(W.sum(axis=0)[:, None])", H * numerator),
                 ])
    V, W, H = _nmf_case(np.random.default_rng(rng.integers(2**32)), zeros=False)
    V, W, H = (np.tile(V, (8, 16)), np.tile(W, (8, 1)), np.tile(H, (1, 16)))
    _check_speed(student, (V, W, H), lambda: _kl_update_reference(V, W, H),
                 f"V of shape {V.shape}",
                 "Use matrix products (W.T @ ...) and elementwise operations on whole arrays "
                 "instead of Python loops over entries.")
    return "on 2 random inputs (one with zeros in V) and is fast enough"


# --- hw03: the mel scale and filterbank ------------------------------------


@_register("hz_to_mel", ("frequencies",),
           "course_lib.features.hz_to_mel (HTK: 2595 log10(1 + f / 700))",
           ("course_lib.features.hz_to_mel", "librosa.hz_to_mel",
            "librosa.core.convert.hz_to_mel"))
def check_hz_to_mel(student, rng):
    """``m = 2595 log10(1 + f / 700)`` elementwise; a scalar for a scalar."""
    import librosa

    from . import features as _features

    f = np.sort(rng.uniform(0, 11025, 50))
    expected = _features.hz_to_mel(f)
    got = student(f)
    if np.ndim(got) == 0:  # one value for many frequencies
        _as_array(got, student.fname, "")
        raise _Fail(f"`{student.fname}` returned one number for an array of {f.size} "
                    "frequencies; work elementwise (numpy operations, not math.log10)")
    _compare(got, expected, fname=student.fname, what="the mel values", axes="(n,)",
             context=f"{f.size} frequencies from 0 to 11025 Hz", factors=[
                 (np.log(10), "ln 10: you used the natural logarithm np.log; the mel scale "
                  "uses log10")], variants=[
                 ("this is the Slaney mel scale (librosa's default, htk=False); the course "
                  "uses HTK's 2595 log10(1 + f / 700)", librosa.hz_to_mel(f)),
                 ("700 and 2595 are swapped or misplaced: m = 2595 log10(1 + f / 700)",
                  700 * np.log10(1 + f / 2595)),
             ])
    one = student(1000.0)
    _compare_scalar(one, 1000.0, fname=student.fname, what="the mel value of 1000 Hz",
                    rtol=1e-4, context="f = 1000 Hz, which is about 1000 mel",
                    factors=[(np.log(10), "ln 10: you used the natural logarithm np.log; the "
                              "mel scale uses log10")])
    return "on 50 random frequencies and on 1000 Hz"


def _check_nonsilent_band(sr, n_fft, n_mels):
    import warnings

    from . import features as _features

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return _features.mel_filterbank(sr, n_fft, n_mels)


@_register("mel_filterbank", ("sr", "n_fft", "n_mels"),
           "course_lib.features.mel_filterbank (HTK mel scale, triangles peaking at 1)",
           ("course_lib.features.mel_filterbank", "librosa.filters.mel"))
def check_mel_filterbank(student, rng):
    """``n_mels`` triangles with corners equally spaced on the mel scale from 0 to sr / 2,
    evaluated at the bin frequencies ``k sr / n_fft``; shape ``(n_mels, 1 + n_fft // 2)``."""
    from . import features as _features

    cases = [(22050, 1411, 20), (16000, int(rng.choice([512, 1024])), int(rng.integers(10, 30)))]
    for sr, n_fft, n_mels in cases:
        expected = _check_nonsilent_band(sr, n_fft, n_mels)
        context = f"sr={sr}, n_fft={n_fft}, n_mels={n_mels}"
        bins = np.arange(1 + n_fft // 2) * sr / n_fft
        corners = np.linspace(0, sr / 2, n_mels + 2)
        lower, centre, upper = corners[:-2, None], corners[1:-1, None], corners[2:, None]
        linear = np.maximum(0, np.minimum((bins - lower) / (centre - lower),
                                          (upper - bins) / (upper - centre)))
        got = student(sr, n_fft, n_mels)
        arr = _as_array(got, student.fname, "the filterbank")
        if arr.shape == expected.shape:
            sums_e, sums_g = expected.sum(axis=1), arr.sum(axis=1)
            with np.errstate(divide="ignore", invalid="ignore"):
                ratio = sums_g / sums_e
            if (np.all(np.isfinite(ratio)) and not np.allclose(ratio, ratio[0])
                    and np.allclose(arr, expected * ratio[:, None], rtol=1e-6, atol=1e-9)):
                raise _Fail(f"each triangle is scaled by a different factor ({context}); the "
                            "course's triangles peak at 1 (no area normalisation)")
        _compare(got, expected, fname=student.fname, what="the filterbank",
                 axes="(n_mels, 1 + n_fft // 2)", context=context, variants=[
                     ("one column per FFT bin k = 0 .. n_fft // 2: the filterbank has "
                      "1 + n_fft // 2 columns", np.zeros((n_mels, n_fft))),
                     ("the corners are equally spaced in Hz; space them equally on the mel "
                      "scale (hz_to_mel, np.linspace, then back with mel_to_hz)", linear),
                     ("the corners are rounded to FFT bins (the blog's variant); evaluate the "
                      "triangles at the exact bin frequencies k sr / n_fft",
                      _features.mel_filterbank(sr, n_fft, n_mels, snap_to_bins=True)),
                 ])
    return "for 2 settings (the course's 64 ms frame at 22 050 Hz and a random one)"


# --- hw04: one SPA selection step ------------------------------------------


def _spa_reference(R):
    norms = np.linalg.norm(R, axis=0)
    j = int(np.argmax(norms))
    u = R[:, j] / norms[j]
    return j, R - np.outer(u, u @ R)


@_register("spa_step", ("R",), "one step of course_lib.separable.spa",
           ("course_lib.separable.spa", "course_lib.separable.snpa",
            "course_lib.separable.greedy_snpa"))
def check_spa_step(student, rng):
    """``j = argmax_i ||R[:, i]||``; ``u = R[:, j] / ||R[:, j]||``;
    return ``(j, R - u (uᵀ R))``."""
    for _ in range(2):
        m, n = int(rng.integers(5, 12)), int(rng.integers(15, 30))
        R = rng.random((m, n)) * rng.uniform(0.2, 2.0, n)
        # the largest column has an index >= m, so that no row index is mistaken for it
        norms, top = np.linalg.norm(R, axis=0), int(rng.integers(m, n))
        R[:, top] *= 1.5 * norms.max() / norms[top]
        context = f"R of shape {R.shape}"
        j, R_next = _spa_reference(R)
        got = student(R)
        if not isinstance(got, (tuple, list)) or len(got) != 2:
            raise _Fail(f"`{student.fname}` should return a pair (j, R_next), got "
                        f"{type(got).__name__}" + (f" of length {len(got)}"
                                                   if isinstance(got, (tuple, list)) else ""))
        got_j, got_R = got
        if not isinstance(got_j, (int, np.integer)):
            raise _Fail(f"j should be an int (a column number), got {type(got_j).__name__} "
                        f"{got_j!r:.60}")
        got_j = int(got_j)
        if got_j != j:
            row_norms = np.linalg.norm(R, axis=1)
            if got_j == int(np.argmax(row_norms)):
                reason = ("you took the norms of the rows; SPA picks the column with the "
                          "largest norm: np.linalg.norm(R, axis=0)")
            elif got_j == j + 1:
                reason = "an index counted from 1; Python counts from 0"
            elif got_j == int(np.argmax(R.sum(axis=0))):
                reason = ("you took the column with the largest sum; SPA uses the Euclidean "
                          "norm, np.linalg.norm(R, axis=0)")
            elif got_j == int(np.argmin(np.linalg.norm(R, axis=0))):
                reason = "you took the smallest norm (argmin); SPA takes the largest (argmax)"
            else:
                reason = "SPA picks the column of R with the largest Euclidean norm"
            raise _Fail(f"selected column {got_j}, expected {j} ({context}): {reason}")
        u = R[:, j] / np.linalg.norm(R[:, j])
        r = R[:, j]
        _compare(got_R, R_next, fname=student.fname, what="the new residual", axes="(m, n)",
                 context=context, variants=[
                     ("you kept the part along the chosen column, u (uᵀR); the new residual "
                      "is what is left: R − u (uᵀR)", np.outer(u, u @ R)),
                     ("u must have unit length: divide the chosen column by its norm before "
                      "projecting", R - np.outer(r, r @ R)),
                 ])
    return "on 2 random matrices"


# --- hw04: the projection onto Δ --------------------------------------------


def _face_projection(X):
    """Each column of X onto the probability simplex {h ≥ 0, Σ h = 1} (the sort-based rule)."""
    U = np.sort(X, axis=0)[::-1]
    excess = np.cumsum(U, axis=0) - 1.0
    ranks = np.arange(1, X.shape[0] + 1)[:, None]
    rho = np.count_nonzero(U * ranks > excess, axis=0)
    return np.maximum(X - excess[rho - 1, np.arange(X.shape[1])] / rho, 0.0)


def _simplex_case(rng):
    """(r, n) with a third of the columns in Δ once clipped, the others well outside."""
    r, n = int(rng.integers(4, 9)), int(rng.integers(20, 35))
    X = rng.normal(0.2, 0.5, (r, n))
    # at least two positive entries in every column, so that no two mistakes give the same
    # column (with one, clipping and dividing by the sum is also the projection onto Σh = 1)
    for j in np.flatnonzero(np.count_nonzero(X > 0, axis=0) < 2):
        X[rng.choice(r, 2, replace=False), j] = rng.uniform(0.1, 1.0, 2)
    clipped = np.maximum(X, 0.0).sum(axis=0)
    inside = np.zeros(n, dtype=bool)
    inside[rng.permutation(n)[: n // 3]] = True
    X[:, inside] *= rng.uniform(0.3, 0.9, inside.sum()) / clipped[inside]
    X[:, ~inside] *= np.maximum(1.0, rng.uniform(1.2, 3.0, (~inside).sum()) / clipped[~inside])
    return X


def _simplex_edge_case(rng):
    """The columns a projection must get right, and what each one is."""
    r = int(rng.integers(4, 9))
    large = np.full(r, 0.0)
    large[rng.integers(r)] = 2.5
    columns = {
        "already on the simplex": rng.dirichlet(np.ones(r)),
        "inside Δ": 0.6 * rng.dirichlet(np.ones(r)),
        "all entries equal, ties in the sort": np.full(r, rng.uniform(0.4, 0.9)),
        "one large entry": large + rng.uniform(-0.3, 0.3, r),
        "no positive entry": -rng.uniform(0.1, 1.0, r),
    }
    return np.stack(list(columns.values()), axis=1), list(columns)


_NOT_A_PROJECTION = (
    "clipping the negative entries and dividing by the sum is not a projection: it lands on "
    "the simplex, but not at the point of Δ nearest to x. Subtract the same θ from every "
    "entry, then clip: h = max(x − θ, 0), with the θ > 0 that makes h sum to 1")
_THRESHOLD_RULE = (
    "with u the column sorted in decreasing order, ρ is the largest k (counted from 1) with "
    "u_k − (u_1 + … + u_k − 1) / k > 0, and θ = (u_1 + … + u_ρ − 1) / ρ")


def _explain_negative_entry(g, where, suffix):
    """Raise _Fail if the column g has a negative entry."""
    if g.min() < -1e-9:
        i = int(np.argmin(g))
        hint = ("it sums to 1, but h ≥ 0 is missing: subtracting (Σx − 1) / r from every "
                "entry only reaches the plane Σh = 1; h = max(x − θ, 0) clips as it shifts"
                if abs(float(g.sum()) - 1.0) <= 1e-6 else "a point of Δ has no negative entry")
        raise _Fail(f"{where} has a negative entry, {g[i]:.6g} in row {i}{suffix}: {hint}")


def _explain_simplex_column(x, g, e, where, suffix):
    """Raise _Fail explaining why g, the student's projection of column x, is not e."""
    clipped = np.maximum(x, 0.0)
    total, clipped_total = float(g.sum()), float(clipped.sum())
    r = x.size
    if clipped_total <= 1.0:
        if clipped_total > 0 and np.allclose(g, clipped / clipped_total, atol=1e-9):
            raise _Fail(f"{where} was clipped and divided by its sum{suffix}: "
                        f"{_NOT_A_PROJECTION}. This column needs no θ: its positive entries "
                        f"sum to {clipped_total:.4g} ≤ 1, so max(x, 0) is already in Δ")
        if np.allclose(g, _face_projection(x[:, None])[:, 0], atol=1e-9):
            raise _Fail(f"{where} was projected onto the face Σh = 1{suffix}, but the course's "
                        "Δ = {h ≥ 0, Σh ≤ 1} also holds the points inside the simplex: a "
                        f"column whose positive entries sum to at most 1 (here {clipped_total:.4g})"
                        " is only clipped, max(x, 0); the face is for the others")
        if x.min() >= 0:
            raise _Fail(f"{where} is already in Δ (h ≥ 0, Σh = {clipped_total:.4g} ≤ 1)"
                        f"{suffix}: it is its own projection and must stay unchanged")
        raise _Fail(f"{where} differs{suffix}: its positive entries sum to "
                    f"{clipped_total:.4g} ≤ 1, so its projection is max(x, 0)")
    if np.allclose(g, clipped / clipped_total, atol=1e-9):
        raise _Fail(f"{where} was clipped and divided by its sum{suffix}: {_NOT_A_PROJECTION}")
    if np.allclose(g, clipped, atol=1e-9):
        raise _Fail(f"{where} was only clipped{suffix}: its positive entries sum to "
                    f"{clipped_total:.4g} > 1, so it goes onto the face Σh = 1: "
                    "h = max(x − θ, 0) with the θ > 0 that makes h sum to 1")
    positive = g > 1e-9
    if positive.any():
        theta_got = float(np.mean((x - g)[positive]))
        if np.allclose(g, np.maximum(x - theta_got, 0.0), atol=1e-9):
            u = np.sort(x)[::-1]
            excess = np.cumsum(u) - 1.0
            rho = int(np.count_nonzero(u * np.arange(1, r + 1) > excess))
            theta = excess[rho - 1] / rho
            near = [excess[a - 1] / b for a in (rho - 1, rho, rho + 1)
                    for b in (rho - 1, rho, rho + 1) if 1 <= a <= r and b >= 1]
            found = (f"{where} is max(x − θ, 0) with θ = {theta_got:.6g}, which sums to "
                     f"{total:.6g}; θ = {theta:.6g} makes it sum to 1{suffix}")
            if any(abs(theta_got - t) <= 1e-9 * max(1.0, abs(t)) for t in near):
                raise _Fail(f"{found}. The threshold is off by one in ρ or in the sum: "
                            f"{_THRESHOLD_RULE}")
            raise _Fail(f"{found}: {_THRESHOLD_RULE}")
    if total > 1.0 + 1e-6:
        raise _Fail(f"{where} sums to {total:.6g}{suffix}: a point of Δ sums to at most 1")
    with np.printoptions(precision=4, suppress=True):
        raise _Fail(f"{where} differs{suffix}: expected {e}, got {g}")


@_register("project_simplex", ("X",),
           "course_lib.separable.project_simplex (each column onto Δ = {h ≥ 0, Σh ≤ 1})",
           ("course_lib.separable.project_simplex", "course_lib.separable._project_columns",
            "course_lib.separable.hull_projection"))
def check_project_simplex(student, rng):
    """Each column ``x`` of ``X`` onto ``Δ = {h ≥ 0, Σ h ≤ 1}``: ``max(x, 0)`` when its
    positive entries sum to at most 1, else ``max(x − θ, 0)`` with the θ that makes it sum
    to 1; shape ``(r, n)``, like ``X``."""
    from . import separable as _separable

    random_X = _simplex_case(rng)
    edge, edge_names = _simplex_edge_case(rng)
    for X, names, context in (
            (random_X, None, f"a random X of shape {random_X.shape}"),
            (edge, edge_names, f"edge cases: X of shape {edge.shape}, one case per column")):
        expected = _separable.project_simplex(X)
        got = student(X)
        variants = [("you projected the rows; project each column (one column of H holds the "
                     "weights of one data column): sort and sum along axis 0",
                     _separable.project_simplex(X.T).T)]
        arr = _as_array(got, student.fname, f"expected the projections, shape {X.shape}")
        if (arr.shape == X.shape and np.all(np.isfinite(arr)) and np.isrealobj(arr)
                and not _close(arr, expected, 1e-6, 1e-9)):
            for message, v in variants:
                if _close(arr, v, 1e-6, 1e-9):
                    raise _Fail(f"{message} ({context})")
            differ = [j for j in range(X.shape[1])
                      if not np.allclose(arr[:, j], expected[:, j], rtol=1e-6, atol=1e-9)]
            where = [f"column {j}" + (f" ({names[j]})" if names else "") for j in differ]
            for j, at in zip(differ, where, strict=True):   # first what is outside Δ
                _explain_negative_entry(arr[:, j], at, f" ({context})")
            for j, at in zip(differ, where, strict=True):
                _explain_simplex_column(X[:, j], arr[:, j], expected[:, j], at, f" ({context})")
        _compare(got, expected, fname=student.fname, what="the projections", axes="(r, n)",
                 context=context, variants=variants)
    return "on a random matrix and on 5 edge cases (on the simplex, inside, equal entries, …)"


# --- hw05: the two-channel Wiener gain --------------------------------------


def _wiener_case(rng):
    freq, frames, sources = int(rng.integers(4, 9)), int(rng.integers(5, 12)), 3
    v = rng.random((sources, freq, frames)) + 0.05
    A = rng.standard_normal((sources, freq, 2, 2)) + 1j * rng.standard_normal((sources, freq,
                                                                               2, 2))
    R = A @ np.conj(np.swapaxes(A, -1, -2)) + 0.1 * np.eye(2)   # Hermitian positive definite
    R = np.moveaxis(R, 1, -1)                                      # (sources, 2, 2, freq)
    return v, R


@_register("wiener_gain_2ch", ("v_j", "R_j", "mixture_cov"),
           "course_lib.wiener.wiener_gain (G = v_j R_j C_x⁻¹)",
           ("course_lib.wiener.wiener_gain", "course_lib.wiener.wiener",
            "course_lib.wiener.expectation_maximization"))
def check_wiener_gain_2ch(student, rng):
    """``G[:, :, f, t] = v_j[f, t] R_j[:, :, f] inv(C[:, :, f, t])``; shape
    ``(2, 2, freq, frames)``."""
    from . import wiener as _wiener

    for _ in range(2):
        v, R = _wiener_case(rng)
        C = _wiener.mixture_covariance(v, R)
        v_j, R_j = v[0], R[0]
        expected = _wiener.wiener_gain(v_j, R_j, C)
        context = f"v_j {v_j.shape}, R_j {R_j.shape}, mixture_cov {C.shape}"
        Cm = np.moveaxis(C, (0, 1), (-2, -1))                        # (F, T, 2, 2)
        Rm = np.moveaxis(R_j, -1, 0)[:, None]                       # (F, 1, 2, 2)
        inv = np.linalg.inv(Cm)

        def back(G):
            return np.moveaxis(G, (-2, -1), (0, 1))

        _compare(student(v_j, R_j, C), expected, fname=student.fname, what="the gains",
                 axes="(channels, channels, freq, frames)", context=context, rtol=1e-5,
                 atol=1e-8, variants=[
                     ("C⁻¹ is on the wrong side: G = v_j R_j C⁻¹ (R_j first, then the inverse)",
                      back(v_j[..., None, None] * inv @ Rm)),
                     ("you divided by C entry by entry; use the matrix inverse of each 2×2 "
                      "C[:, :, f, t] (np.linalg.inv on a (..., 2, 2) array, or the 2×2 formula)",
                      back(v_j[..., None, None] * Rm @ (1.0 / Cm))),
                     ("each 2×2 gain is transposed: G[c, d] multiplies channel d of the mixture "
                      "to give channel c of the source", np.swapaxes(expected, 0, 1)),
                     ("v_j is missing: G = v_j R_j C⁻¹", back(Rm @ inv)),
                 ])
    return "on 2 random two-channel models (3 sources)"


# --- hw05: the local Gaussian model (the M-step) -----------------------------


def _complex_normal(rng, shape):
    return rng.standard_normal(shape) + 1j * rng.standard_normal(shape)


def _lgm_case(rng, channels, *, silent):
    """A source image y_j (channels, freq, frames): one direction per frequency plus noise,
    louder and quieter frequencies; with ``silent``, one frequency is all zeros."""
    freq, frames = int(rng.integers(4, 9)), int(rng.integers(10, 16))
    loudness = rng.uniform(0.05, 2.0, (freq, 1))
    direction = _complex_normal(rng, (channels, freq, 1))
    y = loudness * (direction * _complex_normal(rng, (freq, frames))
                    + 0.3 * _complex_normal(rng, (channels, freq, frames)))
    silent_bin = int(rng.integers(freq)) if silent else None
    if silent:
        y[:, silent_bin] = 0.0
    return y, silent_bin


def _returned_pair(got, fname: str, what: str):
    if not isinstance(got, (tuple, list)) or len(got) != 2:
        raise _Fail(f"`{fname}` should return a pair {what}, got {type(got).__name__}"
                    + (f" of length {len(got)}" if isinstance(got, (tuple, list)) else ""))
    return got


@contextlib.contextmanager
def _about(name: str):
    """Start a failure's message with ``name``: which of the returned arrays it is about."""
    try:
        yield
    except _Fail as fail:
        text = str(fail)
        if text.startswith(name):
            raise
        raise _Fail(f"{name}: {text}") from None


def _explain_covariance(got, R, variants, suffix):
    """Raise _Fail when got, of R's shape and finite, is a known mistake or not Hermitian."""
    for message, variant in variants:
        if _close(got, variant, 1e-6, 1e-10):
            raise _Fail(f"{message}{suffix}")
    conj_t = np.conj(np.swapaxes(got, 0, 1))
    off = ~np.isclose(got, conj_t, rtol=1e-6, atol=1e-10)
    if off.any():
        c, d, f = (int(i) for i in np.argwhere(off)[0])
        if c == d:
            raise _Fail(f"R_j(f) should be Hermitian, with a real diagonal (Σ_t |y_c|², "
                        f"weighted), but R_j[{c}, {c}] = {_fmt(got[c, c, f])} at frequency "
                        f"{f}{suffix}")
        raise _Fail(f"R_j(f) should be Hermitian, R_j[d, c] = conj(R_j[c, d]), but at "
                    f"frequency {f} R_j[{c}, {d}] = {_fmt(got[c, d, f])} and R_j[{d}, {c}] = "
                    f"{_fmt(got[d, c, f])}{suffix}")
    norms = np.einsum("cdf,cdf->f", np.conj(R), R).real
    sounding = norms > 0
    scale = np.einsum("cdf,cdf->f", np.conj(R), got)[sounding] / norms[sounding]
    if (np.allclose(scale.imag, 0, atol=1e-9) and not np.allclose(scale, scale[0])
            and np.allclose(got[..., sounding], scale.real * R[..., sounding], rtol=1e-6,
                            atol=1e-10)):
        raise _Fail(f"R_j(f) is off by a different factor at each frequency (from "
                    f"{scale.real.min():.4g} to {scale.real.max():.4g}){suffix}: the weight "
                    "of frequency f is eps + Σ_t v_j(f, t)")


@_register("local_gaussian_model", ("y_j", "eps"),
           "course_lib.wiener.local_gaussian_model (v_j = mean over channels of |y_j|², "
           "R_j = Σ_t y_j y_jᴴ / (eps + Σ_t v_j))",
           ("course_lib.wiener.local_gaussian_model", "course_lib.wiener._block_model",
            "course_lib.wiener._model_parts", "course_lib.wiener.expectation_maximization",
            "course_lib.wiener.wiener", "norbert.get_local_gaussian_model"))
def check_local_gaussian_model(student, rng):
    """``v[f, t] = mean_c |y_j[c, f, t]|²``, shape ``(freq, frames)``, real;
    ``R[:, :, f] = sum_t y_j[:, f, t] y_j[:, f, t]ᴴ / (eps + sum_t v[f, t])``, shape
    ``(channels, channels, freq)``."""
    from . import wiener as _wiener

    for channels, eps, silent in ((2, 1.0, False),
                                  (3, round(float(rng.uniform(0.05, 0.5)), 3), True)):
        y, silent_bin = _lgm_case(rng, channels, silent=silent)
        v, R = _wiener.local_gaussian_model(y, eps=eps)
        context = f"y_j of shape {y.shape}, eps={eps:g}" + (
            f", frequency {silent_bin} silent" if silent else "")
        got_v, got_R = _returned_pair(student(y, eps), student.fname, "(v_j, R_j)")
        if np.shape(got_v) == R.shape and np.shape(got_R) == v.shape:
            raise _Fail(f"the pair is the wrong way round: return (v_j, R_j), v_j of shape "
                        f"(freq, frames) first ({context})")
        power = np.abs(y) ** 2
        with _about("v_j"):
            arr_v = _as_array(got_v, student.fname, f"expected v_j of shape (freq, frames) = "
                              f"{v.shape}")
            if np.iscomplexobj(arr_v) and _close(arr_v, v, 1e-6, 1e-10):
                raise _Fail(f"v_j is complex (dtype {arr_v.dtype}), but a power is real: use "
                            "np.abs(y_j) ** 2, or take .real of y_j * y_j.conj()")
            _compare(arr_v, v, fname=student.fname, what="the power spectral density v_j",
                     axes="(freq, frames)", context=context, atol=1e-10, factors=[
                         (channels, f"the number of channels, {channels}: v_j is the mean of "
                          "|y_j|² over the channels, not the sum")], variants=[
                         ("v_j has a channel axis: average |y_j|² over the channels (axis 0), "
                          "which leaves (freq, frames)", power),
                         ("v_j is a power: the mean of |y_j|² (squared magnitudes), not of "
                          "|y_j|", np.abs(y).mean(axis=0)),
                     ])
        S = np.einsum("cft,dft->cdf", y, np.conj(y))
        weight = eps + v.sum(axis=-1)
        frames = y.shape[-1]
        with np.errstate(divide="ignore", invalid="ignore"):  # 0 / 0 at a silent frequency
            no_eps = S / v.sum(axis=-1)
        variants = [
            ("R_j has its frequency axis first; the course's layout puts the channels first, "
             "(channels, channels, freq): np.moveaxis(R, 0, -1), or "
             "np.einsum('cft,dft->cdf', ...)", np.moveaxis(R, -1, 0)),
            ("R_j has one matrix per frame: sum y_j y_jᴴ over the frames t (R_j(f) does not "
             "change in time)", np.zeros(R.shape + (frames,))),
            ("R_j[c, d] is the complex conjugate of the expected value: you computed "
             "Σ_t conj(y_c) y_d. R_j(f) = Σ_t y yᴴ, so R_j[c, d] = Σ_t y_c conj(y_d): "
             "conjugate the second factor", np.conj(R)),
            ("R_j(f) is not Hermitian: the conjugate is missing (Σ_t y yᵀ). R_j(f) = "
             "Σ_t y yᴴ, so R_j[c, d] = Σ_t y_c conj(y_d)",
             np.einsum("cft,dft->cdf", y, y) / weight),
            ("you multiplied magnitudes, |y_c| |y_d|: the phase between the channels is lost. "
             "R_j[c, d] = Σ_t y_c conj(y_d) is complex",
             np.einsum("cft,dft->cdf", np.abs(y), np.abs(y)) / weight),
            ("R_j is not normalised: divide Σ_t y yᴴ by eps + Σ_t v_j(f, t), one number per "
             "frequency, so that trace R_j(f) ≈ channels", S),
            ("eps is missing: R_j(f) = Σ_t y yᴴ / (eps + Σ_t v_j(f, t)); eps keeps a quiet "
             "frequency from a huge R_j, and a silent one from 0 / 0", no_eps),
            ("eps is added once per frequency, not in every frame: the denominator is "
             "eps + Σ_t v_j(f, t)", S / (v.sum(axis=-1) + frames * eps)),
            ("you averaged y yᴴ over the frames; R_j(f) is weighted by the power instead: "
             "divide Σ_t y yᴴ by eps + Σ_t v_j(f, t), not by the number of frames",
             S / frames),
            ("the denominator sums |y|² over the channels; it uses v_j, their mean: "
             "eps + Σ_t v_j(f, t)", S / (eps + power.sum(axis=(0, 2)))),
        ]
        if eps != 1.0:
            variants.append((f"you used eps = 1, not the argument eps = {eps:g}",
                             S / (1.0 + v.sum(axis=-1))))
        with _about("R_j"):
            arr_R = _as_array(got_R, student.fname, "expected R_j of shape (channels, "
                              f"channels, freq) = {R.shape}")
            if (arr_R.shape == R.shape and np.all(np.isfinite(arr_R))
                    and not _close(arr_R, R, 1e-6, 1e-10)):
                _explain_covariance(arr_R, R, variants, f" ({context})")
            _compare(got_R, R, fname=student.fname, what="the spatial covariance matrices R_j",
                     axes="(channels, channels, freq)", context=context, atol=1e-10,
                     variants=variants,
                     nan_hint="a silent frequency (y_j = 0 in every channel and frame) gives "
                              "0 / 0 unless the denominator is eps + Σ_t v_j(f, t)")
    return ("on 2 random source images (2 channels with eps = 1; 3 channels with another eps "
            "and a silent frequency)")


# --- hw06: the transposed convolution --------------------------------------


def _conv_transpose_reference(x, kernel, stride):
    out = np.zeros((x.size - 1) * stride + kernel.size, dtype=np.result_type(x, kernel))
    for k, weight in enumerate(kernel):
        out[k: k + stride * x.size: stride] += weight * x
    return out


@_register("conv_transpose_1d", ("x", "kernel", "stride"),
           "torch.nn.functional.conv_transpose1d (one channel, no padding)",
           ("torch.nn.functional.conv_transpose1d", "torch.conv_transpose1d"))
def check_conv_transpose_1d(student, rng):
    """``out[i * stride + k] += x[i] * kernel[k]``; length
    ``(len(x) - 1) * stride + len(kernel)``."""
    for stride in (1, 2, int(rng.integers(3, 5))):
        x = rng.standard_normal(int(rng.integers(5, 12)))
        kernel = rng.standard_normal(int(rng.integers(3, 6)))
        context = f"len(x)={x.size}, len(kernel)={kernel.size}, stride={stride}"
        expected = _conv_transpose_reference(x, kernel, stride)
        stuffed = np.zeros(x.size * stride)
        stuffed[::stride] = x
        _compare(student(x, kernel, stride), expected, fname=student.fname,
                 what="the output", axes="(length,)", context=context, variants=[
                     ("the kernel is flipped: out[i * stride + k] += x[i] * kernel[k], "
                      "kernel[0] first", _conv_transpose_reference(x, kernel[::-1], stride)),
                     ("you put stride − 1 zeros after the last sample too: the output has "
                      "(len(x) − 1) * stride + len(kernel) samples",
                      np.convolve(stuffed, kernel)),
                     ("the output is cut to len(x) * stride samples; it has "
                      "(len(x) − 1) * stride + len(kernel)", expected[: x.size * stride]
                      if x.size * stride < expected.size else np.zeros(x.size * stride)),
                 ])
    return "for strides 1, 2 and a random one"


@_register("transposed_output_length", ("length", "kernel_size", "stride", "padding",
                                        "output_padding"),
           "the output length of torch.nn.ConvTranspose1d / ConvTranspose2d",
           ())
def check_transposed_output_length(student, rng):
    """``(length - 1) * stride - 2 * padding + kernel_size + output_padding``."""
    cases = [(64, 5, 2, 2, 1)]  # the U-Net's decoder: doubles the length
    for _ in range(4):
        stride = int(rng.integers(1, 4))
        cases.append((int(rng.integers(3, 100)), int(rng.integers(2, 8)), stride,
                      int(rng.integers(0, 3)), int(rng.integers(0, stride))))
    for length, k, s, p, op in cases:
        expected = (length - 1) * s - 2 * p + k + op
        got = student(length, k, s, p, op)
        context = (f"length={length}, kernel_size={k}, stride={s}, padding={p}, "
                   f"output_padding={op}")
        if isinstance(got, (float, np.floating)) and float(got).is_integer():
            got = int(got)
        if not isinstance(got, (int, np.integer)) or isinstance(got, bool):
            raise _Fail(f"`{student.fname}` should return an int (a number of samples), got "
                        f"{type(got).__name__} {got!r:.60} ({context})")
        variants = [
            ("output_padding is missing: it adds samples at the end",
             (length - 1) * s - 2 * p + k),
            ("padding removes samples on both sides: subtract 2 * padding",
             (length - 1) * s - p + k + op),
            ("that is length * stride: a transposed convolution gives (length − 1) * stride "
             "+ kernel_size before padding", length * s - 2 * p + op),
            ("padding adds nothing here: a transposed convolution's padding removes 2 * padding "
             "samples", (length - 1) * s + 2 * p + k + op),
        ]
        if int(got) != expected:
            for message, value in variants:
                if value != expected and int(got) == value:
                    raise _Fail(f"expected {expected}, got {int(got)} ({context}): {message}")
            raise _Fail(f"expected {expected}, got {int(got)} ({context}): the length is "
                        "(length − 1) · stride − 2 · padding + kernel_size + output_padding")
    return "on the U-Net's decoder layer (64 → 128) and 4 random layers"

