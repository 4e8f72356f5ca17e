"""The box: run an untrusted submission in a sandboxed worker process.

The grader never imports student code. A :class:`Box` starts ``worker.py`` in
a separate process (under bubblewrap on Linux when it works, else a plain
subprocess with resource limits), and talks to it with plain data only (see
``wire.py``)::

    with Box("two_layer_net.py", Limits(call_seconds=5)) as box:
        r = box.call("softmax", x)                # -> Result(value, args_after, stdout, ...)
        r = box.call("numerical_gradient", f, x)  # f runs in the grader, via callbacks
        r = box.call("TwoLayerNet.forward", x, obj={"init": (4, 3, 2), "params": params})

Callables cross the boundary as handles: a grader function passed in becomes
a proxy in the worker (calling it is an RPC back to the grader, valid only
during the call it was passed to); a student function coming out becomes a
:class:`WorkerFunction` here. Calls may nest either way.

Errors: :class:`StudentError` (student code raised), :class:`BoxTimeout`,
:class:`BoxCrash` (the worker died), :class:`ImportFailed`. After a timeout or
crash the next call starts a fresh worker, so one bad function only costs its
own checks.

Use a Box from the thread that created it: under bwrap the worker is started
with --die-with-parent, which kills it when that *thread* ends.

``AUTOGRADER_SANDBOX=none|bwrap`` forces the isolation mode.
"""
import atexit
import functools
import glob
import json
import logging
import os
import queue
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import warnings
import weakref
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from . import wire
from .checks.errors import BoxCrash, BoxError, BoxTimeout, ImportFailed, StudentError  # noqa: F401 (API)
from .wire import Opaque  # noqa: F401  (part of this module's API)

log = logging.getLogger(__name__)

HERE = Path(__file__).resolve().parent
WORKER_FILES = (HERE / "worker.py", HERE / "wire.py")   # all that is mounted of the project
PROJECT_PACKAGES = ("autograder", "kit")                  # hidden if found in a site dir
# The student package's own modules, offered for import beside the submission (no data files).
STUDENT_MODULES = (HERE.parent / "student" / "mnist.py",)
# Who runs student code when we are root: an unused uid of its own per grader process,
# so that RLIMIT_NPROC (counted per uid) is not shared by boxes running side by side.
BOX_UID_BASE = 200000
CALLBACK_ELEMENTS = 1_000_000   # the most numbers a student may hand a grader function (checks use ~1e3)
STARTUP_SECONDS = 30.0                                    # interpreter + numpy start, before student code


@dataclass(frozen=True)
class Limits:
    """Resource limits for one submission's box."""
    call_seconds: float = 5.0       # wall time of one call (default; box.call(timeout=) overrides)
    total_seconds: float = 60.0     # wall time of all calls and (re)starts together
    memory_mb: int = 1024           # address space of the worker (RLIMIT_AS)
    max_procs: int = 32             # processes/threads of the sandbox user (RLIMIT_NPROC)
    file_mb: int = 16               # largest file the worker may write, incl. captured output
    tmp_mb: int = 64                # size of the box's /tmp (bwrap mode)
    stdout_chars: int = 10_000      # how much of the end of the printed output is kept


@dataclass
class Result:
    """What a successful call returns."""
    value: object
    args_after: list          # the positional args as they are after the call
    params_after: object      # obj.params after a method call, else None
    stdout: str               # what the call printed (stdout and stderr, the last part)
    seconds: float


def _elements(value):
    """How many numbers the arrays in a decoded value hold."""
    if isinstance(value, np.ndarray):
        return value.size
    if isinstance(value, (list, tuple)):
        return sum(map(_elements, value))
    if isinstance(value, dict):
        return sum(map(_elements, value.values()))
    return 0


