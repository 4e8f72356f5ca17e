"""The learning check's data: a small subset of the real MNIST, made by kit/mnist_subset.py."""
import hashlib

import numpy as np
import pytest

from autograder.checks.learning import SIZES, SUBSET, load_subset
from kit import mnist_subset
from autograder.paths import ROOT

DATA = ROOT / "data"


def test_the_committed_subset_is_the_one_its_generator_recorded():
    assert hashlib.sha256(SUBSET.read_bytes()).hexdigest() == mnist_subset.SHA256


@pytest.mark.skipif(not all(any((DATA / f"{name}{gz}").is_file() for gz in ("", ".gz"))
                            for name in mnist_subset.FILES), reason="needs the MNIST files in data/ (make data)")
def test_the_subset_is_what_the_generator_makes_from_the_verified_files():
    assert mnist_subset.to_npz(mnist_subset.make(DATA)) == SUBSET.read_bytes()


def test_the_subset_is_real_digits_in_the_shapes_the_check_uses():
    data = load_subset()
    assert data.x_train.shape == (5000, SIZES[0]) and data.x_test.shape == (1000, SIZES[0])
    assert data.t_train.shape == (5000, 10) and np.all(data.t_train.sum(axis=1) == 1)
    assert sorted(set(data.t_test)) == list(range(10))
    # the official files' first training labels (mnist-facts: the official order)
    assert list(np.argmax(data.t_train[:10], axis=1)) == [5, 0, 4, 1, 9, 2, 1, 3, 1, 4]


def test_the_npz_bytes_do_not_depend_on_the_time():
    arrays = {"a": np.arange(5, dtype=np.uint8)}
    assert mnist_subset.to_npz(arrays) == mnist_subset.to_npz(arrays)
    with np.load(__import__("io").BytesIO(mnist_subset.to_npz(arrays))) as back:
        assert np.array_equal(back["a"], arrays["a"])
