"""autograder.zip on a runner like Gradescope's (``kit/gradescope_like.py``): root in a container
that may make no namespaces, with Docker's capabilities, the system calls of Linux 4.14,
5.10 or 6.1, 768 MB and half a CPU. The zip is installed as setup.sh installs it: the
system Python with only the zip's requirements.txt (conftest ``system_python``), unpacked
in a folder laid out as Gradescope's /autograder, owned by root with modes 0755/0644.

On 4.14 and 5.10 (no Landlock) the ``uid`` box grades; on 6.1 the ``landlock`` box.
In each: the reference gets full marks through run_autograder at half a CPU and the
skeleton 0, with results.json naming its box; every hostile case is contained (but
the uid box's one known weakness, README "The uid box", point 2); correct code of three
kinds gets full marks and every single-bug mutant of ``test_checks.MUTANTS`` loses only
its own function's points, as on the host (~30 s per kernel). Then each protection is taken away once to
show that its attack gets through: the whole suite under ``none``, and the uid box
without making the grader's files private, without its probe, without its sweep.
"""
import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from kit import gradescope_like
from kit.gradescope import KERNELS, layout, run_autograder
from test_checks import MUTANTS
from test_hostile import ATTACKS, UID_BOX_SEES

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples" / "submissions"
SOLUTION = ROOT / "solution" / "two_layer_net.py"
CORRECT = [SOLUTION, EXAMPLES / "zhaoliu_1004_5004_two_layer_net.py",   # another style
           EXAMPLES / "chenyi_1011_5011_two_layer_net.py"]              # imports mnist, trains under __main__
pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(not gradescope_like.available(), reason="needs root, unshare, setpriv, libseccomp")]


@pytest.fixture(scope="module")
def autograder_zip():
    from kit.dist import autograder_files, write_zip
    folder = Path(tempfile.mkdtemp(prefix="gradescope-zip-"))
    write_zip(folder / "autograder.zip", autograder_files(), "test")
    yield folder / "autograder.zip"
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture()
def place(autograder_zip):
    """A fresh /autograder laid out as on Gradescope (kit/gradescope.py)."""
    folder = Path(tempfile.mkdtemp(prefix="gradescope-"))
    yield layout(autograder_zip, folder)
    shutil.rmtree(folder, ignore_errors=True)


def inside(kernel, python, ag, args, cpus=0.0, timeout=600, cwd=None):
    """Run ``python args`` in the runner with the zip's grader on the path."""
    env = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "HOME": "/root", "PYTHONPATH": str(ag / "source"),
           "AUTOGRADER_ROOT": str(ag), "OPENBLAS_NUM_THREADS": "1"}
    return subprocess.run(gradescope_like.command(kernel, 768, cpus) + [str(python), *args], env=env,
                          capture_output=True, text=True, timeout=timeout, cwd=cwd or str(ag))


@pytest.mark.parametrize("kernel", list(KERNELS))
def test_run_autograder_at_half_a_cpu(kernel, system_python, place):
    run, data = run_autograder(place, SOLUTION, kernel, system_python)
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-2000:]
    total = sum(t["max_score"] for t in data["tests"])
    assert data["score"] == total == 100 and data["sandbox"] == KERNELS[kernel], data["output"]
    box = data["tests"][-1]
    assert box["visibility"] == "hidden" and box["max_score"] == 0
    assert box["extra_data"]["sandbox"]["box"] == KERNELS[kernel] and box["extra_data"]["sandbox"]["cpus"] == 0.5
    run, data = run_autograder(place, ROOT / "student" / "two_layer_net.py", kernel, system_python)
    assert run.returncode == 0 and data["score"] == 0 and data["sandbox"] == KERNELS[kernel]


