"""make dist (kit/dist.py): the three zips are reproducible, the student zip holds what a
student needs and nothing of the solution or the hidden checks, its commands work from a
fresh unpack, the Gradescope and otter autograders grade the reference and the skeleton
as they should, and every safety rail refuses a broken repo."""
import importlib.util
import json
import re
import shutil
import subprocess
import sys
import zipfile

import numpy as np
import pytest

from autograder import settings
from autograder.catalog import graded_checks
from autograder.checks.support import KNOWN
from autograder.sandbox import status_report
from kit import dist, trial
from kit.mnist_fetch import FILES, idx_bytes, verify
from autograder.paths import ROOT
from autograder.settings import graded_functions
from example_class import full_score
from kit.skeleton import holes

pytestmark = pytest.mark.slow   # builds the zips, installs a virtualenv, runs otter

ZIPS = ("student.zip", "autograder.zip", "otter-autograder.zip")
VERSION = settings.load()["assignment"]["version"]
TOTAL = sum(settings.load()["points"].values())          # full marks


def fake_mnist(folder):
    """A small set in the official IDX format (CI has no data/): 2,200 train, 300 test images."""
    rng = np.random.default_rng(0)
    folder.mkdir()
    for prefix, n in (("train", 2200), ("t10k", 300)):
        (folder / f"{prefix}-images-idx3-ubyte").write_bytes(
            idx_bytes(rng.integers(0, 256, size=(n, 28, 28), dtype=np.uint8)))
        (folder / f"{prefix}-labels-idx1-ubyte").write_bytes(
            idx_bytes(rng.integers(0, 10, size=n, dtype=np.uint8)))
    return folder


@pytest.fixture(scope="session")
def data_dir(tmp_path_factory):
    """(folder, verified): the real MNIST when data/ holds it, else a small fake set."""
    real = ROOT / "data"
    if all(verify(real / name, name) or verify(real / f"{name}.gz", name) for name in FILES):
        return real, True
    return fake_mnist(tmp_path_factory.mktemp("mnist") / "data"), False


@pytest.fixture(scope="session")
def built(tmp_path_factory, data_dir):
    """One build of the three zips (rails included) for the whole session."""
    out = tmp_path_factory.mktemp("dist")
    dist.build(out, data_dir[0], log=lambda text: None, verified=data_dir[1])
    return out


def texts(path):
    """{name: text} of a zip's text entries."""
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name).decode("utf-8") for name in archive.namelist()
                if not name.endswith((".gz", ".npz"))}   # binary: MNIST, the learning check's subset


# ------------------------------------------------------------------ reproducible

def test_building_twice_gives_byte_identical_zips(built, data_dir, tmp_path):
    dist.build(tmp_path, data_dir[0], log=lambda text: None, check_rails=False, verified=data_dir[1])
    for name in ZIPS:
        if (tmp_path / name).read_bytes() != (built / name).read_bytes():
            with zipfile.ZipFile(tmp_path / name) as again, zipfile.ZipFile(built / name) as first:
                changed = sorted({i.filename for i in again.infolist()} ^ {i.filename for i in first.infolist()}
                                 | {i.filename for i in again.infolist() if i.filename in first.namelist()
                                    and again.read(i) != first.read(i.filename)})
            pytest.fail(f"{name} differs between two builds: {changed}")


def test_zips_are_dated_sorted_with_plain_modes_and_no_machine_paths(built):
    for name in ZIPS:
        with zipfile.ZipFile(built / name) as archive:
            infos = archive.infolist()
            assert VERSION in archive.comment.decode("utf-8")
        assert [i.filename for i in infos] == sorted(i.filename for i in infos)
        for info in infos:
            assert info.date_time == (1980, 1, 1, 0, 0, 0)
            assert info.external_attr >> 16 in (0o100644, 0o100755), info.filename
        for entry, text in texts(built / name).items():
            assert str(ROOT) not in text and "/dist-otter-" not in text, (name, entry)
    with zipfile.ZipFile(built / "autograder.zip") as archive:
        modes = {i.filename: i.external_attr >> 16 for i in archive.infolist()}
    assert modes["run_autograder"] == modes["setup.sh"] == 0o100755


# ------------------------------------------------------------------ the student zip

