"""Grade a whole class at once, in parallel, resumably.

    python -m autograder bulk SUBMISSIONS --out DIR [--jobs N] [--force] [--student ID]

SUBMISSIONS is a folder as it comes from a course site, or a ``.zip`` of one.
Each top-level entry (hidden files and ``__MACOSX`` junk aside) belongs to one
student: a bare ``.py`` or ``.ipynb`` file, a folder, or a ``.zip``. The
student id comes from the entry's name:

- Canvas bulk downloads, ``name_userid_submissionid_file`` (also with ``late_``
  before or after the name): ``name_userid``, e.g. ``zhangsan_1001``. The user id
  keeps it unique, the name keeps it readable, and the submission id is left out
  so that a resubmission keeps its id (and its stored result is replaced).
- Moodle downloads, ``Full Name_participantid_assignsubmission_file_...``:
  ``Full Name_participantid``.
- Anything else: the name without its extension and without a trailing
  ``two_layer_net`` (``zhangsan_two_layer_net.py`` -> ``zhangsan``; a folder
  ``lisi`` -> ``lisi``).

Entries of one id (compared case-insensitively) are merged only when exactly one
of them can be graded (a ``.py``, ``.ipynb``, ``.zip`` or folder; a ``notes.txt``
beside it is ignored). Two gradable entries of one id give a ``duplicate`` row
that is not graded: remove one and run again.

Every row ends up in ``DIR/<student>/results.json`` (the contract's format plus
``status`` and ``extra_data``: the submission's sha256 and the grader's
fingerprint) and ``DIR/<student>/feedback.md``, each written atomically as soon
as that student is done. A later run with the same command reuses every stored
result whose submission and grader are unchanged, so a killed run (even by
SIGKILL) continues where it stopped; ``--force`` regrades all, ``--student ID``
regrades only that student. ``DIR/gradebook.csv`` and ``DIR/report.html`` are
rebuilt from the stored results at the end of every run.
"""
import concurrent.futures
import hashlib
import json
import multiprocessing
import os
import re
import shutil
import signal
import stat
import sys
import tempfile
import time
import unicodedata
import zipfile
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from tqdm import tqdm

from . import report, sandbox
from .grade import atomic_write, write_results
from .grade import refused as not_graded
from .intake import MAX_ZIP_TOTAL, junk, zip_name
from .reference import SOLUTION
from .settings import COURSE
from .settings import load as load_settings

GRADABLE = (".py", ".ipynb", ".zip")
RESERVED = ("gradebook.csv", "report.html")
# A class zip: each entry may be as large as a whole student zip may be uncompressed.
MAX_CLASS_TOTAL = 1 << 30
MAX_CLASS_ENTRIES = 100_000
CANVAS = re.compile(r"^(?P<late1>late_)?(?P<name>.+?)_(?P<late2>late_)?(?P<user>\d+)_(?P<sub>\d+)_(?P<file>.+)$", re.I)
MOODLE = re.compile(r"^(?P<name>.+?)_(?P<user>\d+)_assignsubmission_[a-z]+_(?P<file>.*)$", re.I)
PLAIN = re.compile(r"^(?P<name>.+?)[ ._-]*two_layer_net$", re.I)


class ClassRefused(Exception):
    """The class folder or zip as a whole cannot be read (the command exits 2)."""


@dataclass
class Entry:
    """One gradebook row: a student's submission, or why there is none to grade."""
    student: str
    path: Path = None                 # what grade() reads; None when refused here
    names: tuple = ()                 # the entries' names in the class folder
    late: bool = False
    refused: tuple = None             # (status, reason) decided at intake
    sha256: str = field(default="", repr=False)


# ------------------------------------------------------------------ ids

def student_id(name, is_dir=False):
    """(id, late) from a top-level entry's name; see the module docstring."""
    name = unicodedata.normalize("NFC", name)
    stem = name if is_dir else (name.rsplit(".", 1)[0] if "." in name else name)
    late = False
    for pattern in (CANVAS, MOODLE):
        match = pattern.match(name)
        if match:
            late = pattern is CANVAS and bool(match["late1"] or match["late2"])
            stem = f"{match['name']}_{match['user']}"
            break
    else:
        match = PLAIN.match(stem)
        stem = match["name"] if match else stem
    return safe_id(stem), late


