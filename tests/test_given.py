"""Changes to the given code (the skeleton outside its holes): found in the AST,
reported in results.json and feedback.md, worth no points unless course.toml says so."""
from types import SimpleNamespace

import pytest

from autograder import adjust
from autograder.checks.runner import function_of, function_points
from autograder.settings import graded_functions
from autograder.given import changes, entries
from autograder.grade import grade
from autograder.report import feedback
from autograder.paths import ROOT

GRADED = graded_functions()
SOLUTION = (ROOT / "solution" / "two_layer_net.py").read_text(encoding="utf-8")
EXAMPLES = ROOT / "examples" / "submissions"

# (name, old, new): changes to given code that the grader must name
GIVEN_MUTANTS = [
    ("b1 starts at ones", "self.params['b1'] = np.zeros(hidden_size)", "self.params['b1'] = np.ones(hidden_size)"),
    ("__init__ drops weight_init_std",
     "    def __init__(self, input_size, hidden_size, output_size, weight_init_std=0.01):",
     "    def __init__(self, input_size, hidden_size, output_size):\n        weight_init_std = 0.01"),
    ("a batch drawn once for all iterations", "            batch_mask = np.random.choice(train_size, batch_size)\n",
     "            batch_mask = np.arange(batch_size)\n"),
]


def mutate(old, new):
    assert old in SOLUTION
    return SOLUTION.replace(old, new)


@pytest.mark.parametrize("name", ["reference_1000_5000_two_layer_net.py", "untouched_1007_5007_two_layer_net.py",
                                  "chenyi_1011_5011_two_layer_net.py", "liuer_1012_5012_two_layer_net.py"])
def test_filled_holes_and_code_outside_the_functions_are_not_changes(name):
    assert changes(SOLUTION, (EXAMPLES / name).read_text(encoding="utf-8")) == []


def test_formatting_comments_and_docstrings_do_not_count():
    text = mutate("            batch_mask = np.random.choice(train_size, batch_size)",
                  "            batch_mask = np.random.choice( train_size,\n"
                  "                                          batch_size )   # 我的注释")
    text = text.replace('"""前向传播 / Forward pass.', '"""my own docstring')
    assert changes(SOLUTION, text) == []


def test_each_change_says_where_and_what():
    found = changes(SOLUTION, mutate(*GIVEN_MUTANTS[0][1:]))
    line = mutate(*GIVEN_MUTANTS[0][1:]).split("\n").index("        self.params['b1'] = np.ones(hidden_size)") + 1
    assert found == [{"function": "TwoLayerNet.__init__", "line": line,
                      "given": "self.params['b1'] = np.zeros(hidden_size)",
                      "now": "self.params['b1'] = np.ones(hidden_size)"}]
    signature = changes(SOLUTION, mutate(*GIVEN_MUTANTS[1][1:]))
    assert [c["now"] for c in signature] == ["def __init__(self, input_size, hidden_size, output_size)",
                                             "weight_init_std = 0.01"]
    added = changes(SOLUTION, SOLUTION.replace("        return train_loss_list, train_acc_list, test_acc_list",
                                               "        print('done')\n        return train_loss_list, train_acc_list, test_acc_list"))
    assert added == [{"function": "TwoLayerNet.train_model", "line": added[0]["line"], "given": None, "now": "print('done')"}]


def test_a_penalty_takes_points_off_but_never_more_than_the_function_earned():
    found = changes(SOLUTION, mutate(*GIVEN_MUTANTS[2][1:]))
    assert [e["score"] for e in entries(found, GRADED)] == [0]
    assert [e["score"] for e in entries(found, GRADED, 2, {"TwoLayerNet.train_model": 10})] == [-2]
    assert [e["score"] for e in entries(found, GRADED, 2, {"TwoLayerNet.train_model": 1.5})] == [-1.5]


@pytest.mark.parametrize("name, old, new", [   # each a whole grade in the box: one of them every day
    pytest.param(*m, id=m[0], marks=pytest.mark.slow if i else ()) for i, m in enumerate(GIVEN_MUTANTS)])
def test_a_changed_given_function_is_named_in_results_and_feedback(tmp_path, name, old, new):
    path = tmp_path / "two_layer_net.py"
    path.write_text(mutate(old, new), encoding="utf-8")
    data = grade(path)
    assert {function_of(t) for t in data["tests"] if t["score"] < t["max_score"]} <= {"TwoLayerNet.train_model"}
    report = [t for t in data["tests"] if "given code of" in t["name"]]
    assert len(report) == 1 and report[0]["max_score"] == 0 and report[0]["score"] == 0
    assert function_of(report[0]) in GRADED
    changed = "TwoLayerNet.train_model" if "batch" in name else "TwoLayerNet.__init__"
    assert f"The given code of {changed} was changed" in report[0]["output"] and "第 " in report[0]["output"]
    record = {"student": "student", "data": data, "entry": SimpleNamespace(superseded=(), skipped=(), late=False),
              "final": adjust.final(function_points(data["tests"]), False, 0, [])}
    assert report[0]["output"] in feedback(record, 100)
