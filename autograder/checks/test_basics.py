"""Checks of each function on known values, and the helpers that the other checks share.
Which checks students have is course.toml's [visibility] hidden_checks (these are public there)."""
from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from .support import (CheckFailed, Wavy, call, check, expect_array, expect_float, params_of,
                      relative_error, show)

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence
    from typing import Any

    from .stand_ins import StandIns as Collab

TOL = 1e-6  # relative; calibrated by benchmarks/calibrate_tolerances.py (correct styles < 1e-7, mistakes > 2e-5)


def mismatch(target: str, given: str, expected: object, got: object, hint: Sequence[str]) -> CheckFailed:
    """The usual failure: wrong values."""
    return CheckFailed((f"{target} 的结果不对。", f"{target} returned wrong values."),
                       hint, input=given, expected=show(expected), got=show(got))


# ---------------------------------------------------------------- sigmoid

def values_check(sub: Any, target: str, x: np.ndarray, expected: np.ndarray, hint: Sequence[str]) -> None:
    """``target(x)`` must be an array of x's shape equal to ``expected``."""
    got = expect_array(call(sub, target, x).value, target, x.shape)
    if relative_error(got, expected) > TOL:
        raise mismatch(target, show(x), expected, got, hint)


@check("sigmoid: known values on a (3, 4) array", points=3, known=("sigmoid.x", "sigmoid.y"))
def test_sigmoid_known_values(sub, known):
    values_check(sub, "sigmoid", known["sigmoid.x"], known["sigmoid.y"],
                 ("sigmoid(x) = 1 / (1 + np.exp(-x))，注意 -x 的符号。",
                  "sigmoid(x) = 1 / (1 + np.exp(-x)); mind the sign of -x."))


# ---------------------------------------------------------------- softmax

@check("softmax: known values on a (4, 5) batch", points=3, known=("softmax.x", "softmax.y"))
def test_softmax_known_values(sub, known):
    x = known["softmax.x"]
    got = expect_array(call(sub, "softmax", x).value, "softmax", x.shape)
    if relative_error(got, known["softmax.y"]) > TOL:
        hint = ("每一行（最后一个轴）求和为 1：np.sum(..., axis=-1, keepdims=True)。",
                "Each row (the last axis) must sum to 1: np.sum(..., axis=-1, keepdims=True).")
        if np.allclose(got.sum(axis=0), 1) and not np.allclose(got.sum(axis=-1), 1):
            hint = ("你沿 axis=0（列）做了归一化；应沿最后一个轴 axis=-1（每行）。",
                    "You normalised along axis=0 (columns); use the last axis, axis=-1 (each row).")
        raise mismatch("softmax", show(x), known["softmax.y"], got, hint)


@check("softmax: finite for large inputs such as 1000", points=2, known=("softmax.big", "softmax.big_y"))
def test_softmax_large_inputs(sub, known):
    x = known["softmax.big"]
    got = expect_array(call(sub, "softmax", x).value, "softmax", x.shape)
    if not np.all(np.isfinite(got)) or relative_error(got, known["softmax.big_y"]) > TOL:
        hint = ("np.exp(1000) 溢出为 inf；先减去每行的最大值：x = x - np.max(x, axis=-1, keepdims=True)。",
                "np.exp(1000) overflows to inf; first subtract each row's max: "
                "x = x - np.max(x, axis=-1, keepdims=True).")
        finite_rows = np.all(np.isfinite(got), axis=-1)
        top_rows = np.max(x, axis=-1) == np.max(x)
        if not finite_rows.all() and np.array_equal(finite_rows, top_rows):   # only the top rows survived
            hint = ("只有最大值等于整个数组最大值的那些行是有限的：你减去的是整个数组的最大值。"
                    "每一行要减去它自己的最大值（axis=-1, keepdims=True）。",
                    "Only the rows whose max is the whole array's max came out finite: you took away the "
                    "whole array's max. Each row must take away its own max (axis=-1, keepdims=True).")
        elif np.all(np.isfinite(got)):          # no overflow: the values are wrong in another way
            hint = ("没有溢出，但结果不对：每一行（最后一个轴）要单独减去它的最大值、单独求和为 1（axis=-1, keepdims=True）。",
                    "Nothing overflowed, but the values are wrong: each row (the last axis) takes away its own "
                    "max and sums to 1 on its own (axis=-1, keepdims=True).")
        raise mismatch("softmax", show(x), known["softmax.big_y"], got, hint)


