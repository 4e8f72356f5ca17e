"""Fixtures of the checks. The grader passes a ``SubmissionMode`` plugin (a
sandboxed submission plus the reference collaborators); without one (``python -m
pytest`` in the student folder), the checks run on ``two_layer_net.py`` in pytest's
root folder, in the student's own box (``local.student_box``)."""
import pytest

from .learning import Learning
from .local import SubmissionMode, read_student_file, student_box
from .support import load_known


def pytest_configure(config):
    config.addinivalue_line("markers", "check(name, points, visibility): a graded check")


@pytest.fixture(scope="session")
def mode(request):
    for plugin in request.config.pluginmanager.get_plugins():
        if isinstance(plugin, SubmissionMode):
            yield plugin
            return
    source, _ = read_student_file(request.config.rootpath / "two_layer_net.py")
    with student_box(source) as box:
        yield SubmissionMode(box)


@pytest.fixture(scope="session")
def sub(mode):
    """The submission: ``sub.call("softmax", x)``, ``sub.call("TwoLayerNet.forward", x, obj=...)``."""
    return mode.submission


@pytest.fixture(scope="session")
def collab(mode):
    """Reference functions standing in for the ones a check does not grade (grader only)."""
    return mode.collaborators


@pytest.fixture(scope="session")
def known():
    """Known values made from the reference: key -> ndarray or number."""
    return load_known()


@pytest.fixture(scope="session")
def learning(sub, collab):
    """The training runs on the MNIST subset, made at most once each (learning.py)."""
    return Learning(sub, collab)
