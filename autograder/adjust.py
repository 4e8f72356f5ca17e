"""From the machine's score to the final score: the late penalty, then the course staff's overrides.

Grading is never redone for either: both apply to the stored results, so changing
the penalty or an override regrades nobody.

- Late penalty: ``course.toml`` ``[late] penalty`` is the fraction of the machine's
  score taken off a late submission (0 = none).
- Overrides: a CSV file with columns ``student,item,points,reason``. ``item`` is a
  function name from the contract (that function's points become ``points``, between
  0 and its points in ``course.toml``) or ``adjust`` (``points`` is added to the total
  and may be negative). Applied after the late penalty, in the file's order.
"""
from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterable
    from pathlib import Path
    from typing import Any

ADJUST = "adjust"
COLUMNS = ("student", "item", "points", "reason")


class BadOverrides(Exception):
    """The overrides file cannot be used; the message names the file and line."""


@dataclass(frozen=True)
class Override:
    """One line of the overrides file (``line`` counts from 1, the header included)."""
    line: int
    student: str
    item: str
    points: float
    reason: str


def read_overrides(path: str | Path, students: Iterable[str], points: dict[str, float]) -> list[Override]:
    """The overrides of the CSV file ``path``, checked.

    students: the class's student ids; points: {function: its points} (course.toml).
    Raises BadOverrides naming the line of an unknown student or item, a bad number,
    a function set twice, or a missing reason.
    """
    ids = {s.casefold(): s for s in students}
    try:
        with open(path, encoding="utf-8-sig", newline="") as file:
            rows = list(csv.reader(file))
    except (OSError, UnicodeDecodeError, csv.Error) as error:
        raise BadOverrides(f"{path}: {error}") from None
    if not rows or tuple(c.strip() for c in rows[0]) != COLUMNS:
        raise BadOverrides(f"{path}:1: 第一行必须是 / the first line must be: {','.join(COLUMNS)}")
    found, seen = [], set()
    for line, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        where = f"{path}:{line}: "
        if len(row) != len(COLUMNS):
            raise BadOverrides(where + f"需要 {len(COLUMNS)} 列 / expected {len(COLUMNS)} columns, got {len(row)}")
        student, item, value, reason = (cell.strip() for cell in row)
        if student.casefold() not in ids:
            raise BadOverrides(where + f"没有这个学生 / no such student: {student}")
        if item != ADJUST and item not in points:
            raise BadOverrides(where + f"没有这个项目 / no such item: {item} (a function name or {ADJUST})")
        try:
            number = float(value)
        except ValueError:
            number = math.nan
        if not math.isfinite(number):
            raise BadOverrides(where + f"分数不是数字 / points is not a number: {value!r}")
        if item != ADJUST and not 0 <= number <= points[item]:
            raise BadOverrides(where + f"{item} 的分数应在 0 到 {points[item]:g} 之间 / "
                                       f"points for {item} must be between 0 and {points[item]:g}")
        if not reason:
            raise BadOverrides(where + "需要写明原因 / a reason is required")
        student = ids[student.casefold()]
        if item != ADJUST and (student, item) in seen:
            raise BadOverrides(where + f"{student} 的 {item} 已经设过 / {item} of {student} is set twice")
        seen.add((student, item))
        found.append(Override(line, student, item, number, reason))
    return found


def final(per_function: dict[str, tuple[float, float]], late: bool, penalty: float,
          overrides: list[Override]) -> dict[str, Any]:
    """The final score of a graded submission and how it came about.

    per_function: {function: (score, max_score)} of the machine's grading; late: whether
    it was late; penalty: the fraction taken off late work; overrides: this student's.
    Returns {"raw", "late_penalty", "override_points", "score", "functions", "overrides"}
    where ``functions`` holds the points per function after overrides and ``overrides``
    [(Override, points it changed the total by)].
    """
    raw = round(sum(score for score, _ in per_function.values()), 2)
    deducted = round(raw * penalty, 2) if late else 0.0
    functions = dict(per_function)
    applied = []
    for override in overrides:
        if override.item == ADJUST:
            change = override.points
        else:
            score, total = functions.get(override.item, (0.0, 0.0))
            change = override.points - score
            functions[override.item] = (override.points, total)
        applied.append((override, round(change, 2)))
    moved = round(sum(change for _, change in applied), 2)
    return {"raw": raw, "late_penalty": deducted, "override_points": moved,
            "score": round(raw - deducted + moved, 2), "functions": functions, "overrides": applied}
