"""The checks themselves: full marks for the reference, 0 for the skeleton, and each
common mistake (a mutant of the solution) loses exactly its own function's points,
with the hint that names the mistake. Runs in this process, with the reference
functions as collaborators, as the grader does (the sandbox is tested elsewhere)."""
import subprocess
import sys

import pytest

from autograder.checks.local import CheckTarget, InProcessSubmission
from autograder.checks.runner import function_of, run_checks
from autograder.paths import ROOT
from autograder.reference import collaborators, load_reference
from autograder.settings import graded_functions
from autograder.settings import load as load_settings
from kit.known_values import make_known, to_json

SOLUTION = ROOT / "solution" / "two_layer_net.py"


@pytest.fixture(scope="module")
def collab():
    return collaborators(load_reference())


def grade(path, collab, hidden=True):
    return run_checks(CheckTarget(InProcessSubmission(path), collab), hidden)


def lost(tests):
    return {function_of(t) for t in tests if t["score"] < t["max_score"]}


def test_points_follow_course_toml_and_the_contract(collab):
    tests = grade(SOLUTION, collab)
    total = sum(load_settings()["points"].values())
    assert sum(t["max_score"] for t in tests) == pytest.approx(total)
    assert sum(t["score"] for t in tests) == pytest.approx(total), [t for t in tests if not t["score"]]
    assert {function_of(t) for t in tests} == set(graded_functions())
    assert {t["visibility"] for t in tests} == {"visible", "after_published"}


def test_without_hidden_checks_only_visible_ones_run(collab):
    tests = grade(SOLUTION, collab, hidden=False)
    hidden = set(load_settings()["visibility"]["hidden_checks"])
    assert tests and all(t["visibility"] == "visible" for t in tests)
    assert len(tests) == len(grade(SOLUTION, collab)) - len(hidden) and not hidden & {t["name"] for t in tests}


def test_skeleton_gets_zero_and_says_not_done(collab):
    tests = grade(ROOT / "student" / "two_layer_net.py", collab)
    assert sum(t["score"] for t in tests) == 0 and len(tests) > 20
    visible = [t for t in tests if t["visibility"] == "visible"]
    assert all("NotImplementedError" in t["output"] for t in visible)


def test_known_values_are_in_sync_with_the_solution():
    stored = {name: (ROOT / "autograder" / "checks" / "known" / f"{name}.json").read_text(encoding="utf-8")
              for name in ("public", "hidden")}
    made = {name: to_json(values) for name, values in make_known(load_reference()).items()}
    assert stored == made, "run `make fixtures`"


