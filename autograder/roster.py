"""Read a class as it comes from a course site: who the students are, which file counts.

Each top-level entry of the class folder (hidden files and ``__MACOSX`` junk
aside) belongs to one student: a bare ``.py`` or ``.ipynb`` file, a folder, or a
``.zip``. The student id comes from the entry's name:

- Canvas bulk downloads, ``login_userid_submissionid_file`` (also with ``late_``
  before the login or ``_LATE_`` after it): ``login_userid``, e.g. ``zhangsan_1001``.
  The user id keeps it unique, the login keeps it readable, and the submission id is
  left out so that a resubmission keeps its id (and its stored result is replaced).
- Moodle downloads, ``Full Name_participantid_assignsubmission_file_...``:
  ``Full Name_participantid``.
- Anything else: the name without its extension, its ``-N`` copy suffix and a
  trailing ``two_layer_net`` (``zhangsan_two_layer_net-1.py`` -> ``zhangsan``;
  a folder ``lisi`` -> ``lisi``).

Each id is read from the site's own prefix: a student's file name that looks like
another student's LMS name (``bob_1002_5002_alice_1001_5001_two_layer_net.py``) is
bob's. Entries of one id are compared case-insensitively. A ``notes.txt`` beside a
submission is ignored. When a student has several gradable entries (a ``.py``,
``.ipynb``, ``.zip`` or folder), the newest counts: the highest Canvas submission
id, then the highest ``-N`` suffix (``two_layer_net-2.py``), then, for Moodle
names only, the last in name order. The others are *superseded* and listed in the
student's row. Two different files that nothing orders (one submission id, one
suffix) are a real ambiguity: the row is ``duplicate`` and not graded, unless
``--pick STUDENT=FILE`` names the file that counts.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import stat
import unicodedata
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

from .files import hash_file
from .intake import BROKEN_ZIP, MAX_ZIP_TOTAL, junk, unsafe_path, zip_name
from .text import decoded_name, printable

if TYPE_CHECKING:
    from collections.abc import Sequence

GRADABLE = (".py", ".ipynb", ".zip")
RESERVED = ("gradebook.csv", "report.html", "canvas.csv", "moodle.csv", "similarity.csv", "overrides.csv")
# A class zip: each entry may be as large as a whole student zip may be uncompressed.
MAX_CLASS_TOTAL = 1 << 30
MAX_CLASS_ENTRIES = 100_000
CANVAS = re.compile(r"^(?P<late1>late_)?(?P<name>.+?)_(?P<late2>late_)?(?P<user>\d+)_(?P<sub>\d+)_(?P<file>.+)$", re.I)
MOODLE = re.compile(r"^(?P<name>.+?)_(?P<user>\d+)_assignsubmission_[a-z]+_(?P<file>.*)$", re.I)
PLAIN = re.compile(r"^(?P<name>.+?)[ ._-]*two_layer_net$", re.I)
COPY = re.compile(r"^(?P<stem>.*?)-(?P<n>\d{1,4})$")


class ClassRefused(Exception):
    """The class folder or zip as a whole cannot be read (the command exits 2)."""


@dataclass(frozen=True)
class Name:
    """What a top-level entry's name says about it.

    ``site``: "canvas", "moodle" or "" (another name); ``login``: the name part;
    ``user``: Canvas's user id or Moodle's participant id; ``submission``: Canvas's
    submission id (-1 if none); ``copy``: the ``-N`` suffix (0 if none).
    """
    student: str
    late: bool = False
    site: str = ""
    login: str = ""
    user: str = ""
    submission: int = -1
    copy: int = 0


@dataclass
class Entry:
    """One gradebook row: a student's submission, or why there is none to grade."""
    student: str
    path: Path | None = None          # what grade() reads; None when refused here
    names: tuple = ()                 # the entries' names in the class folder
    late: bool = False
    refused: tuple | None = None      # (status, reason) decided at intake
    sha256: str = field(default="", repr=False)
    superseded: tuple = ()            # older gradable entries of this student, newest first
    skipped: tuple = ()               # ((name, status), ...): class-zip entries of this student not read
    name: Name | None = None          # what the counted entry's name says (LMS ids)


# ------------------------------------------------------------------ ids

