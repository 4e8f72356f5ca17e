"""Bulk grading end to end: a temporary class in every layout, malformed input,
resubmissions, kill-and-resume, --student, --force, changed files, the report."""
import csv
import io
import json
import os
import re
import shutil
import signal
import stat
import subprocess
import sys
import time
import zipfile

import pytest

from autograder import roster
from autograder.settings import graded_functions
from autograder.settings import load as load_settings
from autograder.paths import ROOT
from example_class import full_marks

pytestmark = pytest.mark.slow   # grades whole classes

GRADED = graded_functions()      # course.toml's order
EXAMPLES = ROOT / "examples" / "submissions"
REFERENCE = EXAMPLES / "reference_1000_5000_two_layer_net.py"

# The points of the whole assignment, as course.toml gives them.
TOTAL = f"{sum(load_settings()['points'].values()):g}"
PARTIAL = "partial"  # more than 0, less than TOTAL: the exact points are test_grade.py's business

# student id -> (status, score); score None: the cell stays empty. Hand-written examples score
# full_marks: the points of the functions they define (not those of a function added later).
EXPECTED = {
    "reference_1000": ("graded", TOTAL),            # Canvas name, with a notes file beside it
    "zhaoliu_1004": ("graded", full_marks(EXAMPLES / "zhaoliu_1004_5004_two_layer_net.py")),              # Canvas name with late_ in front
    "sunba_1008": ("graded", "0"),                  # Canvas name with _late_ after the name (the skeleton)
    "lisi": ("graded", PARTIAL),                    # a folder
    "wangwu_1003": ("graded", PARTIAL),             # a zip: GBK, CRLF, nested, __MACOSX junk
    "qianjiu": ("graded", TOTAL),                   # a notebook
    "chenyi_1011": ("graded", full_marks(EXAMPLES / "chenyi_1011_5011_two_layer_net.py")),               # imports mnist, trains under __main__
    "liuer_1012": ("graded", full_marks(EXAMPLES / "liuer_1012_5012_two_layer_net.py")),                # trains at module level
    "sunsan_1013": ("graded", full_marks(EXAMPLES / "sunsan_1013_5013_two_layer_net.ipynb")),               # a notebook with a training cell
    "zhou_1010": ("graded", TOTAL),                 # resubmitted: the newer (a zip) counts
    "chen_1019": ("duplicate", None),               # two different files, one submission id
    "zhouqi_1006": ("bad-zip", None),               # a broken zip
    "bomb_1011": ("zip-too-large", None),           # a zip bomb
    "ambiguous_1012": ("ambiguous", None),
    "nofile_1013": ("no-file", None),               # a zip without code
    "empty": ("no-file", None),                     # an empty folder
    "binary_1014": ("binary", None),
    "huge_1015": ("too-large", None),
    "pdf_1016": ("wrong-type", None),
    "badnb_1017": ("bad-notebook", None),
    "linked_1018": ("link", None),
}
LATE = {"zhaoliu_1004", "sunba_1008"}
PENALTY = load_settings()["late"]["penalty"]


def make_zip(path, entries):
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return path


