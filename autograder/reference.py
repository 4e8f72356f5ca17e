"""The reference solution, seen from the grader: its functions as collaborators.

When a check grades one function, every other function of the submission is
replaced by the reference's (through the sandbox's callbacks), so that a bug
costs only the points of the function that has it.
"""
from kit.modload import ROOT, load_module

SOLUTION = ROOT / "solution" / "two_layer_net.py"
FUNCTIONS = ("sigmoid", "softmax", "cross_entropy_error", "numerical_gradient")
METHODS = ("forward", "loss", "accuracy", "numerical_gradient", "gradient")


def load_reference(path=SOLUTION):
    return load_module(path, "reference_two_layer_net")


def collaborators(ref):
    """name -> callable: module functions as they are; methods take the object's params first."""
    def method(name):
        def call(params, *args, **kwargs):
            net = object.__new__(ref.TwoLayerNet)
            net.params = params
            return getattr(net, name)(*args, **kwargs)
        call.__name__ = name
        return call

    found = {name: getattr(ref, name) for name in FUNCTIONS}
    found.update({f"TwoLayerNet.{name}": method(name) for name in METHODS})
    return found