@check("softmax: does not modify its argument", points=2, known=("softmax.big",))
def test_softmax_keeps_argument(sub, known):
    x = known["softmax.big"]
    result = call(sub, "softmax", x)
    expect_array(result.value, "softmax", x.shape)      # keeping x earns nothing without a result
    after = result.args_after[0]
    if not np.array_equal(after, x):
        raise CheckFailed(("softmax 改写了传入的数组。", "softmax changed the array it was given."),
                          ("x -= ... 会就地修改调用者的数组；写成 x = x - ...。",
                           "x -= ... changes the caller's array in place; write x = x - ... instead."),
                          input=show(x), argument_afterwards=show(after))


# ---------------------------------------------------------------- cross_entropy_error

def _ce(sub, known, t, what):
    y = known["ce.y"]
    got = expect_float(call(sub, "cross_entropy_error", y, t).value, "cross_entropy_error")
    expected, n = known["ce.loss"], y.shape[0]
    if relative_error(got, expected) <= TOL:
        return
    hint = ("对每个样本求 -sum(t * log(y + 1e-7))，再对批次取平均（除以 N）。",
            "Per sample take -sum(t * log(y + 1e-7)), then average over the batch (divide by N).")
    if abs(got - expected * n) <= TOL * abs(expected * n):
        hint = ("结果是平均值的 N 倍：你对批次求了和，应除以批大小 N = y.shape[0]。",
                "You returned N times the mean: you summed over the batch; divide by the batch size N = y.shape[0].")
    elif not np.isfinite(got) or abs(got - known["ce.loss_no_eps"]) <= TOL * abs(got):
        hint = ("log 里要加 1e-7：np.log(y + 1e-7)，否则 y 很小或为 0 时结果不对或为 inf。",
                "Add 1e-7 inside the log: np.log(y + 1e-7); without it tiny or zero y gives wrong values or inf.")
    raise mismatch("cross_entropy_error", f"y = {show(y)}, t = {show(t)} ({what})", expected, got, hint)


@check("cross_entropy_error: one-hot labels, mean over the batch", points=4, known=("ce.y", "ce.onehot", "ce.loss", "ce.loss_no_eps"))
def test_cross_entropy_one_hot(sub, known):
    _ce(sub, known, known["ce.onehot"], "one-hot")


@check("cross_entropy_error: integer labels", points=3, known=("ce.y", "ce.labels", "ce.loss", "ce.loss_no_eps"))
def test_cross_entropy_labels(sub, known):
    _ce(sub, known, known["ce.labels"], "integer labels")


# ---------------------------------------------------------------- numerical_gradient

def numgrad_check(sub: Any, x: np.ndarray) -> Any:
    """Shared by the public and hidden checks of numerical_gradient: a fresh f (support.Wavy),
    whose central difference the grader computes itself."""
    f = Wavy()
    expected, forward = f.differences(x)
    try:
        result = call(sub, "numerical_gradient", f, x)
    except CheckFailed as failed:
        if failed.kind == "error" and x.ndim != 2:
            failed.hint = (f"这里的 x 是 {x.ndim} 维数组：要能遍历任意形状数组的每个元素，不要只写两层 for 循环。",
                           f"x is a {x.ndim}-D array here: visit every element of an array of any shape, "
                           "not only with two nested for loops over rows and columns.")
        raise
    got = expect_array(result.value, "numerical_gradient", x.shape)
    if relative_error(got, expected) <= TOL:
        return result
    hint = ("对每个元素：x[idx] = tmp + h 求 f，x[idx] = tmp - h 求 f，grad[idx] = (f1 - f2) / (2*h)，h = 1e-4。",
            "For each element: f at x[idx] = tmp + h, f at x[idx] = tmp - h, grad[idx] = (f1 - f2) / (2*h), h = 1e-4.")
    if relative_error(got, forward) <= TOL or any(np.array_equal(c, x) for c in f.calls[:-1]):
        hint = ("你用的是前向差分 (f(x+h) - f(x)) / h；应使用中心差分 (f(x+h) - f(x-h)) / (2*h)。",
                "You used a forward difference (f(x+h) - f(x)) / h; use the central one (f(x+h) - f(x-h)) / (2*h).")
    raise mismatch("numerical_gradient", f"{f.formula}, x = {show(x)}", expected, got, hint)