def test_student_zip_has_what_a_student_needs(built):
    with zipfile.ZipFile(built / "student.zip") as archive:
        names = set(archive.namelist())
        readme = archive.read("README.md").decode("utf-8")
        skeleton = archive.read("two_layer_net.py")
    assert {"two_layer_net.py", "mnist.py", "train.py", "check.py", "pytest.ini", "README.md",
            "requirements.txt", "autograder/checks/__init__.py", "autograder/checks/test_basics.py",
            "autograder/checks/known/public.json", "autograder/intake.py", "autograder/sandbox/worker.py",
            "autograder/sandbox/calling.py"} <= names      # the grader's reading, box and public checks
    assert not {"autograder/grade.py", "autograder/reference.py", "autograder/bulk.py"} & names
    assert {f"data/{name}.gz" for name in FILES} <= names
    assert skeleton == (ROOT / "student" / "two_layer_net.py").read_bytes()
    assert readme.splitlines()[0].endswith(f"({VERSION})")
    assert readme.index("## 中文") < readme.index("## English")
    for command in ("pip install -r requirements.txt", "python check.py", "python -m pytest", "python train.py",
                    "pip install jupyterlab", "jupyter lab two_layer_net.ipynb"):
        assert readme.count(command) >= 2, command     # in both languages
    assert {"two_layer_net.ipynb", "pictures.py"} <= names and "VS Code" in readme    # the notebook edition
    assert not any("solution" in name for name in names)


def numbers(known):
    """The numbers of a known/*.json as JSON text, those of 8 digits or more (not 0.0, 1.0...)."""
    found = set()
    for value in map(np.asarray, known.values()):
        if value.dtype.kind in "biuf":                 # not names (the functions, the visibility)
            found.update(json.dumps(float(x)) for x in np.ravel(value.astype(float)))
    return {text for text in found if len(text.lstrip("-")) >= 10}


def test_student_zip_holds_no_solution_code_hidden_check_or_hidden_value(built):
    found = texts(built / "student.zip")
    assert not [n for n in found if "hidden" in n]              # hidden.json; hidden checks: below
    source = (ROOT / "solution" / "two_layer_net.py").read_text(encoding="utf-8")
    solution_lines = {line.strip() for *_, body in holes(source) for line in body
                      if line.strip() and not line.strip().startswith("#")}
    assert len(solution_lines) > 20
    hidden_names = [name for c in graded_checks() if c.hidden for name in (c.name, c.test)]
    hidden_known = json.loads((KNOWN / "hidden.json").read_text(encoding="utf-8"))
    del hidden_known["visibility.hidden_checks"]      # names (hidden_names), under a key runner.py reads
    public_known = json.loads((KNOWN / "public.json").read_text(encoding="utf-8"))
    # every long number of hidden.json, unless public.json has it too (like 1/6)
    hidden_numbers = numbers(hidden_known) - numbers(public_known)
    assert len(hidden_numbers) > 100 and len(hidden_names) > 10
    for name, text in found.items():
        lines = {line.strip() for line in text.splitlines()}
        assert not lines & solution_lines, (name, sorted(lines & solution_lines))
        assert not [h for h in hidden_names if h in text], name
        assert not [k for k in hidden_known if f'"{k}"' in text], name
        assert not [x for x in hidden_numbers if x in text], name


def test_student_commands_work_from_a_fresh_unpack(built, tmp_path):
    """In a fresh virtualenv made from the zip's own requirements.txt, as a student would."""
    python = trial.zip_python(built / "student.zip", tmp_path)
    trial.check_student_zip(built / "student.zip", log=lambda text: None, python=python)


# ------------------------------------------------------------------ Gradescope

SPY = """
import os

PATHS = ("/autograder", "/autograder/source/solution/two_layer_net.py",
         "/autograder/source/autograder/checks/known/hidden.json", {root!r})


def readable(path):
    try:
        if os.path.isdir(path):
            return bool(os.listdir(path))
        with open(path, "rb") as f:
            return bool(f.read(1))
    except OSError:
        return False


def sigmoid(x):
    raise RuntimeError(f"seen: {{[path for path in PATHS if readable(path)]}}")
"""


@pytest.fixture(scope="module")
def grader_python(built, tmp_path_factory):
    """autograder.zip's requirements.txt in a fresh virtualenv, as setup.sh installs it."""
    return trial.zip_python(built / "autograder.zip", tmp_path_factory.mktemp("grader-env"))


