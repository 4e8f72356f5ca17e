"""训练之后的图：训练曲线、第一层权重、分错的测试图片、混淆矩阵。
Pictures of a training run: the curves, the first layer's weights, misclassified
test digits and the confusion matrix.

``python train.py`` saves them as PNG files; the notebook (two_layer_net.ipynb) shows
them inline. Each function returns a matplotlib ``Figure`` made without pyplot (no
window, nothing global), which ``figure.savefig(path)`` saves and a notebook displays.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from matplotlib.colors import LogNorm
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

if TYPE_CHECKING:
    from collections.abc import Sequence
    from typing import Any


def curves(losses: Sequence[float], train_acc: Sequence[float], test_acc: Sequence[float],
           title: str) -> Figure:
    """Accuracy per epoch (all of it, then zoomed on epochs 1+) and loss per iteration."""
    fig = Figure(figsize=(15, 4.3))
    ax_acc, ax_zoom, ax_loss = fig.subplots(1, 3)
    epochs = np.arange(len(train_acc))
    # the zoomed panel shows epochs 1+ only: epoch 0 (untrained, ~10%) would pull its line off the panel
    for ax, first in ((ax_acc, 0), (ax_zoom, 1)):
        ax.plot(epochs[first:], train_acc[first:], "o-", label="train accuracy")
        ax.plot(epochs[first:], test_acc[first:], "s--", label="test accuracy")
        ax.set(xlabel="epoch", ylabel="accuracy")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.grid(alpha=0.3)
        ax.legend(loc="lower right")
    ax_acc.set(title="Accuracy per epoch", ylim=(0.0, 1.0))
    later = list(train_acc[1:]) + list(test_acc[1:])
    if later:  # zoom on the epochs after the first, where the gap between train and test shows
        ax_zoom.set_xlim(0.5, max(len(train_acc) - 0.5, 1.5))
        ax_zoom.set_ylim(min(later) - 0.005, min(1.0, max(later) + 0.005))
    ax_zoom.set_title("Accuracy, zoomed on epochs 1+")

    losses = np.asarray(losses, dtype=float)
    window = max(1, len(losses) // 100)
    smooth = np.convolve(losses, np.ones(window) / window, mode="valid")
    ax_loss.plot(losses, color="tab:blue", alpha=0.25, linewidth=0.6, label="loss per batch")
    ax_loss.plot(np.arange(len(smooth)) + window - 1, smooth, color="tab:blue",
                 label=f"moving average ({window} iterations)")
    ax_loss.set(xlabel="iteration", ylabel="cross-entropy loss", title="Training loss")
    ax_loss.set_yscale("log")
    ax_loss.grid(alpha=0.3, which="both")
    ax_loss.legend(loc="upper right")

    fig.suptitle(title)
    fig.tight_layout()
    return fig


def _side(size: int) -> int:
    side = int(round(size ** 0.5))
    if side * side != size:
        raise ValueError(f"{size} pixels are not a square image")
    return side


def first_layer(W1: np.ndarray, count: int = 100) -> Figure:
    """The weights into the first ``count`` hidden units, each as a 28x28 image: red
    pixels raise the unit's input, blue ones lower it (one colour scale per unit)."""
    side, units = _side(W1.shape[0]), min(count, W1.shape[1])
    columns = int(np.ceil(units ** 0.5))
    rows = int(np.ceil(units / columns))
    fig = Figure(figsize=(columns * 0.9, rows * 0.9 + 0.6))
    for unit, ax in enumerate(fig.subplots(rows, columns, squeeze=False).flat):
        ax.set_axis_off()
        if unit < units:
            weights = np.asarray(W1[:, unit], dtype=float).reshape(side, side)
            limit = float(np.abs(weights).max()) or 1.0
            ax.imshow(weights, cmap="RdBu_r", vmin=-limit, vmax=limit)
    fig.suptitle(f"First-layer weights W1 of hidden units 0-{units - 1} as {side}x{side} images "
                 "(red: raises the unit, blue: lowers it)")
    fig.tight_layout(pad=0.3)
    return fig


def labels_of(t: np.ndarray) -> np.ndarray:
    """Integer labels from one-hot ``(N, K)`` or integer ``(N,)`` labels."""
    t = np.asarray(t)
    return t.argmax(axis=1) if t.ndim == 2 else t.astype(int)


def mistakes(x: np.ndarray, labels: np.ndarray, predicted: np.ndarray, count: int = 40) -> Figure:
    """The first ``count`` misclassified images, each titled with the predicted and the true label."""
    labels, predicted = labels_of(labels), np.asarray(predicted)
    wrong = np.flatnonzero(predicted != labels)
    shown = wrong[:count]
    columns = 10
    rows = max(1, int(np.ceil(len(shown) / columns)))
    fig = Figure(figsize=(columns * 1.1, rows * 1.3 + 0.6))
    side = _side(x.shape[1])
    for ax, index in zip(fig.subplots(rows, columns, squeeze=False).flat, [*shown, *[None] * rows * columns]):
        ax.set_axis_off()
        if index is not None:
            ax.imshow(np.asarray(x[index], dtype=float).reshape(side, side), cmap="gray_r")
            ax.set_title(f"pred {predicted[index]} / true {labels[index]}", fontsize=8, color="tab:red")
    fig.suptitle(f"{len(wrong)} of {len(labels)} test images misclassified; the first {len(shown)}: "
                 "predicted / true label")
    fig.tight_layout(pad=0.3)
    return fig


def confusion(labels: np.ndarray, predicted: np.ndarray, classes: int = 10) -> Figure:
    """The confusion matrix: how many images of each true digit (row) got each predicted
    digit (column); the colour scale is logarithmic so that the few mistakes show."""
    labels, predicted = labels_of(labels), np.asarray(predicted)
    matrix = np.zeros((classes, classes), dtype=int)
    np.add.at(matrix, (labels, predicted), 1)
    fig = Figure(figsize=(7.5, 6.5))
    ax = fig.subplots()
    image = ax.imshow(np.maximum(matrix, 0.5), cmap="Blues", norm=LogNorm(vmin=0.5, vmax=max(matrix.max(), 1)))
    for (row, column), value in np.ndenumerate(matrix):
        if value:
            dark = value > np.sqrt(max(matrix.max(), 1))
            ax.text(column, row, str(value), ha="center", va="center", fontsize=8,
                    color="white" if dark else "black")
    ax.set(xticks=range(classes), yticks=range(classes), xlabel="predicted digit", ylabel="true digit",
           title=f"Confusion matrix: {np.trace(matrix)} of {matrix.sum()} right "
                 f"({np.trace(matrix) / max(matrix.sum(), 1):.2%})")
    fig.colorbar(image, ax=ax, label="images (log scale)")
    fig.tight_layout()
    return fig


def network_pictures(net: Any, x_test: np.ndarray, t_test: np.ndarray) -> dict[str, Figure]:
    """{name: figure} of a trained ``net`` on the test set: "weights" (the first layer),
    "mistakes" and "confusion". ``t_test``: one-hot or integer labels."""
    predicted = np.argmax(net.forward(x_test), axis=1)
    return {"weights": first_layer(net.params["W1"]),
            "mistakes": mistakes(x_test, t_test, predicted),
            "confusion": confusion(t_test, predicted)}
