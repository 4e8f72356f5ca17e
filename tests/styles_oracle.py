"""An oracle for examples/styles, independent of the grader: which contract functions
(../shared/contract.md section 1) of a submission are wrong.

Nothing here comes from autograder/: the expected values are computed by the small
``spec_*`` functions below, written from the contract's table (sigmoid, softmax, the
mean cross-entropy with 1e-7, central differences with h = 1e-4, the forward pass, its
backpropagation, the seed's training loop). The reference solution/two_layer_net.py is
used only as the correct collaborators a function is run with.

How a function F is judged: F is run with collaborators (the other contract functions
and methods), in up to three settings, tried in this order:

1. ``reference``: every other contract function and method is the reference's;
2. ``own-passing``: the submission's own where it passed in setting 1, the reference's
   where it did not (state a correct ``forward`` leaves for ``gradient``, such as a cache,
   is then there);
3. ``own``: the submission's own collaborators, all of them (a ``gradient`` reading the
   cache of a ``forward`` whose only bug is elsewhere, e.g. at scores of 1000).

F is correct when it meets every check of its own in one of them; the first that
passes is reported. Helpers with their own names always stay the submission's (they
are part of F). Each check below tests what the contract says about F, at inputs
chosen to expose the bugs students make (rows of very different scale, 1-D and 3-D
arrays, labels and one-hot targets, N != K, an epoch length that is not whole...).

    python -m tests.styles_oracle [FILE ...]      # verdicts (default: every example)
    python -m tests.styles_oracle --check         # compare with examples/styles/manifest.toml
"""
from __future__ import annotations

import contextlib
import importlib.util
import io
import sys
from pathlib import Path
from typing import Any, Callable

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
STYLES = ROOT / "examples" / "styles"
MANIFEST = STYLES / "manifest.toml"
REFERENCE = ROOT / "solution" / "two_layer_net.py"

MODULE_FUNCTIONS = ["sigmoid", "softmax", "cross_entropy_error", "numerical_gradient"]
METHODS = ["forward", "loss", "accuracy", "numerical_gradient", "gradient", "train_model"]
FUNCTIONS = MODULE_FUNCTIONS + [f"TwoLayerNet.{m}" for m in METHODS]
KEYS = ("W1", "b1", "W2", "b2")


# ---- the contract, written out -------------------------------------------------------

def spec_sigmoid(x):
    with np.errstate(over="ignore"):
        return 1 / (1 + np.exp(-np.asarray(x, dtype=float)))


def spec_softmax(x):
    e = np.exp(x - np.max(x, axis=-1, keepdims=True))
    return e / np.sum(e, axis=-1, keepdims=True)


def one_hot(t, k):
    return np.eye(k)[t]


def spec_ce(y, t):
    y2 = y.reshape(1, -1) if y.ndim == 1 else y
    t2 = t.reshape(y2.shape) if t.size == y2.size else one_hot(t.reshape(-1), y2.shape[1])
    return float(np.mean(-np.sum(t2 * np.log(y2 + 1e-7), axis=1)))


def spec_numgrad(f, x):
    x = x.astype(float, copy=True)
    grad = np.zeros_like(x)
    for idx in np.ndindex(*x.shape):
        keep = x[idx]
        x[idx] = keep + 1e-4
        plus = f(x)
        x[idx] = keep - 1e-4
        minus = f(x)
        x[idx] = keep
        grad[idx] = (plus - minus) / (2 * 1e-4)
    return grad


def spec_forward(p, x):
    return spec_softmax(spec_sigmoid(x @ p["W1"] + p["b1"]) @ p["W2"] + p["b2"])


def spec_loss(p, x, t):
    return spec_ce(spec_forward(p, x), t)


def spec_accuracy(p, x, t):
    labels = t.argmax(axis=1) if t.ndim == 2 else t
    return float(np.mean(spec_forward(p, x).argmax(axis=1) == labels))