def hostile(kernel, python, ag, mode=None):
    """tests/hostile.py in the runner, copied out of the repo, with the zip's grader."""
    folder = Path(tempfile.mkdtemp(prefix="hostile-suite-"))
    os.chmod(folder, 0o755)
    try:
        shutil.copyfile(ROOT / "tests" / "hostile.py", folder / "hostile.py")
        run = inside(kernel, python, ag, [str(folder / "hostile.py")] + (["--mode", mode] if mode else []),
                     cwd=str(folder))
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    assert run.returncode == 0, run.stderr[-3000:]
    return json.loads(run.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("kernel", list(KERNELS))
def test_every_hostile_case_is_contained(kernel, system_python, place):
    report = hostile(kernel, system_python, place)
    assert report["mode"] == KERNELS[kernel] and set(report["verdicts"]) == ATTACKS
    escaped = {name for name, v in report["verdicts"].items() if not v["contained"]}
    assert escaped == (UID_BOX_SEES if KERNELS[kernel] == "uid" else set()), report["verdicts"]
    assert report["reference"]["score"] == report["reference"]["total"] > 0


def test_without_a_box_every_attack_gets_through(system_python, place):
    report = hostile("4.14", system_python, place, mode="none")
    through = {name for name, v in report["verdicts"].items() if not v["contained"]}
    assert through == ATTACKS, report["verdicts"]


GRADE_ALL = '''
import json, sys
from autograder.checks.runner import function_points
from autograder.grade import grade
out = {}
for name, path in json.loads(sys.argv[1]).items():
    data = grade(path)
    out[name] = {"sandbox": data.get("sandbox"),
                 "lost": sorted(f for f, (score, total) in function_points(data["tests"]).items() if score < total)}
print(json.dumps(out))
'''


@pytest.mark.parametrize("kernel", ["4.14"])     # the oldest; each kernel takes ~35 s (CI's 15 minutes)
def test_correct_code_full_marks_and_each_mutant_loses_only_its_own(kernel, system_python, place):
    folder = Path(tempfile.mkdtemp(prefix="mutants-"))
    os.chmod(folder, 0o755)
    try:
        cases, wanted = {}, {}
        for path in CORRECT:
            cases[path.name], wanted[path.name] = str(path), []
        source = SOLUTION.read_text(encoding="utf-8")
        for number, (name, old, new, function, _) in enumerate(MUTANTS):
            assert old in source, name
            (folder / f"mutant{number}.py").write_text(source.replace(old, new), encoding="utf-8")
            cases[name], wanted[name] = str(folder / f"mutant{number}.py"), [function]
        (folder / "grade_all.py").write_text(GRADE_ALL, encoding="utf-8")
        run = inside(kernel, system_python, place, [str(folder / "grade_all.py"), json.dumps(cases)], timeout=900)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    assert run.returncode == 0, run.stderr[-3000:]
    got = json.loads(run.stdout.strip().splitlines()[-1])
    assert {name: g["lost"] for name, g in got.items()} == wanted
    assert {g["sandbox"] for g in got.values()} == {KERNELS[kernel]}


UID_WITHOUT = '''
import json, os, sys
from autograder.sandbox import Box, shared, uid
secret, left, missing = sys.argv[1:4]
SOURCE = ("def read(p):\\n    return open(p).read()[:30]\\n"
          "def leave(p):\\n    open(p, 'w').write('x')\\n    return p\\n")
found = {}
if missing in ("guard", "guard and probe"):
    uid.guard = lambda paths: []                      # the grader forgets to make its files private
if missing == "guard":
    found["probe"] = uid.status()                      # ... and the probe notices
if missing == "guard and probe":
    uid.status = lambda: (True, "no probe")
if missing == "sweep":
    shared.sweep = lambda box_uid: None
if missing != "guard":
    with Box(source=SOURCE, mode="uid") as box:
        try:
            found["read"] = box.call("read", secret).value
        except Exception as e:                         # StudentError: what the student's code raised
            found["read"] = getattr(e, "kind", type(e).__name__)
        found["left"] = box.call("leave", left).value
    found["kept"] = os.path.exists(left)
print(json.dumps(found))
'''


@pytest.mark.parametrize("missing", ["nothing", "guard", "guard and probe", "sweep"])
def test_each_protection_of_the_uid_box_is_needed(missing, system_python, place):
    """Without making the grader's files private the probe refuses the box; without the probe
    too, student code reads the reference; without the sweep its files outlive the box."""
    folder = Path(tempfile.mkdtemp(prefix="uid-without-"))
    os.chmod(folder, 0o755)
    left = f"/tmp/uid-box-left-{os.getpid()}-{missing.replace(' ', '-')}.txt"
    try:
        (folder / "script.py").write_text(UID_WITHOUT, encoding="utf-8")
        secret = place / "source" / "solution" / "two_layer_net.py"
        run = inside("4.14", system_python, place, [str(folder / "script.py"), str(secret), left, missing])
    finally:
        shutil.rmtree(folder, ignore_errors=True)
        if os.path.exists(left):
            os.unlink(left)
    assert run.returncode == 0, run.stderr[-3000:]
    found = json.loads(run.stdout.strip().splitlines()[-1])
    if missing == "guard":
        ok, why = found["probe"]
        assert not ok and "still readable inside the box" in why
        return
    assert (found["read"] == "PermissionError") == (missing != "guard and probe"), found
    assert found["left"] == left and found["kept"] == (missing == "sweep"), found