def make_class(folder):
    """A class folder in every layout the issue names (see EXPECTED)."""
    folder.mkdir(parents=True)
    shutil.copyfile(REFERENCE, folder / "reference_1000_5000_two_layer_net.py")
    (folder / "reference_1000_5000_notes.txt").write_text("notes", encoding="utf-8")
    shutil.copyfile(EXAMPLES / "zhaoliu_1004_5004_two_layer_net.py", folder / "late_zhaoliu_1004_5004_two_layer_net.py")
    shutil.copyfile(EXAMPLES / "untouched_1007_5007_two_layer_net.py", folder / "sunba_late_1008_5008_two_layer_net.py")
    shutil.copytree(EXAMPLES / "lisi", folder / "lisi")
    shutil.copyfile(EXAMPLES / "wangwu_1003_5003_submission.zip", folder / "wangwu_1003_5003_submission.zip")
    cells = [{"cell_type": "markdown", "source": ["# 作业"]},
             {"cell_type": "code", "source": ["%matplotlib inline\n", REFERENCE.read_text(encoding="utf-8")]}]
    (folder / "qianjiu_two_layer_net.ipynb").write_text(json.dumps({"cells": cells}), encoding="utf-8")
    for name in ("chenyi_1011_5011_two_layer_net.py", "liuer_1012_5012_two_layer_net.py",
                 "sunsan_1013_5013_two_layer_net.ipynb"):
        shutil.copyfile(EXAMPLES / name, folder / name)
    shutil.copyfile(EXAMPLES / "untouched_1007_5007_two_layer_net.py", folder / "zhou_1010_5010_two_layer_net.py")
    make_zip(folder / "zhou_1010_5011_two_layer_net.zip", {"two_layer_net.py": REFERENCE.read_bytes()})
    shutil.copyfile(REFERENCE, folder / "chen_1019_5019_two_layer_net.py")
    make_zip(folder / "chen_1019_5019_two_layer_net.zip", {"two_layer_net.py": b"x = 1\n"})
    shutil.copyfile(EXAMPLES / "zhouqi_1006_5006_two_layer_net.zip", folder / "zhouqi_1006_5006_two_layer_net.zip")
    make_zip(folder / "bomb_1011_5011_two_layer_net.zip", {"two_layer_net.py": b"\0" * (100 << 20)})
    make_zip(folder / "ambiguous_1012_5012_hw.zip", {"a/two_layer_net.py": "", "b/two_layer_net.py": ""})
    make_zip(folder / "nofile_1013_5013_hw.zip", {"readme.txt": "no code"})
    (folder / "empty").mkdir()
    (folder / "binary_1014_5014_two_layer_net.py").write_bytes(b"\xff\xfe\x00bad")
    (folder / "huge_1015_5015_two_layer_net.py").write_bytes(b"x = 1\n" * 300000)
    (folder / "pdf_1016_5016_report.pdf").write_bytes(b"%PDF-1.4")
    (folder / "badnb_1017_5017_two_layer_net.ipynb").write_text("{not json", encoding="utf-8")
    (folder / "linked_1018_5018_two_layer_net.py").symlink_to(REFERENCE)
    (folder / "__MACOSX").mkdir()
    (folder / "__MACOSX" / "._lisi").write_bytes(b"\0\5junk")
    (folder / ".DS_Store").write_bytes(b"\0")
    return folder


def bulk_command(*args, **kwargs):
    return [sys.executable, "-m", "autograder", "bulk", *map(str, args)] + \
        [x for k, v in kwargs.items() for x in (f"--{k}", str(v))]


def read_gradebook(out):
    raw = (out / "gradebook.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")                        # UTF-8 with BOM, for Excel
    return list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))


def stored(out, student):
    return json.loads((out / student / "results.json").read_text(encoding="utf-8"))


