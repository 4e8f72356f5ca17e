# -*- coding: utf-8 -*-
"""Two-layer net.  A few functions take extra keyword arguments with defaults
(axis, eps, h, verbose...), and the methods reuse each other (predict/forward/loss).
Values come back as numpy scalars (np.mean), not Python floats."""
import numpy as np


def sigmoid(x, clip=None):
    """1 / (1 + exp(-x)); `clip` optionally bounds x first (off by default)."""
    if clip is not None:
        x = np.clip(x, -clip, clip)
    return 1 / (1 + np.exp(-x))


def softmax(x, axis=-1):
    m = np.max(x, axis=axis, keepdims=True)
    e = np.exp(x - m)
    return e / np.sum(e, axis=axis, keepdims=True)


def cross_entropy_error(y, t, eps=1e-7):
    y = np.atleast_2d(y)
    if t.size == y.size:
        t = t.reshape(y.shape)
    else:
        t = np.eye(y.shape[-1])[np.ravel(t)]
    return np.mean(-np.sum(t * np.log(y + eps), axis=1))


def numerical_gradient(f, x, h=1e-4):
    grad = np.zeros_like(x)
    it = np.nditer(x, flags=['multi_index'], op_flags=['readwrite'])
    for _ in it:
        idx = it.multi_index
        orig = x[idx].copy()
        x[idx] = orig + h
        f_hi = f(x)
        x[idx] = orig - h
        f_lo = f(x)
        x[idx] = orig
        grad[idx] = (f_hi - f_lo) / (2 * h)
    return grad


class TwoLayerNet:

    def __init__(self, input_size, hidden_size, output_size, weight_init_std=0.01):
        self.params = {}
        self.params['W1'] = weight_init_std * np.random.randn(input_size, hidden_size)
        self.params['b1'] = np.zeros(hidden_size)
        self.params['W2'] = weight_init_std * np.random.randn(hidden_size, output_size)
        self.params['b2'] = np.zeros(output_size)

    def predict(self, x, return_hidden=False):
        """Scores before softmax (and the hidden activations when asked)."""
        hidden = sigmoid(np.dot(x, self.params['W1']) + self.params['b1'])
        scores = np.dot(hidden, self.params['W2']) + self.params['b2']
        return (scores, hidden) if return_hidden else scores

    def forward(self, x, return_hidden=False):
        if return_hidden:
            scores, hidden = self.predict(x, return_hidden=True)
            return softmax(scores), hidden
        return softmax(self.predict(x))

    def loss(self, x, t, eps=1e-7):
        return cross_entropy_error(self.forward(x), t, eps=eps)

    def accuracy(self, x, t, axis=1):
        pred = np.argmax(self.forward(x), axis=axis)
        true = np.argmax(t, axis=axis) if t.ndim == 2 else t
        return np.mean(pred == true)

    def numerical_gradient(self, x, t, keys=('W1', 'b1', 'W2', 'b2')):
        def loss_w(_w):
            return self.loss(x, t)
        return {k: numerical_gradient(loss_w, self.params[k]) for k in keys}

    def gradient(self, x, t, weight_decay=0.0):
        y, z1 = self.forward(x, return_hidden=True)
        n = x.shape[0]
        t = t if t.ndim == 2 else np.eye(y.shape[1])[t]
        dy = (y - t) / n
        da1 = np.dot(dy, self.params['W2'].T) * z1 * (1 - z1)
        grads = {'W1': np.dot(x.T, da1) + weight_decay * self.params['W1'],
                 'b1': da1.sum(axis=0),
                 'W2': np.dot(z1.T, dy) + weight_decay * self.params['W2'],
                 'b2': dy.sum(axis=0)}
        return grads

    def train_model(self, x_train, t_train, x_test, t_test,
                    iters_num=10000, batch_size=10, learning_rate=0.1, verbose=True):
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
            for key, g in grad.items():
                self.params[key] -= learning_rate * g
            if verbose and i == 0:
                print("training: {} iterations, batches of {}".format(iters_num, batch_size))
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
