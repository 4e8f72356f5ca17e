# coding: utf-8
"""MNIST 数据集加载器 / MNIST dataset loader.

读取官方的四个 IDX 文件（可以是 .gz 压缩的，也可以是解压后的），
风格仿照《深度学习入门：基于 Python 的理论与实现》的 dataset/mnist.py。
Reads the four official IDX files (gzipped or not), in the style of the
book "Deep Learning from Scratch" (dataset/mnist.py).

只依赖标准库和 numpy。/ Needs only the standard library and numpy.

用法 / Usage::

    from mnist import load_mnist
    (x_train, t_train), (x_test, t_test) = load_mnist(normalize=True, flatten=True)
    # x_train: (60000, 784) float32, t_train: (60000,) int64
"""
from __future__ import annotations

import gzip
import os
import struct
import zlib

import numpy as np

# 官方文件名（不含 .gz）/ Official file names (without .gz)
KEY_FILE = {
    "train_img": "train-images-idx3-ubyte",
    "train_label": "train-labels-idx1-ubyte",
    "test_img": "t10k-images-idx3-ubyte",
    "test_label": "t10k-labels-idx1-ubyte",
}

IMAGE_MAGIC = 2051  # 图像文件：3 维 uint8 / image files: 3-d uint8
LABEL_MAGIC = 2049  # 标签文件：1 维 uint8 / label files: 1-d uint8
IMG_SIZE = 784      # 28 * 28

if os.path.isfile(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "kit", "mnist_fetch.py")):
    HOW_TO_GET = (  # the course repo
        "请运行 `make data` 或 `python -m kit.mnist_fetch --dir data`，"
        "或者把四个官方文件（.gz 压缩或解压后的均可）放进 data/ 文件夹。\n"
        "Run `make data` or `python -m kit.mnist_fetch --dir data`, "
        "or drop the four official files (gzipped or not) into the data/ folder."
    )
else:
    HOW_TO_GET = (  # the student package: the data came in its zip
        "作业的 zip 文件里 data/ 文件夹有这四个文件：重新解压 zip，或把四个官方文件"
        "（.gz 压缩或解压后的均可）放进 data/ 文件夹，或用 --data 指定它们所在的文件夹。\n"
        "The assignment's zip holds the four files in its data/ folder: unzip it again, or put the "
        "four official files (gzipped or not) into data/, or name their folder with --data."
    )


class MnistError(ValueError):
    """MNIST 文件缺失或损坏 / An MNIST file is missing or corrupt."""


def _error(path, zh, en):
    """先中文后英文的错误 / An error whose message is Chinese first, then English."""
    return MnistError("{}：{}\n{}: {}".format(path, zh, path, en))


def _read_bytes(path):
    """读出文件的全部（解压后的）字节 / Return the file's (decompressed) bytes."""
    with open(path, "rb") as f:
        data = f.read()
    if str(path).endswith(".gz") or data[:2] == b"\x1f\x8b":
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError, zlib.error) as e:
            raise _error(path, "gzip 文件损坏或不完整，请删除后重新获取。({})".format(e),
                         "corrupt or incomplete gzip file; delete it and fetch it again. ({})".format(e))
    return data


def read_idx(path: str | os.PathLike) -> np.ndarray:
    """读取一个 IDX 文件（可 .gz 压缩），返回 uint8 数组。
    Read one IDX file (optionally gzipped) and return a uint8 array.

    图像文件（magic 2051）返回形状 (N, 28, 28)，标签文件（magic 2049）返回 (N,)。
    Image files (magic 2051) give shape (N, 28, 28); label files (magic 2049) give (N,).

    文件头是大端序：4 字节 magic，然后每一维 4 字节。
    The header is big-endian: a 4-byte magic, then 4 bytes per dimension.

    出错时抛出 MnistError（缺失、magic 错误、截断、多余字节、gzip 损坏）。
    Raises MnistError if the file is missing, has a wrong magic, is truncated,
    has trailing bytes, or is a corrupt gzip.
    """
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise _error(path, "找不到文件。" + HOW_TO_GET.split("\n")[0],
                     "file not found. " + HOW_TO_GET.split("\n")[1])
    data = _read_bytes(path)
    if len(data) < 4:
        raise _error(path, "文件被截断：连文件头都不完整（{} 字节）。".format(len(data)),
                     "truncated file: not even a complete header ({} bytes).".format(len(data)))
    (magic,) = struct.unpack(">I", data[:4])
    ndim = {IMAGE_MAGIC: 3, LABEL_MAGIC: 1}.get(magic)
    if ndim is None:
        raise _error(path,
                     "magic 数是 {}，应为 {}（图像）或 {}（标签）：这不是 MNIST 的 IDX 文件。".format(
                         magic, IMAGE_MAGIC, LABEL_MAGIC),
                     "wrong magic number {}, expected {} (images) or {} (labels): "
                     "not an MNIST IDX file.".format(magic, IMAGE_MAGIC, LABEL_MAGIC))
    header = 4 + 4 * ndim
    if len(data) < header:
        raise _error(path, "文件被截断：文件头不完整。", "truncated file: incomplete header.")
    dims = struct.unpack(">" + "I" * ndim, data[4:header])
    expected = header + int(np.prod(dims))
    if len(data) < expected:
        raise _error(path,
                     "文件被截断：形状 {} 需要 {} 字节，实际只有 {} 字节。".format(dims, expected, len(data)),
                     "truncated file: shape {} needs {} bytes, found only {}.".format(
                         dims, expected, len(data)))
    if len(data) > expected:
        raise _error(path,
                     "文件末尾有 {} 个多余字节（形状 {} 应为 {} 字节）。".format(
                         len(data) - expected, dims, expected),
                     "{} trailing bytes after the data (shape {} should be {} bytes).".format(
                         len(data) - expected, dims, expected))
    # bytearray 使数组可写 / bytearray makes the array writable
    return np.frombuffer(bytearray(data), np.uint8, offset=header).reshape(dims)


