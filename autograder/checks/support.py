"""What the checks share: the ``@check`` decorator, failures that teach, calls
into the submission, comparisons and the known values.

A failing check raises ``CheckFailed`` with what went wrong (Chinese, then
English), the details (input, expected, got) and a hint. Hidden checks show
only what went wrong and the hint.
"""
from __future__ import annotations

import json
import re
from collections.abc import Mapping
from fnmatch import fnmatchcase
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pytest

from .errors import BoxCrash, BoxTimeout, ImportFailed, StudentError
from .repro import argument_names, parameters
from .verdict import english_list

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence
    from typing import Any

VISIBLE = "visible"
# How a check can fail: a wrong value, an error the code raised, unfinished code
# (NotImplementedError), a time limit, a process that died, a file that does not import,
# a fault of the check itself (the grader's, not the student's).
KINDS = ("wrong", "error", "unfinished", "timeout", "crash", "import", "grader")
KNOWN = Path(__file__).parent / "known"


def check(name: str, points: float, known: Iterable[str] = ()) -> pytest.MarkDecorator:
    """Declare a check: its name (``function: what it checks``), points and the known values it reads.

    ``points`` are the check's share of its function's points in course.toml
    (the default settings make them equal). ``known``: patterns of the keys of the
    known values the check reads ("net.*"); they ship to students with the check when
    it is public. Whether it is public is course.toml's [visibility] hidden_checks.
    """
    return pytest.mark.check(name=name, points=points, known=tuple(known))


class CheckFailed(AssertionError):
    """A failed check, with a message for the student.

    what, hint: (Chinese, English) pairs. details: label -> text, shown only
    for visible checks (input, expected, got, traceback...). ``kind``: one of KINDS.
    ``reproduce``: whether the feedback shows the check's last call as code to paste
    (not for unfinished code).
    """

    def __init__(self, what: Sequence[str], hint: Sequence[str] | None = None, *, kind: str = "wrong",
                 reproduce: bool = True, **details: object) -> None:
        assert kind in KINDS, kind
        self.what, self.hint, self.details = what, hint, details
        self.kind, self.reproduce = kind, reproduce
        self.stand_ins: list[str] = []   # the reference's functions this check last ran with (stand_ins.py)
        super().__init__(self.render(reveal=True))

    def failure(self, reveal: bool) -> dict[str, Any]:
        """The failure as data for a results entry: kind, hint, and (``reveal``) what and details."""
        found = {"kind": self.kind, "hint": list(self.hint) if self.hint else None}
        if self.stand_ins:
            found["stand_ins"] = list(self.stand_ins)
        if reveal:
            found.update(what=list(self.what), details={k: v if isinstance(v, str) else str(v) for k, v in self.details.items()})
        return found

    def render(self, reveal: bool) -> str:
        """The message; with ``reveal`` False (hidden checks) only that it failed and the hint."""
        if reveal:
            lines = [*self.what, *(f"{_bilingual(label)}: {text}" for label, text in self.details.items())]
        else:
            lines = ["这个隐藏检查没有通过。", "This hidden check failed."]
        if self.hint:
            lines += [f"提示：{self.hint[0]}", f"Hint: {self.hint[1]}"]
        if self.stand_ins:
            names = english_list(self.stand_ins)
            lines = [f"注意：你的 {'、'.join(self.stand_ins)} 没有通过自己的检查，所以这项检查运行时由参考答案的版本代替；"
                     f"你的版本设置的状态（如 self.cache、层对象）那时不存在。用你自己的版本再运行一次也没有通过。先修 {self.stand_ins[0]}。",
                     f"Note: your {names} {'fails its' if len(self.stand_ins) == 1 else 'fail their'} own checks, so the "
                     f"reference's stood in while this was checked, and any state yours sets (self.cache, layer "
                     f"objects) was not there. A second run with your own also failed. Fix {self.stand_ins[0]} first.",
                     *lines]
        return "\n".join(lines)


