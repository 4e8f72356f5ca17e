"""Which box to use, and what the three kinds of box share.

``AUTOGRADER_SANDBOX`` (or ``Box(mode=...)``) picks the isolation:

- ``auto`` (the default): ``bwrap`` where bubblewrap works, else ``landlock``
  where the kernel and packages allow it, else :class:`NoBox`: nothing is graded.
- ``bwrap``: namespaces (``bwrap.py``); the strongest, needs user namespaces or root
  with CAP_SYS_ADMIN.
- ``landlock``: Landlock + seccomp + a uid of its own, no namespaces (``landlock.py``);
  works in Docker (Gradescope) and where user namespaces are off.
- ``none``: no isolation, only when asked for by name, with a warning (``none.py``).

Each mode module has ``NAME``, ``status() -> (usable, reason)`` (cached; its first
call runs a trusted probe in that box) and ``launch(files, limits, cfg) -> Launch``.

The boxes of one grader process live in one scratch folder, locked while the process
lives; the next grader process removes any left by a killed run (:func:`scratch`).
"""
from __future__ import annotations

import atexit
import os
import shutil
import subprocess
import sys
import tempfile
import time
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from types import ModuleType
    from typing import Any

HERE = Path(__file__).resolve().parent
WORKER_FILES = ("worker.py", "calling.py", "wire.py", "confine.py")   # all of the project a worker sees
PROJECT_PACKAGES = ("autograder", "kit")                  # hidden if found in a site dir
PROJECT_ROOT = HERE.parent.parent                         # the grader's own files: never shown
# The student package's own modules, offered for import beside the submission (no data files):
# in the course repo under student/, in the student zip beside its autograder/.
STUDENT_MODULES = (PROJECT_ROOT / "student" / "mnist.py", PROJECT_ROOT / "mnist.py")
# Who runs student code when we are root: an unused uid of its own per grader process,
# so that RLIMIT_NPROC (counted per uid) is not shared by boxes running side by side.
BOX_UID_BASE = 200000
STALE_SECONDS = 300      # an unlocked scratch folder this old belongs to no live grader
MODES = ("auto", "bwrap", "landlock", "none")


class NoBox(RuntimeError):
    """No box can confine student code on this machine, and ``none`` was not asked for."""


@dataclass(frozen=True)
class Launch:
    """How to start one worker. ``home``: its writable folder on this machine's disk,
    which the grader watches (None where the box has its own size-limited /tmp)."""
    cmd: list
    env: dict
    cwd: str
    home: object = None


def overfull(folder: str | Path, max_mb: float, max_entries: int = 10_000) -> str | None:
    """Why ``folder`` holds too much (more than ``max_mb`` MB or ``max_entries`` files and
    folders), else None. Stops counting as soon as either is passed."""
    size, entries, todo = 0, 0, [str(folder)]
    while todo:
        try:
            with os.scandir(todo.pop()) as found:
                for entry in found:
                    entries += 1
                    if entry.is_dir(follow_symlinks=False):
                        todo.append(entry.path)
                    else:
                        size += entry.stat(follow_symlinks=False).st_size
                    if size > max_mb * 2**20 or entries > max_entries:
                        return (f"the code wrote more than {max_mb} MB or {max_entries} files in its "
                                "folder, the limit of its disk space")
        except OSError:
            continue
    return None


@dataclass(frozen=True)
class BoxFiles:
    """One box's folder: ``sub/two_layer_net.py`` (read-only to the worker), ``out.txt``
    (what it prints), a fresh ``home-*`` folder per worker (see :func:`fresh_home`), and
    the shared ``code`` folder with the worker's files and ``fonts`` with matplotlib's
    font cache."""
    root: Path
    code: Path
    fonts: Path

    @property
    def sub(self) -> Path:
        return self.root / "sub" / "two_layer_net.py"

    @property
    def capture(self) -> Path:
        return self.root / "out.txt"


# ------------------------------------------------------------------ choice

def _module(name):
    from . import bwrap, landlock, none
    return {"bwrap": bwrap, "landlock": landlock, "none": none}[name]


