"""Make the checks' known values from the reference solution (fixed seeds).

    python -m autograder.fixtures           # rewrite autograder/checks/known/*.json
    python -m autograder.fixtures --check   # exit 1 if they drifted from the solution

public.json ships to students with the public checks; hidden.json stays with
the grader. JSON keeps every float exactly and builds byte-identical files.
public.json also carries what course.toml says of points, visibility and limits, and
the checks' weights, so that the students' copy needs no settings file.
"""
import argparse
import contextlib
import io
import json
import sys

import numpy as np

from kit.modload import load_module

from . import settings
from .reference import SOLUTION
from .checks import test_hidden, test_public
from .checks.collect import FUNCTIONS
from .checks.support import KNOWN, wavy

KEYS = ("W1", "b1", "W2", "b2")


def _params(rng, d, h, k, std):
    return {"W1": rng.normal(scale=std, size=(d, h)), "b1": rng.normal(scale=0.1, size=h),
            "W2": rng.normal(scale=std, size=(h, k)), "b2": rng.normal(scale=0.1, size=k)}


def _net(ref, params):
    net = object.__new__(ref.TwoLayerNet)
    net.params = {key: value.copy() for key, value in params.items()}
    return net


def _forward_difference(f, x, h=1e-4):
    """The common mistake (f(x+h) - f(x)) / h, to recognise it in feedback."""
    grad, base = np.zeros_like(x), f(x)
    for idx in np.ndindex(x.shape):
        shifted = x.copy()
        shifted[idx] += h
        grad[idx] = (f(shifted) - base) / h
    return grad


def _net_case(ref, out, prefix, rng, d, h, k, n, one_hot):
    params = _params(rng, d, h, k, std=1.0)
    x = rng.normal(size=(n, d))
    labels = rng.integers(0, k, size=n)
    t = np.eye(k)[labels] if one_hot else labels
    net = _net(ref, params)
    out.update({f"{prefix}.x": x, f"{prefix}.t": t, f"{prefix}.init": [d, h, k]})
    out.update({f"{prefix}.{key}": value for key, value in params.items()})
    out[f"{prefix}.forward"] = net.forward(x)
    out[f"{prefix}.loss"] = net.loss(x, t)
    out[f"{prefix}.accuracy"] = net.accuracy(x, t)
    out.update({f"{prefix}.grad.{key}": g for key, g in net.gradient(x, t).items()})
    out.update({f"{prefix}.numgrad.{key}": g for key, g in net.numerical_gradient(x, t).items()})


def _train_case(ref, out, prefix, rng, sizes, n_train, n_test, one_hot, seed, **hyper):
    d, h, k = sizes
    params = _params(rng, d, h, k, std=0.5)
    x_train, x_test = rng.normal(size=(n_train, d)), rng.normal(size=(n_test, d))
    t_train, t_test = rng.integers(0, k, size=n_train), rng.integers(0, k, size=n_test)
    if one_hot:
        t_train, t_test = np.eye(k)[t_train], np.eye(k)[t_test]
    net = _net(ref, params)
    losses_before = []
    gradient = net.gradient

    def spy(x, t):  # the batch's loss before the update: also accepted
        losses_before.append(net.loss(x, t))
        return gradient(x, t)

    net.gradient = spy
    np.random.seed(seed)
    with contextlib.redirect_stdout(io.StringIO()):
        losses, train_acc, test_acc = net.train_model(x_train, t_train, x_test, t_test, **hyper)
    out.update({f"{prefix}.x_train": x_train, f"{prefix}.t_train": t_train,
                f"{prefix}.x_test": x_test, f"{prefix}.t_test": t_test,
                f"{prefix}.init": list(sizes), f"{prefix}.seed": seed,
                f"{prefix}.losses": np.array(losses), f"{prefix}.losses_before": np.array(losses_before),
                f"{prefix}.train_acc": np.array(train_acc), f"{prefix}.test_acc": np.array(test_acc)})
    out.update({f"{prefix}.{key}": value for key, value in params.items()})
    out.update({f"{prefix}.after.{key}": value for key, value in net.params.items()})
    out.update({f"{prefix}.{name}": value for name, value in hyper.items()})


def graded_checks():
    """[(function, module name, test name, {name, points, hidden})] of every @check,
    public then hidden, in the contract's function order."""
    found = []
    for module in (test_public, test_hidden):
        for name, value in vars(module).items():
            marks = [m for m in getattr(value, "pytestmark", []) if m.name == "check"]
            if name.startswith("test_") and marks and value.__module__ == module.__name__:
                meta = marks[0].kwargs
                found.append((meta["name"].split(":", 1)[0], module.__name__.rsplit(".", 1)[-1], name, meta))
    return sorted(found, key=lambda c: FUNCTIONS.index(c[0]))


def check_weights():
    """function -> the sum of its checks' declared points, over public and hidden checks."""
    weights = {}
    for function, _, _, meta in graded_checks():
        weights[function] = weights.get(function, 0) + meta["points"]
    return weights


