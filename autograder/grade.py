"""Grade one submission: read it, run every check against it in the sandbox,
and write DIR/results.json in the Gradescope format.

    python -m autograder grade SUBMISSION --out DIR
"""
from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

from .checks.local import CheckTarget
from .checks.program import graded_source
from .checks.verdict import fix_first, results, summary, syntax_error
from .files import atomic_write
from .given import changes, entries
from .intake import Refused, read_submission
from .reference import SOLUTION, collaborators, load_reference
from .sandbox import Box, NoBox, choose, describe, fitted
from .settings import limits as course_limits
from .settings import graded_functions
from .settings import load as course_settings
from .text import bounded

if TYPE_CHECKING:
    from types import ModuleType
    from typing import Any, TextIO

    from .sandbox import Limits

NO_BOX = "no-sandbox"      # the status of a submission not graded because no box works here
SANDBOX_NOTE = "sandbox"   # the extra_data key of the instructor's entry on the box (sandbox_entry)
NO_BOX_FOR_STUDENT = ("评分器无法安全地运行你的代码，所以这次没有评分；你的老师已收到通知，你不需要做什么。 / "
                      "The grader could not start safely, so your code was not run and not graded. "
                      "Your instructor has been told; there is nothing you need to do.")


def grade(submission: str | Path, limits: Limits | None = None, reference: ModuleType | None = None) -> dict[str, Any]:
    """Return the results dict for ``submission`` (a path). Never raises for a bad submission.

    limits: the sandbox's Limits (default: course.toml's [limits]).
    """
    start = time.perf_counter()
    limits = limits or course_limits()
    try:
        source = read_submission(submission)
    except Refused as why:
        return with_entry(refused(why.status, why.reason), box_found(limits))
    reference = reference or load_reference()
    source = graded_source(source)
    try:
        box = Box(limits=limits, source=source)
    except NoBox as why:
        return with_entry(refused(NO_BOX, NO_BOX_FOR_STUDENT), sandbox_entry(None, str(why)))
    with box:                                   # the worker starts up meanwhile:
        from .checks.runner import run_checks  # pytest takes ~0.1 s to import
        tests = run_checks(CheckTarget(box, collaborators(reference), source), hidden=True)
        import_error = box.import_error
    tests += given_code(source, tests)
    first = fix_first(tests, syntax_error(source), import_error)
    data = dict(results(tests, start, summary(tests, first), first=first), sandbox=box.mode)
    return with_entry(data, sandbox_entry(box.describe()))


def sandbox_entry(box: dict[str, Any] | None, fix: str | None = None) -> dict[str, Any]:
    """The results entry for the instructor on the box (0 points, ``visibility: hidden``,
    which Gradescope never shows students): ``box`` (``Box.describe``), or None with the
    ``fix`` when no box works here. Named after the first graded function, as the contract
    names every entry; ``is_sandbox_entry`` tells it from the checks."""
    if box is None:
        text = ("未评分：这台评分机上没有能安全运行学生代码的沙箱。 / Not graded: no sandbox can confine "
                f"student code on this runner, so no submission is graded here.\n{fix}")
    else:
        text = "\n".join([f"沙箱 / sandbox: {box['box']} ({box['detail']})", f"kernel: {box['kernel']}",
                          f"CPUs: {box['cpus']:g}; call limit {box['call_seconds']:g} s; "
                          f"worker memory {box['memory_mb']} MB",
                          "protected:", *(f"- {line}" for line in box["protected"]),
                          "not protected:", *(f"- {line}" for line in box["not_protected"])])
    first = graded_functions(course_settings())[0]
    return {"name": f"{first}: 评分沙箱（仅教师可见，不计分）/ the grader's sandbox (for the instructor, no points)",
            "score": 0, "max_score": 0, "output": text, "visibility": "hidden",
            "extra_data": {SANDBOX_NOTE: box if box is not None else {"box": None, "fix": fix}}}


def is_sandbox_entry(test: dict[str, Any]) -> bool:
    """Whether a results entry is the instructor's note on the box (not a check)."""
    return SANDBOX_NOTE in (test.get("extra_data") or {})


def box_found(limits: Limits) -> dict[str, Any]:
    """The sandbox entry for a submission refused before any box started."""
    try:
        return sandbox_entry(describe(choose(), fitted(limits)))
    except NoBox as why:
        return sandbox_entry(None, str(why))


def with_entry(data: dict[str, Any], entry: dict[str, Any]) -> dict[str, Any]:
    """``data`` with ``entry`` added at the end of its tests."""
    return dict(data, tests=[*data["tests"], entry])


def given_code(source: str, tests: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Entries for the given code the submission changed (given.py): information
    only, unless course.toml's [given_code] penalty takes points off."""
    from .checks.runner import function_points
    settings = course_settings()
    earned = {function: score for function, (score, _) in function_points(tests).items()}
    return entries(changes(SOLUTION.read_text(encoding="utf-8"), source), graded_functions(settings),
                   settings["given_code"]["penalty"], earned)


def refused(status: str, reason: str) -> dict[str, Any]:
    """The results of a submission that could not be graded (no time: they are reproducible)."""
    return {"score": 0, "execution_time": 0.0, "output": f"未评分 / not graded ({status}): {reason}",
            "tests": [], "status": status}




def write_results(data: dict[str, Any], out_dir: str | Path) -> dict[str, Any]:
    """Write out_dir/results.json atomically and return what it holds: ``data`` with
    every text printable and capped, the whole under 1 MB (text.bounded)."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    data = bounded(data)
    atomic_write(out_dir / "results.json", json.dumps(data, ensure_ascii=False, indent=1))
    return data


def main(submission: str | Path, out: str | Path) -> int:
    """``python -m autograder grade``: grade, write results.json, print the table.

    Exit code 0 when the submission was graded, however badly; 3 when no box
    could confine it (results.json then says so, with a score of 0).
    """
    data = write_results(grade(submission), out)    # the terminal shows what was written
    print_table(data)
    if data["status"] == NO_BOX:
        fix = next(t["output"] for t in data["tests"] if is_sandbox_entry(t))
        print(f"grade: {fix}", file=sys.stderr)
        return 3
    if "sandbox" in data:
        print(f"sandbox: {data['sandbox']}")
    print(f"results: {Path(out) / 'results.json'}")
    return 0


def print_table(data: dict[str, Any], stream: TextIO | None = None) -> None:
    from .checks.runner import table
    tests = [t for t in data["tests"] if not is_sandbox_entry(t)]
    print(table(tests) if tests else "(no checks ran)", file=stream)
    print(data["output"], file=stream)
