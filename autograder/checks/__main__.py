"""The student's own check: the public checks on a two_layer_net.py, the grader's way.

    python check.py [FILE] [--json]                       (in the student folder)
    python -m autograder.checks [FILE] [--json]           (in the course repo)

The file is read as the grader reads it, and each call runs in a child process
with the grader's time limit. ``--json`` prints the results in the grader's
results.json format instead of the table. Exit codes: 0 every public check
passes; 1 some do not; 2 no file or no checks; 130 interrupted (Ctrl-C).
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

from ..intake import Refused
from ..sandbox import Limits
from .console import survive_any_console
from .local import CheckTarget, student_box
from .program import read_student_file
from .runner import run_checks, table
from .support import load_known
from .verdict import blame_helpers, fix_first, render_fix_first, results, summary, syntax_error

if TYPE_CHECKING:
    from collections.abc import Sequence
    from typing import Any

INTERRUPTED = 130


def run(path: str | Path, limits: Limits | None = None) -> tuple[dict[str, Any], str | None]:
    """(the results dict of the public checks on ``path``, a note when the file was not
    UTF-8 or None); raises Refused, KeyboardInterrupt. ``limits``: the box's (default:
    the grader's, course.toml's)."""
    source, note = read_student_file(path)
    return run_source(source, limits, note), note


def run_source(source: str, limits: Limits | None = None, note: str | None = None) -> dict[str, Any]:
    """The results dict of the public checks on ``source`` (the graded text of a file, or
    of the code a notebook's kernel ran: ``checks.notebook``); ``note`` heads its output."""
    start = time.perf_counter()
    with student_box(source, limits) as box:
        tests = run_checks(CheckTarget(box, source=source))
        import_error = box.import_error
    blame_helpers(tests, source)      # here a check also runs the student's other functions
    first = fix_first(tests, syntax_error(source), import_error)
    output = summary(tests, first)
    return results(tests, start, f"{note}\n{output}" if note else output, first=first)


def parse(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="check.py", description="运行公开检查，给出每个函数的得分和最先要修的问题。 / "
                                     "Run the public checks: points per function and what to fix first.")
    parser.add_argument("file", nargs="?", type=Path, default=None,
                        help="要检查的文件（默认：本文件夹的 two_layer_net.py）/ the file to check "
                             "(default: two_layer_net.py in this folder)")
    parser.add_argument("--json", action="store_true",
                        help="以评分器 results.json 的格式输出结果 / print the results in the grader's "
                             "results.json format")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None, default: Path | None = None) -> int:
    """``default``: the file checked when none is named (check.py passes the one beside it)."""
    survive_any_console()                      # before --help: a console that cannot show Chinese works
    args = parse(sys.argv[1:] if argv is None else argv)
    path = args.file or default or Path("two_layer_net.py")
    try:
        data, note = run(path)
    except Refused as why:
        print(f"无法检查 / cannot check {path}: {why.reason}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("\n已中断：检查没有做完，不算通过。 / Interrupted: the checks did not finish, so nothing "
              "passed.", file=sys.stderr)
        return INTERRUPTED
    if not data["tests"]:
        print("没有运行任何检查：检查文件缺失或损坏。 / No check ran: the check files are missing or broken.",
              file=sys.stderr)
        return 2
    try:
        print(json.dumps(data, ensure_ascii=False, indent=1) if args.json else report(path, data, note))
        sys.stdout.flush()
    except BrokenPipeError:            # `python check.py --json | head`: the reader has what it wanted
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())   # (Python's documented way)
    return 0 if data["fix_first"] is None else 1       # nothing to fix: every public check passed


def report(path: str | Path, data: dict[str, Any], note: str | None = None) -> str:
    """The text a student reads in the terminal."""
    tests = data["tests"]
    public, total = sum(t["max_score"] for t in tests), sum(
        v for k, v in load_known().items() if k.startswith("points."))
    first = data["fix_first"]
    lines = [f"公开检查 / public checks: {path}", "", table(tests), "",
             f"公开检查共 {public:g} 分，总分 {total:g}，其余是评分时的隐藏检查。",
             f"The public checks are worth {public:g} of {total:g} points; hidden checks grade the rest."]
    if first is not None and first["what"] == "check":
        lines += ["本机检查一个函数时会用到你写的其他函数（评分时它们换成参考答案），所以请先修最前面的函数。",
                  "Here a check also runs your other functions (the grader swaps in the reference's), "
                  "so fix the earliest function first."]
    if note:
        lines += ["", note]
    if first is None:
        return "\n".join(lines + ["", "全部通过！/ All public checks pass!"])
    lines += ["", render_fix_first(first)]
    if first["what"] == "check":       # as it is, unindented: its last lines are code to paste
        failed = next(t for t in tests if t["name"] == first["name"])
        lines += ["", failed["output"]]
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