def spec_gradient(p, x, t):
    z1 = spec_sigmoid(x @ p["W1"] + p["b1"])
    y = spec_softmax(z1 @ p["W2"] + p["b2"])
    t2 = t if t.ndim == 2 else one_hot(t, y.shape[1])
    dy = (y - t2) / x.shape[0]
    da1 = dy @ p["W2"].T * z1 * (1 - z1)
    return {"W1": x.T @ da1, "b1": da1.sum(axis=0), "W2": z1.T @ dy, "b2": dy.sum(axis=0)}


def spec_param_numgrad(p, x, t):
    return {k: spec_numgrad(lambda a, k=k: spec_loss(dict(p, **{k: a}), x, t), p[k]) for k in KEYS}


def spec_train(p, x_train, t_train, x_test, t_test, iters, batch, lr, seed):
    """The seed's loop: (losses, train accuracies, test accuracies, final params)."""
    p = {k: v.copy() for k, v in p.items()}
    np.random.seed(seed)
    n = x_train.shape[0]
    per_epoch = max(n / batch, 1)
    losses, train_acc, test_acc = [], [], []
    for i in range(iters):
        mask = np.random.choice(n, batch)
        g = spec_gradient(p, x_train[mask], t_train[mask])
        for k in KEYS:
            p[k] = p[k] - lr * g[k]
        losses.append(spec_loss(p, x_train[mask], t_train[mask]))
        if i % per_epoch == 0:
            train_acc.append(spec_accuracy(p, x_train, t_train))
            test_acc.append(spec_accuracy(p, x_test, t_test))
    return losses, train_acc, test_acc, p


# ---- building a submission with chosen collaborators -----------------------------------

def load(path: Path, name: str) -> dict[str, Any]:
    """The namespace of the file at ``path``, freshly executed."""
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    with contextlib.redirect_stdout(io.StringIO()):
        spec.loader.exec_module(module)
    return vars(module)


def build(path: Path, own: set[str]) -> dict[str, Any]:
    """The submission's namespace where every contract function not in ``own`` is the
    reference's. Its TwoLayerNet is the submission's class (its __init__ and helpers)."""
    ns = load(path, "submission")
    ref = load(REFERENCE, "reference")
    for name in MODULE_FUNCTIONS:
        if name not in own:
            ns[name] = ref[name]
    for method in METHODS:
        if f"TwoLayerNet.{method}" not in own:
            setattr(ns["TwoLayerNet"], method, vars(ref["TwoLayerNet"])[method])
    return ns


def net_with(ns, p):
    """A TwoLayerNet of the submission's class holding the values of ``p`` (set in place,
    so layer objects that hold the arrays see them)."""
    w1, w2 = p["W1"], p["W2"]
    np.random.seed(0)
    net = ns["TwoLayerNet"](w1.shape[0], w1.shape[1], w2.shape[1])
    for k in KEYS:
        net.params[k][...] = p[k]
    return net


# ---- checks: each returns a list of what is wrong (empty: meets the contract) ---------

def close(got, expected, rtol=1e-7, atol=1e-12):
    got = np.asarray(got, dtype=float)
    return got.shape == np.shape(expected) and bool(np.allclose(got, expected, rtol=rtol, atol=atol))


def params(rng, d, h, k, std):
    return {"W1": rng.normal(0, std, (d, h)), "b1": rng.normal(0, std, h),
            "W2": rng.normal(0, std, (h, k)), "b2": rng.normal(0, std, k)}


def scalar(value):
    return np.ndim(value) == 0 and isinstance(value, (float, int, np.generic, np.ndarray))


def check_sigmoid(ns):
    rng = np.random.default_rng(1)
    wrong = []
    for x in (np.array(0.3), np.linspace(-1000, 1000, 11), rng.normal(0, 3, (3, 4)), rng.normal(0, 3, (2, 3, 2))):
        with np.errstate(all="ignore"):
            out = ns["sigmoid"](x.copy())
        if not isinstance(out, (np.ndarray, np.generic)) or not close(out, spec_sigmoid(x)):
            wrong.append(f"sigmoid of shape {x.shape}")
    return wrong


