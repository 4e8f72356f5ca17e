"""The hostile suite: a submission that attacks its box, and the verdict on each attack.

Run as a program so that it can run inside a simulated Docker container, as an ordinary
user (see ``test_hostile.py``) or in a runner like Gradescope's with autograder.zip's
grader (``test_gradescope.py``: copied out of the repo, with that grader on PYTHONPATH;
the secrets it steals are that grader's)::

    python tests/hostile.py [--mode auto|bwrap|landlock|none]

It prints one JSON object: ``{"mode": ..., "verdicts": {attack: {"contained": bool,
"detail": str}}, "reference": {"score", "total", "sandbox"}, "worker": [uid, gid,
groups]}``: the reference solution graded in the same place, which must still get
full marks, and who the worker ran as. Every attack is real; under ``none`` they succeed, which is
what shows that each verdict can fail. The fork bomb is not let loose under
``none`` (it would take the machine down); a bounded fork run stands in for it.
"""
import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from pathlib import Path

from autograder.paths import ROOT      # the grader's own files: the repo, or autograder.zip's source/
from autograder.sandbox import Box, BoxCrash, BoxTimeout, Limits, StudentError

SECRETS = [ROOT / "solution" / "two_layer_net.py", ROOT / "autograder" / "checks" / "known" / "hidden.json"]
SHARED_TARGET = f"/tmp/hostile-pwned-{os.getpid()}.txt"   # world-writable: the uid box may write it, but it must not stay

