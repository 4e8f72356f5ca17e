"""The reference solution against values computed by hand (tolerance 1e-9 unless stated)."""
import math

import numpy as np
import pytest


def test_sigmoid_known_values_and_shape(ref):
    x = np.array([0.0, math.log(3), -math.log(3)])
    np.testing.assert_allclose(ref.sigmoid(x), [0.5, 0.75, 0.25], atol=1e-12)
    out = ref.sigmoid(np.zeros((2, 3, 4)))
    assert isinstance(out, np.ndarray) and out.shape == (2, 3, 4)


def test_softmax_known_values_1d_and_2d(ref):
    x = np.log(np.array([1.0, 2.0, 3.0]))
    np.testing.assert_allclose(ref.softmax(x), [1 / 6, 2 / 6, 3 / 6], atol=1e-12)
    batch = np.vstack([x, np.zeros(3)])
    np.testing.assert_allclose(ref.softmax(batch), [[1 / 6, 2 / 6, 3 / 6], [1 / 3] * 3], atol=1e-12)


def test_softmax_large_inputs_and_argument_untouched(ref):
    x = np.array([[1000.0, 1000.0], [1000.0, 0.0]])
    before = x.copy()
    out = ref.softmax(x)
    np.testing.assert_allclose(out, [[0.5, 0.5], [1.0, 0.0]], atol=1e-12)
    np.testing.assert_array_equal(x, before)


Y = np.array([[0.5, 0.25, 0.25], [0.1, 0.8, 0.1]])
EXPECTED_CE = -(math.log(0.5 + 1e-7) + math.log(0.8 + 1e-7)) / 2


@pytest.mark.parametrize("t", [np.array([0, 1]), np.array([[1, 0, 0], [0, 1, 0]])],
                         ids=["labels", "one-hot"])
def test_cross_entropy_is_the_batch_mean(ref, t):
    assert ref.cross_entropy_error(Y, t) == pytest.approx(EXPECTED_CE, abs=1e-12)


def test_cross_entropy_batch_of_one(ref):
    expected = -math.log(0.8 + 1e-7)
    assert ref.cross_entropy_error(Y[1], np.array([0, 1, 0])) == pytest.approx(expected, abs=1e-12)
    assert ref.cross_entropy_error(Y[1], np.array([1])) == pytest.approx(expected, abs=1e-12)


def test_numerical_gradient_central_difference_and_restores_x(ref):
    x = np.array([[1.0, -2.0], [0.5, 3.0]])
    before = x.copy()
    grad = ref.numerical_gradient(lambda a: float(np.sum(a ** 3)), x)
    # central difference of a^3 is exactly 3a^2 + h^2 with h = 1e-4
    np.testing.assert_allclose(grad, 3 * before ** 2 + 1e-8, rtol=1e-7)
    np.testing.assert_array_equal(x, before)
    assert grad.shape == x.shape


def toy_net(ref):
    """D=2, H=2, K=2 with W1 = W2 = 0, b2 = [0, log 3]: z1 = 0.5, y = [1/4, 3/4] for every x."""
    net = ref.TwoLayerNet(2, 2, 2)
    net.params = {"W1": np.zeros((2, 2)), "b1": np.zeros(2),
                  "W2": np.zeros((2, 2)), "b2": np.array([0.0, math.log(3)])}
    return net


def test_init_shapes(ref):
    net = ref.TwoLayerNet(5, 4, 3)
    assert {k: v.shape for k, v in net.params.items()} == {
        "W1": (5, 4), "b1": (4,), "W2": (4, 3), "b2": (3,)}
    assert not net.params["b1"].any() and not net.params["b2"].any()


def test_forward_loss_accuracy_on_toy_net(ref):
    net, x = toy_net(ref), np.array([[1.0, 2.0], [-1.0, 0.5], [3.0, 3.0]])
    np.testing.assert_allclose(net.forward(x), [[0.25, 0.75]] * 3, atol=1e-12)
    assert net.loss(x, np.array([1, 1, 0])) == pytest.approx(
        -(2 * math.log(0.75 + 1e-7) + math.log(0.25 + 1e-7)) / 3, abs=1e-12)
    assert net.accuracy(x, np.array([1, 1, 0])) == pytest.approx(2 / 3)
    assert net.accuracy(x, np.eye(2)[[1, 0, 0]]) == pytest.approx(1 / 3)


def test_gradient_hand_values_on_toy_net(ref):
    net, x, t = toy_net(ref), np.array([[1.0, 2.0], [-1.0, 0.5]]), np.array([1, 1])
    grads = net.gradient(x, t)
    # dy = (y - t) / N = [0.25, -0.25] / 2 per row; z1 = 0.5; W2 = 0 so dW1 = db1 = 0
    np.testing.assert_allclose(grads["b2"], [0.25, -0.25], atol=1e-12)
    np.testing.assert_allclose(grads["W2"], [[0.125, -0.125]] * 2, atol=1e-12)
    np.testing.assert_allclose(grads["W1"], 0, atol=1e-12)
    np.testing.assert_allclose(grads["b1"], 0, atol=1e-12)


def test_backprop_matches_numerical_gradient(ref):
    rng = np.random.default_rng(0)
    np.random.seed(0)  # the net's initial weights
    net = ref.TwoLayerNet(4, 5, 3, weight_init_std=1.0)
    x, t = rng.normal(size=(6, 4)), rng.integers(0, 3, size=6)
    analytic, numeric = net.gradient(x, t), net.numerical_gradient(x, t)
    for key in ("W1", "b1", "W2", "b2"):
        assert analytic[key].shape == net.params[key].shape
        # h = 1e-4 and the 1e-7 inside the log keep them ~1e-6 apart (relative), not closer
        err = np.abs(analytic[key] - numeric[key]).max() / np.abs(numeric[key]).max()
        assert err < 1e-5, key


def test_train_model_lists_and_learning(ref, capsys):
    rng = np.random.default_rng(1)
    x = rng.normal(size=(40, 4))
    t = np.eye(2)[(x[:, 0] > 0).astype(int)]
    np.random.seed(0)
    net = ref.TwoLayerNet(4, 8, 2, weight_init_std=0.1)
    start = net.accuracy(x, t)
    losses, train_acc, test_acc = net.train_model(
        x, t, x[:10], t[:10], iters_num=200, batch_size=10, learning_rate=1.0)
    assert len(losses) == 200                      # one loss per iteration
    assert len(train_acc) == len(test_acc) == 50   # iterations 0, 4, ..., 196
    assert np.mean(losses[-20:]) < np.mean(losses[:20])
    assert net.accuracy(x, t) > max(start, 0.9)
    assert "train acc" in capsys.readouterr().out