def choose(asked: str | None = None) -> ModuleType:
    """The mode module to use: from ``asked``, else AUTOGRADER_SANDBOX, else ``auto``.

    Raises :class:`NoBox` for an unknown name, and when the asked-for mode (or, for
    ``auto``, every confining mode) does not work here.
    """
    asked = (asked or os.environ.get("AUTOGRADER_SANDBOX", "") or "auto").strip().lower()
    if asked not in MODES:
        raise NoBox(f"AUTOGRADER_SANDBOX must be one of {', '.join(MODES)}, not {asked!r}; "
                    "nothing was graded")
    if asked == "none":
        _warn_once("autograder sandbox disabled (AUTOGRADER_SANDBOX=none): student code runs "
                   "unconfined, with resource limits only; it can read files and use the network.")
        return _module("none")
    tried = []
    for name in (("bwrap", "landlock") if asked == "auto" else (asked,)):
        ok, why = _module(name).status()
        if ok:
            return _module(name)
        tried.append(f"{name}: {why}")
    raise NoBox("no sandbox can confine student code here, so nothing was graded ("
                + "; ".join(tried) + "). Fix: install bubblewrap with working user namespaces "
                "(apt-get install bubblewrap), or use Linux 5.13+ with Landlock and "
                "`pip install landlockpy pyseccomp` (libseccomp2); or, only for code you trust, "
                "set AUTOGRADER_SANDBOX=none.")


def status_report() -> dict[str, tuple[bool, str]]:
    """{mode: (usable, reason)} for bwrap and landlock (for messages and benchmarks)."""
    return {name: _module(name).status() for name in ("bwrap", "landlock")}


_warned = set()


def _warn_once(text):
    if text not in _warned:
        _warned.add(text)
        warnings.warn(text, RuntimeWarning, stacklevel=4)


# ------------------------------------------------------- shared by the modes

def python() -> str:
    """The real interpreter (not a venv symlink); workers run it with -S and an explicit PYTHONPATH."""
    return os.path.realpath(sys.executable)


def site_dirs() -> list[str]:
    """Directories the worker needs on its path: the grader's site-packages (numpy, matplotlib)."""
    seen = []
    for p in sys.path:
        if p and os.path.basename(p.rstrip("/\\")) in ("site-packages", "dist-packages") \
                and os.path.isdir(p) and os.path.realpath(p) not in seen:
            seen.append(os.path.realpath(p))
    return seen


def project_copies(site: str) -> list[str]:
    """What of the project an install left in ``site``: its packages, editable finders, metadata."""
    found = []
    for name in sorted(os.listdir(site)):
        if name in PROJECT_PACKAGES or name.startswith("__editable__") \
                or name.replace("-", "_").lower().startswith(("two_layer_net_kit", "_two_layer_net_kit")):
            found.append(os.path.join(site, name))
    return found


def base_env() -> dict[str, str]:
    return {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "PYTHONHASHSEED": "0",
            "PYTHONDONTWRITEBYTECODE": "1", "PYTHONIOENCODING": "utf-8",
            "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
            "VECLIB_MAXIMUM_THREADS": "1",      # numpy on one thread (macOS: Accelerate): issue 19
            "MPLBACKEND": "Agg", "HOME": "/tmp", "MPLCONFIGDIR": "/tmp", "TMPDIR": "/tmp"}


def popen_kwargs() -> dict[str, Any]:
    if os.name == "posix":
        return {"start_new_session": True}
    return {"creationflags": getattr(subprocess, "CREATE_NEW_PROCESS_GROUP", 0)}


def under(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip("/") + "/")


def box_uid() -> int | None:
    """The uid that runs student code when the grader is root, else None."""
    return BOX_UID_BASE + os.getpid() if os.name == "posix" and os.geteuid() == 0 else None


# ------------------------------------------------------- the scratch folder

_scratch = {}     # pid -> (folder, open lock file): per process, also after a fork


def scratch() -> Path:
    """This grader process's folder for boxes (created, and stale ones swept, on first use)."""
    pid = os.getpid()
    if pid not in _scratch:
        _sweep()
        folder = Path(tempfile.mkdtemp(prefix=f"autograder-{pid}-"))
        lock = open(folder / ".lock", "w")
        _lock(lock)
        os.chmod(folder, 0o711)                       # a box uid may pass through, not list
        code = folder / "code"
        code.mkdir()
        for name in WORKER_FILES:
            _copy_readable(HERE / name, code / name)
        os.chmod(code, 0o755)
        (folder / "fonts").mkdir(mode=0o755)
        for cache in _font_caches():
            _copy_readable(cache, folder / "fonts" / cache.name)
        _scratch[pid] = (folder, lock)
        atexit.register(_remove_own, pid)
    return _scratch[pid][0]


