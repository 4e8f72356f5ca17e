"""The student's own check (``check.py``, ``python -m autograder.checks``) gives the
grader's verdict: the same call contract, reading, limits and feedback (issue 10)."""
import json
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

from autograder.checks.__main__ import report, run
from autograder.checks.local import InProcessSubmission, student_box
from autograder.checks.program import read_student_file
from autograder.checks.repro import call_code
from autograder.checks.verdict import function_of
from autograder.grade import grade
from autograder.sandbox import Box, Limits, StudentError
from test_checks import MUTANTS, ROOT, SOLUTION

CHECK = ROOT / "student" / "check.py"
CONTRACT_KEYS = {"score", "execution_time", "output", "tests"}


def mutant(tmp_path, old, new, name="two_layer_net.py"):
    source = SOLUTION.read_text(encoding="utf-8")
    assert old in source
    path = tmp_path / name
    path.write_text(source.replace(old, new), encoding="utf-8")
    return path


def student(*args, **kwargs):
    return subprocess.run([sys.executable, str(CHECK), *map(str, args)], capture_output=True, text=True,
                          cwd=ROOT, timeout=300, **kwargs)


def public_points(tests, function):
    return [(t["name"], t["score"]) for t in tests
            if function_of(t) == function and t["visibility"] == "visible" and t["max_score"] > 0]


# ------------------------------------------------------------------ one call contract

SOURCE = '''
import numpy as np

class TwoLayerNet:
    def __init__(self, d, h, k):
        self.params = {"W1": np.random.randn(d, h)}
        self.extra = None

    def draw(self):
        return np.random.rand(), float(self.params["W1"][0, 0]), getattr(self, "extra", None)

    def uses_helper(self):
        return helper(2.0)


def helper(x):
    return x + 1
'''


@pytest.fixture(params=["box", "in-process"])
def submission(request, tmp_path):
    path = tmp_path / "two_layer_net.py"
    path.write_text(SOURCE, encoding="utf-8")
    if request.param == "in-process":
        yield InProcessSubmission(path)
        return
    with student_box(SOURCE) as box:
        yield box


def test_the_call_contract_is_the_same_in_the_box_and_in_process(submission):
    """Seeded before __init__ and before the call, attrs set, patches undone (a name
    that was not there is removed, not left as None)."""
    np.random.seed(0)
    first = np.random.randn(1, 1)[0, 0]
    value = submission.call("TwoLayerNet.draw", obj={"init": (1, 1, 1), "attrs": {"extra": 7}}, seed=0).value
    assert value[1] == pytest.approx(first) and value[2] == 7
    np.random.seed(0)
    assert value[0] == pytest.approx(np.random.rand())
    patched = submission.call("TwoLayerNet.uses_helper", obj={"init": (1, 1, 1)},
                              patches={"helper": lambda x: x * 10, "new_name": lambda: 0}).value
    assert patched == 20.0
    assert submission.call("TwoLayerNet.uses_helper", obj={"init": (1, 1, 1)}).value == 3.0
    with pytest.raises(StudentError) as missing:
        submission.call("new_name")
    assert missing.value.kind == "MissingName"


# ------------------------------------------------------------------ same verdict as the grader

@pytest.mark.slow
@pytest.mark.parametrize("name, old, new, function, hint", MUTANTS, ids=[m[0] for m in MUTANTS])
def test_local_check_names_the_graders_function_first_with_its_public_points(tmp_path, name, old, new, function, hint):
    path = mutant(tmp_path, old, new)
    graded = grade(path)
    local, _ = run(path)
    assert graded["fix_first"]["function"] == function
    assert public_points(local["tests"], function) == public_points(graded["tests"], function)
    if all(t["score"] == t["max_score"] for t in graded["tests"] if t["visibility"] == "visible"):
        # only a hidden check finds this one: locally nothing, or (a helper the student's own
        # caller uses, with no reference's to stand in) the caller's failure
        assert local["fix_first"] is None or local["fix_first"]["function"] != function
    else:
        assert local["fix_first"]["function"] == function, local["output"]


def test_a_broken_helper_is_named_in_its_callers_feedback_and_fixed_first(tmp_path):
    path = mutant(tmp_path, "        x[idx] = tmp_val\n        it.iternext()", "        it.iternext()")  # x not restored
    data, _ = run(path)
    assert data["fix_first"]["function"] == "numerical_gradient"
    caller = [t for t in data["tests"] if t["name"].startswith("TwoLayerNet.numerical_gradient") and not t["score"]]
    for test in caller:
        assert test["blame"] == ["numerical_gradient"]
        assert "Fix numerical_gradient first" in test["output"]


