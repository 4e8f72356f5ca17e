"""The worker: runs INSIDE the box, alone with one submission.

Started by ``autograder.sandbox`` as ``python -S -B worker.py CONFIG_JSON``
with ``calling.py``, ``wire.py`` and ``confine.py`` beside it. Standard library, numpy and
(landlock mode) the Landlock and seccomp bindings only; it imports
nothing from the project and holds no reference code or expected values.

Life of a worker:

1. keep the protocol pipes (fds 0/1) on private duplicates, point fd 0 at
   /dev/null and fds 1/2 at the capture file, so nothing the student prints
   can reach the protocol;
2. lower resource limits and close the box (``confine.py``): drop root, and in
   landlock mode Landlock and seccomp, in uid mode seccomp;
3. import numpy, say ``hello``; import the submission as ``two_layer_net``
   (so its ``__main__`` block does not run), say ``ready``;
4. serve requests until the pipe closes: ``call`` (a submission function or
   method, with the call contract of ``calling.py``), ``invoke`` (a worker-side callable the grader holds a handle to).
   A thread of its own reads them (``lifeline``) and ends the worker as soon as the
   pipe closes, even in the middle of student code: no worker outlives its grader.
   While student code runs it may call grader functions through proxies;
   each such call is a nested request/reply on the same pipe.
"""
from __future__ import annotations

import builtins
import hashlib
import importlib.util
import io
import json
import os
import queue
import sys
import threading
import traceback

TYPE_CHECKING = False   # no `typing` import at run time: this file runs in the box (python -S)
if TYPE_CHECKING:
    from typing import Any

CFG = json.loads(sys.argv[1])
SUB = CFG["sub"]                 # path of the submission inside the box
MAIN_PID = os.getpid()
MAIN_THREAD = threading.get_ident()
_read, _write, _real_exit = os.read, os.write, os._exit


# ------------------------------------------------------------------ setup

def _setup_fds():
    """Protocol on private fds; stdin from /dev/null; stdout/stderr to the capture file."""
    pin, pout, err = os.dup(0), os.dup(1), os.dup(2)   # os.dup fds are not inherited by exec
    null = os.open(os.devnull, os.O_RDONLY)
    cap = os.open(CFG["capture"], os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o600)
    return pin, pout, err, null, cap


PIN, POUT, ERR_FD, NULL_FD, CAP_FD = _setup_fds()   # ERR_FD: the grader's log, until the box is closed


class _Capture(io.RawIOBase):
    """sys.stdout/sys.stderr: write to fd 1/2, keeping the capture file small.

    Past ``4 * keep`` bytes the file is cut down to its last ``keep`` bytes,
    so a chatty training loop never hits RLIMIT_FSIZE through print().
    """

    def __init__(self, fd):
        super().__init__()
        self.fd = fd

    def writable(self):
        return True

    def write(self, b):
        keep = CFG.get("keep_bytes", 65536)
        try:
            size = os.fstat(CAP_FD).st_size
            if size > 4 * keep and hasattr(os, "pread"):
                tail = os.pread(CAP_FD, keep, size - keep)
                os.ftruncate(CAP_FD, 0)
                _write(CAP_FD, b"[... earlier output cut ...]\n" + tail)
        except OSError:
            pass
        return _write(self.fd, b)


def reset_stdio() -> None:
    """Re-point fds 0/1/2 and sys.std* (student code may have replaced or closed them)."""
    os.dup2(NULL_FD, 0)
    os.dup2(CAP_FD, 1)
    os.dup2(CAP_FD, 2)
    sys.stdin = io.TextIOWrapper(io.FileIO(0, "r", closefd=False))
    sys.stdout, sys.stderr = (
        io.TextIOWrapper(io.BufferedWriter(_Capture(fd)), encoding="utf-8",
                         errors="backslashreplace", line_buffering=True) for fd in (1, 2))


def flush_stdio() -> None:
    for f in (sys.stdout, sys.stderr):
        try:
            f.flush()
        except BaseException:
            pass


reset_stdio()


