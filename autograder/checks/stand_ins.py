"""The reference's functions as stand-ins for the submission's own.

When a check grades one function, another function of the submission that fails its
own checks is replaced by the reference's (:class:`StandIns` gives the rule), so that
a bug costs only the points of the function that has it, while correct code runs as
written. Every grader uses these: the kit's (through the sandbox's callbacks), the
student's own check (which has no reference: its own functions always run) and the
otter-grader autograder (by patching the student's namespace).
"""
from __future__ import annotations

import contextlib
import functools
import inspect
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence
    from types import ModuleType
    from typing import Any


class MissingFromReference(Exception):
    """course.toml lists a graded function that the reference solution does not define."""


def collaborators(ref: ModuleType, functions: Sequence[str]) -> dict[str, Any]:
    """name -> callable of the reference module ``ref`` for each graded function
    (``functions``: course.toml's list, e.g. "softmax", "TwoLayerNet.forward"):
    module functions as they are; methods take the object's params first; the IN_BOX
    ones as ``{"source", "name"}``, to be defined beside the student's data."""
    def method(owner, name):
        def call(params, *args, **kwargs):
            net = object.__new__(owner)
            net.params = params
            return getattr(net, name)(*args, **kwargs)
        call.__name__ = name
        return call

    found: dict[str, Any] = {}
    for function in functions:
        owner_name, _, name = function.rpartition(".")
        owner = getattr(ref, owner_name, None) if owner_name else ref
        if not callable(getattr(owner, name, None)):
            raise MissingFromReference(f"course.toml [points] lists {function!r}, which the reference "
                                       "solution (solution/two_layer_net.py) does not define")
        found[function] = bounded(method(owner, name) if owner_name else getattr(ref, name), function)
        if function in IN_BOX:
            found[function] = {"source": inspect.getsource(getattr(owner, name)), "name": name}
    return found


# The work a student's inputs can ask of a stand-in, which runs in the grader: no array
# over MAX_ELEMENTS (the checks' largest input is the learning check's 5,000 x 100), and
# no more than STAND_IN_MEMORY of new memory (where the platform can cap it): a shape
# that broadcasts into an n x n matrix fails the student's call, not the grader.
MAX_ELEMENTS = 2_000_000
STAND_IN_MEMORY = 256 * 2**20


class StandInRefused(ValueError):
    """A stand-in would not run on the inputs a student's code gave it."""


def bounded(fn: Callable[..., Any], function: str) -> Callable[..., Any]:
    """``fn`` with the limits above; breaking them raises :class:`StandInRefused`."""
    @functools.wraps(fn)
    def call(*args, **kwargs):
        sizes = [value.size for value in _arrays((args, kwargs)) if value.size > MAX_ELEMENTS]
        if sizes:
            raise StandInRefused(f"the reference's {function} was given an array of {max(sizes):,} numbers "
                                 f"(at most {MAX_ELEMENTS:,})")
        try:
            with _memory_cap(STAND_IN_MEMORY):
                return fn(*args, **kwargs)
        except MemoryError:
            raise StandInRefused(f"the reference's {function} would need more than "
                                 f"{STAND_IN_MEMORY >> 20} MB for these inputs") from None
    return call


def _arrays(value, depth=0):
    """The numpy arrays in ``value`` (nested tuples, lists, dicts; bounded depth)."""
    if hasattr(value, "size") and hasattr(value, "shape"):
        yield value
    elif depth < 4 and isinstance(value, (tuple, list)):
        for item in value:
            yield from _arrays(item, depth + 1)
    elif depth < 4 and isinstance(value, dict):
        for item in value.values():
            yield from _arrays(item, depth + 1)


@contextlib.contextmanager
def _memory_cap(extra: int):
    """Cap this process's address space at its present size plus ``extra`` bytes while the
    block runs (Linux: RLIMIT_AS; elsewhere, and where the present size is unknown, no cap)."""
    try:
        import resource
        with open("/proc/self/statm", encoding="ascii") as statm:
            present = int(statm.read().split()[0]) * resource.getpagesize()
    except (ImportError, OSError, ValueError):
        yield
        return
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    cap = present + extra
    if hard != resource.RLIM_INFINITY:
        cap = min(cap, hard)
    if soft != resource.RLIM_INFINITY and soft <= cap:
        yield                                   # already tighter
        return
    resource.setrlimit(resource.RLIMIT_AS, (cap, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))


# Functions that compute the same thing: a check of one must not let it hand the
# work to the reference's other (gradient returning self.numerical_gradient(x, t)).
TWINS = {"TwoLayerNet.gradient": "TwoLayerNet.numerical_gradient",
         "TwoLayerNet.numerical_gradient": "TwoLayerNet.gradient"}
