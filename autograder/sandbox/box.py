"""The box: run an untrusted submission in a sandboxed worker process.

The grader never imports student code. A :class:`Box` starts ``worker.py`` in
a separate, confined process (the mode, ``modes.py``: bubblewrap, or Landlock +
seccomp, or a uid of its own + seccomp, or, only when asked for, nothing), and talks to it with plain data only
(see ``wire.py``)::

    with Box("two_layer_net.py", Limits(call_seconds=5)) as box:    # or Box(source=text)
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
"""
from __future__ import annotations

import contextlib
import functools
import logging
import os
import platform
import signal
import threading
import shutil
import time
import weakref
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from . import machine, modes, shared, wire
from .process import Worker
from ..checks.errors import BoxCrash, BoxError, BoxTimeout, ImportFailed, StudentError  # noqa: F401 (API)
from .wire import Opaque  # noqa: F401  (part of this module's API)

if TYPE_CHECKING:
    from types import ModuleType
    from typing import Any

log = logging.getLogger(__name__)

CALLBACK_ELEMENTS = 1_000_000   # the most numbers a student may hand a grader function (checks use ~1e3)
STARTUP_SECONDS = 30.0                                    # interpreter + numpy start, before student code


class _Overtime(BaseException):
    """Raised by the alarm in a grader function that ran past the call's deadline."""


@dataclass(frozen=True)
class Limits:
    """Resource limits for one submission's box. A Box fits them to the machine
    (``machine.py``: wall-clock limits grow below one CPU, memory shrinks to the container's)."""
    call_seconds: float = 5.0       # wall time of one call (default; box.call(timeout=) overrides)
    total_seconds: float = 60.0     # wall time of all calls and (re)starts together
    memory_mb: int = 1024           # address space of the worker (RLIMIT_AS)
    max_procs: int = 32             # processes/threads of the sandbox user (RLIMIT_NPROC)
    file_mb: int = 16               # largest file the worker may write, incl. captured output
    tmp_mb: int = 64                # disk space of the worker's folder (bwrap: its /tmp; landlock: watched)
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

    def __init__(self, box: Box, generation: int, hid: int, name: str) -> None:
        self._box, self._gen, self._hid, self.__name__ = box, generation, hid, name

    def __repr__(self):
        return f"<student function {self.__name__}>"

    def __call__(self, *args, **kwargs):
        return self._box._invoke_worker(self, args, kwargs)


def describe(mode: ModuleType, limits: Limits) -> dict[str, Any]:
    """What confines a box of ``mode`` (a mode module) with ``limits`` (as fitted), as plain
    data for the instructor (results.json's sandbox entry): the mode, how its probe
    described it, the kernel, the CPU share and limits, what it protects and does not."""
    return {"box": mode.NAME, "detail": mode.status()[1],
            "kernel": f"{platform.system()} {platform.release()}",
            "cpus": round(machine.cpu_share(), 2), "call_seconds": limits.call_seconds,
            "memory_mb": limits.memory_mb,
            "protected": list(mode.PROTECTED), "not_protected": list(mode.NOT_PROTECTED)}


def fitted(limits: Limits) -> Limits:
    """``limits`` as a Box on this machine applies them (``machine.py``)."""
    return machine.fit(limits, machine.time_scale())


# --------------------------------------------------------------- the box

