"""Print the relative errors that set the checks' tolerance (TOL in test_basics.py).

Correct answers in other styles (float32 arithmetic, loops) must stay far below
TOL; the common mistakes must land far above it. Run after changing a check.

    python benchmarks/calibrate_tolerances.py
"""
import numpy as np

from autograder.checks.support import Wavy, load_known, params_of, relative_error
from autograder.checks.test_basics import TOL
from autograder.reference import load_reference


def net(ref, params, dtype=np.float64):
    n = object.__new__(ref.TwoLayerNet)
    n.params = {k: v.astype(dtype) for k, v in params.items()}
    return n


def main():
    ref, known = load_reference(), load_known()
    x, t, params = known["net.x"], known["net.t"], params_of(known, "net")
    analytic = known["net.grad.W1"]
    y = known["ce.y"]
    rows = [
        ("ok   float32 forward", relative_error(net(ref, params, np.float32).forward(x.astype(np.float32)),
                                                 known["net.forward"])),
        ("ok   float32 backprop W1", relative_error(net(ref, params, np.float32).gradient(
            x.astype(np.float32), t.astype(np.float32))["W1"], analytic)),
        ("ok   loop-style sigmoid", relative_error(np.vectorize(lambda v: 1 / (1 + np.exp(-v)))(known["sigmoid.x"]),
                                                   known["sigmoid.y"])),
        ("--   numerical vs analytic W1 (h=1e-4, 1e-7 in the log)",
         relative_error(known["net.numgrad.W1"], analytic)),
        ("bad  forward difference", relative_error(*reversed(Wavy().differences(known["numgrad.x"])))),
        ("ok   backprop through log(y + 1e-7) W1", relative_error(known["net.grad_eps.W1"], analytic)),
        ("bad  no 1e-7 in the log", relative_error(known["ce.loss_no_eps"], known["ce.loss"])),
        ("bad  loss summed, not averaged", relative_error(known["ce.loss"] * len(y), known["ce.loss"])),
        ("bad  backprop without / N", relative_error(analytic * len(x), analytic)),
        ("bad  sigmoid derivative (1 - z1) only", relative_error(_wrong_derivative(ref, params, x, t), analytic)),
    ]
    print(f"TOL = {TOL:g} (relative: max|got - expected| / max(|got| + |expected|))\n")
    for name, error in rows:
        print(f"{name:<58} {error:10.2e}   {'below' if error <= TOL else 'above'} TOL")


def _wrong_derivative(ref, params, x, t):
    z1 = ref.sigmoid(x @ params["W1"] + params["b1"])
    dy = (ref.softmax(z1 @ params["W2"] + params["b2"]) - t) / len(x)
    return x.T @ (dy @ params["W2"].T * (1 - z1))


if __name__ == "__main__":
    main()
