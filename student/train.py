"""在真实的 MNIST 上训练你的 TwoLayerNet，并保存训练曲线。
Train your TwoLayerNet on the real MNIST and save its training curves.

    python train.py                          # 训练本文件夹的 two_layer_net.py / trains ./two_layer_net.py
    python train.py --epochs 3 --out my.png  # 更快的试跑 / a quicker try

It prints the accuracy once per epoch, saves the curves (accuracy per epoch and
loss per iteration) as a PNG, and beside it the pictures of pictures.py (weights.png,
mistakes.png, confusion.png), and ends with ``final test accuracy: 0.xxxx``.
"""
from __future__ import annotations

import os

# Before numpy loads: its BLAS would start one thread per core, and for this network's small
# matrices they only wait for each other and for whatever else the computer runs (measured
# in benchmarks/bench_train.py: README, "Train"). A value you set yourself is kept.
for _variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "VECLIB_MAXIMUM_THREADS"):
    os.environ.setdefault(_variable, "1")

import argparse
import sys
import time
import types
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from autograder.checks.console import survive_any_console
from autograder.checks.program import read_student_file                  # the grader's reading
from autograder.intake import Refused
from mnist import MnistError, load_mnist
from pictures import curves, network_pictures

if TYPE_CHECKING:
    from collections.abc import Sequence
    from typing import Any

HERE = Path(__file__).resolve().parent


def load_net_module(path: Path) -> types.ModuleType:
    """Import a ``two_layer_net.py`` from its path (yours by default), read as the grader
    reads it: UTF-8 or GBK, any line ends (a note when it was not UTF-8), and only its
    definitions and what they use (not its own loading, training or plotting)."""
    source, note = read_student_file(path)
    if note:
        print(note)
    module = types.ModuleType("two_layer_net")
    module.__file__ = str(path)
    sys.modules["two_layer_net"] = module
    exec(compile(source, str(path), "exec"), module.__dict__)
    return module


def train(module: types.ModuleType, data_dir: str | Path, hidden: int = 100, epochs: float = 15, batch_size: int = 100,
          learning_rate: float = 1.0, seed: int = 0, limit: int | None = None,
          dtype: str = "float32", data: Any = None) -> tuple[Any, list[float], list[float], list[float], float]:
    """Train ``module.TwoLayerNet`` (784-hidden-10) on MNIST with the module's own
    ``train_model``. Returns ``(net, losses, train_acc, test_acc, seconds)``; the
    accuracy lists end with the accuracies after training.

    limit: use only the first ``limit`` training images (a quick try).
    dtype: the data and the parameters are cast to it; float32 trains about
    twice as fast as float64 with the same accuracy.
    data: ``load_mnist(normalize=True, one_hot_label=True)``'s answer, if already loaded.
    """
    (x_train, t_train), (x_test, t_test) = data or load_mnist(
        normalize=True, one_hot_label=True, data_dir=data_dir)
    if limit:
        x_train, t_train = x_train[:limit], t_train[:limit]
    x_train, t_train, x_test, t_test = (a.astype(dtype) for a in (x_train, t_train, x_test, t_test))
    np.random.seed(seed)
    net = module.TwoLayerNet(input_size=784, hidden_size=hidden, output_size=10)
    net.params = {key: value.astype(dtype) for key, value in net.params.items()}
    iters = int(epochs * max(len(x_train) / batch_size, 1))
    start = time.perf_counter()
    losses, train_acc, test_acc = net.train_model(
        x_train, t_train, x_test, t_test,
        iters_num=iters, batch_size=batch_size, learning_rate=learning_rate)
    seconds = time.perf_counter() - start
    # the lists hold the accuracies at the start of each epoch; add those after the last one
    train_acc = list(train_acc) + [net.accuracy(x_train, t_train)]
    test_acc = list(test_acc) + [net.accuracy(x_test, t_test)]
    return net, losses, train_acc, test_acc, seconds


def plot_curves(losses: Sequence[float], train_acc: Sequence[float], test_acc: Sequence[float], path: Path,
                title: str) -> None:
    """Save accuracy per epoch and loss per iteration side by side as a PNG (pictures.curves)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    curves(losses, train_acc, test_acc, title).savefig(path, dpi=120)


def main(argv: Sequence[str] | None = None) -> None:
    survive_any_console()                   # before --help: a console that cannot show Chinese works
    parser = argparse.ArgumentParser(description=" / ".join(__doc__.splitlines()[:2]))
    parser.add_argument("--net", type=Path, default=HERE / "two_layer_net.py",
                        help="要训练的文件（默认：train.py 旁边的）/ the two_layer_net.py to train (default: the one beside train.py)")
    parser.add_argument("--data", type=Path, default=HERE / "data",
                        help="四个 MNIST 文件所在的文件夹 / folder with the four MNIST files (default: ./data)")
    parser.add_argument("--out", type=Path, default=Path("curves.png"), help="训练曲线图 / PNG of the curves (default: curves.png)")
    parser.add_argument("--hidden", type=int, default=100, help="隐藏层单元数 / hidden units (default 100)")
    parser.add_argument("--epochs", type=float, default=15, help="训练轮数 / epochs (default 15)")
    parser.add_argument("--batch-size", type=int, default=100, help="批大小 / batch size (default 100)")
    parser.add_argument("--lr", type=float, default=1.0, help="学习率 / learning rate (default 1.0)")
    parser.add_argument("--seed", type=int, default=0, help="随机种子 / random seed (default 0)")
    parser.add_argument("--dtype", default="float32", choices=["float32", "float64"],
                        help="数据和参数的精度 / precision of data and parameters (default float32: faster)")
    parser.add_argument("--limit", type=int, default=None,
                        help="只用前 LIMIT 张训练图（试跑）/ train on the first LIMIT images only (a quick try)")
    args = parser.parse_args(argv)

    try:
        module = load_net_module(args.net)
    except Refused as why:
        sys.exit(f"无法读取 / cannot read {args.net}: {why.reason}")
    print(f"training {args.net} on MNIST: 784-{args.hidden}-10, {args.epochs:g} epoch(s), "
          f"batch {args.batch_size}, learning rate {args.lr:g}")
    try:
        data = load_mnist(normalize=True, one_hot_label=True, data_dir=args.data)
        net, losses, train_acc, test_acc, seconds = train(
            module, args.data, args.hidden, args.epochs, args.batch_size, args.lr, args.seed, args.limit, args.dtype,
            data)
    except MnistError as error:
        sys.exit(str(error))
    except KeyboardInterrupt:
        sys.exit("已中断 / interrupted")
    final = test_acc[-1]
    title = (f"{args.net.name}: 784-{args.hidden}-10, batch {args.batch_size}, "
             f"lr {args.lr:g}, final test accuracy {final:.4f}")
    plot_curves(losses, train_acc, test_acc, args.out, title)
    (_, _), (x_test, t_test) = data                     # the pictures of pictures.py, beside the curves
    for name, figure in network_pictures(net, x_test.astype(args.dtype), t_test).items():
        figure.savefig(args.out.with_name(f"{name}.png"), dpi=100)
    print(f"training took {seconds:.1f} s / 训练用时 {seconds:.1f} 秒")
    print(f"训练曲线保存在 / curves saved to: {args.out.resolve()}")
    print("图片保存在 / pictures saved to: "
          + ", ".join(str(args.out.with_name(f"{n}.png").resolve()) for n in ("weights", "mistakes", "confusion")))
    print(f"final test accuracy: {final:.4f}")


if __name__ == "__main__":
    main()
