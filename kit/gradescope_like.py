"""A runner like Gradescope's, for ``make check-dist`` (``kit/gradescope.py``) and the
project's own tests (``tests/test_gradescope.py``)::

    python kit/gradescope_like.py [--kernel 4.14] [--memory-mb 768] [--cpus 0.5] -- COMMAND...

As root, COMMAND runs as Gradescope runs an autograder (Docker containers, root inside,
Amazon Linux 2 hosts with Linux 4.14, 768 MB and half a vCPU):

- real root, with only Docker's default capabilities (``setpriv``);
- no new namespaces: clone/unshare/setns with a namespace flag fail with EPERM, so
  bubblewrap cannot start;
- the system calls of ``--kernel``: every call added after it fails with ENOSYS
  (Landlock arrived in 5.13, so 4.14 and 5.10 have none; 6.1 has it);
- its own pid namespace and /proc (``unshare``), and a memory and cpu cgroup.

Made after the course team's shared tool of the same name, so that a clone of this repo
can run its tests without it. Needs root, util-linux (unshare, setpriv) and
``libseccomp.so.2``; :func:`available` says whether this machine has them. Without a
writable cgroup it runs the command without the memory and CPU limits, and says so on
stderr.
"""
from __future__ import annotations

import argparse
import ctypes
import ctypes.util
import errno
import os
import shutil
import subprocess
import sys
import uuid

# System calls (x86-64 names libseccomp knows) by the kernel that added them.
NEWER = [("4.18", ["io_pgetevents", "rseq"]),
         ("5.1", ["pidfd_send_signal", "io_uring_setup", "io_uring_enter", "io_uring_register"]),
         ("5.2", ["open_tree", "move_mount", "fsopen", "fsconfig", "fsmount", "fspick"]),
         ("5.3", ["pidfd_open", "clone3"]), ("5.6", ["openat2", "pidfd_getfd"]), ("5.8", ["faccessat2"]),
         ("5.9", ["close_range"]), ("5.10", ["process_madvise"]), ("5.11", ["epoll_pwait2"]),
         ("5.12", ["mount_setattr"]),
         ("5.13", ["landlock_create_ruleset", "landlock_add_rule", "landlock_restrict_self"]),
         ("5.14", ["quotactl_fd", "memfd_secret"]), ("5.15", ["process_mrelease"]), ("5.16", ["futex_waitv"]),
         ("5.17", ["set_mempolicy_home_node"]), ("6.5", ["cachestat"]), ("6.6", ["fchmodat2", "map_shadow_stack"]),
         ("6.7", ["futex_wake", "futex_wait", "futex_requeue"]),
         ("6.8", ["statmount", "listmount", "lsm_get_self_attr", "lsm_set_self_attr", "lsm_list_modules"]),
         ("6.10", ["mseal"]), ("6.13", ["setxattrat", "getxattrat", "listxattrat", "removexattrat"])]
DOCKER_CAPS = ("chown", "dac_override", "fsetid", "fowner", "mknod", "net_raw", "setgid", "setuid",
               "setfcap", "setpcap", "net_bind_service", "sys_chroot", "kill", "audit_write")
NAMESPACE_FLAGS = (0x00020000, 0x02000000, 0x04000000, 0x08000000, 0x10000000, 0x20000000, 0x40000000,
                   0x00000080)
ALLOW, MASKED_EQ = 0x7FFF0000, 7


class _Compare(ctypes.Structure):
    _fields_ = [("arg", ctypes.c_uint), ("op", ctypes.c_int), ("a", ctypes.c_uint64), ("b", ctypes.c_uint64)]


def _version(text):
    return tuple(int(part) for part in text.split("."))


def available() -> bool:
    """Whether this machine can run the runner: Linux, root, unshare, setpriv, libseccomp."""
    if not sys.platform.startswith("linux") or os.geteuid() != 0:
        return False
    if shutil.which("unshare") is None or shutil.which("setpriv") is None:
        return False
    try:
        ctypes.CDLL("libseccomp.so.2")
    except OSError:
        return False
    return subprocess.run(command("4.14", 0, 0) + ["true"], capture_output=True).returncode == 0


def command(kernel: str = "4.14", memory_mb: int = 768, cpus: float = 0.5) -> list[str]:
    """The prefix that runs a command in the runner."""
    return [sys.executable, os.path.abspath(__file__), "--kernel", kernel, "--memory-mb", str(memory_mb),
            "--cpus", str(cpus), "--"]


