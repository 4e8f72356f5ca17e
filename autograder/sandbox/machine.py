"""What this machine (or container) really gives a grader, and a box's limits fitted to it.

Gradescope runs each submission in a container with half a vCPU and 768 MB; the course's
limits (course.toml ``[limits]``) are set on a machine with at least one whole core and
plenty of memory. :func:`fit` adapts them, so that correct code passes there too and no
submission can push the container past its memory:

- **CPU**: the share of a CPU this process can use is the least of the CPUs it may run
  on (``os.sched_getaffinity``) and the quota of its cgroup and every cgroup above it
  (v2 ``cpu.max``, v1 ``cpu.cfs_quota_us / cpu.cfs_period_us``). Below one CPU, every
  wall-clock limit (each call, the total, the worker's start) is divided by that share:
  the worker runs alone on at most one CPU (one BLAS thread), so at half a CPU the same
  work takes twice as long. CPU-time limits (RLIMIT_CPU) are left as they are. Why not
  ``os.cpu_count``: it counts the host's CPUs, not the container's.
- **Memory**: the least ``memory.max`` / ``memory.limit_in_bytes`` of this cgroup and
  those above it. The worker's address space (RLIMIT_AS, which bounds its resident
  memory too) is lowered to what is left of it after the grader's own resident memory
  (counted twice, for what the checks load while they run), the worker's disk space
  where that may be memory (a tmpfs /tmp or /dev/shm) and a reserve of
  :data:`RESERVE_MB`. A submission then meets a MemoryError in its own process, never
  the container's out-of-memory killer.
"""
from __future__ import annotations

import dataclasses
import os
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .box import Limits

RESERVE_MB = 64                 # for the shell, the kernel's own use and what we did not count
UNLIMITED = 2**60               # what cgroups write for "no limit", roughly


def _cgroup_dirs(controller: str) -> list[str]:
    """This process's cgroup folders for ``controller`` (v1) or the unified one (v2),
    from its own up to the root of what this process can see."""
    try:
        with open("/proc/self/cgroup") as f:
            lines = f.read().splitlines()
    except OSError:
        return []
    found = []
    for line in lines:
        _, controllers, path = line.split(":", 2)
        names = controllers.split(",") if controllers else []
        if controller in names:
            bases = [f"/sys/fs/cgroup/{controllers}", f"/sys/fs/cgroup/{controller}"]
        elif not controllers:
            bases = ["/sys/fs/cgroup", "/sys/fs/cgroup/unified"]
        else:
            continue
        for base in bases:
            if not os.path.isdir(base):
                continue
            parts = [p for p in path.strip("/").split("/") if p]
            for depth in range(len(parts), -1, -1):
                folder = os.path.join(base, *parts[:depth])
                if os.path.isdir(folder):
                    found.append(folder)
            break
    return found


def _read(path: str) -> str | None:
    try:
        with open(path) as f:
            return f.read().strip()
    except OSError:
        return None


def cpu_share() -> float:
    """How many CPUs this process can use at once: affinity and cgroup quotas (e.g. 0.5)."""
    share = float(len(os.sched_getaffinity(0))) if hasattr(os, "sched_getaffinity") else float(os.cpu_count() or 1)
    if not sys.platform.startswith("linux"):
        return share
    for folder in _cgroup_dirs("cpu"):
        v2 = _read(os.path.join(folder, "cpu.max"))
        if v2 and not v2.startswith("max"):
            quota, period = v2.split()[:2]
            share = min(share, int(quota) / int(period))
        quota = _read(os.path.join(folder, "cpu.cfs_quota_us"))
        period = _read(os.path.join(folder, "cpu.cfs_period_us"))
        if quota and period and int(quota) > 0:
            share = min(share, int(quota) / int(period))
    return share


def memory_limit_mb() -> float | None:
    """The memory this process's cgroups allow (MB), or None when they set no limit."""
    limits = []
    if sys.platform.startswith("linux"):
        for folder in _cgroup_dirs("memory"):
            for name in ("memory.max", "memory.limit_in_bytes"):
                value = _read(os.path.join(folder, name))
                if value and value.isdigit() and int(value) < UNLIMITED:
                    limits.append(int(value) / 2**20)
    return min(limits) if limits else None


def _resident_mb() -> float:
    """This process's resident memory (MB)."""
    status = _read("/proc/self/status") or ""
    for line in status.splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def time_scale() -> float:
    """What wall-clock limits are multiplied by here: 1, or 1 / the CPU share below one CPU."""
    return max(1.0, 1.0 / max(cpu_share(), 0.01))


def fit(limits: Limits, scale: float) -> Limits:
    """``limits`` fitted to this machine (see the module docstring); ``scale``: :func:`time_scale`."""
    memory = limits.memory_mb
    total = memory_limit_mb()
    if total is not None:
        spare = total - 2 * _resident_mb() - limits.tmp_mb - RESERVE_MB
        memory = max(1, min(memory, int(spare)))
    return dataclasses.replace(limits, call_seconds=limits.call_seconds * scale,
                               total_seconds=limits.total_seconds * scale, memory_mb=memory)
