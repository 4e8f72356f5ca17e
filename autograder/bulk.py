"""Grade a whole class at once, in parallel, resumably.

    python -m autograder bulk SUBMISSIONS --out DIR [--jobs N] [--force] [--student ID]
                                          [--overrides FILE] [--pick STUDENT=FILE]

SUBMISSIONS is a folder as it comes from a course site, or a ``.zip`` of one; who
the students are and which of their files counts is roster.py's business.

Every row ends up in ``DIR/<student>/results.json`` (the contract's format, the
machine's grading, plus ``status`` and ``extra_data``: the submission's sha256 and
the grader's fingerprint), written atomically as soon as that student is done. A
later run with the same command reuses every stored result whose submission and
grader are unchanged, so a killed run (even by SIGKILL) continues where it stopped;
``--force`` regrades all, ``--student ID`` regrades only that student.

At the end of every run, from the stored results, the late penalty and the
overrides (adjust.py): each ``DIR/<student>/feedback.md``, ``DIR/gradebook.csv``,
``canvas.csv`` and ``moodle.csv`` (gradebook.py), ``similarity.csv``
(similarity.py) and ``report.html`` (report.py).
"""
from __future__ import annotations

import concurrent.futures
import hashlib
import json
import multiprocessing
import os
import shutil
import signal
import sys
import tempfile
import time
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import TYPE_CHECKING

from tqdm import tqdm

from . import adjust, gradebook, report, sandbox, similarity
from .adjust import BadOverrides, read_overrides
from .checks.runner import function_points
from .files import atomic_write, hash_file, write_if_changed
from .grade import write_results
from .grade import refused as not_graded
from .intake import Refused, read_submission
from .reference import SOLUTION
from .roster import ClassRefused, class_entries
from .settings import COURSE, graded_functions
from .settings import load as load_settings
from .text import printable

if TYPE_CHECKING:
    import argparse
    from collections.abc import Sequence
    from typing import Any, TextIO

    from .roster import Entry

OVERRIDES = "overrides.csv"      # the overrides in force, kept in DIR

# ------------------------------------------------------------- stored results

def fingerprint() -> str:
    """sha256 of what decides the grades: course.toml, the reference, and the grader's
    own code, checks and known values (a fix to any of them regrades everyone)."""
    h = hashlib.sha256()
    root = COURSE.parent
    grader = root / "autograder"
    for path in [COURSE, SOLUTION, *sorted(grader.rglob("*.py")),
                 *sorted((grader / "checks" / "known").glob("*.json"))]:
        h.update(path.relative_to(root).as_posix().encode() + b"\0")
        if path.is_file():
            hash_file(h, path)
    return h.hexdigest()


