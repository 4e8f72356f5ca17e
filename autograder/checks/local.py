"""Where the checks reach the submission, besides the grader's sandboxed box.

- :func:`student_box`: the student's own check (``check.py``, ``python -m pytest``
  in the student folder). The grader's :class:`~autograder.sandbox.Box` in a plain
  child process (the student trusts their own code, so nothing is confined), with
  the grader's intake and the grader's time limits: an endless loop costs one check.
- :class:`InProcessSubmission`: the submission imported in this process, for the
  otter-grader autograder (which runs it in-process itself) and the project's tests.

Both call the submission with the one call contract, ``sandbox/calling.py``.
"""
from __future__ import annotations

import contextlib
import copy
import io
import signal
import threading
import traceback
import types
import warnings
from pathlib import Path
from types import SimpleNamespace
from typing import TYPE_CHECKING

from ..intake import decode
from ..sandbox import Box, Limits, calling
from .errors import BoxTimeout, ImportFailed, StudentError
from .program import graded_source
from .stand_ins import StandIns
from .support import load_known

if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any


def student_box(source: str, limits: Limits | None = None) -> Box:
    """A :class:`Box` (unstarted) holding ``source`` (``read_student_file``'s graded
    text), with ``limits`` (default: course.toml's, from the known values)."""
    limits = limits or Limits(**{key.split(".", 1)[1]: value for key, value in load_known().items()
                                 if key.startswith("limits.")})
    with warnings.catch_warnings():              # "none" warns graders; here it is the point
        warnings.simplefilter("ignore", RuntimeWarning)
        return Box(limits=limits, mode="none", source=source)


class InProcessSubmission:
    """The student's ``two_layer_net.py``, imported here (once, lazily): the same
    part of it as the grader imports (``program.graded_source``)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path).resolve()
        self._module = None

    def _load(self):
        if self._module is None:
            if not self.path.is_file():
                raise ImportFailed(f"{self.path} not found / 找不到文件")
            module = types.ModuleType("two_layer_net")
            module.__file__ = str(self.path)
            try:
                code = compile(graded_source(decode(self.path.read_bytes(), self.path.name)), str(self.path), "exec")
                with contextlib.redirect_stdout(io.StringIO()):
                    exec(code, module.__dict__)
            except BaseException as error:  # SystemExit too: the file must import cleanly
                raise ImportFailed(f"{type(error).__name__}: {error}") from None
            self._module = module
        return self._module

    def call(self, target: str, *args: Any, obj: dict[str, Any] | None = None, seed: int | None = None,
             patches: dict[str, Callable[..., Any] | str] | None = None, timeout: float | None = None,
             **kwargs: Any) -> SimpleNamespace:
        """Call ``target`` on copies of the arguments, as ``Box.call`` does (a time limit only
        where ``timeout`` is given and this is the main thread of a POSIX process)."""
        module = self._load()
        args, kwargs, obj = copy.deepcopy(args), copy.deepcopy(kwargs), copy.deepcopy(obj)
        out, saved = io.StringIO(), []
        try:
            with contextlib.redirect_stdout(out), _deadline(timeout):
                fn, instance = calling.target_function(module, target, obj, seed)
                saved = calling.apply_patches(module, patches or {})
                calling.seed_all(seed)
                value = fn(*args, **kwargs)
        except _TimeUp:
            raise BoxTimeout(f"{target} took more than {timeout:g} s") from None
        except (Exception, SystemExit) as error:
            frames = [f for f in traceback.extract_tb(error.__traceback__)
                      if Path(f.filename).resolve() == self.path]
            raise StudentError(type(error).__name__, str(error),
                               "".join(traceback.format_list(frames[-3:])), out.getvalue()) from None
        finally:
            calling.restore(saved)
        return SimpleNamespace(value=value, args_after=list(args), stdout=out.getvalue(),
                               params_after=getattr(instance, "params", None))


class _TimeUp(BaseException):
    """The in-process call's time is up (not an Exception: student code must not catch it)."""


@contextlib.contextmanager
def _deadline(seconds: float | None):
    if not seconds or not hasattr(signal, "SIGALRM") or not hasattr(signal, "setitimer") \
            or threading.current_thread() is not threading.main_thread():
        yield
        return

    def ring(signum, frame):
        raise _TimeUp
    previous = signal.signal(signal.SIGALRM, ring)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


class CheckTarget:
    """A pytest plugin telling the checks what to check: ``submission`` (anything
    with ``call``), ``collaborators`` (the reference functions, grader only: they become
    ``stand_ins``, which decide per check which of them stand in) and the graded
    ``source`` (for argument names in feedback)."""

    def __init__(self, submission: Any, collaborators: dict[str, Callable[..., Any]] | None = None,
                 source: str = "") -> None:
        self.submission = submission
        self.stand_ins = StandIns(load_known()["functions"], collaborators)   # course.toml's order
        self.source = source
