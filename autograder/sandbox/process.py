"""One worker process and the two threads that move protocol frames to and from it.

The grader side of the pipe: frames out through a writer thread (a worker that stops
reading can never block the grader), frames in through a reader thread into a queue
that :meth:`Worker.recv` reads with a deadline. ``kill`` ends the whole process group.
"""
from __future__ import annotations

import os
import queue
import signal
import subprocess
import threading
import time
from typing import TYPE_CHECKING

from . import shared, wire

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence
    from typing import Any


class Worker:
    """One worker process plus the threads that move frames to and from it."""

    def __init__(self, cmd: Sequence[str], env: dict[str, str], cwd: str, stderr_path: str, bwrap: bool,
                 watch: Callable[[], str | None] | None = None) -> None:
        """``watch``: called about every 0.25 s while waiting; a text it returns ends the
        wait as ("limit", text), e.g. when the worker fills its folder."""
        self.bwrap = bwrap
        self.watch = watch
        self.stderr_path = stderr_path
        with open(stderr_path, "wb") as err:
            self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                         stderr=err, env=env, cwd=cwd, **shared.popen_kwargs())
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

    def send(self, msg: dict[str, Any]) -> None:
        self.outbox.put(wire.frame(msg))

    def recv(self, deadline: float) -> tuple[str, Any]:
        """Next message, or ("timeout"|"eof"|"bad"|"limit", info)."""
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
                over = self.watch() if self.watch else None
                if over:
                    return "limit", over
                continue
            return kind, payload

    def kill(self) -> None:
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

    def death_message(self, memory_mb: int) -> tuple[str, int | None]:
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