def safe_id(text):
    """A name usable as a folder on every system: no separators, control or reserved characters."""
    text = re.sub(r'[\x00-\x1f\x7f/\\:*?"<>|]', "_", text).strip(" .")[:100].strip(" .")
    if not text:
        return "unnamed"
    return "_" + text if text.lower() in RESERVED else text


# ------------------------------------------------------------- intake

def read_class(folder, skip=None):
    """The entries of a class folder, sorted by student id.

    ``skip``: a path not to treat as a submission (the output folder, if inside).
    """
    folder = Path(folder)
    groups = {}
    for child in sorted(folder.iterdir()):
        if junk(child.name) or (skip is not None and child.resolve() == Path(skip).resolve()):
            continue
        student, late = student_id(child.name, child.is_dir() and not child.is_symlink())
        groups.setdefault(student.casefold(), []).append((student, late, child))
    entries = []
    for members in groups.values():
        student = min(m[0] for m in members)
        names = tuple(m[2].name for m in members)
        gradable = [m for m in members if m[2].is_symlink() or m[2].is_dir() or m[2].suffix.lower() in GRADABLE]
        if len(gradable) > 1:
            entry = Entry(student, names=tuple(m[2].name for m in gradable), refused=(
                "duplicate", "同一学生有多份提交，未评分；请只保留一份 / several submissions of one student, "
                "not graded; keep one: " + ", ".join(m[2].name for m in gradable)))
        elif gradable:
            entry = Entry(student, gradable[0][2], names, late=gradable[0][1])
        else:       # nothing gradable: grade() refuses it with intake's own status and reason
            entry = Entry(student, members[0][2], names, late=members[0][1])
        entry.sha256 = digest(entry)
        entries.append(entry)
    return sorted(entries, key=lambda e: (e.student.casefold(), e.student))


def digest(entry):
    """sha256 of what grading reads: the file's bytes, or every file of a folder up to
    intake's depth (names, bytes, links' targets), or the refusal."""
    h = hashlib.sha256()
    path = entry.path
    if path is None:
        h.update(json.dumps(entry.refused, ensure_ascii=False).encode())
        return h.hexdigest()
    if path.is_symlink():
        h.update(b"link\0" + os.fsencode(os.readlink(path)))
        return h.hexdigest()
    if path.is_file():
        h.update(b"file\0" + path.suffix.lower().encode() + b"\0")
        _hash_file(h, path)
        return h.hexdigest()
    h.update(b"folder\0")
    for root, dirs, files in os.walk(path):
        depth = len(Path(root).relative_to(path).parts)
        dirs[:] = sorted(dirs) if depth < 1 else []
        for name in sorted(files):
            p = Path(root, name)
            h.update(os.fsencode(p.relative_to(path).as_posix()) + b"\0")
            if p.is_symlink():
                h.update(b"link\0" + os.fsencode(os.readlink(p)))
            elif p.is_file():
                _hash_file(h, p)
    return h.hexdigest()


def _hash_file(h, path):
    with open(path, "rb") as file:
        while chunk := file.read(1 << 20):
            h.update(chunk)
    h.update(b"\0")


def extract_class(path, dest):
    """Safely extract a class zip into the private folder ``dest``.

    Sizes are checked from the zip's directory before anything is written, and
    each entry is copied with at most its declared size. Links and names that
    would leave ``dest`` are never written: a top-level one gives its student a
    refusal, deeper ones are skipped (as intake does inside a student's zip); so
    does an entry larger than a whole student zip may be. When every file sits in
    one top folder (the class folder was zipped), that folder is left out.
    Returns {top-level name: (status, reason, is_folder)}.
    """
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as error:
        raise ClassRefused(f"zip 文件损坏 / corrupt zip: {path}: {error}") from None
    refused = {}
    with archive:
        infos = archive.infolist()
        if len(infos) > MAX_CLASS_ENTRIES or sum(i.file_size for i in infos) > MAX_CLASS_TOTAL:
            raise ClassRefused(f"zip 解压后过大 / the class zip is too large once uncompressed: {path}")
        members = [(info, name, PurePosixPath(name).parts) for info in infos for name in [zip_name(info)]]
        files = [parts for info, name, parts in members
                 if not _unsafe(name, parts) and not junk(parts[0]) and not info.is_dir()]
        strip = int(bool(files) and all(len(p) > 1 and p[0] == files[0][0] for p in files))
        for info, name, parts in members:
            if _unsafe(name, parts):
                refused.setdefault(safe_id(PurePosixPath(name).name), (
                    "unsafe-path", f"zip 中的路径不安全 / unsafe path in the zip: {name}", False))
                continue
            if junk(parts[0]) or not parts[strip:] or junk(parts[strip]):
                continue
            parts = parts[strip:]
            why = None
            if stat.S_ISLNK(info.external_attr >> 16):
                why = None if len(parts) > 1 else ("link", "提交是一个链接 / the submission is a symbolic link")
            elif info.file_size > MAX_ZIP_TOTAL:
                why = ("zip-too-large", "文件解压后过大 / a file too large once uncompressed")
            else:
                try:
                    _extract(archive, info, Path(dest).joinpath(*parts))
                except (zipfile.BadZipFile, OSError, RuntimeError, NotImplementedError, EOFError) as error:
                    why = ("bad-zip", f"无法读取 zip 中的文件 / cannot read a file in the zip ({error})")
            if why:
                refused.setdefault(parts[0], (why[0], f"{why[1]}: {name}", len(parts) > 1 or info.is_dir()))
    return refused