LABELS = {"input": "输入 / input", "expected": "期望 / expected", "got": "实际 / got",
          "error": "错误 / error", "traceback": "出错位置 / traceback",
          "argument_afterwards": "调用后的参数 / the argument afterwards",
          "before": "调用前 / before", "after": "调用后 / after", "called_for": "调用时传入的参数 / called for"}


def _bilingual(label):
    """"expected['W1']" -> "期望 / expected['W1']"; unknown labels stay as they are."""
    head = label.split("[", 1)[0]
    return LABELS[head] + label[len(head):] if head in LABELS else label


SHOW_CHARS = 2000    # a value in a message: a student's function can return 15 MB of text


def show(value: object) -> str:
    """A short, readable text for a value in a message (at most about SHOW_CHARS characters)."""
    if isinstance(value, np.ndarray):
        text = np.array2string(value, precision=6, threshold=24, edgeitems=3)
        return _cut(f"{text} (shape {value.shape}, dtype {value.dtype})")
    if isinstance(value, (list, tuple)) and len(value) > 8:
        return f"{type(value).__name__} of {len(value)} items: {show(list(value[:4]))[:-1]}, ...]"
    if isinstance(value, (str, bytes)) and len(value) > SHOW_CHARS:
        return _cut(repr(value[:SHOW_CHARS]), len(value) - SHOW_CHARS)
    return _cut(repr(value))


def _cut(text: str, more: int = 0) -> str:
    more += max(len(text) - SHOW_CHARS, 0)
    return f"{text[:SHOW_CHARS]} … ({more} characters more)" if more else text


def call(sub: Any, target: str, *args: Any, **kwargs: Any) -> Any:
    """Call ``target`` of the submission; turn every way it can go wrong into CheckFailed."""
    try:
        return sub.call(target, *args, **kwargs)
    except ImportFailed as error:
        raise CheckFailed(("无法导入你的 two_layer_net.py，所有检查都无法运行。",
                           "Your two_layer_net.py could not be imported, so nothing could be checked."),
                          ("看上面的报错和出错位置。评分时只运行文件中的 import、函数和类的定义以及它们用到的赋值，"
                           "读取数据、训练和画图的语句不运行；能导入的只有 numpy 和学生包里的 mnist.py，没有数据文件。",
                           "Read the error and where it happened. Grading runs only the imports, the function and "
                           "class definitions and the assignments they use, not the statements that load data, "
                           "train or plot; only numpy and the student package's mnist.py can be imported, "
                           "and there are no data files."),
                          kind="import", error=error.message) from None
    except StudentError as error:
        if error.kind == "NotImplementedError":
            raise CheckFailed((f"{target} 还没有完成（抛出了 NotImplementedError）。",
                               f"{target} is not done yet (it raised NotImplementedError)."),
                              ("补全 YOUR CODE HERE 部分，并删去 raise NotImplementedError。",
                               "Fill in the YOUR CODE HERE part and delete raise NotImplementedError."),
                              kind="unfinished", reproduce=False) from None
        if error.kind == "MissingName":                      # calling.MissingName
            raise CheckFailed((f"找不到 {target}。", f"{target} is not defined."),
                              ("不要改函数名、类名和方法名。", "Keep the names of functions, classes and methods."),
                              kind="error", reproduce=False, error=error.message) from None
        hint = ("看报错信息和出错位置，用下面同样的输入在本机重现。",
                "Read the error and where it happened, and reproduce it on your machine with the input below.")
        shapes = broadcast_shapes(error, target, args, getattr(sub, "source", ""))
        if shapes:
            hint = (f"形状对不上：{'，'.join(f'{n} 的形状是 {s}' for n, s in shapes)}。{hint[0]}",
                    f"The shapes do not fit together: {', '.join(f'{n} has shape {s}' for n, s in shapes)}. {hint[1]}")
        raise CheckFailed((f"{target} 运行时出错：{error.kind}。", f"{target} raised {error.kind}."),
                          hint, kind="error", error=str(error), traceback=error.traceback) from None
    except BoxTimeout as error:
        raise CheckFailed((f"{target} 超时。", f"{target} ran out of time."),
                          ("检查是否有死循环，或是否在循环里做了不必要的大计算。",
                           "Look for an endless loop or needless heavy work inside a loop."),
                          kind="timeout", error=f"超过时间限制 / over the time limit: {error.message}") from None
    except BoxCrash as error:
        raise CheckFailed((f"运行 {target} 的进程崩溃了。", f"The process running {target} died."),
                          ("不要调用 os._exit、不要创建进程、不要占用过多内存。",
                           "Do not call os._exit, start processes or use huge amounts of memory."),
                          kind="crash", error=error.message) from None


