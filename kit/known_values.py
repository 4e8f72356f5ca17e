"""Make the checks' known values from the reference solution (fixed seeds).

    python -m kit.known_values           # rewrite autograder/checks/known/*.json (make fixtures)
    python -m kit.known_values --check   # exit 1 if they drifted from the solution or course.toml

Each value goes where its checks' visibility says (course.toml): public.json, which
ships to students, holds the values some public check reads (``@check(known=...)``);
hidden.json, which stays with the grader, the rest and the names of the hidden checks.
public.json also carries what course.toml says of the functions, their points and
the hidden checks' visibility, and the checks' weights, so that the students' copy
needs no settings file. JSON keeps every float exactly and builds byte-identical files.

The assignment's own values are made here; a check file may add its own with a
``known_<name>(ref, rng)`` function beside its checks (README: "add a function").
"""
from __future__ import annotations

import argparse
import contextlib
import io
import json
import sys
import zlib
from fnmatch import fnmatchcase
from typing import TYPE_CHECKING

import numpy as np

from autograder import settings
from autograder.catalog import UnknownCheck, graded_checks, known_makers
from autograder.checks.runner import UnregisteredFunction
from autograder.checks.support import KNOWN
from autograder.paths import load_module
from autograder.reference import SOLUTION

if TYPE_CHECKING:
    from collections.abc import Sequence
    from pathlib import Path
    from types import ModuleType
    from typing import Any

    from autograder.catalog import Check


class KnownValuesError(Exception):
    """The known values cannot be made: the message says what to change."""


def _params(rng, d, h, k, std):
    return {"W1": rng.normal(scale=std, size=(d, h)), "b1": rng.normal(scale=0.1, size=h),
            "W2": rng.normal(scale=std, size=(h, k)), "b2": rng.normal(scale=0.1, size=k)}


def _net(ref, params):
    net = object.__new__(ref.TwoLayerNet)
    net.params = {key: value.copy() for key, value in params.items()}
    return net


def _drifting(rng, shape, h=1e-4):
    """Random values of which some do not come back exactly from += h, -= 2h, += h."""
    while True:
        x = rng.normal(size=shape)
        if not np.array_equal(((x + h) - 2 * h) + h, x):
            return x


def _gradient_through_eps(params, x, t):
    """Backprop through log(y + 1e-7) itself, not the usual (y - t) / N: just as right (it is
    the exact gradient of the loss as the contract defines it), and different by about
    1e-6 where some probability is small, as with these nets' weights of std 1.0."""
    a1 = x @ params["W1"] + params["b1"]
    z1 = 1 / (1 + np.exp(-a1))
    a2 = z1 @ params["W2"] + params["b2"]
    e = np.exp(a2 - a2.max(axis=1, keepdims=True))
    y = e / e.sum(axis=1, keepdims=True)
    t = np.eye(y.shape[1])[t] if t.ndim == 1 else t
    dy = -t / (y + 1e-7) / x.shape[0]
    da2 = y * (dy - (dy * y).sum(axis=1, keepdims=True))
    da1 = da2 @ params["W2"].T * z1 * (1 - z1)
    return {"W1": x.T @ da1, "b1": da1.sum(axis=0), "W2": z1.T @ da2, "b2": da2.sum(axis=0)}


def _net_case(ref, out, prefix, rng, d, h, k, n, one_hot):
    params = _params(rng, d, h, k, std=1.0)
    x = rng.normal(size=(n, d))
    labels = rng.integers(0, k, size=n)
    net = _net(ref, params)
    labels[:2] = np.argmax(net.forward(x), axis=1)[:2]    # some rows right: an accuracy of neither 0 nor 1
    t = np.eye(k)[labels] if one_hot else labels
    out.update({f"{prefix}.x": x, f"{prefix}.t": t, f"{prefix}.init": [d, h, k]})
    out.update({f"{prefix}.{key}": value for key, value in params.items()})
    out[f"{prefix}.forward"] = net.forward(x)
    out[f"{prefix}.loss"] = net.loss(x, t)
    out[f"{prefix}.accuracy"] = net.accuracy(x, t)
    out.update({f"{prefix}.grad.{key}": g for key, g in net.gradient(x, t).items()})
    out.update({f"{prefix}.grad_eps.{key}": g for key, g in _gradient_through_eps(params, x, t).items()})
    out.update({f"{prefix}.numgrad.{key}": g for key, g in net.numerical_gradient(x, t).items()})


