"""The grader end to end, in the sandbox, on the example class in examples/submissions/."""
import functools
import json
import subprocess
import sys
import time

import pytest

from autograder.checks.runner import function_of
from autograder.settings import graded_functions
from autograder import grade as grade_module
from autograder.grade import grade, is_sandbox_entry
from autograder.sandbox import NoBox
from autograder.settings import load as load_settings
from autograder.paths import ROOT
from example_class import defined

GRADED = graded_functions()      # course.toml's order
EXAMPLES = ROOT / "examples" / "submissions"

POINTS = load_settings()["points"]   # function -> points, from course.toml

# submission -> the checks that fail: all of a function's ("*"), or those named
EXPECTED = {
    "reference_1000_5000_two_layer_net.py": {},
    "zhaoliu_1004_5004_two_layer_net.py": {},           # another style, all correct
    "untouched_1007_5007_two_layer_net.py": {f: "*" for f in GRADED},
    "lisi": {                                           # a folder: summed loss, forward difference
        "cross_entropy_error": {"one-hot labels, mean over the batch", "integer labels"},
        "numerical_gradient": {"central difference on a (2, 3) array", "a 1-D array"}},
    "wangwu_1003_5003_submission.zip": {                # GBK, CRLF: no / N in backprop, a count
        "TwoLayerNet.gradient": "*", "TwoLayerNet.accuracy": "*"},
    "chenyi_1011_5011_two_layer_net.py": {},            # imports mnist, trains under __main__
    "liuer_1012_5012_two_layer_net.py": {},             # trains at module level
    "sunsan_1013_5013_two_layer_net.ipynb": {},         # a notebook with a training cell
    "mallory_1005_5005_two_layer_net.py":               # hostile: only three functions are honest
        {f: "*" for f in GRADED if f not in ("sigmoid", "softmax", "cross_entropy_error")},
}


@functools.lru_cache(maxsize=None)
def graded(name):
    return grade(EXAMPLES / name)


@pytest.mark.slow                      # the hostile example alone takes ~25 s
@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_example_class_scores(name):
    data = graded(name)
    failing = {(function_of(t), t["name"].split(": ", 1)[1]) for t in data["tests"] if t["score"] < t["max_score"]}
    missing = set(GRADED) - defined(EXAMPLES / name)     # a function added after the example was written
    expected = {(function_of(t), t["name"].split(": ", 1)[1]) for t in data["tests"] if t["max_score"] > 0 and (
                EXPECTED[name].get(function_of(t)) == "*" or function_of(t) in missing
                or t["name"].split(": ", 1)[1] in EXPECTED[name].get(function_of(t), ()))}
    assert failing == expected
    assert all(t["score"] in (0, t["max_score"]) for t in data["tests"])
    assert data["score"] == pytest.approx(sum(t["max_score"] for t in data["tests"]) -
                                          sum(t["max_score"] for t in data["tests"] if t["score"] == 0))
    for function, points in POINTS.items():   # each function's checks add up to its points
        assert sum(t["max_score"] for t in data["tests"] if function_of(t) == function) == pytest.approx(points)


@pytest.mark.slow   # the hostile example runs into every limit (~25 s)
def test_hostile_submission_learns_nothing_and_leaves_nothing():
    data = graded("mallory_1005_5005_two_layer_net.py")
    text = json.dumps(data, ensure_ascii=False)
    assert "stolen:" not in text and "network: open" not in text
    deadline = time.monotonic() + 5    # a killed box may take a moment to tear down its memory
    while box_processes() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert box_processes() == []


def box_processes():
    """Processes still running as this test process's box user (the grader is root here)
    or, when not root, as children of this process."""
    import os
    from autograder.sandbox import BOX_UID_BASE
    uid, found = BOX_UID_BASE + os.getpid(), []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            stat = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
            owner = os.stat(f"/proc/{pid}").st_uid
        except OSError:
            continue
        if (os.geteuid() == 0 and owner == uid) or int(stat[1]) == os.getpid():
            found.append(int(pid))
    return found


