# -*- coding: utf-8 -*-
# 两层神经网络  作业 / 学号 2023xxxx
# 我用循环写的，比较好理解（慢一点没关系）
import math

import numpy as np


def sigmoid(x):
    x = np.asarray(x, dtype=float)
    out = np.zeros(x.shape)
    for idx in np.ndindex(*x.shape):
        v = x[idx]
        # 分情况计算，避免 math.exp 溢出
        if v >= 0:
            out[idx] = 1.0 / (1.0 + math.exp(-v))
        else:
            e = math.exp(v)
            out[idx] = e / (1.0 + e)
    return out


def softmax(x):
    if x.ndim == 1:
        m = max(x)
        exps = [math.exp(v - m) for v in x]
        s = sum(exps)
        return np.array([e / s for e in exps])
    out = np.zeros(x.shape)
    for i in range(x.shape[0]):        # 每一行单独算
        out[i] = softmax(x[i])
    return out


def cross_entropy_error(y, t):
    if y.ndim == 1:
        y = y.reshape(1, y.size)
        t = t.reshape(1, t.size)
    n, k = y.shape
    total = 0.0
    for i in range(n):
        if t.ndim == 2:            # one-hot
            for j in range(k):
                total += -t[i, j] * math.log(y[i, j] + 1e-7)
        else:                      # 整数标签
            total += -math.log(y[i, t[i]] + 1e-7)
    return total / n


def numerical_gradient(f, x):
    h = 1e-4
    grad = np.zeros_like(x)
    for idx in np.ndindex(*x.shape):   # 任意维度都可以
        old = x[idx]
        x[idx] = old + h
        f1 = f(x)
        x[idx] = old - h
        f2 = f(x)
        grad[idx] = (f1 - f2) / (2 * h)
        x[idx] = old
    return grad


class TwoLayerNet:

    def __init__(self, input_size, hidden_size, output_size, weight_init_std=0.01):
        self.params = {}
        self.params['W1'] = weight_init_std * np.random.randn(input_size, hidden_size)
        self.params['b1'] = np.zeros(hidden_size)
        self.params['W2'] = weight_init_std * np.random.randn(hidden_size, output_size)
        self.params['b2'] = np.zeros(output_size)

    def forward(self, x):
        W1, b1, W2, b2 = self.params['W1'], self.params['b1'], self.params['W2'], self.params['b2']
        n = x.shape[0]
        H = W1.shape[1]
        K = W2.shape[1]
        a1 = np.zeros((n, H))
        for i in range(n):
            for j in range(H):
                a1[i, j] = sum(x[i, d] * W1[d, j] for d in range(W1.shape[0])) + b1[j]
        z1 = sigmoid(a1)
        a2 = np.zeros((n, K))
        for i in range(n):
            for j in range(K):
                a2[i, j] = sum(z1[i, d] * W2[d, j] for d in range(H)) + b2[j]
        return softmax(a2)

    def loss(self, x, t):
        return cross_entropy_error(self.forward(x), t)

    def accuracy(self, x, t):
        y = self.forward(x)
        correct = 0
        for i in range(x.shape[0]):
            label = np.argmax(t[i]) if t.ndim == 2 else t[i]
            if np.argmax(y[i]) == label:
                correct += 1
        return correct / x.shape[0]

    def numerical_gradient(self, x, t):
        f = lambda w: self.loss(x, t)
        grads = {}
        for key in ['W1', 'b1', 'W2', 'b2']:
            grads[key] = numerical_gradient(f, self.params[key])
        return grads

    def gradient(self, x, t):
        W1, b1, W2, b2 = self.params['W1'], self.params['b1'], self.params['W2'], self.params['b2']
        n = x.shape[0]
        K = W2.shape[1]
        if t.ndim == 1:
            T = np.zeros((n, K))
            for i in range(n):
                T[i, t[i]] = 1
            t = T
        z1 = sigmoid(x.dot(W1) + b1)
        y = softmax(z1.dot(W2) + b2)

        dW1 = np.zeros_like(W1)
        db1 = np.zeros_like(b1)
        dW2 = np.zeros_like(W2)
        db2 = np.zeros_like(b2)
        for i in range(n):                       # 一个样本一个样本地累加
            dy = (y[i] - t[i]) / n               # (K,)
            dW2 += np.outer(z1[i], dy)
            db2 += dy
            dz = W2.dot(dy)                      # (H,)
            da = dz * z1[i] * (1 - z1[i])
            dW1 += np.outer(x[i], da)
            db1 += da
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
            for key in self.params.keys():
                p = self.params[key]
                g = grad[key]
                for r in range(p.shape[0]):        # 一行一行地更新（原地）
                    p[r] -= learning_rate * g[r]
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