def _limit_and_confine():
    """Lower rlimits, then close the box around this process (see ``confine.py``).

    ``confine`` (landlock mode: uid, Landlock, seccomp; uid mode: uid, seccomp). ``uid`` (bwrap mode, as root):
    the unprivileged uid. ``ppid`` (none mode): die with the grader. A box that
    cannot be closed ends the worker (exit 72) before any student code runs.
    """
    import signal
    if hasattr(signal, "SIGXFSZ"):
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)   # oversize writes fail with EFBIG instead
    try:                                   # out of memory anyway: the kernel kills the worker first
        with open("/proc/self/oom_score_adj", "w") as f:
            f.write("1000")
    except OSError:
        pass
    try:
        import resource
    except ImportError:                                  # Windows
        resource = None
    if resource is not None:
        for name, value in CFG["rlimits"].items():
            res = getattr(resource, name, None)
            if res is not None and value is not None:
                try:
                    resource.setrlimit(res, (value, value))
                except (ValueError, OSError):
                    pass                                 # e.g. RLIMIT_AS unsupported on macOS
    if not (CFG.get("confine") or CFG.get("uid") is not None or CFG.get("ppid")):
        os.close(ERR_FD)
        return
    import confine                                       # confine.py sits next to this file
    try:
        if CFG.get("confine"):
            confine.confine(CFG["confine"])
        elif CFG.get("uid") is not None and os.getuid() == 0:
            confine.drop_uid(CFG["uid"])
        elif CFG.get("ppid"):
            confine.die_with_parent(CFG["ppid"])
    except confine.ConfineError as e:
        os.write(ERR_FD, f"the box could not be closed: {e}\n".encode())
        _real_exit(72)
    os.close(ERR_FD)


_limit_and_confine()

import numpy as np   # noqa: E402  (after the limits on purpose)
import calling       # noqa: E402  (calling.py and wire.py sit next to this file)
import wire          # noqa: E402


# ------------------------------------------------------------ protocol I/O

INBOX = queue.Queue()     # the grader's messages, read by the lifeline thread


def lifeline() -> None:
    """Read the grader's messages into INBOX, in a thread of their own; when the pipe
    reaches its end (the grader is gone: closed, crashed, killed with -9, its IDE's stop
    button) end the worker at once, even while student code runs. An endless loop then
    stops within moments on every system: on Windows and macOS nothing else ties the
    worker's life to the grader's (``confine.die_with_parent`` is Linux only)."""
    try:
        while True:
            n = wire.body_length(_read_exact(4))
            INBOX.put(wire.parse(_read_exact(n)))
    except BaseException:        # EOFError, OSError, WireError, MemoryError: the grader is gone or broken
        _real_exit(0)


def recv() -> dict[str, Any]:
    """Next message from the grader (the lifeline ends the worker when there is none to come)."""
    return INBOX.get()


def _read_exact(n):
    chunks, got = [], 0
    while got < n:
        b = _read(PIN, min(n - got, 1 << 20))
        if not b:
            raise EOFError
        chunks.append(b)
        got += len(b)
    return b"".join(chunks)


