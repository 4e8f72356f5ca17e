# 张三：照着原作业的写法（保留了原文的错误）
# Zhang San: written the way the original write-up has it (its bugs included)
import numpy as np
import matplotlib.pyplot as plt


def sigmoid(x):
    si = []
    for i in x:
        si.append(1 / (1 + np.exp(-x)))
    return si


def softmax(x):
    x -= np.max(x, axis=1, keepdims=True)  # 为了稳定地计算softmax概率， 一般会减掉最大的那个元素
    x = np.exp(x) / np.sum(np.exp(x), axis=1, keepdims=True)
    return x


def cross_entropy_error(y, t):
    delta = 1e-7  # 防止计算错误，加上一个微小值
    return -np.sum(t * np.log(y + delta))


def numerical_gradient(f, x):
    h = 1e-4  # 0.0001
    grad = np.zeros_like(x)
    it = np.nditer(x, flags=['multi_index'], op_flags=['readwrite'])
    while not it.finished:
        idx = it.multi_index
        tmp_val = x[idx]
        x[idx] = float(tmp_val) + h
        fxh1 = f(x)  # f(x+h)
        x[idx] = tmp_val - h
        fxh2 = f(x)  # f(x-h)
        grad[idx] = (fxh1 - fxh2) / (2 * h)
        x[idx] = tmp_val  # 还原值
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
        z1 = np.dot(x, self.params['W1']) + self.params['b1']
        h1 = sigmoid(z1)
        z2 = np.dot(h1, self.params['W2']) + self.params['b2']
        y = softmax(z2)
        return y

    def loss(self, x, t):
        y = self.forward(x)
        loss = cross_entropy_error(y, t)
        return loss

    def accuracy(self, x, t):
        z = self.forward(x)
        y = np.argmax(z, axis=1)
        t = np.argmax(t, axis=1)
        accuracy = np.sum(y == t) / float(x.shape[0])
        return accuracy

    def gradient(self, x, t):
        grads = {}
        w1, w2 = self.params['W1'], self.params['W2']
        b1, b2 = self.params['b1'], self.params['b2']
        f = lambda W: self.loss(x, t)
        grads['W1'] = numerical_gradient(f, w1)
        grads['b1'] = numerical_gradient(f, b1)
        grads['W2'] = numerical_gradient(f, w2)
        grads['b2'] = numerical_gradient(f, b2)
        return grads

    def train_model(self, x_train, t_train, x_test, t_test, iters_num=10000, batch_size=10, learning_rate=0.1):
        train_size = x_train.shape[0]
        train_loss_list = []
        train_acc_list = []
        test_acc_list = []
        iter_per_epoch = max(train_size / batch_size, 1)
        ###请补充创建训练循环的代码
        iterations = range(iters_num)
        for i in iterations:
            batch_mask = np.random.choice(train_size, batch_size)
            x_batch = x_train[batch_mask]
            t_batch = t_train[batch_mask]
            grad = self.gradient(x_batch, t_batch)
            ###请补充更新模型参数的代码
            for key in ('W1', 'b1', 'W2', 'b2'):
                self.params[key] -= learning_rate * grad[key]
                loss = self.loss(x_batch, t_batch)
                train_loss_list.append(loss)
            if i % iter_per_epoch == 0:
                ###请补充向train_acc_list列表添加当前模型对于训练集预测精度的代码
                train_acc = self.accuracy(x_train, t_train)
                ###请补充向test_acc_list列表添加当前模型对于测试集预测精度的代码
                test_acc = self.accuracy(x_test, t_test)
                train_acc_list.append(train_acc)
                test_acc_list.append(test_acc)
                print("train acc, test acc | " + str(train_acc) + ", " + str(test_acc))
        return train_loss_list, train_acc_list, test_acc_list
