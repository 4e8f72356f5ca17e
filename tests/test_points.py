"""The points arithmetic, without a submission: how a function's points in course.toml are
shared among its checks and rounded (autograder/checks/runner.py), and how the late
penalty and overrides make the final score (autograder/adjust.py). Expected totals come
from course.toml and the known values, never from numbers written here."""
import textwrap
from decimal import Decimal

import numpy as np
import pytest

from autograder.adjust import ADJUST, Override, final
from autograder.checks.runner import Collector, function_points, hundredths
from autograder.checks.verdict import fix_first
from autograder.checks.support import load_known
from autograder.settings import graded_functions
from autograder.settings import load as load_settings

SETTINGS = load_settings()
FUNCTIONS = graded_functions(SETTINGS)
POINTS = SETTINGS["points"]          # function -> its points in course.toml


def cents(values):
    return [int(Decimal(repr(v)) * 100) for v in values]


# ---------------------------------------------------------------- hundredths

@pytest.mark.parametrize("shares", [
    [10 / 3] * 3,
    [15 * 3 / 20, 15 * 5 / 20, 15 * 12 / 20],
    [5 / 7] * 7,
    [0.29, 0.57, 1.15],              # 0.29 * 100 is 28.999999999999996 in floating point
    [1e-9, 2.0 / 3, 100 / 3],
    [0.0, 0.0],
    [7.0],
])
def test_hundredths_are_whole_cents_that_add_up_to_the_rounded_sum(shares):
    rounded = hundredths(shares)
    assert len(rounded) == len(shares)
    assert [round(r, 2) for r in rounded] == rounded                         # whole hundredths
    assert sum(cents(rounded)) == round(sum(shares) * 100)                   # nothing lost or made up
    assert all(abs(r - s) < 0.01 for r, s in zip(rounded, shares))           # each moved less than a cent


def test_shares_that_are_already_hundredths_are_kept():
    assert hundredths([0.29, 0.57, 1.15, 2.5]) == [0.29, 0.57, 1.15, 2.5]


def test_the_largest_remainders_get_the_missing_cents():
    assert hundredths([0.004, 0.006, 0.99]) == [0.0, 0.01, 0.99]
    assert hundredths([1.004, 1.003, 1.003, 0.99]) == [1.01, 1.0, 1.0, 0.99]
    assert sorted(hundredths([10 / 3] * 3)) == [3.33, 3.33, 3.34]
    assert hundredths([]) == []


def test_random_shares_of_every_functions_points_add_up_exactly():
    rng = np.random.RandomState(0)
    for function, points in POINTS.items():
        for n in range(1, 8):
            weights = rng.randint(1, 6, size=n)
            shares = [points * w / weights.sum() for w in weights]
            assert sum(cents(hundredths(shares))) == points * 100, (function, weights)


# ---------------------------------------------------------------- Collector: a function's points shared by its checks

CHECKS = '''
import pytest
from autograder.checks.support import CheckFailed, check

@check("TwoLayerNet.gradient: fails", points={g1})
def test_g1():
    raise CheckFailed(("错", "wrong"), ("提示", "a hint"), got="1")

@check("TwoLayerNet.gradient: passes", points={g2})
def test_g2():
    pass

@check("TwoLayerNet.gradient: the check breaks", points={g3})
def test_g3():
    {{}}["missing"]

@check("softmax: one", points={s})
def test_s1():
    pass

@check("softmax: two", points={s})
def test_s2():
    pass

@check("softmax: three", points={s})
def test_s3():
    pass

@check("sigmoid: all of it", points={sig})
def test_sig():
    pass
'''


HIDDEN = {"TwoLayerNet.gradient: passes", "TwoLayerNet.gradient: the check breaks"}