def _load_filter(kernel):
    lib = ctypes.CDLL("libseccomp.so.2", use_errno=True)
    lib.seccomp_init.restype = ctypes.c_void_p
    lib.seccomp_init.argtypes = [ctypes.c_uint32]
    lib.seccomp_attr_set.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.c_uint32]
    lib.seccomp_syscall_resolve_name.argtypes = [ctypes.c_char_p]
    lib.seccomp_rule_add_array.argtypes = [ctypes.c_void_p, ctypes.c_uint32, ctypes.c_int, ctypes.c_uint,
                                           ctypes.POINTER(_Compare)]
    lib.seccomp_load.argtypes = [ctypes.c_void_p]
    context = lib.seccomp_init(ALLOW)
    lib.seccomp_attr_set(context, 3, 0)          # SCMP_FLTATR_CTL_NNP off: leave no_new_privs alone

    def rule(error, name, *compares):
        number = lib.seccomp_syscall_resolve_name(name.encode())
        if number >= 0:
            array = (_Compare * len(compares))(*compares) if compares else None
            if lib.seccomp_rule_add_array(context, 0x00050000 | error, number, len(compares), array) != 0:
                sys.exit(f"gradescope_like: the seccomp rule for {name} failed")

    for added, names in NEWER:
        if _version(added) > _version(kernel):
            for name in names:
                rule(errno.ENOSYS, name)
    for name in ("unshare", "setns", "mount", "umount2", "pivot_root"):
        rule(errno.EPERM, name)
    for flag in NAMESPACE_FLAGS:
        rule(errno.EPERM, "clone", _Compare(0, MASKED_EQ, flag, flag))
    if lib.seccomp_load(context) != 0:
        sys.exit("gradescope_like: could not load the seccomp filter")


def _cgroups(memory_mb, cpus):
    """Put this process in new memory and cpu cgroups (v1 or v2); the folders made."""
    made, name = [], "gradescope-like-" + uuid.uuid4().hex[:8]
    wanted = {"memory": {"memory.limit_in_bytes": memory_mb * 2**20} if memory_mb else {},
              "cpu": {"cpu.cfs_period_us": 100000, "cpu.cfs_quota_us": int(cpus * 100000)} if cpus else {}}
    for controller, files in wanted.items():
        if not files:
            continue
        base = next((b for b in (f"/sys/fs/cgroup/{controller}", "/sys/fs/cgroup")
                     if os.path.exists(os.path.join(b, "cgroup.procs"))), None)
        try:
            if base is None:
                raise OSError(f"no {controller} cgroup")
            folder = os.path.join(base, name)
            os.makedirs(folder, exist_ok=True)
            made.append(folder)
            for key, value in files.items():
                target = os.path.join(folder, key)
                if not os.path.exists(target):                     # cgroup v2
                    target = os.path.join(folder, "memory.max" if controller == "memory" else "cpu.max")
                    value = value if controller == "memory" else f"{int(cpus * 100000)} 100000"
                with open(target, "w") as f:
                    f.write(str(value))
            with open(os.path.join(folder, "cgroup.procs"), "w") as f:
                f.write(str(os.getpid()))
        except OSError as e:
            print(f"gradescope_like: no {controller} limit here ({e})", file=sys.stderr)
    return made


def _leave(made):
    for folder in made:
        try:
            with open(os.path.join(os.path.dirname(folder), "cgroup.procs"), "w") as f:
                f.write(str(os.getpid()))
            os.rmdir(folder)
        except OSError:
            pass


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kernel", default="4.14")
    parser.add_argument("--memory-mb", type=int, default=768)
    parser.add_argument("--cpus", type=float, default=0.5)
    parser.add_argument("--inside", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args(argv)
    cmd = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not cmd or os.geteuid() != 0:
        parser.error("needs root and a command")
    if not args.inside:
        made = _cgroups(args.memory_mb, args.cpus)
        try:
            return subprocess.call(["unshare", "--fork", "--pid", "--mount-proc", "--", sys.executable,
                                    os.path.abspath(__file__), "--inside", "--kernel", args.kernel, "--", *cmd])
        finally:
            _leave(made)
    _load_filter(args.kernel)
    caps = ",".join(["-all"] + ["+" + cap for cap in DOCKER_CAPS])
    os.execvp("setpriv", ["setpriv", "--bounding-set", caps, "--inh-caps", "-all", "--", *cmd])
    return 127


if __name__ == "__main__":
    sys.exit(main())
