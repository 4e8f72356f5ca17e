"""The sandbox: student code runs only in a confined worker process, never in the grader.

- ``box.py``: :class:`Box`, the grader's handle on one submission's worker
  (calls with plain data, callbacks, limits, restarts).
- ``modes.py``: which box this machine allows (``AUTOGRADER_SANDBOX``: auto, bwrap,
  landlock, none) and what the modes share; one module per mode: ``bwrap.py``,
  ``landlock.py``, ``none.py``.
- ``process.py``: one worker process and its pipes.
- Inside the box: ``worker.py`` (serves calls), ``calling.py`` (the call contract,
  shared with the in-process runner), ``wire.py`` (the plain-data protocol, shared with
  the grader), ``confine.py`` (Landlock, seccomp, uid).

The student's own check uses the same box in ``none`` mode (``checks/local.py``).
"""
from ..checks.errors import BoxCrash, BoxError, BoxTimeout, ImportFailed, StudentError
from .box import Box, Limits, Result, WorkerFunction
from .modes import BOX_UID_BASE, MODES, NoBox, choose, status_report
from .wire import Opaque

__all__ = ["Box", "Limits", "Result", "WorkerFunction", "Opaque", "NoBox", "MODES", "BOX_UID_BASE",
           "choose", "status_report", "BoxCrash", "BoxError", "BoxTimeout", "ImportFailed", "StudentError"]
