"""The reference's functions as stand-ins for the submission's own.

When a check grades one function, every other function the submission calls is
replaced by the reference's, so that a bug costs only the points of the function
that has it. Both graders use these: the kit's (through the sandbox's callbacks)
and the otter-grader autograder (by patching the student's namespace).
"""
FUNCTIONS = ("sigmoid", "softmax", "cross_entropy_error", "numerical_gradient")
METHODS = ("forward", "loss", "accuracy", "numerical_gradient", "gradient")


def collaborators(ref):
    """name -> callable of the reference module ``ref``: module functions as they are;
    methods take the object's params first."""
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