# (name, old, new, the one function that must lose points, a phrase of the hint)
MUTANTS = [
    ("sigmoid returns a list", "    return 1 / (1 + np.exp(-x))",
     "    return [1 / (1 + np.exp(-v)) for v in x]", "sigmoid", "returned a list"),
    ("softmax writes into its argument", "    x = x - np.max(x, axis=-1, keepdims=True)",
     "    x -= np.max(x, axis=-1, keepdims=True)", "softmax", "x = x - ..."),
    ("softmax unstable", "    x = x - np.max(x, axis=-1, keepdims=True)\n", "", "softmax", "overflows"),
    ("softmax over the wrong axis", "    e = np.exp(x)\n    return e / np.sum(e, axis=-1, keepdims=True)",
     "    e = np.exp(x)\n    return e / np.sum(e, axis=0, keepdims=True)", "softmax", "axis=0"),
    ("cross-entropy summed", "np.log(t_dummy)", "", "cross_entropy_error", "N times"),
    ("cross-entropy without 1e-7", "+ 1e-7)", ")", "cross_entropy_error", "1e-7"),
    ("forward difference", "        x[idx] = tmp_val - h\n        fxh2 = f(x)\n        grad[idx] = (fxh1 - fxh2) / (2 * h)",
     "        x[idx] = tmp_val\n        fxh2 = f(x)\n        grad[idx] = (fxh1 - fxh2) / h",
     "numerical_gradient", "forward difference"),
    ("x not restored", "        x[idx] = tmp_val\n        it.iternext()", "        it.iternext()",
     "numerical_gradient", "tmp_val"),
    ("forward without softmax", "return softmax(np.dot(z1, W2) + b2)", "return np.dot(z1, W2) + b2",
     "TwoLayerNet.forward", "softmax"),
    ("loss of the wrong thing", "return cross_entropy_error(self.forward(x), t)",
     "return cross_entropy_error(self.forward(x), t) * 2", "TwoLayerNet.loss", "cross_entropy_error"),
    # stand-ins give right answers to a wrong question: the graded function's own result still shows it
    ("forward with its collaborators in the wrong order", "        z1 = sigmoid(np.dot(x, W1) + b1)\n        return softmax(np.dot(z1, W2) + b2)",
     "        z1 = softmax(np.dot(x, W1) + b1)\n        return sigmoid(np.dot(z1, W2) + b2)", "TwoLayerNet.forward", "softmax"),
    ("loss with the arguments of cross_entropy_error swapped", "return cross_entropy_error(self.forward(x), t)",
     "return cross_entropy_error(t, self.forward(x))", "TwoLayerNet.loss", "cross_entropy_error"),
    ("gradient of the whole training set", "grad = self.gradient(x_batch, t_batch)", "grad = self.gradient(x_train, t_train)",
     "TwoLayerNet.train_model", "The training itself went differently"),
    ("accuracy as a count", "return float(np.sum(y == t) / x.shape[0])", "return float(np.sum(y == t))",
     "TwoLayerNet.accuracy", "count"),
    ("numerical gradient of one parameter only", "numerical_gradient(loss_W, self.params[key])",
     "numerical_gradient(loss_W, self.params['W1'] if key == 'W1' else self.params[key] * 0)",
     "TwoLayerNet.numerical_gradient", "numerical_gradient(loss_W"),
    ("numerical gradient handed to backprop", "        loss_W = lambda W: self.loss(x, t)\n",
     "        return self.gradient(x, t)\n", "TwoLayerNet.numerical_gradient", "numerical_gradient(loss_W"),
    ("numerical gradient of a loss that never changes", "loss_W = lambda W: self.loss(x, t)",
     "loss_W = lambda W: 0.0", "TwoLayerNet.numerical_gradient", "the loss never changes"),
    ("numerical gradient perturbs a copy", "numerical_gradient(loss_W, self.params[key])",
     "numerical_gradient(loss_W, self.params[key].copy())", "TwoLayerNet.numerical_gradient",
     "a copy of the parameter was perturbed"),
    ("backprop without dividing by N", "dy = (y - t) / batch_size", "dy = (y - t)",
     "TwoLayerNet.gradient", "N times"),
    ("backprop with the wrong sigmoid derivative", "* z1 * (1 - z1)", "* (1 - z1)",
     "TwoLayerNet.gradient", "hidden layer"),
    ("loss appended once per parameter",
     "                self.params[key] -= learning_rate * grad[key]\n            train_loss_list.append",
     "                self.params[key] -= learning_rate * grad[key]\n                train_loss_list.append",
     "TwoLayerNet.train_model", "4 times"),
    ("accuracy recorded every iteration", "            if i % iter_per_epoch == 0:", "            if True:",
     "TwoLayerNet.train_model", "every iteration"),
    ("parameters updated with the wrong sign", "self.params[key] -= learning_rate * grad[key]",
     "self.params[key] += learning_rate * grad[key]", "TwoLayerNet.train_model", "The training itself went differently"),
    ("a batch drawn once for all iterations", "            batch_mask = np.random.choice(train_size, batch_size)\n",
     "            batch_mask = np.arange(batch_size)\n", "TwoLayerNet.train_model", "The training itself went differently"),
    ("softmax subtracts the max of the whole array", "    x = x - np.max(x, axis=-1, keepdims=True)",
     "    x = x - np.max(x)", "softmax", "its own max"),

    ("forward with an inline softmax and no max subtracted", "        return softmax(np.dot(z1, W2) + b2)",
     "        e = np.exp(np.dot(z1, W2) + b2)\n        return e / np.sum(e, axis=1, keepdims=True)",
     "TwoLayerNet.forward", "overflow"),
    ("numerical gradient of 2-D arrays only",
     "    it = np.nditer(x, flags=['multi_index'], op_flags=['readwrite'])\n    while not it.finished:\n        idx = it.multi_index",
     "    for idx in [(i, j) for i in range(x.shape[0]) for j in range(x.shape[1])]:\n        it = np.nditer(np.zeros(1))",
     "numerical_gradient", "any shape"),
    ("epoch length floored", "iter_per_epoch = max(train_size / batch_size, 1)",
     "iter_per_epoch = max(train_size // batch_size, 1)", "TwoLayerNet.train_model", "not a whole number"),
    ("loss recorded before the update",
     "            for key in ('W1', 'b1', 'W2', 'b2'):\n                self.params[key] -= learning_rate * grad[key]\n            train_loss_list.append(self.loss(x_batch, t_batch))",
     "            train_loss_list.append(self.loss(x_batch, t_batch))\n            for key in ('W1', 'b1', 'W2', 'b2'):\n                self.params[key] -= learning_rate * grad[key]",
     "TwoLayerNet.train_model", "before the update"),
    ("parameters never updated", "                self.params[key] -= learning_rate * grad[key]",
     "                pass", "TwoLayerNet.train_model", "never updated"),
]
# cross-entropy summed: both returns lose their "/ batch_size"
MUTANTS[4] = ("cross-entropy summed", ") / batch_size)", "))", "cross_entropy_error", "N times")


