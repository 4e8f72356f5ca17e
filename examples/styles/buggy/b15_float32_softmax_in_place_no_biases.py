# -*- coding: utf-8 -*-
# Two-layer net.  I wanted it to work on float32 MNIST without upcasting everything,
# so the helpers keep the input's dtype, and the bookkeeping (accuracies, the loss
# history) is stored as float32: plenty for plotting curves.
import numpy as np


def sigmoid(x):
    x = np.asarray(x)
    one = np.ones((), dtype=np.result_type(x.dtype, np.float32))
    return one / (one + np.exp(-x))


def softmax(x):
    x = np.asarray(x)
    x -= x.max(axis=-1, keepdims=True)
    e = np.exp(x)                                    # same dtype as x (float32 stays float32)
    e /= e.sum(axis=-1, keepdims=True)               # e is our own array: x is not touched
    return e


def cross_entropy_error(y, t):
    y2 = y.reshape(-1, y.shape[-1])
    n = y2.shape[0]
    if t.size == y2.size:
        idx = t.reshape(y2.shape).argmax(axis=1)
    else:
        idx = t.reshape(-1)
    eps = np.asarray(1e-7, dtype=y2.dtype)
    return -np.log(y2[np.arange(n), idx] + eps).sum() / n


def numerical_gradient(f, x):
    h = 1e-4
    grad = np.zeros(x.shape, dtype=x.dtype)
    it = np.nditer(x, flags=['multi_index'], op_flags=['readwrite'])
    while not it.finished:
        i = it.multi_index
        keep = x[i]
        x[i] = keep + h
        a = f(x)
        x[i] = keep - h
        b = f(x)
        x[i] = keep
        grad[i] = (a - b) / (h + h)
        it.iternext()
    return grad


class TwoLayerNet:

    def __init__(self, input_size, hidden_size, output_size, weight_init_std=0.01):
        self.params = {}
        self.params['W1'] = weight_init_std * np.random.randn(input_size, hidden_size)
        self.params['b1'] = np.zeros(hidden_size)
        self.params['W2'] = weight_init_std * np.random.randn(hidden_size, output_size)
        self.params['b2'] = np.zeros(output_size)

    def forward(self, x):
        p = self.params
        return softmax(sigmoid(x @ p['W1'] + p['b1']) @ p['W2'] + p['b2'])

    def loss(self, x, t):
        return cross_entropy_error(self.forward(x), t)

    def accuracy(self, x, t):
        predicted = self.forward(x).argmax(axis=1)
        truth = t.argmax(axis=1) if t.ndim == 2 else t
        return np.float32(np.count_nonzero(predicted == truth)) / np.float32(x.shape[0])

    def numerical_gradient(self, x, t):
        f = lambda _w: self.loss(x, t)
        return dict((k, numerical_gradient(f, self.params[k])) for k in ('W1', 'W2'))

    def gradient(self, x, t):
        p = self.params
        hidden = sigmoid(x @ p['W1'] + p['b1'])
        out = softmax(hidden @ p['W2'] + p['b2'])
        if t.ndim == 1:
            target = np.zeros_like(out)
            target[np.arange(len(t)), t] = 1
        else:
            target = t.astype(out.dtype)
        d_out = (out - target) / np.asarray(x.shape[0], dtype=out.dtype)
        d_hid = (d_out @ p['W2'].T) * hidden * (1 - hidden)
        return {'W1': x.T @ d_hid, 'b1': d_hid.sum(0), 'W2': hidden.T @ d_out, 'b2': d_out.sum(0)}

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

            grad = self.gradient(x_batch, t_batch)
            ###请补充更新模型参数的代码
            for k in ('W1', 'b1', 'W2', 'b2'):
                self.params[k] -= learning_rate * grad[k]
            train_loss_list.append(np.float32(self.loss(x_batch, t_batch)))

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
