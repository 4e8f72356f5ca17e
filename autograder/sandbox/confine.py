"""Confinement the worker puts on itself in the ``landlock`` and ``uid`` modes, before any
student code.

Runs INSIDE the worker (``worker.py`` imports it from beside itself), so it uses
the standard library and two small, maintained kernel bindings only:
``landlockpy`` (Landlock, landlock mode only) and ``pyseccomp`` (libseccomp,
``libseccomp.so.2``). No namespaces are needed, so it works in Docker (Gradescope)
and on laptops whose user namespaces are switched off. In order:

1. **uid** (only when started as root): give up every capability in the bounding
   set, then become the box's own unused uid/gid with no supplementary groups, so
   the grader's processes and files are out of reach; no capability is left
   (checked). Where no such uid can be had (landlock mode only), stay root but give
   up every capability.
2. **Landlock** (landlock mode, Linux 5.13+): read only the Python installation, its
   packages (minus any copy of the project) and the worker's code; write only the
   box's home folder. Where the kernel's ABI has them: no TCP bind/connect (6.7+), no
   signals or abstract sockets beyond the box (6.12+). The uid mode has none: file
   permissions do this job there (``uid.py``).
3. **seccomp** (Linux 3.5+): no new processes or programs (threads only), no
   sockets but AF_UNIX socketpairs, no SysV/POSIX IPC, no ptrace or reading other
   processes' memory, no signals, limits, priorities or SIGIO to other processes,
   no changes to any file's mode, owner, times or xattrs (Landlock does not guard
   them), no new identities, no namespaces, mounts, io_uring, bpf, fanotify,
   keyrings, clocks or kernel modules. Also PR_SET_NO_NEW_PRIVS and PR_SET_DUMPABLE 0.
   The same filter in both modes.

Any failure raises :class:`ConfineError`; the worker then exits before it runs a
line of the submission, so student code never runs unconfined by accident.

``python confine.py CONFIG_JSON`` is the self-test the grader runs once to learn
whether a mode works here (see ``landlock.py`` and ``uid.py``): it confines itself,
then must fail to open every path of ``must_not_read`` and to create a file in every
folder of ``must_not_write``, and must be able to read every path of ``must_read``.
"""
from __future__ import annotations

import ctypes
import errno
import json
import os
import signal
import socket
import sys

TYPE_CHECKING = False   # no `typing` import at run time: this file runs in the box (python -S)
if TYPE_CHECKING:
    from collections.abc import Sequence
    from typing import Any

PR_SET_PDEATHSIG = 1
PR_SET_DUMPABLE = 4
PR_CAPBSET_DROP = 24
_LINUX_CAPABILITY_VERSION_3 = 0x20080522
CLONE_THREAD = 0x00010000

# Syscalls a worker never needs; each fails with EPERM (clone3: ENOSYS, so that
# the C library falls back to clone(2), whose flags the filter can inspect).
DENIED = (
    # new processes and programs, other processes, namespaces and mounts
    "fork", "vfork", "execve", "execveat",
    "ptrace", "process_vm_readv", "process_vm_writev", "process_madvise", "kcmp",
    "pidfd_open", "pidfd_getfd", "pidfd_send_signal", "migrate_pages", "ioprio_set",
    "unshare", "setns", "mount", "umount2", "pivot_root", "chroot", "move_mount", "open_tree",
    "fsopen", "fsmount", "fsconfig", "fspick", "mount_setattr",
    # the network, and kernel objects shared beyond the box (SysV and POSIX IPC)
    "socket", "shmget", "shmat", "shmctl", "msgget", "msgsnd", "msgrcv", "msgctl",
    "semget", "semop", "semtimedop", "semctl", "mq_open", "mq_unlink", "mq_timedsend",
    "mq_timedreceive", "mq_notify", "mq_getsetattr",
    # files' metadata, which Landlock does not guard (modes, owners, times, xattrs)
    "chmod", "fchmod", "fchmodat", "fchmodat2", "chown", "fchown", "lchown", "fchownat",
    "utime", "utimes", "utimensat", "futimesat", "setxattr", "lsetxattr", "fsetxattr",
    "setxattrat", "removexattr", "lremovexattr", "fremovexattr", "removexattrat", "file_setattr",
    "name_to_handle_at", "open_by_handle_at", "mknod", "mknodat", "fanotify_init",
    # identities (after the box's own drop), the clock, and the machine
    "setuid", "setgid", "setreuid", "setregid", "setresuid", "setresgid", "setfsuid", "setfsgid",
    "setgroups", "capset", "settimeofday", "clock_settime", "clock_adjtime", "adjtimex",
    "io_uring_setup", "io_uring_enter", "io_uring_register",
    "bpf", "perf_event_open", "userfaultfd", "keyctl", "add_key", "request_key",
    "kexec_load", "kexec_file_load", "init_module", "finit_module", "delete_module",
    "reboot", "swapon", "swapoff", "acct", "quotactl", "syslog", "sethostname",
    "setdomainname", "iopl", "ioperm", "vhangup",
)
# Signals: only to the worker itself (arg 0 is the target pid or thread group).
SELF_SIGNALS = ("kill", "tgkill", "tkill", "rt_sigqueueinfo", "rt_tgsigqueueinfo")
# Only on the worker itself (arg ``i`` is 0): its limits, priority, scheduling, pages.
SELF_ONLY = (("prlimit64", 0), ("setpriority", 1), ("sched_setaffinity", 0), ("sched_setscheduler", 0),
             ("sched_setparam", 0), ("sched_setattr", 0), ("move_pages", 0))