@check("numerical_gradient: central difference on a (2, 3) array", points=4, known=("numgrad.x",))
def test_numerical_gradient_values(sub, known):
    numgrad_check(sub, known["numgrad.x"])


@check("numerical_gradient: x holds its original values afterwards", points=3, known=("numgrad.x_restore",))
def test_numerical_gradient_restores_x(sub, known):
    x = known["numgrad.x_restore"]
    result = call(sub, "numerical_gradient", Wavy(), x)
    expect_array(result.value, "numerical_gradient", x.shape)   # keeping x earns nothing without a result
    after = result.args_after[1]
    if not np.array_equal(after, x):
        raise CheckFailed(("numerical_gradient 返回后 x 的值变了。", "x changed after numerical_gradient returned."),
                          ("每个元素算完后把保存的原值赋回去（x[idx] = tmp_val），不要靠 +h、-h 抵消：浮点舍入会留下误差。",
                           "Restore each element by assigning its saved value back (x[idx] = tmp_val), not by "
                           "adding and taking away h: floating-point rounding leaves a trace."),
                          before=show(x), after=show(after))


# ---------------------------------------------------------------- TwoLayerNet

def net_obj(known: Mapping[str, Any], prefix: str) -> dict[str, Any]:
    return {"init": tuple(known[f"{prefix}.init"]), "params": params_of(known, prefix)}


def method_call(sub: Any, collab: Collab, known: Mapping[str, Any], prefix: str, method: str,
                *args: Any, **kwargs: Any) -> Any:
    """Call TwoLayerNet.<method> on the known net ``prefix``; of the functions it calls,
    those that fail their own checks are the reference's (in the grader)."""
    target = f"TwoLayerNet.{method}"
    return call(sub, target, *args, obj=net_obj(known, prefix), patches=collab.for_check(target), **kwargs)


def forward_check(sub: Any, collab: Collab, known: Mapping[str, Any], prefix: str) -> None:
    x, expected = known[f"{prefix}.x"], known[f"{prefix}.forward"]
    result = method_call(sub, collab, known, prefix, "forward", x)
    got = expect_array(result.value, "TwoLayerNet.forward", expected.shape)
    if relative_error(got, expected) > TOL:
        hint = ("forward = softmax(sigmoid(x @ W1 + b1) @ W2 + b2)，用 self.params 里的参数。",
                "forward = softmax(sigmoid(x @ W1 + b1) @ W2 + b2), with the parameters in self.params.")
        if not np.all(np.isfinite(got)):
            hint = ("结果里有 nan 或 inf：这里输出层的分数很大（约 1000），直接 np.exp 会溢出。"
                    "用模块里的 softmax，它在取指数之前先减去每行的最大值（合同：对 1000 这样的大输入也是有限值）。",
                    "The result holds nan or inf: the output scores here are large (about 1000), and np.exp of "
                    "them overflows. Use the module's softmax, which takes away each row's max before the "
                    "exponential (the contract: finite for large inputs such as 1000).")
        elif not np.allclose(got.sum(axis=1), 1):
            hint = ("每行概率之和应为 1：最后要经过 softmax。",
                    "Each row should sum to 1: finish with softmax.")
        raise mismatch("TwoLayerNet.forward", f"x = {show(x)} (net {known[f'{prefix}.init']})",
                       expected, got, hint)


@check("TwoLayerNet.forward: known probabilities on a 4-5-3 net", points=6, known=("net.*",))
def test_forward(sub, collab, known):
    forward_check(sub, collab, known, "net")


@check("TwoLayerNet.forward: finite for output scores of about 1000", points=2, known=("netbig.*",))
def test_forward_large_scores(sub, collab, known):
    forward_check(sub, collab, known, "netbig")


def loss_check(sub: Any, collab: Collab, known: Mapping[str, Any], prefix: str) -> None:
    x, t, expected = known[f"{prefix}.x"], known[f"{prefix}.t"], known[f"{prefix}.loss"]
    result = method_call(sub, collab, known, prefix, "loss", x, t)
    got = expect_float(result.value, "TwoLayerNet.loss")
    if relative_error(got, expected) > TOL:
        raise mismatch("TwoLayerNet.loss", f"x = {show(x)}, t = {show(t)}", expected, got,
                       ("loss = cross_entropy_error(self.forward(x), t)。",
                        "loss = cross_entropy_error(self.forward(x), t)."))