# ------------------------------------------------------------------ limits, Ctrl-C, intake

ENDLESS = ("        it.iternext()\n", "        pass\n")      # numerical_gradient never ends


@pytest.fixture(scope="module")
def endless(tmp_path_factory):
    """The local check's results on a file whose numerical_gradient loops forever."""
    return run(mutant(tmp_path_factory.mktemp("endless"), *ENDLESS), Limits(call_seconds=0.5))[0]


def test_an_endless_loop_runs_out_of_time_in_its_own_checks_only(endless):
    failed = {function_of(t) for t in endless["tests"] if t["score"] < t["max_score"]}
    assert failed == {"numerical_gradient"}       # the method is judged with the probe, as in the grader
    assert any("ran out of time" in t["output"] for t in endless["tests"] if function_of(t) == "numerical_gradient")
    assert endless["fix_first"]["function"] == "numerical_gradient"


@pytest.mark.slow     # the same as above, through the command (check-dist does it in the student zip too)
def test_an_endless_loop_costs_its_own_checks_only_in_the_command(tmp_path):
    path = mutant(tmp_path, *ENDLESS)
    done = student(path)
    assert done.returncode == 1
    assert "ran out of time" in done.stdout and "fix this first: numerical_gradient" in done.stdout
    assert "ok  TwoLayerNet.gradient" in done.stdout       # the checks after it still ran


def test_ctrl_c_exits_130_and_claims_no_pass(tmp_path):
    path = mutant(tmp_path, *ENDLESS)
    process = subprocess.Popen([sys.executable, str(CHECK), str(path)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True, cwd=ROOT, preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    time.sleep(1.5)                       # inside the endless loop's call (started at ~0.5 s, 2 s long)
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=60)
    assert process.returncode == 130
    assert "Interrupted" in err and "pass" not in out.lower()


@pytest.mark.parametrize("encoding, coding_line", [("gbk", True), ("gbk", False), ("utf-8-sig", False)])
def test_files_are_read_as_the_grader_reads_them(tmp_path, encoding, coding_line):
    text = SOLUTION.read_text(encoding="utf-8")
    if coding_line:
        text = f"# -*- coding: {encoding} -*-\n{text}"
    path = tmp_path / "two_layer_net.py"
    path.write_bytes(text.replace("\n", "\r\n").encode(encoding))
    data, note = run(path)
    assert data["score"] == sum(t["max_score"] for t in data["tests"]) > 0
    assert (note is not None) == (encoding == "gbk")
    if note:
        assert "UTF-8" in note and "不是 UTF-8" in note


def test_a_loop_header_written_in_the_loop_hole_is_named_with_the_fix(tmp_path):
    """What the seed's comment invites: `for i in range(...)` in the hole above the given loop."""
    path = mutant(tmp_path, "        iterations = range(iters_num)\n", "        for i in range(iters_num):\n")
    data, _ = run(path)
    first = data["fix_first"]
    assert data["score"] == 0 and first["what"] == "syntax" and first["kind"] == "IndentationError"
    text = report(path, data)
    assert "iterations = range(...)" in text and "语法错误" in text and "fix the earliest function" not in text


def test_a_file_that_does_not_compile_names_its_syntax_error_first(tmp_path):
    path = mutant(tmp_path, "        for i in iterations:\n", "        iterations = range(iters_num)\nfor i in iterations:\n")
    data, _ = run(path)
    assert data["score"] == 0
    first = data["fix_first"]
    assert first["what"] == "syntax" and first["line"] and "line" in data["output"] and "sigmoid" not in data["output"]


# ------------------------------------------------------------------ the command

def test_json_prints_the_graders_results_format_and_help_works(tmp_path):
    path = mutant(tmp_path, "    return 1 / (1 + np.exp(-x))", "    return 1 / (1 + np.exp(x))")
    done = student(path, "--json")
    data = json.loads(done.stdout)
    assert done.returncode == 1 and CONTRACT_KEYS <= set(data)
    assert data["score"] == sum(t["score"] for t in data["tests"]) < sum(t["max_score"] for t in data["tests"])
    assert all(t["visibility"] == "visible" for t in data["tests"])
    helped = student("--help")
    assert helped.returncode == 0 and "--json" in helped.stdout


def test_the_input_of_a_failing_check_can_be_pasted_into_python(tmp_path):
    """A one-hot-only cross_entropy_error: the feedback names each argument's shape and
    ends with code that raises the same error when run beside the file."""
    old = ("    if t.shape == y.shape:\n        return float(-np.sum(t * np.log(y + 1e-7)) / batch_size)\n"
           "    return float(-np.sum(np.log(y[np.arange(batch_size), t] + 1e-7)) / batch_size)")
    path = mutant(tmp_path, old, "    return float(-np.sum(t * np.log(y + 1e-7)) / batch_size)")
    data, _ = run(path)
    failed = next(t for t in data["tests"] if t["name"].startswith("cross_entropy_error") and not t["score"])
    assert "y has shape (4, 3), t has shape (4,)" in failed["output"]
    code = failed["output"].split("paste this into Python:\n", 1)[1]
    assert "\n" + code in report(path, data)                 # in the terminal too, as it is: no indent
    ran = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True)
    assert "could not be broadcast" in ran.stderr