def check_softmax(ns):
    rng = np.random.default_rng(2)
    cases = {"(K,)": rng.normal(size=5), "(K,) of 1000s": np.array([1000.0, 1001.0, 999.0]),
             "(N, K)": rng.normal(size=(4, 5)), "(N, K) of 1000s": 1000 + rng.normal(size=(3, 4)),
             "rows of different scale": np.array([[1000.0, 990.0, 980.0], [1.0, 2.0, 3.0]])}
    wrong = []
    for what, x in cases.items():
        before = x.copy()
        with np.errstate(all="ignore"):
            out = ns["softmax"](x)
        if not close(out, spec_softmax(before)):
            wrong.append(f"softmax of {what}")
        if not np.array_equal(x, before):
            wrong.append(f"softmax modified its argument ({what})")
    return wrong


def check_cross_entropy_error(ns):
    rng = np.random.default_rng(3)
    y = spec_softmax(rng.normal(size=(5, 4)))
    labels = np.array([0, 3, 1, 1, 2])
    zero = np.array([[0.0, 1.0, 0.0], [0.2, 0.3, 0.5]])
    cases = {"one-hot (N, K)": (y, one_hot(labels, 4)), "labels (N,)": (y, labels),
             "(K,) with one-hot (K,)": (y[1], one_hot(labels, 4)[1]),
             "a probability of exactly 0": (zero, np.array([0, 2])),
             "labels, N == K": (y[:4], labels[:4])}
    wrong = []
    for what, (y_, t_) in cases.items():
        with np.errstate(all="ignore"):
            out = ns["cross_entropy_error"](y_.copy(), t_.copy())
        if not scalar(out) or not close(out, spec_ce(y_, t_)):
            wrong.append(f"cross_entropy_error on {what}: {out!r} != {spec_ce(y_, t_)!r}")
    return wrong


def check_numerical_gradient(ns):
    rng = np.random.default_rng(4)
    wrong = []
    f = lambda a: float(np.sum(a ** 3) + np.sum(np.sin(a)))   # noqa: E731
    for shape in ((2, 3), (5,), (2, 2, 3)):
        x = rng.normal(size=shape)
        before = x.copy()
        out = ns["numerical_gradient"](f, x)
        if not close(out, spec_numgrad(f, before), rtol=1e-6, atol=1e-8):
            wrong.append(f"numerical_gradient on a {len(shape)}-D array: not the central difference")
        if x.tobytes() != before.tobytes():
            wrong.append(f"numerical_gradient left x changed ({len(shape)}-D)")
    held = rng.normal(size=(3, 2))             # f reads the array itself, as a method's lambda does
    expected = spec_numgrad(lambda a: float(np.sum(a ** 3)), held)
    out = ns["numerical_gradient"](lambda _: float(np.sum(held ** 3)), held)
    if not close(out, expected, rtol=1e-6, atol=1e-8):
        wrong.append("numerical_gradient of an f that reads x itself (does it change x in place?)")
    return wrong


def check_forward(ns):
    rng = np.random.default_rng(5)
    p = params(rng, 4, 5, 3, 0.5)
    big = dict(p, b2=np.array([1000.0, 1001.0, 999.0]))     # scores of about 1000
    wrong = []
    for what, p_, x in (("a 4-5-3 net", p, rng.normal(size=(6, 4))), ("one row", p, rng.normal(size=(1, 4))),
                        ("scores of 1000s", big, rng.normal(size=(6, 4)))):
        with np.errstate(all="ignore"):
            out = net_with(ns, p_).forward(x)
        if not close(out, spec_forward(p_, x), rtol=1e-6, atol=1e-10):
            wrong.append(f"forward on {what}")
    return wrong


def check_loss(ns):
    rng = np.random.default_rng(6)
    p, x, labels = params(rng, 4, 5, 3, 0.5), rng.normal(size=(6, 4)), np.array([0, 2, 1, 1, 0, 2])
    wrong = []
    for t in (one_hot(labels, 3), labels):
        out = net_with(ns, p).loss(x, t)
        if not scalar(out) or not close(out, spec_loss(p, x, t), rtol=1e-7):
            wrong.append(f"loss with {'labels' if t.ndim == 1 else 'one-hot'}")
    return wrong


