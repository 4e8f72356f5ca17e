"""The course's checks, run from otter-grader test files.

This file ships only in dist/otter-autograder.zip, as ``checks/otter_env.py``
beside the checks (kit/dist.py copies it there). Otter runs the submission and
hands each test case ``env``, the student's global namespace; ``run_check``
calls one of our checks on it and turns its failure into the AssertionError
otter reports. There are no reference collaborators here: each function is
checked with the student's own helpers, as when students run the checks.
"""
import functools
import importlib
import inspect
import types
from pathlib import Path

from .learning import Learning
from .local import LocalSubmission
from .support import CheckFailed, load_known


class EnvSubmission(LocalSubmission):
    """``LocalSubmission`` over a namespace (a dict) instead of a file: ``sub.call(...)``."""

    def __init__(self, env):
        module = types.ModuleType("two_layer_net")
        module.__dict__.update(env)
        self._module = module
        self.path = _source_file(env)


def _source_file(env):
    """The file the student's functions were compiled from (tracebacks show only its frames)."""
    for value in env.values():
        code = getattr(value, "__code__", None)
        if code is not None and getattr(value, "__module__", None) == env.get("__name__"):
            return Path(code.co_filename).resolve()
    return Path("two_layer_net.py").resolve()


@functools.lru_cache(maxsize=None)
def _known():
    return load_known()


def run_check(env, module, name, hidden=False):
    """Run the check ``name`` of ``checks.<module>`` on ``env``; raise AssertionError if it fails.

    A hidden check's message says only that it failed and gives the hint.
    """
    check = getattr(importlib.import_module(f"{__package__}.{module}"), name)
    sub = EnvSubmission(env)
    fixtures = {"sub": sub, "collab": None, "known": _known(), "learning": Learning(sub, None),
                "record_property": lambda key, value: None}
    wanted = inspect.signature(check).parameters
    try:
        check(**{key: value for key, value in fixtures.items() if key in wanted})
    except CheckFailed as failed:
        raise AssertionError(failed.render(reveal=not hidden)) from None
