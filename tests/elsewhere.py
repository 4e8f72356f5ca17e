"""Run a Python program as if on Windows or macOS, on this Linux machine (issue 19).

    python tests/elsewhere.py windows SCRIPT [ARGS...]
    python tests/elsewhere.py macos -m MODULE [ARGS...]

What the program then lacks, as it would there:

- both: the modules ``resource``, ``fcntl``, ``pwd``, ``grp`` and ``termios`` cannot be
  imported; ``signal.SIGALRM``, ``setitimer``, ``alarm`` and ``os.fork`` are gone, and
  nothing ties a child to its parent's life (``sys.platform`` is not Linux, so no
  ``prctl(PR_SET_PDEATHSIG)``).
- ``windows``: also ``os.name == "nt"`` and ``sys.platform == "win32"`` (so the code takes
  its Windows branches: no process groups, ``proc.kill()``), and no ``os.getuid``,
  ``os.killpg``, ``os.setsid``, ``os.pread`` or ``signal.SIGXFSZ``. (``subprocess`` stays
  this system's, so ``Popen.kill`` still sends SIGKILL where Windows would terminate.)
- ``macos``: ``sys.platform == "darwin"``.

A child started with ``sys.executable`` (the box's worker) runs under the same
simulation: ``sys.executable`` becomes a small launcher that starts this file again.
The modules the simulation needs from the real system (subprocess, pathlib, numpy,
pytest, matplotlib's font list) are imported before the platform is changed, as they
were built for this one; ``pathlib.Path()`` stays a POSIX path.
"""
import atexit
import importlib.abc
import io
import os
import runpy
import shutil
import signal
import stat
import sys
import tempfile

BLOCKED = ("resource", "fcntl", "pwd", "grp", "termios")
GONE = {"signal": ("SIGALRM", "setitimer", "getitimer", "alarm", "ITIMER_REAL"),
        "os": ("fork", "forkpty")}
GONE_ON_WINDOWS = {"os": ("getuid", "geteuid", "getgid", "killpg", "getpgid", "setsid", "pread"),
                   "signal": ("SIGXFSZ", "SIGXCPU")}
PLATFORMS = {"windows": "win32", "macos": "darwin"}


class Blocker(importlib.abc.MetaPathFinder):
    """Refuse the POSIX-only modules, as an interpreter without them does."""

    def find_spec(self, name, path=None, target=None):
        if name in BLOCKED:
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None


def launcher(kind: str, folder: str) -> str:
    """An executable in ``folder`` that runs a Python command line under this simulation."""
    path = os.path.join(folder, "python")
    with open(path, "w") as f:
        f.write(f'#!/bin/sh\nexec {sys.executable!s} -S -B {os.path.abspath(__file__)!s} {kind} --worker "$@"\n')
    os.chmod(path, stat.S_IRWXU)
    return path


def simulate(kind: str, worker: bool) -> None:
    """Change this interpreter into the ``kind`` platform's."""
    import pathlib
    import subprocess  # noqa: F401  (the real platform's, before the change)
    if not worker:
        # A temporary folder of its own: a Linux grader beside it sweeps the scratch folders
        # that no process holds a lock on (modes._sweep), and here fcntl is gone.
        tempfile.tempdir = tempfile.mkdtemp(prefix=f"elsewhere-{kind}-")
        atexit.register(shutil.rmtree, tempfile.tempdir, True)
        import matplotlib.font_manager  # noqa: F401  (finds this system's fonts)
        import numpy  # noqa: F401
        import pytest  # noqa: F401
        sys.executable = launcher(kind, tempfile.tempdir)
    tempfile.gettempdir()                                 # found the Linux way, then cached
    for name in BLOCKED:
        sys.modules.pop(name, None)
    sys.meta_path.insert(0, Blocker())
    gone = dict(GONE)
    if kind == "windows":
        for module, names in GONE_ON_WINDOWS.items():
            gone[module] = gone[module] + names
    for module, names in gone.items():
        for name in names:
            if hasattr(sys.modules[module], name):
                delattr(sys.modules[module], name)
    sys.platform = PLATFORMS[kind]
    if kind == "windows":
        pathlib.WindowsPath = pathlib.PosixPath           # Path() stays usable on this system
        io._WindowsConsoleIO = type("_WindowsConsoleIO", (), {})   # output that is not a console
        os.name = "nt"


def main() -> None:
    kind, args = sys.argv[1], sys.argv[2:]
    worker = args[:1] == ["--worker"]
    if worker:                                            # the launcher: -S -B are already applied
        args = [a for a in args[1:] if a not in ("-S", "-B")]
    simulate(kind, worker)
    if args[0] == "-m":                                   # sys.path[0] as `python -m` has it
        sys.argv, sys.path[0] = args[1:], os.getcwd()
        runpy.run_module(args[1], run_name="__main__", alter_sys=True)
    else:                                                 # and as `python SCRIPT` has it
        sys.argv, sys.path[0] = args, os.path.dirname(os.path.abspath(args[0]))
        runpy.run_path(args[0], run_name="__main__")


if __name__ == "__main__":
    signal.signal(signal.SIGINT, signal.default_int_handler)
    main()
