"""README's recipe "add a function", followed in a copy of the repo: three files edited by
hand (the solution, one checks file, course.toml), the rest regenerated, and the grader
gives the reference full marks and the skeleton 0. Forgetting course.toml is a named
error that says what to add where."""
import filecmp
import json
import shutil
import subprocess
import sys

import pytest

from autograder.checks.runner import UnregisteredFunction, position
from autograder.paths import ROOT
from autograder.settings import load as load_settings

RELU = '''

def relu(x):
    """ReLU，逐元素计算 max(0, x)。 / Element-wise max(0, x).

    x: 任意形状的 ndarray / ndarray of any shape.
    返回 / Returns: 与 x 形状相同的 ndarray / ndarray of x's shape.
    """
    # BEGIN SOLUTION
    # HINT: 用 np.maximum(0, x)。
    # HINT: Use np.maximum(0, x).
    return np.maximum(0, x)
    # END SOLUTION
'''

RELU_CHECK = '''

def known_relu(ref, rng):
    """The known values of relu's check (made by `make fixtures`)."""
    x = rng.normal(scale=3, size=(3, 4))
    return {"relu.x": x, "relu.y": ref.relu(x)}


@check("relu: known values on a (3, 4) array", points=1, known=("relu.x", "relu.y"))
def test_relu_known_values(sub, known):
    values_check(sub, "relu", known["relu.x"], known["relu.y"],
                 ("relu(x) = np.maximum(0, x)。", "relu(x) = np.maximum(0, x)."))
'''

COPIED = ("autograder", "kit", "solution", "student", "examples")


def test_a_check_of_an_unlisted_function_is_a_named_error():
    with pytest.raises(UnregisteredFunction, match=r'grades \'relu\'.*add "relu" = POINTS under \[points\] '
                                                   r'in course.toml.*make fixtures'):
        position(("sigmoid", "softmax"), "relu", "relu: known values")
    assert position(("sigmoid", "softmax"), "softmax", "softmax: x") == 1


def edit(path, old, new):
    text = path.read_text(encoding="utf-8")
    assert old in text, (path, old)
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def run(repo, *command, check=True):
    done = subprocess.run(command, cwd=repo, capture_output=True, text=True, timeout=600,
                          env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(repo), "LANG": "C.UTF-8"})
    assert not check or done.returncode == 0, done.stdout + done.stderr
    return done


def changed(repo):
    """The files of the copied folders (and course.toml) that differ from this repo's."""
    found = []
    for folder in COPIED:
        for path in sorted((repo / folder).rglob("*")):
            rel = path.relative_to(repo)
            if path.is_file() and "__pycache__" not in rel.parts and not filecmp.cmp(path, ROOT / rel, shallow=False):
                found.append(rel.as_posix())
    return found + (["course.toml"] if not filecmp.cmp(repo / "course.toml", ROOT / "course.toml", False) else [])


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("make") is None, reason="follows the recipe's make commands")
def test_adding_a_function_takes_three_hand_edits(tmp_path):
    if "relu" in load_settings()["points"]:
        pytest.skip("this repo has relu already (the recipe was followed here): nothing left to add")
    repo = tmp_path / "repo"
    for name in COPIED:
        shutil.copytree(ROOT / name, repo / name, ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("course.toml", "Makefile"):
        shutil.copyfile(ROOT / name, repo / name)
    make = ("make", "-o", "setup", f"PY={sys.executable}")

    # 1. the solution, with its markers and hints; 2. one check in a checks file
    edit(repo / "solution" / "two_layer_net.py", "    # END SOLUTION\n", "    # END SOLUTION\n" + RELU)
    with open(repo / "autograder" / "checks" / "test_basics.py", "a", encoding="utf-8") as file:
        file.write(RELU_CHECK)
    forgot = run(repo, *make, "fixtures", check=False)            # course.toml not edited yet
    assert forgot.returncode != 0
    assert 'add "relu" = POINTS under [points] in course.toml' in forgot.stderr, forgot.stderr
    # 3. course.toml: relu's points, where its results should show
    edit(repo / "course.toml", '"sigmoid" = 5\n', '"sigmoid" = 5\n"relu" = 5\n')
    run(repo, *make, "student", "fixtures")
    assert set(changed(repo)) == {
        "solution/two_layer_net.py", "autograder/checks/test_basics.py", "course.toml",            # by hand
        "student/two_layer_net.py", "autograder/checks/known/public.json",                        # regenerated
        "student/two_layer_net.ipynb", "solution/two_layer_net.ipynb",
        "examples/submissions/reference_1000_5000_two_layer_net.py",
        "examples/submissions/untouched_1007_5007_two_layer_net.py"}
    assert "raise NotImplementedError(\"relu:" in (repo / "student" / "two_layer_net.py").read_text(encoding="utf-8")
    notebook = (repo / "student" / "two_layer_net.ipynb").read_text(encoding="utf-8")   # a cell and a check of its own
    assert "def relu(x):" in notebook and 'check(\\"relu\\")' in notebook

    total = 105
    for submission, score in (("solution/two_layer_net.py", total), ("student/two_layer_net.py", 0)):
        out = tmp_path / submission.split("/")[0]
        run(repo, sys.executable, "-m", "autograder", "grade", submission, "--out", str(out))
        results = json.loads((out / "results.json").read_text(encoding="utf-8"))
        assert results["score"] == score and sum(t["max_score"] for t in results["tests"]) == total
        relu = [t for t in results["tests"] if t["name"].startswith("relu: ")]
        assert [t["name"] for t in results["tests"]].index(relu[0]["name"]) < 3     # course.toml's order
        assert relu[0]["max_score"] == 5 and relu[0]["visibility"] == "visible"