def send_bytes(data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[_write(POUT, view):]


def send(msg: dict[str, Any]) -> None:
    send_bytes(wire.frame(msg))


# --------------------------------------------------------------- handles

HANDLES = {}          # id -> worker-side callable the grader holds a handle to


class CallbackError(Exception):
    """A grader-supplied function raised; re-raised here in the student's code."""

    def __init__(self, kind: str, message: str, name: str, from_student: bool) -> None:
        self.kind = kind
        self.name = name
        if from_student:
            text = message
        else:
            text = f"{kind} in the grader-supplied function {name} (called from your code): {message}"
        super().__init__(text)


class GraderFunction:
    """Proxy for a grader-side callable: calling it is an RPC back to the grader."""

    def __init__(self, hid: int, name: str) -> None:
        self._hid, self.__name__ = hid, name
        self.__qualname__ = name

    def __repr__(self):
        return f"<grader function {self.__name__}>"

    def __call__(self, *args, **kwargs):
        if os.getpid() != MAIN_PID or threading.get_ident() != MAIN_THREAD:
            raise RuntimeError("grader-supplied functions can only be called from the main thread")
        send({"op": "invoke", "id": self._hid,
              "args": enc(list(args)), "kwargs": enc(kwargs)})
        reply = serve(until_reply=True)
        if reply["op"] == "return":
            return dec(reply["value"])
        raise CallbackError(reply.get("kind", "Error"), reply.get("message", ""),
                            self.__name__, reply.get("student", False))


def _on_callable(x):
    if isinstance(x, GraderFunction):
        return {"$": "fn", "side": "g", "id": x._hid, "name": x.__name__}
    hid = len(HANDLES) + 1
    HANDLES[hid] = x
    return {"$": "fn", "side": "w", "id": hid, "name": str(getattr(x, "__name__", type(x).__name__))}


def _on_handle(d):
    if d["side"] == "g":
        return GraderFunction(d["id"], str(d.get("name", "function")))
    if d["side"] == "w" and d["id"] in HANDLES:
        return HANDLES[d["id"]]
    raise wire.WireError("unknown handle")


def enc(x: object) -> Any:
    return wire.encode(x, _on_callable)


def dec(x: Any) -> Any:
    return wire.decode(x, _on_handle)


# -------------------------------------------------- exits and error replies

class ExitCalled(BaseException):
    """Raised by our stand-ins for os._exit, os.abort, exit() and quit()."""


def _exit_standin(label):
    def stand_in(*args):
        if os.getpid() != MAIN_PID:          # a forked child: let it really go
            _real_exit(int(args[0]) if args and isinstance(args[0], int) else 0)
        shown = ", ".join(repr(a) for a in args)
        raise ExitCalled(f"{label}({shown}) was called")
    stand_in.__name__ = label.rsplit(".", 1)[-1]
    return stand_in


os._exit = _exit_standin("os._exit")
os.abort = _exit_standin("os.abort")
builtins.exit = _exit_standin("exit")
builtins.quit = _exit_standin("quit")


def _student_frames(tb, limit=5):
    """A few traceback lines from the submission's own frames."""
    frames = [f for f in traceback.extract_tb(tb) if f.filename == SUB]
    lines = traceback.format_list(frames[-limit:])
    return "".join(lines).replace(SUB, "two_layer_net.py").rstrip()


def error_reply(e: BaseException) -> dict[str, Any]:
    """Describe an exception that escaped student code as a "raise" reply."""
    if isinstance(e, SystemExit):
        kind, message = "SystemExit", f"sys.exit({', '.join(repr(a) for a in e.args)}) was called"
    elif isinstance(e, ExitCalled):
        kind, message = "SystemExit", str(e.args[0])
    elif isinstance(e, CallbackError):
        kind, message = e.kind, str(e)
    else:
        kind = type(e).__name__
        try:
            message = str(e)
        except BaseException:
            message = "<unprintable exception>"
    return {"op": "raise", "kind": kind, "message": message[:4000],
            "traceback": _student_frames(e.__traceback__)}


def _framed_or_error(build):
    """Run ``build()`` (student code), then the encoder it returns; frame the reply.

    Never raises: student exceptions become "raise" replies, and so do
    results that cannot be encoded or are too large.
    """
    try:
        encode_reply = build()
        reply = None
    except BaseException as e:           # SystemExit, KeyboardInterrupt, GeneratorExit too
        if os.getpid() != MAIN_PID:
            _real_exit(0)                # a forked child must never answer the grader
        reply = error_reply(e)
    flush_stdio()
    try:
        return wire.frame(reply if reply is not None else encode_reply())
    except BaseException as e:           # a hostile object, a huge result...
        if os.getpid() != MAIN_PID:
            _real_exit(0)
        if isinstance(e, (MemoryError, wire.WireError)):
            kind, text = "ResultTooLarge", f"the result is too large to send back to the grader ({str(e) or 'out of memory'})"
        else:
            kind, text = "ResultError", f"could not send the result back to the grader: {type(e).__name__}: {e}"
        return wire.frame({"op": "raise", "kind": kind, "message": text[:4000], "traceback": ""})


def _digest(a):
    """Fingerprint of an array argument, to tell whether the call changed it."""
    return a.dtype.str, a.shape, hashlib.blake2b(np.ascontiguousarray(a)).digest()


# ------------------------------------------------------------- requests

MODULE = None


def handle_call(msg: dict[str, Any]) -> bytes:
    """Call ``msg["target"]`` with the call contract of ``calling.py``."""
    saved = []

    def build():
        reset_stdio()
        obj_spec = dec(msg["obj"]) if msg.get("obj") is not None else None
        args, kwargs = dec(msg["args"]), dec(msg["kwargs"])
        func, obj = calling.target_function(MODULE, msg["target"], obj_spec, msg.get("seed"), _child_exits)
        saved.extend(calling.apply_patches(MODULE, {k: dec(v) for k, v in (msg.get("patches") or {}).items()}))
        calling.seed_all(msg.get("seed"))
        before = [_digest(a) if isinstance(a, np.ndarray) else None for a in args]
        value = func(*args, **kwargs)

        def encode_reply():
            # Array args the call left untouched are not sent back: the grader has them.
            same = [i for i, a in enumerate(args)
                    if before[i] is not None and isinstance(a, np.ndarray) and _digest(a) == before[i]]
            after = [None if i in same else a for i, a in enumerate(args)]
            return {"op": "return", "value": enc(value), "args_after": enc(after), "args_same": same,
                    "params_after": enc(getattr(obj, "params", None)) if obj is not None else None}
        return encode_reply

    try:
        return _framed_or_error(build)
    finally:
        calling.restore(saved)


def _child_exits():
    """A forked child whose ``__init__`` raised must never answer the grader."""
    if os.getpid() != MAIN_PID:
        _real_exit(0)


def handle_invoke(msg: dict[str, Any]) -> bytes:
    """Call a worker-side callable the grader holds a handle to."""
    def build():
        fn = HANDLES.get(msg["id"])
        if fn is None:
            raise LookupError("unknown function handle")
        value = fn(*dec(msg["args"]), **dec(msg["kwargs"]))
        return lambda: {"op": "return", "value": enc(value)}
    return _framed_or_error(build)


def serve(until_reply: bool = False) -> dict[str, Any]:
    """Answer requests; with ``until_reply``, return the grader's reply to our own invoke."""
    while True:
        msg = recv()
        op = msg.get("op")
        if op == "call":
            send_bytes(handle_call(msg))
        elif op == "invoke":
            send_bytes(handle_invoke(msg))
        elif until_reply and op in ("return", "raise"):
            return msg
        else:
            _real_exit(0 if op == "exit" else 70)


# ------------------------------------------------------------------ main

def import_submission() -> str | None:
    """Import the submission as module ``two_layer_net``; return an error text or None."""
    global MODULE
    sys.argv = [SUB]
    sys.path.insert(0, os.path.dirname(SUB))
    try:
        spec = importlib.util.spec_from_file_location("two_layer_net", SUB)
        module = importlib.util.module_from_spec(spec)
        sys.modules["two_layer_net"] = module
        spec.loader.exec_module(module)
    except SyntaxError as e:              # includes IndentationError, TabError
        text = "".join(traceback.format_exception_only(type(e), e))
        return text.replace(SUB, "two_layer_net.py").rstrip()
    except BaseException as e:
        if os.getpid() != MAIN_PID:
            _real_exit(0)
        r = error_reply(e)
        where = f"\n{r['traceback']}" if r["traceback"] else ""
        return f"{r['kind']}: {r['message']} (while importing two_layer_net.py){where}"
    finally:
        flush_stdio()
    MODULE = module
    return None


def main() -> None:
    threading.Thread(target=lifeline, name="lifeline", daemon=True).start()
    send({"op": "hello", "pid": os.getpid(), "uid": os.getuid() if hasattr(os, "getuid") else None})
    error = import_submission()
    send({"op": "ready", "import_error": error})
    if error is None:
        serve()
    _real_exit(0)


if __name__ == "__main__":
    main()