def grading_keys(course):
    """Points per function, weights per function, the hidden checks' visibility."""
    weights = check_weights()
    if set(weights) != set(course["points"]):
        wrong = sorted(set(course["points"]) - set(weights)) or "(none)"
        missing = sorted(set(weights) - set(course["points"])) or "(none)"
        raise SystemExit(f"course.toml [points] must name exactly the checked functions {sorted(weights)}; "
                         f"unknown: {wrong}, missing: {missing}")
    out = {f"points.{fn}": value for fn, value in course["points"].items()}
    out.update({f"weights.{fn}": value for fn, value in weights.items()})
    out["visibility.hidden"] = course["visibility"]["hidden"]
    out.update({f"limits.{key}": value for key, value in course["limits"].items()})  # the student's check
    return out


def make_known(ref, course=None):
    """Return {"public": {...}, "hidden": {...}}: key -> array or number."""
    course = course or settings.load()
    rng = np.random.default_rng(course["seeds"]["known_values"])
    public, hidden = {}, {}

    x = rng.normal(scale=3, size=(3, 4))
    public.update({"sigmoid.x": x, "sigmoid.y": ref.sigmoid(x)})
    x1, x3 = rng.normal(scale=3, size=5), rng.normal(scale=3, size=(2, 3, 2))
    hidden.update({"sigmoid.x1": x1, "sigmoid.y1": ref.sigmoid(x1),
                   "sigmoid.x3": x3, "sigmoid.y3": ref.sigmoid(x3)})

    x = rng.normal(scale=2, size=(4, 5))
    big = np.array([[1000.0, 999.0, 998.0], [-1000.0, 0.0, 1000.0]])
    public.update({"softmax.x": x, "softmax.y": ref.softmax(x),
                   "softmax.big": big, "softmax.big_y": ref.softmax(big)})
    x1 = rng.normal(scale=3, size=6) + 500
    hidden.update({"softmax.x1": x1, "softmax.y1": ref.softmax(x1)})

    y = ref.softmax(rng.normal(scale=2, size=(4, 3)))
    y[3] = [1 - 2e-6, 1e-6, 1e-6]  # a tiny probability on the true class shows a missing 1e-7
    labels = np.array([0, 2, 1, 1])
    onehot = np.eye(3)[labels]
    public.update({"ce.y": y, "ce.labels": labels, "ce.onehot": onehot,
                   "ce.loss": ref.cross_entropy_error(y, onehot),
                   "ce.loss_no_eps": float(-np.mean(np.log(y[np.arange(4), labels])))})
    y1 = ref.softmax(rng.normal(size=4))
    hidden.update({"ce.y1": y1, "ce.t1": np.eye(4)[2], "ce.loss1": ref.cross_entropy_error(y1, np.eye(4)[2])})

    x = rng.normal(size=(2, 3))
    public.update({"numgrad.x": x, "numgrad.grad": ref.numerical_gradient(wavy, x.copy()),
                   "numgrad.forward": _forward_difference(wavy, x)})
    x1 = rng.normal(size=5)
    hidden.update({"numgrad.x1": x1, "numgrad.grad1": ref.numerical_gradient(wavy, x1.copy())})

    _net_case(ref, public, "net", rng, d=4, h=5, k=3, n=6, one_hot=True)
    _net_case(ref, hidden, "net2", rng, d=3, h=4, k=5, n=7, one_hot=False)

    _train_case(ref, public, "train", rng, (4, 5, 3), 20, 8, one_hot=True, seed=7,
                iters_num=12, batch_size=4, learning_rate=0.5)
    _train_case(ref, hidden, "train2", rng, (3, 4, 2), 12, 6, one_hot=False, seed=11,
                iters_num=10, batch_size=3, learning_rate=0.3)
    # The gradient checks' own nets: the numerical-gradient checks' probe hands the worker
    # the known gradients of "net" and "net2", which a `gradient` could otherwise replay.
    _net_case(ref, public, "netg", rng, d=4, h=5, k=3, n=6, one_hot=True)
    _net_case(ref, hidden, "net2g", rng, d=3, h=4, k=5, n=7, one_hot=False)
    public.update(grading_keys(course))
    return {"public": public, "hidden": hidden}


def to_json(values):
    """One key per line, sorted, floats exact."""
    def plain(value):
        return value.tolist() if isinstance(value, (np.ndarray, np.generic)) else value
    lines = [f"{json.dumps(key)}: {json.dumps(plain(values[key]))}" for key in sorted(values)]
    return "{\n" + ",\n".join(lines) + "\n}\n"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if the files are out of date")
    args = parser.parse_args(argv)
    stale = []
    for name, values in make_known(load_module(SOLUTION)).items():
        path, text = KNOWN / f"{name}.json", to_json(values)
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            stale.append(path)
            if not args.check:
                path.write_text(text, encoding="utf-8", newline="\n")
    if args.check and stale:
        sys.exit(f"out of date: {', '.join(map(str, stale))}: run `make fixtures`")
    print("wrote " + ", ".join(map(str, stale)) if stale else "known values are up to date")


if __name__ == "__main__":
    main()
