"""The class's grade files, as CSV text (the caller writes them as UTF-8 with BOM).

- ``gradebook.csv``: the kit's own: ``student, score, max_score, status, late``, then
  ``raw_score`` (the machine's), ``late_penalty`` and ``overrides`` (points taken off
  and added), ``note`` (superseded resubmissions) and the points per function.
- ``canvas.csv``: Canvas's gradebook import layout: ``Student, ID, SIS User ID,
  SIS Login ID, Section``, a "Points Possible" row, then one column for the assignment.
- ``moodle.csv``: the layout of Moodle's assignment grading worksheet: ``Identifier``
  ("Participant N"), ``Full name``, ``Grade``, ``Maximum Grade``, ``Feedback comments``.

Every cell is written by text.csv_text, which quotes what a spreadsheet would run as a
formula. A row that was not graded has an empty score in every file and its status where the
file has room for it (gradebook's ``status``, Moodle's feedback comments): never a 0.

A *record* (built by bulk) is ``{"student": id, "entry": roster.Entry, "data": stored
results, "final": adjust.final(...) or None when not graded}``. No times or dates
are written, so the same class always gives the same files.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from .settings import graded_functions
from .text import csv_text

if TYPE_CHECKING:
    from collections.abc import Sequence
    from typing import Any


def points(x: float) -> str:
    """A number of points as text: 5, 3.3333."""
    return f"{round(float(x), 4):g}"


def status_of(record: dict[str, Any]) -> str:
    return record["data"].get("status", "graded")


def note(record: dict[str, Any]) -> str:
    """The gradebook's note: which resubmissions were superseded, and which entries of a
    class zip were not read (roster.Entry.skipped)."""
    entry = record["entry"]
    parts = [("superseded: " + ", ".join(entry.superseded)) if entry.superseded else "",
             *(f"not read ({status}): {name}" for name, status in entry.skipped)]
    return "; ".join(part for part in parts if part)


def gradebook(records: list[dict[str, Any]], max_score: float, functions: Sequence[str] | None = None) -> str:
    """gradebook.csv: one row per student, in the records' order; a column per graded
    function (``functions``, default: course.toml's)."""
    functions = functions or graded_functions()
    rows = []
    for record in records:
        final, entry = record["final"], record["entry"]
        head = [record["student"], points(final["score"]) if final else "", points(max_score),
                status_of(record), "late" if entry.late else ""]
        if final is None:
            rows.append(head + ["", "", "", note(record)] + [""] * len(functions))
            continue
        per = final["functions"]
        rows.append(head + [points(final["raw"]), points(final["late_penalty"]), points(final["override_points"]),
                            note(record)] + [points(per.get(f, (0, 0))[0]) for f in functions])
    return csv_text(["student", "score", "max_score", "status", "late", "raw_score", "late_penalty", "overrides",
                 "note", *functions], rows)


def canvas(records: list[dict[str, Any]], max_score: float, title: str, assignment_id: str | int = "") -> str:
    """canvas.csv: ``ID`` is the Canvas user id from the file name (empty for other names,
    which Canvas then lists as unmatched); ``Student`` the name part."""
    column = f"{title} ({assignment_id})" if str(assignment_id).strip() else title
    rows = [["Points Possible", "", "", "", "", points(max_score)]]
    for record in records:
        name, final = record["entry"].name, record["final"]
        canvas_user = name.user if name is not None and name.site == "canvas" else ""
        login = name.login if name is not None and name.login else record["student"]
        rows.append([login, canvas_user, "", "", "", points(final["score"]) if final else ""])
    return csv_text(["Student", "ID", "SIS User ID", "SIS Login ID", "Section", column], rows)


def moodle(records: list[dict[str, Any]], max_score: float) -> str:
    """moodle.csv: ``Identifier`` is "Participant N" for Moodle file names (the student id
    otherwise, which Moodle skips as unknown)."""
    rows = []
    for record in records:
        name, final = record["entry"].name, record["final"]
        moodle_id = f"Participant {name.user}" if name is not None and name.site == "moodle" else record["student"]
        full = name.login if name is not None and name.login else record["student"]
        comment = "" if final else f"未评分 / not graded: {status_of(record)}"
        rows.append([moodle_id, full, points(final["score"]) if final else "", points(max_score),
                     comment])
    return csv_text(["Identifier", "Full name", "Grade", "Maximum Grade", "Feedback comments"], rows)
