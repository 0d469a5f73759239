"""The homework: course_lib.checks, the Otter master and student notebooks, and grading.

- every check passes on the solution of its master notebook (notebooks/homework/source/);
- every check fails, with the right explanation and no traceback, on deliberately wrong
  implementations kept here (at least three per check);
- a student's own exception is reported with the student's line; the reference is hidden
  while the student's function runs, and restored afterwards;
- the student notebooks hold no solution code and every question has its test file;
- a student notebook's ``grader.check`` works after its setup cell;
- grading a folder of three fake submissions (Otter, without Docker) gives the expected CSV.
"""

from __future__ import annotations

import csv
import json
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest

from course_lib import checks

ROOT = Path(__file__).resolve().parent.parent
HOMEWORK = ROOT / "notebooks" / "homework"
MASTERS = sorted((HOMEWORK / "source").glob("hw[0-9][0-9]_*.ipynb"))
STUDENTS = sorted(HOMEWORK.glob("hw[0-9][0-9]_*.ipynb"))


def _cells(path: Path) -> list[dict]:
    return json.loads(path.read_text())["cells"]


def _source(cell: dict) -> str:
    return "".join(cell["source"])


def _questions(master: Path) -> list[dict]:
    """[{name, function, solution}] of a master notebook, in order."""
    questions, current, in_solution = [], None, False
    for cell in _cells(master):
        text = _source(cell).strip()
        if cell["cell_type"] == "raw" and text.startswith("# BEGIN QUESTION"):
            current = {"name": re.search(r"name:\s*(\S+)", text).group(1), "solution": ""}
            questions.append(current)
        elif cell["cell_type"] == "raw" and text == "# BEGIN SOLUTION":
            in_solution = True
        elif cell["cell_type"] == "raw" and text == "# END SOLUTION":
            in_solution = False
        elif in_solution and cell["cell_type"] == "code":
            current["solution"] += text + "\n\n"
            current["function"] = re.search(r"^def (\w+)\(", text, re.M).group(1)
    return questions


def _solutions(master: Path) -> dict:
    """The namespace after running every solution cell of a master notebook."""
    namespace = {"np": np}
    for question in _questions(master):
        exec(compile(question["solution"], f"<{master.stem} {question['name']}>", "exec"),
             namespace)
    return namespace


QUESTIONS = [(m, q) for m in MASTERS for q in _questions(m)]


def test_there_is_a_master_and_a_student_notebook_per_homework():
    assert [m.name for m in MASTERS][:2] == ["hw01_stft.ipynb", "hw02_nmf.ipynb"]
    assert [s.name for s in STUDENTS] == [m.name for m in MASTERS]


@pytest.mark.parametrize(("master", "question"), QUESTIONS,
                         ids=[q["name"] for _, q in QUESTIONS])
def test_check_passes_on_the_solution(master, question, capsys):
    function = _solutions(master)[question["function"]]
    result = getattr(checks, f"check_{question['function']}")(function, seed=1)
    assert result.passed, result.message
    assert capsys.readouterr().out.startswith(f"✔ {question['function']} matches")
    checks.run_check(question["function"], function).passed or pytest.fail("fresh inputs")


def test_every_check_has_a_homework_question():
    asked = {q["function"] for _, q in QUESTIONS}
    assert set(checks.CHECKS) == asked


# ---------------------------------------------------------------------------
# Wrong implementations: each check explains the first difference in words
# ---------------------------------------------------------------------------


