"""Grade a folder of submitted homework notebooks without Docker and write a scores CSV.

Otter 7's ``otter grade`` runs every submission in a Docker container; ``otter run`` grades
one submission without Docker. This script runs the latter (``otter.api.grade_submission``)
on every ``*.ipynb`` of a folder and writes one row per submission, the columns of
``otter grade``'s ``final_grades.csv``: ``file``, one column per question, ``total`` and
``possible``. The submissions run in this Python environment, which needs course_lib and
otter-grader (the grading runs student code: use a sandbox for untrusted submissions).

Usage::

    python notebooks/homework/grade.py hw01_stft SUBMISSIONS_DIR [-o scores.csv]

It needs ``build/homework/hw01_stft-autograder.zip`` (``make homework`` writes it).
"""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
BUILD = HERE.parent.parent / "build" / "homework"


def grade_folder(name: str, submissions: Path, output: Path) -> list[dict]:
    import otter.api

    autograder = BUILD / f"{name}-autograder.zip"
    if not autograder.is_file():
        raise SystemExit(f"{autograder} is missing: run `make homework` first")
    rows = []
    for path in sorted(Path(submissions).glob("*.ipynb")):
        results = otter.api.grade_submission(str(path), str(autograder), quiet=True)
        row = {"file": path.name}
        for question in sorted(results.results):
            row[question] = results.get_score(question)
        row["total"] = results.total
        row["possible"] = results.possible
        rows.append(row)
        print(f"{path.name}: {results.total} / {results.possible}", flush=True)
    columns = ["file", *sorted({k for r in rows for k in r} - {"file", "total", "possible"}),
               "total", "possible"]
    with open(output, "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=columns)
        writer.writeheader()
        writer.writerows(rows)
    return rows


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("homework", help="e.g. hw01_stft")
    parser.add_argument("submissions", type=Path, help="a folder of .ipynb submissions")
    parser.add_argument("-o", "--output", type=Path, default=Path("scores.csv"))
    args = parser.parse_args(argv)
    grade_folder(args.homework, args.submissions, args.output)
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main(sys.argv[1:])