class WorkerFunction:
    """A callable living in the worker (e.g. a lambda the student passed to a grader function).

    Calling it runs it in the worker. It is valid until the worker is restarted.
    """

    def __init__(self, box, generation, hid, name):
        self._box, self._gen, self._hid, self.__name__ = box, generation, hid, name

    def __repr__(self):
        return f"<student function {self.__name__}>"

    def __call__(self, *args, **kwargs):
        return self._box._invoke_worker(self, args, kwargs)


# ------------------------------------------------------------ mode choice

_warned = set()


def _warn_once(text):
    if text not in _warned:
        _warned.add(text)
        warnings.warn(text, RuntimeWarning, stacklevel=4)


def _choose_mode(mode=None):
    """"bwrap" or "none", from the argument, AUTOGRADER_SANDBOX, or a probe of bwrap."""
    asked = (mode or os.environ.get("AUTOGRADER_SANDBOX", "")).strip().lower()
    if asked not in ("", "none", "bwrap"):
        raise ValueError(f"AUTOGRADER_SANDBOX must be 'none' or 'bwrap', not {asked!r}")
    if asked == "none":
        _warn_once("autograder sandbox disabled (AUTOGRADER_SANDBOX=none): student code runs in a "
                   "plain subprocess with resource limits only; it can read files and use the network.")
        return "none"
    ok, why = bwrap_status()
    if ok:
        return "bwrap"
    if asked == "bwrap":
        raise RuntimeError(f"AUTOGRADER_SANDBOX=bwrap, but bubblewrap does not work here: {why}")
    _warn_once(f"bubblewrap sandbox unavailable ({why}); student code runs in a plain subprocess "
               "with resource limits only: isolation is weaker (it can read the grader's files and use "
               "the network). Install bubblewrap with working user namespaces for full isolation.")
    return "none"


@functools.lru_cache(maxsize=None)
def _probe():
    """Run a trivial trusted script in the box once: does bwrap work here?

    The same run builds matplotlib's font cache, which every later box gets a
    copy of (saves ~0.1 s when a submission imports matplotlib.pyplot).
    Returns (ok, reason, font_cache_path_or_None).
    """
    if not sys.platform.startswith("linux"):
        return False, f"not Linux ({sys.platform})", None
    if shutil.which("bwrap") is None:
        return False, "the bwrap command is not installed", None
    cache_dir = tempfile.mkdtemp(prefix="autograder-mpl-")
    os.chmod(cache_dir, 0o755)
    atexit.register(shutil.rmtree, cache_dir, True)
    script = ("import numpy\n"
              "try:\n import matplotlib.font_manager\nexcept Exception:\n pass\n"
              "import glob, shutil\n"
              "for p in glob.glob('/tmp/fontlist-*.json'): shutil.copy(p, '/box/out/')\n")
    cmd = _bwrap_args(binds=[(cache_dir, "/box/out", True)]) + [_python(), "-S", "-B", "-c", script]
    try:
        r = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, timeout=60,
                           env=_base_env(), **_popen_kwargs())
    except (OSError, subprocess.SubprocessError) as e:
        return False, f"bwrap failed to run: {e}", None
    if r.returncode != 0:
        err = r.stderr.decode("utf-8", "replace").strip().splitlines()
        return False, f"bwrap test run failed: {err[-1] if err else 'exit code %d' % r.returncode}", None
    caches = glob.glob(os.path.join(cache_dir, "fontlist-*.json"))
    for p in caches:
        os.chmod(p, 0o644)
    return True, "", caches[0] if caches else None


def bwrap_status():
    """(usable, reason): whether the bubblewrap sandbox works on this machine (cached)."""
    ok, why, _ = _probe()
    return ok, why


# ------------------------------------------------------ command building

def _python():
    """The real interpreter (not a venv symlink), run with -S and an explicit PYTHONPATH."""
    return os.path.realpath(sys.executable)