@pytest.mark.slow   # grades lisi twice, once through the command (test_broken_zip... runs the command fast)
def test_command_writes_the_contract_format_and_exits_0(tmp_path):
    run = subprocess.run([sys.executable, "-m", "autograder", "grade",
                          str(EXAMPLES / "lisi"), "--out", str(tmp_path / "out")],
                         capture_output=True, text=True, cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    data = json.loads((tmp_path / "out" / "results.json").read_text(encoding="utf-8"))
    assert data["score"] == sum(t["score"] for t in data["tests"]) == graded("lisi")["score"]
    assert f"{data['score']:g} / {sum(POINTS.values()):g}" in run.stdout   # the score table
    assert isinstance(data["execution_time"], float) and data["output"]
    for test in data["tests"]:
        assert set(test) >= {"name", "score", "max_score", "output", "visibility"}
        assert test["visibility"] in ("visible", "after_published") or is_sandbox_entry(test)
        assert function_of(test) in GRADED and test["name"].startswith(function_of(test) + ": ")
    box = data["tests"][-1]                                  # the instructor's note on the box
    assert is_sandbox_entry(box) and box["visibility"] == "hidden" and box["max_score"] == box["score"] == 0
    assert box["extra_data"]["sandbox"]["box"] == data["sandbox"] and "kernel" in box["output"]


def test_a_submission_graded_nowhere_speaks_to_the_student_and_to_the_instructor(tmp_path, monkeypatch):
    """No box works: the student reads that the instructor was told; the instructor, in an
    entry students never see, reads why and the fix."""
    def no_box(**kwargs):
        raise NoBox("no sandbox here. Fix: install bubblewrap")
    monkeypatch.setattr(grade_module, "Box", no_box)
    data = grade_module.grade(EXAMPLES / "lisi")
    assert data["status"] == "no-sandbox" and data["score"] == 0
    assert "instructor has been told" in data["output"] and "bubblewrap" not in data["output"]
    [box] = data["tests"]
    assert is_sandbox_entry(box) and box["visibility"] == "hidden" and box["max_score"] == 0
    assert "install bubblewrap" in box["output"] and box["extra_data"]["sandbox"]["box"] is None


def test_a_refused_submission_still_names_the_box(tmp_path):
    data = grade_module.grade(EXAMPLES / "zhouqi_1006_5006_two_layer_net.zip")
    assert data["status"] == "bad-zip" and [is_sandbox_entry(t) for t in data["tests"]] == [True]


def test_broken_zip_still_gets_a_results_file(tmp_path):
    run = subprocess.run([sys.executable, "-m", "autograder", "grade",
                          str(EXAMPLES / "zhouqi_1006_5006_two_layer_net.zip"), "--out", str(tmp_path)],
                         capture_output=True, text=True, cwd=ROOT)
    assert run.returncode == 0
    data = json.loads((tmp_path / "results.json").read_text(encoding="utf-8"))
    assert data["score"] == 0 and data["status"] == "bad-zip" and "zip" in data["output"]


def test_import_time_exit_costs_everything_but_says_why(tmp_path):
    path = tmp_path / "two_layer_net.py"
    # (a bare os._exit(3) statement would be left out: only what the definitions use runs)
    path.write_text("import os\nH = os._exit(3)\ndef sigmoid(x):\n    return H\n", encoding="utf-8")
    data = grade(path)
    assert data["score"] == 0 and "could not be imported" in data["output"]


@pytest.mark.slow   # a whole grade in the box
@pytest.mark.xfail(strict=False, reason="issue 17 left open: the learning check's fallback run can also lose "
                   "train_model's points here (seen once, not yet understood)")
def test_a_method_cannot_hand_its_work_to_the_references_twin(tmp_path):
    """gradient returning self.numerical_gradient(x, t) (and the other way round) must
    not borrow the reference's answer: the twin stays the student's own."""
    source = (ROOT / "solution" / "two_layer_net.py").read_text(encoding="utf-8")
    source = source.replace("        dy = (y - t) / batch_size\n",
                            "        return self.numerical_gradient(x, t)\n        dy = (y - t) / batch_size\n")
    source = source.replace("        loss_W = lambda W: self.loss(x, t)\n", "        return self.gradient(x, t)\n")
    path = tmp_path / "two_layer_net.py"
    path.write_text(source, encoding="utf-8")
    data = grade(path)
    lost = {function_of(t) for t in data["tests"] if t["score"] < t["max_score"]}
    assert lost == {"TwoLayerNet.gradient", "TwoLayerNet.numerical_gradient"}
    assert all(t["score"] == 0 for t in data["tests"] if function_of(t) in lost)


@pytest.mark.slow   # a whole grade in a fresh interpreter
def test_grading_one_submission_imports_nothing_it_does_not_use(tmp_path):
    """The Gradescope zip installs few packages: `grade` must not import bulk-only ones."""
    probe = ("import sys\nfrom autograder.__main__ import main\n"
             f"main(['grade', {str(ROOT / 'solution' / 'two_layer_net.py')!r}, '--out', {str(tmp_path)!r}])\n"
             "print([m for m in ('tqdm', 'matplotlib', 'autograder.bulk', 'autograder.report', 'kit.dist') "
             "if m in sys.modules])\n")
    run = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=ROOT)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip().splitlines()[-1] == "[]"