def check_accuracy(ns):
    rng = np.random.default_rng(7)
    p, x, labels = params(rng, 4, 5, 3, 2.0), rng.normal(size=(20, 4)), rng.integers(0, 3, 20)
    wrong = []
    for t in (one_hot(labels, 3), labels):
        out = net_with(ns, p).accuracy(x, t)
        if not scalar(out) or not close(out, spec_accuracy(p, x, t), atol=1e-6):
            wrong.append(f"accuracy with {'labels' if t.ndim == 1 else 'one-hot'}: {out!r} != {spec_accuracy(p, x, t)}")
    return wrong


def check_method_numerical_gradient(ns):
    rng = np.random.default_rng(8)
    p, x, labels = params(rng, 3, 4, 2, 0.5), rng.normal(size=(5, 3)), np.array([0, 1, 1, 0, 1])
    wrong = []
    for t in (one_hot(labels, 2), labels):
        net = net_with(ns, p)
        before = {k: net.params[k].copy() for k in KEYS}
        out = net.numerical_gradient(x, t)
        expected = spec_param_numgrad(p, x, t)
        if not isinstance(out, dict) or sorted(out) != sorted(KEYS) or not all(
                close(out[k], expected[k], rtol=1e-6, atol=1e-9) for k in KEYS):
            wrong.append(f"TwoLayerNet.numerical_gradient with {'labels' if t.ndim == 1 else 'one-hot'}")
        if any(net.params[k].tobytes() != before[k].tobytes() for k in KEYS):
            wrong.append("TwoLayerNet.numerical_gradient changed the parameters")
    return wrong


def check_gradient(ns):
    rng = np.random.default_rng(9)
    wrong = []
    for (d, h, k), std, n in (((4, 5, 3), 0.1, 6), ((3, 4, 5), 1.0, 5), ((4, 5, 3), 0.5, 1)):
        p, x = params(rng, d, h, k, std), rng.normal(size=(n, d))
        labels = rng.integers(0, k, n)
        for t in (one_hot(labels, k), labels):
            out = net_with(ns, p).gradient(x, t)
            expected = spec_gradient(p, x, t)
            if not isinstance(out, dict) or sorted(out) != sorted(KEYS) or not all(
                    np.shape(out[key]) == expected[key].shape and np.max(np.abs(out[key] - expected[key])) < 1e-6
                    for key in KEYS):
                wrong.append(f"gradient on a {d}-{h}-{k} net, N={n}, {'labels' if t.ndim == 1 else 'one-hot'}")
    return wrong


def check_train_model(ns):
    rng = np.random.default_rng(10)
    wrong = []
    for n_train, batch, iters, lr, labels_only in ((25, 10, 12, 0.5, False), (30, 6, 11, 0.3, True),
                                                   (4, 10, 3, 0.2, False)):
        p = params(rng, 4, 5, 3, 0.5)
        x_train, x_test = rng.normal(size=(n_train, 4)), rng.normal(size=(9, 4))
        t_train, t_test = rng.integers(0, 3, n_train), rng.integers(0, 3, 9)
        if not labels_only:
            t_train, t_test = one_hot(t_train, 3), one_hot(t_test, 3)
        expected = spec_train(p, x_train, t_train, x_test, t_test, iters, batch, lr, seed=n_train)
        net = net_with(ns, p)
        np.random.seed(n_train)
        with contextlib.redirect_stdout(io.StringIO()):
            out = net.train_model(x_train, t_train, x_test, t_test, iters_num=iters, batch_size=batch,
                                  learning_rate=lr)
        what = f"train_model with {n_train} samples, batches of {batch}, {iters} iterations"
        if len(out) != 3 or [len(v) for v in out] != [len(v) for v in expected[:3]]:
            wrong.append(f"{what}: list lengths {[len(v) for v in out]} != {[len(v) for v in expected[:3]]}")
            continue
        for got, want, name in zip(out, expected[:3], ("losses", "train accuracies", "test accuracies")):
            if not close(np.array(got, dtype=float), np.array(want), rtol=1e-6, atol=1e-9):
                wrong.append(f"{what}: {name}")
        if not all(close(net.params[k], expected[3][k], rtol=1e-6, atol=1e-9) for k in KEYS):
            wrong.append(f"{what}: final parameters")
    return wrong