def parse_name(name: str, is_dir: bool = False) -> Name:
    """The Name of a top-level entry; see the module docstring."""
    name = unicodedata.normalize("NFC", name)
    stem = name if is_dir else (name.rsplit(".", 1)[0] if "." in name else name)
    copy = COPY.match(stem)
    if copy:
        stem = copy["stem"]
    copy = int(copy["n"]) if copy else 0
    # The site's prefix comes first: when the student's own file name looks like the
    # other site's names, the match whose prefix ends first is the site's.
    sites = [m for m in (CANVAS.match(name), MOODLE.match(name)) if m]
    match = min(sites, key=lambda m: m.start("file"), default=None)
    if match and match.re is CANVAS:
        return Name(safe_id(f"{match['name']}_{match['user']}"), bool(match["late1"] or match["late2"]),
                    "canvas", match["name"], match["user"], int(match["sub"]), copy)
    if match:
        return Name(safe_id(f"{match['name']}_{match['user']}"), False, "moodle", match["name"], match["user"],
                    copy=copy)
    match = PLAIN.match(stem)
    stem = match["name"] if match else stem
    return Name(safe_id(stem), login=stem, copy=copy)


def student_id(name: str, is_dir: bool = False) -> tuple[str, bool]:
    """(id, late) from a top-level entry's name; see the module docstring."""
    parsed = parse_name(name, is_dir)
    return parsed.student, parsed.late


def safe_id(text: str) -> str:
    """A name usable as a folder on every system and printable anywhere: no separators,
    control, invalid or reserved characters (text.printable's escapes lose their backslash)."""
    text = re.sub(r'[\x00-\x1f\x7f/\\:*?"<>|]', "_", printable(text, inline=True)).strip(" .")[:100].strip(" .")
    if not text:
        return "unnamed"
    return "_" + text if text.lower() in RESERVED else text


# ------------------------------------------------------------- intake

def read_class(folder: str | Path, skip: str | Path | None = None,
               picks: dict[str, str] | None = None) -> list[Entry]:
    """The entries of a class folder, sorted by student id.

    ``skip``: a path not to treat as a submission (the output folder, if inside).
    ``picks``: {student id: entry name} choosing the file that counts (``--pick``).
    """
    folder = Path(folder)
    groups = {}
    for child in sorted(folder.iterdir()):
        if junk(child.name) or (skip is not None and child.resolve() == Path(skip).resolve()):
            continue
        name = parse_name(decoded_name(child.name), child.is_dir() and not child.is_symlink())
        groups.setdefault(name.student.casefold(), []).append(child)
    picks = {k.casefold(): v for k, v in (picks or {}).items()}
    unknown = [k for k in picks if k not in groups]
    if unknown:
        raise ClassRefused("--pick: 没有这个学生 / no such student: " + ", ".join(unknown))
    entries = [_entry(members, picks.get(key)) for key, members in groups.items()]
    return sorted(entries, key=lambda e: (e.student.casefold(), e.student))


def _entry(members, pick=None):
    """The Entry of one student's top-level entries (sorted by name). Names are
    decoded_name's: a GBK name left by ``unzip`` reads as its author wrote it."""
    named = [(m, parse_name(decoded_name(m.name), m.is_dir() and not m.is_symlink()))
             for m in members]
    student = min(n.student for _, n in named)
    gradable = [(m, n) for m, n in named if m.is_symlink() or m.is_dir() or m.suffix.lower() in GRADABLE]
    if pick is not None:
        chosen = [g for g in gradable if pick in (g[0].name, decoded_name(g[0].name))]
        if not chosen:
            raise ClassRefused(f"--pick {student}={pick}: 不是该学生可评分的提交 / not a gradable submission of "
                               f"this student; choose one of: " + ", ".join(decoded_name(m.name) for m, _ in gradable))
        gradable = chosen + [g for g in gradable if g is not chosen[0]]
    elif len(gradable) > 1:
        order = list(gradable)
        gradable.sort(key=lambda g: _newness(g, order), reverse=True)
        first, second = gradable[:2]
        if _newness(first, order)[:2] == _newness(second, order)[:2] and first[1].site != "moodle" \
                and _digest(first[0]) != _digest(second[0]):
            names = tuple(decoded_name(m.name) for m, _ in gradable)
            entry = Entry(student, names=names, refused=(
                "duplicate", "同一学生有多份无法区分新旧的提交，未评分；请只保留一份，或用 --pick 选定 / "
                "several submissions of one student and nothing says which is newer, not graded; "
                "keep one or choose with --pick: " + ", ".join(names)), name=first[1])
            entry.sha256 = _digest(None, entry.refused)
            return entry
    if gradable:
        (path, name), older = gradable[0], tuple(decoded_name(m.name) for m, _ in gradable[1:])
    else:           # nothing gradable: grade() refuses it with intake's own status and reason
        (path, name), older = named[0], ()
    entry = Entry(student, path, tuple(decoded_name(m.name) for m, _ in named), late=name.late, superseded=older,
                  name=name)
    entry.sha256 = _digest(path)
    return entry


def _newness(member, members):
    """Sort key of a gradable entry: (Canvas submission id, -N suffix, name order)."""
    _, name = member
    return name.submission, name.copy, members.index(member) if name.site == "moodle" else 0


