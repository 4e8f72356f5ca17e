"""Whether the student's network learns: their ``TwoLayerNet``, built by its given
``__init__`` and trained by its ``train_model`` on a fixed subset of the real MNIST
(``known/mnist_subset.npz``, made by ``python -m kit.mnist_subset``).

Two runs, each made at most once per submission (``Learning``):

- ``own``: the student's whole program, with their own functions. Cheap: it runs
  entirely in the box.
- ``reference``: the functions ``train_model`` calls (``gradient``, ``loss``,
  ``accuracy``...) are the reference's, so no other bug, nor a slow but right
  style (loops over every element), cascades into the verdict on train_model's
  own code. Dearer: each call crosses the box boundary. It runs only in the grader,
  when the own run did not reach ``MIN_ACCURACY`` in its time: a program that
  learns with its own functions needs no stand-ins to show it.

The test accuracy is computed here, from the parameters the run leaves in
``self.params``, never taken from what the student's code reports.
"""
from __future__ import annotations

from types import SimpleNamespace
from typing import TYPE_CHECKING

import numpy as np

from .support import KNOWN, CheckFailed, call

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path
    from typing import Any

    from .stand_ins import StandIns

SUBSET = KNOWN / "mnist_subset.npz"
TARGET = "TwoLayerNet.train_model"
SIZES = (100, 30, 10)               # 10 x 10 pixels, 30 hidden units, 10 classes
WEIGHT_INIT_STD = 0.3               # passed to the given __init__
HYPER = {"iters_num": 200, "batch_size": 50, "learning_rate": 3.0}   # two epochs of 5,000 images
SEED = 0
RUN_SECONDS = {False: 2.0, True: 4.0}   # own run (0.06 s for the reference idle, 0.5 s on a busy machine), with stand-ins (0.3 s)
MIN_ACCURACY = 0.80                 # the reference reaches 0.88 (benchmarks/bench_learning.py)
SETTING = (f"{SIZES[0]}-{SIZES[1]}-{SIZES[2]} net, weight_init_std={WEIGHT_INIT_STD}, "
           f"5,000 MNIST training images (10 x 10 pixels, standardised, one-hot labels), "
           f"iters_num={HYPER['iters_num']}, batch_size={HYPER['batch_size']}, "
           f"learning_rate={HYPER['learning_rate']}; test accuracy on 1,000 test images")


def load_subset(path: Path = SUBSET) -> SimpleNamespace:
    """The subset as the run gets it: x_* float32 (N, 100) standardised with the
    training images' mean and spread, t_train one-hot float32, t_test int labels."""
    with np.load(path) as stored:
        x_train, x_test = stored["x_train"] / 255.0, stored["x_test"] / 255.0
        t_train, t_test = stored["t_train"], stored["t_test"]
    mean, spread = x_train.mean(axis=0), x_train.std(axis=0) + 0.1
    return SimpleNamespace(x_train=((x_train - mean) / spread).astype(np.float32),
                           t_train=np.eye(SIZES[2], dtype=np.float32)[t_train],
                           x_test=((x_test - mean) / spread).astype(np.float32),
                           t_test=t_test.astype(np.int64))


def accuracy_on_test_set(params: object, data: SimpleNamespace) -> float:
    """Fraction of test images whose class is the argmax of the net with ``params``."""
    shapes = {"W1": (SIZES[0], SIZES[1]), "b1": (SIZES[1],), "W2": (SIZES[1], SIZES[2]), "b2": (SIZES[2],)}
    if not isinstance(params, dict) or any(not isinstance(params.get(k), np.ndarray) or params[k].shape != s
                                           for k, s in shapes.items()):
        raise CheckFailed(("train_model 之后 self.params 不再是 W1 b1 W2 b2 四个原形状的数组。",
                           "After train_model, self.params no longer holds W1 b1 W2 b2 in their shapes."),
                          ("原地更新参数：self.params[key] -= learning_rate * grad[key]。",
                           "Update the parameters in place: self.params[key] -= learning_rate * grad[key]."))
    with np.errstate(all="ignore"):
        hidden = 1 / (1 + np.exp(-(data.x_test @ params["W1"] + params["b1"])))
        scores = hidden @ params["W2"] + params["b2"]
    if not np.all(np.isfinite(scores)):
        return 0.0
    return float(np.mean(np.argmax(scores, axis=1) == data.t_test))