def load_stored(out: str | Path, student: str) -> dict[str, Any] | None:
    """DIR/<student>/results.json as a dict, or None."""
    try:
        data = json.loads((Path(out) / student / "results.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) and isinstance(data.get("extra_data"), dict) else None


def up_to_date(data: dict[str, Any] | None, entry: Entry, grader: str) -> bool:
    """Whether a stored result still holds for ``entry``."""
    extra = (data or {}).get("extra_data", {})
    return (extra.get("sha256") == entry.sha256 and extra.get("grader") == grader
            and data.get("status") != "grader-error")


def with_extra(data: dict[str, Any], entry: Entry, grader: str) -> dict[str, Any]:
    """The results dict with what resuming needs, under Gradescope's ``extra_data``."""
    return dict(data, extra_data={"student": entry.student, "submission": list(entry.names),
                                  "late": entry.late, "sha256": entry.sha256, "grader": grader})


def save(out: str | Path, entry: Entry, data: dict[str, Any]) -> dict[str, Any]:
    """Write results.json (whose presence marks the student as done) atomically;
    returns what it holds (its texts printable and capped: grade.write_results)."""
    folder = Path(out) / entry.student
    folder.mkdir(parents=True, exist_ok=True)
    for stale in [*folder.glob(".results.json-*"), *folder.glob(".feedback.md-*")]:   # left by a killed run
        stale.unlink(missing_ok=True)
    return write_results(data, folder)


# ------------------------------------------------------------- the pool

_reference = None


def _start_worker(parent):
    """Pool initializer: die with the bulk process, leave Ctrl-C to it, load the reference once."""
    global _reference
    if sys.platform.startswith("linux"):
        import ctypes
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)     # PR_SET_PDEATHSIG
        if os.getppid() != parent:
            os._exit(1)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    from .reference import load_reference
    _reference = load_reference()


def _grade_one(path):
    """Grade one submission in a pool worker; a grader fault becomes a ``grader-error`` row."""
    from .grade import grade
    try:
        return grade(path, reference=_reference)
    except Exception as error:     # noqa: BLE001 -- one bad grading must not stop the class
        return not_graded("grader-error", f"评分器出错，重新运行即可重试 / the grader failed "
                                               f"(run again to retry): {type(error).__name__}: {error}")


def _kill_pool(pool):
    """Stop the pool's workers now (Python 3.14 has pool.kill_workers())."""
    for process in list((getattr(pool, "_processes", None) or {}).values()):
        process.kill()
    pool.shutdown(wait=False, cancel_futures=True)


def grade_all(todo: list[Entry], out: Path, jobs: int, grader: str, max_score: float, total: int,
              done: int) -> None:
    """Grade ``todo`` entries in a pool of ``jobs`` processes, saving each as it finishes.

    ``done`` rows are already stored; the progress bar counts over ``total``.
    """
    bar = tqdm(total=total, initial=done, unit="sub", dynamic_ncols=True, file=sys.stderr,
               mininterval=0.2, smoothing=0.1, disable=None)  # None: no bar when stderr is not a terminal
    context = multiprocessing.get_context("spawn")
    pool = concurrent.futures.ProcessPoolExecutor(max(1, min(jobs, len(todo))), mp_context=context,
                                                  initializer=_start_worker, initargs=(os.getpid(),))
    try:
        futures = {pool.submit(_grade_one, str(entry.path)): entry for entry in todo}
        for future in concurrent.futures.as_completed(futures):
            entry = futures[future]
            try:
                data = future.result()
            except BrokenProcessPool as error:
                data = not_graded("grader-error", f"评分进程意外退出，重新运行即可重试 / a grading "
                                                       f"process died (run again to retry): {error}")
            data = save(out, entry, with_extra(data, entry, grader))
            bar.set_postfix_str(entry.student, refresh=False)
            bar.update()
            tqdm.write(report.one_line(entry.student, data, max_score), file=sys.stdout)
    except BaseException:
        _kill_pool(pool)
        raise
    finally:
        bar.close()
    pool.shutdown()


# ------------------------------------------------------------- the run

def run(submissions: str | Path, out: str | Path, jobs: int | None = None, force: bool = False,
        students: Sequence[str] = (), stream: TextIO | None = None, overrides: str | Path | None = None,
        picks: dict[str, str] | None = None) -> dict[str, Any]:
    """Grade the class and write DIR's gradebooks, similarity.csv, report.html and feedback.

    ``students``: ids to regrade (and only those); ``force``: regrade everyone.
    ``overrides``: an overrides CSV (see adjust.py), kept as DIR/overrides.csv for later
    runs; ``picks``: {student: entry name} choosing the submission that counts.
    Returns a dict of counts and paths. Raises ClassRefused if the class cannot be read.
    The graders are "spawn" processes, so a script calling this needs the usual
    ``if __name__ == "__main__":`` guard. ``jobs``: processes (default: the cores).
    """
    jobs = jobs or os.cpu_count() or 1
    out = Path(out)
    if out.resolve() == Path(submissions).resolve() or out.resolve() in Path(submissions).resolve().parents:
        raise ClassRefused(f"--out 不能是提交文件夹或包含它 / --out must not be the class folder or hold it: {out}")
    out.mkdir(parents=True, exist_ok=True)
    lock = _lock(out)
    for old in out.glob(".class-*"):            # left by a killed run
        shutil.rmtree(old, ignore_errors=True)
    tmp = tempfile.mkdtemp(prefix=".class-", dir=out)
    try:
        start = time.perf_counter()
        entries = class_entries(submissions, tmp, skip=out, picks=picks)
        known = {e.student.casefold() for e in entries}
        unknown = [s for s in students if s.casefold() not in known]
        if unknown:
            raise ClassRefused("没有这个学生 / no such student: " + ", ".join(unknown)
                               + "\n  ids: " + " ".join(e.student for e in entries))
        settings = load_settings()
        changes = _overrides(out, overrides, entries, settings["points"])
        wanted = {s.casefold() for s in students}
        grader = fingerprint()
        max_score = sum(settings["points"].values())
        stored = {e.student: load_stored(out, e.student) for e in entries}

        def regrade(e):
            if students:
                return e.student.casefold() in wanted
            return force or not up_to_date(stored[e.student], e, grader)

        todo = [e for e in entries if regrade(e)]
        reused = len(entries) - len(todo)
        stream = stream or sys.stdout
        print(f"{len(entries)} submissions in {submissions}: grading {len(todo)}"
              + (f", reusing {reused} stored results" if reused else "")
              + (f" ({jobs} jobs)" if todo else ""), file=stream)
        for entry in [e for e in todo if e.refused]:       # refused at intake: no pool needed
            data = save(out, entry, with_extra(not_graded(*entry.refused), entry, grader))
            print(report.one_line(entry.student, data, max_score), file=stream)
        pooled = [e for e in todo if not e.refused]
        if pooled:
            grade_all(pooled, out, jobs, grader, max_score, len(entries), len(entries) - len(pooled))
        records = [_record(entry, out, grader, settings, changes) for entry in entries]
        paths = publish(out, records, settings, max_score, source=str(submissions))
        graded = sum(r["final"] is not None for r in records)
        errors = sum(r["data"].get("status") == "grader-error" for r in records)
        return {"total": len(entries), "graded_now": len(todo), "reused": reused, "graded": graded,
                "not_graded": len(entries) - graded, "grader_errors": errors,
                "seconds": time.perf_counter() - start, **paths}
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
        if lock is not None:
            lock.close()


def _overrides(out, path, entries, points):
    """The overrides that apply: those of ``path`` (then kept as DIR/overrides.csv, so
    that later runs apply them too), else those kept by an earlier run."""
    kept = out / OVERRIDES
    source = Path(path) if path else kept
    if not source.is_file():
        if path:
            raise ClassRefused(f"--overrides: 找不到 / not found: {path}")
        return []
    try:
        found = read_overrides(source, [e.student for e in entries], points)
    except BadOverrides as error:
        raise ClassRefused(f"--overrides: {error}") from None
    if path:
        write_if_changed(kept, source.read_text(encoding="utf-8-sig"), encoding="utf-8-sig")
    return found


def _record(entry, out, grader, settings, changes):
    """One gradebook row: the stored results and, when graded, the final score."""
    data = load_stored(out, entry.student) or with_extra(
        not_graded("not-graded-yet", "还没有评分 / not graded yet"), entry, grader)
    final = None
    if data.get("status") == "graded":
        final = adjust.final(function_points(data["tests"]), entry.late, settings["late"]["penalty"],
                             [c for c in changes if c.student == entry.student])
    return {"student": entry.student, "entry": entry, "data": data, "final": final,
            "overrides": [c for c in changes if c.student == entry.student]}


def publish(out: Path, records: list[dict[str, Any]], settings: dict[str, Any], max_score: float,
            source: str) -> dict[str, Path]:
    """Write every student's feedback.md and the class's files; returns their paths."""
    for record in records:
        write_if_changed(out / record["student"] / "feedback.md", report.feedback(record, max_score))
    paths = {"gradebook": out / "gradebook.csv", "canvas": out / "canvas.csv", "moodle": out / "moodle.csv",
             "similarity": out / "similarity.csv", "report": out / "report.html"}
    atomic_write(paths["gradebook"], gradebook.gradebook(records, max_score, graded_functions(settings)),
                 encoding="utf-8-sig")
    atomic_write(paths["canvas"], gradebook.canvas(records, max_score, settings["lms"]["title"],
                                                            settings["lms"]["canvas_assignment_id"]),
                 encoding="utf-8-sig")
    atomic_write(paths["moodle"], gradebook.moodle(records, max_score), encoding="utf-8-sig")
    prints = similarity.fingerprints({r["student"]: source for r in records if r["final"] is not None
                                      for source in [_source(r["entry"])] if source is not None})
    pairs = similarity.compare(prints)
    atomic_write(paths["similarity"], similarity.to_csv(pairs), encoding="utf-8-sig")
    atomic_write(paths["report"], report.html(records, max_score, settings, source, pairs, prints))
    return paths


def _source(entry):
    """The graded source text of an entry (None if it can no longer be read)."""
    try:
        return read_submission(entry.path)
    except Refused:
        return None


def _lock(out):
    """Hold DIR/.lock for this run, so that two runs never write one folder (POSIX only)."""
    try:
        import fcntl
    except ImportError:      # pragma: no cover (Windows)
        return None
    file = open(out / ".lock", "w")
    try:
        fcntl.flock(file, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        file.close()
        raise ClassRefused(f"另一个评分正在写入 {out} / another bulk run is writing {out}") from None
    return file


DESCRIPTION = ("Grade a whole class at once, in parallel: DIR/gradebook.csv, canvas.csv, moodle.csv, "
               "similarity.csv, report.html and, per student, DIR/<student>/results.json and feedback.md. The "
               "newest submission of each student counts. Run the same command again to continue a stopped "
               "run: unchanged submissions keep their stored results.")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The ``bulk`` subcommand's options."""
    parser.add_argument("submissions", help="the class: a folder (or .zip) of submissions from the course site")
    parser.add_argument("--out", required=True, help="folder for the class's files and one folder per student")
    parser.add_argument("--jobs", type=int, default=None,
                        help=f"submissions graded at once (default: the number of cores, {os.cpu_count() or 1})")
    parser.add_argument("--force", action="store_true", help="regrade every submission, even unchanged ones")
    parser.add_argument("--student", action="append", default=[], metavar="ID",
                        help="regrade only this student (repeatable); the others keep their stored results")
    parser.add_argument("--overrides", metavar="FILE",
                        help="a CSV student,item,points,reason of score overrides, kept for later runs")
    parser.add_argument("--pick", action="append", default=[], metavar="STUDENT=FILE",
                        help="the submission (a name in the class folder) that counts for STUDENT (repeatable)")


def main(args: argparse.Namespace) -> int:
    """Run the ``bulk`` subcommand; returns the exit code."""
    if args.jobs is not None and args.jobs < 1:
        print("--jobs must be at least 1", file=sys.stderr)
        return 2
    picks = dict(p.split("=", 1) for p in args.pick if "=" in p)
    if len(picks) != len(args.pick):
        print("--pick needs STUDENT=FILE", file=sys.stderr)
        return 2
    try:
        box_mode = sandbox.choose().NAME       # before anyone is graded: no box, no grades
    except sandbox.NoBox as error:
        print(f"bulk: {error}", file=sys.stderr)
        return 2
    print(f"sandbox: {box_mode}")
    try:
        summary = run(args.submissions, args.out, args.jobs, args.force, args.student,
                      overrides=args.overrides, picks=picks)
    except ClassRefused as error:
        print(f"bulk: {printable(error)}", file=sys.stderr)     # it may name the class's files
        return 2
    except KeyboardInterrupt:
        print("\n中断；用同一命令重新运行即可继续 / interrupted; run the same command again to continue",
              file=sys.stderr)
        return 130
    print(f"{summary['graded']} graded, {summary['not_graded']} not graded "
          f"({summary['graded_now']} run now, {summary['reused']} reused from an earlier run) "
          f"in {summary['seconds']:.1f} s")
    print(f"gradebook: {summary['gradebook']}")
    print(f"canvas:    {summary['canvas']}")
    print(f"moodle:    {summary['moodle']}")
    print(f"similar:   {summary['similarity']}")
    print(f"report:    {summary['report']}")
    if summary["grader_errors"]:
        print(f"bulk: the grader failed on {summary['grader_errors']} submissions (status grader-error); "
              "run the same command again to retry them", file=sys.stderr)
        return 1
    return 0
