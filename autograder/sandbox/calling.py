"""The call contract: how a check's call reaches the submission's code.

One place for it, used by the box's worker (``worker.py``, where this file is
copied beside it) and by the in-process runner (``checks/local.py``: the
otter-grader autograder and the project's tests). Standard library and numpy
only, and nothing of the project: it runs inside the box.

For ``call(target, *args, obj=..., seed=..., patches=...)``:

1. ``target`` is ``"name"`` (a module-level function) or ``"Class.method"``;
   a name the module does not define raises :class:`MissingName`.
2. ``obj`` = ``{"init": (D, H, K), "params": {...}, "attrs": {...}}`` builds a
   fresh object for a method: ``Class(*init)`` right after ``np.random.seed(seed)``
   (so ``__init__``'s random weights are reproducible), or a bare object if that
   raises; then ``params`` and ``attrs`` are set on it.
3. ``patches`` (``{"name" or "Class.method": callable}``) replace those names for
   this call only, after the object is built; a method's callable is called as
   ``fn(self.params, *args)``, after the class's own method (if it defines one) has run
   for the state it sets, its result and error ignored and the parameters put back. A patch given as ``{"source", "name"}`` is defined from
   that source text here (:func:`compiled`), to run beside the student's data.
   :func:`restore` puts back exactly what was there, removing what was not.
4. ``np.random`` and ``random`` are seeded with ``seed`` right before the call.
"""
from __future__ import annotations

import random

import numpy as np

TYPE_CHECKING = False   # no `typing` import at run time: this file runs in the box (python -S)
if TYPE_CHECKING:
    from collections.abc import Callable, Mapping
    from types import ModuleType
    from typing import Any

MISSING = object()


class MissingName(AttributeError):
    """The submission does not define the function, class or method a check calls."""


def attribute(module: ModuleType, name: str, what: str) -> Any:
    """``module``'s own ``name`` (a function or class), else :class:`MissingName`."""
    if name not in vars(module):
        raise MissingName(f"{what} {name} is not defined in two_layer_net.py")
    return vars(module)[name]


def build_object(cls: Any, spec: dict[str, Any], seed: int | None = None,
                 on_failure: Callable[[], object] | None = None) -> Any:
    """A fresh instance for a method call: ``cls(*spec["init"])`` (seeded), or a bare
    object if that raises (``on_failure`` is called first); then params and attrs."""
    if not isinstance(cls, type):
        raise TypeError(f"{getattr(cls, '__name__', 'it')} is not a class")
    obj = None
    if spec.get("init") is not None:
        if seed is not None:
            np.random.seed(seed)
        try:
            obj = cls(*spec["init"])
        except BaseException:
            if on_failure is not None:
                on_failure()
    if obj is None:
        obj = object.__new__(cls)
    if spec.get("params") is not None:
        set_params(obj, spec["params"])
    for key, value in (spec.get("attrs") or {}).items():
        setattr(obj, key, value)
    return obj


def set_params(obj: Any, params: dict[str, Any]) -> None:
    """``obj.params = params``, but into the arrays ``__init__`` made where shapes and dtypes
    agree: objects that hold references to them (layers, as "Deep Learning from Scratch"
    builds them) see the new values too."""
    current = getattr(obj, "params", None)
    if not isinstance(current, dict):
        obj.params = params
        return
    for key, value in params.items():
        old = current.get(key)
        if isinstance(old, np.ndarray) and isinstance(value, np.ndarray) and old.shape == value.shape \
                and old.dtype == value.dtype and old.flags.writeable:
            old[...] = value
        else:
            current[key] = value


def target_function(module: ModuleType, target: str, obj_spec: dict[str, Any] | None = None, seed: int | None = None,
                    on_failure: Callable[[], object] | None = None) -> tuple[Callable[..., Any], Any]:
    """(the callable to call, the object it is bound to or None) for ``target``."""
    obj = None
    if "." in target:
        cls_name, method = target.split(".", 1)
        cls = attribute(module, cls_name, "class")
        if obj_spec is not None:
            obj = build_object(cls, obj_spec, seed, on_failure)
        holder = obj if obj is not None else cls
        if not hasattr(holder, method):
            raise MissingName(f"method {target} is not defined in two_layer_net.py")
        func = getattr(holder, method)
    else:
        func = attribute(module, target, "function")
    if not callable(func):
        raise TypeError(f"{target} is not a function (it is a {type(func).__name__})")
    return func, obj


def compiled(spec: dict[str, str]) -> Callable[..., Any]:
    """The function ``spec["name"]`` defined by the source text ``spec["source"]`` (with
    numpy as ``np``): a stand-in that must run here, beside the student's data (the
    grader's module-level ``numerical_gradient`` must perturb the very array it is given)."""
    namespace: dict[str, Any] = {"np": np, "numpy": np, "__name__": "stand_in"}
    exec(compile(spec["source"], "<stand-in>", "exec"), namespace)
    return namespace[spec["name"]]


def apply_patches(module: ModuleType, patches: Mapping[str, Any]) -> list[tuple[Any, str, Any]]:
    """Install ``patches``; return what :func:`restore` needs to undo them."""
    saved = []
    for name, fn in patches.items():
        if isinstance(fn, dict):
            fn = compiled(fn)
        if "." in name:
            cls_name, attr = name.split(".", 1)
            cls = attribute(module, cls_name, "class")
            saved.append((cls, attr, vars(cls).get(attr, MISSING)))

            def method(self, *args, _fn=fn, _own=vars(cls).get(attr), **kwargs):
                params = getattr(self, "params", None)
                if callable(_own):          # the student's own first, for the state it sets (a cache,
                    kept = _copied(params)  # layers); its result is not used, nor its error, and
                    try:                    # the parameters are put back as they were
                        _own(self, *args, **kwargs)
                    except Exception:
                        pass
                    if kept is not None:
                        self.params = params
                        set_params(self, kept)
                return _fn(params, *args, **kwargs)
            method.__name__ = method.__qualname__ = attr
            setattr(cls, attr, method)
        else:
            saved.append((module, name, vars(module).get(name, MISSING)))
            setattr(module, name, fn)
    return saved


def _copied(params: Any) -> dict[str, Any] | None:
    """A copy of a params dict's arrays (None for anything else)."""
    if not isinstance(params, dict):
        return None
    return {key: value.copy() if isinstance(value, np.ndarray) else value for key, value in params.items()}


def restore(saved: list[tuple[Any, str, Any]]) -> None:
    """Undo :func:`apply_patches`: old values back, names that were not there removed."""
    for holder, name, original in reversed(saved):
        try:
            if original is MISSING:
                delattr(holder, name)
            else:
                setattr(holder, name, original)
        except Exception:
            pass


def seed_all(seed: int | None) -> None:
    """Seed numpy's and Python's random generators (nothing when ``seed`` is None)."""
    if seed is not None:
        np.random.seed(seed)
        random.seed(seed)