def graded_now(*args, **options):
    """Run the bulk command (in its own process, so that no grading process outlives it
    here); return how many submissions it graded rather than reused."""
    run = subprocess.run(bulk_command(*args, **options), capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    return int(re.search(r": grading (\d+)", run.stdout)[1])


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """The class, graded once, uninterrupted, by the command: (class folder, out folder, stdout)."""
    tmp = tmp_path_factory.mktemp("bulk")
    folder = make_class(tmp / "class")
    run = subprocess.run(bulk_command(folder, out=tmp / "out", jobs=2), capture_output=True, text=True,
                         cwd=tmp, timeout=120)
    assert run.returncode == 0, run.stderr
    return folder, tmp / "out", run.stdout


@pytest.fixture
def regraded(graded, tmp_path):
    """A copy of the graded class and its results, to change and grade again."""
    folder, out, _ = graded
    shutil.copytree(folder, tmp_path / "class", symlinks=True)
    shutil.copytree(out, tmp_path / "out")
    return tmp_path / "class", tmp_path / "out"


# ------------------------------------------------------------------ ids

@pytest.mark.parametrize("name, is_dir, expected", [
    ("zhangsan_1001_5001_two_layer_net.py", False, ("zhangsan_1001", False)),
    ("late_zhangsan_1001_5001_two_layer_net.py", False, ("zhangsan_1001", True)),
    ("zhangsan_late_1001_5001_two_layer_net-1.py", False, ("zhangsan_1001", True)),
    ("chocolate_1001_5001_two_layer_net.py", False, ("chocolate_1001", False)),
    ("wangwu_1003_5003_submission.zip", False, ("wangwu_1003", False)),
    ("Zhang San_123456_assignsubmission_file_", True, ("Zhang San_123456", False)),
    ("张三_two_layer_net.py", False, ("张三", False)),
    ("two_layer_net.py", False, ("two_layer_net", False)),
    ("lisi", True, ("lisi", False)),
    ("hw.v2", True, ("hw.v2", False)),
    ('a:b*c?"d<e>|f.py', False, ("a_b_c__d_e__f", False)),
    ("gradebook.csv.py", False, ("_gradebook.csv", False)),
    ("...py", False, ("unnamed", False)),
])
def test_student_ids(name, is_dir, expected):
    assert roster.student_id(name, is_dir) == expected


# ------------------------------------------------------------------ end to end

def test_every_layout_gives_one_row_per_student(graded):
    folder, out, stdout = graded
    rows = read_gradebook(out)
    assert list(rows[0]) == ["student", "score", "max_score", "status", "late", "raw_score", "late_penalty",
                             "overrides", "note", *GRADED]
    assert [r["student"] for r in rows] == sorted(EXPECTED, key=str.casefold)
    for row in rows:
        status, score = EXPECTED[row["student"]]
        if score == PARTIAL:
            assert 0 < float(row["raw_score"]) < float(TOTAL), row
            score = row["raw_score"]
        assert (row["status"], row["raw_score"] or None) == (status, score), row
        assert row["max_score"] == TOTAL
        assert row["late"] == ("late" if row["student"] in LATE else "")
        if score is not None:
            assert sum(float(row[f]) for f in GRADED) == pytest.approx(float(score)) == float(row["raw_score"])
            late = float(score) * PENALTY if row["student"] in LATE else 0
            assert (float(row["late_penalty"]), float(row["score"])) == pytest.approx((late, float(score) - late))
        else:
            assert not any(row[f] for f in GRADED)
    assert f"gradebook: {out / 'gradebook.csv'}" in stdout and f"report:    {out / 'report.html'}" in stdout
    assert "lisi" in stdout and "zhou_1010" in stdout                # the ids in the progress output


def test_each_student_gets_results_and_feedback(graded):
    _, out, _ = graded
    for student, (status, _) in EXPECTED.items():
        data = stored(out, student)
        assert data["status"] == status and data["score"] == sum(t["score"] for t in data["tests"])
        assert set(data) >= {"score", "execution_time", "output", "tests", "extra_data"}
        feedback = (out / student / "feedback.md").read_text(encoding="utf-8")
        assert feedback.startswith(f"# 作业反馈 / Feedback: `{student}`")      # a code span: the id is never markup
    lisi = (out / "lisi" / "feedback.md").read_text(encoding="utf-8")
    assert f"{stored(out, 'lisi')['score']:g} / {TOTAL}" in lisi and "提示：" in lisi and "Hint:" in lisi
    assert lisi.index("没有通过的检查") < lisi.index("通过的检查 / Passed checks")
    assert stored(out, "zhaoliu_1004")["extra_data"]["late"] is True


def test_resubmissions_grade_the_newest_and_name_the_others(graded):
    _, out, _ = graded
    assert stored(out, "zhou_1010")["extra_data"]["submission"] == ["zhou_1010_5010_two_layer_net.py",
                                                                    "zhou_1010_5011_two_layer_net.zip"]
    row = {r["student"]: r for r in read_gradebook(out)}["zhou_1010"]
    assert row["note"] == "superseded: zhou_1010_5010_two_layer_net.py"
    assert "zhou_1010_5010_two_layer_net.py" in (out / "zhou_1010" / "feedback.md").read_text(encoding="utf-8")
    data = stored(out, "chen_1019")                          # one submission id, two different files
    assert data["status"] == "duplicate" and data["tests"] == []
    assert "chen_1019_5019_two_layer_net.py" in data["output"] and "chen_1019_5019_two_layer_net.zip" in data["output"]


def test_refusals_are_fast_and_say_why(graded):
    _, out, _ = graded
    for student, (status, _) in EXPECTED.items():
        if status not in ("graded", "duplicate"):
            data = stored(out, student)
            assert status in data["output"] and len(data["output"]) > 30
            assert data["execution_time"] < 0.5                  # the zip bomb too


def test_report_is_one_self_contained_page(graded):
    _, out, _ = graded
    page = (out / "report.html").read_text(encoding="utf-8")
    assert page.count("data:image/png;base64,") == 2
    assert "http://" not in page and "https://" not in page and "<script src" not in page and "<link" not in page
    for student in EXPECTED:
        assert f'href="{student}/feedback.md"' in page
    assert "除以批大小" in page                                       # a common mistake's hint (lisi's)
    table = page[page.index('<table class="students sortable">'):]
    table = table[:table.index("</table>")]
    order = re.findall(r'href="([^"/]+)/feedback.md"', table)                # sorted by score, lowest first
    scores = {r["student"]: float(r["score"]) if r["score"] else float("inf") for r in read_gradebook(out)}
    assert sorted(order) == sorted(EXPECTED) and [scores[s] for s in order] == sorted(scores.values())
    assert page.index("All students") < page.index("Score distribution") and "sortable" in page
    assert "bomb_1011" in page and "zip-too-large" in page


@pytest.mark.skipif(shutil.which("chromium") is None, reason="Debian's chromium is not installed")
def test_report_renders_in_headless_chromium(graded, tmp_path):
    _, out, _ = graded
    shot = tmp_path / "report.png"
    subprocess.run(["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                    "--disable-component-update", "--disable-sync", "--no-first-run",
                    f"--user-data-dir={tmp_path / 'profile'}", f"--screenshot={shot}", "--window-size=1280,2000",
                    (out / "report.html").as_uri()], capture_output=True, timeout=60)
    assert shot.stat().st_size > 50_000                          # a page with plots, not a blank one


def test_same_class_as_a_zip_gives_the_same_gradebook(graded, tmp_path):
    folder, out, _ = graded
    archive = tmp_path / "class.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:   # as an LMS would: one top folder
        for path in sorted(folder.rglob("*")):
            name = "submissions/" + path.relative_to(folder).as_posix()
            if path.is_symlink():
                info = zipfile.ZipInfo(name)
                info.external_attr = (stat.S_IFLNK | 0o777) << 16
                zf.writestr(info, os.readlink(path))
            elif path.is_dir():
                zf.writestr(name + "/", "")
            else:
                zf.write(path, name)
    graded_now(archive, out=tmp_path / "out", jobs=2)
    assert (tmp_path / "out" / "gradebook.csv").read_bytes() == (out / "gradebook.csv").read_bytes()
    assert not list((tmp_path / "out").glob(".class-*"))            # the extraction folder is gone


class GBKName(zipfile.ZipInfo):
    """An entry named in GBK without the UTF-8 flag, as zips made on Chinese Windows are."""

    def _encodeFilenameFlags(self):
        return self.filename.encode("cp437"), self.flag_bits


def test_class_zip_is_extracted_safely(tmp_path):
    archive = tmp_path / "class.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        link = zipfile.ZipInfo("linkme_1_2_two_layer_net.py")
        link.external_attr = (stat.S_IFLNK | 0o777) << 16
        zf.writestr(link, "/etc/passwd")
        zf.writestr("../escape_3_4_two_layer_net.py", "x = 1\n")
        zf.writestr("/abs_5_6_two_layer_net.py", "x = 1\n")
        zf.writestr("bomb_7_8_two_layer_net.py", b"\0" * (200 << 20))
        zf.writestr(GBKName("张三_9_10_two_layer_net.py".encode("gbk").decode("cp437")), "x = 1\n")
    dest = tmp_path / "dest"
    dest.mkdir()
    start = time.perf_counter()
    entries = {e.student: e for e in roster.class_entries(archive, dest)}
    assert time.perf_counter() - start < 0.5
    assert {s: e.refused[0] for s, e in entries.items() if e.refused} == {
        "linkme_1": "link", "_escape_3_4_two_layer_net.py": "unsafe-path", "_abs_5_6_two_layer_net.py": "unsafe-path",
        "bomb_7": "zip-too-large"}     # a name that starts outside the class is nobody's: it keeps its whole name
    assert entries["张三_9"].path.read_text() == "x = 1\n"
    assert sorted(p.name for p in dest.iterdir()) == ["张三_9_10_two_layer_net.py"]
    assert not (tmp_path / "escape_3_4_two_layer_net.py").exists()


def test_bad_class_arguments_exit_2(tmp_path):
    (tmp_path / "class").mkdir()
    (tmp_path / "class.txt").write_text("not a class")
    for args, out in [([tmp_path / "missing"], "out"), ([tmp_path / "class.txt"], "out"),
                      ([tmp_path / "class", "--student", "nobody"], "out"), ([tmp_path / "class"], "class"),
                      ([tmp_path / "class"], ".")]:
        run = subprocess.run(bulk_command(*args, out=tmp_path / out), capture_output=True, text=True, timeout=60)
        assert run.returncode == 2 and "bulk:" in run.stderr


# ------------------------------------------------------------------ resuming

def test_killed_run_resumes_to_the_same_gradebook(graded, tmp_path):
    folder, uninterrupted, _ = graded
    out = tmp_path / "out"
    command = bulk_command(folder, out=out, jobs=1)
    victim = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=tmp_path,
                              start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while len(list(out.glob("*/results.json"))) < 4 and victim.poll() is None and time.monotonic() < deadline:
            time.sleep(0.02)
        os.kill(victim.pid, signal.SIGKILL)                        # the main process only, as kill -9 does
        victim.wait()
        done = len(list(out.glob("*/results.json")))
        assert 4 <= done < len(EXPECTED), "the run was not killed part-way"
        for path in out.glob("*/results.json"):
            json.loads(path.read_text(encoding="utf-8"))          # whole files only
        deadline = time.monotonic() + 10                           # its workers die with it
        while time.monotonic() < deadline and _alive(victim.pid):
            time.sleep(0.1)
        assert not _alive(victim.pid), "grading processes outlived the killed run"
    finally:
        if _alive(victim.pid):
            os.killpg(victim.pid, signal.SIGKILL)
    rerun = subprocess.run(command, capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert rerun.returncode == 0, rerun.stderr
    assert f"reusing {done} stored results" in rerun.stdout
    assert (out / "gradebook.csv").read_bytes() == (uninterrupted / "gradebook.csv").read_bytes()


def _alive(group):
    try:
        os.killpg(group, 0)
        return True
    except ProcessLookupError:
        return False


def test_rerun_reuses_everything_and_student_regrades_one(regraded):
    folder, out = regraded
    before = (out / "gradebook.csv").read_bytes()
    times = {p.parent.name: p.stat().st_mtime_ns for p in out.glob("*/results.json")}
    assert graded_now(folder, out=out) == 0 and (out / "gradebook.csv").read_bytes() == before
    assert graded_now(folder, out=out, student="LISI") == 1                 # ids match case-insensitively
    assert (out / "gradebook.csv").read_bytes() == before
    changed = {p.parent.name for p in out.glob("*/results.json") if p.stat().st_mtime_ns != times[p.parent.name]}
    assert changed == {"lisi"}


def test_force_regrades_everything(regraded):
    folder, out = regraded
    before = (out / "gradebook.csv").read_bytes()
    assert graded_now(folder, "--force", out=out, jobs=2) == len(EXPECTED)
    assert (out / "gradebook.csv").read_bytes() == before


def test_a_changed_submission_is_regraded(regraded):
    folder, out = regraded
    shutil.copyfile(REFERENCE, folder / "lisi" / "two_layer_net.py")                  # lisi fixed the bugs
    (folder / "chen_1019_5019_two_layer_net.zip").unlink()                           # the duplicate resolved
    assert graded_now(folder, out=out, jobs=2) == 2
    rows = {r["student"]: r for r in read_gradebook(out)}
    assert (rows["lisi"]["score"], rows["chen_1019"]["score"], rows["chen_1019"]["status"]) == (TOTAL, TOTAL, "graded")


def test_output_folder_inside_the_class_is_not_a_submission(tmp_path):
    folder = tmp_path / "class"
    folder.mkdir()
    (folder / "pdf_1_2_report.pdf").write_bytes(b"%PDF-1.4")
    assert graded_now(folder, out=folder / "graded", jobs=1) == 1
    assert graded_now(folder, out=folder / "graded", jobs=1) == 0            # graded/ is not a submission
    assert [r["status"] for r in read_gradebook(folder / "graded")] == ["wrong-type"]


# ------------------------------------------------------------------ the instructor's week

def test_lms_files_carry_the_ids_and_refused_rows_have_no_score(graded):
    _, out, _ = graded
    raw = (out / "canvas.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0][:5] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
    assert rows[0][5].startswith(load_settings()["lms"]["title"]) and rows[1][0] == "Points Possible"
    canvas = {r[0]: r for r in rows[2:]}
    assert canvas["reference"][1] == "1000" and canvas["reference"][5] == TOTAL   # the Canvas user id
    assert canvas["lisi"][1] == "" and canvas["zhouqi"][1:] == ["1006", "", "", "", ""]
    moodle = list(csv.DictReader(io.StringIO((out / "moodle.csv").read_text(encoding="utf-8-sig"))))
    assert [r["Identifier"] for r in moodle] == sorted(EXPECTED, key=str.casefold)
    for row in moodle:
        status, score = EXPECTED[row["Identifier"]]
        assert (row["Grade"] == "") == (score is None) and (status in row["Feedback comments"]) == (score is None)


def test_similarity_csv_lists_pairs_most_similar_first(graded):
    _, out, _ = graded
    rows = list(csv.DictReader(io.StringIO((out / "similarity.csv").read_text(encoding="utf-8-sig"))))
    assert list(rows[0]) == ["student_a", "student_b", "similarity"]
    values = [float(r["similarity"]) for r in rows]
    assert values == sorted(values, reverse=True) and all(0 < v <= 1 for v in values)
    # reference_1000, qianjiu (a notebook of it) and zhou_1010 (a zip of it) hand in the same code
    found = {frozenset((r["student_a"], r["student_b"])): float(r["similarity"]) for r in rows}
    assert [found[frozenset(p)] for p in [("reference_1000", "qianjiu"), ("reference_1000", "zhou_1010"),
                                          ("qianjiu", "zhou_1010")]] == [1, 1, 1] == values[:3]
    # ... which is the reference's answer, as most of this class's is: agreement, listed in the report but not
    # flagged (similarity.flagged; the flag and the side-by-side code are test_similarity.py's business)
    page = (out / "report.html").read_text(encoding="utf-8")
    assert "<td>reference_1000</td>" in page and 'class="flagged"' not in page and "<mark>" not in page


def test_an_override_moves_one_student_and_lasts(regraded, tmp_path):
    folder, out = regraded
    before = {r["student"]: r for r in read_gradebook(out)}
    before_bytes = (out / "gradebook.csv").read_bytes()
    overrides = tmp_path / "overrides.csv"
    overrides.write_text("student,item,points,reason\nlisi,adjust,5,课堂展示加分 / bonus for the class demo\n",
                         encoding="utf-8")
    assert graded_now(folder, out=out, overrides=overrides) == 0                  # nobody regraded
    for _ in range(2):                                                               # and a plain rerun keeps it
        after = {r["student"]: r for r in read_gradebook(out)}
        moved = {s for s in before if before[s]["score"] != after[s]["score"]}
        assert moved == {"lisi"}
        assert float(after["lisi"]["score"]) == float(before["lisi"]["score"]) + 5
        assert (after["lisi"]["overrides"], after["lisi"]["raw_score"]) == ("5", before["lisi"]["score"])
        assert "课堂展示加分 / bonus for the class demo" in (out / "lisi" / "feedback.md").read_text(encoding="utf-8")
        assert "bonus for the class demo" in (out / "report.html").read_text(encoding="utf-8")
        assert graded_now(folder, out=out) == 0
    overrides.write_text("student,item,points,reason\nlisi,adjust,5,ok\nnobody,adjust,1,typo\n", encoding="utf-8")
    run = subprocess.run(bulk_command(folder, out=out, overrides=overrides), capture_output=True, text=True,
                         timeout=120)
    assert run.returncode == 2 and f"{overrides}:3:" in run.stderr and "nobody" in run.stderr
    overrides.write_text("student,item,points,reason\n", encoding="utf-8")          # drops them all
    assert graded_now(folder, out=out, overrides=overrides) == 0
    assert (out / "gradebook.csv").read_bytes() == before_bytes


def test_pick_grades_the_chosen_file(regraded):
    folder, out = regraded
    assert graded_now(folder, out=out, pick="zhou_1010=zhou_1010_5010_two_layer_net.py") == 1
    row = {r["student"]: r for r in read_gradebook(out)}["zhou_1010"]
    assert (row["score"], row["note"]) == ("0", "superseded: zhou_1010_5011_two_layer_net.zip")


# ------------------------------------------------------------------ a class of attackers

CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
FORMULA = '=HYPERLINK("evil.example")'
IMG = "<img src=x onerror=alert(1)>"


def attackers(folder):
    """One student of each kind issue 18 names, beside two honest ones: {student: status}."""
    folder.mkdir(parents=True)
    reference = REFERENCE.read_text(encoding="utf-8")
    write = lambda name, text: (folder / name).write_text(text, encoding="utf-8")   # noqa: E731
    write("alice_1001_5001_two_layer_net.py", reference)
    with open(os.fsencode(folder) + b"/" + "张三_1002_5002_two_layer_net.py".encode("gbk"), "w") as file:
        file.write(reference)                          # a GBK name left by unzip: not UTF-8
    write("sur_1003_5003_two_layer_net.py", reference.replace(
        "def sigmoid(x):\n", f"def sigmoid(x):\n    raise ValueError('\\ud800 \\x1b[2J\\r100 / 100 {IMG}')\n", 1).replace(
        "def softmax(x):\n", "def softmax(x):\n    return '\\ud800\\x1b[31m' * 3\n", 1))
    write("big_1004_5004_two_layer_net.py", re.sub(
        r"(\n(    )?def (?!__init__)\w+\(.*\):\n)",
        lambda m: m.group(1) + (m.group(2) or "") + "    return 'A' * 3_000_000\n", reference))
    write("esc_1005_5005_two_layer_net.py", "def _boom():\n    raise ImportError('\\x1b[2J\\x1b[H\\u202e100 / 100')\n"
          "H = _boom()\n" + reference.replace("def sigmoid(x):\n", "def sigmoid(x):\n    H\n", 1))
    write(f"{FORMULA}_1006_5006_two_layer_net.py", reference)
    write(f"eve_1007_5007_x`{IMG}`.py", "x = 1\n")
    write("eve_1007_5008_two_layer_net.py", reference)
    write("nb_1008_5008_two_layer_net.ipynb", json.dumps({"cells": "not a list"}))
    with zipfile.ZipFile(folder / "lzma_1009_5009_two_layer_net.zip", "w", zipfile.ZIP_LZMA) as archive:
        archive.writestr("two_layer_net.py", "".join(f"x{i} = {i * 7919 % 10007}\n" for i in range(2000)))
    data = bytearray((folder / "lzma_1009_5009_two_layer_net.zip").read_bytes())
    data[80:200] = bytes(b ^ 0x5A for b in data[80:200])
    (folder / "lzma_1009_5009_two_layer_net.zip").write_bytes(bytes(data))
    return {"alice_1001": TOTAL, "张三_1002": TOTAL, "sur_1003": PARTIAL, "big_1004": PARTIAL, "esc_1005": "0",
            '=HYPERLINK(_evil.example_)_1006': TOTAL, "eve_1007": TOTAL, "nb_1008": None, "lzma_1009": None}


def test_a_class_of_attackers_gets_every_file_and_no_student_markup_in_them(tmp_path):
    expected = attackers(tmp_path / "class")
    run = subprocess.run(bulk_command(tmp_path / "class", out=tmp_path / "out", jobs=2), capture_output=True,
                         timeout=600)
    assert run.returncode == 0, run.stderr.decode(errors="replace")
    assert not CONTROL.search(run.stdout.decode("utf-8"))
    out = tmp_path / "out"
    book = {row["student"].lstrip("'"): row for row in read_gradebook(out)}
    assert sorted(book) == sorted(expected)
    for student, score in expected.items():
        row = book[student]
        if score is None:
            assert row["score"] == "" and row["status"] in ("bad-notebook", "bad-zip")
        elif score == PARTIAL:
            assert row["status"] == "graded" and 0 < float(row["score"]) < float(TOTAL), student
        else:
            assert (row["status"], row["score"]) == ("graded", score), student
    assert book["nb_1008"]["status"] == "bad-notebook" and book["lzma_1009"]["status"] == "bad-zip"
    markdown_it = pytest.importorskip("markdown_it")
    for path in [p for p in out.rglob("*") if p.is_file() and p.name != ".lock"]:
        text = path.read_bytes().decode("utf-8")              # every file is valid UTF-8
        assert not CONTROL.search(text.replace("\r\n", "\n")), path
        if path.suffix == ".csv":
            cells = [c for row in csv.reader(io.StringIO(text.lstrip("\ufeff"))) for c in row]
            assert not [c for c in cells if c and c[0] in "=+-@" and not re.fullmatch(r"[+-]?[0-9.]+", c)], path
        if path.suffix == ".json":
            assert path.stat().st_size < 1_000_000
        if path.suffix == ".md":
            assert "<img" not in markdown_it.MarkdownIt("commonmark").render(text), path
        if path.suffix == ".html":
            assert IMG not in text and "&lt;img src=x" in text
    assert "\n'=HYPERLINK(_evil.example_)_1006," in (out / "similarity.csv").read_text(encoding="utf-8-sig")
    canvas = list(csv.reader(io.StringIO((out / "canvas.csv").read_text(encoding="utf-8-sig"))))
    assert ["'" + FORMULA, "1006"] in [row[:2] for row in canvas]
    feedback = (out / "big_1004" / "feedback.md").read_text(encoding="utf-8")
    assert re.search(r"bytes more\)|characters more\)", feedback) and len(feedback) < 400_000
    assert (out / "张三_1002" / "results.json").is_file()
    assert "\\x1b[2J" in (out / "esc_1005" / "feedback.md").read_text(encoding="utf-8")
