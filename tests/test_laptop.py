"""The student's own laptop (issue 19): Windows and macOS simulated on Linux
(``elsewhere.py``), no orphan workers, consoles that cannot print Chinese, fast
training, what to submit, and the smaller faults the simulation found."""
import json
import os
import signal
import subprocess
import sys
import time
import warnings
import zipfile
from pathlib import Path

import pytest

from autograder.checks.__main__ import run
from autograder.checks.verdict import blame_helpers
from autograder.intake import WHAT_TO_SUBMIT, Refused, read_submission
from autograder.sandbox import Box, Limits, shared
from test_checks import ROOT, SOLUTION

ELSEWHERE = Path(__file__).resolve().parent / "elsewhere.py"
STUDENT = ROOT / "student"
ENDLESS = ("        it.iternext()\n", "        pass\n")      # numerical_gradient never ends


def mutant(folder, old, new, name="two_layer_net.py"):
    source = SOLUTION.read_text(encoding="utf-8")
    assert old in source
    path = Path(folder) / name
    path.write_text(source.replace(old, new), encoding="utf-8")
    return path


def elsewhere(kind, *command, **kwargs):
    """``python COMMAND`` as on ``kind`` ("windows", "macos"), in the student folder."""
    return subprocess.run([sys.executable, str(ELSEWHERE), kind, *map(str, command)], cwd=STUDENT,
                          capture_output=True, text=True, timeout=300, **kwargs)