# fcntl/ioctl commands that would send SIGIO/SIGURG to another process, or type into a tty.
F_SETOWN, F_SETSIG, F_SETOWN_EX = 8, 10, 15
FIOSETOWN, SIOCSPGRP, TIOCSTI = 0x8901, 0x8902, 0x5412


class ConfineError(Exception):
    """The box could not be closed around the worker."""


def _under(path, root):
    return path == root or path.startswith(root.rstrip("/") + "/")


def _readable_grants(roots, hidden):
    """(path, whole) pairs to grant read access to: every root, except that a root
    with a hidden path strictly inside is split into its entries (listing the root
    itself is allowed, ``whole`` False), down to the hidden paths, which get nothing."""
    for root in roots:
        if not os.path.exists(root):
            continue
        if not any(_under(h, root) and h != root for h in hidden):
            yield root, True
            continue
        yield root, False
        try:
            entries = sorted(os.path.join(root, name) for name in os.listdir(root))
        except OSError:
            continue
        yield from _readable_grants([e for e in entries if e not in hidden], hidden)


def drop_uid(uid: int) -> None:
    """Become ``uid``/``uid`` with no supplementary groups and no capabilities (we are root).
    The bounding set too where root may (CAP_SETPCAP: Docker's root can, bwrap's not)."""
    _drop_bounding_set(strict=False)
    try:
        os.setgroups([])
        os.setgid(uid)
        os.setuid(uid)
    except OSError as e:
        raise ConfineError(f"could not drop to uid {uid}: {e}") from None
    if os.getuid() == 0 or os.geteuid() == 0 or os.getgid() == 0 or os.getgroups():
        raise ConfineError("still root after dropping the uid")
    _clear_capabilities()                 # setuid keeps the inheritable set
    left = _capabilities()
    if left:
        raise ConfineError(f"capabilities left after dropping the uid: {left}")


def _capabilities():
    """The capability sets of this process that are not empty (from /proc/self/status)."""
    try:
        with open("/proc/self/status") as f:
            sets = dict(line.split(":", 1) for line in f if line.startswith("Cap"))
    except OSError as e:
        raise ConfineError(f"could not read this process's capabilities: {e}") from None
    return {name: value.strip() for name, value in sets.items()
            if name != "CapBnd" and int(value, 16) != 0}


def _drop_bounding_set(strict=True):
    """Give up every capability of the bounding set (needs CAP_SETPCAP, which root has in
    Docker); ``strict`` False: as far as this process may."""
    libc = ctypes.CDLL(None, use_errno=True)
    for cap in range(64):
        if libc.prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0 and ctypes.get_errno() != errno.EINVAL:
            if not strict:
                return
            raise ConfineError(f"could not drop capability {cap}: {os.strerror(ctypes.get_errno())}")


