import pytest

from autograder.paths import ROOT, load_module


@pytest.fixture(scope="session")
def ref():
    """The reference solution, solution/two_layer_net.py, as a module."""
    return load_module(ROOT / "solution" / "two_layer_net.py")


@pytest.fixture(scope="session")
def student_mnist():
    """The student-facing loader, student/mnist.py, as a module."""
    return load_module(ROOT / "student" / "mnist.py")
