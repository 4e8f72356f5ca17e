"""Fixtures of the checks. The grader passes a ``CheckTarget`` plugin (a
sandboxed submission plus the reference collaborators); without one (``python -m
pytest`` in the student folder), the checks run on ``two_layer_net.py`` in pytest's
root folder, in the student's own box (``local.student_box``)."""
from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from .learning import Learning
from .local import CheckTarget, student_box
from .program import read_student_file
from .stand_ins import StandIns
from .support import Declared, load_known

if TYPE_CHECKING:
    from collections.abc import Iterator
    from typing import Any


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "check(name, points, known): a graded check")


@pytest.fixture(scope="session")
def target(request: pytest.FixtureRequest) -> Iterator[CheckTarget]:
    for plugin in request.config.pluginmanager.get_plugins():
        if isinstance(plugin, CheckTarget):
            yield plugin
            return
    source, _ = read_student_file(request.config.rootpath / "two_layer_net.py")
    with student_box(source) as box:
        yield CheckTarget(box, source=source)


@pytest.fixture(scope="session")
def sub(target: CheckTarget) -> Any:
    """The submission: ``sub.call("softmax", x)``, ``sub.call("TwoLayerNet.forward", x, obj=...)``."""
    return target.submission


@pytest.fixture(scope="session")
def collab(target: CheckTarget) -> StandIns:
    """The reference's functions that stand in for the submission's failing ones
    (``collab.for_check(target)``; none where the student runs the checks)."""
    return target.stand_ins


@pytest.fixture(scope="session")
def all_known() -> dict[str, Any]:
    """Known values made from the reference: key -> ndarray or number."""
    return load_known()


@pytest.fixture
def known(request: pytest.FixtureRequest, all_known: dict[str, Any]) -> Declared:
    """The known values this check declares (``@check(known=...)``)."""
    mark = request.node.get_closest_marker("check")
    return Declared(all_known, mark.kwargs.get("known", ()) if mark else ())


@pytest.fixture(scope="session")
def learning(sub: Any, collab: StandIns) -> Learning:
    """The training runs on the MNIST subset, made at most once each (learning.py)."""
    return Learning(sub, collab)