@pytest.fixture(scope="module")
def collected(tmp_path_factory):
    """Hand-made checks whose declared points add up to each function's weight in the
    known values, run through pytest with the Collector as the grader runs them."""
    known = load_known()
    weight = {f: known[f"weights.{f}"] for f in ("TwoLayerNet.gradient", "softmax", "sigmoid")}
    path = tmp_path_factory.mktemp("checks") / "test_made.py"
    path.write_text(textwrap.dedent(CHECKS.format(
        g1=weight["TwoLayerNet.gradient"] / 6, g2=weight["TwoLayerNet.gradient"] / 3,
        g3=weight["TwoLayerNet.gradient"] / 2, s=weight["softmax"] / 3, sig=weight["sigmoid"])), encoding="utf-8")
    collector = Collector()
    collector.hidden = HIDDEN             # as course.toml's [visibility] hidden_checks would say
    code = pytest.main([str(path), "-p", "no:terminal", "-p", "no:cacheprovider", "-o", "addopts=",
                        "--rootdir", str(path.parent)], plugins=[collector])
    assert code == pytest.ExitCode.TESTS_FAILED               # two of the checks fail, on purpose
    return collector.results(), known


def test_entries_follow_the_contracts_order_of_functions(collected):
    tests, _ = collected
    order = [FUNCTIONS.index(t["name"].split(":")[0]) for t in tests]
    assert order == sorted(order) and len(tests) == 7
    assert [t["name"] for t in tests if t["name"].startswith("softmax")] == ["softmax: one", "softmax: two",
                                                                            "softmax: three"]


def test_a_functions_checks_share_its_course_toml_points_exactly(collected):
    tests, known = collected
    for function in ("TwoLayerNet.gradient", "softmax", "sigmoid"):
        mine = [t for t in tests if t["name"].startswith(function + ":")]
        assert sum(cents(t["max_score"] for t in mine)) == POINTS[function] * 100
        assert known[f"points.{function}"] == POINTS[function]
    gradient = [t["max_score"] for t in tests if t["name"].startswith("TwoLayerNet.gradient")]
    assert cents(gradient) == cents(hundredths([POINTS["TwoLayerNet.gradient"] * k for k in (1 / 6, 1 / 3, 1 / 2)]))


def test_only_a_passing_check_scores_and_hidden_ones_get_course_toml_visibility(collected):
    tests, known = collected
    by_name = {t["name"].split(": ")[1]: t for t in tests}
    assert by_name["passes"]["score"] == by_name["passes"]["max_score"] > 0
    assert by_name["fails"]["score"] == 0 and by_name["the check breaks"]["score"] == 0
    assert by_name["passes"]["visibility"] == known["visibility.hidden"] == SETTINGS["visibility"]["hidden"]
    assert by_name["fails"]["visibility"] == "visible"
    assert "wrong" in by_name["fails"]["output"] and "got: 1" in by_name["fails"]["output"]
    assert "check itself failed" in by_name["the check breaks"]["output"]
    assert "KeyError" not in by_name["the check breaks"]["output"]        # hidden: no details
    assert by_name["passes"]["output"].startswith("通过 / passed")


def test_function_points_and_fix_first_of_collected_checks(collected):
    tests, _ = collected
    per = function_points(tests)
    assert list(per) == ["sigmoid", "softmax", "TwoLayerNet.gradient"]
    assert per["softmax"] == pytest.approx((POINTS["softmax"], POINTS["softmax"]))
    assert per["TwoLayerNet.gradient"][0] == pytest.approx(POINTS["TwoLayerNet.gradient"] / 3, abs=0.01)
    assert fix_first(tests)["name"] == "TwoLayerNet.gradient: fails"


# ---------------------------------------------------------------- function_points, fix_first

def entry(name, score, max_score):
    return {"name": name, "score": score, "max_score": max_score, "output": "", "visibility": "visible"}


def test_function_points_sums_each_function_in_the_contracts_order():
    tests = [entry("TwoLayerNet.loss: a", 0, 2.5), entry("sigmoid: a", 1.25, 1.25),
             entry("TwoLayerNet.loss: b", 2.5, 2.5), entry("sigmoid: b", 0, 3.75),
             entry("TwoLayerNet.train_model: information only", 0, 0)]
    assert function_points(tests) == {"sigmoid": (1.25, 5.0), "TwoLayerNet.loss": (2.5, 5.0),
                                      "TwoLayerNet.train_model": (0, 0)}
    assert function_points([]) == {}