def _site_dirs():
    """Directories the worker needs on its path: the grader's site-packages (numpy, matplotlib)."""
    seen = []
    for p in sys.path:
        if p and os.path.basename(p.rstrip("/\\")) in ("site-packages", "dist-packages") \
                and os.path.isdir(p) and os.path.realpath(p) not in seen:
            seen.append(os.path.realpath(p))
    return seen


def _base_env():
    return {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "PYTHONHASHSEED": "0",
            "PYTHONDONTWRITEBYTECODE": "1", "PYTHONIOENCODING": "utf-8",
            "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
            "MPLBACKEND": "Agg", "HOME": "/tmp", "MPLCONFIGDIR": "/tmp", "TMPDIR": "/tmp"}


def _popen_kwargs():
    if os.name == "posix":
        return {"start_new_session": True}
    return {"creationflags": getattr(subprocess, "CREATE_NEW_PROCESS_GROUP", 0)}


def _bwrap_args(binds=(), tmp_mb=64):
    """bwrap options for a box: read-only Python + site-packages, private /tmp, no network.

    ``binds`` are extra (host_path, box_path, writable) mounts. Mounted: /usr and the
    /bin, /lib* links, the Python installation, the site-packages dirs at /box/siteN
    (with any installed copy of the project hidden), a fresh /proc and /dev, a tmpfs
    /tmp. Not mounted: the project tree, /root, /home, /etc (except ld.so.cache).
    """
    a = ["bwrap", "--die-with-parent", "--new-session", "--clearenv",
         "--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try"]
    if os.geteuid() == 0:
        # Root: bwrap runs privileged (it can read /root/.pyenv), without a user
        # namespace; the worker drops to its own uid itself, so RLIMIT_NPROC applies.
        a += ["--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID"]
    else:
        a += ["--unshare-user", "--disable-userns"]
    a += ["--ro-bind", "/usr", "/usr", "--ro-bind-try", "/etc/ld.so.cache", "/etc/ld.so.cache"]
    for d in ("/bin", "/sbin", "/lib", "/lib32", "/lib64"):
        if os.path.islink(d):
            a += ["--symlink", os.readlink(d), d]
        elif os.path.isdir(d):
            a += ["--ro-bind", d, d]
    dests = []
    prefix = os.path.realpath(sys.base_prefix)
    exe_dir = os.path.dirname(_python())
    for src in dict.fromkeys([prefix, exe_dir]):
        if not any(_under(src, m) for m in ["/usr", prefix] if m != src):
            a += ["--ro-bind", src, src]
            dests.append(src)
    for i, site in enumerate(_site_dirs()):
        a += ["--ro-bind", site, f"/box/site{i}"]
        for pkg in PROJECT_PACKAGES:          # an installed copy of the project stays out
            if os.path.isdir(os.path.join(site, pkg)):
                a += ["--tmpfs", f"/box/site{i}/{pkg}"]
                if any(_under(site, m) for m in ("/usr", prefix)):   # also visible where it is
                    a += ["--tmpfs", os.path.join(site, pkg)]
    a += ["--proc", "/proc", "--dev", "/dev",
          "--perms", "1777", "--size", str(tmp_mb * 2**20), "--tmpfs", "/tmp"]
    for src, dest, writable in binds:
        a += ["--bind" if writable else "--ro-bind", src, dest]
        dests.append(dest)
    # bwrap may create the parents of mount points with the host's modes (/root is 0700);
    # make them traversable for the unprivileged worker.
    parents = {str(p) for d in dests + ["/box/x"] if not _under(d, "/tmp")
               for p in Path(d).parents if str(p) != "/"}
    for p in sorted(parents):
        a += ["--chmod", "0755", p]
    env = dict(_base_env(), PYTHONPATH=":".join(f"/box/site{i}" for i in range(len(_site_dirs()))))
    for k, v in env.items():
        a += ["--setenv", k, v]
    return a + ["--chdir", "/tmp"]


