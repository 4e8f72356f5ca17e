"""A check's visibility is course.toml's: flipped there (one check each way) and followed by
`make fixtures`, the grader shows the new visibility, and the student package's checks
hold exactly the public checks with their known values, none of the hidden ones'."""
import json
import shutil
import subprocess
import sys

import pytest

from autograder.paths import ROOT
from kit.student_checks import without

TO_PUBLIC = "sigmoid: keeps any shape (1-D and 3-D)"          # hidden, in test_more.py
TO_HIDDEN = "softmax: known values on a (4, 5) batch"          # public, in test_basics.py


def test_without_cuts_hidden_checks_and_value_makers_only():
    source = ('from .support import check\n\n\ndef helper():\n    return 1\n\n\n'
              'def known_x(ref, rng):\n    return {}\n\n\n'
              '@check("f: one", points=1)\ndef test_one(sub):\n    pass\n\n\n'
              '@check("f: two",\n       points=1)\ndef test_two(sub):\n    pass\n')
    text, left = without(source, {"f: two"})
    assert left == 1 and "test_one" in text and "helper" in text
    assert "f: two" not in text and "test_two" not in text and "known_x" not in text
    compile(text, "stripped.py", "exec")


def run(repo, *command, cwd=None):
    done = subprocess.run(command, cwd=cwd or repo, capture_output=True, text=True, timeout=600,
                          env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(repo), "LANG": "C.UTF-8",
                               "MPLBACKEND": "Agg"})
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


@pytest.mark.slow
def test_flipping_a_check_each_way_in_course_toml(tmp_path):
    repo = tmp_path / "repo"
    for name in ("autograder", "kit", "solution", "student"):
        shutil.copytree(ROOT / name, repo / name, ignore=shutil.ignore_patterns("__pycache__"))
    course = (ROOT / "course.toml").read_text(encoding="utf-8")
    assert f'    "{TO_PUBLIC}",\n' in course and TO_HIDDEN not in course
    course = course.replace(f'    "{TO_PUBLIC}",\n', f'    "{TO_HIDDEN}",\n')
    (repo / "course.toml").write_text(course, encoding="utf-8")
    run(repo, sys.executable, "-m", "kit.known_values")

    run(repo, sys.executable, "-m", "autograder", "grade", "solution/two_layer_net.py", "--out", str(tmp_path / "g"))
    tests = {t["name"]: t for t in json.loads((tmp_path / "g" / "results.json").read_text(encoding="utf-8"))["tests"]}
    assert tests[TO_PUBLIC]["visibility"] == "visible" and tests[TO_HIDDEN]["visibility"] == "after_published"
    assert all(t["score"] == t["max_score"] for t in tests.values())

    # the student package's autograder/, unpacked beside the reference, as a student has it
    home = tmp_path / "student"
    files = json.loads(run(repo, sys.executable, "-c", "import json; from kit.dist import grader_part; "
                                                       "from kit.student_checks import student_checks; "
                                                       "print(json.dumps({k: v.decode('utf-8', 'replace') "
                                                       "for k, v in grader_part(student_checks()).items()}))"))
    for name, text in files.items():
        (home / name).parent.mkdir(parents=True, exist_ok=True)
        (home / name).write_text(text, encoding="utf-8")
    public = json.loads(files["autograder/checks/known/public.json"])
    hidden = json.loads((repo / "autograder" / "checks" / "known" / "hidden.json").read_text(encoding="utf-8"))
    shipped = "\n".join(files.values())
    assert TO_PUBLIC in files["autograder/checks/test_more.py"] and {"sigmoid.x1", "sigmoid.y3"} <= set(public)
    assert TO_HIDDEN not in shipped and not {"softmax.x", "softmax.y"} & set(public)
    assert {"softmax.x", "softmax.y"} <= set(hidden)
    assert not [key for key in hidden if f'"{key}"' in shipped and key != "visibility.hidden_checks"]
    assert not [name for name in hidden["visibility.hidden_checks"] if name in shipped]
    shutil.copyfile(repo / "solution" / "two_layer_net.py", home / "two_layer_net.py")
    shutil.copyfile(repo / "student" / "check.py", home / "check.py")
    printed = run(repo, sys.executable, "check.py", cwd=home)       # every public check passes there
    assert "sigmoid" in printed