def _unsafe(name, parts):
    """Whether a zip entry's name could leave the folder it is extracted into."""
    return not parts or parts[0] == "/" or ".." in parts or ":" in parts[0] or "\0" in name


def _extract(archive, info, target):
    """Write one entry (a folder, or a file of at most its declared size)."""
    if info.is_dir():
        target.mkdir(parents=True, exist_ok=True)
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    with archive.open(info) as src, open(target, "xb") as out:
        while chunk := src.read(min(1 << 20, info.file_size + 1 - out.tell())):
            out.write(chunk)
            if out.tell() > info.file_size:
                raise OSError("larger than declared")


def class_entries(submissions, tmp, skip=None):
    """The sorted entries of a class folder or class zip (extracted into ``tmp``)."""
    submissions = Path(submissions)
    if submissions.is_dir():
        return read_class(submissions, skip)
    if not submissions.is_file():
        raise ClassRefused(f"找不到 / not found: {submissions}")
    if submissions.suffix.lower() != ".zip":
        raise ClassRefused(f"需要文件夹或 .zip / expected a folder or a .zip: {submissions}")
    refused = extract_class(submissions, tmp)
    entries = read_class(tmp)
    for name, (status, reason, is_folder) in sorted(refused.items()):
        student = student_id(name, is_folder)[0]
        entries = [e for e in entries if e.student.casefold() != student.casefold()]
        entry = Entry(student, names=(name,), refused=(status, reason))
        entry.sha256 = digest(entry)
        entries.append(entry)
    return sorted(entries, key=lambda e: (e.student.casefold(), e.student))


# ------------------------------------------------------------- stored results

def fingerprint():
    """sha256 of what decides the grades: course.toml, the reference, and the grader's
    own code, checks and known values (a fix to any of them regrades everyone)."""
    h = hashlib.sha256()
    root = COURSE.parent
    grader = root / "autograder"
    for path in [COURSE, SOLUTION, root / "kit" / "modload.py",
                 *sorted(grader.rglob("*.py")), *sorted((grader / "checks" / "known").glob("*.json"))]:
        h.update(path.relative_to(root).as_posix().encode() + b"\0")
        if path.is_file():
            _hash_file(h, path)
    return h.hexdigest()


