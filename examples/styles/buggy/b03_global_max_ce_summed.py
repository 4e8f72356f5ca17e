"""Homework: two layer net.

forward() remembers its intermediate values on self (self.x, self.z1, self.y),
gradient() runs forward once and then reads them back.
"""
import numpy as np


def sigmoid(x):
    # stable: 1/(1+e^-x) = e^(-log(1+e^-x)), and logaddexp never overflows
    return np.exp(-np.logaddexp(0, -x))


def softmax(x):
    # shift by the row max so that exp never overflows
    z = x - np.amax(x)
    ez = np.exp(z)
    return ez / ez.sum(axis=-1, keepdims=True)


def cross_entropy_error(y, t):
    if y.ndim == 1:
        t = t.reshape(1, t.size)
        y = y.reshape(1, y.size)
    if t.size == y.size:          # one-hot -> class index
        t = t.argmax(axis=1)
    batch_size = y.shape[0]
    log_likelihood = np.log(y[np.arange(batch_size), t] + 1e-7)
    return -np.sum(log_likelihood)


def numerical_gradient(f, x):
    h = 1e-4
    grad = np.zeros_like(x)
    for i in range(x.size):       # x.flat walks every element of any shape
        tmp = x.flat[i]
        x.flat[i] = tmp + h
        fxh1 = f(x)
        x.flat[i] = tmp - h
        fxh2 = f(x)
        grad.flat[i] = (fxh1 - fxh2) / (2 * h)
        x.flat[i] = tmp           # restore
    return grad


class TwoLayerNet:

    def __init__(self, input_size, hidden_size, output_size, weight_init_std=0.01):
        self.params = {}
        self.params['W1'] = weight_init_std * np.random.randn(input_size, hidden_size)
        self.params['b1'] = np.zeros(hidden_size)
        self.params['W2'] = weight_init_std * np.random.randn(hidden_size, output_size)
        self.params['b2'] = np.zeros(output_size)

    def forward(self, x):
        self.x = x
        self.a1 = np.tensordot(x, self.params['W1'], axes=1) + self.params['b1']
        self.z1 = sigmoid(self.a1)
        self.a2 = np.tensordot(self.z1, self.params['W2'], axes=1) + self.params['b2']
        self.y = softmax(self.a2)
        return self.y

    def loss(self, x, t):
        return cross_entropy_error(self.forward(x), t)

    def accuracy(self, x, t):
        y = self.forward(x).argmax(axis=1)
        if t.ndim != 1:
            t = t.argmax(axis=1)
        return float(np.sum(y == t)) / x.shape[0]

    def numerical_gradient(self, x, t):
        loss_W = lambda W: self.loss(x, t)
        return {key: numerical_gradient(loss_W, self.params[key]) for key in ('W1', 'b1', 'W2', 'b2')}

    def gradient(self, x, t):
        self.forward(x)                     # fills self.z1, self.y
        batch = x.shape[0]
        if t.ndim == 1:
            onehot = np.zeros_like(self.y)
            onehot[np.arange(batch), t] = 1
            t = onehot
        delta2 = (self.y - t) / batch
        delta1 = np.tensordot(delta2, self.params['W2'], axes=([1], [1])) * self.z1 * (1 - self.z1)
        return {
            'W2': np.tensordot(self.z1, delta2, axes=([0], [0])),
            'b2': delta2.sum(axis=0),
            'W1': np.tensordot(self.x, delta1, axes=([0], [0])),
            'b1': delta1.sum(axis=0),
        }

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
            # new arrays each step (no in-place update)
            for key in ('W1', 'b1', 'W2', 'b2'):
                self.params[key] = self.params[key] - learning_rate * grad[key]
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
