"""The ``bwrap`` box: the worker in bubblewrap namespaces.

Its own pid, network, ipc and uts namespaces (no network at all; every process it
starts dies with it), a root file system holding only /usr, the Python
installation, the site-packages (minus any copy of the project), the worker's
files and the submission, all read-only, and a private size-limited /tmp. As root,
bwrap runs without a user namespace and the worker drops to its own uid.

Needs Linux, the ``bwrap`` command, and user namespaces (or root with
CAP_SYS_ADMIN): not so in Docker, hence ``landlock.py``.
"""
from __future__ import annotations

import functools
import glob
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from . import shared
from .shared import Launch

if TYPE_CHECKING:
    from collections.abc import Iterable
    from typing import Any

    from .box import Limits
    from .shared import BoxFiles

NAME = "bwrap"
# What it protects and what it does not (results.json's sandbox entry, for the instructor):
PROTECTED = ("the grader's files, the reference and the hidden checks: not in its file system",
             "other processes: a pid namespace of its own; all its processes die with it",
             "the network: a network namespace of its own, with no interface",
             "writing: only its private, size-limited /tmp; the rest is read-only")
NOT_PROTECTED = ("it reads the Python installation and its packages (as every box must)",)


@functools.lru_cache(maxsize=None)
def _probe():
    """Run a trivial trusted program in the box once: does bwrap work here? (reason)"""
    if not sys.platform.startswith("linux"):
        return False, f"not Linux ({sys.platform})"
    if shutil.which("bwrap") is None:
        return False, "the bwrap command is not installed"
    cmd = args() + [shared.python(), "-S", "-B", "-c", "pass"]
    try:
        r = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, timeout=60,
                           env=shared.base_env(), **shared.popen_kwargs())
    except (OSError, subprocess.SubprocessError) as e:
        return False, f"bwrap failed to run: {e}"
    if r.returncode != 0:
        err = r.stderr.decode("utf-8", "replace").strip().splitlines()
        return False, f"bwrap test run failed: {err[-1] if err else 'exit code %d' % r.returncode}"
    return True, "namespaces"


def status() -> tuple[bool, str]:
    """(usable, reason): whether the bubblewrap box works on this machine (cached)."""
    return _probe()


def args(binds: Iterable[tuple[str, str, bool]] = (), tmp_mb: int = 64) -> list[str]:
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
    exe_dir = os.path.dirname(shared.python())
    for src in dict.fromkeys([prefix, exe_dir]):
        if not any(shared.under(src, m) for m in ["/usr", prefix] if m != src):
            a += ["--ro-bind", src, src]
            dests.append(src)
    sites = shared.site_dirs()
    for i, site in enumerate(sites):
        a += ["--ro-bind", site, f"/box/site{i}"]
        for copy in shared.project_copies(site):     # an installed copy of the project stays out
            name = os.path.basename(copy)
            if os.path.isdir(copy):
                a += ["--tmpfs", f"/box/site{i}/{name}"]
            else:
                a += ["--ro-bind", "/dev/null", f"/box/site{i}/{name}"]
            if any(shared.under(site, m) for m in ("/usr", prefix)):   # also visible where it is
                a += ["--tmpfs", copy] if os.path.isdir(copy) else ["--ro-bind", "/dev/null", copy]
    a += ["--proc", "/proc", "--dev", "/dev",
          "--perms", "1777", "--size", str(tmp_mb * 2**20), "--tmpfs", "/tmp"]
    for src, dest, writable in binds:
        a += ["--bind" if writable else "--ro-bind", src, dest]
        dests.append(dest)
    # bwrap may create the parents of mount points with the host's modes (/root is 0700);
    # make them traversable for the unprivileged worker.
    parents = {str(p) for d in dests + ["/box/x"] if not shared.under(d, "/tmp")
               for p in Path(d).parents if str(p) != "/"}
    for p in sorted(parents):
        a += ["--chmod", "0755", p]
    env = dict(shared.base_env(), PYTHONPATH=":".join(f"/box/site{i}" for i in range(len(sites))))
    for k, v in env.items():
        a += ["--setenv", k, v]
    return a + ["--chdir", "/tmp"]


def launch(files: BoxFiles, limits: Limits, cfg: dict[str, Any]) -> Launch:
    """The worker under bwrap: the box's files at /box, the font cache in /tmp."""
    os.chmod(files.capture, 0o666)        # the box uid writes it; the box folder is 0711
    binds = [(str(files.sub.parent), "/box/sub", False), (str(files.capture), "/box/out.txt", True)]
    binds += [(str(files.code / name), f"/box/{name}", False) for name in shared.WORKER_FILES]
    for font_cache in glob.glob(str(files.fonts / "fontlist-*.json")):
        binds.append((font_cache, "/tmp/" + os.path.basename(font_cache), False))
    cfg = dict(cfg, sub="/box/sub/two_layer_net.py", capture="/box/out.txt", uid=files.uid)
    cmd = args(binds, limits.tmp_mb) + [shared.python(), "-S", "-B", "/box/worker.py", json.dumps(cfg)]
    return Launch(cmd, shared.base_env(), str(files.root))
