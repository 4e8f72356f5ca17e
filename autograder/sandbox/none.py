"""The ``none`` "box": the worker as a plain subprocess with resource limits only.

Student code can read the grader's files, use the network and leave processes
behind. Used only when asked for by name (``AUTOGRADER_SANDBOX=none``), e.g. on
macOS or Windows for code you trust, or to show that a test of the other boxes
can fail.
"""
from __future__ import annotations

import json
import os
import sys
from typing import TYPE_CHECKING

from . import shared
from .shared import Launch

if TYPE_CHECKING:
    from typing import Any

    from .box import Limits
    from .shared import BoxFiles

NAME = "none"
PROTECTED = ("resource limits only: time, memory, processes, file size",)
NOT_PROTECTED = ("nothing is confined: student code reads every file, uses the network, signals "
                 "other processes and may leave processes behind",)


def status() -> tuple[bool, str]:
    return True, "no isolation"


def launch(files: BoxFiles, limits: Limits, cfg: dict[str, Any]) -> Launch:
    home = str(shared.fresh_home(files))
    cfg = dict(cfg, sub=str(files.sub), capture=str(files.capture),
               ppid=os.getpid() if sys.platform.startswith("linux") else None)
    env = dict(shared.base_env(), HOME=home, MPLCONFIGDIR=home, TMPDIR=home, TEMP=home, TMP=home,
               PYTHONPATH=os.pathsep.join(shared.site_dirs()))
    if os.name != "posix":
        env["PATH"] = os.environ.get("PATH", "")
        env["SYSTEMROOT"] = os.environ.get("SYSTEMROOT", "")
    return Launch([sys.executable, "-S", "-B", str(files.code / "worker.py"), json.dumps(cfg)], env, home)