ATTACKS = r'''
import os, re, signal, socket, sys, time

def steal(known):
    """Read the reference or the hidden values through every path the code can find."""
    names = ("solution/two_layer_net.py", "autograder/checks/known/hidden.json")
    seen = set(known)
    starts = [os.path.realpath(sys.executable), os.getcwd(), *sys.path]
    for pid in ("self", str(os.getppid()), "1"):
        for link in ("cwd", "root", "exe"):
            try:
                starts.append(os.readlink(f"/proc/{pid}/{link}"))
            except OSError:
                pass
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                starts += [a.decode(errors="replace") for a in f.read().split(b"\0") if a.startswith(b"/")]
        except OSError:
            pass
    for site in list(sys.path):
        try:
            entries = os.listdir(site)
        except OSError:
            continue
        for entry in entries:
            if entry.startswith("__editable__") or entry.endswith(".pth"):
                try:
                    with open(os.path.join(site, entry)) as f:
                        starts += re.findall(r"['\"](/[^'\"]+)['\"]", f.read())
                except OSError:
                    pass
    for start in starts:
        path = start
        for _ in range(10):
            seen.update(os.path.join(path, n) for n in names)
            path = os.path.dirname(path)
    stolen = []
    for path in sorted(seen):
        try:
            with open(path, "rb") as f:
                if f.read(1):
                    stolen.append(path)
        except OSError:
            pass
    for name in ("autograder", "kit"):
        try:
            __import__(name)
            stolen.append("import " + name)
        except Exception:
            pass
    return stolen

def out_folder(secret):
    """Find the grader's --out folder in what /proc shows of other processes."""
    found = []
    for pid in os.listdir("/proc"):
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                if secret.encode() in f.read():
                    found.append(pid)
        except OSError:
            pass
    return found

def signal_all(pids):
    hit = []
    for pid in pids:
        try:
            os.kill(pid, signal.SIGTERM)
            hit.append(pid)
        except OSError:
            pass
    return hit

def write(paths):
    done = []
    for path in paths:
        try:
            with open(path, "w") as f:
                f.write('{"score": 100}')
            done.append(path)
        except OSError:
            pass
    return done

def connect(port):
    socket.create_connection(("127.0.0.1", port), timeout=2).close()
    return True

def daemon():
    if os.fork() == 0:
        os.setsid()
        if os.fork() == 0:
            time.sleep(1000)
        os._exit(0)
    time.sleep(0.2)
    return "spawned"

def forks(n):
    pids = []
    for _ in range(n):
        pid = os.fork()
        if pid == 0:
            time.sleep(1000)
        pids.append(pid)
    return len(pids)

def fork_bomb():
    while True:
        try:
            os.fork()
        except OSError:
            pass

def plant(target):
    """Change a grader file directly, else leave symlinks to it for the grader to follow."""
    try:
        with open(target, "w") as f:
            f.write("pwned")
    except OSError:
        pass
    for name in ("fontlist-v3.11.0.json", "fontlist-v390.json", "home", "out.txt", "x"):
        try:
            if os.path.lexists(name):
                os.unlink(name)
            os.symlink(target, name)
        except OSError:
            pass
    return sorted(os.listdir("."))

def crash():
    os.kill(os.getpid(), signal.SIGKILL)

def alive():
    return True

def metadata(target):
    changed = []
    for name, call in (("chmod", lambda: os.chmod(target, 0o777)),
                       ("utime", lambda: os.utime(target, (0, 0))),
                       ("chown", lambda: os.chown(target, 12345, 12345)),
                       ("xattr", lambda: os.setxattr(target, b"user.pwned", b"1"))):
        try:
            call()
            changed.append(name)
        except (OSError, AttributeError):
            pass
    return changed

def limits(pid):
    import resource
    done = []
    try:
        resource.prlimit(pid, resource.RLIMIT_NOFILE, (5, 5))
        done.append("prlimit")
    except OSError:
        pass
    try:
        os.setpriority(os.PRIO_PROCESS, pid, 19)
        done.append("renice")
    except OSError:
        pass
    return done

def sigio(pid):
    import fcntl
    r, w = os.pipe()
    try:
        fcntl.fcntl(r, fcntl.F_SETOWN, pid)
        fcntl.fcntl(r, fcntl.F_SETFL, os.O_ASYNC | os.O_NONBLOCK)
    except OSError:
        return "refused"
    os.write(w, b"x")
    time.sleep(0.2)
    return "sent"

def shared_memory():
    import ctypes
    libc = ctypes.CDLL(None, use_errno=True)
    ids = [libc.shmget(0, 1 << 20, 0o1000 | 0o666) for _ in range(3)]    # IPC_PRIVATE, IPC_CREAT
    return [i for i in ids if i >= 0]

def fill(mb, folder=None):
    """Fill the disk: 4 MB files, a little at a time, up to ``mb`` MB, in ``folder`` (default:
    the temporary folder the box gives); how much got written."""
    import tempfile
    chunk, written = b"\0" * (4 << 20), 0
    for i in range(mb // 4):
        with open(os.path.join(folder or tempfile.gettempdir(), f"hostile-fill{i}"), "wb") as f:
            f.write(chunk)
        written += 4
        time.sleep(0.05)
    return written

def whoami():
    return [os.getuid(), os.getgid(), os.getgroups()]

def dev_null():
    with open(os.devnull, "w") as f:
        f.write("quiet")
    with open("/dev/urandom", "rb") as f:
        return len(f.read(8))
'''


def _new_processes(before, markers):
    """Processes started since ``before`` whose command line holds one of ``markers``."""
    found = set()
    for pid in os.listdir("/proc"):
        if not pid.isdigit() or int(pid) in before or int(pid) == os.getpid():
            continue
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                line = f.read()
            with open(f"/proc/{pid}/stat", "rb") as f:
                state = f.read().rsplit(b")", 1)[1].split()[0]
        except OSError:
            continue
        if state != b"Z" and any(m.encode() in line for m in markers):
            found.add(int(pid))
    return found


def _shm_segments():
    try:
        with open("/proc/sysvipc/shm") as f:
            return len(f.read().splitlines()) - 1
    except OSError:
        return 0


def _pids():
    return {int(p) for p in os.listdir("/proc") if p.isdigit()}


def _wait_gone(before, markers, seconds=5.0):
    end = time.monotonic() + seconds
    while _new_processes(before, markers) and time.monotonic() < end:
        time.sleep(0.05)
    return _new_processes(before, markers)


