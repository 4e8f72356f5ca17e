"""Tests of the box (autograder.sandbox): plain-data calls into a sandboxed worker.

The functional tests run in every mode this machine has (bubblewrap, Landlock +
seccomp, and the unconfined ``none``); the isolation tests in the confining
modes. ``test_hostile.py`` runs the attacks in simulated Docker and user machines.
"""
import os
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest

from autograder import sandbox
from autograder.sandbox import (Box, BoxCrash, BoxTimeout, ImportFailed, Limits, NoBox, Opaque,
                                StudentError, WorkerFunction, status_report)

ROOT = Path(__file__).resolve().parent.parent
STATUS = status_report()
BWRAP_OK, BWRAP_WHY = STATUS["bwrap"]
CONFINING = [pytest.param(name, marks=pytest.mark.skipif(not ok, reason=f"{name} unusable: {why}"))
             for name, (ok, why) in STATUS.items()]
MODES = CONFINING + ["none"]
pytestmark = pytest.mark.filterwarnings("ignore:autograder sandbox disabled")

GOOD = '''
import os, signal, sys, time
import numpy as np
import matplotlib.pyplot as plt      # must work inside the box

print('{"score": 100, "tests": []}')  # fake results at import time
STASH = []

def sigmoid(x):
    return 1 / (1 + np.exp(-x))

def softmax(x):
    x -= np.max(x, axis=-1, keepdims=True)      # modifies its argument (on purpose)
    e = np.exp(x)
    return e / np.sum(e, axis=-1, keepdims=True)

def echo(*args, **kwargs):
    return args, kwargs

def listy():
    return [1, 2.5, "s", None, True]

def gen():
    return (i for i in range(3))

def object_array():
    return np.array([None, 1], dtype=object)

def apply(f, x):
    return f(x)

def numerical_gradient(f, x):
    h, grad = 1e-4, np.zeros_like(x)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + h
        a = f(x)
        x[i] = old - h
        b = f(x)
        x[i] = old
        grad[i] = (a - b) / (2 * h)
    return grad

def use_helper(helper, x):
    return helper(lambda v: float(np.sum(v ** 2)), x)   # the grader's helper calls our lambda

def make_square():
    return lambda v: v * v

def stash(f):
    STASH.append(f)
    return "ok"

def use_stash(x):
    return STASH[-1](x)

def boom():
    helper_that_fails()

def helper_that_fails():
    raise ValueError("shapes (2,3) and (4,) not aligned")

def random3():
    return np.random.rand(3)

def noisy():
    print('{"score": 100, "tests": []}')
    sys.stderr.write("a warning\\n")
    os.write(1, b"\\x00\\x00\\x00\\x10{\\"op\\":\\"return\\"}")   # a fake protocol frame
    print("x" * 30000)
    for _ in range(3000):                      # 300 kB: the capture file is cut down as it grows
        print("y" * 100)
    print("last line")
    return 1

def cheat_allclose():
    np.allclose = lambda *a, **k: True
    return bool(np.allclose(1, 2))

def main_ran():
    return globals().get("MAIN_RAN", False)

def save_plot():
    plt.plot([1, 2, 3])
    plt.savefig("curve.png")
    plt.show()
    return os.path.getsize("curve.png")

def call_sys_exit():
    sys.exit(2)

def call_os_exit():
    os._exit(3)

def call_exit():
    exit()

def kill_self():
    os.kill(os.getpid(), signal.SIGKILL)

def spin():
    while True:
        pass

def ignore_sigterm():
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    while True:
        time.sleep(0.01)

def alloc_10gb():
    return np.ones(10 * 2**30 // 8)

class Broken:
    def __init__(self, *args):
        raise NotImplementedError("todo")

    def total(self):
        return float(sum(np.sum(v) for v in self.params.values()))

class TwoLayerNet:
    def __init__(self, input_size, hidden_size, output_size, weight_init_std=0.01):
        self.params = {"W1": weight_init_std * np.random.randn(input_size, hidden_size),
                       "b1": np.zeros(hidden_size),
                       "W2": weight_init_std * np.random.randn(hidden_size, output_size),
                       "b2": np.zeros(output_size)}

    def forward(self, x):
        p = self.params
        z = sigmoid(x @ p["W1"] + p["b1"])
        a = z @ p["W2"] + p["b2"]
        e = np.exp(a - a.max(axis=1, keepdims=True))
        return e / e.sum(axis=1, keepdims=True)

    def loss(self, x, t):
        return -np.sum(t * np.log(self.forward(x) + 1e-7)) / x.shape[0]

    def accuracy(self, x, t):
        return float(np.mean(self.forward(x).argmax(1) == t.argmax(1)))

    def gradient(self, x, t):
        p = self.params
        z = sigmoid(x @ p["W1"] + p["b1"])
        dy = (self.forward(x) - t) / x.shape[0]
        dz = dy @ p["W2"].T * z * (1 - z)
        return {"W1": x.T @ dz, "b1": dz.sum(0), "W2": z.T @ dy, "b2": dy.sum(0)}

    def train_model(self, x_train, t_train, x_test, t_test, iters_num=10000, batch_size=10,
                    learning_rate=0.1):
        train_loss_list, train_acc_list, test_acc_list = [], [], []
        train_size = x_train.shape[0]
        iter_per_epoch = max(train_size / batch_size, 1)
        for i in range(iters_num):
            idx = np.random.choice(train_size, batch_size)
            grad = self.gradient(x_train[idx], t_train[idx])
            for k in ("W1", "b1", "W2", "b2"):
                self.params[k] -= learning_rate * grad[k]
            train_loss_list.append(self.loss(x_train[idx], t_train[idx]))
            if i % iter_per_epoch == 0:
                train_acc_list.append(self.accuracy(x_train, t_train))
                test_acc_list.append(self.accuracy(x_test, t_test))
        return train_loss_list, train_acc_list, test_acc_list

if __name__ == "__main__":
    MAIN_RAN = True
'''

