"""The class's grade files (autograder/gradebook.py) made from small hand-made records,
without grading anything: columns, refused rows, formula cells, the LMS layouts.
(test_bulk.py checks the same files end to end, BOM included, on the example class.)"""
import csv
import io

import pytest

from autograder.adjust import ADJUST, Override, final
from autograder.gradebook import canvas, gradebook, moodle, points
from autograder.roster import Entry, parse_name
from autograder.settings import load as load_settings
from autograder.text import csv_cell as cell

SETTINGS = load_settings()
POINTS = SETTINGS["points"]                  # function -> points (course.toml), in the contract's order
MAX = sum(POINTS.values())
PENALTY = SETTINGS["late"]["penalty"]
CONTRACT = ["student", "score", "max_score", "status", "late"]


def record(filename, machine=None, status="graded", superseded=(), overrides=()):
    """A record as bulk builds it: not graded (final None) when ``machine`` is None."""
    name = parse_name(filename)
    entry = Entry(student=name.student, names=(filename,), late=name.late, superseded=superseded, name=name,
                  refused=None if machine else (status, "why"))
    graded = machine is not None
    return {"student": name.student, "entry": entry, "data": {"status": status if not graded else "graded"},
            "final": final(machine, name.late, PENALTY, list(overrides)) if graded else None}


def full_marks():
    return {f: (p, p) for f, p in POINTS.items()}


def half_of_the_first():
    first = next(iter(POINTS))
    return dict(full_marks(), **{first: (POINTS[first] / 2, POINTS[first])})


RECORDS = [
    record("zhangsan_1001_5001_two_layer_net.py", full_marks(), superseded=("zhangsan_1001_4001_two_layer_net.py",)),
    record("late_lisi_1002_5002_two_layer_net.py", half_of_the_first()),
    record("wangwu_1003_5003_two_layer_net.zip", None, status="bad-zip"),
    record("Zhao Liu_77_assignsubmission_file_two_layer_net.py", full_marks(),
           overrides=[Override(2, "Zhao Liu_77", ADJUST, -2, "copied")]),
    record("=HYPERLINK(1)_two_layer_net.py", None, status="no-submission"),
]


def rows(text):
    return list(csv.reader(io.StringIO(text)))


def by_student(text):
    return {row["student"]: row for row in csv.DictReader(io.StringIO(text))}


def test_gradebook_starts_with_the_contracts_columns_then_one_per_function():
    header = rows(gradebook(RECORDS, MAX))[0]
    assert header[:5] == CONTRACT
    assert header[-len(POINTS):] == list(POINTS)
    assert len(header) == len(set(header))


def test_gradebook_has_one_row_per_record_in_their_order_with_crlf_and_no_bom_of_its_own():
    text = gradebook(RECORDS, MAX)
    assert [row[0] for row in rows(text)[1:]] == [cell(r["student"]) for r in RECORDS]
    assert text.startswith("student,") and text.endswith("\r\n") and "\ufeff" not in text   # bulk adds the BOM
    assert gradebook(RECORDS, MAX) == text                                                 # no times, no randomness


def test_graded_rows_hold_the_final_score_and_its_parts():
    book = by_student(gradebook(RECORDS, MAX))
    full = book["zhangsan_1001"]
    assert (full["score"], full["max_score"], full["status"], full["late"]) == (points(MAX), points(MAX), "graded", "")
    assert [full[f] for f in POINTS] == [points(p) for p in POINTS.values()]
    assert full["note"] == "superseded: zhangsan_1001_4001_two_layer_net.py"
    late = book["lisi_1002"]
    raw = MAX - next(iter(POINTS.values())) / 2
    assert late["late"] == "late" and late["raw_score"] == points(raw)
    assert late["late_penalty"] == points(round(raw * PENALTY, 2))
    assert float(late["score"]) == pytest.approx(raw - round(raw * PENALTY, 2))
    adjusted = book["Zhao Liu_77"]
    assert adjusted["overrides"] == "-2" and float(adjusted["score"]) == MAX - 2    # a number, not an escaped text


def test_a_refused_row_has_an_empty_score_and_its_status_never_a_zero():
    book = by_student(gradebook(RECORDS, MAX))
    refused = book["wangwu_1003"]
    assert refused["score"] == "" and refused["status"] == "bad-zip" and refused["max_score"] == points(MAX)
    assert all(refused[f] == "" for f in POINTS) and refused["raw_score"] == ""
    assert refused["late"] == ""


@pytest.mark.parametrize("text, written", [
    ("=HYPERLINK(1)", "'=HYPERLINK(1)"), ("+1+cmd", "'+1+cmd"), ("-1-1", "'-1-1"), ("@SUM(A1)", "'@SUM(A1)"),
    ("\t=1", "'\\x09=1"), ("\r=1", "'\\x0d=1"), ("-2", "-2"), ("+1.5e3", "+1.5e3"),   # a number is no formula
    ("zhangsan", "zhangsan"), ("a=b", "a=b"), ("", ""), (5, "5"), ("张三", "张三")])
def test_cells_that_a_spreadsheet_would_run_are_quoted(text, written):
    assert cell(text) == written


def test_a_formula_in_a_student_id_is_quoted_in_every_file():
    evil = RECORDS[-1]["student"]
    assert evil.startswith("=")
    for text in (gradebook(RECORDS, MAX), canvas(RECORDS, MAX, "t"), moodle(RECORDS, MAX)):
        cells = [c for row in rows(text) for c in row]
        assert "'" + evil in cells and not any(c.startswith("=") for c in cells)


@pytest.mark.parametrize("value, text", [(5, "5"), (5.0, "5"), (10 / 3, "3.3333"), (0.1 + 0.2, "0.3"), (0, "0"),
                                         (-2.5, "-2.5")])
def test_points_are_written_short_and_rounded(value, text):
    assert points(value) == text


def test_canvas_layout_ids_and_points_possible():
    title = SETTINGS["lms"]["title"]
    table = rows(canvas(RECORDS, MAX, title))
    assert table[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", title]
    assert table[1] == ["Points Possible", "", "", "", "", points(MAX)]
    body = {row[0]: row for row in table[2:]}
    assert len(body) == len(RECORDS)
    assert body["zhangsan"] == ["zhangsan", "1001", "", "", "", points(MAX)]     # the Canvas user id from the name
    assert body["lisi"][1] == "1002" and body["lisi"][5] == points(RECORDS[1]["final"]["score"])   # after the penalty
    assert body["wangwu"] == ["wangwu", "1003", "", "", "", ""]                  # refused: no score
    assert body["Zhao Liu"][1] == ""                                             # not a Canvas name
    assert rows(canvas(RECORDS, MAX, title, 4321))[0][5] == f"{title} (4321)"
    assert rows(canvas(RECORDS, MAX, title, "  "))[0][5] == title


def test_moodle_layout_participants_and_refusals_in_the_feedback():
    table = rows(moodle(RECORDS, MAX))
    assert table[0] == ["Identifier", "Full name", "Grade", "Maximum Grade", "Feedback comments"]
    body = {row[0]: row for row in table[1:]}
    assert body["Participant 77"] == ["Participant 77", "Zhao Liu", points(MAX - 2), points(MAX), ""]
    assert body["wangwu_1003"][2] == "" and body["wangwu_1003"][4].endswith("not graded: bad-zip")
    assert body["zhangsan_1001"][1:4] == ["zhangsan", points(MAX), points(MAX)]