def _fallback_nproc(max_procs):
    """RLIMIT_NPROC for an unsandboxed worker: it counts ALL processes of our uid, so
    allow what we already run plus max_procs (Linux, non-root only; root ignores it)."""
    if not sys.platform.startswith("linux") or os.geteuid() == 0:
        return None
    uid, mine = os.getuid(), 0
    for pid in os.listdir("/proc"):
        try:
            if pid.isdigit() and os.stat(f"/proc/{pid}").st_uid == uid:
                mine += len(os.listdir(f"/proc/{pid}/task"))
        except OSError:
            pass
    return mine + max_procs


def _under(path, root):
    return path == root or path.startswith(root.rstrip("/") + "/")


# ----------------------------------------------------------- the worker

class _Worker:
    """One worker process plus the threads that move frames to and from it."""

    def __init__(self, cmd, env, cwd, stderr_path, bwrap):
        self.bwrap = bwrap
        self.stderr_path = stderr_path
        with open(stderr_path, "wb") as err:
            self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                         stderr=err, env=env, cwd=cwd, **_popen_kwargs())
        self.inbox = queue.Queue()
        self.outbox = queue.Queue()
        threading.Thread(target=self._reader, daemon=True).start()
        threading.Thread(target=self._writer, daemon=True).start()

    def _reader(self):
        stream = self.proc.stdout
        try:
            while True:
                head = stream.read(4)
                if len(head) < 4:
                    break
                n = wire.body_length(head)
                body = stream.read(n)
                if len(body) < n:
                    break
                self.inbox.put(("msg", wire.parse(body)))
        except (wire.WireError, OSError, ValueError) as e:
            self.inbox.put(("bad", str(e)))
            return
        self.inbox.put(("eof", None))

    def _writer(self):
        # A separate thread, so a worker that stops reading can never block the grader.
        while True:
            data = self.outbox.get()
            if data is None:
                return
            try:
                self.proc.stdin.write(data)
                self.proc.stdin.flush()
            except (OSError, ValueError):
                return

    def send(self, msg):
        self.outbox.put(wire.frame(msg))

    def recv(self, deadline):
        """Next message, or ("timeout"|"eof"|"bad", info)."""
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return "timeout", None
            try:
                kind, payload = self.inbox.get(timeout=min(remaining, 0.25))
            except queue.Empty:
                if self.proc.poll() is not None:   # died, but a child may hold the pipe open
                    try:
                        return self.inbox.get(timeout=0.05)
                    except queue.Empty:
                        return "eof", None
                continue
            return kind, payload

    def kill(self):
        """SIGKILL the whole process group; under bwrap the pid namespace dies with it."""
        self.outbox.put(None)
        try:
            if os.name == "posix":
                os.killpg(self.proc.pid, signal.SIGKILL)
            else:
                self.proc.kill()
        except (ProcessLookupError, PermissionError, OSError):
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            pass
        # The pipes are left to the reader/writer threads, which end on EOF/EPIPE:
        # closing them here could block on a thread stuck in read() or write().

    def death_message(self, memory_mb):
        """Human description of how the worker died."""
        try:
            rc = self.proc.wait(timeout=2)
        except subprocess.TimeoutExpired:
            return "the worker stopped answering", None
        sig = -rc if rc < 0 else (rc - 128 if self.bwrap and rc > 128 else 0)
        if sig:
            try:
                name = signal.Signals(sig).name
            except ValueError:
                name = f"signal {sig}"
            hint = {
                "SIGKILL": f"most likely the memory limit ({memory_mb} MB) was exceeded, "
                           "or the code killed its own process",
                "SIGSEGV": "a segmentation fault, e.g. from very deep recursion",
                "SIGXCPU": "the CPU time limit was exceeded",
                "SIGABRT": "the process aborted",
            }.get(name, "the code's process was killed")
            return f"the worker process was killed by {name}: {hint}", rc
        if rc == 0:
            return "the worker process exited unexpectedly (exit code 0)", rc
        return f"the worker process exited with code {rc}: the code ended it, e.g. called os._exit({rc})", rc