def _font_caches():
    """The grader's own matplotlib font cache (made by `make setup` or setup.sh), which
    each box gets a copy of: it saves ~0.5 s whenever a submission imports pyplot."""
    where = os.environ.get("MPLCONFIGDIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "matplotlib")
    return sorted(Path(where).glob("fontlist-*.json"))


def new_box_files(submission: str | Path | None = None, source: str | None = None) -> BoxFiles:
    """A fresh box folder holding a copy of the file ``submission``, or the text ``source``
    (neither: an empty file)."""
    top = scratch()
    root = Path(tempfile.mkdtemp(prefix="box-", dir=top))
    files = BoxFiles(root, top / "code", top / "fonts")
    files.sub.parent.mkdir()
    if submission is not None:
        _copy_readable(submission, files.sub)
    else:
        files.sub.write_text(source or "", encoding="utf-8")
        os.chmod(files.sub, 0o644)         # whatever the umask
    for module in STUDENT_MODULES:        # `from mnist import load_mnist` works as at home
        if module.is_file():
            _copy_readable(module, files.sub.parent / module.name)
    os.chmod(files.sub.parent, 0o755)
    files.capture.touch()
    os.chmod(root, 0o711)
    return files


def _copy_readable(source, target):
    """Copy a file the box may read but not change (the box's uid is not its owner)."""
    shutil.copyfile(source, target)
    os.chmod(target, 0o644)


def fresh_home(files: BoxFiles) -> Path:
    """A new, empty writable folder for the next worker of this box (with a copy of the
    font cache), the last one removed. Never reused: a worker may leave symlinks or
    strange modes behind, and the grader must not follow or fight them."""
    for old in files.root.glob("home-*"):
        shutil.rmtree(old, ignore_errors=True)      # does not follow symlinks
    home = Path(tempfile.mkdtemp(prefix="home-", dir=files.root))
    for cache in sorted(files.fonts.glob("fontlist-*.json")):
        shutil.copyfile(cache, home / cache.name)    # a new file in a folder only we can write
    return home


def _remove_own(pid):
    if os.getpid() == pid and pid in _scratch:
        folder, lock = _scratch.pop(pid)
        lock.close()                  # first: Windows cannot delete a file that is open
        shutil.rmtree(folder, ignore_errors=True)


def _lock(file, wait=True):
    """flock ``file``; False if another live process holds it (``wait`` False)."""
    try:
        import fcntl
    except ImportError:               # Windows: no sweeping
        return wait
    try:
        fcntl.flock(file, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        return True
    except OSError:
        return False


def _sweep():
    """Remove the scratch folders of grader processes that are gone (killed with -9, say)."""
    top = Path(tempfile.gettempdir())
    for folder in top.glob("autograder-*"):
        try:
            if not folder.is_dir() or folder.is_symlink():
                continue
            lock_path = folder / ".lock"
            if lock_path.exists():
                with open(lock_path, "a") as lock:
                    stale = _lock(lock, wait=False)
            else:                     # older layouts, or one being created right now
                stale = time.time() - folder.stat().st_mtime > STALE_SECONDS
            if stale:
                shutil.rmtree(folder, ignore_errors=True)
        except OSError:
            continue


def nproc_limit(max_procs: int) -> int | None:
    """RLIMIT_NPROC for a worker. It counts all processes of the worker's uid: with a box
    uid of its own (root grader), ``max_procs``; sharing the grader's uid, what that uid
    already runs plus ``max_procs`` (Linux; elsewhere nothing)."""
    if box_uid() is not None:
        return max_procs
    if not sys.platform.startswith("linux"):
        return None
    uid, mine = os.getuid(), 0
    for pid in os.listdir("/proc"):
        try:
            if pid.isdigit() and os.stat(f"/proc/{pid}").st_uid == uid:
                mine += len(os.listdir(f"/proc/{pid}/task"))
        except OSError:
            pass
    return mine + max_procs