def test_the_code_of_a_call_rebuilds_the_object_and_its_arguments():
    code = call_code("TwoLayerNet.loss", (np.array([[1.0, 2.0]]), np.array([1])),
                     {"obj": {"init": (2, 3, 2), "params": {"b2": np.zeros(2)}}, "seed": 3}, ("x", "t"))
    assert "net = TwoLayerNet(2, 3, 2)" in code and "net.params = {'b2': np.array([0., 0.])}" in code
    assert code.endswith("print(net.loss(x, t))") and "np.random.seed(3)" in code
    made = {}

    class TwoLayerNet:
        def __init__(self, *sizes):
            made["init"] = sizes

        def loss(self, x, t):
            made["args"] = (x.tolist(), t.tolist(), self.params["b2"].tolist())
            return 0.5
    exec(code.replace("from two_layer_net import *", ""), {"TwoLayerNet": TwoLayerNet})
    assert made == {"init": (2, 3, 2), "args": ([[1.0, 2.0]], [1], [0.0, 0.0])}


def test_reading_a_submission_refuses_what_the_grader_refuses(tmp_path):
    path = tmp_path / "two_layer_net.py"
    path.write_bytes(b"\0binary")
    done = student(path)
    assert done.returncode == 2 and "not a text file" in done.stderr
    with pytest.raises(Exception, match="not a text file"):
        read_student_file(path)


def test_the_student_box_is_the_graders_box_in_none_mode():
    with student_box("x = 1\n") as box:
        assert isinstance(box, Box) and box.mode == "none" and box.limits.call_seconds > 0


# ------------------------------------------------------------------ failures as data

def test_each_failure_carries_its_kind_and_hint_as_data(tmp_path, endless):
    assert "timeout" in {t["failure"]["kind"] for t in endless["tests"] if t["score"] < t["max_score"]}
    data, _ = run(mutant(tmp_path, "    return 1 / (1 + np.exp(-x))", "    return 1 / (1 + np.exp(x))"))
    assert {t["failure"]["kind"] for t in data["tests"] if t["score"] < t["max_score"]} == {"wrong"}
    data, _ = run(ROOT / "student" / "two_layer_net.py")
    assert {t["failure"]["kind"] for t in data["tests"]} == {"unfinished"}
    assert all(len(t["failure"]["hint"]) == 2 and "input_code" not in t["failure"] for t in data["tests"])


def test_hidden_failures_keep_their_inputs_out_of_the_results(tmp_path):
    graded = grade(mutant(tmp_path, "    return 1 / (1 + np.exp(-x))", "    return 1 / (1 + np.exp(x))"))
    failed = [t for t in graded["tests"] if t["score"] < t["max_score"]]
    hidden = [t for t in failed if t["visibility"] != "visible"]
    visible = [t for t in failed if t["visibility"] == "visible"]
    assert hidden and visible
    for test in hidden:
        assert set(test["failure"]) == {"kind", "hint"} and "paste" not in test["output"]
    for test in visible:
        assert test["failure"]["details"]["input"] and "np.array" in test["failure"]["input_code"]


def test_the_code_of_a_check_of_what_a_call_did_to_x_prints_x_afterwards(tmp_path):
    data, _ = run(mutant(tmp_path, "        x[idx] = tmp_val\n        it.iternext()", "        it.iternext()"))
    failed = next(t for t in data["tests"] if t["name"].startswith("numerical_gradient: x holds"))
    assert failed["failure"]["input_code"].splitlines()[-1].startswith("print(x)")
