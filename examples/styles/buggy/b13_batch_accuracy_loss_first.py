# -*- coding: utf-8 -*-
"""两层神经网络 —— 每次只处理一个样本，再把结果拼起来/平均。
Two-layer net that handles one sample at a time and stacks / averages the results.
"""
import numpy as np


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def softmax(x):
    if x.ndim == 2:
        return np.array([softmax(row) for row in x])
    shifted = x - np.max(x)
    e = np.exp(shifted)
    return e / np.sum(e)


def cross_entropy_error(y, t):
    if y.ndim == 1:
        y = y.reshape(1, -1)
        t = t.reshape(1, -1)
    losses = []
    for i in range(y.shape[0]):
        if t.ndim == 2:
            k = int(np.argmax(t[i]))
        else:
            k = int(t[i])
        losses.append(-np.log(y[i, k] + 1e-7))
    return np.mean(losses)


def numerical_gradient(f, x):
    h = 1e-4
    grad = np.zeros_like(x)
    for index in np.ndindex(x.shape):
        value = x[index]
        x[index] = value + h
        up = f(x)
        x[index] = value - h
        down = f(x)
        x[index] = value
        grad[index] = (up - down) / (2 * h)
    return grad


class TwoLayerNet:

    def __init__(self, input_size, hidden_size, output_size, weight_init_std=0.01):
        self.params = {}
        self.params['W1'] = weight_init_std * np.random.randn(input_size, hidden_size)
        self.params['b1'] = np.zeros(hidden_size)
        self.params['W2'] = weight_init_std * np.random.randn(hidden_size, output_size)
        self.params['b2'] = np.zeros(output_size)

    def _one(self, x_row):
        """一个样本的前向传播 / forward for one sample: (hidden, probabilities)."""
        h = sigmoid(x_row @ self.params['W1'] + self.params['b1'])
        p = softmax(h @ self.params['W2'] + self.params['b2'])
        return h, p

    def forward(self, x):
        return np.stack([self._one(row)[1] for row in x])

    def loss(self, x, t):
        return cross_entropy_error(self.forward(x), t)

    def accuracy(self, x, t):
        hits = 0
        for i, row in enumerate(x):
            _, p = self._one(row)
            label = t[i] if t.ndim == 1 else np.argmax(t[i])
            hits += int(np.argmax(p) == label)
        return hits / len(x)

    def numerical_gradient(self, x, t):
        grads = {}
        for name in ('W1', 'b1', 'W2', 'b2'):
            grads[name] = numerical_gradient(lambda _: self.loss(x, t), self.params[name])
        return grads

    def gradient(self, x, t):
        n = len(x)
        grads = {name: np.zeros_like(value) for name, value in self.params.items()}
        for i, row in enumerate(x):
            h, p = self._one(row)
            target = np.zeros_like(p)
            if t.ndim == 1:
                target[t[i]] = 1.0
            else:
                target = t[i]
            d_out = p - target                         # (K,)
            d_hidden = (self.params['W2'] @ d_out) * h * (1 - h)
            grads['W2'] += np.outer(h, d_out)
            grads['b2'] += d_out
            grads['W1'] += np.outer(row, d_hidden)
            grads['b1'] += d_hidden
        for name in grads:                             # 求平均 / average over the batch
            grads[name] /= n
        return grads

    def train_model(self, x_train, t_train, x_test, t_test,
                    iters_num=10000, batch_size=10, learning_rate=0.1):
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

            train_loss_list.append(self.loss(x_batch, t_batch))
            grad = self.gradient(x_batch, t_batch)
            ###请补充更新模型参数的代码
            for name in grad:
                self.params[name] -= learning_rate * grad[name]

            # 判断是否完成了一个epoch，即所有训练数据都遍历完一遍
            if i % iter_per_epoch == 0:
                ###请补充向train_acc_list列表添加当前模型对于训练集预测精度的代码
                train_acc_list.append(self.accuracy(x_batch, t_batch))
                ###请补充向test_acc_list列表添加当前模型对于测试集预测精度的代码
                test_acc_list.append(self.accuracy(x_test[batch_mask % len(x_test)], t_test[batch_mask % len(x_test)]))
                # 输出模型在训练集和测试集上的精度以及损失值
                print("iteration {:>6} | train acc {:.4f} | test acc {:.4f} | loss {:.4f}".format(
                    i, train_acc_list[-1], test_acc_list[-1], train_loss_list[-1]))

        return train_loss_list, train_acc_list, test_acc_list
