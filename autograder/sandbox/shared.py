"""What the kinds of box share (the per-mode modules and ``box.py`` build on this; the
choice among the modes is ``modes.py``, which no mode imports).

- :class:`Launch`: how to start one worker, what each mode's ``launch`` returns;
  :class:`BoxFiles`: one box's folder; :class:`NoBox`.
- The worker's interpreter, packages and environment (:func:`python`,
  :func:`site_dirs`, :func:`base_env`); the project's own files, never shown to a box.
- The box uid when the grader is root (:func:`box_uid`, fresh per box), and
  :func:`sweep`, which ends its processes and removes its files in world-writable places.
- The scratch folder: the boxes of one grader process live in one folder, locked while
  the process lives; the next grader process removes any left by a killed run
  (:func:`scratch`).
"""
from __future__ import annotations

import atexit
import os
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from typing import Any

HERE = Path(__file__).resolve().parent
WORKER_FILES = ("worker.py", "calling.py", "wire.py", "confine.py")   # all of the project a worker sees
PROJECT_PACKAGES = ("autograder", "kit")                  # hidden if found in a site dir
PROJECT_ROOT = HERE.parent.parent                         # the grader's own files: never shown
# The student package's own modules, offered for import beside the submission (no data files):
# in the course repo under student/, in the student zip beside its autograder/.
STUDENT_MODULES = (PROJECT_ROOT / "student" / "mnist.py", PROJECT_ROOT / "mnist.py")
# Who runs student code when we are root: an unused uid of its own per box, so that
# RLIMIT_NPROC (counted per uid) is not shared by boxes running side by side, and the
# uid box can end every process and remove every file of its uid (box_uid).
BOX_UID_BASE = 200000
BOXES_PER_PROCESS = 256           # box uids: BOX_UID_BASE + pid * 256 + n
# Where any uid may create files: what a box uid left there goes when its worker stops (sweep).
WORLD_WRITABLE = ("/tmp", "/var/tmp", "/dev/shm", "/run/lock", "/var/lock")
STALE_SECONDS = 300      # an unlocked scratch folder this old belongs to no live grader


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
    uid: int | None = None     # the uid box's uid: its files in WORLD_WRITABLE are watched and swept


def overfull(folder: str | Path, max_mb: float, max_entries: int = 10_000, uid: int | None = None) -> str | None:
    """Why ``folder`` holds too much (more than ``max_mb`` MB or ``max_entries`` files and
    folders), else None; with ``uid``, what that uid left in WORLD_WRITABLE counts too.
    Stops counting as soon as either is passed."""
    size, entries, todo = 0, 0, [str(folder)]
    for path in left_behind(uid) if uid is not None else ():
        try:
            st = os.lstat(path)
        except OSError:
            continue
        entries += 1
        if stat.S_ISDIR(st.st_mode):
            todo.append(path)
        else:
            size += st.st_size
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
    font cache. ``uid``: the uid that runs its student code when the grader is root."""
    root: Path
    code: Path
    fonts: Path
    uid: int | None = None

    @property
    def sub(self) -> Path:
        return self.root / "sub" / "two_layer_net.py"

    @property
    def capture(self) -> Path:
        return self.root / "out.txt"


# ------------------------------------------------------- the worker's process

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


def home_env(home: str | Path) -> dict[str, str]:
    """``base_env`` for a worker that runs on the host's file system in a ``home`` of its own
    (the landlock and uid boxes): home, caches and temporary files there, the grader's packages."""
    home = str(home)
    return dict(base_env(), HOME=home, MPLCONFIGDIR=home, TMPDIR=home, PYTHONPATH=os.pathsep.join(site_dirs()))


def popen_kwargs() -> dict[str, Any]:
    if os.name == "posix":
        return {"start_new_session": True}
    return {"creationflags": getattr(subprocess, "CREATE_NEW_PROCESS_GROUP", 0)}


def under(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip("/") + "/")


def box_uid() -> int | None:
    """A fresh uid for a new box when the grader is root, else None: one no process runs
    as and no account has (BOX_UID_BASE + pid * BOXES_PER_PROCESS + n)."""
    if os.name != "posix" or os.geteuid() != 0:
        return None
    try:
        import pwd
    except ImportError:       # not a Linux (e.g. the tests' simulated macOS): no box runs as another uid
        return None
    pid = os.getpid()
    first = BOX_UID_BASE + (pid % 2**22) * BOXES_PER_PROCESS
    for _ in range(BOXES_PER_PROCESS):
        n = _uids_given.get(pid, 0)
        _uids_given[pid] = n + 1
        uid = first + n % BOXES_PER_PROCESS
        try:
            pwd.getpwuid(uid)
            continue
        except KeyError:
            pass
        if not processes_of(uid):
            return uid
    raise NoBox(f"no unused uid for a box among {first}..{first + BOXES_PER_PROCESS - 1}")


_uids_given = {}   # pid -> box uids handed out so far (per process, also after a fork)


def processes_of(uid: int) -> list[int]:
    """The pids of the processes running as ``uid`` (Linux: /proc)."""
    found = []
    try:
        names = os.listdir("/proc")
    except OSError:
        return found
    for name in names:
        try:
            if name.isdigit() and os.stat(f"/proc/{name}").st_uid == uid:
                found.append(int(name))
        except OSError:
            pass
    return found


def left_behind(uid: int) -> list[str]:
    """What ``uid`` owns in the WORLD_WRITABLE folders (and in world-writable folders inside
    them): the only places outside its home where a box uid can create anything."""
    found, todo = [], [p for p in WORLD_WRITABLE if os.path.isdir(p) and not os.path.islink(p)]
    while todo:
        try:
            with os.scandir(todo.pop()) as entries:
                for entry in entries:
                    try:
                        st = entry.stat(follow_symlinks=False)
                    except OSError:
                        continue
                    if st.st_uid == uid:
                        found.append(entry.path)
                    elif stat.S_ISDIR(st.st_mode) and st.st_mode & stat.S_IWOTH:
                        todo.append(entry.path)
        except OSError:
            continue
    return found


def sweep(uid: int) -> None:
    """End every process of the box uid ``uid`` and remove what it left in WORLD_WRITABLE."""
    for _ in range(100):
        pids = processes_of(uid)
        if not pids:
            break
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        time.sleep(0.01)
    for path in left_behind(uid):
        if os.path.isdir(path) and not os.path.islink(path):
            shutil.rmtree(path, ignore_errors=True)          # does not follow symlinks
        else:
            try:
                os.unlink(path)
            except OSError:
                pass


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
    (neither: an empty file), with a fresh uid when we are root (:func:`box_uid`)."""
    top = scratch()
    root = Path(tempfile.mkdtemp(prefix="box-", dir=top))
    files = BoxFiles(root, top / "code", top / "fonts", box_uid())
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
            if not folder.is_dir() or folder.is_symlink() or folder.stat().st_uid != os.geteuid():
                continue              # not a grader's: e.g. one a box uid planted in /tmp
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
    if os.name == "posix" and os.geteuid() == 0:     # a box uid of its own (box_uid)
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
