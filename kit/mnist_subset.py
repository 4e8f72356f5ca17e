"""Make the small real-MNIST subset that the learning check trains on.

    python -m kit.mnist_subset --dir data          # write autograder/checks/known/mnist_subset.npz
    python -m kit.mnist_subset --dir data --check  # exit 1 unless the committed file is what this makes

From the four official files in ``--dir`` (each verified by its sha256 first,
see kit/mnist_fetch.py): the first 5,000 training and the first 1,000 test
images, each cropped to its central 20 x 20 pixels and averaged over 2 x 2
blocks (10 x 10 = 100 uint8 pixels), so that the grader and the box exchange
little data; and their labels. The file is byte-for-byte reproducible, and
its sha256 is recorded here, so a test can tell that it is unchanged.
"""
from __future__ import annotations

import argparse
import hashlib
import io
import sys
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from autograder.paths import ROOT, load_module

from .mnist_fetch import FILES, verify

if TYPE_CHECKING:
    from collections.abc import Sequence

SUBSET = ROOT / "autograder" / "checks" / "known" / "mnist_subset.npz"
N_TRAIN, N_TEST = 5000, 1000
SHA256 = "1d56a48444212c4732eee094e3618f7f9448a7688fe873d823d642d068b60ef5"   # of the file it makes


def _find(data_dir, name):
    for path in (data_dir / name, data_dir / f"{name}.gz"):
        if path.is_file():
            return path
    raise SystemExit(f"{data_dir}: {name} is missing: run `make data`")


def shrink(images: np.ndarray) -> np.ndarray:
    """(N, 28, 28) uint8 -> (N, 100) uint8: the central 20 x 20, averaged over 2 x 2 blocks."""
    center = images[:, 4:24, 4:24].astype(np.float64)
    return np.rint(center.reshape(-1, 10, 2, 10, 2).mean(axis=(2, 4))).astype(np.uint8).reshape(len(images), 100)


def make(data_dir: str | Path) -> dict[str, np.ndarray]:
    """The subset's arrays, from the verified official files in ``data_dir``."""
    mnist = load_module(ROOT / "student" / "mnist.py", "mnist_reader")
    found = {}
    for name in FILES:
        path = _find(Path(data_dir), name)
        if not verify(path, name):
            raise SystemExit(f"{path}: wrong sha256: run `make data` to fetch it again")
        found[name] = mnist.read_idx(path)
    return {"x_train": shrink(found["train-images-idx3-ubyte"][:N_TRAIN]),
            "t_train": found["train-labels-idx1-ubyte"][:N_TRAIN].astype(np.uint8),
            "x_test": shrink(found["t10k-images-idx3-ubyte"][:N_TEST]),
            "t_test": found["t10k-labels-idx1-ubyte"][:N_TEST].astype(np.uint8)}


def to_npz(arrays: dict[str, np.ndarray]) -> bytes:
    """An .npz (np.load reads it) with fixed timestamps, so that the same arrays give the same bytes."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in sorted(arrays):
            member = io.BytesIO()
            np.lib.format.write_array(member, np.ascontiguousarray(arrays[name]), allow_pickle=False)
            info = zipfile.ZipInfo(f"{name}.npy", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, member.getvalue(), compresslevel=9)
    return buffer.getvalue()


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dir", default="data", help="folder with the four official MNIST files")
    parser.add_argument("--check", action="store_true", help="exit 1 if the committed file differs")
    args = parser.parse_args(argv)
    data = to_npz(make(args.dir))
    digest = hashlib.sha256(data).hexdigest()
    if args.check:
        if not SUBSET.is_file() or SUBSET.read_bytes() != data or digest != SHA256:
            sys.exit(f"{SUBSET} is not what kit.mnist_subset makes (sha256 {digest}, recorded {SHA256}): "
                     "run `make subset` and update SHA256")
        print(f"{SUBSET.name} matches its generator (sha256 {digest})")
        return
    SUBSET.write_bytes(data)
    print(f"wrote {SUBSET} ({len(data):,} bytes, sha256 {digest})")


if __name__ == "__main__":
    main()