@pytest.mark.slow   # two whole grades, each training on the MNIST subset
def test_the_network_learns_mnist_and_the_feedback_says_how_well(tmp_path):
    """The learning check reports the accuracy; a loop that trains only W2 and b2 fails it
    (and only train_model's checks); the information-only line is worth 0 points."""
    good = graded("reference_1000_5000_two_layer_net.py")["tests"]
    learns = [t for t in good if "learns MNIST" in t["name"]]
    info = [t for t in good if "information only" in t["name"]]
    assert len(learns) == len(info) == 1 and learns[0]["score"] == learns[0]["max_score"] > 0
    assert "test accuracy: 8" in learns[0]["output"] and info[0]["max_score"] == 0
    source = (ROOT / "solution" / "two_layer_net.py").read_text(encoding="utf-8")
    path = tmp_path / "two_layer_net.py"
    path.write_text(source.replace("for key in ('W1', 'b1', 'W2', 'b2'):\n                self.params",
                                   "for key in ('W2', 'b2'):\n                self.params"), encoding="utf-8")
    tests = grade(path)["tests"]
    assert {function_of(t) for t in tests if t["score"] < t["max_score"]} == {"TwoLayerNet.train_model"}
    learns = next(t for t in tests if "learns MNIST" in t["name"])
    assert learns["score"] == 0 and "the test accuracy is only" in learns["output"]


@pytest.mark.parametrize("old, new, hint", [
    ("loss_W = lambda W: self.loss(x, t)", "loss_W = lambda W: 0.0", "the loss never changes"),
    pytest.param("numerical_gradient(loss_W, self.params[key])", "numerical_gradient(loss_W, self.params[key].copy())",
                 "a copy of the parameter was perturbed", marks=pytest.mark.slow)])   # one whole grade is enough for every day
def test_a_numerical_gradient_that_never_moves_the_loss_loses_its_points_in_the_box(tmp_path, old, new, hint):
    """In the sandbox the method runs with the student's own numerical_gradient (when that
    one is right), so its real result is compared, not what a stand-in answered."""
    path = tmp_path / "two_layer_net.py"
    path.write_text((ROOT / "solution" / "two_layer_net.py").read_text(encoding="utf-8").replace(old, new),
                    encoding="utf-8")
    tests = grade(path)["tests"]
    failed = [t for t in tests if t["score"] < t["max_score"]]
    assert {function_of(t) for t in failed} == {"TwoLayerNet.numerical_gradient"}
    assert all(hint in t["output"] for t in failed)


REPLAY_HELPERS = '''

_SEEN = []


def _remember(grads):
    _SEEN.append({key: value.copy() for key, value in grads.items()})
    return grads


def _replay(params):
    """No backpropagation: the gradients an earlier check's stand-in answered."""
    return _SEEN[-1] if _SEEN else {key: 0 * value for key, value in params.items()}
'''


@pytest.mark.slow   # a whole grade in the box
def test_gradient_cannot_replay_what_the_numerical_gradient_checks_revealed(tmp_path):
    """The worker lives through all checks: answers a stand-in gave it in one check must not
    pass another. The gradient checks have nets of their own (kit/known_values.py)."""
    source = (ROOT / "solution" / "two_layer_net.py").read_text(encoding="utf-8")
    for method, body in (("numerical_gradient", "return _remember(self._own_numerical_gradient(x, t))"),
                         ("gradient", "return _replay(self.params)")):
        old = f"    def {method}(self, x, t):\n"
        assert old in source
        source = source.replace(old, f"{old}        {body}\n\n    def _own_{method}(self, x, t):\n", 1)
    path = tmp_path / "two_layer_net.py"
    path.write_text(source + REPLAY_HELPERS, encoding="utf-8")
    tests = grade(path)["tests"]
    failed = {function_of(t) for t in tests if t["score"] < t["max_score"]}
    assert failed == {"TwoLayerNet.gradient"}
    assert all(t["score"] == 0 for t in tests if function_of(t) == "TwoLayerNet.gradient")
