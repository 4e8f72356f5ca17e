# -*- coding: utf-8 -*-
"""Two-layer net, homework 3.

Written with the @ operator and type hints. I kept the skeleton's __init__ and
training-loop lines and filled in the rest.
"""
from typing import Callable, Dict, List, Tuple

import numpy as np


def _positive_part_sigmoid(x: np.ndarray) -> np.ndarray:
    # for x >= 0: exp(-x) <= 1, never overflows
    return 1.0 / (1.0 + np.exp(-x))


def _negative_part_sigmoid(x: np.ndarray) -> np.ndarray:
    # for x < 0: exp(x) < 1, never overflows
    e = np.exp(x)
    return e / (1.0 + e)


def sigmoid(x: np.ndarray) -> np.ndarray:
    """Numerically stable sigmoid (no overflow warning for very negative x)."""
    x = np.asarray(x, dtype=float)
    out = np.empty_like(x)
    pos = x >= 0
    out[pos] = _positive_part_sigmoid(x[pos])
    out[~pos] = _negative_part_sigmoid(x[~pos])
    return out


def softmax(x: np.ndarray) -> np.ndarray:
    shifted = x - x.max(axis=-1, keepdims=True)   # new array, x is untouched
    exps = np.exp(shifted)
    return exps / exps.sum(axis=-1, keepdims=True)


def _to_labels(t: np.ndarray, probs_shape: Tuple[int, ...]) -> np.ndarray:
    """One-hot rows -> class indices; integer labels are returned as they are."""
    if t.size == int(np.prod(probs_shape)) and probs_shape[-1] > 1:
        return t.reshape(probs_shape).argmax(axis=-1)
    return t.reshape(-1).astype(int)


def cross_entropy_error(y: np.ndarray, t: np.ndarray) -> float:
    if y.ndim == 1:
        y = y[None, :]
    labels = _to_labels(t, y.shape)
    n = y.shape[0]
    picked = y[np.arange(n), labels]
    return float(-np.log(picked + 1e-7).sum() / n)


def numerical_gradient(f: Callable[[np.ndarray], float], x: np.ndarray) -> np.ndarray:
    h = 1e-4
    grad = np.zeros_like(x)
    for idx in np.ndindex(*x.shape):
        original = x[idx]
        x[idx] = original + h
        f_plus = f(x)
        x[idx] = original - h
        f_minus = f(x)
        x[idx] = original          # put it back exactly
        grad[idx] = (f_plus - f_minus) / (2 * h)
    return grad


class TwoLayerNet:

    def __init__(self, input_size, hidden_size, output_size, weight_init_std=0.01):
        self.params = {}
        self.params['W1'] = weight_init_std * np.random.randn(input_size, hidden_size)
        self.params['b1'] = np.zeros(hidden_size)
        self.params['W2'] = weight_init_std * np.random.randn(hidden_size, output_size)
        self.params['b2'] = np.zeros(output_size)

    def _hidden(self, x: np.ndarray) -> np.ndarray:
        return sigmoid(x @ self.params['W1'] + self.params['b1'])

    def forward(self, x: np.ndarray) -> np.ndarray:
        return softmax(self._hidden(x) @ self.params['W2'] + self.params['b2'])

    def loss(self, x: np.ndarray, t: np.ndarray) -> float:
        return cross_entropy_error(self.forward(x), t)

    def accuracy(self, x: np.ndarray, t: np.ndarray) -> float:
        probs = self.forward(x)
        predicted = probs.argmax(axis=1)
        labels = _to_labels(t, probs.shape)
        return float((predicted == labels).mean())

    def numerical_gradient(self, x: np.ndarray, t: np.ndarray) -> Dict[str, np.ndarray]:
        def objective(_: np.ndarray) -> float:
            return self.loss(x, t)
        return {name: numerical_gradient(objective, self.params[name])
                for name in ['W1', 'b1', 'W2', 'b2']}

    def gradient(self, x: np.ndarray, t: np.ndarray) -> Dict[str, np.ndarray]:
        n = x.shape[0]
        hidden = self._hidden(x)
        probs = softmax(hidden @ self.params['W2'] + self.params['b2'])

        delta_out = probs.copy()
        delta_out[np.arange(n), _to_labels(t, probs.shape)] -= 1.0
        delta_out /= n

        delta_hidden = (delta_out @ self.params['W2'].T) * hidden * (1.0 - hidden)
        return {
            'W1': x.T @ delta_hidden,
            'b1': delta_hidden.sum(axis=0),
            'W2': hidden.T @ delta_out,
            'b2': delta_out.sum(axis=0),
        }

    def train_model(self, x_train, t_train, x_test, t_test,
                    iters_num=10000, batch_size=10, learning_rate=0.1) -> Tuple[List[float], List[float], List[float]]:
        # 获取训练数据规模
        train_size = x_train.shape[0]

        # 创建记录模型训练损失值的列表
        train_loss_list = []
        # 创建记录模型在训练数据集上预测精度的列表
        train_acc_list = []
        # 创建记录模型在测试数据集上预测精度的列表
        test_acc_list = []

        iter_per_epoch = max(train_size / batch_size, 1)
        ###请补充创建训练循环的代码
        iterations = range(iters_num)
        for i in iterations:
            # 在每次训练迭代内部选择一个批次的数据
            batch_mask = np.random.choice(train_size, batch_size)
            x_batch = x_train[batch_mask]
            t_batch = t_train[batch_mask]

            grad = self.gradient(x_batch, t_batch)
            ###请补充更新模型参数的代码
            for name in self.params:
                self.params[name] -= learning_rate * grad[name]
            train_loss_list.append(self.loss(x_batch, t_batch))

            # 判断是否完成了一个epoch，即所有训练数据都遍历完一遍
            if i % iter_per_epoch == 0:
                ###请补充向train_acc_list列表添加当前模型对于训练集预测精度的代码
                train_acc_list.append(self.accuracy(x_train, t_train))
                ###请补充向test_acc_list列表添加当前模型对于测试集预测精度的代码
                test_acc_list.append(self.accuracy(x_test, t_test))
                # 输出模型在训练集和测试集上的精度以及损失值
                print("iteration {:>6} | train acc {:.4f} | test acc {:.4f} | loss {:.4f}".format(
                    i, train_acc_list[-1], test_acc_list[-1], train_loss_list[-1]))

        return train_loss_list, train_acc_list, test_acc_list