def landlock(read: Sequence[str], write: Sequence[str], hidden: Sequence[str]) -> int:
    """Allow reading ``read`` (minus ``hidden``), writing ``write``; nothing else. Returns the ABI."""
    import landlockpy
    from landlockpy import AccessFS, Ruleset, Scope
    abi = landlockpy.abi_version()
    if abi < 1:
        raise ConfineError("the kernel has no Landlock (Linux 5.13+ with Landlock enabled is needed)")
    file_rights = AccessFS.READ_FILE | AccessFS.WRITE_FILE | AccessFS.EXECUTE | AccessFS.TRUNCATE
    reading = AccessFS.READ_FILE | AccessFS.READ_DIR | AccessFS.EXECUTE
    try:
        with Ruleset(handled_fs=landlockpy.fs_for_abi(abi), handled_net=landlockpy.net_for_abi(abi),
                     scoped=Scope.ABSTRACT_UNIX_SOCKET | Scope.SIGNAL) as rules:
            def grant(path, rights):
                rules.allow_path(path, rights if os.path.isdir(path) else rights & file_rights)
            for path, whole in _readable_grants([os.path.realpath(p) for p in read],
                                                [os.path.realpath(p) for p in hidden]):
                grant(path, reading if whole else AccessFS.READ_DIR)
            for path in write:
                grant(path, landlockpy.fs_for_abi(abi))
            rules.restrict()
    except (OSError, landlockpy.LandlockError) as e:
        raise ConfineError(f"Landlock refused the rules: {e}") from None
    return abi


def seccomp() -> None:
    """Load the syscall filter described in the module docstring."""
    import pyseccomp as sc
    try:
        f = sc.SyscallFilter(defaction=sc.ALLOW)
        deny = sc.ERRNO(errno.EPERM)
        for name in DENIED:
            try:
                f.add_rule(deny, name)
            except (ValueError, OSError):
                pass                                   # not a syscall on this architecture
        f.add_rule(sc.ERRNO(errno.ENOSYS), "clone3")
        f.add_rule(deny, "clone", sc.Arg(0, sc.MASKED_EQ, CLONE_THREAD, 0))   # threads only
        f.add_rule(deny, "socketpair", sc.Arg(0, sc.NE, socket.AF_UNIX))
        f.add_rule(deny, "prctl", sc.Arg(0, sc.EQ, PR_SET_DUMPABLE))          # stays undumpable
        me = os.getpid()
        for name in SELF_SIGNALS:
            f.add_rule(deny, name, sc.Arg(0, sc.NE, me))
        for name, arg in SELF_ONLY:
            f.add_rule(deny, name, sc.Arg(arg, sc.NE, 0))
        for command in (F_SETOWN, F_SETSIG, F_SETOWN_EX):
            f.add_rule(deny, "fcntl", sc.Arg(1, sc.EQ, command))
        for command in (FIOSETOWN, SIOCSPGRP, TIOCSTI):
            f.add_rule(deny, "ioctl", sc.Arg(1, sc.EQ, command))
        f.load()                                       # sets PR_SET_NO_NEW_PRIVS first
    except (OSError, RuntimeError, ValueError, AttributeError) as e:
        raise ConfineError(f"the seccomp filter could not be loaded: {e}") from None


def die_with_parent(ppid: int) -> None:
    """SIGKILL this process when the grader (``ppid``) dies; exit now if it already has.
    Set after any uid change, which clears it."""
    if ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) != 0:
        raise ConfineError(f"prctl(PR_SET_PDEATHSIG) failed: {os.strerror(ctypes.get_errno())}")
    if os.getppid() != ppid:
        os._exit(0)


def drop_capabilities() -> None:
    """Still root (no uid could be had): give up every capability, bounding set too."""
    _drop_bounding_set()
    _clear_capabilities()


def _clear_capabilities():
    """Empty the effective, permitted and inheritable sets (capset)."""
    class Header(ctypes.Structure):
        _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]

    class Data(ctypes.Structure):
        _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32),
                    ("inheritable", ctypes.c_uint32)]
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.capset(ctypes.byref(Header(_LINUX_CAPABILITY_VERSION_3, 0)), (Data * 2)()) != 0:
        raise ConfineError(f"could not drop capabilities: {os.strerror(ctypes.get_errno())}")