@pytest.mark.parametrize("name, old, new, function, hint", MUTANTS, ids=[m[0] for m in MUTANTS])
def test_a_mistake_costs_only_its_own_points_and_is_named(tmp_path, collab, name, old, new, function, hint):
    source = SOLUTION.read_text(encoding="utf-8")
    assert old in source, f"mutant {name!r} no longer applies to the solution"
    path = tmp_path / "two_layer_net.py"
    path.write_text(source.replace(old, new), encoding="utf-8")
    tests = grade(path, collab)
    assert lost(tests) == {function}
    failures = [t["output"] for t in tests if t["score"] < t["max_score"]]   # a hidden one shows its hint
    assert any(hint in output for output in failures), failures


def test_hidden_failures_show_no_input_or_expected_values(tmp_path, collab):
    source = SOLUTION.read_text(encoding="utf-8").replace("dy = (y - t) / batch_size", "dy = (y - t)")
    path = tmp_path / "two_layer_net.py"
    path.write_text(source, encoding="utf-8")
    hidden = [t for t in grade(path, collab) if t["visibility"] != "visible" and t["score"] < t["max_score"]]
    assert hidden
    for test in hidden:
        assert "input" not in test["output"] and "expected" not in test["output"]
        assert "Hint:" in test["output"]


@pytest.mark.slow   # three interpreters (test_program.py runs the student's check.py every day)
def test_student_command_exit_codes(tmp_path):
    def run(path):
        return subprocess.run([sys.executable, "-m", "autograder.checks", str(path)],
                              capture_output=True, text=True, cwd=ROOT)
    done, todo = run(SOLUTION), run(ROOT / "student" / "two_layer_net.py")
    public = sum(t["max_score"] for t in grade(SOLUTION, None, hidden=False))
    assert done.returncode == 0 and f"{public:g} / {public:g}" in done.stdout
    assert todo.returncode == 1 and "fix this first: sigmoid" in todo.stdout
    assert run(tmp_path / "missing.py").returncode == 2