def _listener():
    """A loopback TCP port that counts the connections it gets."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(5)
    server.settimeout(0.2)
    got = []

    def accept():
        while not getattr(server, "closed", False):
            try:
                got.append(server.accept()[0])
            except (socket.timeout, OSError):
                if server.fileno() < 0:
                    return
    threading.Thread(target=accept, daemon=True).start()
    return server, got


def run(mode):
    verdicts = {}

    def verdict(name, contained, detail=""):
        verdicts[name] = {"contained": bool(contained), "detail": str(detail)[:500]}

    work = Path(tempfile.mkdtemp(prefix="hostile-"))
    out = work / "results-out-folder"
    out.mkdir()
    sub = work / "two_layer_net.py"
    sub.write_text(textwrap.dedent(ATTACKS), encoding="utf-8")
    canary = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
    server, connections = _listener()
    before = _pids()
    markers = [str(work)]
    try:
        with Box(sub, Limits(call_seconds=5, total_seconds=120, max_procs=32, tmp_mb=64), mode=mode) as box:
            if box.import_error:
                raise SystemExit(f"the attacks did not import: {box.import_error}")
            markers.append(str(box._files.root))        # in every worker's command line
            worker_ids = box.call("whoami").value
            try:
                stolen = box.call("steal", [str(p) for p in SECRETS]).value
            except StudentError as e:
                stolen = [f"error {e}"] if e.kind != "PermissionError" else []
            verdict("read the reference", not stolen, stolen)

            # the grader's --out folder, as `grade --out` would show it to /proc
            holder = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)", "--out", str(out)])
            try:
                found = box.call("out_folder", str(out)).value
            except StudentError as e:
                found = [] if e.kind == "PermissionError" else [f"error {e}"]
            finally:
                holder.kill()
                holder.wait()
            verdict("/proc of the grader", not found, found)

            signalled = []
            old = signal.signal(signal.SIGTERM, lambda *_: signalled.append("the grader got SIGTERM"))
            try:
                hit = box.call("signal_all", [os.getpid(), canary.pid]).value
            except StudentError as e:
                hit = [f"error {e}"]
            time.sleep(0.2)
            signal.signal(signal.SIGTERM, old)
            verdict("signal the grader", not hit and not signalled and canary.poll() is None, hit + signalled)

            # the grader's places, never; a world-writable one, never after the box (uid box: swept)
            targets = [str(out / "results.json"), str(ROOT / "pwned.txt"), str(work / "pwned.txt")]
            wrote_to = box.call("write", targets + [SHARED_TARGET]).value
            written = [t for t in targets if os.path.exists(t)]

            try:
                box.call("connect", server.getsockname()[1])
                reached = "connected"
            except StudentError as e:
                reached = f"refused ({e.kind})"
            time.sleep(0.3)
            verdict("network by a literal address", reached != "connected" and not connections, reached)

            victim = work / "grader-file.txt"
            victim.write_text("the grader's", encoding="utf-8")
            os.chmod(victim, 0o644)
            before_victim = (victim.read_text(encoding="utf-8"), victim.stat())
            box.call("plant", str(victim))
            try:
                box.call("crash")
            except (BoxCrash, StudentError):
                pass
            box.call("alive")                                    # a new worker: the grader set it up
            after = (victim.read_text(encoding="utf-8"), victim.stat())
            verdict("symlinks for the next worker",
                    after[0] == before_victim[0] and after[1].st_uid == before_victim[1].st_uid
                    and after[1].st_mode == before_victim[1].st_mode,
                    f"{after[0]!r}, uid {after[1].st_uid}, mode {oct(after[1].st_mode)}")

            stat = victim.stat()
            changed = box.call("metadata", str(victim)).value
            now = victim.stat()
            verdict("metadata of grader files",
                    (now.st_mode, now.st_mtime, now.st_uid) == (stat.st_mode, stat.st_mtime, stat.st_uid), changed)

            import resource
            own = (resource.prlimit(canary.pid, resource.RLIMIT_NOFILE), os.getpriority(os.PRIO_PROCESS, canary.pid))
            done = box.call("limits", canary.pid).value        # a process of the grader's
            now = (resource.prlimit(canary.pid, resource.RLIMIT_NOFILE), os.getpriority(os.PRIO_PROCESS, canary.pid))
            verdict("the grader's limits", now == own, done)

            got = []
            signal.signal(signal.SIGIO, lambda *_: got.append("SIGIO"))    # until the end of the run
            try:
                sent = box.call("sigio", os.getpid()).value
            except StudentError as e:
                sent = f"refused ({e.kind})"
            time.sleep(0.2)
            verdict("SIGIO to the grader", not got, f"{sent}; {got}")

            segments = _shm_segments()
            try:
                made = box.call("shared_memory").value
            except StudentError as e:
                made = [f"refused ({e.kind})"]

            try:
                wrote = f"{box.call('fill', 200, timeout=30).value} MB written"
            except StudentError as e:
                wrote = f"stopped: {e.kind}"
            except BoxCrash as e:
                wrote = f"stopped: {e}"
            verdict("fill the disk", wrote.startswith("stopped"), wrote)
            try:
                wrote = f"{box.call('fill', 100, '/var/tmp', timeout=30).value} MB written"
            except StudentError as e:
                wrote = f"stopped: {e.kind}"
            except BoxCrash as e:
                wrote = f"stopped: {e}"
            verdict("fill a world-writable folder", wrote.startswith("stopped"), wrote)

            try:
                spawned = box.call("daemon").value
            except StudentError as e:
                spawned = f"refused ({e.kind})"
            if mode == "none":
                try:
                    n = box.call("forks", 50).value
                    bomb = f"{n} processes started, none refused"
                except StudentError as e:
                    bomb = "" if e.kind in ("BlockingIOError", "PermissionError") else e.kind
            else:
                try:
                    box.call("fork_bomb", timeout=1)
                    bomb = "the fork bomb returned"
                except BoxTimeout:
                    bomb = ""
                except StudentError as e:
                    bomb = "" if e.kind in ("BlockingIOError", "PermissionError") else e.kind
        left = _wait_gone(before, markers)
        leaked = _shm_segments() - segments                  # what outlives the box
        verdict("shared memory", leaked <= 0, f"made {made}; {max(leaked, 0)} left after the box closed")
        if leaked > 0:
            for shmid in made:
                subprocess.run(["ipcrm", "-m", str(shmid)], capture_output=True)
        verdict("daemons", not left, f"{spawned}; left running: {sorted(left)}")
        kept = os.path.exists(SHARED_TARGET)
        verdict("write outside the box", not written and not kept,
                f"wrote {wrote_to}; in the grader's places: {written}; {SHARED_TARGET} left after the box: {kept}")
        verdict("fork bomb", not bomb and not left, bomb)
    finally:
        server.close()
        canary.kill()
        canary.wait()
        for leftover in _new_processes(before, markers):
            try:
                os.kill(leftover, signal.SIGKILL)
            except OSError:
                pass
        for path in (ROOT / "pwned.txt", Path(SHARED_TARGET), *Path("/var/tmp").glob("hostile-fill*")):
            path.unlink(missing_ok=True)
    if mode:
        os.environ["AUTOGRADER_SANDBOX"] = mode
    from autograder.grade import grade
    honest = grade(SECRETS[0])
    reference = {"score": honest["score"], "total": sum(t["max_score"] for t in honest["tests"]),
                 "sandbox": honest.get("sandbox")}
    return {"mode": box.mode, "verdicts": verdicts, "reference": reference, "worker": worker_ids}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mode", default=None, help="the sandbox mode (default: AUTOGRADER_SANDBOX, else auto)")
    args = parser.parse_args(argv)
    import warnings
    warnings.simplefilter("ignore", RuntimeWarning)      # none's warning: the verdicts say it all
    print(json.dumps(run(args.mode)))


if __name__ == "__main__":
    main()
