"""The input of a failing check as code the student can paste into Python.

:class:`Recording` stands between the checks and the submission and remembers the
calls of the current check; :func:`call_code` writes the last one out::

    import numpy as np
    from two_layer_net import *

    y = np.array([[0.1, 0.7, 0.2], ...])
    t = np.array([1, 0, 2, 1])
    print(cross_entropy_error(y, t))

Argument names are the student's own, read from their source. Only visible
checks show it (``CheckFailed.render``); hidden checks keep their inputs hidden.
"""
from __future__ import annotations

import ast
import sys
from typing import TYPE_CHECKING

import numpy as np

from .program import definitions

if TYPE_CHECKING:
    from collections.abc import Sequence
    from typing import Any

MAX_ELEMENTS = 2000    # past this an array is shown shortened (no longer pasteable as is)


class Recording:
    """The submission (``call`` and every other attribute), remembering each call."""

    def __init__(self, submission: Any, source: str = "") -> None:
        self.submission, self.source, self.calls = submission, source, []
        self.printed = ""          # what the last call printed (its captured stdout and stderr)

    def clear(self) -> None:
        """Forget the calls (a new check starts)."""
        self.calls.clear()
        self.printed = ""

    def call(self, target: str, *args: Any, **kwargs: Any) -> Any:
        self.calls.append((target, args, kwargs))
        self.printed = ""
        try:
            result = self.submission.call(target, *args, **kwargs)
        except Exception as error:                 # BoxError and its kinds carry what was printed
            self.printed = str(getattr(error, "stdout", "") or "")
            raise
        self.printed = str(getattr(result, "stdout", "") or "")
        return result

    def __getattr__(self, name):
        return getattr(self.submission, name)

    def last_call_code(self, show_after: bool = False) -> str | None:
        """The last call as code, or None when the check made none; ``show_after``: then
        print its array arguments (for a check of what a call does to them)."""
        if not self.calls:
            return None
        target, args, kwargs = self.calls[-1]
        return call_code(target, args, kwargs, parameters(self.source, target), show_after)


def parameters(source: str, target: str) -> tuple[str, ...]:
    """The names of ``target``'s parameters in ``source`` (without self), or () if not found."""
    try:
        node = definitions(ast.parse(source)).get(target)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return ()
    if node is None:
        return ()
    names = [a.arg for a in node.args.posonlyargs + node.args.args]
    return tuple(names[1:] if "." in target else names)


def argument_names(names: Sequence[str], count: int) -> list[str]:
    """``count`` names for a call's arguments: ``names`` (the parameters), then arg3, arg4..."""
    return list(names)[:count] + [f"arg{i + 1}" for i in range(len(names), count)]


def literal(value: object, prefix: str = "") -> str:
    """Python source for ``value``: arrays as np.array(...), callables by their ``repro``.
    ``prefix``: what precedes it on its line (continuation lines are aligned after it)."""
    if isinstance(value, np.ndarray):
        text = np.array2string(value, separator=", ", precision=8, suppress_small=False,
                               threshold=MAX_ELEMENTS if value.size > MAX_ELEMENTS else sys.maxsize,
                               max_line_width=100, prefix=prefix + "np.array(")
        dtype = "" if value.dtype.kind in "fb" or value.dtype == np.int64 else f", dtype=np.{value.dtype}"
        return f"np.array({text}{dtype})"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k!r}: {literal(v)}" for k, v in value.items()) + "}"
    if isinstance(value, (list, tuple)):
        inner = ", ".join(literal(v) for v in value)
        return f"({inner},)" if isinstance(value, tuple) and len(value) == 1 else \
            (f"({inner})" if isinstance(value, tuple) else f"[{inner}]")
    if callable(value):
        return getattr(value, "repro", None) or "None  # 检查传入的函数 / a function the check passed"
    if isinstance(value, np.generic):
        return repr(value.item())
    return repr(value)


def call_code(target: str, args: Sequence[Any], kwargs: dict[str, Any], names: Sequence[str] = (),
              show_after: bool = False) -> str:
    """Code that repeats ``Box.call(target, *args, **kwargs)`` on the student's machine;
    with ``show_after``, it then prints the array arguments as the call left them."""
    owner, _, name = target.rpartition(".")
    lines = ["import numpy as np", "from two_layer_net import *", ""]
    names = argument_names(names, len(args))
    for arg_name, value in zip(names, args):
        lines.append(f"{arg_name} = {literal(value, f'{arg_name} = ')}")
    call_kwargs = {k: v for k, v in kwargs.items() if k not in ("obj", "seed", "patches", "timeout")}
    listed = ", ".join([*names, *(f"{k}={literal(v)}" for k, v in call_kwargs.items())])
    obj, seed = kwargs.get("obj"), kwargs.get("seed")
    if owner:
        if seed is not None:
            lines.append(f"np.random.seed({seed})")
        init = ", ".join(map(literal, (obj or {}).get("init") or ()))
        lines.append(f"net = {owner}({init})")
        if (obj or {}).get("params") is not None:
            lines.append(f"net.params = {literal(obj['params'])}")
        for key, value in ((obj or {}).get("attrs") or {}).items():
            lines.append(f"net.{key} = {literal(value)}")
        call = f"net.{name}({listed})"
    else:
        call = f"{name}({listed})"
    if seed is not None:
        lines.append(f"np.random.seed({seed})")
    lines.append(f"print({call})")
    if show_after:
        lines += [f"print({arg_name})   # 调用之后 / after the call"
                  for arg_name, value in zip(names, args) if isinstance(value, np.ndarray)]
    return "\n".join(lines)
