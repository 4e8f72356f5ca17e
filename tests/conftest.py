import os

import pytest

from autograder.paths import ROOT, load_module


def pytest_configure(config):
    """numpy in this process runs on one BLAS thread, as it does in the box (sandbox/modes.py):
    on a busy two-core machine OpenBLAS's threads wait on each other, and one check's
    time went from 1 s to 6 s. Set before any test module imports numpy; also for the
    commands the tests start."""
    for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(name, "1")


@pytest.fixture(scope="session")
def ref():
    """The reference solution, solution/two_layer_net.py, as a module."""
    return load_module(ROOT / "solution" / "two_layer_net.py")


@pytest.fixture(scope="session")
def student_mnist():
    """The student-facing loader, student/mnist.py, as a module."""
    return load_module(ROOT / "student" / "mnist.py")