def undumpable() -> None:
    """PR_SET_DUMPABLE 0: no core dumps, no ptrace or /proc peeking by same-uid processes."""
    if ctypes.CDLL(None, use_errno=True).prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0:
        raise ConfineError(f"prctl(PR_SET_DUMPABLE) failed: {os.strerror(ctypes.get_errno())}")


def _import_pyseccomp():
    """Import pyseccomp, naming its two libraries by soname: its own lookup
    (``ctypes.util.find_library``) runs ldconfig or gcc, ~0.05 s per worker."""
    import ctypes.util
    lookup = ctypes.util.find_library
    sonames = {"c": "libc.so.6", "seccomp": "libseccomp.so.2"}

    def find_library(name):
        try:
            ctypes.CDLL(sonames[name])
            return sonames[name]
        except (KeyError, OSError):
            return lookup(name)
    ctypes.util.find_library = find_library
    try:
        import pyseccomp  # noqa: F401
    finally:
        ctypes.util.find_library = lookup


def confine(cfg: dict[str, Any]) -> str:
    """Apply everything, in order; ``cfg`` is the ``confine`` part of the worker's config:
    ``uid`` (the box's uid, or None), ``ppid`` (the grader, to die with), ``landlock``
    ({"read", "write", "hidden"} path lists, or None for the uid mode, which then
    requires the uid).

    Returns a short description, e.g. "uid 200123, Landlock ABI 7, seccomp".
    """
    if not sys.platform.startswith("linux"):
        raise ConfineError(f"this box needs Linux, not {sys.platform}")
    rules = cfg.get("landlock")
    try:                         # both load before anything is closed
        if rules is not None:
            import landlockpy  # noqa: F401
        _import_pyseccomp()
    except (ImportError, OSError, RuntimeError) as e:
        raise ConfineError(f"a package of this box is missing: {e}") from None
    done = []
    if cfg.get("uid") is not None and os.geteuid() == 0:
        drop_uid(cfg["uid"])
        done.append(f"uid {cfg['uid']}")
    elif rules is None:
        raise ConfineError("the uid box needs root and a uid of its own to drop to")
    elif os.geteuid() == 0:
        drop_capabilities()
        done.append("root without capabilities")
    if cfg.get("ppid"):
        die_with_parent(cfg["ppid"])
    undumpable()
    if rules is not None:
        abi = landlock(rules["read"], rules["write"], rules["hidden"])
        done.append(f"Landlock ABI {abi}")
    seccomp()
    done.append("seccomp")
    return ", ".join(done)


def _self_test(cfg):
    """Confine this process as a worker would be, then prove that it holds."""
    described = confine(cfg["confine"])
    for path in cfg.get("must_read", ()):
        try:
            if os.path.isdir(path):
                os.listdir(path)
            else:
                open(path, "rb").close()
        except OSError as e:
            raise ConfineError(f"{path} is not readable inside the box, which needs it ({e.strerror})") from None
    for path in cfg["must_not_read"]:
        try:
            if os.path.isdir(path):
                os.listdir(path)
            else:
                open(path, "rb").close()
        except OSError:
            continue
        raise ConfineError(f"{path} is still readable inside the box")
    for folder in cfg.get("must_not_write", ()):
        try:
            fd = os.open(os.path.join(folder, ".box-probe"), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except OSError:
            continue
        os.close(fd)
        os.unlink(os.path.join(folder, ".box-probe"))
        raise ConfineError(f"{folder} is still writable inside the box")
    try:
        socket.socket(socket.AF_INET, socket.SOCK_STREAM).close()
        raise ConfineError("sockets can still be created inside the box")
    except OSError as e:
        if e.errno not in (errno.EPERM, errno.EACCES):
            raise
    try:
        pid = os.fork()
    except OSError:
        pid = None
    if pid == 0:
        os._exit(0)
    if pid is not None:
        raise ConfineError("processes can still be started inside the box")
    return described


if __name__ == "__main__":
    try:
        print(json.dumps({"ok": True, "described": _self_test(json.loads(sys.argv[1]))}))
    except ConfineError as e:
        print(json.dumps({"ok": False, "why": str(e)}))
