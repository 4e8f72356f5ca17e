"""The stand-in rule (autograder/checks/stand_ins.py): correct code runs as written, a
failing collaborator is stood in for, a second run with the other collaborators, and the
feedback names what stood in. Each case is a variant of the solution, graded in this
process as the grader does (the box is exercised by test_student_check.py and test_styles)."""
import pytest

from autograder.checks.local import CheckTarget, InProcessSubmission
from autograder.checks.runner import function_of, run_checks
from autograder.checks.stand_ins import StandIns
from autograder.paths import ROOT
from autograder.reference import collaborators, load_reference

SOLUTION = (ROOT / "solution" / "two_layer_net.py").read_text(encoding="utf-8")
FORWARD = "        z1 = sigmoid(np.dot(x, W1) + b1)\n        return softmax(np.dot(z1, W2) + b2)"
CACHING_FORWARD = ("        z1 = sigmoid(np.dot(x, W1) + b1)\n        y = softmax(np.dot(z1, W2) + b2)\n"
                   "        self.cache = {'z1': z1, 'y': y}\n        return y")
GRADIENT = "        z1 = sigmoid(np.dot(x, W1) + b1)\n        y = softmax(np.dot(z1, W2) + b2)\n        if t.ndim == 1:"
CACHING_GRADIENT = "        self.forward(x)\n        z1, y = self.cache['z1'], self.cache['y']\n        if t.ndim == 1:"


