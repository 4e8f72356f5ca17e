"""The hostile suite: a submission that attacks its box, and the verdict on each attack.

Run as a program so that it can run inside a simulated Docker container or as an
ordinary user (see ``test_hostile.py``)::

    python tests/hostile.py [--mode auto|bwrap|landlock|none]

It prints one JSON object: ``{"mode": ..., "verdicts": {attack: {"contained": bool,
"detail": str}}, "reference": {"score", "total", "sandbox"}}``: the last is the
reference solution graded in the same place, which must still get full marks. Every attack is real; under ``none`` they succeed, which is
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

from autograder.sandbox import Box, BoxTimeout, Limits, StudentError

ROOT = Path(__file__).resolve().parent.parent
SECRETS = [ROOT / "solution" / "two_layer_net.py", ROOT / "autograder" / "checks" / "known" / "hidden.json"]

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
        with Box(sub, Limits(call_seconds=5, total_seconds=120, max_procs=32), mode=mode) as box:
            if box.import_error:
                raise SystemExit(f"the attacks did not import: {box.import_error}")
            markers += [str(box._files.root), "/box/worker.py"]
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

            targets = [str(out / "results.json"), str(ROOT / "pwned.txt"), str(work / "pwned.txt"),
                       "/tmp/hostile-pwned.txt"]
            done = box.call("write", targets).value
            verdict("write outside the box", not any(map(os.path.exists, targets)), done)

            try:
                box.call("connect", server.getsockname()[1])
                reached = "connected"
            except StudentError as e:
                reached = f"refused ({e.kind})"
            time.sleep(0.3)
            verdict("network by a literal address", reached != "connected" and not connections, reached)

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
        verdict("daemons", not left, f"{spawned}; left running: {sorted(left)}")
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
        for path in (ROOT / "pwned.txt", Path("/tmp/hostile-pwned.txt")):
            path.unlink(missing_ok=True)
    if mode:
        os.environ["AUTOGRADER_SANDBOX"] = mode
    from autograder.grade import grade
    honest = grade(SECRETS[0])
    reference = {"score": honest["score"], "total": sum(t["max_score"] for t in honest["tests"]),
                 "sandbox": honest.get("sandbox")}
    return {"mode": box.mode, "verdicts": verdicts, "reference": reference}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mode", default=None, help="the sandbox mode (default: AUTOGRADER_SANDBOX, else auto)")
    args = parser.parse_args(argv)
    import warnings
    warnings.simplefilter("ignore", RuntimeWarning)      # none's warning: the verdicts say it all
    print(json.dumps(run(args.mode)))


if __name__ == "__main__":
    main()
