"""The ``landlock`` box: a plain subprocess that closes itself with kernel features
an unprivileged process may use. No namespaces, so it works in Docker (Gradescope)
and on laptops whose user namespaces are off.

The worker applies the confinement itself before it imports the submission
(``confine.py`` says what and which kernel each part needs); this module
builds its command and the lists of what it may read and write.

What each kernel gives:

- Linux 5.13+ (Landlock ABI 1): reads only of the Python installation and
  packages, writes only in the box's home; /proc, /tmp, /home and the grader's
  files are out of reach. Needed, or the mode is unusable.
- Linux 6.7+ (ABI 4): TCP bind/connect denied by Landlock too (seccomp already
  denies creating any socket).
- Linux 6.12+ (ABI 6): signals and abstract sockets confined to the box (seccomp
  already limits signals to the worker itself).
- seccomp with libseccomp 2.4+ (``libseccomp.so.2``, on Debian and Ubuntu
  images): no new processes, sockets, ptrace, namespaces.
- As root (Gradescope): the worker runs as a uid of its own, which can neither
  read the grader's files nor write its output folder. Where that uid cannot
  exist (a user namespace that maps only root) or cannot reach the Python
  installation (one under /root), it stays root, confined by the rest.
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

NAME = "landlock"
# What it protects and what it does not (results.json's sandbox entry, for the instructor):
PROTECTED = ("reading: only Python, its packages and the box's own files (Landlock)",
             "writing: only the box's own folder (Landlock)",
             "the grader's files, /proc, /tmp, /home: out of reach (Landlock)",
             "no new processes or programs, sockets, IPC, ptrace; signals, limits and SIGIO to "
             "itself only; no changes to files' metadata (seccomp)",
             "as root: a uid of its own, or root without any capability")
NOT_PROTECTED = ("its folder's disk use is checked every 0.25 s by the grader, not by the kernel",)
SYSTEM = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/etc/ld.so.cache", "/etc/localtime")


def _rules(files, home):
    """What the worker may read, may not read inside that, and may write."""
    read = [p for p in SYSTEM if os.path.exists(p)]
    read += [os.path.realpath(sys.base_prefix), os.path.dirname(shared.python())]
    read += shared.site_dirs() + [str(files.code), str(files.fonts), str(files.sub.parent), "/dev/urandom"]
    hidden = [copy for site in shared.site_dirs() for copy in shared.project_copies(site)]
    hidden.append(str(shared.PROJECT_ROOT))
    return {"read": read, "hidden": hidden, "write": [str(home), "/dev/null", "/dev/zero"]}


def _others_reach(path):
    """Whether a uid of no group can reach ``path`` (every folder above it is o+x)."""
    path = os.path.realpath(path)
    return all(os.stat(p).st_mode & stat.S_IXOTH for p in [path, *map(str, Path(path).parents)]
               if os.path.isdir(p))


def python_reachable() -> bool:
    """Whether a uid of no group can reach Python and its packages (not so under /root)."""
    return all(map(_others_reach, [shared.python(), *shared.site_dirs()]))


def _uid_for(files, home):
    """The box uid when we are root, that uid can run Python (not so for a Python under
    /root, which is 0700), and it can own ``home`` (fresh, so only ours); else None."""
    uid = files.uid
    if uid is None or not python_reachable():
        return None
    try:
        for path in [home, *home.iterdir()]:
            os.chown(path, uid, uid, follow_symlinks=False)
    except OSError:                # e.g. a user namespace that maps root only
        return None
    return uid


@functools.lru_cache(maxsize=None)
def _probe():
    """Confine a trusted self-test exactly as a worker, once: does it hold here?"""
    if not sys.platform.startswith("linux"):
        return False, f"not Linux ({sys.platform})"
    files = shared.new_box_files()
    home = shared.fresh_home(files)
    try:
        cfg = {"confine": {"landlock": _rules(files, home), "uid": _uid_for(files, home)},
               "must_not_read": [str(shared.HERE / "box.py"), "/proc/1/cmdline"]}
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
    except (OSError, subprocess.SubprocessError) as e:
        return False, f"the self-test could not run: {e}"
    finally:
        shutil.rmtree(files.root, ignore_errors=True)


def status() -> tuple[bool, str]:
    """(usable, reason): whether Landlock + seccomp hold on this machine (cached)."""
    return _probe()


def launch(files: BoxFiles, limits: Limits, cfg: dict[str, Any]) -> Launch:
    """The worker as a plain subprocess that confines itself (see ``confine.py``)."""
    home = shared.fresh_home(files)
    cfg = dict(cfg, sub=str(files.sub), capture=str(files.capture),
               confine={"landlock": _rules(files, home), "uid": _uid_for(files, home), "ppid": os.getpid()})
    cmd = [shared.python(), "-S", "-B", str(files.code / "worker.py"), json.dumps(cfg)]
    return Launch(cmd, shared.home_env(home), str(home), home)
