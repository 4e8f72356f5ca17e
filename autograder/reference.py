"""The reference solution, seen from the grader: its functions as collaborators
(see checks/stand_ins.py), one for each graded function of course.toml."""
from .checks import stand_ins
from .paths import ROOT, load_module
from .settings import graded_functions

SOLUTION = ROOT / "solution" / "two_layer_net.py"


def load_reference(path=SOLUTION):
    return load_module(path, "reference_two_layer_net")


def collaborators(ref):
    """The stand-ins the grader gives the checks (checks/stand_ins.py)."""
    return stand_ins.collaborators(ref, graded_functions())