@check("TwoLayerNet.loss: known value on a 4-5-3 net", points=3, known=("net.*",))
def test_loss(sub, collab, known):
    loss_check(sub, collab, known, "net")


def accuracy_check(sub: Any, collab: Collab, known: Mapping[str, Any], prefix: str) -> None:
    x, t, expected = known[f"{prefix}.x"], known[f"{prefix}.t"], known[f"{prefix}.accuracy"]
    result = method_call(sub, collab, known, prefix, "accuracy", x, t)
    got = expect_float(result.value, "TwoLayerNet.accuracy")
    if relative_error(got, expected) > TOL:
        n = x.shape[0]
        hint = ("比较 np.argmax(self.forward(x), axis=1) 与真实类别（one-hot 时取 np.argmax(t, axis=1)，整数标签直接用 t）。",
                "Compare np.argmax(self.forward(x), axis=1) with the true class (np.argmax(t, axis=1) for one-hot, t itself for labels).")
        if abs(got - expected * n) < 1e-9 and n > 1:
            hint = ("你返回了正确的个数；应除以样本数 x.shape[0] 得到比例。",
                    "You returned the count of correct rows; divide by x.shape[0] to get a fraction.")
        raise mismatch("TwoLayerNet.accuracy", f"x = {show(x)}, t = {show(t)}", expected, got, hint)


@check("TwoLayerNet.accuracy: one-hot labels", points=5, known=("net.*",))
def test_accuracy(sub, collab, known):
    accuracy_check(sub, collab, known, "net")


def _probe(known, prefix, asked, seen):
    """Stands in for the module's numerical_gradient for one call, to see how the method
    uses it: which parameters it is given (noted in ``asked``) and what ``f`` returns
    there (noted in ``seen``). It answers zeros: nothing of it is worth keeping."""
    params = params_of(known, prefix)

    def numerical_gradient(f, x):
        seen.append(f(x))
        asked.update(key for key, param in params.items()
                     if np.shape(x) == param.shape and np.array_equal(x, param))
        return np.zeros(np.shape(x))
    return numerical_gradient


def _is_loss(value, known, prefix):
    try:
        return relative_error(float(value), known[f"{prefix}.loss"]) <= TOL
    except (TypeError, ValueError):
        return False


def _numgrad_result(sub, collab, known, prefix, x, t):
    """TwoLayerNet.numerical_gradient's own result, and what ``f`` returned.

    A probe first checks that the method hands the module-level numerical_gradient
    every parameter. Then the method runs with the module-level numerical_gradient the
    stand-in rule gives (stand_ins.py): the student's own when it passes its checks,
    else the contract's central difference, run in the box beside the parameters.
    """
    target, obj = "TwoLayerNet.numerical_gradient", net_obj(known, prefix)
    asked, seen = set(), []
    patches = collab.for_check(target)
    call(sub, target, x, t, obj=obj, patches=dict(patches, numerical_gradient=_probe(known, prefix, asked, seen)))
    if asked != {"W1", "b1", "W2", "b2"}:
        raise CheckFailed((f"{target} 没有对每个参数调用模块级的 numerical_gradient。",
                           f"{target} did not call the module-level numerical_gradient for every parameter."),
                          NUMGRAD_HINT, called_for=sorted(asked) or "none")
    if not collab.reference and not collab.passes("numerical_gradient"):
        # the student's own check, whose numerical_gradient fails and which has no reference's:
        # the probe is all it can judge by (the grader runs the reference's, in the box)
        if not all(_is_loss(value, known, prefix) for value in seen):
            raise CheckFailed((f"{target} 交给 numerical_gradient 的函数没有返回损失。",
                               f"The function {target} hands numerical_gradient does not return the loss."),
                              _numgrad_hint([], seen, known, prefix) if seen else NUMGRAD_HINT)
        return None, seen
    return call(sub, target, x, t, obj=obj, patches=patches), seen


NUMGRAD_HINT = ("对每个参数调用 numerical_gradient(loss_W, self.params[key])，其中 loss_W = lambda W: self.loss(x, t)。",
                "Call numerical_gradient(loss_W, self.params[key]) for each parameter, with loss_W = lambda W: self.loss(x, t).")