HOSTILE = '''
import os, socket, sys, time

def read(path):
    with open(path) as f:
        return f.read()

def listdir(path):
    return os.listdir(path)

def write(path):
    with open(path, "w") as f:
        f.write("x")
    return True

def write_tmp():
    import tempfile
    return write(os.path.join(tempfile.gettempdir(), "ok.txt"))

def importable(name):
    try:
        __import__(name)
        return True
    except ImportError:
        return False

def connect(host, port):
    socket.create_connection((host, port), timeout=2).close()
    return True

def resolve(name):
    return socket.gethostbyname(name)

def uid():
    return os.getuid()

def fork_bomb():
    while True:
        try:
            os.fork()
        except OSError:
            pass

def fork_until_refused():
    for _ in range(10000):
        if os.fork() == 0:
            time.sleep(1000)
    return "unlimited"

def daemon():
    if os.fork() == 0:               # child: detach, leave a sleeping grandchild behind
        os.setsid()
        if os.fork() == 0:
            time.sleep(1000)
        os._exit(0)
    time.sleep(0.2)
    return "spawned"
'''

N, D, H, K = 20, 4, 3, 2


def write_sub(directory, source):
    path = Path(directory) / "two_layer_net.py"
    path.write_text(textwrap.dedent(source))
    return path


@pytest.fixture(scope="module", params=MODES)
def box(request, tmp_path_factory):
    path = write_sub(tmp_path_factory.mktemp("good"), GOOD)
    with Box(path, Limits(call_seconds=10, total_seconds=300), mode=request.param) as b:
        assert b.import_error is None, b.import_error
        yield b


def net_params(seed=1):
    rng = np.random.RandomState(seed)
    return {"W1": rng.randn(D, H), "b1": rng.randn(H), "W2": rng.randn(H, K), "b2": rng.randn(K)}


