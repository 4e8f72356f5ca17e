"""A box's limits follow the CPU and memory the machine (container) really gives
(autograder/sandbox/machine.py): below one CPU wall-clock limits grow, and the worker's
memory fits in what the container's cgroup leaves."""
import pytest

from autograder.sandbox import Box, BoxTimeout, Limits, StudentError, machine

pytestmark = pytest.mark.filterwarnings("ignore:autograder sandbox disabled")


def cgroup(tmp_path, monkeypatch, files):
    """A fake cgroup folder holding ``files`` ({name: text}), as this process's own."""
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    monkeypatch.setattr(machine, "_cgroup_dirs", lambda controller: [str(tmp_path)])
    monkeypatch.setattr(machine.sys, "platform", "linux")


@pytest.mark.parametrize("files, share", [
    ({"cpu.max": "50000 100000\n"}, 0.5),                                    # cgroup v2
    ({"cpu.cfs_quota_us": "50000\n", "cpu.cfs_period_us": "100000\n"}, 0.5),  # cgroup v1
    ({"cpu.max": "max 100000\n"}, None),                                      # no quota: the CPUs
    ({"cpu.cfs_quota_us": "-1\n", "cpu.cfs_period_us": "100000\n"}, None),
])
def test_the_cpu_share_is_the_cgroup_quota(tmp_path, monkeypatch, files, share):
    monkeypatch.setattr(machine.os, "sched_getaffinity", lambda pid: {0, 1}, raising=False)
    cgroup(tmp_path, monkeypatch, files)
    assert machine.cpu_share() == (share if share is not None else 2)


def test_the_cpu_share_is_at_most_the_cpus_it_may_run_on(tmp_path, monkeypatch):
    monkeypatch.setattr(machine.os, "sched_getaffinity", lambda pid: {3}, raising=False)
    cgroup(tmp_path, monkeypatch, {"cpu.max": "300000 100000\n"})
    assert machine.cpu_share() == 1


@pytest.mark.parametrize("files, mb", [({"memory.max": str(768 * 2**20)}, 768),
                                       ({"memory.limit_in_bytes": str(768 * 2**20)}, 768),
                                       ({"memory.max": "max"}, None),
                                       ({"memory.limit_in_bytes": str(2**63 - 4096)}, None)])
def test_the_memory_limit_is_the_cgroups(tmp_path, monkeypatch, files, mb):
    cgroup(tmp_path, monkeypatch, files)
    assert machine.memory_limit_mb() == mb


SLOW = "import time\ndef nap(s):\n    time.sleep(s)\n    return s\ndef hog(mb):\n    return len(bytearray(mb * 2**20))\n"


def test_at_half_a_cpu_wall_clock_limits_double(monkeypatch):
    monkeypatch.setattr(machine, "cpu_share", lambda: 0.5)
    with Box(source=SLOW, limits=Limits(call_seconds=0.5, total_seconds=20), mode="none") as box:
        assert (box.limits.call_seconds, box.limits.total_seconds) == (1.0, 40.0)
        assert box.call("nap", 0.7).value == 0.7              # over 0.5 s, within 1 s
        assert box.call("nap", 0.7, timeout=0.5).value == 0.7  # a call's own timeout too
        with pytest.raises(BoxTimeout, match="within 1 s"):
            box.call("nap", 3)


def test_a_whole_cpu_keeps_the_limits(monkeypatch):
    monkeypatch.setattr(machine, "cpu_share", lambda: 1.0)
    with Box(source=SLOW, limits=Limits(call_seconds=0.5), mode="none") as box:
        assert box.limits.call_seconds == 0.5
        with pytest.raises(BoxTimeout):
            box.call("nap", 0.7)


def test_the_worker_fits_in_the_containers_memory(monkeypatch):
    """A 768 MB container: the worker may not take what the grader and the reserve need, so
    a submission that asks for 600 MB gets a MemoryError of its own (the course allows 1 GB)."""
    monkeypatch.setattr(machine, "memory_limit_mb", lambda: 768)
    monkeypatch.setattr(machine, "_resident_mb", lambda: 100.0)        # the grader's own
    with Box(source=SLOW, limits=Limits(memory_mb=1024, tmp_mb=64), mode="none") as box:
        assert box.limits.memory_mb == 768 - 2 * 100 - 64 - machine.RESERVE_MB
        assert box.call("hog", 50).value == 50 * 2**20
        with pytest.raises(StudentError) as error:
            box.call("hog", 600)
        assert error.value.kind == "MemoryError"
    monkeypatch.setattr(machine, "memory_limit_mb", lambda: None)
    assert Box(source=SLOW, limits=Limits(memory_mb=1024), mode="none").limits.memory_mb == 1024