def broadcast_shapes(error: StudentError, target: str, args: Sequence[Any],
                     source: str) -> list[tuple[str, tuple[int, ...]]]:
    """For numpy's "could not be broadcast together with shapes (4,) (4,3)": [(argument
    name, shape)] of the arguments that have one of those shapes, else []."""
    if error.kind != "ValueError" or "broadcast" not in error.message:
        return []
    named = re.findall(r"\(([\d, ]*)\)", error.message)
    shapes = {tuple(int(n) for n in text.replace(" ", "").split(",") if n) for text in named}
    names = argument_names(parameters(source, target), len(args))
    return [(name, tuple(np.shape(value))) for name, value in zip(names, args)
            if isinstance(value, np.ndarray) and value.shape in shapes]


def type_name(value: object) -> str:
    """The type of a returned value, also for what the sandbox could only describe."""
    return getattr(value, "type_name", None) or type(value).__name__


def expect_array(value: object, target: str, shape: Sequence[int]) -> np.ndarray:
    """Fail unless ``value`` is an ndarray of ``shape``; return it as float64."""
    if isinstance(value, list):
        raise CheckFailed((f"{target} 返回了 list，应返回 numpy 数组。",
                           f"{target} returned a list; it should return a numpy array."),
                          ("直接对整个数组做运算（如 1 / (1 + np.exp(-x))），不要用 for 循环 append。",
                           "Compute on the whole array at once (e.g. 1 / (1 + np.exp(-x))), not with a for loop and append."),
                          got=show(value))
    if not isinstance(value, np.ndarray):
        raise CheckFailed((f"{target} 应返回 numpy 数组，实际返回 {type_name(value)}。",
                           f"{target} should return a numpy array, not {type_name(value)}."),
                          ("检查 return 语句。", "Check the return statement."), got=show(value))
    if value.shape != tuple(shape):
        raise CheckFailed((f"{target} 返回的形状是 {value.shape}，应为 {tuple(shape)}。",
                           f"{target} returned shape {value.shape}; expected {tuple(shape)}."),
                          ("检查 axis 参数、keepdims 和矩阵乘法的顺序。",
                           "Check axis arguments, keepdims and the order of matrix products."))
    return value.astype(np.float64)


def expect_float(value: object, target: str) -> float:
    """Fail unless ``value`` is a single number; return it as float."""
    if isinstance(value, np.ndarray) and value.size == 1:
        value = value.item()
    if isinstance(value, bool) or not isinstance(value, (int, float, np.floating, np.integer)):
        raise CheckFailed((f"{target} 应返回一个数，实际返回 {type_name(value)}。",
                           f"{target} should return a single number, not {type_name(value)}."),
                          ("返回标量，例如 float(...) 或 np.sum(...) 的结果。",
                           "Return a scalar, e.g. the result of float(...) or np.sum(...)."),
                          got=show(value))
    return float(value)


def relative_error(got: Any, expected: Any) -> float:
    """max |got - expected| / max(|got| + |expected|), 0 when both are 0, inf for nan or inf."""
    got, expected = np.asarray(got, dtype=float), np.asarray(expected, dtype=float)
    if not np.all(np.isfinite(got)):
        return float("inf")
    scale = np.max(np.abs(got) + np.abs(expected)) if got.size else 0.0
    return 0.0 if scale == 0 else float(np.max(np.abs(got - expected)) / scale)