def _numgrad_hint(wrong, seen, known, prefix):
    """The hint for wrong TwoLayerNet.numerical_gradient values: name the mistake when it shows."""
    if not all(np.all(got == 0) for _, _, got in wrong):
        return NUMGRAD_HINT
    never = ("所有梯度都是 0：损失从未改变。loss_W 必须返回 self.loss(x, t)，不能返回常数。",
             "Every gradient is 0: the loss never changes. loss_W must return self.loss(x, t), not a constant.")
    copy = ("所有梯度都是 0：你扰动的是参数的副本，损失因此不变。"
            "把 self.params[key] 本身交给 numerical_gradient，不要用 .copy()。",
            "Every gradient is 0: a copy of the parameter was perturbed, so the loss never moved. "
            "Hand numerical_gradient self.params[key] itself, not a .copy().")
    return copy if seen and all(_is_loss(v, known, prefix) for v in seen) else never


def grads_check(sub: Any, collab: Collab, known: Mapping[str, Any], prefix: str, method: str) -> None:
    """TwoLayerNet.numerical_gradient or TwoLayerNet.gradient against the known gradients."""
    target = f"TwoLayerNet.{method}"
    x, t = known[f"{prefix}.x"], known[f"{prefix}.t"]
    seen = None
    if method == "numerical_gradient":
        result, seen = _numgrad_result(sub, collab, known, prefix, x, t)
        if result is None:                          # judged by the probe alone
            return
    else:
        result = method_call(sub, collab, known, prefix, method, x, t)
    if not isinstance(result.value, dict) or set(result.value) != {"W1", "b1", "W2", "b2"}:
        raise CheckFailed((f"{target} 应返回键为 W1 b1 W2 b2 的字典。",
                           f"{target} should return a dict with the keys W1 b1 W2 b2."),
                          ("grads = {}; grads['W1'] = ...; return grads", "grads = {}; grads['W1'] = ...; return grads"),
                          got=show(result.value))
    # backprop may take the usual (y - t) / N or go through log(y + 1e-7) itself: both are right
    kinds = ("numgrad",) if method == "numerical_gradient" else ("grad", "grad_eps")
    wrongs = []
    for kind in kinds:
        wrong, n = [], x.shape[0]
        for key in ("W1", "b1", "W2", "b2"):
            expected = known[f"{prefix}.{kind}.{key}"]
            got = expect_array(result.value[key], f"{target}['{key}']", expected.shape)
            if relative_error(got, expected) > TOL:
                wrong.append((key, expected, got))
        if not wrong:
            return
        wrongs.append(wrong)
    wrong = wrongs[0]
    if method == "numerical_gradient":
        hint = _numgrad_hint(wrong, seen, known, prefix)
    elif all(relative_error(got, expected * n) <= TOL for _, expected, got in wrong):
        hint = ("梯度是正确值的 N 倍：输出层误差要除以批大小，dy = (y - t) / N。",
                "The gradients are N times too large: divide the output error by the batch size, dy = (y - t) / N.")
    elif {key for key, *_ in wrong} <= {"W1", "b1"}:
        hint = ("W2、b2 正确，隐藏层的梯度不对：sigmoid 的导数是 z1 * (1 - z1)，其中 z1 = sigmoid(x @ W1 + b1)。",
                "W2 and b2 are right, the hidden layer is not: sigmoid's derivative is z1 * (1 - z1) with z1 = sigmoid(x @ W1 + b1).")
    else:
        hint = ("dy = (y - t_onehot) / N；dW2 = z1.T @ dy；db2 = dy.sum(axis=0)；da1 = dy @ W2.T * z1 * (1 - z1)；dW1 = x.T @ da1。",
                "dy = (y - t_onehot) / N; dW2 = z1.T @ dy; db2 = dy.sum(axis=0); da1 = dy @ W2.T * z1 * (1 - z1); dW1 = x.T @ da1.")
    key, expected, got = wrong[0]
    raise CheckFailed((f"{target} 的梯度不对：{', '.join(k for k, *_ in wrong)}。",
                       f"{target} returned wrong gradients for {', '.join(k for k, *_ in wrong)}."),
                      hint, input=f"x = {show(x)}, t = {show(t)}",
                      **{f"expected['{key}']": show(expected), f"got['{key}']": show(got)})


