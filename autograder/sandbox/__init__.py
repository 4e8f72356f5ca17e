"""The sandbox: student code runs only in a confined worker process, never in the grader.

- ``box.py``: :class:`Box`, the grader's handle on one submission's worker
  (calls with plain data, callbacks, limits, restarts).
- ``modes.py``: which box this machine allows (``AUTOGRADER_SANDBOX``: auto, bwrap,
  landlock, uid, none); one module per mode: ``bwrap.py``, ``landlock.py``, ``uid.py``,
  ``none.py``, which build on ``shared.py`` (what the modes share) and never import
  ``modes.py``.
- ``machine.py``: the CPU share and memory this machine (container) really gives, and
  a box's limits fitted to them.
- ``process.py``: one worker process and its pipes.
- ``python -m autograder.sandbox`` (``__main__.py``): which box works here (setup.sh).
- Inside the box: ``worker.py`` (serves calls), ``calling.py`` (the call contract,
  shared with the in-process runner), ``wire.py`` (the plain-data protocol, shared with
  the grader), ``confine.py`` (Landlock, seccomp, uid).

The student's own check uses the same box in ``none`` mode (``checks/local.py``).
"""
from ..checks.errors import BoxCrash, BoxError, BoxTimeout, ImportFailed, StudentError
from .box import Box, Limits, Result, WorkerFunction, describe, fitted
from .modes import MODES, NoBox, choose, status_report
from .shared import BOX_UID_BASE
from .wire import Opaque

__all__ = ["Box", "Limits", "Result", "WorkerFunction", "Opaque", "NoBox", "MODES", "BOX_UID_BASE", "describe", "fitted",
           "choose", "status_report", "BoxCrash", "BoxError", "BoxTimeout", "ImportFailed", "StudentError"]