class Learning:
    """The runs of one submission (a session fixture shares it between checks)."""

    def __init__(self, sub: Any, collab: StandIns) -> None:
        self.sub, self.collab = sub, collab
        self.data = load_subset()
        self._runs = {}

    def accuracy(self, reference: bool) -> float:
        """Test accuracy after training; ``reference``: with the reference collaborators.
        Raises CheckFailed when the run itself failed."""
        key = "reference" if reference else "own"
        if key not in self._runs:
            try:
                self._runs[key] = self._run(reference)
            except CheckFailed as failure:
                self._runs[key] = failure
        if isinstance(self._runs[key], CheckFailed):
            raise self._runs[key]
        return self._runs[key]

    def _run(self, reference):
        d = self.data
        patches = self.stand_ins() if reference else None
        result = call(self.sub, TARGET, d.x_train, d.t_train, d.x_test, d.t_test,
                      obj={"init": (*SIZES, WEIGHT_INIT_STD)}, seed=SEED, patches=patches,
                      timeout=RUN_SECONDS[reference], **HYPER)
        return accuracy_on_test_set(result.params_after, d)

    def stand_ins(self) -> dict[str, Any]:
        """The stand-ins of the run with them: every function train_model may call but
        numerical_gradient (train_model has no use for it, and a stand-in would run unbounded)."""
        return {name: fn for name, fn in self.collab.for_check(TARGET, every=True).items()
                if name not in ("TwoLayerNet.numerical_gradient", "numerical_gradient")}


def learns_check(learning: Learning, record_property: Callable[[str, object], None]) -> None:
    """The graded verdict: the own run, else (grader only) the run with the reference's functions."""
    try:
        accuracy = learning.accuracy(reference=False)
    except CheckFailed:
        if not learning.stand_ins():
            raise
        accuracy = None
    if (accuracy is None or accuracy < MIN_ACCURACY) and learning.stand_ins():
        accuracy = learning.accuracy(reference=True)
    record_property("note", f"测试集精度 / test accuracy: {accuracy:.1%} (需要 / needed: {MIN_ACCURACY:.0%})")
    if accuracy < MIN_ACCURACY:
        raise CheckFailed((f"网络没有学会：测试集精度 {accuracy:.1%}，至少需要 {MIN_ACCURACY:.0%}。",
                           f"The network did not learn: test accuracy {accuracy:.1%}, at least {MIN_ACCURACY:.0%} needed."),
                          (f"训练后测试集精度只有 {accuracy:.1%}（至少 {MIN_ACCURACY:.0%}，参考答案约 88%）。"
                           "每次迭代用 np.random.choice 取新的批次，并对 W1 b1 W2 b2 都做 "
                           "self.params[key] -= learning_rate * grad[key]；不要改动已给出的代码。",
                           f"After training the test accuracy is only {accuracy:.1%} (at least {MIN_ACCURACY:.0%}; "
                           "the reference reaches about 88%). Draw a new batch with np.random.choice every "
                           "iteration and update each of W1 b1 W2 b2 by self.params[key] -= learning_rate * grad[key]; "
                           "keep the given code as it is."),
                          setting=SETTING)


def whole_program_note(learning: Learning) -> str:
    """The information-only line: how far the student's whole program gets."""
    try:
        accuracy = learning.accuracy(reference=False)
    except CheckFailed as failure:
        return f"你的整个程序训练时出错 / your whole program failed while training:\n{failure.what[0]}\n{failure.what[1]}"
    return (f"只用你自己的函数，测试集精度 / with your own functions only, test accuracy: {accuracy:.1%} "
            f"(仅供参考，不计分 / information only, no points)")
