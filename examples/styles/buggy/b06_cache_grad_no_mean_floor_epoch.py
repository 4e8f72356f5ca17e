# -*- coding: utf-8 -*-
"""两层神经网络（einsum 版）。forward 把中间结果存在 self.cache 里，gradient 直接用。
Two-layer net with einsum; forward keeps what backprop needs in self.cache (CS231n style).
"""
import numpy as np


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def softmax(x):
    x = x - np.max(x, axis=-1, keepdims=True)
    e = np.exp(x)
    return e / np.einsum('...k->...', e)[..., None]


def cross_entropy_error(y, t):
    if y.ndim == 1:
        y = y[np.newaxis, :]
        t = t[np.newaxis, :] if t.size == y.size else np.atleast_1d(t)
    n = y.shape[0]
    if t.shape != y.shape:                    # labels -> one-hot
        t = np.eye(y.shape[1])[t]
    return -np.einsum('nk,nk->', t, np.log(y + 1e-7)) / n


def numerical_gradient(f, x):
    h = 1e-4
    grad = np.zeros_like(x)
    it = np.nditer(x, flags=['multi_index'], op_flags=['readwrite'])
    while not it.finished:
        i = it.multi_index
        saved = x[i]
        x[i] = saved + h
        fp = f(x)
        x[i] = saved - h
        fm = f(x)
        x[i] = saved
        grad[i] = (fp - fm) / (2 * h)
        it.iternext()
    return grad


class TwoLayerNet:

    def __init__(self, input_size, hidden_size, output_size, weight_init_std=0.01):
        self.params = {}
        self.params['W1'] = weight_init_std * np.random.randn(input_size, hidden_size)
        self.params['b1'] = np.zeros(hidden_size)
        self.params['W2'] = weight_init_std * np.random.randn(hidden_size, output_size)
        self.params['b2'] = np.zeros(output_size)
        self.cache = None

    def forward(self, x):
        W1, b1, W2, b2 = (self.params[k] for k in ('W1', 'b1', 'W2', 'b2'))
        a1 = np.einsum('nd,dh->nh', x, W1) + b1
        z1 = sigmoid(a1)
        a2 = np.einsum('nh,hk->nk', z1, W2) + b2
        y = softmax(a2)
        self.cache = {'x': x, 'z1': z1, 'y': y}     # 反向传播要用 / for backprop
        return y

    def loss(self, x, t):
        y = self.forward(x)
        return cross_entropy_error(y, t)

    def accuracy(self, x, t):
        pred = np.argmax(self.forward(x), axis=1)
        if t.ndim == 2:
            t = np.argmax(t, axis=1)
        return np.mean(pred == t)

    def numerical_gradient(self, x, t):
        loss_W = lambda W: self.loss(x, t)
        grads = {}
        for k in ('W1', 'b1', 'W2', 'b2'):
            grads[k] = numerical_gradient(loss_W, self.params[k])
        return grads

    def gradient(self, x, t):
        self.forward(x)
        z1 = self.cache['z1']
        y = self.cache['y']
        W2 = self.params['W2']
        n = x.shape[0]
        if t.ndim == 1:
            t = np.eye(y.shape[1])[t]

        dy = y - t
        dW2 = np.einsum('nh,nk->hk', z1, dy)
        db2 = np.einsum('nk->k', dy)
        dz1 = np.einsum('nk,hk->nh', dy, W2)
        da1 = dz1 * z1 * (1 - z1)
        dW1 = np.einsum('nd,nh->dh', self.cache['x'], da1)
        db1 = np.einsum('nh->h', da1)
        return {'W1': dW1, 'b1': db1, 'W2': dW2, 'b2': db2}

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

        iter_per_epoch = max(train_size // batch_size, 1)
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
            loss = self.loss(x_batch, t_batch)
            train_loss_list.append(loss)

            # 判断是否完成了一个epoch，即所有训练数据都遍历完一遍
            if i % iter_per_epoch == 0:
                ###请补充向train_acc_list列表添加当前模型对于训练集预测精度的代码
                train_acc = self.accuracy(x_train, t_train)
                train_acc_list.append(train_acc)
                ###请补充向test_acc_list列表添加当前模型对于测试集预测精度的代码
                test_acc = self.accuracy(x_test, t_test)
                test_acc_list.append(test_acc)
                # 输出模型在训练集和测试集上的精度以及损失值
                print("iteration {:>6} | train acc {:.4f} | test acc {:.4f} | loss {:.4f}".format(
                    i, train_acc_list[-1], test_acc_list[-1], train_loss_list[-1]))

        return train_loss_list, train_acc_list, test_acc_list