def refused_entry(student: str, names: Sequence[str], status: str, reason: str, name: Name | None = None) -> Entry:
    """The Entry of a student refused before intake (e.g. an unsafe path in a class zip);
    ``name``: what its name says (None: nothing, not even LMS ids, as for a name that
    starts outside the class)."""
    entry = Entry(student, names=tuple(names), refused=(status, reason), name=name or Name(student, login=student))
    entry.sha256 = _digest(None, entry.refused)
    return entry


def _digest(path, refused=None):
    """sha256 of what grading reads: the file's bytes, or every file of a folder up to
    intake's depth (names, bytes, links' targets), or the refusal."""
    h = hashlib.sha256()
    if path is None:
        h.update(json.dumps(refused).encode())
        return h.hexdigest()
    if path.is_symlink():
        h.update(b"link\0" + os.fsencode(os.readlink(path)))
        return h.hexdigest()
    if path.is_file():
        h.update(b"file\0" + path.suffix.lower().encode() + b"\0")
        hash_file(h, path)
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
                hash_file(h, p)
    return h.hexdigest()


def extract_class(path: str | Path, dest: str | Path) -> dict[str, tuple[str, str, bool, bool]]:
    """Safely extract a class zip into the private folder ``dest``.

    Sizes are checked from the zip's directory before anything is written, and
    each entry is copied with at most its declared size. Links, entries that cannot
    be read and names that would leave ``dest`` are never written, and each refuses
    only itself (class_entries). When every file sits in one top folder (the class
    folder was zipped), that folder is left out.
    Returns {name: (status, reason, is_folder, owned)}: ``name`` is the top-level entry
    the refused one belongs to (``owned``), else (a name that starts outside the
    class, ``../x`` or ``/x``) the refused entry's whole name, which belongs to nobody.
    """
    try:
        archive = zipfile.ZipFile(path)
    except BROKEN_ZIP as error:
        raise ClassRefused(f"zip 文件损坏 / corrupt zip: {path}: {error}") from None
    refused = {}
    with archive:
        infos = archive.infolist()
        if len(infos) > MAX_CLASS_ENTRIES or sum(i.file_size for i in infos) > MAX_CLASS_TOTAL:
            raise ClassRefused(f"zip 解压后过大 / the class zip is too large once uncompressed: {path}")
        members = [(info, name, PurePosixPath(name).parts) for info in infos for name in [zip_name(info)]]
        files = [parts for info, name, parts in members
                 if not unsafe_path(name) and not junk(parts[0]) and not info.is_dir()]
        strip = int(bool(files) and all(len(p) > 1 and p[0] == files[0][0] for p in files))
        for info, name, parts in members:
            if unsafe_path(name):
                rest = parts[1:] if strip and parts[:1] == files[0][:1] else parts
                owned = len(rest) > 1 and not unsafe_path(rest[0]) and rest[0] != ".."
                refused.setdefault(rest[0] if owned else name, (
                    "unsafe-path", f"zip 中的路径不安全 / unsafe path in the zip: {name}", owned, owned))
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
                except BROKEN_ZIP as error:
                    why = ("bad-zip", f"无法读取 zip 中的文件 / cannot read a file in the zip ({error})")
            if why:
                refused.setdefault(parts[0], (why[0], f"{why[1]}: {name}", len(parts) > 1 or info.is_dir(), True))
    return refused


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


def class_entries(submissions: str | Path, tmp: str | Path, skip: str | Path | None = None,
                  picks: dict[str, str] | None = None) -> list[Entry]:
    """The sorted entries of a class folder or class zip (extracted into ``tmp``);
    ``skip`` and ``picks`` as for read_class."""
    submissions = Path(submissions)
    if submissions.is_dir():
        return read_class(submissions, skip, picks)
    if not submissions.is_file():
        raise ClassRefused(f"找不到 / not found: {submissions}")
    if submissions.suffix.lower() != ".zip":
        raise ClassRefused(f"需要文件夹或 .zip / expected a folder or a .zip: {submissions}")
    refused = extract_class(submissions, tmp)
    entries = read_class(tmp, picks=picks)
    students = {e.student.casefold(): e for e in entries}
    for name, (status, reason, is_folder, owned) in sorted(refused.items()):
        student = student_id(name, is_folder)[0] if owned else safe_id(name)
        entry = students.get(student.casefold())
        if entry is not None:       # a refused entry refuses only itself: the student's others count
            entry.skipped += ((name, status),)
            continue
        entry = refused_entry(student, (name,), status, reason, parse_name(name, is_folder) if owned else None)
        students[student.casefold()] = entry
        entries.append(entry)
    return sorted(entries, key=lambda e: (e.student.casefold(), e.student))