def _frames(y, n_fft, hop):
    padded = np.pad(y, n_fft // 2)
    n = 1 + (padded.size - n_fft) // hop
    return np.stack([padded[m * hop: m * hop + n_fft] for m in range(n)], axis=1)


def _kl_ok(V, W, H):
    return H * (W.T @ (V / (W @ H))) / W.sum(axis=0)[:, None]


def _mel_corners(sr, n_mels):
    top = 2595 * np.log10(1 + sr / 2 / 700)
    return 700 * (10 ** (np.linspace(0, top, n_mels + 2) / 2595) - 1)


def _triangles(corners, bins):
    lo, c, hi = corners[:-2, None], corners[1:-1, None], corners[2:, None]
    return np.maximum(0, np.minimum((bins - lo) / (c - lo), (hi - bins) / (hi - c)))


def _mel_ok(sr, n_fft, n_mels):
    return _triangles(_mel_corners(sr, n_mels), np.arange(1 + n_fft // 2) * sr / n_fft)


def _inv2(C):
    a, b, c, d = C[0, 0], C[0, 1], C[1, 0], C[1, 1]
    return np.array([[d, -b], [-c, a]]) / (a * d - b * c)


def _slow_dft(y, n_fft, hop, window):
    frames = _frames(y, n_fft, hop) * window[:, None]
    X = np.zeros((1 + n_fft // 2, frames.shape[1]), dtype=complex)
    for m in range(frames.shape[1]):
        for k in range(1 + n_fft // 2):
            for n in range(n_fft):
                X[k, m] += frames[n, m] * np.exp(-2j * np.pi * n * k / n_fft)
    return X


def _conv_t(x, kernel, stride):
    out = np.zeros((len(x) - 1) * stride + len(kernel))
    for i, s in enumerate(x):
        out[i * stride: i * stride + len(kernel)] += s * kernel
    return out


def _update_in_place(V, W, H):
    H *= (W.T @ (V / (W @ H))) / W.sum(axis=0)[:, None]
    return H


def _simplex(X, threshold=lambda excess, rho: excess[rho - 1] / rho, sort=np.sort):
    """Each column of X onto Δ = {h >= 0, sum h <= 1}, with a replaceable threshold rule."""
    H = np.maximum(X, 0.0)
    for j in np.flatnonzero(H.sum(axis=0) > 1):
        u = sort(X[:, j])[::-1]
        excess = np.cumsum(u) - 1
        rho = np.count_nonzero(u - excess / np.arange(1, u.size + 1) > 0)
        H[:, j] = np.maximum(X[:, j] - threshold(excess, rho), 0.0)
    return H


def _onto_face(X):
    """Every column onto the probability simplex {h >= 0, sum h = 1}, even those inside Δ."""
    return _simplex(X + 10.0)  # the projection onto the face ignores a shift along (1, ..., 1)


def _clip_and_normalise(X):
    P = np.maximum(X, 0.0)
    return P / P.sum(axis=0)


def _simplex_in_place(X):
    np.maximum(X, 0.0, out=X)
    return _simplex(X)


def _lgm(y, eps, *, power=lambda y: np.abs(y) ** 2, v_over=np.mean, conj=np.conj,
         weight=lambda v, eps: eps + v.sum(axis=-1)):
    v = v_over(power(y), axis=0)
    return v, np.einsum("cft,dft->cdf", y, conj(y)) / weight(v, eps)


WRONG = {
    "frame_signal": [
        (lambda y, n, h: _frames(y, n, h).T, "axes swapped"),
        (lambda y, n, h: np.stack([y[m * h: m * h + n] for m in range(1 + (y.size - n) // h)],
                                  axis=1), "no padding"),
        (lambda y, n, h: _frames(np.pad(y, n // 2, mode="reflect")[n // 2: -(n // 2)], n, h)
         if False else np.stack([np.pad(y, n // 2, mode="reflect")[m * h: m * h + n]
                                 for m in range(_frames(y, n, h).shape[1])], axis=1),
         "padded by reflection"),
        (lambda y, n, h: None, "returned None"),
    ],
    "framed_dft": [
        (lambda y, n, h, w: np.conj(np.fft.rfft(_frames(y, n, h) * w[:, None], axis=0)),
         "complex conjugates"),
        (lambda y, n, h, w: np.fft.rfft(_frames(y, n, h) * w[:, None], axis=0) / n,
         "1/n_fft"),
        (lambda y, n, h, w: np.fft.rfft(_frames(y, n, h), axis=0), "window is missing"),
        (lambda y, n, h, w: np.fft.fft(_frames(y, n, h) * w[:, None], axis=0),
         "negative frequencies"),
        (lambda y, n, h, w: np.abs(np.fft.rfft(_frames(y, n, h) * w[:, None], axis=0)),
         "magnitude"),
        (lambda y, n, h, w: np.fft.rfft(_frames(y, n, h) * w[:, None], axis=0).T,
         "axes swapped"),
        (_slow_dft, "too slow"),
    ],
    "kl_divergence": [
        (lambda V, Vh: float(np.sum(V * np.log(V / Vh) - V + Vh)), "not NaN"),
        (lambda V, Vh: float(np.sum(np.where(V > 0, V * np.log(np.where(V > 0, V, 1) / Vh), 0))),
         "left out the terms"),
        (lambda V, Vh: float(np.mean(np.where(V > 0, V * np.log(np.where(V > 0, V, 1) / Vh), 0)
                                     - V + Vh)), "mean"),
        (lambda V, Vh: np.where(V > 0, V * np.log(np.where(V > 0, V, 1) / Vh), 0) - V + Vh,
         "one number"),
    ],
    "kl_update_h": [
        (lambda V, W, H: H * (W.T @ V) / (W.T @ W @ H), "Euclidean (EU) update"),
        (lambda V, W, H: (W.T @ (V / (W @ H))) / W.sum(axis=0)[:, None], "old H is missing"),
        (lambda V, W, H: H * (W.T @ (V / (W @ H))), "denominator is missing"),
        (_update_in_place, "in place"),
        (lambda V, W, H: _kl_ok(V, W, H).T, "axes swapped"),
        (lambda V, W, H: H * (W.T @ (V / (W @ H))) / W.sum(axis=1)[:, None],
         "raised ValueError"),
    ],
    "hz_to_mel": [
        (lambda f: 2595 * np.log(1 + np.asarray(f) / 700), "natural logarithm"),
        (lambda f: 700 * np.log10(1 + np.asarray(f) / 2595), "misplaced"),
        (lambda f: 2595 * np.log10(1 + np.mean(f) / 700), "one number"),
        (lambda f: np.where(np.asarray(f) < 1000, np.asarray(f) * 3 / 200,
                            15 + 27 * np.log(np.maximum(f, 1e-9) / 1000) / np.log(6.4)),
         "Slaney"),
    ],
    "mel_filterbank": [
        (lambda sr, n, m: _mel_ok(sr, n, m).T, "axes swapped"),
        (lambda sr, n, m: _triangles(np.linspace(0, sr / 2, m + 2),
                                     np.arange(1 + n // 2) * sr / n), "equally spaced in Hz"),
        (lambda sr, n, m: _mel_ok(sr, n, m) / _mel_ok(sr, n, m).sum(axis=1, keepdims=True),
         "different factor"),
        (lambda sr, n, m: _triangles(_mel_corners(sr, m), np.arange(n) * sr / n),
         "1 + n_fft // 2 columns"),
        (lambda sr, n, m: __import__("course_lib").features.mel_filterbank(sr, n, m),
         "calls `course_lib.features.mel_filterbank`"),
    ],
    "spa_step": [
        (lambda R: (int(np.argmax(np.linalg.norm(R, axis=1))), R), "norms of the rows"),
        (lambda R: (int(np.argmax(np.linalg.norm(R, axis=0))) + 1, R), "counted from 1"),
        (lambda R: (lambda j, u: (j, np.outer(u, u @ R)))(
            int(np.argmax(np.linalg.norm(R, axis=0))),
            R[:, np.argmax(np.linalg.norm(R, axis=0))]
            / np.linalg.norm(R, axis=0).max()), "kept the part along"),
        (lambda R: (lambda j: (j, R - np.outer(R[:, j], R[:, j] @ R)))(
            int(np.argmax(np.linalg.norm(R, axis=0)))), "unit length"),
        (lambda R: np.argmax(np.linalg.norm(R, axis=0)), "pair"),
    ],
    "wiener_gain_2ch": [
        (lambda v, R, C: v * np.einsum("deft,cdf->ceft", _inv2(C), R) if False else
         v * np.einsum("cdft,def->ceft", _inv2(C), R), "wrong side"),
        (lambda v, R, C: v * np.einsum("cdf,deft->ceft", R, 1 / C), "entry by entry"),
        (lambda v, R, C: v * np.einsum("cdf,deft->ecft", R, _inv2(C)), "transposed"),
        (lambda v, R, C: np.einsum("cdf,deft->ceft", R, _inv2(C)), "v_j is missing"),
        (lambda v, R, C: np.moveaxis(v * np.einsum("cdf,deft->ceft", R, _inv2(C)), (0, 1),
                                     (-2, -1)), "wrong order"),
    ],
    "project_simplex": [
        (lambda X: _simplex(X.T).T, "you projected the rows"),
        (_clip_and_normalise, "dividing by the sum is not a projection"),
        (lambda X: np.where(np.maximum(X, 0).sum(axis=0) > 1, _clip_and_normalise(X),
                            np.maximum(X, 0)), "dividing by the sum is not a projection"),
        (lambda X: X - (X.sum(axis=0) - 1) / X.shape[0], "h ≥ 0 is missing"),
        (_onto_face, "also holds the points inside the simplex"),
        (lambda X: np.maximum(X, 0), "was only clipped"),
        (_simplex_in_place, "changed its argument `X` in place"),
        (lambda X: _simplex(X, lambda excess, rho: excess[rho - 1] / (rho + 1)),
         "off by one in ρ"),
        (lambda X: _simplex(X, lambda excess, rho: excess[rho - 1] / excess.size),
         "θ = (u_1 + … + u_ρ − 1) / ρ"),
        (lambda X: _simplex(X, sort=np.unique), "(all entries equal, ties in the sort)"),
        (lambda X: __import__("course_lib").separable.project_simplex(X),
         "calls `course_lib.separable.project_simplex`"),
    ],
    "local_gaussian_model": [
        (lambda y, eps: _lgm(y, eps, conj=np.asarray),
         "R_j(f) is not Hermitian: the conjugate is missing"),
        (lambda y, eps: (lambda v, R: (v, np.conj(R)))(*_lgm(y, eps)), "complex conjugate"),
        (lambda y, eps: _lgm(y, eps, v_over=np.sum), "v_j: off by a constant factor: your "
         "values are 2 × the expected ones (the number of channels, 2"),
        (lambda y, eps: _lgm(y, eps, power=np.abs), "v_j is a power"),
        (lambda y, eps: _lgm(y, eps, weight=lambda v, eps: 1.0), "R_j is not normalised"),
        (lambda y, eps: _lgm(y, eps, weight=lambda v, eps: v.sum(axis=-1)), "eps is missing"),
        (lambda y, eps: _lgm(y, eps, weight=lambda v, eps: 1.0 + v.sum(axis=-1)),
         "not the argument eps"),
        (lambda y, eps: _lgm(y, eps, weight=lambda v, eps: (v + eps).sum(axis=-1)),
         "not in every frame"),
        (lambda y, eps: _lgm(y, eps, weight=lambda v, eps: eps + v.sum(axis=-1) ** 2),
         "off by a different factor at each frequency"),
        (lambda y, eps: (lambda v, R: (v, np.moveaxis(R, -1, 0)))(*_lgm(y, eps)),
         "R_j has its frequency axis first"),
        (lambda y, eps: (lambda v, R: (R, v))(*_lgm(y, eps)), "the wrong way round"),
        (lambda y, eps: __import__("course_lib").wiener.local_gaussian_model(y, eps=eps),
         "calls `course_lib.wiener.local_gaussian_model`"),
    ],
    "conv_transpose_1d": [
        (lambda x, k, s: _conv_t(x, k[::-1], s), "flipped"),
        (lambda x, k, s: np.convolve(np.kron(x, np.eye(1, s)[0]), k), "after the last sample"),
        (lambda x, k, s: _conv_t(x, k, s)[: len(x) * s], "cut to len(x) * stride"),
        (lambda x, k, s: _conv_t(x, k, s) * 2, "constant factor"),
    ],
    "transposed_output_length": [
        (lambda n, k, s, p, op: (n - 1) * s - 2 * p + k, "output_padding is missing"),
        (lambda n, k, s, p, op: (n - 1) * s - p + k + op, "2 * padding"),
        (lambda n, k, s, p, op: n * s, "length * stride"),
        (lambda n, k, s, p, op: str(n * s), "should return an int"),
    ],
}

WRONG_CASES = [(name, fn, phrase) for name, cases in WRONG.items() for fn, phrase in cases]


def test_every_check_has_at_least_three_wrong_implementations():
    assert set(WRONG) == set(checks.CHECKS)
    assert all(len(cases) >= 3 for cases in WRONG.values())


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # the NaN of a wrong log
@pytest.mark.parametrize(("name", "function", "phrase"), WRONG_CASES,
                         ids=[f"{n}-{p[:24]}" for n, _, p in WRONG_CASES])
def test_check_explains_a_wrong_implementation(name, function, phrase):
    for seed in (0, 1):
        result = checks.run_check(name, function, seed=seed)
        assert not result.passed
        assert result.message.startswith(f"✘ {name}: ")
        assert phrase in result.message, result.message
        assert "Traceback" not in result.message


def test_a_students_exception_shows_the_students_line():
    def framed_dft(y, n_fft, hop_length, window):
        frames = _frames(y, n_fft, hop_length)
        spectrum = np.fft.rfft(frames * window, axis=0)  # window[:, None] forgotten
        return spectrum

    result = checks.run_check("framed_dft", framed_dft, seed=0)
    assert "raised ValueError" in result.message
    assert "spectrum = np.fft.rfft(frames * window, axis=0)" in result.message
    assert "of your function" in result.message


def test_calling_the_reference_fails_and_the_reference_is_restored():
    global stft  # as in a notebook, where the student's imports are globals
    from course_lib import stft as course_stft
    from course_lib.stft import stft

    original = course_stft.stft

    def framed_dft(y, n_fft, hop_length, window):
        return stft(y, 22050, n_fft=n_fft, hop_length=hop_length, window=window)

    def framed_dft_via_module(y, n_fft, hop_length, window):
        try:  # a student who swallows the error is still caught
            return course_stft.stft(y, 1, n_fft=n_fft, hop_length=hop_length, window=window)
        except Exception:
            return np.zeros((1 + n_fft // 2, 1 + y.size // hop_length), dtype=complex)

    for function in (framed_dft, framed_dft_via_module):
        result = checks.run_check("framed_dft", function, seed=0)
        assert not result.passed
        assert "calls `course_lib.stft.stft`" in result.message, result.message
    assert course_stft.stft is original and stft is original


def test_calling_the_new_references_fails_and_they_are_restored():
    global project_simplex, local_gaussian_model  # imported by name, as in a notebook
    from course_lib import separable, wiener
    from course_lib.separable import project_simplex
    from course_lib.wiener import local_gaussian_model

    originals = (separable.project_simplex, wiener.local_gaussian_model)

    def projected(X):
        return project_simplex(X)

    def modelled(y_j, eps):
        try:  # a student who swallows the error is still caught
            return local_gaussian_model(y_j, eps=eps)
        except Exception:
            return np.zeros(y_j.shape[1:]), np.zeros((y_j.shape[0],) * 2 + y_j.shape[1:2])

    for name, function, hidden in (
            ("project_simplex", projected, "course_lib.separable.project_simplex"),
            ("local_gaussian_model", modelled, "course_lib.wiener.local_gaussian_model")):
        result = checks.run_check(name, function, seed=0)
        assert not result.passed
        assert f"calls `{hidden}`" in result.message, result.message
    assert (separable.project_simplex, wiener.local_gaussian_model) == originals
    assert project_simplex is originals[0] and local_gaussian_model is originals[1]


def test_project_simplex_names_the_edge_case_that_fails():
    def changes_points_on_the_simplex(X):
        H = _simplex(X)
        on_simplex = np.isclose(X.sum(axis=0), 1) & (X.min(axis=0) >= 0)
        H[:, on_simplex] *= 0.5
        return H

    for seed in (0, 1):
        message = checks.run_check("project_simplex", changes_points_on_the_simplex,
                                   seed=seed).message
        assert "(already on the simplex) is already in Δ" in message, message
        assert "must stay unchanged" in message and "edge cases" in message


def test_the_simplex_example_of_hw04_holds():
    from course_lib.separable import project_simplex

    prompt = "".join(_source(c) for c in _cells(HOMEWORK / "source" / "hw04_snpa.ipynb"))
    assert r"try $x = (0.9,\ 0.3)$ by hand, where $\theta = 0.1$" in prompt
    x = np.array([0.9, 0.3])
    np.testing.assert_allclose(project_simplex(x), np.maximum(x - 0.1, 0))
    assert np.linalg.norm(project_simplex(x) - x) < np.linalg.norm(x / x.sum() - x)


def test_missing_function_and_wrong_signature_are_explained():
    assert "is not defined" in checks.run_check("kl_update_h", None).message
    message = checks.run_check("kl_update_h", lambda V, W: W).message
    assert "keep the parameters of the exercise" in message and "(V, W, H)" in message


@pytest.mark.parametrize("name", sorted(checks.CHECKS))
def test_an_untouched_skeleton_is_named_as_such(name):
    # what every student sees first: the exercise's cell as handed out, body `...`
    params = ", ".join(checks.CHECKS[name].params)
    namespace: dict = {}
    exec(f'def {name}({params}):\n    """The docstring of the exercise."""\n    ...\n', namespace)
    message = checks.run_check(name, namespace[name], seed=0).message
    assert "is still the skeleton" in message, message
    # a body that runs but returns nothing is told apart from the skeleton
    exec(f"def {name}({params}):\n    result = 0\n", namespace)
    assert "skeleton" not in checks.run_check(name, namespace[name], seed=0).message


def test_strict_raises_with_the_message_and_prints_nothing(capsys):
    with pytest.raises(checks.CheckFailed, match="Euclidean"):
        checks.check_kl_update_h(lambda V, W, H: H * (W.T @ V) / (W.T @ W @ H), strict=True)
    assert capsys.readouterr().out == ""
    with pytest.raises(ValueError, match="is not a check"):
        checks.run_check("nope", _kl_ok)


def test_reference_conv_transpose_matches_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    for stride in (1, 2, 3):
        x, kernel = rng.standard_normal(9), rng.standard_normal(5)
        expected = torch.nn.functional.conv_transpose1d(
            torch.tensor(x)[None, None], torch.tensor(kernel)[None, None], stride=stride)
        got = checks._conv_transpose_reference(x, kernel, stride)
        np.testing.assert_allclose(got, expected.numpy()[0, 0])
        layer = torch.nn.ConvTranspose1d(1, 1, 5, stride=2, padding=2, output_padding=1)
        assert layer(torch.zeros(1, 1, 64)).shape[-1] == 128


# ---------------------------------------------------------------------------
# Student notebooks and Otter
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("master", MASTERS, ids=lambda p: p.stem)
def test_student_notebook_has_no_solution_and_a_test_per_question(master):
    student = HOMEWORK / master.name
    text = "\n".join(_source(c) for c in _cells(student))
    assert "BEGIN SOLUTION" not in text and "END SOLUTION" not in text
    assert "BEGIN QUESTION" not in text and "BEGIN TESTS" not in text
    for question in _questions(master):
        body = [line.strip() for line in question["solution"].splitlines()
                if line.strip() and not line.strip().startswith(("def ", '"""', "#"))]
        leaked = [line for line in body if line in text]
        assert not leaked, f"{student.name} holds solution lines {leaked}"
        assert f'grader.check("{question["name"]}")' in text
        test_file = HOMEWORK / "tests" / f"{question['name']}.py"
        assert f"check_{question['function']}(" in test_file.read_text()
    for cell in _cells(student):
        if cell["cell_type"] == "code":
            assert not cell.get("outputs") and cell.get("execution_count") is None


@pytest.mark.parametrize("master", MASTERS, ids=lambda p: p.stem)
def test_student_notebook_is_up_to_date_with_its_master(master):
    # What Otter Assign keeps verbatim must be the same in the committed student notebook: every
    # markdown cell, every code cell outside a question, and each answer cell's signature and
    # docstring. Catches a master edited without `make homework` (which takes ~90 s to run).
    stale = f"{master.name} changed after its student notebook was made: run `make homework`"
    master_cells, student_cells = _cells(master), _cells(HOMEWORK / master.name)

    def kept(cells, *, in_student):
        shown, inside = [], False
        for cell in cells:
            text = _source(cell).strip()
            if cell["cell_type"] == "raw":
                inside = {"# BEGIN SOLUTION": True, "# BEGIN TESTS": True}.get(text, False)
                continue
            if cell["cell_type"] == "markdown":
                shown.append(("markdown", text))
            elif text.startswith("grader.check("):
                continue
            elif re.match(r"def \w+\(", text) and (inside or in_student):
                head = re.match(r'(def .*?""".*?""")', text, re.S)
                shown.append(("answer", head.group(1) if head else text.splitlines()[0]))
            elif not inside:
                shown.append(("code", text))
        return [entry for entry in shown if entry[1]]

    master_kept = [e for e in kept(master_cells, in_student=False)
                   if not e[1].startswith("def test_")]
    assert kept(student_cells, in_student=True) == master_kept, stale


def _student_with(name: str, answers: dict) -> dict:
    """The student notebook of ``name`` with some answer cells replaced by ``answers``."""
    notebook = json.loads((HOMEWORK / f"{name}.ipynb").read_text())
    for cell in notebook["cells"]:
        match = re.match(r"def (\w+)\(", _source(cell))
        if cell["cell_type"] == "code" and match and match.group(1) in answers:
            cell["source"] = answers[match.group(1)]
    return notebook


HW01 = {q["function"]: q["solution"] for q in _questions(HOMEWORK / "source" / "hw01_stft.ipynb")}
HW01_WRONG_DFT = HW01["framed_dft"].replace("return np.fft.rfft(", "return np.fft.rfft(-")


@pytest.mark.slow
def test_grader_check_works_in_the_student_notebook():
    import nbclient
    import nbformat

    notebook = nbformat.reads(json.dumps(_student_with(
        "hw01_stft", {"frame_signal": HW01["frame_signal"], "framed_dft": HW01_WRONG_DFT})),
        as_version=4)
    client = nbclient.NotebookClient(notebook, timeout=300, kernel_name="python3",
                                     resources={"metadata": {"path": str(HOMEWORK)}})
    client.execute()
    outputs = {}
    for cell in notebook.cells:
        match = re.match(r'grader.check\("(\w+)"\)', cell.source)
        if match:
            data = cell.outputs[0]["data"]
            outputs[match.group(1)] = data.get("text/plain", "") + data.get("text/html", "")
    assert "All test cases passed" in outputs["hw01_q1"]
    assert "sign is flipped" in outputs["hw01_q2"], outputs["hw01_q2"]
    assert "Traceback" not in outputs["hw01_q2"]


@pytest.mark.slow
def test_grading_three_fake_submissions_writes_the_expected_csv(tmp_path):
    pytest.importorskip("otter")
    sys.path.insert(0, str(HOMEWORK))
    try:
        import grade
    finally:
        sys.path.remove(str(HOMEWORK))
    # an autograder zip from the committed public tests (make homework builds the same)
    tests = tmp_path / "tests"
    tests.mkdir()
    for test in (HOMEWORK / "tests").glob("hw01_*.py"):
        shutil.copy(test, tests)
    (tmp_path / "otter_config.json").write_text('{"assignment_name": "hw01_stft"}')
    autograder = tmp_path / "hw01_stft-autograder.zip"
    subprocess.run([str(Path(sys.executable).with_name("otter")), "generate", "-t", "tests",
                    "-o", autograder.name, "--no-requirements", "--no-environment"],
                   cwd=tmp_path, check=True, capture_output=True)
    assert zipfile.ZipFile(autograder).namelist()
    submissions = tmp_path / "submissions"
    submissions.mkdir()
    fakes = {
        "alice.ipynb": HW01,                                                   # all correct
        "bob.ipynb": {**HW01, "framed_dft": HW01_WRONG_DFT},                   # q2 wrong
        "carol.ipynb": {},                                                     # untouched
    }
    for name, answers in fakes.items():
        (submissions / name).write_text(json.dumps(_student_with("hw01_stft", answers)))
    output = tmp_path / "scores.csv"
    grade.BUILD = tmp_path
    grade.grade_folder("hw01_stft", submissions, output)
    with open(output) as f:
        rows = list(csv.DictReader(f))
    table = [[r["file"], float(r["hw01_q1"]), float(r["hw01_q2"]), float(r["total"]),
              float(r["possible"])] for r in rows]
    assert table == [["alice.ipynb", 1, 1, 2, 2], ["bob.ipynb", 1, 0, 1, 2],
                     ["carol.ipynb", 0, 0, 0, 2]]