# --------------------------------------------------------------- the box

class Box:
    """A sandboxed worker process holding one submission; see the module docstring."""

    def __init__(self, submission, limits=None, mode=None):
        self.limits = limits or Limits()
        self.mode = _choose_mode(mode)
        self.submission = Path(submission)
        self._tmp = tempfile.mkdtemp(prefix="autograder-box-")
        self._worker = None
        self._gen = 0                 # worker generation; WorkerFunctions of older ones are stale
        self._import_error = None
        self.import_stdout = ""
        self._used = 0.0              # wall seconds spent so far (starts + calls)
        self._depth = 0               # > 0 while a call is in progress
        self._deadline = None
        self._deadline_why = ""
        self._ghandles = {}           # id -> grader callable, for the current top-level call
        self._next_id = 0
        self._closed = False
        self._live = [None]           # the current _Worker, for the finalizer
        self._finalizer = weakref.finalize(self, Box._cleanup, self._live, self._tmp)
        self._prepare_files()

    # -- public API

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.close()

    @property
    def import_error(self):
        """None, or why the submission could not be imported."""
        return self._import_error

    def start(self):
        """Start the worker now (otherwise the first call does)."""
        if self._worker is None and self._import_error is None and not self._closed:
            self._start()

    def close(self):
        """Kill the worker (and everything it started) and delete the box's files."""
        self._closed = True
        self._stop()
        self._finalizer()

    def call(self, target, *args, obj=None, seed=None, patches=None, timeout=None, **kwargs):
        """Call the submission's ``target`` ("func" or "Class.method") with plain data.

        ``obj``: {"init": args, "params": dict, "attrs": dict} builds a fresh
        instance for a method call. ``seed``: np.random.seed right before the
        call. ``patches``: {"name" or "Class.method": grader callable} replaced
        for this call only (a method patch is called as fn(self.params, *args)).
        ``timeout`` overrides ``limits.call_seconds``.
        """
        if self._depth:
            raise RuntimeError("Box.call cannot be nested inside a callback; call the handles instead")
        msg = {"op": "call", "target": target, "seed": seed}

        def encode_request():
            msg["args"] = self._enc(list(args))
            msg["kwargs"] = self._enc(kwargs)
            msg["obj"] = self._enc(obj) if obj is not None else None
            msg["patches"] = {name: self._register(fn, name) for name, fn in (patches or {}).items()}

        reply, stdout, seconds = self._top_level(encode_request, msg, timeout, f"the call to {target}")
        try:
            value, args_after = self._dec(reply.get("value")), self._dec(reply.get("args_after"))
            params_after = self._dec(reply.get("params_after"))
            if not isinstance(args_after, list) or len(args_after) != len(args):
                raise wire.WireError("bad args_after")
            for i in reply.get("args_same") or ():   # arrays the call did not change: not resent
                if type(i) is not int or not 0 <= i < len(args) or not isinstance(args[i], np.ndarray):
                    raise wire.WireError("bad args_same")
                args_after[i] = np.array(args[i], copy=True)
        except (wire.WireError, TypeError, AttributeError) as e:
            self._stop()
            raise BoxCrash(f"the worker sent a malformed reply ({e})", stdout) from None
        return Result(value, args_after, params_after, stdout, seconds)

    # -- files and processes

    def _prepare_files(self):
        """Private copies: the submission, the worker files, the capture file."""
        tmp = Path(self._tmp)
        (tmp / "sub").mkdir()
        shutil.copyfile(self.submission, tmp / "sub" / "two_layer_net.py")
        os.chmod(tmp / "sub", 0o755)
        os.chmod(tmp / "sub" / "two_layer_net.py", 0o644)
        for module in STUDENT_MODULES:          # issue 9: `from mnist import load_mnist` works as at home
            if module.is_file():
                shutil.copyfile(module, tmp / "sub" / module.name)
                os.chmod(tmp / "sub" / module.name, 0o644)
        self._capture = tmp / "out.txt"
        self._capture.touch()
        os.chmod(self._capture, 0o666)        # the box user writes it; tmp itself is 0700
        if self.mode == "none":
            (tmp / "home").mkdir()
            for f in WORKER_FILES:
                shutil.copyfile(f, tmp / f.name)

    def _command(self):
        lim = self.limits
        rlimits = {"RLIMIT_AS": lim.memory_mb * 2**20, "RLIMIT_NPROC": lim.max_procs,
                   "RLIMIT_CPU": int(lim.total_seconds) + 10, "RLIMIT_FSIZE": lim.file_mb * 2**20,
                   "RLIMIT_CORE": 0}
        tmp = Path(self._tmp)
        if self.mode == "bwrap":
            font_cache = _probe()[2]
            binds = [(str(tmp / "sub"), "/box/sub", False), (str(self._capture), "/box/out.txt", True)]
            binds += [(str(f), f"/box/{f.name}", False) for f in WORKER_FILES]
            if font_cache:
                binds.append((font_cache, "/tmp/" + os.path.basename(font_cache), False))
            cfg = {"sub": "/box/sub/two_layer_net.py", "capture": "/box/out.txt", "rlimits": rlimits,
                   "keep_bytes": 4 * lim.stdout_chars,
                   "uid": BOX_UID_BASE + os.getpid() if os.geteuid() == 0 else None}
            cmd = _bwrap_args(binds, lim.tmp_mb) + [_python(), "-S", "-B", "/box/worker.py"]
            env, cwd = _base_env(), self._tmp
        else:
            home = str(tmp / "home")
            rlimits["RLIMIT_NPROC"] = _fallback_nproc(lim.max_procs)
            cfg = {"sub": str(tmp / "sub" / "two_layer_net.py"), "capture": str(self._capture),
                   "rlimits": rlimits, "uid": None, "keep_bytes": 4 * lim.stdout_chars,
                   "pdeathsig": sys.platform.startswith("linux"), "ppid": os.getpid()}
            cmd = [sys.executable, "-S", "-B", str(tmp / "worker.py")]
            env = dict(_base_env(), HOME=home, MPLCONFIGDIR=home, TMPDIR=home, TEMP=home, TMP=home,
                       PYTHONPATH=os.pathsep.join(_site_dirs()))
            if os.name != "posix":
                env["PATH"] = os.environ.get("PATH", "")
                env["SYSTEMROOT"] = os.environ.get("SYSTEMROOT", "")
            cwd = home
        return cmd + [json.dumps(cfg)], env, cwd

    def _start(self):
        """Start a worker and import the submission (sets import_error on failure)."""
        cmd, env, cwd = self._command()
        self._truncate_capture()
        t0 = time.monotonic()
        self._gen += 1
        self._worker = w = _Worker(cmd, env, cwd, os.path.join(self._tmp, "stderr.txt"),
                                   self.mode == "bwrap")
        self._live[0] = w
        try:
            kind, msg = w.recv(t0 + min(STARTUP_SECONDS, self._remaining()))
            if kind != "msg" or msg.get("op") != "hello":
                err = Path(w.stderr_path).read_text("utf-8", "replace").strip()[-2000:]
                self._stop()
                if kind == "timeout" and self._remaining() <= 0:
                    raise BoxTimeout(self._total_message())
                raise BoxCrash(f"the sandbox worker could not start ({kind}): {err}")
            deadline = time.monotonic() + min(self.limits.call_seconds, self._remaining())
            kind, msg = w.recv(deadline)
            self.import_stdout = self._read_capture()
            if kind == "msg" and msg.get("op") == "ready":
                error = msg.get("import_error")
                self._import_error = None if error is None else str(error)
            elif kind == "timeout":
                self._import_error = (f"importing two_layer_net.py did not finish within "
                                      f"{deadline - t0:.1f} s (an infinite loop or long computation at "
                                      f"module level?)")
            elif kind == "msg":
                self._import_error = "the worker broke the protocol while importing"
            else:
                self._import_error = (f"the worker died while importing two_layer_net.py: "
                                      f"{w.death_message(self.limits.memory_mb)[0]}")
            if self._import_error is not None:
                self._stop()
        finally:
            self._used += time.monotonic() - t0

    def _stop(self):
        w, self._worker, self._live[0] = self._worker, None, None
        if w is not None:
            w.kill()

    @staticmethod
    def _cleanup(live, tmp):
        if live[0] is not None:
            live[0].kill()
            live[0] = None
        shutil.rmtree(tmp, ignore_errors=True)

    def _truncate_capture(self):
        try:
            os.truncate(self._capture, 0)
        except OSError:
            pass

    def _read_capture(self):
        """The end of what the worker printed since the last truncation."""
        n = self.limits.stdout_chars
        try:
            with open(self._capture, "rb") as f:
                size = f.seek(0, 2)
                f.seek(max(0, size - n))
                data = f.read(n)
        except OSError:
            return ""
        text = data.decode("utf-8", "replace")
        return ("[... earlier output cut ...]\n" + text) if size > n else text

    # -- time

    def _remaining(self):
        return self.limits.total_seconds - self._used

    def _total_message(self):
        return f"the total time limit of {self.limits.total_seconds:g} s for this submission is used up"

    # -- encoding with handles

    def _register(self, fn, name=None):
        if isinstance(fn, WorkerFunction):
            return self._enc(fn)
        if not callable(fn):
            raise TypeError(f"{name or 'patch'} is not callable")
        self._next_id += 1
        self._ghandles[self._next_id] = fn
        return {"$": "fn", "side": "g", "id": self._next_id,
                "name": str(name or getattr(fn, "__name__", type(fn).__name__))}

    def _on_callable(self, x):
        if isinstance(x, WorkerFunction):
            if x._box is not self or x._gen != self._gen or self._worker is None:
                raise ValueError(f"{x!r} belongs to a worker that is gone")
            return {"$": "fn", "side": "w", "id": x._hid, "name": x.__name__}
        return self._register(x)

    def _on_handle(self, d):
        if d.get("side") == "w":
            return WorkerFunction(self, self._gen, d["id"], str(d.get("name", "function")))
        fn = self._ghandles.get(d.get("id"))
        return fn if fn is not None else Opaque("function", "<expired grader function>")

    def _enc(self, x):
        return wire.encode(x, self._on_callable, strict=True)

    def _dec(self, x):
        return wire.decode(x, self._on_handle)

    # -- the conversation

    def _top_level(self, encode_request, msg, timeout, what):
        """Send one top-level request and serve callbacks until its reply.

        Returns (reply, stdout, seconds); raises StudentError, BoxTimeout,
        BoxCrash or ImportFailed.
        """
        if self._closed:
            raise RuntimeError("this Box is closed")
        if self._import_error is not None:
            raise ImportFailed(self._import_error)
        if self._remaining() <= 0:
            raise BoxTimeout(self._total_message())
        if self._worker is not None and self._worker.proc.poll() is not None:
            self._stop()                    # died between calls (e.g. a timer signal): not this call's fault
        if self._worker is None:
            self._start()
            if self._import_error is not None:
                raise ImportFailed(self._import_error)
        self._ghandles = {}
        encode_request()
        limit = self.limits.call_seconds if timeout is None else timeout
        t0 = time.monotonic()
        self._deadline = t0 + min(limit, self._remaining())
        self._deadline_why = (f"{what} did not finish within {limit:g} s (an infinite loop?)"
                              if limit <= self._remaining() else self._total_message())
        self._truncate_capture()
        self._depth = 1
        try:
            try:
                reply = self._roundtrip(msg)
            except (BoxTimeout, BoxCrash):
                raise                       # the worker is already stopped
            except BaseException:
                self._stop()                # e.g. KeyboardInterrupt: the conversation is out of step
                raise
            stdout = self._read_capture()
            if reply["op"] == "raise":
                raise StudentError(str(reply.get("kind")), str(reply.get("message")),
                                   str(reply.get("traceback") or ""), stdout)
            return reply, stdout, time.monotonic() - t0
        finally:
            self._depth = 0
            self._used += time.monotonic() - t0
            self._ghandles = {}

    def _roundtrip(self, msg):
        """Send ``msg``; answer the worker's callbacks until its return/raise arrives."""
        self._worker.send(msg)
        while True:
            kind, reply = self._worker.recv(self._deadline)
            if kind == "timeout":
                stdout = self._read_capture()
                self._stop()
                raise BoxTimeout(self._deadline_why, stdout)
            if kind != "msg":
                stdout = self._read_capture()
                w = self._worker
                text, rc = w.death_message(self.limits.memory_mb) if kind == "eof" else \
                    (f"the worker broke the protocol: {reply}", None)
                self._stop()
                raise BoxCrash(text, stdout, rc)
            op = reply.get("op")
            if op in ("return", "raise"):
                return reply
            if op == "invoke":
                self._serve_invoke(reply)
            else:
                self._stop()
                raise BoxCrash(f"the worker broke the protocol (op {op!r})", self._read_capture())

    def _serve_invoke(self, msg):
        """Run the grader function the worker asked for and send back its result."""
        try:
            fn = self._ghandles.get(msg.get("id"))
            if fn is None:
                raise LookupError("this grader-supplied function is no longer available "
                                  "(it was only valid during the call it was passed to)")
            args, kwargs = self._dec(msg.get("args")), self._dec(msg.get("kwargs"))
            if not isinstance(args, list) or not isinstance(kwargs, dict):
                raise TypeError("malformed callback arguments")
            if _elements([args, kwargs]) > CALLBACK_ELEMENTS:
                raise ValueError(f"arguments of more than {CALLBACK_ELEMENTS} numbers: grader functions "
                                 "run in the grader, so they only take inputs of a check's size")
            reply = {"op": "return", "value": self._enc(fn(*args, **kwargs))}
        except (BoxTimeout, BoxCrash, ImportFailed):
            raise                               # the worker is gone: end the whole call
        except StudentError as e:               # raised by student code this function called back
            reply = {"op": "raise", "kind": e.kind, "message": e.message, "student": True}
        except Exception as e:
            log.debug("grader callback raised", exc_info=True)
            reply = {"op": "raise", "kind": type(e).__name__, "message": str(e)[:2000]}
        if self._worker is None:
            raise BoxCrash("the worker is gone")
        self._worker.send(reply)

    def _invoke_worker(self, fn, args, kwargs):
        """Call a WorkerFunction: nested inside a call, or as a top-level request."""
        if fn._box is not self or fn._gen != self._gen or self._worker is None:
            raise BoxCrash(f"{fn!r} belongs to a worker that was restarted or closed")
        msg = {"op": "invoke", "id": fn._hid}
        if self._depth:
            msg["args"], msg["kwargs"] = self._enc(list(args)), self._enc(kwargs)
            reply = self._roundtrip(msg)
            if reply["op"] == "raise":
                raise StudentError(str(reply.get("kind")), str(reply.get("message")),
                                   str(reply.get("traceback") or ""))
            return self._dec(reply.get("value"))

        def encode_request():
            msg["args"], msg["kwargs"] = self._enc(list(args)), self._enc(kwargs)

        reply, _, _ = self._top_level(encode_request, msg, None, f"the call to {fn.__name__}")
        return self._dec(reply.get("value"))
