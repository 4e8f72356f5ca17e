import os
import shutil
import tempfile
from pathlib import Path

import pytest

from autograder.paths import ROOT, load_module


def pytest_configure(config):
    """numpy in this process runs on one BLAS thread, as it does in the box (sandbox/shared.py):
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


@pytest.fixture(scope="session")
def system_python():
    """A virtualenv of this machine's own Python (/usr/bin/python3, not the repo's .venv) with
    only the packages of autograder.zip's requirements.txt, in a folder other uids can reach,
    as setup.sh installs them on Gradescope (kit/gradescope.py). Needs root (the uid box)."""
    from kit.gradescope import SYSTEM_PYTHON, system_python
    if os.name != "posix" or os.geteuid() != 0 or not os.path.exists(SYSTEM_PYTHON):
        pytest.skip(f"needs root and {SYSTEM_PYTHON}")
    folder = Path(tempfile.mkdtemp(prefix="system-python-"))
    try:
        yield system_python(ROOT / "kit" / "templates" / "requirements-grader.txt", folder)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
