"""README's glossary (## Glossary 用語集) against the Japanese terms the notebooks introduce.

The course gives the Japanese for each new concept once, in parentheses after the English at
its first appearance: "the window function (窓関数)", "(DFT, 離散フーリエ変換)", "(the hop,
シフト長 or ホップ長)", "(バッチ正規化: each channel rescaled ...)". Every such term must have a
row in the glossary, and every Japanese term of the glossary must be used by a notebook, so the
table neither misses terms nor collects dead ones.

Extraction rule, the same for notebook markdown and for the glossary's Japanese cells:

- each markdown cell on its own; math ($...$, $$...$$) and code (`...`) are left out; a line
  break inside a Japanese word (ソフト / マスク) is dropped, any other counts as a space;
- a parenthetical, ( ) or full-width （ ）, nested or not, is split at ``;`` and ``:`` (what
  follows is usually an explanation or a citation), then at ``,`` / ``、`` and at " or "; every
  piece containing Japanese script is a term;
- a parenthetical holding a quotation in 「」 or 『』 quotes the reference material
  (「行方向で正規化」, 「ちょっと強引に」) and gives no term;
- terms are compared without whitespace, so "KL ダイバージェンス" written across a line break
  or as "KLダイバージェンス" is the same term.
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
GLOSSARY_HEADING = "## Glossary 用語集"
LECTURES = sorted((ROOT / "notebooks").glob("0[1-6]_*.ipynb"))
HOMEWORK_MASTERS = sorted((ROOT / "notebooks" / "homework" / "source").glob("hw*.ipynb"))
NOTEBOOKS = LECTURES + HOMEWORK_MASTERS

# Glossary Japanese terms that no notebook uses, each kept on purpose (normalised: no spaces).
# Keep the list short: a term belongs here only when a Japanese reader needs it beside the
# notebooks' own terms. Any other term no notebook uses is a dead entry.
GLOSSARY_ONLY = {
    "混合信号": "the signal-processing synonym of 混合音, which readers meet in the literature",
    "乗法更新則": "the 'update rule' form of 乗法的更新, common in Japanese NMF papers",
    "k-meansクラスタリング": "the name libraries and many texts use beside k 平均法",
    "理想条件での上限": "a gloss explaining オラクル, not a term of its own",
    "畳み込みニューラルネットワーク": "notebook 06 uses 'CNN' without giving the Japanese",
    "学習データ": "notebook 06 has training / validation / test songs, in English only",
    "検証データ": "as 学習データ",
    "テストデータ": "as 学習データ",
}

_JAPANESE = re.compile(r"[\u3005\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uff66-\uff9f]")
_LINE_BREAK_IN_WORD = re.compile(rf"(?<={_JAPANESE.pattern})[ \t]*\n[ \t]*(?={_JAPANESE.pattern})")
_QUOTE = re.compile(r"[「」『』]")
_MATH_OR_CODE = re.compile(r"\$\$.*?\$\$|\$[^$]*\$|`[^`]*`", re.DOTALL)
_OPEN, _CLOSE = "(（", ")）"


def _norm(term: str) -> str:
    return re.sub(r"\s+", "", term)


def _pieces(text: str) -> list[str]:
    """Japanese terms in one parenthetical's own text (its nested parentheticals cut out)."""
    terms = []
    for part in re.split(r"[;；:：]", text):
        for piece in re.split(r"[,，、]|\s+or\s+", part):
            piece = re.sub(r"^\s*or\s+", "", " ".join(piece.split()))
            if _JAPANESE.search(piece):
                terms.append(piece)
    return terms


def introduced_terms(markdown: str) -> list[str]:
    """Japanese terms given in parentheses in ``markdown``, in order, quotations left out."""
    text = _MATH_OR_CODE.sub(" ", markdown)
    text = _LINE_BREAK_IN_WORD.sub("", text)  # ソフト\nマスク -> ソフトマスク
    found: list[tuple[int, str]] = []
    stack: list[tuple[int, list[str]]] = []  # (start, own text) of each open parenthetical
    for i, ch in enumerate(text):
        if ch in _OPEN:
            stack.append((i, []))
        elif ch in _CLOSE and stack:
            start, own = stack.pop()
            own_text = "".join(own)
            if stack:
                stack[-1][1].append(" , ")  # a nested group separates its neighbours
            if not _QUOTE.search(own_text):
                found.extend((start, term) for term in _pieces(own_text))
        elif stack:
            stack[-1][1].append(ch)
    return [term for _, term in sorted(found, key=lambda item: item[0])]


def _markdown_cells(path: Path) -> list[str]:
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    return ["".join(cell["source"]) for cell in cells if cell["cell_type"] == "markdown"]


def _markdown(path: Path) -> str:
    return "\n\n".join(_markdown_cells(path))


