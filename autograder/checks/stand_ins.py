"""The reference's functions as stand-ins for the submission's own.

When a check grades one function, every other function the submission calls is
replaced by the reference's, so that a bug costs only the points of the function
that has it. Both graders use these: the kit's (through the sandbox's callbacks)
and the otter-grader autograder (by patching the student's namespace).
"""
from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence
    from types import ModuleType
    from typing import Any


class MissingFromReference(Exception):
    """course.toml lists a graded function that the reference solution does not define."""


def collaborators(ref: ModuleType, functions: Sequence[str]) -> dict[str, Callable[..., Any]]:
    """name -> callable of the reference module ``ref`` for each graded function
    (``functions``: course.toml's list, e.g. "softmax", "TwoLayerNet.forward"):
    module functions as they are; methods take the object's params first."""
    def method(owner, name):
        def call(params, *args, **kwargs):
            net = object.__new__(owner)
            net.params = params
            return getattr(net, name)(*args, **kwargs)
        call.__name__ = name
        return call

    found = {}
    for function in functions:
        owner_name, _, name = function.rpartition(".")
        owner = getattr(ref, owner_name, None) if owner_name else ref
        if not callable(getattr(owner, name, None)):
            raise MissingFromReference(f"course.toml [points] lists {function!r}, which the reference "
                                       "solution (solution/two_layer_net.py) does not define")
        found[function] = method(owner, name) if owner_name else getattr(ref, name)
    return found
