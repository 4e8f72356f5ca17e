"""What of a submission's module-level code is graded (autograder/checks/program.py):
one rule for .py files, notebooks and the student's own check."""
import json
import subprocess
import sys

from autograder.checks.program import graded_source
from autograder.checks.verdict import function_of
from autograder.intake import read_submission
from autograder.paths import ROOT
from example_class import defined

EXAMPLES = ROOT / "examples" / "submissions"
SESSION = ["chenyi_1011_5011_two_layer_net.py",      # imports mnist, trains under __main__
           "liuer_1012_5012_two_layer_net.py",       # trains at module level
           "sunsan_1013_5013_two_layer_net.ipynb"]   # a notebook with a training cell


def kept(text):
    return [line for line in graded_source(text).split("\n") if line.strip()]


def test_definitions_and_what_they_use_stay_the_rest_goes():
    text = ("import numpy as np\nimport matplotlib.pyplot as plt\nfrom mnist import load_mnist\n"
            "H = 1e-4\nf = np.vectorize(abs)\nunused = 3\n"
            "def g(x):\n    y = x + H\n    return f(y)\n"
            "x = 5\nprint(g(x))\n(x_train, t_train), _ = load_mnist()\n"
            "net = object()\nlosses = net.train_model(x_train)\nplt.plot(losses)\n"
            "if __name__ == '__main__':\n    H = 2\n")
    assert kept(text) == ["import numpy as np", "H = 1e-4", "f = np.vectorize(abs)",
                          "def g(x):", "    y = x + H", "    return f(y)"]
    assert len(graded_source(text).split("\n")) == len(text.split("\n"))   # line numbers stay


def test_loading_data_stays_out_even_when_a_definition_reads_its_result():
    text = ("from mnist import load_mnist\n(x_train, t_train), _ = load_mnist()\nm = x_train.mean()\n"
            "def train():\n    return x_train, m\n")
    assert kept(text) == ["def train():", "    return x_train, m"]


def test_invalid_python_comes_back_unchanged():
    assert graded_source("def f(:\n") == "def f(:\n"


def test_a_notebook_training_cell_is_left_out_like_module_level_training_in_a_py():
    notebook = kept(read_submission(EXAMPLES / SESSION[2]))
    assert not any("load_mnist(" in line or "train_model(x_train" in line or "plt." in line for line in notebook)
    assert any(line.startswith("class TwoLayerNet") for line in notebook)
    module_level = kept(read_submission(EXAMPLES / SESSION[1]))
    assert not any(line.startswith(("network", "plt.", "print(")) for line in module_level)


def test_the_student_check_grades_the_same_part_of_the_file():
    for name in SESSION[:2]:   # check.py runs where mnist.py is, but with no data: training would fail
        run = subprocess.run([sys.executable, str(ROOT / "student" / "check.py"), str(EXAMPLES / name), "--json"],
                             capture_output=True, text=True, cwd=ROOT / "student", timeout=120)
        tests = json.loads(run.stdout)["tests"]          # every function the file defines passes
        assert all(t["score"] == t["max_score"] for t in tests if function_of(t) in defined(EXAMPLES / name)), tests


def test_names_that_a_def_evaluates_are_kept():
    """Type hints, defaults and decorators run when the def does: their imports and constants
    stay (issue 17: `from typing import Dict` blanked gave a correct file 0/100)."""
    source = ("from typing import Dict\nimport functools\nH = 1e-4\nX = load()\n\n"
              "@functools.lru_cache(maxsize=None)\ndef f(x: Dict, h=H) -> Dict:\n    return x\n")
    kept = graded_source(source)
    assert "from typing import Dict" in kept and "import functools" in kept and "H = 1e-4" in kept
    assert "X = load()" not in kept