def load_known() -> dict[str, Any]:
    """All known values in ``known/*.json`` as one dict: key -> ndarray or number."""
    known = {}
    for path in sorted(KNOWN.glob("*.json")):
        for key, value in json.loads(path.read_text(encoding="utf-8")).items():
            known[key] = np.array(value) if isinstance(value, list) else value
    return known


class Declared(Mapping):
    """The known values a check declares in ``@check(known=...)``: reading another is a
    fault of the check, found wherever it runs (else it would break in the student package,
    which holds only the public checks' values)."""

    def __init__(self, known: dict[str, Any], patterns: Iterable[str]) -> None:
        self.known, self.patterns = known, tuple(patterns)

    def _declared(self, key):
        return any(fnmatchcase(key, pattern) for pattern in self.patterns)

    def __getitem__(self, key):
        if not self._declared(key):
            raise KeyError(f"{key!r} is not among the known values of this check's @check(known=...)")
        return self.known[key]

    def __iter__(self):
        return (key for key in self.known if self._declared(key))

    def __len__(self):
        return sum(1 for _ in self)


def params_of(known: Mapping[str, Any], prefix: str) -> dict[str, Any]:
    """The W1 b1 W2 b2 dict stored under ``prefix``."""
    return {key: known[f"{prefix}.{key}"] for key in ("W1", "b1", "W2", "b2")}


class Wavy:
    """A fresh ``f`` for numerical_gradient: every element contributes differently, so a
    mixed-up index shows, and its coefficients are drawn anew for every check (from the
    operating system's randomness), so no derivative can be written down in advance.
    It is called ``f`` and nothing else of it tells what it is; it remembers the points
    it was called at (a bounded number), to recognise a forward difference.

    f(x) = sum(sin(a x)) + b sum(x^3) / 3 + sum(index * x)
    """

    __name__ = "f"

    def __init__(self, rng: np.random.Generator | None = None) -> None:
        rng = rng or np.random.default_rng()
        self.a, self.b = round(float(rng.uniform(2, 4)), 3), round(float(rng.uniform(0.5, 1.5)), 3)
        self.calls: list[np.ndarray] = []
        self.formula = f"f = sum(sin({self.a}x)) + {self.b} sum(x^3)/3 + sum(index * x)"
        self.repro = (f"lambda x: np.sum(np.sin({self.a} * x)) + {self.b} * np.sum(x ** 3) / 3 "
                      "+ np.sum(np.arange(x.size).reshape(x.shape) * x)")

    def value(self, x: np.ndarray) -> float:
        index = np.arange(x.size, dtype=float).reshape(x.shape)
        return float(np.sum(np.sin(self.a * x)) + self.b * np.sum(x ** 3) / 3 + np.sum(index * x))

    def __call__(self, x: Any) -> float:
        x = np.asarray(x, dtype=float)
        if len(self.calls) < 1000 and x.size <= 10000:   # enough to tell; bounded for a hostile caller
            self.calls.append(x.copy())
        return self.value(x)

    def differences(self, x: np.ndarray, h: float = 1e-4) -> tuple[np.ndarray, np.ndarray]:
        """(central, forward) differences of f at ``x``, computed here: what a right
        numerical_gradient returns, and what the common mistake (f(x+h) - f(x)) / h does."""
        x = np.array(x, dtype=float)
        central, forward, base = np.zeros_like(x), np.zeros_like(x), self.value(x)
        for idx in np.ndindex(x.shape):
            saved = x[idx]
            x[idx] = saved + h
            above = self.value(x)
            x[idx] = saved - h
            central[idx] = (above - self.value(x)) / (2 * h)
            forward[idx] = (above - base) / h
            x[idx] = saved
        return central, forward
