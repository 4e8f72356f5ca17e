# -*- coding: utf-8 -*-
# 两层神经网络（分层实现）
# 每一层都有 forward / backward。层不保存权重本身，而是保存参数字典和键名，
# 这样不管参数是原地更新还是换成新数组，层里用的永远是最新的参数。
import numpy as np


def sigmoid(x):
    # 数值稳定的 sigmoid：正负分开算，exp 永远不会溢出
    x = np.asarray(x, dtype=float)
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e))


def softmax(x):
    x_shift = x - np.max(x, axis=-1, keepdims=True)
    exp_x = np.exp(x_shift)
    return exp_x / np.sum(exp_x, axis=-1, keepdims=True)


def biaoqian_to_onehot(t, k):
    """整数标签 (N,) -> one-hot (N, K)；已经是 one-hot 的直接返回。"""
    if t.ndim == 1:
        return np.eye(k)[t]
    return t


def cross_entropy_error(y, t):
    if y.ndim == 1:
        y = y.reshape(1, -1)
    if t.size == y.size:
        t = t.reshape(y.shape)
    else:
        t = biaoqian_to_onehot(t, y.shape[1])
    pici = y.shape[0]                # 批大小
    return -np.sum(t * np.log(y + 1e-7)) / pici


def numerical_gradient(f, x):
    h = 1e-4
    grad = np.zeros_like(x)
    it = np.nditer(x, flags=['multi_index'], op_flags=['readwrite'])
    while not it.finished:
        weizhi = it.multi_index
        yuanzhi = x[weizhi]          # 原值
        x[weizhi] = yuanzhi + h
        zuo = f(x)
        x[weizhi] = yuanzhi - h
        you = f(x)
        grad[weizhi] = (zuo - you) / (2 * h)
        x[weizhi] = yuanzhi          # 还原
        it.iternext()
    return grad


class FangShe:
    """仿射层 Affine：out = x @ W + b，W、b 从参数字典里按键名取。"""

    def __init__(self, params, w_key, b_key):
        self.params, self.w_key, self.b_key = params, w_key, b_key

    def forward(self, x):
        self.x = x
        return x @ self.params[self.w_key] + self.params[self.b_key]

    def backward(self, dout):
        self.dW = self.x.T @ dout
        self.db = dout.sum(axis=0)
        return dout @ self.params[self.w_key].T


class SigmoidCeng:
    def forward(self, x):
        self.out = sigmoid(x)
        return self.out

    def backward(self, dout):
        return dout * self.out * (1 - self.out)


class TwoLayerNet:

    def __init__(self, input_size, hidden_size, output_size, weight_init_std=0.01):
        self.params = {}
        self.params['W1'] = weight_init_std * np.random.randn(input_size, hidden_size)
        self.params['b1'] = np.zeros(hidden_size)
        self.params['W2'] = weight_init_std * np.random.randn(hidden_size, output_size)
        self.params['b2'] = np.zeros(output_size)

    def _ceng(self):
        # 每次用到时现建层（很便宜），层里只记着参数字典
        if not hasattr(self, 'ceng'):
            self.ceng = [FangShe(self.params, 'W1', 'b1'), SigmoidCeng(), FangShe(self.params, 'W2', 'b2')]
        return self.ceng

    def _defen(self, x):
        """得分（softmax 之前）"""
        for c in self._ceng():
            x = c.forward(x)
        return x

    def forward(self, x):
        return softmax(self._defen(x))

    def loss(self, x, t):
        return cross_entropy_error(self.forward(x), t)

    def accuracy(self, x, t):
        yuce = np.argmax(self.forward(x), axis=1)      # 预测
        zhenshi = np.argmax(t, axis=1) if t.ndim == 2 else t
        return np.sum(yuce == zhenshi) / x.shape[0]

    def numerical_gradient(self, x, t):
        loss_W = lambda W: self.loss(x, t)
        return {k: numerical_gradient(loss_W, self.params[k]) for k in ['W1', 'b1', 'W2', 'b2']}

    def gradient(self, x, t):
        y = softmax(self._defen(x))
        t = biaoqian_to_onehot(t, y.shape[1])
        dout = (y - t) / x.shape[0]                     # softmax + 交叉熵 的反向
        for c in reversed(self._ceng()):
            dout = c.backward(dout)
        c1, _, c2 = self._ceng()
        return {'W1': c1.dW, 'b1': c1.db, 'W2': c2.dW, 'b2': c2.db}

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
            for k in grad:
                self.params[k] = self.params[k] - learning_rate * grad[k]   # 换成新数组也没关系
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
