"""The hostile suite (``hostile.py``) in every environment this machine can simulate.

- ``host``: this machine as it is (root with bubblewrap: the ``bwrap`` box);
- ``docker``: root in a user namespace that may create no more namespaces, with
  Docker's default capabilities, like Gradescope's container (the ``landlock`` box);
- ``user``: an ordinary uid that may not create user namespaces, like a laptop
  with them switched off (the ``landlock`` box);
- ``landlock``: the landlock box on this machine, asked for by name; and, as root, with
  a Python other uids can reach, so that the worker runs as a uid of its own;
- ``uid``: the uid box (root, the system Python), whose one known weakness,
  ``UID_BOX_SEES``, is the only attack that gets through (README: "The uid box").

Every attack must be contained in each, and the reference solution must still get
full marks there; under ``none`` every attack must get through: that shows each
verdict can fail.
"""
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from autograder.sandbox import BOX_UID_BASE, status_report
from kit.trial import DOCKER_CAPS

pytestmark = pytest.mark.slow   # runs the attack suite in simulated machines

ROOT = Path(__file__).resolve().parent.parent
SUITE = ROOT / "tests" / "hostile.py"
ATTACKS = {"read the reference", "/proc of the grader", "signal the grader", "write outside the box",
           "network by a literal address", "symlinks for the next worker", "metadata of grader files",
           "the grader's limits", "SIGIO to the grader", "shared memory", "fill the disk", "daemons",
           "fork bomb", "fill a world-writable folder"}
STATUS = status_report()


def simulated(uid, caps=()):
    """bwrap options for a machine where this uid runs with ``caps`` and no namespaces can be made."""
    options = ["bwrap", "--unshare-user", "--disable-userns", "--uid", str(uid), "--gid", str(uid),
               "--cap-drop", "ALL"]
    for cap in caps:
        options += ["--cap-add", cap]
    return options + ["--dev-bind", "/", "/", "--die-with-parent", "--"]


def can_simulate():
    if shutil.which("bwrap") is None or os.geteuid() != 0:
        return False
    probe = subprocess.run(simulated(1000) + ["true"], capture_output=True)
    return probe.returncode == 0


SIMULATE = can_simulate()
ENVIRONMENTS = {
    "host": ([], None, STATUS["bwrap"][0] or STATUS["landlock"][0]),
    "landlock": ([], "landlock", STATUS["landlock"][0]),
    "docker": (simulated(0, DOCKER_CAPS), None, SIMULATE),
    "user": (simulated(1000), None, SIMULATE),
}


def run_suite(prefix, mode, python=sys.executable):
    command = prefix + [str(python), str(SUITE)] + (["--mode", mode] if mode else [])
    env = {k: v for k, v in os.environ.items() if k != "AUTOGRADER_SANDBOX"}
    env["PYTHONPATH"] = str(ROOT)
    done = subprocess.run(command, capture_output=True, text=True, timeout=300, env=env, cwd=ROOT)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def unconfined():
    return run_suite([], "none")


def test_every_attack_gets_through_without_a_box(unconfined):
    assert set(unconfined["verdicts"]) == ATTACKS
    through = {name for name, v in unconfined["verdicts"].items() if not v["contained"]}
    assert through == ATTACKS, unconfined["verdicts"]


@pytest.mark.parametrize("where", list(ENVIRONMENTS))
def test_every_attack_is_contained(where):
    prefix, mode, possible = ENVIRONMENTS[where]
    if not possible:
        pytest.skip(f"{where} cannot be had on this machine")
    report = run_suite(prefix, mode)
    assert set(report["verdicts"]) == ATTACKS
    escaped = {name: v["detail"] for name, v in report["verdicts"].items() if not v["contained"]}
    assert escaped == {}, f"{where} ({report['mode']} box): {escaped}"
    if where in ("docker", "user"):
        assert report["mode"] == "landlock"     # no namespaces there: auto takes the next box
    honest = report["reference"]
    assert honest["score"] == honest["total"] > 0 and honest["sandbox"] == report["mode"]


@pytest.fixture(scope="module")
def reachable_python(system_python):
    """The system Python with the grader's packages (conftest.system_python): as root, the
    landlock worker then runs as a uid of its own, as on Gradescope."""
    if not STATUS["landlock"][0]:
        pytest.skip("needs the landlock box")
    return system_python


def test_as_root_the_landlock_worker_runs_as_a_uid_of_its_own(reachable_python):
    report = run_suite([], "landlock", reachable_python)
    uid, gid, groups = report["worker"]
    assert uid >= BOX_UID_BASE and gid == uid and groups == []
    escaped = {name: v["detail"] for name, v in report["verdicts"].items() if not v["contained"]}
    assert escaped == {}
    assert report["reference"]["score"] == report["reference"]["total"] > 0


UID_BOX_SEES = {"/proc of the grader"}    # command lines of other processes (README: the uid box, point 2)


def test_the_uid_box_contains_every_attack_but_its_known_weakness(system_python):
    report = run_suite([], "uid", system_python)
    assert report["mode"] == "uid"
    uid, gid, groups = report["worker"]
    assert uid >= BOX_UID_BASE and gid == uid and groups == []
    escaped = {name for name, v in report["verdicts"].items() if not v["contained"]}
    assert escaped == UID_BOX_SEES, report["verdicts"]
    assert report["reference"]["score"] == report["reference"]["total"] > 0