def load_stored(out, student):
    """DIR/<student>/results.json as a dict, or None."""
    try:
        data = json.loads((Path(out) / student / "results.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) and isinstance(data.get("extra_data"), dict) else None


def up_to_date(data, entry, grader):
    """Whether a stored result still holds for ``entry``."""
    extra = (data or {}).get("extra_data", {})
    return (extra.get("sha256") == entry.sha256 and extra.get("grader") == grader
            and data.get("status") != "grader-error")


def with_extra(data, entry, grader):
    """The results dict with what resuming needs, under Gradescope's ``extra_data``."""
    return dict(data, extra_data={"student": entry.student, "submission": list(entry.names),
                                  "late": entry.late, "sha256": entry.sha256, "grader": grader})


def save(out, entry, data, max_score):
    """Write feedback.md, then results.json (whose presence marks the student as done), atomically."""
    folder = Path(out) / entry.student
    folder.mkdir(parents=True, exist_ok=True)
    for stale in [*folder.glob(".results.json-*"), *folder.glob(".feedback.md-*")]:   # left by a killed run
        stale.unlink(missing_ok=True)
    atomic_write(folder / "feedback.md", report.feedback(entry.student, data, max_score))
    write_results(data, folder)


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


def grade_all(todo, out, jobs, grader, max_score, total, done):
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
            save(out, entry, with_extra(data, entry, grader), max_score)
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

def run(submissions, out, jobs=None, force=False, students=(), stream=None):
    """Grade the class and write DIR/gradebook.csv and DIR/report.html.

    ``students``: ids to regrade (and only those); ``force``: regrade everyone.
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
        entries = class_entries(submissions, tmp, skip=out)
        known = {e.student.casefold() for e in entries}
        unknown = [s for s in students if s.casefold() not in known]
        if unknown:
            raise ClassRefused("没有这个学生 / no such student: " + ", ".join(unknown)
                               + "\n  ids: " + " ".join(e.student for e in entries))
        wanted = {s.casefold() for s in students}
        grader = fingerprint()
        max_score = sum(load_settings()["points"].values())
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
            data = not_graded(*entry.refused)
            save(out, entry, with_extra(data, entry, grader), max_score)
            print(report.one_line(entry.student, data, max_score), file=stream)
        pooled = [e for e in todo if not e.refused]
        if pooled:
            grade_all(pooled, out, jobs, grader, max_score, len(entries), len(entries) - len(pooled))
        records = []
        for entry in entries:
            data = load_stored(out, entry.student) or with_extra(
                not_graded("not-graded-yet", "还没有评分 / not graded yet"), entry, grader)
            records.append({"student": entry.student, "names": entry.names, "late": entry.late, "data": data})
        gradebook = out / "gradebook.csv"
        atomic_write(gradebook, report.gradebook(records, max_score), encoding="utf-8-sig")
        html = out / "report.html"
        atomic_write(html, report.html(records, max_score, title=load_settings()["assignment"]["title"],
                                       source=str(submissions)))
        graded = sum(r["data"].get("status") == "graded" for r in records)
        errors = sum(r["data"].get("status") == "grader-error" for r in records)
        return {"total": len(entries), "graded_now": len(todo), "reused": reused, "graded": graded,
                "not_graded": len(entries) - graded, "grader_errors": errors,
                "seconds": time.perf_counter() - start, "gradebook": gradebook, "report": html}
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
        if lock is not None:
            lock.close()


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


DESCRIPTION = ("Grade a whole class at once, in parallel: DIR/gradebook.csv, DIR/report.html and, per "
               "student, DIR/<student>/results.json and feedback.md. Run the same command again to continue "
               "a stopped run: unchanged submissions keep their stored results.")


def add_arguments(parser):
    """The ``bulk`` subcommand's options."""
    parser.add_argument("submissions", help="the class: a folder (or .zip) of submissions from the course site")
    parser.add_argument("--out", required=True, help="folder for gradebook.csv, report.html and one folder per student")
    parser.add_argument("--jobs", type=int, default=None,
                        help=f"submissions graded at once (default: the number of cores, {os.cpu_count() or 1})")
    parser.add_argument("--force", action="store_true", help="regrade every submission, even unchanged ones")
    parser.add_argument("--student", action="append", default=[], metavar="ID",
                        help="regrade only this student (repeatable); the others keep their stored results")


def main(args):
    """Run the ``bulk`` subcommand; returns the exit code."""
    if args.jobs is not None and args.jobs < 1:
        print("--jobs must be at least 1", file=sys.stderr)
        return 2
    try:
        box_mode = sandbox.choose().NAME       # before anyone is graded: no box, no grades
    except sandbox.NoBox as error:
        print(f"bulk: {error}", file=sys.stderr)
        return 2
    print(f"sandbox: {box_mode}")
    try:
        summary = run(args.submissions, args.out, args.jobs, args.force, args.student)
    except ClassRefused as error:
        print(f"bulk: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("\n中断；用同一命令重新运行即可继续 / interrupted; run the same command again to continue",
              file=sys.stderr)
        return 130
    print(f"{summary['graded']} graded, {summary['not_graded']} not graded "
          f"({summary['graded_now']} run now, {summary['reused']} reused from an earlier run) "
          f"in {summary['seconds']:.1f} s")
    print(f"gradebook: {summary['gradebook']}")
    print(f"report:    {summary['report']}")
    if summary["grader_errors"]:
        print(f"bulk: the grader failed on {summary['grader_errors']} submissions (status grader-error); "
              "run the same command again to retry them", file=sys.stderr)
        return 1
    return 0