def _big_scores_case(ref, out, prefix, rng):
    """A 4-5-3 net whose output scores reach about 1000: forward must stay finite."""
    params = _params(rng, 4, 5, 3, std=1.0)
    params["W2"] *= 500
    x = rng.normal(size=(5, 4))
    out.update({f"{prefix}.x": x, f"{prefix}.init": [4, 5, 3], f"{prefix}.forward": _net(ref, params).forward(x)})
    out.update({f"{prefix}.{key}": value for key, value in params.items()})


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

    def spy(x, t):  # the batch's loss before the update: a mistake to recognise
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


def grading_keys(course: dict[str, Any], checks: Sequence[Check]) -> tuple[dict[str, Any], dict[str, Any]]:
    """What public.json carries of course.toml: the functions in order, points and weights
    per function, the hidden checks' visibility, the limits (for the student's own check). hidden.json: the hidden checks' names."""
    weights = {}
    for c in checks:
        weights[c.function] = weights.get(c.function, 0) + c.points
    if set(weights) != set(course["points"]):
        unchecked = sorted(set(course["points"]) - set(weights)) or "(none)"
        raise KnownValuesError(f"course.toml [points] lists functions that no check grades: {unchecked}; "
                               "add a @check for each (README: add a function) or remove it from [points]")
    public = {"functions": list(settings.graded_functions(course))}
    public.update({f"points.{fn}": value for fn, value in course["points"].items()})
    public.update({f"weights.{fn}": value for fn, value in weights.items()})
    public["visibility.hidden"] = course["visibility"]["hidden"]
    public.update({f"limits.{key}": value for key, value in course["limits"].items()})  # the student's check
    return public, {"visibility.hidden_checks": [c.name for c in checks if c.hidden]}


def split(values: dict[str, Any], checks: Sequence[Check]) -> dict[str, dict[str, Any]]:
    """{"public": ..., "hidden": ...}: each value public when a public check reads it."""
    unread = sorted(key for key in values if not any(c.reads(key) for c in checks))
    if unread:
        raise KnownValuesError(f"known values that no check reads: {unread}; name them in the "
                               "@check(known=...) of the checks that read them")
    for c in checks:
        missing = [p for p in c.known if not any(fnmatchcase(key, p) for key in values)]
        if missing:
            raise KnownValuesError(f"the check {c.name!r} reads known values {missing} that nothing makes")
    public = {key: value for key, value in values.items() if any(c.reads(key) for c in checks if not c.hidden)}
    return {"public": public, "hidden": {k: v for k, v in values.items() if k not in public}}