def children(pid):
    """The pids whose parent is ``pid`` (Linux /proc)."""
    found = []
    for entry in os.listdir("/proc"):
        try:
            with open(f"/proc/{entry}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            if entry.isdigit() and int(fields[1]) == pid and fields[0] != "Z":
                found.append(int(entry))
        except (OSError, IndexError, ValueError):
            continue
    return found


def alive(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


# ------------------------------------------------------------------ the simulation itself

PROBE = """
import os, signal, sys

def probe():
    found = []
    for name in ("resource", "fcntl", "pwd", "grp", "termios"):
        try:
            __import__(name)
            found.append(name)
        except ImportError:
            pass
    return [sys.platform, os.name, found, hasattr(signal, "SIGALRM"), hasattr(signal, "setitimer"),
            hasattr(os, "fork")]
"""


@pytest.mark.parametrize("kind", ["windows", "macos"])
def test_the_simulation_takes_away_what_those_systems_lack_in_the_worker_too(kind, tmp_path):
    (tmp_path / "probe.py").write_text(
        "import json, warnings\nfrom autograder.sandbox import Box\n"
        f"SOURCE = {PROBE!r}\nexec(SOURCE)\nwarnings.simplefilter('ignore')\n"
        "with Box(source=SOURCE, mode='none') as box:\n"
        "    print(json.dumps([probe(), box.call('probe').value]))\n", encoding="utf-8")
    done = subprocess.run([sys.executable, str(ELSEWHERE), kind, str(tmp_path / "probe.py")], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    platform = {"windows": ["win32", "nt"], "macos": ["darwin", "posix"]}[kind]
    assert json.loads(done.stdout.splitlines()[-1]) == [platform + [[], False, False, False]] * 2


# ------------------------------------------------------------------ no orphan workers

@pytest.mark.parametrize("kind", ["windows", "macos", None])
def test_a_parent_killed_with_kill_9_leaves_no_worker_after_5_s(kind, tmp_path):
    """An IDE's stop button or Task Manager during an endless loop: the worker's pipe
    reaches its end and it stops, though nothing else ties it to the parent there."""
    path, marker = tmp_path / "two_layer_net.py", tmp_path / "looping"    # the first check's call never ends
    path.write_text(SOLUTION.read_text(encoding="utf-8") + "\n\ndef sigmoid(x):\n"
                    f"    open({str(marker)!r}, 'w').close()\n    while True:\n        pass\n", encoding="utf-8")
    command = [sys.executable, str(STUDENT / "check.py"), str(path)]
    if kind:
        command[1:1] = [str(ELSEWHERE), kind]
    parent = subprocess.Popen(command, cwd=STUDENT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                              env=dict(os.environ, TMPDIR=str(tmp_path)))    # what a killed parent leaves
    try:
        deadline, workers = time.monotonic() + 60, []
        while time.monotonic() < deadline and not workers:     # the worker inside the endless loop
            if marker.exists():
                workers = [pid for pid in children(parent.pid)
                           if b"worker.py" in Path(f"/proc/{pid}/cmdline").read_bytes()]
            time.sleep(0.05)
        assert workers, "no worker ran the endless loop"
    finally:
        parent.send_signal(signal.SIGKILL)
        parent.wait()
    time.sleep(5)
    left = [pid for pid in workers if alive(pid)]
    for pid in left:
        os.kill(pid, signal.SIGKILL)
    assert not left


# ------------------------------------------------------------------ the student's commands elsewhere

@pytest.mark.slow
@pytest.mark.parametrize("kind", ["windows", "macos"])
def test_check_gives_the_same_scores_and_an_endless_loop_costs_its_own_checks(kind, tmp_path):
    linux = json.loads(subprocess.run([sys.executable, "check.py", str(SOLUTION), "--json"], cwd=STUDENT,
                                      capture_output=True, text=True, timeout=300).stdout)
    there = elsewhere(kind, "check.py", SOLUTION, "--json")
    assert there.returncode == 0, there.stderr
    scores = [(t["name"], t["score"]) for t in json.loads(there.stdout)["tests"]]
    assert scores == [(t["name"], t["score"]) for t in linux["tests"]]
    looped = elsewhere(kind, "check.py", mutant(tmp_path, *ENDLESS))
    assert looped.returncode == 1 and "ran out of time" in looped.stdout
    assert "fix this first: numerical_gradient" in looped.stdout and "ok  TwoLayerNet.gradient" in looped.stdout


@pytest.mark.slow
def test_the_student_zip_works_on_simulated_windows(tmp_path):
    """dist/student.zip's commands, as kit.trial runs them for `make check-dist`
    (the tests, check.py, --json, --help, train.py, a GBK file, an endless loop, Ctrl-C),
    on the simulated Windows."""
    from kit import dist, trial
    from kit.mnist_fetch import FILES, verify
    data = ROOT / "data"
    if not all(verify(data / name, name) or verify(data / f"{name}.gz", name) for name in FILES):
        pytest.skip("needs the real MNIST in data/ (make data)")
    zip_path = tmp_path / "student.zip"
    dist.write_zip(zip_path, dist.student_files(data, "test"), "test")
    python = tmp_path / "python"
    python.write_text(f'#!/bin/sh\nexec {sys.executable} {ELSEWHERE} windows "$@"\n')
    python.chmod(0o755)
    trial.check_student_zip(zip_path, log=lambda text: None, python=python)


# ------------------------------------------------------------------ consoles

@pytest.mark.parametrize("encoding", ["ascii", "cp1252"])
@pytest.mark.parametrize("command", [["check.py", "--help"], ["train.py", "--help"], ["check.py"],
                                     ["train.py", "--epochs", "0.05", "--limit", "2000", "--out", "{tmp}/c.png"],
                                     ["train.py", "--net", "{tmp}/missing.py"]])
def test_every_command_survives_a_console_that_cannot_show_chinese(encoding, command, tmp_path):
    if "train.py" in command and "--help" not in command and "--net" not in command \
            and not any((ROOT / "data").glob("train-images*")):
        pytest.skip("needs MNIST in data/ (make data)")
    command = [part.replace("{tmp}", str(tmp_path)) for part in command]
    done = subprocess.run([sys.executable, *command], cwd=STUDENT, capture_output=True, timeout=300,
                          env=dict(os.environ, PYTHONIOENCODING=encoding))
    text = (done.stdout + done.stderr).decode(encoding)
    assert "UnicodeEncodeError" not in text and "Traceback" not in text, text
    assert done.returncode in (0, 1), text     # 1: the skeleton fails its checks; a missing file exits 1
    assert "\\u" in text                       # the Chinese is there, escaped


# ------------------------------------------------------------------ fast training

def test_train_limits_numpys_threads_before_numpy_loads_and_keeps_a_users_choice():
    code = ("import sys; import train; print(sys.modules['numpy'] is not None, "
            "train.os.environ['OPENBLAS_NUM_THREADS'], train.os.environ['VECLIB_MAXIMUM_THREADS'])")
    env = {k: v for k, v in os.environ.items() if not k.endswith("_THREADS")}
    assert subprocess.run([sys.executable, "-c", code], cwd=STUDENT, env=env, capture_output=True, text=True,
                          check=True).stdout.split() == ["True", "1", "1"]
    env["OPENBLAS_NUM_THREADS"] = "3"
    assert subprocess.run([sys.executable, "-c", code], cwd=STUDENT, env=env, capture_output=True, text=True,
                          check=True).stdout.split() == ["True", "3", "1"]


def test_the_learning_check_runs_numpy_on_one_thread_in_its_box():
    source = "import os\ndef threads():\n    return [os.environ.get(n) for n in %r]\n" % (THREADS,)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with Box(source=source, mode="none") as box:
            assert box.call("threads").value == ["1"] * len(THREADS)


THREADS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "VECLIB_MAXIMUM_THREADS")


# ------------------------------------------------------------------ what to submit

def fake_venv(folder, files=2500):
    (folder / "pyvenv.cfg").parent.mkdir(parents=True, exist_ok=True)
    (folder / "pyvenv.cfg").write_text("home = /usr/bin\n")
    for i in range(files):
        (folder / "lib" / f"m{i // 100}").mkdir(parents=True, exist_ok=True)
        (folder / "lib" / f"m{i // 100}" / f"f{i}.py").write_text("x = 1\n" * 20)
    (folder / "two_layer_net.py").write_text("decoy = True\n")


@pytest.mark.parametrize("env_name", [".venv", "venv", "env"])
def test_a_folder_or_zip_holding_the_file_beside_a_virtual_environment_is_graded(tmp_path, env_name):
    folder = tmp_path / "作业 1"
    folder.mkdir()
    (folder / "two_layer_net.py").write_text("real = True\n", encoding="utf-8")
    (folder / "check.py").write_text("x = 1\n")
    fake_venv(folder / env_name)
    assert read_submission(folder) == "real = True\n"
    zip_path = tmp_path / "all.zip"
    with zipfile.ZipFile(zip_path, "w") as archive:
        for path in sorted(folder.rglob("*")):
            archive.write(path, Path("作业 1", path.relative_to(folder)).as_posix())
    assert len(zipfile.ZipFile(zip_path).infolist()) > 2000       # more entries than the limit allows
    assert read_submission(zip_path) == "real = True\n"


def test_a_refusal_says_exactly_what_to_submit(tmp_path):
    zip_path = tmp_path / "all.zip"
    with zipfile.ZipFile(zip_path, "w") as archive:
        for i in range(2100):
            archive.writestr(f"folder/data/f{i}.txt", "x")
        archive.writestr("folder/two_layer_net.py", "x = 1\n")
    with pytest.raises(Refused) as refused:
        read_submission(zip_path)
    assert refused.value.status == "zip-too-large" and WHAT_TO_SUBMIT in refused.value.reason
    (tmp_path / "empty").mkdir()
    with pytest.raises(Refused) as refused:
        read_submission(tmp_path / "empty")
    assert refused.value.status == "no-file" and WHAT_TO_SUBMIT in refused.value.reason
    (tmp_path / "two_layer_net.rar").write_bytes(b"Rar!")
    with pytest.raises(Refused) as refused:
        read_submission(tmp_path / "two_layer_net.rar")
    assert refused.value.status == "wrong-type" and WHAT_TO_SUBMIT in refused.value.reason


# ------------------------------------------------------------------ smaller faults

def test_the_alarm_guard_needs_sigalrm_itself(tmp_path, monkeypatch):
    """A system with setitimer but without SIGALRM: grader functions still run."""
    monkeypatch.delattr(signal, "SIGALRM")
    source = "def use(f, n):\n    return f(n)\n"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with Box(source=source, mode="none") as box:
            assert box.call("use", lambda n: n + 1, 1).value == 2


def test_the_scratch_folders_lock_is_closed_before_the_folder_is_deleted(monkeypatch):
    """Windows cannot delete an open file: an open .lock would leave each run's folder behind."""
    seen = []
    monkeypatch.setattr(shared, "_scratch", {})
    folder = shared.scratch()
    lock = shared._scratch[os.getpid()][1]
    real = shared.shutil.rmtree
    monkeypatch.setattr(shared.shutil, "rmtree", lambda path, *a, **k: (seen.append(lock.closed), real(path, *a, **k)))
    shared._remove_own(os.getpid())
    assert seen == [True] and not folder.exists()


def test_a_slow_start_does_not_count_against_the_total_time(tmp_path, monkeypatch):
    """The interpreter and numpy starting slowly (a busy laptop) is not the student's time:
    the total limit is left for the calls, and the call that was on time passes."""
    from autograder.sandbox import none
    real = none.launch

    def slow_launch(files, limits, cfg):
        launch = real(files, limits, cfg)
        wrapper = ("import runpy, sys, time; time.sleep(2); sys.argv = sys.argv[1:]; "
                   "sys.path.insert(0, sys.argv[0].rsplit('/', 1)[0]); runpy.run_path(sys.argv[0], run_name='__main__')")
        return shared.Launch([launch.cmd[0], "-S", "-B", "-c", wrapper, *launch.cmd[3:]], launch.env,
                            launch.cwd, launch.home)
    monkeypatch.setattr(none, "launch", slow_launch)
    source = "import time\ndef nap(s):\n    time.sleep(s)\n    return s\n"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with Box(source=source, limits=Limits(call_seconds=2, total_seconds=2.5), mode="none") as box:
            assert box.call("nap", 1.5).value == 1.5


def test_a_fault_of_the_grader_is_not_blamed_on_the_students_correct_helper():
    source = ("class TwoLayerNet:\n    def gradient(self, x, t):\n        return 1\n"
              "    def train_model(self, x):\n        return self.gradient(x, x)\n")
    tests = [{"name": "TwoLayerNet.gradient: x", "score": 0, "max_score": 1, "output": "grader",
              "failure": {"kind": "grader", "hint": None}},
             {"name": "TwoLayerNet.train_model: x", "score": 0, "max_score": 1, "output": "wrong",
              "failure": {"kind": "wrong", "hint": None}}]
    blame_helpers(tests, source)
    assert "blame" not in tests[1] and tests[1]["output"] == "wrong"


def test_several_failing_helpers_are_listed_in_good_english():
    source = ("def a(x):\n    return x\ndef b(x):\n    return x\ndef c(x):\n    return x\n"
              "def d(x):\n    return a(x) + b(x) + c(x)\n")
    tests = [{"name": f"{f}: x", "score": 0, "max_score": 1, "output": "", "failure": {"kind": "wrong"}}
             for f in "abcd"]
    blame_helpers(tests, source)
    assert "Note: d calls a, b and c, which fail their own checks" in tests[3]["output"]
    assert "a、b、c" in tests[3]["output"]


def test_a_failing_check_shows_what_the_students_code_printed_and_how_to_stop_a_timed_out_call(tmp_path):
    path = mutant(tmp_path, "        it.iternext()\n", "        print('step', idx)\n        pass\n")
    data, _ = run(path, Limits(call_seconds=0.5))
    failed = [t for t in data["tests"] if t["name"].startswith("numerical_gradient") and not t["score"]]
    shown = [t for t in failed if "input_code" in t["failure"]]
    assert shown
    for test in shown:
        assert "your code printed:" in test["output"] and "step (0" in test["output"]
        assert len(test["failure"]["printed"]) <= 1010
        assert "press Ctrl-C to stop it" in test["output"]