PLACES = [pytest.param(place, marks=pytest.mark.skipif(
              place != "plain" and not trial.outer_box_works(docker=place == "docker"),
              reason="needs root and bubblewrap to lay out /autograder"))
          for place in trial.PLACES]


@pytest.mark.parametrize("place", PLACES)
def test_gradescope_layout_grades_reference_full_skeleton_and_attacker_zero(built, grader_python, tmp_path,
                                                                             place):
    (tmp_path / "spy.py").write_text(SPY.format(root=str(ROOT)), encoding="utf-8")
    expected = {ROOT / "solution" / "two_layer_net.py": TOTAL, ROOT / "student" / "two_layer_net.py": 0,
                **{ROOT / "examples" / "submissions" / name: full_score(ROOT / "examples" / "submissions" / name)
                   for name in ("chenyi_1011_5011_two_layer_net.py", "liuer_1012_5012_two_layer_net.py",
                                "sunsan_1013_5013_two_layer_net.ipynb")},  # data loading and training left out
                tmp_path / "spy.py": 0, trial.ATTACKER: 0}
    for number, (submission, score) in enumerate(expected.items()):
        results = trial.try_gradescope(built / "autograder.zip", submission, tmp_path / str(number),
                                      place, grader_python)
        assert results["score"] == score, (submission, results["output"])
        assert sum(t["max_score"] for t in results["tests"]) == TOTAL
        assert results["sandbox"] == ("landlock" if place == "docker" else "bwrap" if status_report()["bwrap"][0]
                                      else "landlock")
        if submission.name == "spy.py":   # its box saw nothing of /autograder nor of the repo
            assert "seen: []" in json.dumps(results, ensure_ascii=False)


def test_gradescope_leaves_results_when_no_box_can_start(built, grader_python, tmp_path):
    """Forced to a box that cannot start (bwrap in a Docker-like container), run_autograder
    still leaves a results.json with 0 points and runs no student code: it tells the student
    that the instructor was told, and the instructor (in a hidden entry) why and the fix."""
    if not trial.outer_box_works(docker=True):
        pytest.skip("needs root and bubblewrap to simulate Docker")
    results = trial.try_gradescope(built / "autograder.zip", ROOT / "solution" / "two_layer_net.py",
                                  tmp_path, "docker", grader_python, sandbox="bwrap")
    assert results["score"] == 0 and results["status"] == "no-sandbox"
    assert "instructor has been told" in results["output"] and "bubblewrap" not in results["output"]
    [note] = results["tests"]
    assert note["visibility"] == "hidden" and note["max_score"] == 0
    assert "bubblewrap" in note["output"] and "AUTOGRADER_SANDBOX" in note["output"]