def variant(tmp_path, *edits):
    source = SOLUTION
    for old, new in edits:
        assert old in source, old
        source = source.replace(old, new)
    path = tmp_path / "two_layer_net.py"
    path.write_text(source, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def reference():
    return collaborators(load_reference())


def graded(path, reference):
    return run_checks(CheckTarget(InProcessSubmission(path), reference), hidden=True)


def lost(tests):
    return {function_of(t) for t in tests if t["score"] < t["max_score"]}


def test_a_gradient_that_reads_the_cache_its_forward_sets_gets_full_marks(tmp_path, reference):
    # with the reference's forward standing in, self.cache was never set: 85/100 before the rule
    path = variant(tmp_path, (FORWARD, CACHING_FORWARD), (GRADIENT, CACHING_GRADIENT))
    assert lost(graded(path, reference)) == set()


def test_a_broken_caching_forward_is_named_in_the_gradients_feedback(tmp_path, reference):
    broken = CACHING_FORWARD.replace("np.dot(z1, W2) + b2", "np.dot(z1, W2)")     # forgets b2
    tests = graded(variant(tmp_path, (FORWARD, broken), (GRADIENT, CACHING_GRADIENT)), reference)
    assert "TwoLayerNet.forward" in lost(tests)
    assert not {"TwoLayerNet.loss", "TwoLayerNet.accuracy"} & lost(tests)   # they read no cache
    gradient = [t for t in tests if function_of(t) == "TwoLayerNet.gradient" and t["score"] < t["max_score"]]
    assert gradient and all(t["failure"]["stand_ins"] == ["TwoLayerNet.forward"] for t in gradient)
    assert all("Fix TwoLayerNet.forward first" in t["output"] for t in gradient)


def test_a_numerical_gradient_of_2d_arrays_only_costs_only_its_own_points(tmp_path, reference):
    loop = ("    it = np.nditer(x, flags=['multi_index'], op_flags=['readwrite'])\n    while not it.finished:\n"
            "        idx = it.multi_index")
    two_d = ("    for idx in [(i, j) for i in range(x.shape[0]) for j in range(x.shape[1])]:\n"
             "        it = np.nditer(np.zeros(1))")
    # the method hands it b1 (1-D): it passes with the contract's central difference standing in
    assert lost(graded(variant(tmp_path, (loop, two_d)), reference)) == {"numerical_gradient"}


def test_a_method_that_perturbs_a_copy_loses_even_beside_a_wrong_numerical_gradient(tmp_path, reference):
    tests = graded(variant(tmp_path,
                           ("        x[idx] = tmp_val - h\n        fxh2 = f(x)\n        grad[idx] = (fxh1 - fxh2) / (2 * h)",
                            "        x[idx] = tmp_val\n        fxh2 = f(x)\n        grad[idx] = (fxh1 - fxh2) / h"),
                           ("numerical_gradient(loss_W, self.params[key])", "numerical_gradient(loss_W, self.params[key].copy())")),
                   reference)
    assert lost(tests) == {"numerical_gradient", "TwoLayerNet.numerical_gradient"}
    assert any("copy of the parameter" in t["output"] for t in tests if function_of(t) == "TwoLayerNet.numerical_gradient")


def test_a_float32_forward_keeps_the_numerical_gradients_points(tmp_path, reference):
    # its loss passes its checks but is too coarse for a central difference: the second run
    # (the reference's loss) shows the method itself is right
    f32 = FORWARD.replace("np.dot(x, W1) + b1", "np.dot(x.astype(np.float32), W1.astype(np.float32)) + b1")
    assert lost(graded(variant(tmp_path, (FORWARD, f32)), reference)) == set()


def test_backprop_through_the_log_itself_gets_full_marks(tmp_path, reference):
    usual = "        dy = (y - t) / batch_size\n"
    exact = ("        g = -t / (y + 1e-7) / batch_size\n"
             "        dy = y * (g - np.sum(g * y, axis=1, keepdims=True))\n")
    assert lost(graded(variant(tmp_path, (usual, exact)), reference)) == set()


def test_the_rule_offers_the_reference_only_for_failing_or_unchecked_functions(reference):
    stand_ins = StandIns(list(reference), reference)
    stand_ins.record("sigmoid", True)
    stand_ins.record("softmax", True)
    stand_ins.record("softmax", False)          # one failing check is enough
    stand_ins.record("TwoLayerNet.forward", True)
    offered = stand_ins.for_check("TwoLayerNet.gradient")
    assert "sigmoid" not in offered and "TwoLayerNet.forward" not in offered
    assert offered["softmax"] is reference["softmax"]
    assert "TwoLayerNet.train_model" not in offered                   # after gradient: not its to call
    assert "TwoLayerNet.numerical_gradient" not in offered            # the twin: never
    assert "def numerical_gradient" in offered["numerical_gradient"]["source"]   # defined in the box
    assert StandIns(list(reference)).for_check("TwoLayerNet.loss") == {}        # the student's own check
    assert StandIns(list(reference)).for_check("sigmoid") == {}


def test_a_forward_cannot_take_its_output_from_a_later_stand_in(tmp_path, reference):
    """Issue 18's attack: no forward code and no gradient code; forward asks the stand-in
    gradient for one row at a time with t = 0, whose b2 is that row's output. gradient comes
    after forward in course.toml's order, so no stand-in answers (10 unearned points before)."""
    cheat = ("        k = self.params['W2'].shape[1]\n"
             "        return np.array([self.gradient(x[i:i + 1], np.zeros((1, k)))['b2'] for i in range(x.shape[0])])")
    gradient_start = SOLUTION.index("        W1, b1 = self.params['W1'], self.params['b1']\n        W2, b2 = self.params['W2'], self.params['b2']\n        batch_size")
    gradient_end = SOLUTION.index("        # END SOLUTION", gradient_start)
    path = variant(tmp_path, (FORWARD, cheat),
                   (SOLUTION[gradient_start:gradient_end], "        raise NotImplementedError\n"))
    tests = graded(path, reference)
    assert all(t["score"] == 0 for t in tests if function_of(t) == "TwoLayerNet.forward")


def test_keeping_the_argument_earns_nothing_without_a_result(tmp_path, reference):
    """Issue 18: functions that return None kept the 'does not modify its argument' and
    'x holds its original values' points (5 unearned)."""
    path = tmp_path / "two_layer_net.py"
    path.write_text("import numpy as np\n\ndef softmax(x):\n    return None\n\n"
                    "def numerical_gradient(f, x):\n    return None\n", encoding="utf-8")
    assert sum(t["score"] for t in graded(path, reference)) == 0


def test_a_numerical_gradient_that_knows_f_in_advance_earns_nothing(tmp_path, reference):
    """Issue 18: the check's f had a fixed formula, printed in the feedback, and the
    checks' names: its derivative could be returned without differentiating anything."""
    path = tmp_path / "two_layer_net.py"
    path.write_text("import numpy as np\n\ndef numerical_gradient(f, x):\n"
                    "    index = np.arange(x.size).reshape(x.shape)\n"
                    "    return 3 * np.cos(3 * x) + x ** 2 + index\n", encoding="utf-8")
    tests = [t for t in graded(path, reference) if function_of(t) == "numerical_gradient"]
    assert sum(t["score"] for t in tests if "restores" not in t["name"] and "original" not in t["name"]) == 0


def test_the_methods_probe_answers_nothing_worth_replaying(tmp_path, reference):
    """Issue 18: the probe of TwoLayerNet.numerical_gradient answered with the expected
    gradients; a method that kept them for its second call earned 10 points."""
    method = SOLUTION[SOLUTION.index("    def numerical_gradient(self, x, t):"):SOLUTION.index("    def gradient(self, x, t):")]
    body_start = method.index("        # BEGIN SOLUTION")
    cheat = method[:body_start] + (
        "        kept = TwoLayerNet.__dict__.get('_kept')\n"
        "        if kept is not None:\n"
        "            return {key: value.copy() for key, value in kept.items()}\n"
        "        found = {key: numerical_gradient(lambda W: 0.0, self.params[key]) for key in ('W1', 'b1', 'W2', 'b2')}\n"
        "        TwoLayerNet._kept = found\n"
        "        return found\n\n")
    tests = graded(variant(tmp_path, (method, cheat)), reference)
    assert all(t["score"] == 0 for t in tests if function_of(t) == "TwoLayerNet.numerical_gradient")


def test_a_stand_in_refuses_work_that_would_overwhelm_the_grader(reference):
    """Issue 18: a student's parameters that broadcast into an n x n matrix made the
    reference's forward, run in the grader, take 1.1 GB (n = 48,000 numbers) or get the
    grader OOM-killed (n = 26,000). Now it fails the student's call."""
    import numpy as np
    from autograder.checks.stand_ins import StandInRefused
    n = 26_000
    params = {"W1": np.ones((3, 1)), "b1": np.ones(n), "W2": np.ones((n, 1)), "b2": np.zeros(1)}
    with pytest.raises(StandInRefused, match="MB"):
        reference["TwoLayerNet.forward"](params, np.ones((n, 3)))
    with pytest.raises(StandInRefused, match="numbers"):
        reference["sigmoid"](np.zeros(3_000_000))
    assert reference["sigmoid"](np.zeros(3)).tolist() == [0.5, 0.5, 0.5]     # the bound is a bound only


def test_the_attack_costs_only_the_attackers_own_check(tmp_path, reference):
    loss = "        return cross_entropy_error(self.forward(x), t)"
    attack = ("        n = 26000\n        self.params = {'W1': np.ones((x.shape[1], 1)), 'b1': np.ones(n),\n"
              "                       'W2': np.ones((n, 1)), 'b2': np.zeros(1)}\n"
              "        return cross_entropy_error(self.forward(np.ones((n, x.shape[1]))), t)")
    broken_forward = "        raise ValueError('not yet')"     # fails its checks: stood in for
    tests = graded(variant(tmp_path, (loss, attack), (FORWARD, broken_forward)), reference)
    assert lost(tests) == {"TwoLayerNet.forward", "TwoLayerNet.loss"}


def test_a_gradient_by_numerical_differentiation_loses_its_points(tmp_path, reference):
    """The seed's own gradient differentiates numerically: right values, far too slow to
    train with. With the student's own passing numerical_gradient no longer stood in for,
    its values would pass; a tripwire stands in for it while gradient is checked."""
    start = SOLUTION.index("        W1, b1 = self.params['W1'], self.params['b1']\n        W2, b2 = self.params['W2'], self.params['b2']\n        batch_size")
    end = SOLUTION.index("        # END SOLUTION", start)
    numerical = ("        f = lambda W: self.loss(x, t)\n"
                 "        return {key: numerical_gradient(f, self.params[key]) for key in ('W1', 'b1', 'W2', 'b2')}\n")
    tests = graded(variant(tmp_path, (SOLUTION[start:end], numerical)), reference)
    assert "TwoLayerNet.gradient" in lost(tests) and "numerical_gradient" not in lost(tests)
    assert any("backpropagation" in t["output"] for t in tests if function_of(t) == "TwoLayerNet.gradient")