def test_fix_first_is_the_first_check_short_of_its_points_after_the_whole_file():
    tests = [entry("sigmoid: a", 5, 5), entry("softmax: a", 0, 0),       # information only: not a failure
             entry("softmax: b", 3, 4), entry("softmax: c", 0, 4)]
    assert fix_first(tests) == {"what": "check", "function": "softmax", "name": "softmax: b"}
    assert fix_first(tests[:2]) is None and fix_first([]) is None
    syntax = {"kind": "IndentationError", "line": 7, "message": "expected an indented block"}
    assert fix_first(tests, syntax, "an import error") == dict(syntax, what="syntax")
    assert fix_first(tests, None, "NameError: x")["what"] == "import"


# ---------------------------------------------------------------- final score: late penalty, overrides

def full_marks():
    return {f: (p, p) for f, p in POINTS.items()}


def test_full_marks_on_time_is_the_course_total():
    result = final(full_marks(), late=False, penalty=SETTINGS["late"]["penalty"], overrides=[])
    assert result["score"] == result["raw"] == sum(POINTS.values())
    assert result["late_penalty"] == 0 and result["override_points"] == 0 and result["overrides"] == []


def test_late_work_loses_course_toml_penalty_of_the_machines_score():
    penalty = SETTINGS["late"]["penalty"]
    machine = dict(full_marks(), softmax=(POINTS["softmax"] / 3, POINTS["softmax"]))
    raw = round(sum(score for score, _ in machine.values()), 2)
    result = final(machine, late=True, penalty=penalty, overrides=[])
    assert result["raw"] == raw and result["late_penalty"] == round(raw * penalty, 2)
    assert result["score"] == round(raw - round(raw * penalty, 2), 2)
    assert final(machine, late=True, penalty=0, overrides=[])["score"] == raw


def test_scores_are_rounded_to_hundredths_at_each_step():
    result = final({"sigmoid": (0.1, 5), "softmax": (0.2, 10)}, late=True, penalty=1 / 3, overrides=[
        Override(2, "s", ADJUST, 1 / 3, "r")])
    assert (result["raw"], result["late_penalty"], result["override_points"]) == (0.3, 0.1, 0.33)
    assert result["score"] == 0.53


def test_an_override_replaces_a_functions_points_and_adjust_adds_after_the_penalty():
    machine = full_marks()
    before = dict(machine)
    lowered = POINTS["TwoLayerNet.gradient"] / 2
    overrides = [Override(2, "s", "TwoLayerNet.gradient", lowered, "r"), Override(3, "s", ADJUST, -1.5, "r"),
                 Override(4, "s", ADJUST, 0.5, "r")]
    result = final(machine, late=True, penalty=SETTINGS["late"]["penalty"], overrides=overrides)
    total = sum(POINTS.values())
    assert [change for _, change in result["overrides"]] == [lowered - POINTS["TwoLayerNet.gradient"], -1.5, 0.5]
    assert result["override_points"] == round(lowered - POINTS["TwoLayerNet.gradient"] - 1, 2)
    assert result["score"] == round(total - result["late_penalty"] + result["override_points"], 2)
    assert result["late_penalty"] == round(total * SETTINGS["late"]["penalty"], 2)   # of the machine's score
    assert result["functions"]["TwoLayerNet.gradient"] == (lowered, POINTS["TwoLayerNet.gradient"])
    assert machine == before                                                        # the stored results stay


def test_an_override_of_a_function_without_checks_adds_its_points():
    machine = {f: v for f, v in full_marks().items() if f != "sigmoid"}
    result = final(machine, late=False, penalty=0, overrides=[Override(2, "s", "sigmoid", 2, "r")])
    assert result["override_points"] == 2 and result["score"] == sum(POINTS.values()) - POINTS["sigmoid"] + 2