# Stand-ins that must run beside the student's data, in the box: the module-level
# numerical_gradient perturbs the very array it is given (``self.params[key]``), which a
# function in the grader, handed a copy, cannot. They go as source text (``calling.compiled``).
IN_BOX = ("numerical_gradient",)
# While a check grades a function, these stand in whatever the rule says: backprop must not
# differentiate numerically (the seed's own gradient does, and its values would pass).
TRIPWIRES = {"TwoLayerNet.gradient": {"numerical_gradient": {
    "name": "numerical_gradient",
    "source": ("def numerical_gradient(f, x):\n"
               "    raise RuntimeError('gradient must compute the gradients by backpropagation, not call "
               "numerical_gradient (numerical differentiation is far too slow to train with)')\n")}}}


class StandIns:
    """Which of the reference's functions stand in for the submission's own during a check.

    The rule, the same in the grader, the student's check, the Gradescope and the otter zips:

    - While a check grades function F, every other graded function G runs as the
      student's own when G has passed every one of its own checks (hidden ones too, where
      they run). Correct code therefore runs exactly as the student wrote it: caches set by
      ``forward`` and read by ``gradient``, layer objects, helpers of its own.
    - The reference's G stands in when G failed one of its checks, so a bug in G costs
      only G's points. Only the functions before F in course.toml's order (``order``,
      helpers first) are offered, and never F's twin (TWINS): a stand-in answers only what
      F may ask of it (a ``forward`` cannot take its output from the reference's ``gradient``).
    - A check that fails with a wrong value or an error gets a second run, with the other
      collaborators: the student's own throughout when the first run had stand-ins for
      failing functions (a ``gradient`` that reads the cache its own ``forward`` sets is
      right whenever it is right with that forward), else the reference's throughout (a
      function is right when it is right with right collaborators: a ``float32`` loss that
      passes its checks can still be too coarse for a numerical gradient). It passes if
      either run passes. When both fail, the failure names the stand-ins of the first run
      (``CheckFailed.stand_ins``): state the student's failing function sets was not there.
      So a broken ``forward`` costs a ``gradient`` that depends on its cache its points
      too, and the feedback says to fix ``forward`` first.

    ``reference``: name -> stand-in (:func:`collaborators`); empty where the student runs
    the checks, whose own functions are then always used. ``judge(G)``:
    whether G passes its checks, for a G nobody :meth:`record`-ed.
    """

    SECOND_CHANCE = ("wrong", "error")   # failure kinds worth a second run (not time-outs, crashes...)

    def __init__(self, order: Sequence[str], reference: dict[str, Callable[..., Any]] | None = None,
                 judge: Callable[[str], bool] | None = None) -> None:
        self.order = tuple(order)
        self.reference = dict(reference or {})
        self.judge = judge
        self.status: dict[str, bool] = {}
        self.used: set[str] = set()     # the stand-ins handed to the running check
        self.mode = "rule"              # "rule", or a second run's "own" or "reference"

    def before(self, target: str) -> tuple[str, ...]:
        """The graded functions ``target`` may call: those before it in course.toml's order."""
        return self.order[:self.order.index(target)] if target in self.order else ()

    def record(self, function: str, passed: bool) -> None:
        """Note the outcome of one check of ``function``."""
        self.status[function] = self.status.get(function, True) and passed

    def passes(self, function: str) -> bool:
        """Whether ``function`` passed every one of its checks (False: failed or not checked)."""
        if function not in self.status and self.judge is not None:
            self.status[function] = self.judge(function)
        return self.status.get(function, False)

    def for_check(self, target: str, every: bool = False) -> dict[str, Any]:
        """The patches for a call of a check of ``target``: {name: stand-in}; with ``every``,
        all it may call, as in a second run with the reference's functions."""
        if self.mode == "own" and not every:
            return dict(TRIPWIRES.get(target, {}))
        found = {name: fn for name, fn in self.reference.items()
                 if name in self.before(target) and name != TWINS.get(target)
                 and (every or self.mode == "reference" or not self.passes(name))}
        self.used.update(found)
        return {**found, **TRIPWIRES.get(target, {})}

    def second_chance(self, error: Any, rerun: Callable[[], object]) -> None:
        """After a check failed with ``error`` (a CheckFailed), run it again (``rerun``)
        with the other collaborators (see the rule). Returns when that run passes; else
        raises ``error``, naming the stand-ins of the first run that were for failing functions."""
        failing = [name for name, passed in self.status.items() if name in self.used and not passed]  # in order
        self.used = set()
        if getattr(error, "kind", None) not in self.SECOND_CHANCE:
            raise error
        self.mode = "own" if failing else "reference"
        try:
            rerun()
        except Exception:
            error.stand_ins = failing
            raise error from None
        finally:
            self.mode = "rule"
