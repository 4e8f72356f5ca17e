"""The course's checks, run from otter-grader test files.

This file ships only in dist/otter-autograder.zip, as ``autograder/checks/otter_env.py``
beside the checks and the reference solution (``reference_two_layer_net.py``;
kit/dist.py copies both there). Otter runs the submission and hands each test case
``env``, the student's global namespace; ``run_check`` calls one of our checks on it
and turns its failure into the AssertionError otter reports. As in the kit's grader,
the functions a check does not grade that fail their own checks are the reference's
(patched into ``env`` for the call; the rule is ``stand_ins.StandIns``), so each
function earns or loses only its own points. Otter runs the test files in their
numbered order, course.toml's, so a function's checks have run before any check
that may stand in for it.
"""
import copy
import functools
import importlib
import importlib.util
import inspect
from pathlib import Path

from .learning import Learning
from .local import InProcessSubmission
from .stand_ins import StandIns, collaborators
from .support import CheckFailed, load_known

REFERENCE = Path(__file__).resolve().parent / "reference_two_layer_net.py"


class Namespace:
    """Attribute access to a dict: patching an attribute patches the dict itself."""

    def __init__(self, env):
        self.__dict__ = env


class EnvSubmission(InProcessSubmission):
    """``InProcessSubmission`` over the namespace the student's code runs in: ``sub.call(...)``.
    A stand-in is set in that very namespace, where the student's functions look it up."""

    def __init__(self, env):
        self._module = Namespace(env)
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


@functools.lru_cache(maxsize=None)
def _collaborators():
    spec = importlib.util.spec_from_file_location("reference_two_layer_net", REFERENCE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return {name: _by_value(fn) if callable(fn) else fn      # not callable: source, defined beside the data
            for name, fn in collaborators(module, _known()["functions"]).items()}


def _by_value(fn):
    """``fn`` taking and returning copies, as the kit's sandbox passes plain data: a
    stand-in never changes the student's arrays, nor they its results."""
    @functools.wraps(fn)
    def call(*args, **kwargs):
        return copy.deepcopy(fn(*copy.deepcopy(args), **copy.deepcopy(kwargs)))
    return call


_STAND_INS = {}    # id(env) -> (env, StandIns): the outcomes of one submission's checks so far


def _stand_ins(env):
    kept = _STAND_INS.get(id(env))
    if kept is None or kept[0] is not env:
        kept = _STAND_INS[id(env)] = (env, StandIns(_known()["functions"], _collaborators()))
    return kept[1]


def run_check(env, module, name, hidden=False):
    """Run the check ``name`` of ``checks.<module>`` on ``env``; raise AssertionError if it fails.

    A hidden check's message says only that it failed and gives the hint.
    """
    check = getattr(importlib.import_module(f"{__package__}.{module}"), name)
    sub, collab = EnvSubmission(env), _stand_ins(env)
    fixtures = {"sub": sub, "collab": collab, "known": _known(), "learning": Learning(sub, collab),
                "record_property": lambda key, value: None}
    wanted = inspect.signature(check).parameters

    def run():
        check(**{key: value for key, value in fixtures.items() if key in wanted})
    function = next(m.kwargs["name"] for m in check.pytestmark if m.name == "check").split(":", 1)[0]
    collab.used.clear()
    try:
        try:
            run()
        except CheckFailed as failed:
            collab.second_chance(failed, run)
    except CheckFailed as failed:
        collab.record(function, False)
        raise AssertionError(failed.render(reveal=not hidden)) from None
    collab.record(function, True)