def _find_file(data_dir, name):
    """返回 name 或 name.gz 的路径（优先解压后的）/ Path of name or name.gz (uncompressed first)."""
    for candidate in (name, name + ".gz"):
        path = os.path.join(data_dir, candidate)
        if os.path.isfile(path):
            return path
    raise MnistError("找不到 MNIST 文件 {0}（或 {0}.gz），位置：{1}\n{2}\n"
                     "MNIST file {0} (or {0}.gz) not found in {1}".format(
                         name, data_dir, HOW_TO_GET))


def _to_one_hot(labels):
    """整数标签 (N,) -> one-hot float32 (N, 10) / int labels (N,) -> one-hot float32 (N, 10)."""
    one_hot = np.zeros((labels.size, 10), dtype=np.float32)
    one_hot[np.arange(labels.size), labels] = 1.0
    return one_hot


def _load_pair(data_dir, img_key, label_key):
    """读取一对图像/标签文件并检查它们一致 / Read an image/label pair and check they agree."""
    img_path = _find_file(data_dir, KEY_FILE[img_key])
    label_path = _find_file(data_dir, KEY_FILE[label_key])
    images = read_idx(img_path)
    labels = read_idx(label_path)
    if images.ndim != 3 or images.shape[1:] != (28, 28):
        raise _error(img_path, "这不是 28x28 的图像文件，形状为 {}。".format(images.shape),
                     "not a file of 28x28 images; shape is {}.".format(images.shape))
    if labels.ndim != 1:
        raise _error(label_path, "这不是标签文件。", "not a label file.")
    if len(images) != len(labels):
        raise _error(label_path,
                     "标签数 {} 与图像数 {} 不一致。".format(len(labels), len(images)),
                     "{} labels but {} images.".format(len(labels), len(images)))
    if labels.size and labels.max() > 9:
        raise _error(label_path, "标签超出 0..9。", "labels outside 0..9.")
    return images, labels


def load_mnist(normalize: bool = True, flatten: bool = True, one_hot_label: bool = False,
               data_dir: str | os.PathLike | None = None) -> tuple[tuple[np.ndarray, np.ndarray], ...]:
    """读取 MNIST 数据集 / Load the MNIST dataset.

    参数 / Parameters
    ----------
    normalize : bool
        True：像素转为 float32 并缩放到 [0, 1]（除以 255）；False：保持 uint8 (0..255)。
        True: pixels as float32 scaled to [0, 1] (divided by 255); False: keep uint8 (0..255).
    flatten : bool
        True：每张图像展平为 784 维，形状 (N, 784)；False：形状 (N, 1, 28, 28)。
        True: each image is a 784-vector, shape (N, 784); False: shape (N, 1, 28, 28).
    one_hot_label : bool
        True：标签为 one-hot float32，形状 (N, 10)；False：整数标签 int64，形状 (N,)。
        True: labels are one-hot float32, shape (N, 10); False: int64 labels, shape (N,).
    data_dir : str or path-like, optional
        存放四个 IDX 文件的文件夹，默认是本文件旁边的 data 文件夹。
        Folder holding the four IDX files; default: the ``data`` folder next to this file.

    返回 / Returns
    -------
    (x_train, t_train), (x_test, t_test)
        训练集 N=60000，测试集 N=10000。/ N = 60000 for training, 10000 for test.

    出错时抛出 MnistError。/ Raises MnistError when a file is missing or corrupt.
    """
    if data_dir is None:
        data_dir = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data")
    data_dir = os.fspath(data_dir)

    result = []
    for img_key, label_key in (("train_img", "train_label"), ("test_img", "test_label")):
        x, t = _load_pair(data_dir, img_key, label_key)
        if normalize:
            x = x.astype(np.float32) / np.float32(255.0)
        x = x.reshape(len(x), -1) if flatten else x.reshape(len(x), 1, 28, 28)
        t = _to_one_hot(t) if one_hot_label else t.astype(np.int64)
        result.append((x, t))
    return tuple(result)


if __name__ == "__main__":
    (x_train, t_train), (x_test, t_test) = load_mnist()
    print("x_train", x_train.shape, x_train.dtype, "t_train", t_train.shape, t_train.dtype)
    print("x_test ", x_test.shape, x_test.dtype, "t_test ", t_test.shape, t_test.dtype)
