"""Which box to use: the choice among the modes (what they share is ``shared.py``).

``AUTOGRADER_SANDBOX`` (or ``Box(mode=...)``) picks the isolation:

- ``auto`` (the default): ``bwrap`` where bubblewrap works, else ``landlock``
  where the kernel and packages allow it, else ``uid`` as root, else
  :class:`NoBox`: nothing is graded.
- ``bwrap``: namespaces (``bwrap.py``); the strongest, needs user namespaces or root
  with CAP_SYS_ADMIN.
- ``landlock``: Landlock + seccomp + a uid of its own, no namespaces (``landlock.py``);
  works in Docker (Gradescope) and where user namespaces are off.
- ``uid``: root only: a fresh uid + seccomp, file permissions instead of Landlock
  (``uid.py``); works on any Linux with seccomp, e.g. Gradescope's 4.14 kernels.
- ``none``: no isolation, only when asked for by name, with a warning (``none.py``).

Each mode module has ``NAME``, ``status() -> (usable, reason)`` (cached; its first
call runs a trusted probe in that box) and ``launch(files, limits, cfg) -> Launch``.

This module imports the mode modules; they import only ``shared.py``, never this.
"""
from __future__ import annotations

import os
import warnings
from typing import TYPE_CHECKING

from .shared import NoBox

if TYPE_CHECKING:
    from types import ModuleType

__all__ = ["MODES", "CONFINING", "NoBox", "choose", "status_report"]

MODES = ("auto", "bwrap", "landlock", "uid", "none")
CONFINING = ("bwrap", "landlock", "uid")     # what auto tries, in this order


def _module(name):
    from . import bwrap, landlock, none, uid
    return {"bwrap": bwrap, "landlock": landlock, "uid": uid, "none": none}[name]


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
    for name in (CONFINING if asked == "auto" else (asked,)):
        ok, why = _module(name).status()
        if ok:
            return _module(name)
        tried.append(f"{name}: {why}")
    raise NoBox("no sandbox can confine student code here, so nothing was graded ("
                + "; ".join(tried) + "). Fix: install bubblewrap with working user namespaces "
                "(apt-get install bubblewrap), or use Linux 5.13+ with Landlock and "
                "`pip install landlockpy pyseccomp` (libseccomp2), or run the grader as root with "
                "pyseccomp and a Python outside the grader's folder (the uid box); or, only for code "
                "you trust, set AUTOGRADER_SANDBOX=none.")


def status_report(names: tuple[str, ...] = ("bwrap", "landlock")) -> dict[str, tuple[bool, str]]:
    """{mode: (usable, reason)} for ``names`` (for messages and benchmarks). The uid box
    is asked only when named: its first status guards the grader's files (``uid.py``)."""
    return {name: _module(name).status() for name in names}


_warned = set()


def _warn_once(text):
    if text not in _warned:
        _warned.add(text)
        warnings.warn(text, RuntimeWarning, stacklevel=4)