@check("TwoLayerNet.numerical_gradient: all four parameters of a 4-5-3 net", points=6, known=("net.*",))
def test_net_numerical_gradient(sub, collab, known):
    grads_check(sub, collab, known, "net", "numerical_gradient")


@check("TwoLayerNet.gradient: backpropagation matches the known gradients", points=8, known=("netg.*",))
def test_gradient(sub, collab, known):
    grads_check(sub, collab, known, "netg", "gradient")   # not "net": see kit/known_values.py


# ---------------------------------------------------------------- train_model

def train_run(sub: Any, collab: Collab, known: Mapping[str, Any], prefix: str) -> tuple[Any, dict[str, Any]]:
    """Run the student's train_model once on a small set; fail if it did not return three lists."""
    names = ("x_train", "t_train", "x_test", "t_test")
    hyper = {name: int(known[f"{prefix}.{name}"]) if name != "learning_rate" else known[f"{prefix}.{name}"]
             for name in ("iters_num", "batch_size", "learning_rate")}
    result = method_call(sub, collab, known, prefix, "train_model", *(known[f"{prefix}.{n}"] for n in names),
                         seed=int(known[f"{prefix}.seed"]), **hyper)
    value = result.value
    if not isinstance(value, (tuple, list)) or len(value) != 3:
        raise CheckFailed(("train_model 应返回 (train_loss_list, train_acc_list, test_acc_list)。",
                           "train_model should return (train_loss_list, train_acc_list, test_acc_list)."),
                          ("保留骨架最后的 return 语句。", "Keep the return statement at the end of the skeleton."),
                          got=show(value))
    return result, hyper