CHECKS: dict[str, Callable[[dict[str, Any]], list[str]]] = {
    "sigmoid": check_sigmoid, "softmax": check_softmax, "cross_entropy_error": check_cross_entropy_error,
    "numerical_gradient": check_numerical_gradient, "TwoLayerNet.forward": check_forward,
    "TwoLayerNet.loss": check_loss, "TwoLayerNet.accuracy": check_accuracy,
    "TwoLayerNet.numerical_gradient": check_method_numerical_gradient,
    "TwoLayerNet.gradient": check_gradient, "TwoLayerNet.train_model": check_train_model}


def run_check(path: Path, function: str, own: set[str]) -> list[str]:
    try:
        return CHECKS[function](build(path, own | {function}))
    except Exception as error:                  # noqa: BLE001 - a crash is a failure of F
        return [f"raised {type(error).__name__}: {error}"]


def verdicts(path: Path) -> dict[str, tuple[str | None, list[str]]]:
    """{function: (the setting it passed in, or None; what failed in the first setting)}."""
    first = {f: run_check(path, f, set()) for f in FUNCTIONS}
    passing = {f for f in FUNCTIONS if not first[f]}
    out: dict[str, tuple[str | None, list[str]]] = {}
    for f in FUNCTIONS:
        if not first[f]:
            out[f] = ("reference", [])
        elif not run_check(path, f, passing - {f}):
            out[f] = ("own-passing", first[f])
        elif not run_check(path, f, set(FUNCTIONS)):
            out[f] = ("own", first[f])
        else:
            out[f] = (None, first[f])
    return out


def wrong_functions(path: Path) -> list[str]:
    """The contract functions of ``path`` that are wrong, in the contract's order."""
    return [f for f, (setting, _) in verdicts(path).items() if setting is None]


def self_test() -> None:
    """The spec agrees with itself: backprop matches numerical gradients below 1e-6."""
    rng = np.random.default_rng(11)
    p, x, labels = params(rng, 4, 5, 3, 0.5), rng.normal(size=(6, 4)), np.array([0, 2, 1, 1, 0, 2])
    for t in (labels, one_hot(labels, 3)):
        numeric, analytic = spec_param_numgrad(p, x, t), spec_gradient(p, x, t)
        assert all(np.max(np.abs(numeric[k] - analytic[k])) < 1e-6 for k in KEYS)
    for function in FUNCTIONS:                  # the reference meets every check
        assert not run_check(REFERENCE, function, set()), function


def examples() -> list[Path]:
    return sorted(STYLES.glob("*/*.py"))


def main(argv: list[str]) -> int:
    check = "--check" in argv
    files = [Path(a) for a in argv if a != "--check"] or examples()
    self_test()
    expected = {}
    if check:
        import tomllib
        expected = {ROOT / "examples" / "styles" / name: entry["wrong"]
                    for name, entry in tomllib.loads(MANIFEST.read_text(encoding="utf-8"))["files"].items()}
        missing = set(examples()) - set(expected)
        if missing:
            print("not in the manifest:", *sorted(str(m) for m in missing))
            return 1
    mismatches = 0
    for path in files:
        found = verdicts(path.resolve())
        wrong = [f for f, (setting, _) in found.items() if setting is None]
        print(f"{path.name}: wrong = {wrong}")
        for f, (setting, failed) in found.items():
            if failed:
                print(f"    {f}: {'passes with ' + setting + ' collaborators' if setting else 'WRONG'}; "
                      f"with the reference's: {'; '.join(failed)[:300]}")
        if check and expected.get(path.resolve()) != wrong:
            print(f"    MISMATCH: the manifest says {expected.get(path.resolve())}")
            mismatches += 1
    return 1 if mismatches else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
