"""The ``uid`` box: for root on any Linux with seccomp (3.5+), e.g. Gradescope's
containers on Linux 4.14 or 5.10, where bubblewrap cannot make namespaces and the
kernel has no Landlock.

The worker is a plain subprocess that closes itself (``confine.py``) before it
imports the submission: a fresh unused uid and gid of the box's own (``BoxFiles.uid``),
no supplementary groups, no capabilities, PR_SET_NO_NEW_PRIVS, and the seccomp filter
of the landlock box. File permissions do the job Landlock does there:

- **Guard** (:func:`guard`, once per grader process, before any student code runs):
  the grader removes every permission of "others" from its own files (the project
  folder: the grader's source, the reference, the hidden checks and their known
  values; any installed copy of the project) and from Gradescope's
  ``submission/``, ``submission_metadata.json`` and ``results/`` under
  ``AUTOGRADER_ROOT`` (default ``/autograder``). The box uid is in no group, so it
  can then neither read those nor write the results.
- **Probe** (:func:`status`): a trusted self-test confined exactly as a worker must
  fail to open each of those paths and to create a file in ``results/``, and must read
  the Python installation, its packages and the worker's files. If any of it fails,
  the mode is unusable and nothing is graded in it.
- **Sweep** (``Launch.uid``, ``shared.sweep``): whenever a worker stops, and so when
  the box closes, every process of the box uid is killed and what it left in the
  world-writable folders (/tmp, /var/tmp, /dev/shm, ...) is removed; while it runs,
  those files count toward its disk limit.

Where it is weaker than the landlock box: README.md, "Sandbox".
"""
from __future__ import annotations

import functools
import json
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from . import shared
from .shared import Launch

if TYPE_CHECKING:
    from typing import Any

    from .box import Limits
    from .shared import BoxFiles

NAME = "uid"
# What it protects and what it does not (results.json's sandbox entry, for the instructor):
PROTECTED = ("the grader's files, the reference, the hidden checks, the submission and its "
             "metadata: not readable by the box uid (permissions, proved by a probe before grading)",
             "results: not writable by the box uid",
             "no new processes or programs, sockets, IPC, ptrace; signals, limits and SIGIO to "
             "itself only; no changes to files' metadata (seccomp)",
             "a fresh uid/gid, no groups, no capabilities; its processes and its files in /tmp, "
             "/var/tmp, /dev/shm are removed when the box closes")
NOT_PROTECTED = ("it reads every file any user may read (/etc, world-readable files), not only Python",
                 "it sees every process's command line in /proc",
                 "it may write in /tmp, /var/tmp, /dev/shm while it runs (counted in its disk limit, "
                 "checked every 0.25 s, removed when it stops)",
                 "no Landlock: this kernel has none, or bwrap and landlock did not work here")
# What Gradescope gives every autograder beside its source/ (the project), under
# AUTOGRADER_ROOT (run_autograder's stand-in for /autograder).
GRADESCOPE_PRIVATE = ("submission", "submission_metadata.json", "results")


def private_paths() -> list[str]:
    """The grader's files, which the box uid must neither read nor write: the project
    folder, any installed copy of it, and Gradescope's submission, metadata and results."""
    top = Path(os.environ.get("AUTOGRADER_ROOT") or "/autograder")
    found = [str(shared.PROJECT_ROOT)]
    found += [copy for site in shared.site_dirs() for copy in shared.project_copies(site)]
    found += [str(top / name) for name in GRADESCOPE_PRIVATE if (top / name).exists()]
    return [os.path.realpath(p) for p in found]


def guard(paths: list[str]) -> list[str]:
    """Remove "others" permissions from each of ``paths`` (a folder's cover all inside it);
    return what could not be changed, with why."""
    failed = []
    for path in paths:
        try:
            mode = os.stat(path).st_mode
            if mode & 0o007:
                os.chmod(path, stat.S_IMODE(mode) & ~0o007)
        except OSError as e:
            failed.append(f"{path}: {e.strerror}")
    return failed


def _probe_targets(private):
    """A few files inside each private folder, for the probe to try besides the folders."""
    found = []
    for path in private:
        found.append(path)
        if os.path.isdir(path):
            try:
                inside = sorted(os.listdir(path))[:3]
            except OSError:
                continue
            found += [os.path.join(path, name) for name in inside]
    found.append(str(shared.HERE / "box.py"))
    return list(dict.fromkeys(found))


def _needs(files):
    """What the worker must be able to read: Python, its packages, the worker's files."""
    return [shared.python(), os.path.realpath(sys.base_prefix), *shared.site_dirs(),
            *(str(files.code / name) for name in shared.WORKER_FILES), str(files.sub)]


def _home(files):
    """A fresh home for the next worker, owned by the box uid."""
    home = shared.fresh_home(files)
    for path in [home, *home.iterdir()]:
        os.chown(path, files.uid, files.uid, follow_symlinks=False)
    return home


@functools.lru_cache(maxsize=None)
def _probe():
    """Guard the grader's files, then confine a trusted self-test as a worker: does it hold?"""
    if not sys.platform.startswith("linux"):
        return False, f"not Linux ({sys.platform})"
    if os.geteuid() != 0:
        return False, "needs root (it runs student code as a uid of its own)"
    private = private_paths()
    failed = guard(private)
    if failed:
        return False, "could not protect the grader's files: " + "; ".join(failed)
    files = None
    try:
        files = shared.new_box_files()
        home = _home(files)
        results = [p for p in private if os.path.basename(p) == "results" and os.path.isdir(p)]
        cfg = {"confine": {"uid": files.uid, "landlock": None},
               "must_not_read": _probe_targets(private), "must_not_write": results,
               "must_read": _needs(files)}
        cmd = [shared.python(), "-S", "-B", str(files.code / "confine.py"), json.dumps(cfg)]
        r = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, timeout=60,
                           env=shared.home_env(home), cwd=str(home), **shared.popen_kwargs())
        try:
            verdict = json.loads(r.stdout.decode("utf-8", "replace").strip().splitlines()[-1])
        except (ValueError, IndexError):
            err = r.stderr.decode("utf-8", "replace").strip().splitlines()
            return False, f"the self-test failed: {err[-1] if err else 'exit code %d' % r.returncode}"
        if not verdict.get("ok"):
            return False, verdict.get("why", "the self-test failed")
        return True, verdict.get("described", "")
    except (OSError, subprocess.SubprocessError, shared.NoBox) as e:
        return False, f"the self-test could not run: {e}"
    finally:
        if files is not None:
            if files.uid is not None:
                shared.sweep(files.uid)
            shutil.rmtree(files.root, ignore_errors=True)


def status() -> tuple[bool, str]:
    """(usable, reason): whether the grader's files are out of the box uid's reach and
    seccomp holds on this machine (cached; the first call guards the files)."""
    return _probe()


def launch(files: BoxFiles, limits: Limits, cfg: dict[str, Any]) -> Launch:
    """The worker as a plain subprocess that drops to the box uid and loads seccomp."""
    if files.uid is None:
        raise shared.NoBox("the uid box needs root")
    home = _home(files)
    cfg = dict(cfg, sub=str(files.sub), capture=str(files.capture),
               confine={"uid": files.uid, "landlock": None, "ppid": os.getpid()})
    cmd = [shared.python(), "-S", "-B", str(files.code / "worker.py"), json.dumps(cfg)]
    return Launch(cmd, shared.home_env(home), str(home), home, uid=files.uid)
