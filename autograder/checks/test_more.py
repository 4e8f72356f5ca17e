"""More checks: other inputs and shapes than test_basics.py's, and the learning check.
course.toml's [visibility] hidden_checks keeps these from students; a hidden check's
failure shows its name and a hint, never the input or the expected value."""
from .learning import learns_check, whole_program_note
from .support import call, check, expect_float, relative_error
from .test_basics import (TOL, accuracy_check, forward_check, grads_check, loss_check, mismatch,
                          numgrad_check, train_lists_check, train_loss_check, train_update_check,
                          values_check)


@check("sigmoid: keeps any shape (1-D and 3-D)", points=2, known=("sigmoid.x1", "sigmoid.y1", "sigmoid.x3", "sigmoid.y3"))
def test_sigmoid_shapes(sub, known):
    for x, y in ((known["sigmoid.x1"], known["sigmoid.y1"]), (known["sigmoid.x3"], known["sigmoid.y3"])):
        values_check(sub, "sigmoid", x, y, ("对任意形状的数组都用同一个向量化表达式。",
                                            "Use one vectorised expression that works for any shape."))


@check("softmax: a single (K,) vector of large values", points=3, known=("softmax.x1", "softmax.y1"))
def test_softmax_vector(sub, known):
    values_check(sub, "softmax", known["softmax.x1"], known["softmax.y1"],
                 ("用 axis=-1 和 keepdims=True，1-D 和 2-D 输入就都能处理；记得减去最大值。",
                  "With axis=-1 and keepdims=True both 1-D and 2-D inputs work; do subtract the max."))


@check("cross_entropy_error: a batch of one (K,)", points=3, known=("ce.y1", "ce.t1", "ce.loss1"))
def test_cross_entropy_single(sub, known):
    y, t, expected = known["ce.y1"], known["ce.t1"], known["ce.loss1"]
    got = expect_float(call(sub, "cross_entropy_error", y, t).value, "cross_entropy_error")
    if relative_error(got, expected) > TOL:
        raise mismatch("cross_entropy_error", y, expected, got,
                       ("(K,) 的输入先 reshape 成 (1, K)，批大小为 1。",
                        "Reshape (K,) inputs to (1, K) first: the batch size is 1."))


@check("numerical_gradient: a 1-D array", points=3, known=("numgrad.x1",))
def test_numerical_gradient_1d(sub, known):
    numgrad_check(sub, known["numgrad.x1"])


@check("TwoLayerNet.forward: a 3-4-5 net", points=4, known=("net2.*",))
def test_forward_other_size(sub, collab, known):
    forward_check(sub, collab, known, "net2")


@check("TwoLayerNet.loss: integer labels", points=2, known=("net2.*",))
def test_loss_labels(sub, collab, known):
    loss_check(sub, collab, known, "net2")


@check("TwoLayerNet.accuracy: integer labels", points=5, known=("net2.*",))
def test_accuracy_labels(sub, collab, known):
    accuracy_check(sub, collab, known, "net2")


@check("TwoLayerNet.numerical_gradient: integer labels, a 3-4-5 net", points=4, known=("net2.*",))
def test_net_numerical_gradient_labels(sub, collab, known):
    grads_check(sub, collab, known, "net2", "numerical_gradient")


@check("TwoLayerNet.gradient: integer labels, a 3-4-5 net", points=7, known=("net2g.*",))
def test_gradient_labels(sub, collab, known):
    grads_check(sub, collab, known, "net2g", "gradient")


@check("TwoLayerNet.train_model: integer labels, other hyperparameters", points=4, known=("train2.*",))
def test_train_other(sub, collab, known):
    train_lists_check(sub, collab, known, "train2")
    train_update_check(sub, collab, known, "train2")
    train_loss_check(sub, collab, known, "train2")


@check("TwoLayerNet.train_model: the network learns MNIST (5,000 real images, two epochs)", points=5)
def test_learns_mnist(learning, record_property):
    learns_check(learning, record_property)


@check("TwoLayerNet.train_model: your whole program on MNIST, with your own functions (information only)",
       points=0)
def test_whole_program(learning, record_property):
    record_property("note", whole_program_note(learning))
