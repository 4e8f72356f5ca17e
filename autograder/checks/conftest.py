"""Fixtures of the checks. The grader passes a ``SubmissionMode`` plugin (a
sandboxed submission plus the reference collaborators); without one, the checks
run in this process on ``two_layer_net.py`` in pytest's root folder."""
import pytest

from .learning import Learning
from .local import LocalSubmission, SubmissionMode
from .support import Declared, load_known


def pytest_configure(config):
    config.addinivalue_line("markers", "check(name, points, known): a graded check")


@pytest.fixture(scope="session")
def mode(request):
    for plugin in request.config.pluginmanager.get_plugins():
        if isinstance(plugin, SubmissionMode):
            return plugin
    return SubmissionMode(LocalSubmission(request.config.rootpath / "two_layer_net.py"))


@pytest.fixture(scope="session")
def sub(mode):
    """The submission: ``sub.call("softmax", x)``, ``sub.call("TwoLayerNet.forward", x, obj=...)``."""
    return mode.submission


@pytest.fixture(scope="session")
def collab(mode):
    """Reference functions standing in for the ones a check does not grade (grader only)."""
    return mode.collaborators


@pytest.fixture(scope="session")
def all_known():
    """Known values made from the reference: key -> ndarray or number."""
    return load_known()


@pytest.fixture
def known(request, all_known):
    """The known values this check declares (``@check(known=...)``)."""
    mark = request.node.get_closest_marker("check")
    return Declared(all_known, mark.kwargs.get("known", ()) if mark else ())


@pytest.fixture(scope="session")
def learning(sub, collab):
    """The training runs on the MNIST subset, made at most once each (learning.py)."""
    return Learning(sub, collab)