def train_lists_check(sub: Any, collab: Collab, known: Mapping[str, Any], prefix: str) -> None:
    result, hyper = train_run(sub, collab, known, prefix)
    losses, train_acc, test_acc = (list(np.ravel(v)) if isinstance(v, (list, tuple, np.ndarray)) else v
                                   for v in result.value)
    iters, epochs = hyper["iters_num"], len(known[f"{prefix}.train_acc"])
    given = f"iters_num={iters}, batch_size={hyper['batch_size']}, {len(known[prefix + '.x_train'])} training rows"
    if not isinstance(losses, list) or len(losses) != iters:
        count = len(losses) if isinstance(losses, list) else losses
        hint = ("每次迭代在参数更新之后 append 一次损失。", "Append the loss once per iteration, after the update.")
        if count == 4 * iters:
            hint = ("损失被 append 了 4 次/迭代：它在 for key in (...) 的更新循环里面；移到循环外。",
                    "The loss was appended 4 times per iteration: it sits inside the `for key` update loop; move it out.")
        raise CheckFailed((f"train_loss_list 应有 {iters} 个值（每次迭代一个），实际有 {count} 个。",
                           f"train_loss_list should hold {iters} values (one per iteration), not {count}."),
                          hint, input=given)
    for name, got, expected in (("train_acc_list", train_acc, known[f"{prefix}.train_acc"]),
                                ("test_acc_list", test_acc, known[f"{prefix}.test_acc"])):
        if not isinstance(got, list) or len(got) != epochs:
            count = len(got) if isinstance(got, list) else got
            hint = ("只在 i % iter_per_epoch == 0 时 append 精度。", "Append the accuracy only when i % iter_per_epoch == 0.")
            n_train, batch = len(known[prefix + ".x_train"]), hyper["batch_size"]
            floored = len(range(0, iters, max(n_train // batch, 1)))
            if n_train % batch and count == floored != epochs:
                hint = (f"这里一个 epoch 是 {n_train} / {batch} 次迭代，不是整数：保留给出的 iter_per_epoch = "
                        "max(train_size / batch_size, 1)，用真除法 /，不要用整除 //。",
                        f"An epoch here is {n_train} / {batch} iterations, not a whole number: keep the given "
                        "iter_per_epoch = max(train_size / batch_size, 1), with true division /, not //.")
            elif count == iters:
                hint = ("你每次迭代都记录了精度；应放在 if i % iter_per_epoch == 0: 里面，每个 epoch 一次。",
                        "You recorded the accuracy every iteration; put it inside `if i % iter_per_epoch == 0:`, once per epoch.")
            raise CheckFailed((f"{name} 应有 {epochs} 个值（每个 epoch 一个），实际有 {count} 个。",
                               f"{name} should hold {epochs} values (one per epoch), not {count}."), hint, input=given)
        if relative_error(got, expected) > TOL:
            hint = ("用 self.accuracy 计算整个集合（x_train/t_train 或 x_test/t_test）的精度，不是当前批次。",
                    "Use self.accuracy on the whole set (x_train/t_train or x_test/t_test), not the batch.")
            if not _params_match(result.params_after, known, prefix):
                hint = ("训练过程本身就不同：每次迭代用 np.random.choice(train_size, batch_size) 取批次，"
                        "并对每个参数做 self.params[key] -= learning_rate * grad[key]。",
                        "The training itself went differently: draw each batch with "
                        "np.random.choice(train_size, batch_size) and update every parameter by "
                        "self.params[key] -= learning_rate * grad[key].")
            raise mismatch(f"TwoLayerNet.train_model ({name})", given, np.array(expected),
                           np.array(got, dtype=float), hint)


def _params_match(after, known, prefix):
    """Whether the parameters after training are the known ones."""
    return all(isinstance((after or {}).get(key), np.ndarray)
               and after[key].shape == known[f"{prefix}.after.{key}"].shape
               and relative_error(after[key], known[f"{prefix}.after.{key}"]) <= TOL
               for key in ("W1", "b1", "W2", "b2"))


def train_update_check(sub: Any, collab: Collab, known: Mapping[str, Any], prefix: str) -> None:
    result, _ = train_run(sub, collab, known, prefix)
    after, start = result.params_after or {}, params_of(known, prefix)
    for key in ("W1", "b1", "W2", "b2"):
        expected = known[f"{prefix}.after.{key}"]
        got = after.get(key)
        if not isinstance(got, np.ndarray) or got.shape != expected.shape or relative_error(got, expected) > TOL:
            hint = ("每次迭代对 W1 b1 W2 b2 都做 self.params[key] -= learning_rate * grad[key]。",
                    "Every iteration, do self.params[key] -= learning_rate * grad[key] for each of W1 b1 W2 b2.")
            if isinstance(got, np.ndarray) and np.array_equal(got, start[key]):
                hint = (f"{key} 没有被更新。", f"{key} was never updated.")
            raise CheckFailed((f"训练后的参数 {key} 不对。", f"The parameter {key} is wrong after training."),
                              hint, expected=show(expected), got=show(got))


def train_loss_check(sub: Any, collab: Collab, known: Mapping[str, Any], prefix: str) -> None:
    result, _ = train_run(sub, collab, known, prefix)
    losses = np.ravel(np.asarray(result.value[0], dtype=float)) if isinstance(result.value[0], (list, tuple, np.ndarray)) else None
    after, before = known[f"{prefix}.losses"], known[f"{prefix}.losses_before"]
    if losses is None or losses.shape != after.shape or relative_error(losses, after) > TOL:
        hint = ("每次迭代记录这一批数据的损失 self.loss(x_batch, t_batch)。",
                "Each iteration, record this batch's loss self.loss(x_batch, t_batch).")
        if losses is not None and losses.shape == before.shape and relative_error(losses, before) <= TOL:
            hint = ("这些是参数更新之前的损失：合同和原题都在更新参数之后才计算并记录这一批数据的损失。",
                    "These are the losses before the update: the contract and the seed compute and record "
                    "the batch's loss after the parameters are updated.")
        raise CheckFailed(("train_loss_list 里的损失值不对。", "The values in train_loss_list are wrong."),
                          hint, expected=show(after), got=show(losses if losses is not None else result.value[0]))


@check("TwoLayerNet.train_model: one loss per iteration, whole-set accuracies once per epoch", points=4, known=("train.*",))
def test_train_lists(sub, collab, known):
    train_lists_check(sub, collab, known, "train")


@check("TwoLayerNet.train_model: updates every parameter by -learning_rate * grad", points=4, known=("train.*",))
def test_train_update(sub, collab, known):
    train_update_check(sub, collab, known, "train")


@check("TwoLayerNet.train_model: records each batch's loss", points=3, known=("train.*",))
def test_train_losses(sub, collab, known):
    train_loss_check(sub, collab, known, "train")