def data(seed=2):
    rng = np.random.RandomState(seed)
    x = rng.randn(N, D)
    t = np.eye(K)[rng.randint(0, K, N)]
    return x, t


def ref_forward(p, x, sig=lambda v: 1 / (1 + np.exp(-v))):
    a = sig(x @ p["W1"] + p["b1"]) @ p["W2"] + p["b2"]
    e = np.exp(a - a.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


# ------------------------------------------------------------ functional

def test_values_round_trip(box):
    args = (np.arange(6, dtype=np.int32).reshape(2, 3), np.array(True), np.float32(1.5), np.int64(7),
            (1, "a"), {"k": [1, 2]}, None, float("inf"), 2**70, "ü", np.zeros((0, 3)),
            np.array([1 + 2j]), np.asfortranarray(np.arange(6.0).reshape(2, 3)))
    (back, kwargs) = box.call("echo", *args, flag=np.bool_(True)).value
    assert isinstance(back, tuple) and len(back) == len(args)
    for a, b in zip(args, back):
        if isinstance(a, (np.ndarray, np.generic)):
            assert type(b) is type(a) and b.dtype == a.dtype and np.array_equal(a, b)
        else:
            assert type(b) is type(a) and b == a
    assert kwargs == {"flag": True} and isinstance(kwargs["flag"], np.bool_)
    nan = box.call("echo", float("nan")).value[0][0]
    assert np.isnan(nan)
    value = box.call("listy").value
    assert type(value) is list and value == [1, 2.5, "s", None, True]


def test_unsupported_values(box):
    value = box.call("gen").value
    assert isinstance(value, Opaque) and value.type_name == "generator"
    assert isinstance(box.call("object_array").value, Opaque)
    with pytest.raises(TypeError):
        box.call("echo", np.array([None], dtype=object))      # the grader never sends objects


def test_args_after_shows_mutation(box):
    x = np.array([[1.0, 2.0, 3.0]])
    r = box.call("softmax", x)
    assert np.allclose(r.value.sum(axis=-1), 1)
    assert np.array_equal(x, [[1.0, 2.0, 3.0]])                 # the grader's copy is untouched
    assert np.array_equal(r.args_after[0], [[-2.0, -1.0, 0.0]])  # the student's function changed it


def test_grader_callable_as_argument(box):
    x = np.array([[1.0, -2.0], [0.5, 3.0]])
    r = box.call("numerical_gradient", lambda v: float(np.sum(v ** 2)), x)
    assert np.allclose(r.value, 2 * x, atol=1e-6)
    assert np.array_equal(r.args_after[1], x)


def test_nested_callbacks(box):
    calls = []

    def ref_numerical_gradient(f, x):          # the grader's function, fed a student lambda
        assert isinstance(f, WorkerFunction)
        h, grad = 1e-4, np.zeros_like(x)
        for i in np.ndindex(x.shape):
            old = x[i]
            x[i] = old + h
            a = f(x)
            x[i] = old - h
            b = f(x)
            x[i] = old
            calls.append(1)
            grad[i] = (a - b) / (2 * h)
        return grad

    x = np.array([1.0, 2.0, 3.0])
    r = box.call("use_helper", ref_numerical_gradient, x)
    assert np.allclose(r.value, 2 * x) and len(calls) == 3


def test_worker_functions_come_back(box):
    square = box.call("make_square").value
    assert isinstance(square, WorkerFunction)
    assert square(7) == 49                          # called from the grader
    assert box.call("apply", square, 4).value == 16  # passed back into the worker


def test_grader_handle_expires_after_its_call(box):
    assert box.call("stash", lambda v: v + 1).value == "ok"
    with pytest.raises(StudentError) as e:
        box.call("use_stash", 1)                  # a later call cannot reuse the grader's function
    assert "no longer available" in e.value.message


def test_method_call_with_obj(box):
    p, (x, _) = net_params(), data()
    r = box.call("TwoLayerNet.forward", x, obj={"init": (D, H, K), "params": p})
    assert np.allclose(r.value, ref_forward(p, x))
    assert set(r.params_after) == {"W1", "b1", "W2", "b2"}
    r = box.call("TwoLayerNet.__init__", D, H, K, obj={}, seed=0)   # bare object, then __init__
    assert r.params_after["W1"].shape == (D, H)
    # __init__ raising: the object is built without it
    assert box.call("Broken.total", obj={"init": (1,), "params": {"a": np.ones(3)}}).value == 3.0


def test_train_model_params_after_and_seed(box):
    p, (x, t) = net_params(), data()
    kw = dict(iters_num=12, batch_size=5, learning_rate=0.1, obj={"init": (D, H, K), "params": p}, seed=0)
    r1 = box.call("TwoLayerNet.train_model", x, t, x, t, **kw)
    r2 = box.call("TwoLayerNet.train_model", x, t, x, t, **kw)
    losses, train_acc, test_acc = r1.value
    assert len(losses) == 12 and len(train_acc) == 3 and len(test_acc) == 3
    assert not np.allclose(r1.params_after["W1"], p["W1"])          # it trained
    assert np.array_equal(r1.params_after["W1"], r2.params_after["W1"])
    assert r1.value == r2.value


def test_seed(box):
    a = box.call("random3", seed=0).value
    b = box.call("random3", seed=0).value
    assert np.array_equal(a, b) and np.array_equal(a, np.random.RandomState(0).rand(3))
    assert not np.array_equal(box.call("random3", seed=1).value, a)


def test_patch_module_function(box):
    p, (x, _) = net_params(), data()
    p["b2"] = np.array([0.0, np.log(2.0)])
    r = box.call("TwoLayerNet.forward", x, obj={"params": p},
                 patches={"sigmoid": lambda v: np.zeros_like(v)})
    assert np.allclose(r.value, [1 / 3, 2 / 3])          # the student's forward used our sigmoid
    r = box.call("TwoLayerNet.forward", x, obj={"params": p})
    assert np.allclose(r.value, ref_forward(p, x))       # and it was restored afterwards

    def failing_sigmoid(v):
        raise ValueError("expected a 2-D array")
    with pytest.raises(StudentError) as e:
        box.call("TwoLayerNet.forward", x, obj={"params": p}, patches={"sigmoid": failing_sigmoid})
    assert e.value.kind == "ValueError" and "grader-supplied function sigmoid" in e.value.message
    assert "forward" in e.value.traceback


def test_patch_methods(box):
    p, (x, t) = net_params(), data()
    seen = []

    def ref_gradient(params, xb, tb):
        seen.append(params["b2"].copy())
        return {k: np.full_like(v, 0.5) for k, v in params.items()}

    r = box.call("TwoLayerNet.train_model", x, t, x, t, iters_num=6, batch_size=5,
                 learning_rate=0.1, obj={"init": (D, H, K), "params": p}, seed=0,
                 patches={"TwoLayerNet.gradient": ref_gradient,
                          "TwoLayerNet.loss": lambda params, xb, tb: 0.25,
                          "TwoLayerNet.accuracy": lambda params, xb, tb: 0.75})
    losses, train_acc, _ = r.value
    assert losses == [0.25] * 6 and train_acc == [0.75] * 2
    assert len(seen) == 6 and np.allclose(seen[-1], p["b2"] - 0.05 * 5)   # it saw the updates
    assert np.allclose(r.params_after["b2"], p["b2"] - 0.05 * 6)
    r = box.call("TwoLayerNet.loss", x, t, obj={"params": p})             # restored
    assert r.value != 0.25


def test_student_exception(box):
    with pytest.raises(StudentError) as e:
        box.call("boom")
    err = e.value
    assert err.kind == "ValueError" and "not aligned" in err.message
    assert "two_layer_net.py" in err.traceback and "helper_that_fails" in err.traceback
    assert "worker.py" not in err.traceback


def test_missing_names(box):
    with pytest.raises(StudentError, match="function softmaxx is not defined") as e:
        box.call("softmaxx", 1)
    assert e.value.kind == "MissingName"   # calling.MissingName: a kind, not a message to search
    with pytest.raises(StudentError, match="class Nope is not defined"):
        box.call("Nope.forward", 1)
    with pytest.raises(StudentError, match="method TwoLayerNet.nope is not defined"):
        box.call("TwoLayerNet.nope", obj={"params": {}})


def test_exits_inside_functions(box):
    for name, text in [("call_sys_exit", "sys.exit(2)"), ("call_os_exit", "os._exit(3)"),
                       ("call_exit", "exit()")]:
        with pytest.raises(StudentError) as e:
            box.call(name)
        assert e.value.kind == "SystemExit" and text in e.value.message
    assert box.call("listy").value[0] == 1


def test_process_death_then_recovery(box):
    with pytest.raises(BoxCrash, match="SIGKILL"):
        box.call("kill_self")
    assert box.call("listy").value[0] == 1


@pytest.mark.parametrize("name", [pytest.param("spin", marks=pytest.mark.slow),   # SIGTERM alone stops it
                                  "ignore_sigterm"])
def test_timeout_then_recovery(box, name):
    t0 = time.monotonic()
    with pytest.raises(BoxTimeout):
        box.call(name, timeout=0.25)
    assert time.monotonic() - t0 < 3
    assert box.call("listy").value[0] == 1


def test_memory_limit(box):
    t0 = time.monotonic()
    with pytest.raises((StudentError, BoxCrash)) as e:
        box.call("alloc_10gb")
    assert time.monotonic() - t0 < 5
    assert isinstance(e.value, BoxCrash) or e.value.kind == "MemoryError"
    assert box.call("listy").value[0] == 1


def test_prints_do_not_confuse_the_protocol(box):
    assert '"score": 100' in box.import_stdout
    r = box.call("noisy")
    assert r.value == 1
    assert r.stdout.rstrip().endswith("last line") and len(r.stdout) < 10_100
    assert "earlier output cut" in r.stdout


def test_numpy_patch_stays_in_worker(box):
    assert box.call("cheat_allclose").value is True
    assert not np.allclose(1, 2)


def test_main_block_not_run_and_matplotlib_works(box):
    assert box.call("main_ran").value is False
    assert box.call("save_plot").value > 0


def test_closed_box_refuses_calls(tmp_path):
    b = Box(write_sub(tmp_path, "def ok():\n    return 1\n"))
    with b:
        assert b.call("ok").value == 1
    with pytest.raises(RuntimeError):
        b.call("ok")


def test_total_time_budget(tmp_path):
    path = write_sub(tmp_path, "def spin():\n    while True:\n        pass\n\ndef ok():\n    return 1\n")
    with Box(path, Limits(call_seconds=0.2, total_seconds=0.6)) as b:
        assert b.call("ok").value == 1
        for _ in range(3):
            try:
                b.call("spin")
            except BoxTimeout:
                pass
        t0 = time.monotonic()
        with pytest.raises(BoxTimeout, match="total time limit"):
            b.call("ok")
        assert time.monotonic() - t0 < 0.1


# The worker reports these itself, with the same code in every box: every box in the
# slow tier, the unconfined one every day.
UNCONFINED_EVERY_DAY = [m if m == "none" else pytest.param(*m.values, marks=[*m.marks, pytest.mark.slow], id=m.id)
                        for m in MODES]


@pytest.mark.parametrize("mode", UNCONFINED_EVERY_DAY)
@pytest.mark.parametrize("source, expected", [
    ("import numpy as np\n\ndef f(:\n    pass\n", "line 3"),
    ("import sys\nsys.exit('bye')\n", "sys.exit('bye')"),
    ("x = undefined_name\n", "NameError"),
])
def test_import_errors_the_worker_reports(tmp_path, mode, source, expected):
    check_import_failure(tmp_path, mode, source, expected)


@pytest.mark.parametrize("mode", MODES)     # the box sees the worker die, or stops it
@pytest.mark.parametrize("source, expected", [
    ("import os\nos._exit(3)\n", "os._exit(3)"),
    ("import os, signal\nos.kill(os.getpid(), signal.SIGKILL)\n", "died while importing"),
    ("while True:\n    pass\n", "did not finish"),
])
def test_import_failures(tmp_path, mode, source, expected):
    check_import_failure(tmp_path, mode, source, expected)


def check_import_failure(tmp_path, mode, source, expected):
    with Box(write_sub(tmp_path, source), Limits(call_seconds=0.5), mode=mode) as b:
        assert b.import_error is not None and expected in b.import_error, b.import_error
        with pytest.raises(ImportFailed):
            b.call("softmax", 1)


def test_mode_from_environment(tmp_path, monkeypatch):
    path = write_sub(tmp_path, "x = 1\n")
    monkeypatch.setenv("AUTOGRADER_SANDBOX", "none")
    assert Box(path).mode == "none"
    monkeypatch.setenv("AUTOGRADER_SANDBOX", "chroot")
    with pytest.raises(NoBox, match="must be one of"):
        Box(path)
    for name, (ok, _) in STATUS.items():
        monkeypatch.setenv("AUTOGRADER_SANDBOX", name)
        if ok:
            assert Box(path).mode == name
        else:
            with pytest.raises(NoBox):
                Box(path)
    monkeypatch.setenv("AUTOGRADER_SANDBOX", "auto")
    first = next((name for name, (ok, _) in STATUS.items() if ok), None)
    if first:
        assert Box(path).mode == first


def test_auto_refuses_to_grade_when_no_box_works(tmp_path, monkeypatch):
    """auto never falls back to running student code unconfined: it names the fix instead."""
    from autograder.sandbox import bwrap, landlock, uid
    monkeypatch.setattr(bwrap, "status", lambda: (False, "no namespaces here"))
    monkeypatch.setattr(landlock, "status", lambda: (False, "no Landlock here"))
    monkeypatch.setattr(uid, "status", lambda: (False, "not root here"))
    with pytest.raises(NoBox) as error:
        Box(write_sub(tmp_path, "x = 1\n"))
    text = str(error.value)
    assert "no namespaces here" in text and "no Landlock here" in text and "not root here" in text
    assert "apt-get install bubblewrap" in text and "AUTOGRADER_SANDBOX=none" in text


def test_the_box_check_says_loudly_when_none_works(monkeypatch, capsys):
    """setup.sh's check (python -m autograder.sandbox) names the box, or shouts, never fails."""
    from autograder.sandbox import __main__ as check, bwrap, landlock, uid
    monkeypatch.setattr(bwrap, "status", lambda: (False, "no namespaces here"))
    monkeypatch.setattr(landlock, "status", lambda: (False, "no Landlock here"))
    monkeypatch.setattr(uid, "status", lambda: (True, "uid 200001, seccomp"))
    assert check.main() == 0
    out = capsys.readouterr().out
    assert "sandbox: uid" in out and "no Landlock here" in out and "NO SANDBOX" not in out
    monkeypatch.setattr(uid, "status", lambda: (False, "not root here"))
    assert check.main() == 0
    out = capsys.readouterr().out
    assert "NO SANDBOX WORKS HERE" in out and "not root here" in out and "sandbox: " not in out


# ------------------------------------------------------------- isolation

@pytest.fixture(scope="module", params=CONFINING)
def hostile(request, tmp_path_factory):
    path = write_sub(tmp_path_factory.mktemp("hostile"), HOSTILE)
    with Box(path, Limits(call_seconds=5, total_seconds=120, max_procs=32), mode=request.param) as b:
        assert b.import_error is None, b.import_error
        yield b


def box_user_pids(uid):
    """Processes running as the box's user ``uid`` (only meaningful when the grader is root)."""
    pids = set()
    for pid in os.listdir("/proc"):
        try:
            if pid.isdigit() and os.stat(f"/proc/{pid}").st_uid == uid:
                pids.add(int(pid))
        except OSError:
            pass
    return pids


def wait_for_no_box_processes(uid, seconds=3.0):
    end = time.monotonic() + seconds
    while box_user_pids(uid) and time.monotonic() < end:
        time.sleep(0.05)
    return box_user_pids(uid)


def test_network_is_unreachable(hostile):
    for host, port in [("1.1.1.1", 53), ("151.101.0.223", 443)]:
        with pytest.raises(StudentError) as e:
            hostile.call("connect", host, port)
        assert e.value.kind in ("OSError", "TimeoutError", "ConnectionRefusedError", "PermissionError")
    with pytest.raises(StudentError):
        hostile.call("resolve", "pypi.org")


def test_project_files_are_invisible(hostile):
    for path in [ROOT / "solution" / "two_layer_net.py", ROOT / "pyproject.toml",
                 ROOT / "autograder" / "sandbox" / "box.py", ROOT / "tests" / "conftest.py",
                 Path("/root/.bashrc")]:
        with pytest.raises(StudentError) as e:
            hostile.call("read", str(path))
        assert e.value.kind in ("FileNotFoundError", "PermissionError")
    for path in [ROOT, "/home", "/root"]:
        try:
            names = hostile.call("listdir", str(path)).value
        except StudentError:
            continue
        assert not set(names) & {"solution", "autograder", ".bashrc", "pyproject.toml"}
    assert hostile.call("importable", "autograder").value is False
    assert hostile.call("importable", "kit").value is False
    assert hostile.call("importable", "numpy").value is True


def test_writes_outside_tmp_fail(hostile):
    assert hostile.call("write_tmp").value is True
    own = hostile._files
    for path in ["/box/x.txt", "/usr/x.txt", "/x.txt", "/box/sub/two_layer_net.py",
                 "/box/worker.py", str(ROOT / "pwned.txt"), str(own.sub), str(own.code / "worker.py"),
                 str(own.root / "x.txt"), "/tmp/x.txt" if hostile.mode != "bwrap" else "/x.txt"]:
        with pytest.raises(StudentError) as e:
            hostile.call("write", path)
        assert e.value.kind in ("OSError", "PermissionError", "FileNotFoundError")
    assert not (ROOT / "pwned.txt").exists()


@pytest.mark.skipif(os.name != "posix" or os.geteuid() != 0, reason="the box drops its uid only as root")
def test_runs_unprivileged(hostile):
    from autograder.sandbox import landlock
    if hostile.mode == "landlock" and not landlock.python_reachable():
        pytest.skip("this Python lies where another uid cannot reach it (/root): landlock keeps root")
    assert hostile.call("uid").value == hostile._files.uid >= sandbox.BOX_UID_BASE


def test_landlock_refuses_new_processes(tmp_path):
    if not STATUS["landlock"][0]:
        pytest.skip(f"landlock unusable: {STATUS['landlock'][1]}")
    with Box(write_sub(tmp_path, HOSTILE), Limits(call_seconds=5, max_procs=32), mode="landlock") as b:
        for name in ("fork_until_refused", "daemon"):
            with pytest.raises(StudentError) as e:
                b.call(name)
            assert e.value.kind == "PermissionError"
        with pytest.raises(BoxTimeout):
            b.call("fork_bomb", timeout=0.5)                  # spins on refused forks until killed


@pytest.mark.slow   # waits for a fork bomb's processes to be gone (test_landlock_refuses... runs every day)
@pytest.mark.skipif(os.name != "posix" or os.geteuid() != 0, reason="process scan by uid needs root grader")
def test_fork_bombs_are_contained(tmp_path):
    if not BWRAP_OK:
        pytest.skip(f"bubblewrap unusable: {BWRAP_WHY}")
    with Box(write_sub(tmp_path, HOSTILE), Limits(call_seconds=5, max_procs=32), mode="bwrap") as b:
        uid = b._files.uid
        with pytest.raises(StudentError) as e:
            b.call("fork_until_refused")                # RLIMIT_NPROC says no
        assert e.value.kind == "BlockingIOError"
        with pytest.raises(BoxTimeout):
            b.call("fork_bomb", timeout=0.5)
        assert wait_for_no_box_processes(uid) == set()   # the timeout killed them all
        assert b.call("daemon").value == "spawned"          # leaves a detached grandchild
        assert len(box_user_pids(uid)) >= 2
    assert wait_for_no_box_processes(uid) == set()       # closing the box killed it


def test_grader_functions_refuse_huge_arguments(tmp_path):
    """A grader function runs in the grader: a student cannot make it chew on gigabytes."""
    path = tmp_path / "two_layer_net.py"
    path.write_text("import numpy as np\n"
                    "def sigmoid(x):\n    return x\n"
                    "def forward(x):\n    return sigmoid(np.zeros((1100, 1000)))\n", encoding="utf-8")
    seen = []
    with Box(path, Limits(call_seconds=10, total_seconds=30)) as box:
        with pytest.raises(StudentError) as error:
            box.call("forward", 0, patches={"sigmoid": lambda x: seen.append(x.shape) or x})
    assert "ValueError" in str(error.value) and seen == []


def test_a_killed_graders_box_folders_are_removed_by_the_next_run(tmp_path):
    """kill -9 leaves no litter for long: the next grader process sweeps it away."""
    import signal
    import subprocess
    import sys
    path = write_sub(tmp_path, "x = 1\n")
    script = ("import sys, time\nfrom autograder.sandbox import Box, shared\n"
              f"box = Box({str(path)!r}, mode='none')\nbox.start()\n"
              "print(shared.scratch(), flush=True)\ntime.sleep(600)\n")
    grader = subprocess.Popen([sys.executable, "-W", "ignore", "-c", script], stdout=subprocess.PIPE,
                              text=True, cwd=ROOT)
    left = Path(grader.stdout.readline().strip())
    assert left.is_dir() and any(left.glob("box-*"))
    alive = subprocess.run([sys.executable, "-W", "ignore", "-c",
                            "from autograder.sandbox import shared; print(shared.scratch())"],
                           capture_output=True, text=True, cwd=ROOT, check=True)
    assert left.is_dir()                                   # a live grader's folder stays
    grader.send_signal(signal.SIGKILL)
    grader.wait()
    assert left.is_dir()
    subprocess.run([sys.executable, "-W", "ignore", "-c",
                    "from autograder.sandbox import shared; shared.scratch()"], cwd=ROOT, check=True)
    assert not left.exists()
    assert not Path(alive.stdout.strip()).exists()         # removed by its own process at exit


def test_a_grader_function_is_stopped_at_the_call_deadline(tmp_path):
    """A grader function runs in the grader on inputs the student chose (the reference's
    numerical gradient of a huge net, say): the call's time limit still holds."""
    path = write_sub(tmp_path, "def use(f, n):\n    return f(n)\n")

    def slow(n):
        total = 0
        for i in range(10 ** 10):
            total += i
        return total
    with Box(path, Limits(call_seconds=0.5, total_seconds=30)) as box:
        start = time.monotonic()
        with pytest.raises(BoxTimeout, match="did not finish within 0.5 s"):
            box.call("use", slow, 1)
        assert time.monotonic() - start < 3
        assert box.call("use", lambda n: n + 1, 1).value == 2      # a fresh worker, as after any timeout
