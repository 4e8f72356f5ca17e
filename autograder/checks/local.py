"""Run the checks in this process, on the student's own machine.

``LocalSubmission`` offers the same ``call`` as the grader's sandbox, without
the sandbox: a student checks their own code, so nothing needs guarding.
"""
import contextlib
import copy
import importlib.util
import io
import traceback
import types
from pathlib import Path
from types import SimpleNamespace

import numpy as np

from .errors import ImportFailed, StudentError
from .program import graded_source


class LocalSubmission:
    """The student's ``two_layer_net.py``, imported here (once, lazily): the same
    part of it as the grader imports (``program.graded_source``)."""

    def __init__(self, path):
        self.path = Path(path).resolve()
        self._module = None

    def _load(self):
        if self._module is None:
            if not self.path.is_file():
                raise ImportFailed(f"{self.path} not found / 找不到文件")
            module = types.ModuleType("two_layer_net")
            module.__file__ = str(self.path)
            try:
                code = compile(graded_source(_text(self.path.read_bytes())), str(self.path), "exec")
                with contextlib.redirect_stdout(io.StringIO()):
                    exec(code, module.__dict__)
            except BaseException as error:  # SystemExit too: the file must import cleanly
                raise ImportFailed(f"{type(error).__name__}: {error}") from None
            self._module = module
        return self._module

    def call(self, target, *args, obj=None, seed=None, patches=None, timeout=None, **kwargs):
        """Call ``target`` ("name" or "TwoLayerNet.method") on copies of the arguments.

        obj: {"init": (D, H, K), "params": {...}} builds the object a method runs on.
        seed: np.random.seed(seed) right before the call. patches: name -> callable
        swapped in for the call (a method's callable gets the object's params first).
        """
        module = self._load()
        args, kwargs = copy.deepcopy(args), copy.deepcopy(kwargs)
        owner_name, _, name = target.rpartition(".")
        instance = None
        with _patched(module, patches or {}):
            try:
                if owner_name:
                    if seed is not None:            # as in the box: __init__'s random weights too
                        np.random.seed(seed)
                    instance = _build(getattr(module, owner_name), obj)
                fn = getattr(instance if owner_name else module, name)
            except AttributeError:
                raise StudentError("AttributeError", f"{target} is not defined") from None
            if seed is not None:
                np.random.seed(seed)
            out = io.StringIO()
            try:
                with contextlib.redirect_stdout(out):
                    value = fn(*args, **kwargs)
            except (Exception, SystemExit) as error:
                frames = [f for f in traceback.extract_tb(error.__traceback__)
                          if Path(f.filename).resolve() == self.path]
                raise StudentError(type(error).__name__, str(error),
                                   "".join(traceback.format_list(frames[-3:])), out.getvalue()) from None
        return SimpleNamespace(value=value, args_after=args, stdout=out.getvalue(),
                               params_after=getattr(instance, "params", None))


def _text(data):
    """Source bytes as text: its coding comment's encoding, else UTF-8, else GB18030 (GBK)."""
    try:
        return importlib.util.decode_source(data)
    except (UnicodeDecodeError, SyntaxError, LookupError):
        return data.decode("gb18030", errors="replace")


def _build(cls, obj):
    """An instance of ``cls`` built with obj["init"], with obj["params"] (if given) set on it."""
    try:
        instance = cls(*obj["init"])
    except Exception:
        instance = object.__new__(cls)
    if obj.get("params") is not None:
        instance.params = copy.deepcopy(obj["params"])
    return instance


@contextlib.contextmanager
def _patched(module, patches):
    saved = []
    for dotted, fn in patches.items():
        owner_name, _, name = dotted.rpartition(".")
        owner = getattr(module, owner_name) if owner_name else module
        if owner_name:
            fn = (lambda f: lambda self, *a, **k: f(self.params, *a, **k))(fn)
        saved.append((owner, name, owner.__dict__.get(name)))
        setattr(owner, name, fn)
    try:
        yield
    finally:
        for owner, name, old in reversed(saved):
            setattr(owner, name, old)


class CheckTarget:
    """A pytest plugin telling the checks what to check: ``submission`` (anything
    with ``call``) and ``collaborators`` (the reference functions, grader only)."""

    def __init__(self, submission, collaborators=None):
        self.submission = submission
        self.collaborators = collaborators