def test_grader_environment_has_no_bulk_only_packages(grader_python):
    probe = "import importlib.util as u; print([m for m in ('tqdm', 'otter') if u.find_spec(m)])"
    done = subprocess.run([str(grader_python), "-c", probe], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_gradescope_zip_holds_the_grader_and_installs_with_pip_and_apt(built):
    found = texts(built / "autograder.zip")
    assert {"setup.sh", "run_autograder", "requirements.txt", "course.toml", "solution/two_layer_net.py",
            "autograder/grade.py", "autograder/sandbox/worker.py", "autograder/checks/test_more.py",
            "autograder/checks/known/hidden.json"} <= set(found)
    assert not [name for name in found if name.startswith("kit/")]     # the grader needs none of the TA tools
    assert "pip install" in found["setup.sh"] and "apt-get install" in found["setup.sh"]
    assert "bubblewrap" in found["setup.sh"] and "-r requirements.txt" in found["setup.sh"]
    assert 'grade "$AG/submission" --out "$AG/results"' in found["run_autograder"]
    subprocess.run(["bash", "-n", "-c", found["setup.sh"] + "\n" + found["run_autograder"]], check=True)
    pins = {d.split("==")[0]: d for d in settings.load(ROOT / "pyproject.toml")["project"]["dependencies"]
            if "==" in d}
    for package in ("numpy", "pytest", "matplotlib"):
        assert f'{pins[package]}; python_version >= "3.11"' in found["requirements.txt"]


# ------------------------------------------------------------------ otter-grader

@pytest.mark.skipif(importlib.util.find_spec("ipykernel") is None,
                    reason="otter run needs otter-grader[grading] (ipykernel)")
@pytest.mark.parametrize("submission, full", [("solution/two_layer_net.py", True),
                                              ("student/two_layer_net.py", False)])
def test_otter_run_grades_reference_full_and_skeleton_zero(built, tmp_path, submission, full):
    shutil.copyfile(ROOT / submission, tmp_path / "two_layer_net.py")
    otter = [sys.executable, "-m", "otter", "run", "-a", str(built / "otter-autograder.zip"),
             "-o", str(tmp_path), "--no-logo", "two_layer_net.py"]
    run = subprocess.run(otter, cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout + run.stderr
    tests = json.loads((tmp_path / "results.json").read_text(encoding="utf-8"))["tests"]
    graded = [t for t in tests if "max_score" in t]
    assert sum(t["max_score"] for t in graded) == TOTAL
    assert sum(t["score"] for t in graded) == (TOTAL if full else 0)


def test_otter_test_files_are_exception_based_with_the_course_points(built):
    found = texts(built / "otter-autograder.zip")
    tests = {name: text for name, text in found.items() if name.startswith("tests/")}
    assert len(tests) == len(graded_functions()) and "files/autograder/checks/otter_env.py" in found
    assert all("from otter.test_files import test_case" in text and "(env):" in text for text in tests.values())
    points = [float(p) for text in tests.values() for p in re.findall(r"points=([\d.]+)", text)]
    assert sum(points) == pytest.approx(TOTAL)
    checks = len(graded_checks())
    assert sum(text.count("\n@test_case(") for text in tests.values()) == checks > 20


# ------------------------------------------------------------------ safety rails

def repo_copy(tmp_path):
    """The part of the repo that make dist reads, copied to tmp_path/repo."""
    repo = tmp_path / "repo"
    for name in ("autograder", "kit", "solution", "student"):
        shutil.copytree(ROOT / name, repo / name, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copyfile(ROOT / "course.toml", repo / "course.toml")
    (repo / "tests").mkdir()
    for name in ("conftest.py", "test_solution.py"):      # the hand-computed values
        shutil.copyfile(ROOT / "tests" / name, repo / "tests" / name)
    return repo


def in_copy(repo, *command):
    subprocess.run([sys.executable, *command], cwd=repo, check=True, capture_output=True)


def edit(path, old, new):
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def no_hint(repo):
    lines = (repo / "solution" / "two_layer_net.py").read_text(encoding="utf-8").splitlines(keepends=True)
    first = next(i for i, line in enumerate(lines) if "# BEGIN SOLUTION" in line)
    del lines[first + 1:first + 3]                      # the hole's two HINT lines
    (repo / "solution" / "two_layer_net.py").write_text("".join(lines), encoding="utf-8")


def stale_skeleton(repo):
    with open(repo / "student" / "two_layer_net.py", "a", encoding="utf-8") as file:
        file.write("# an edit by hand\n")


def stale_known(repo):
    edit(repo / "autograder" / "checks" / "known" / "public.json", "{\n", '{\n"stale": 1,\n')


def wrong_solution(repo):
    """softmax over the wrong axis; the known values are remade from it, so only the
    values computed by hand can tell."""
    edit(repo / "solution" / "two_layer_net.py", "return e / np.sum(e, axis=-1, keepdims=True)",
         "return e / np.sum(e, axis=0, keepdims=True)")
    in_copy(repo, "-m", "kit.known_values")


def check_bug(repo):
    """A check that fails every answer: the solution no longer gets full marks."""
    edit(repo / "autograder" / "checks" / "test_basics.py",
         "        raise mismatch(target, show(x), expected, got, hint)",
         "        raise mismatch(target, show(x), expected, got, hint)\n    raise mismatch(target, '', 0, 1, ('', ''))")


def skeleton_with_points(repo):
    """sigmoid's body left outside the markers: the skeleton keeps it."""
    path = repo / "solution" / "two_layer_net.py"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    first = next(i for i, line in enumerate(lines) if "# BEGIN SOLUTION" in line)
    end = next(i for i in range(first, len(lines)) if "# END SOLUTION" in lines[i])
    del lines[end]
    del lines[first:first + 3]
    path.write_text("".join(lines), encoding="utf-8")
    in_copy(repo, "-m", "kit.skeleton", "solution/two_layer_net.py", "student/two_layer_net.py")


def skeleton_not_importing(repo):
    """A hole at module level: the skeleton raises NotImplementedError when imported."""
    edit(repo / "solution" / "two_layer_net.py", "import numpy as np\n",
         "import numpy as np\n\n# BEGIN SOLUTION\n# HINT: 常数。\n# HINT: A constant.\nEPS = 1e-7\n# END SOLUTION\n")
    in_copy(repo, "-m", "kit.skeleton", "solution/two_layer_net.py", "student/two_layer_net.py")


@pytest.mark.parametrize("breakage, message", [
    (no_hint, "has no '# HINT:' line"),
    (stale_skeleton, "run `make student`"),
    (stale_known, "run `make fixtures`"),
    (wrong_solution, "disagrees with the values computed by hand"),
    (check_bug, "from its own checks (it must get full marks)"),
    (skeleton_with_points, "points (it must get 0): sigmoid: "),
    (skeleton_not_importing, "does not import"),
])
def test_each_safety_rail_refuses_to_build(tmp_path, breakage, message):
    repo = repo_copy(tmp_path)
    breakage(repo)
    run = subprocess.run([sys.executable, "-m", "kit.dist", "--root", str(repo), "--out", str(tmp_path / "out")],
                         cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert run.returncode == 1, run.stdout + run.stderr
    assert "make dist refused: " in run.stderr, run.stderr
    assert message in run.stderr[run.stderr.index("make dist refused: "):], run.stderr
    assert not (tmp_path / "out").exists()


@pytest.mark.skipif(importlib.util.find_spec("ipykernel") is None,
                    reason="otter run needs otter-grader[grading] (ipykernel)")
def test_otter_gives_the_kits_points_per_function_on_buggy_files(built):
    # zhangsan's first file lost points to its own helpers under otter before stand-ins (18 vs 42)
    names = {"zhangsan_1001_5001_two_layer_net.py", "zhangsan_1001_5101_two_layer_net-1.py", "lisi"}
    totals = trial.compare_engines(built / "otter-autograder.zip", names=names, log=lambda text: None)
    assert set(totals) == names and all(kit == otter for kit, otter in totals.values())
    assert 0 < totals["zhangsan_1001_5001_two_layer_net.py"][0] < totals["zhangsan_1001_5101_two_layer_net-1.py"][0]


def test_compare_engines_fails_on_a_difference(built, monkeypatch):
    monkeypatch.setattr(trial, "otter_points", lambda zip_path, source, workdir: {"sigmoid": 5.0})
    with pytest.raises(dist.DistError, match="lisi: softmax: kit 10, otter None"):
        trial.compare_engines(built / "otter-autograder.zip", names={"lisi"}, log=lambda text: None)


def test_a_notebook_gets_the_points_of_the_same_code_from_the_gradescope_and_otter_zips(built, grader_python,
                                                                                         tmp_path):
    """The filled notebook and a mutant of it, as a .py and as the notebook edition: the same
    points per check from autograder.zip (as Gradescope runs it) and per function from
    otter-autograder.zip (which runs the notebook's cells: only its definitions, the rest
    being tagged otter_ignore)."""
    from test_checks import MUTANTS
    from test_notebook import SOLUTION_NB, mutant_notebook
    old, new = MUTANTS[-3][1:3]                                   # parameters updated with the wrong sign
    (tmp_path / "m.py").write_text((ROOT / "solution" / "two_layer_net.py").read_text(encoding="utf-8")
                                   .replace(old, new), encoding="utf-8")
    (tmp_path / "m.ipynb").write_text(mutant_notebook(old, new), encoding="utf-8")
    for number, (py, notebook) in enumerate([(ROOT / "solution" / "two_layer_net.py", SOLUTION_NB),
                                             (tmp_path / "m.py", tmp_path / "m.ipynb")]):
        points = []
        for kind, path in (("py", py), ("ipynb", notebook)):
            results = trial.try_gradescope(built / "autograder.zip", path, tmp_path / f"{number}{kind}", "plain",
                                          grader_python)
            work = tmp_path / f"otter{number}{kind}"
            work.mkdir()
            otter = trial.otter_points(built / "otter-autograder.zip", path.read_text(encoding="utf-8"), work,
                                       f"two_layer_net.{kind}")
            points.append(([(t["name"], t["score"]) for t in results["tests"]], otter))
        assert points[0] == points[1], py                         # the notebook: the .py's points
        kit_total = sum(score for _, score in points[0][0])
        assert sum(points[0][1].values()) == pytest.approx(kit_total)   # otter: the kit's points
        assert (kit_total == TOTAL) == (number == 0)                   # the reference full, the mutant not