@cache
def glossary_rows() -> tuple[tuple[str, str], ...]:
    """The (English, 日本語) rows of README's glossary table."""
    lines = README.read_text(encoding="utf-8").splitlines()
    start = lines.index(GLOSSARY_HEADING)
    rows = []
    for line in lines[start + 1 :]:
        if line.startswith("## "):
            break
        if not line.startswith("|"):
            continue
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if set("".join(cells)) <= set("-: "):
            continue  # the |---|---| line
        assert len(cells) == 2, f"README glossary row {line!r} does not have two columns"
        rows.append((cells[0], cells[1]))
    assert rows and rows[0] == ("English", "日本語"), "README glossary: header row not found"
    return tuple(rows[1:])


def glossary_terms() -> dict[str, str]:
    """Every Japanese term of the glossary (aliases in （） included), normalised -> English."""
    return {
        _norm(term): english
        for english, japanese in glossary_rows()
        for term in introduced_terms(f"({japanese})")
    }


def test_extraction_rule():
    text = (
        "the window function (窓関数), the hop (the hop, シフト長 or ホップ長), the frame "
        "length (the frame length,\nフレーム長), (EU, ユークリッド距離), (比率マスク, or ソフト\n"
        "マスク), (MFCC, メル周波数ケプストラム係数; Davis & Mermelstein 1980), (バッチ正規化: "
        "each channel rescaled $x(n)$), (ステム: the sources (音源) it was made of), "
        "(phase reconstruction, 位相復元（Griffin–Lim 法）), （全角）, (正則化, regularisation), "
        "(「行方向で正規化」), (「ちょっと\n強引に」), (「各々の基底」一種の分類問題), "
        "(in Japanese)"
    )
    assert introduced_terms(text) == [
        "窓関数", "シフト長", "ホップ長", "フレーム長", "ユークリッド距離", "比率マスク",
        "ソフトマスク", "メル周波数ケプストラム係数", "バッチ正規化", "ステム", "音源",
        "位相復元", "Griffin–Lim 法", "全角", "正則化",
    ]  # fmt: skip


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.name)
def test_every_introduced_term_is_in_the_glossary(notebook):
    known = glossary_terms()
    missing = []
    terms = [term for cell in _markdown_cells(notebook) for term in introduced_terms(cell)]
    for term in terms:
        if _norm(term) not in known and term not in missing:
            missing.append(term)
    assert not missing, "\n".join(
        f"{notebook.relative_to(ROOT)} introduces the Japanese term {term!r}, which README's "
        f"glossary lacks: add a row '| <English> | {term} |' to the table under "
        f"'{GLOSSARY_HEADING}' in README.md"
        for term in missing
    )


def test_glossary_rows_are_complete_and_unique():
    rows = glossary_rows()
    for english, japanese in rows:
        assert english and japanese, (
            f"README glossary row {english!r} | {japanese!r}: a column is empty"
        )
    seen: dict[str, str] = {}
    for english, _ in rows:
        for item in re.split(r",\s*", english):
            key = " ".join(item.lower().split())
            assert key not in seen, (
                f"README glossary: {item!r} has two rows ({seen[key]!r} and {english!r})"
            )
            seen[key] = english
    japanese_seen: dict[str, str] = {}
    for english, japanese in rows:
        for term in introduced_terms(f"({japanese})"):
            key = _norm(term)
            assert key not in japanese_seen, (
                f"README glossary: {term!r} is the Japanese of two rows "
                f"({japanese_seen[key]!r} and {english!r})"
            )
            japanese_seen[key] = english


@cache
def _notebook_texts() -> tuple[str, ...]:
    return tuple(_norm(_MATH_OR_CODE.sub(" ", _markdown(path))) for path in NOTEBOOKS)


def _used(term: str) -> bool:
    return any(term in text for text in _notebook_texts())


def test_every_glossary_term_is_used_by_a_notebook():
    dead = [
        f"{term!r} ({english})"
        for term, english in glossary_terms().items()
        if term not in GLOSSARY_ONLY and not _used(term)
    ]
    assert not dead, (
        "README glossary terms that no notebook uses (neither the lectures nor the homework "
        "masters): " + ", ".join(dead) + ". Remove the row, or add the term to GLOSSARY_ONLY in "
        "tests/test_glossary.py with the reason it belongs in the glossary."
    )


def test_glossary_only_list_is_not_stale():
    known = glossary_terms()
    gone = sorted(term for term in GLOSSARY_ONLY if term not in known)
    assert not gone, f"GLOSSARY_ONLY lists terms the README glossary no longer has: {gone}"
    used = sorted(term for term in GLOSSARY_ONLY if _used(term))
    assert not used, f"GLOSSARY_ONLY lists terms a notebook now uses; take them off: {used}"