class Box:
    """A sandboxed worker process holding one submission; see the module docstring."""

    def __init__(self, submission: str | Path | None = None, limits: Limits | None = None,
                 mode: str | None = None, *, source: str | None = None) -> None:
        """The submission: the file ``submission``, or the text ``source``.
        ``mode``: "auto", "bwrap", "landlock", "uid" or "none" (default: AUTOGRADER_SANDBOX, else
        auto); raises ``NoBox`` when no box can confine student code here."""
        self._scale = machine.time_scale()     # below one CPU, wall-clock limits grow (machine.py)
        self.limits = machine.fit(limits or Limits(), self._scale)
        self._mode = modes.choose(mode)
        self.mode = self._mode.NAME
        self._files = shared.new_box_files(submission, source)
        self._capture = self._files.capture
        self._worker = None
        self._gen = 0                 # worker generation; WorkerFunctions of older ones are stale
        self._import_error = None
        self._starting = False        # launched, hello/ready not yet read (start(wait=False))
        self._alarmed = False         # a grader callback runs under the deadline's SIGALRM
        self.import_stdout = ""
        self._used = 0.0              # wall seconds spent so far (starts + calls)
        self._depth = 0               # > 0 while a call is in progress
        self._deadline = None
        self._deadline_why = ""
        self._ghandles = {}           # id -> grader callable, for the current top-level call
        self._next_id = 0
        self._closed = False
        self._live = [None, None]     # the current Worker and its uid to sweep (uid box), for the finalizer
        self._finalizer = weakref.finalize(self, Box._cleanup, self._live, str(self._files.root))

    # -- public API

    def describe(self) -> dict[str, Any]:
        """What confines this box, as plain data (see :func:`describe`)."""
        return describe(self._mode, self.limits)

    def __enter__(self):
        self.start(wait=False)      # the worker starts up while the grader prepares the first call
        return self

    def __exit__(self, *exc):
        self.close()

    @property
    def import_error(self) -> str | None:
        """None, or why the submission could not be imported."""
        if self._starting:
            self._await_ready()
        return self._import_error

    def start(self, wait: bool = True) -> None:
        """Start the worker now (otherwise the first call does). With ``wait`` False, only
        launch it: it starts up while the grader does other work, until the first call."""
        if self._worker is None and self._import_error is None and not self._closed:
            self._spawn()
        if wait and self._starting:
            self._await_ready()

    def close(self) -> None:
        """Kill the worker (and everything it started) and delete the box's files."""
        self._closed = True
        self._stop()
        self._finalizer()

    def call(self, target: str, *args: Any, obj: dict[str, Any] | None = None, seed: int | None = None,
             patches: dict[str, Any] | None = None, timeout: float | None = None, **kwargs: Any) -> Result:
        """Call the submission's ``target`` ("func" or "Class.method") with plain data.

        ``obj``: {"init": args, "params": dict, "attrs": dict} builds a fresh
        instance for a method call. ``seed``: np.random.seed right before the
        call. ``patches``: {"name" or "Class.method": grader callable} replaced
        for this call only (a method patch is called as fn(self.params, *args));
        a ``{"source", "name"}`` dict is defined and run in the worker (``calling.compiled``).
        ``timeout`` overrides ``limits.call_seconds``.
        """
        if self._depth:
            raise RuntimeError("Box.call cannot be nested inside a callback; call the handles instead")
        msg = {"op": "call", "target": target, "seed": seed}

        def encode_request():
            msg["args"] = self._enc(list(args))
            msg["kwargs"] = self._enc(kwargs)
            msg["obj"] = self._enc(obj) if obj is not None else None
            msg["patches"] = {name: self._enc(fn) if isinstance(fn, dict) else self._register(fn, name)
                              for name, fn in (patches or {}).items()}     # dict: source, defined in the worker

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

    def _launch(self):
        lim = self.limits
        rlimits = {"RLIMIT_AS": lim.memory_mb * 2**20, "RLIMIT_NPROC": shared.nproc_limit(lim.max_procs),
                   "RLIMIT_CPU": int(lim.total_seconds) + 10, "RLIMIT_FSIZE": lim.file_mb * 2**20,
                   "RLIMIT_CORE": 0}
        cfg = {"rlimits": rlimits, "keep_bytes": 4 * lim.stdout_chars,
               "box": str(self._files.root)}       # names this box in the worker's command line
        return self._mode.launch(self._files, lim, cfg)

    def _spawn(self):
        """Launch a worker; it says hello, imports the submission and says ready."""
        launch = self._launch()
        self._truncate_capture()
        self._gen += 1
        watch = None
        if launch.home is not None:            # no size-limited /tmp of its own: watch its disk use
            watch = functools.partial(shared.overfull, launch.home, self.limits.tmp_mb, uid=launch.uid)
        self._worker = Worker(launch.cmd, launch.env, launch.cwd,
                              str(self._files.root / "stderr.txt"), self.mode == "bwrap", watch)
        self._live[:] = [self._worker, launch.uid]
        self._starting = True

    def _await_ready(self):
        """Wait for the launched worker's hello and ready (sets import_error on failure)."""
        w = self._worker
        self._starting = False
        # The interpreter's and numpy's start-up (until hello) is not the student's: it has
        # its own budget and does not count against the total, which bounds student code.
        kind, msg = w.recv(time.monotonic() + STARTUP_SECONDS * self._scale)
        if kind != "msg" or msg.get("op") != "hello":
            err = Path(w.stderr_path).read_text("utf-8", "replace").strip()[-2000:]
            self._stop()
            raise BoxCrash(f"the sandbox worker could not start ({kind}): {err}")
        t0 = time.monotonic()
        try:
            deadline = t0 + min(self.limits.call_seconds, self._remaining())
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
            elif kind == "limit":
                self._import_error = f"stopped while importing two_layer_net.py: {msg}"
            else:
                self._import_error = (f"the worker died while importing two_layer_net.py: "
                                      f"{w.death_message(self.limits.memory_mb)[0]}")
            if self._import_error is not None:
                self._stop()
        finally:
            self._used += time.monotonic() - t0     # the import: the time the grader waited for it

    def _stop(self):
        self._starting = False
        self._worker = None
        Box._end_worker(self._live)

    @staticmethod
    def _end_worker(live):
        """Kill the worker; in the uid box, also every process of its uid and its files
        in world-writable places (``shared.sweep``)."""
        worker, uid = live
        live[:] = [None, None]
        if worker is not None:
            worker.kill()
        if uid is not None:
            shared.sweep(uid)

    @staticmethod
    def _cleanup(live, tmp):
        Box._end_worker(live)
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
        if self._worker is not None and not self._starting and self._worker.proc.poll() is not None:
            self._stop()                    # died between calls (e.g. a timer signal): not this call's fault
        self.start()
        if self._import_error is not None:
            raise ImportFailed(self._import_error)
        self._ghandles = {}
        encode_request()
        limit = self.limits.call_seconds if timeout is None else timeout * self._scale
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
                    (f"the worker was stopped: {reply}", None) if kind == "limit" else \
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
            with self._alarm():
                value = fn(*args, **kwargs)
            reply = {"op": "return", "value": self._enc(value)}
        except _Overtime:                       # the grader function itself ran past the deadline
            stdout = self._read_capture()
            self._stop()
            raise BoxTimeout(self._deadline_why, stdout) from None
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

    @contextlib.contextmanager
    def _alarm(self):
        """Interrupt a grader function at the call's deadline: it runs here, in the grader,
        on inputs the student chose (a reference numerical gradient of a huge net, say).
        SIGALRM, so only on POSIX in the main thread; the outermost callback arms it."""
        if self._alarmed or not (hasattr(signal, "setitimer") and hasattr(signal, "SIGALRM")) \
                or threading.current_thread() is not threading.main_thread():
            yield
            return

        def ring(signum, frame):
            raise _Overtime()
        old = signal.signal(signal.SIGALRM, ring)
        self._alarmed = True
        try:
            signal.setitimer(signal.ITIMER_REAL, max(self._deadline - time.monotonic(), 0.001))
            yield
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, old)
            self._alarmed = False

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