def make_known(ref: ModuleType, course: dict[str, Any] | None = None) -> dict[str, dict[str, Any]]:
    """Return {"public": {...}, "hidden": {...}}: key -> array or number, split by the
    visibility of the checks that read each value (course.toml)."""
    course = course or settings.load()
    seed = course["seeds"]["known_values"]
    rng = np.random.default_rng(seed)
    values = {}

    x = rng.normal(scale=3, size=(3, 4))
    values.update({"sigmoid.x": x, "sigmoid.y": ref.sigmoid(x)})
    x1, x3 = rng.normal(scale=3, size=5), rng.normal(scale=3, size=(2, 3, 2))
    values.update({"sigmoid.x1": x1, "sigmoid.y1": ref.sigmoid(x1),
                   "sigmoid.x3": x3, "sigmoid.y3": ref.sigmoid(x3)})

    x = rng.normal(scale=2, size=(4, 5))
    # rows of very different scale: only each row's own max keeps every row finite
    big = np.array([[1000.0, 999.0, 998.0], [-1000.0, 0.0, 1000.0], [1.0, 2.0, 3.0]])
    values.update({"softmax.x": x, "softmax.y": ref.softmax(x),
                   "softmax.big": big, "softmax.big_y": ref.softmax(big)})
    x1 = rng.normal(scale=3, size=6) + 500
    values.update({"softmax.x1": x1, "softmax.y1": ref.softmax(x1)})

    y = ref.softmax(rng.normal(scale=2, size=(4, 3)))
    y[3] = [1 - 2e-6, 1e-6, 1e-6]  # a tiny probability on the true class shows a missing 1e-7
    labels = np.array([0, 2, 1, 1])
    onehot = np.eye(3)[labels]
    values.update({"ce.y": y, "ce.labels": labels, "ce.onehot": onehot,
                   "ce.loss": ref.cross_entropy_error(y, onehot),
                   "ce.loss_no_eps": float(-np.mean(np.log(y[np.arange(4), labels])))})
    y1 = ref.softmax(rng.normal(size=4))
    values.update({"ce.y1": y1, "ce.t1": np.eye(4)[2], "ce.loss1": ref.cross_entropy_error(y1, np.eye(4)[2])})

    x = rng.normal(size=(2, 3))
    values.update({"numgrad.x": x})      # f is drawn anew in every check: support.Wavy
    # the restore check's x: x[i] += h; x[i] -= 2 * h; x[i] += h must leave a trace on it
    values["numgrad.x_restore"] = _drifting(rng, (3, 4))
    x1 = rng.normal(size=5)
    values.update({"numgrad.x1": x1})

    _net_case(ref, values, "net", rng, d=4, h=5, k=3, n=6, one_hot=True)
    _net_case(ref, values, "net2", rng, d=3, h=4, k=5, n=7, one_hot=False)

    _train_case(ref, values, "train", rng, (4, 5, 3), 20, 8, one_hot=True, seed=7,
                iters_num=12, batch_size=4, learning_rate=0.5)
    # 11 rows in batches of 3: an epoch of 3.67 iterations, which train_size // batch_size miscounts
    _train_case(ref, values, "train2", rng, (3, 4, 2), 11, 6, one_hot=False, seed=11,
                iters_num=10, batch_size=3, learning_rate=0.3)
    # The gradient checks' own nets: the numerical-gradient checks' probe hands the worker
    # the known gradients of "net" and "net2", which a `gradient` could otherwise replay.
    _net_case(ref, values, "netg", rng, d=4, h=5, k=3, n=6, one_hot=True)
    _net_case(ref, values, "net2g", rng, d=3, h=4, k=5, n=7, one_hot=False)
    _big_scores_case(ref, values, "netbig", rng)
    for name, make in known_makers():       # the check files' own: a stream of their own each
        made = make(ref, np.random.default_rng([seed, zlib.crc32(name.encode())]))
        clash = sorted(set(made) & set(values))
        if clash:
            raise KnownValuesError(f"{name} makes known values that already exist: {clash}")
        values.update(made)
    checks = graded_checks(course)
    files = split(values, checks)
    public, hidden = grading_keys(course, checks)
    files["public"].update(public)
    files["hidden"].update(hidden)
    return files


def to_json(values: dict[str, Any]) -> str:
    """One key per line, sorted, floats exact."""
    def plain(value):
        return value.tolist() if isinstance(value, (np.ndarray, np.generic)) else value
    lines = [f"{json.dumps(key)}: {json.dumps(plain(values[key]))}" for key in sorted(values)]
    return "{\n" + ",\n".join(lines) + "\n}\n"


def stale_files(ref: ModuleType | None = None) -> dict[Path, str]:
    """{path: text} of the known-value files whose text differs from what the solution
    (``ref``, default: solution/two_layer_net.py) and course.toml make now."""
    ref = ref or load_module(SOLUTION)
    made = {KNOWN / f"{name}.json": to_json(values) for name, values in make_known(ref).items()}
    return {path: text for path, text in made.items()
            if not path.exists() or path.read_text(encoding="utf-8") != text}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m kit.known_values", description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if the files are out of date")
    args = parser.parse_args(argv)
    try:
        stale = stale_files()
    except (KnownValuesError, UnregisteredFunction, UnknownCheck) as error:
        print(f"make fixtures: {type(error).__name__}: {error}", file=sys.stderr)
        return 1
    if args.check:
        if stale:
            print(f"out of date: {', '.join(map(str, stale))}: run `make fixtures`", file=sys.stderr)
        return 1 if stale else 0
    for path, text in stale.items():
        path.write_text(text, encoding="utf-8", newline="\n")
    print("wrote " + ", ".join(map(str, stale)) if stale else "known values are up to date")
    return 0


if __name__ == "__main__":
    sys.exit(main())
