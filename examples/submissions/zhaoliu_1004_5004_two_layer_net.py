# 赵六：另一种写法，全部正确（循环、辅助函数、打印、matplotlib、__main__ 块）
# Zhao Liu: a different style, all correct (loops, helpers, prints, matplotlib, a __main__ block)
import numpy as np
import matplotlib
import matplotlib.pyplot as plt


def _as_labels(t):
    return t if t.ndim == 1 else t.argmax(axis=1)


def _one_hot(t, k):
    if t.ndim == 1:
        out = np.zeros((t.size, k))
        out[np.arange(t.size), t] = 1
        return out
    return t


def sigmoid(x):
    return np.exp(-np.logaddexp(0, -x))


def softmax(x):
    shifted = x - x.max(axis=-1, keepdims=True)
    exps = np.exp(shifted)
    return exps / exps.sum(axis=-1, keepdims=True)


def cross_entropy_error(y, t):
    y2 = np.atleast_2d(y)
    if t.size == y.size:
        labels = _as_labels(np.atleast_2d(t))
    else:
        labels = np.atleast_1d(t)
    n = y2.shape[0]
    total = 0.0
    for row in range(n):
        total += -np.log(y2[row, labels[row]] + 1e-7)
    return total / n


def numerical_gradient(f, x):
    h = 1e-4
    grad = np.zeros_like(x)
    flat_x, flat_g = x.reshape(-1), grad.reshape(-1)
    for i in range(flat_x.size):
        old = flat_x[i]
        flat_x[i] = old + h
        up = f(x)
        flat_x[i] = old - h
        down = f(x)
        flat_x[i] = old
        flat_g[i] = (up - down) / (2 * h)
    return grad


class TwoLayerNet:
    def __init__(self, input_size, hidden_size, output_size, weight_init_std=0.01):
        self.params = {}
        self.params['W1'] = weight_init_std * np.random.randn(input_size, hidden_size)
        self.params['b1'] = np.zeros(hidden_size)
        self.params['W2'] = weight_init_std * np.random.randn(hidden_size, output_size)
        self.params['b2'] = np.zeros(output_size)

    def _hidden(self, x):
        return sigmoid(x @ self.params['W1'] + self.params['b1'])

    def forward(self, x):
        return softmax(self._hidden(x) @ self.params['W2'] + self.params['b2'])

    def loss(self, x, t):
        return cross_entropy_error(self.forward(x), t)

    def accuracy(self, x, t):
        predicted = self.forward(x).argmax(axis=1)
        return np.mean(predicted == _as_labels(t))

    def numerical_gradient(self, x, t):
        grads = {}
        for name in ['W1', 'b1', 'W2', 'b2']:
            grads[name] = numerical_gradient(lambda _: self.loss(x, t), self.params[name])
        return grads

    def gradient(self, x, t):
        n = x.shape[0]
        h = self._hidden(x)
        y = softmax(h @ self.params['W2'] + self.params['b2'])
        delta2 = (y - _one_hot(t, y.shape[1])) / n
        delta1 = (delta2 @ self.params['W2'].T) * h * (1.0 - h)
        return {'W2': h.T @ delta2, 'b2': delta2.sum(axis=0),
                'W1': x.T @ delta1, 'b1': delta1.sum(axis=0)}

    def train_model(self, x_train, t_train, x_test, t_test, iters_num=10000, batch_size=10, learning_rate=0.1):
        train_size = x_train.shape[0]
        train_loss_list, train_acc_list, test_acc_list = [], [], []
        iter_per_epoch = max(train_size / batch_size, 1)
        ###请补充创建训练循环的代码
        i = 0
        while i < iters_num:
            batch_mask = np.random.choice(train_size, batch_size)
            x_batch, t_batch = x_train[batch_mask], t_train[batch_mask]
            grad = self.gradient(x_batch, t_batch)
            ###请补充更新模型参数的代码
            for key in grad:
                self.params[key] = self.params[key] - learning_rate * grad[key]
            train_loss_list.append(self.loss(x_batch, t_batch))
            if i % iter_per_epoch == 0:
                ###请补充向train_acc_list列表添加当前模型对于训练集预测精度的代码
                train_acc_list.append(self.accuracy(x_train, t_train))
                ###请补充向test_acc_list列表添加当前模型对于测试集预测精度的代码
                test_acc_list.append(self.accuracy(x_test, t_test))
                print(f"epoch {len(train_acc_list)}: {train_acc_list[-1]:.3f} / {test_acc_list[-1]:.3f}")
            i += 1
        return train_loss_list, train_acc_list, test_acc_list


if __name__ == "__main__":
    from mnist import load_mnist  # only on my machine: must not run when graded
    (x_train, t_train), (x_test, t_test) = load_mnist(one_hot_label=True)
    net = TwoLayerNet(784, 50, 10)
    losses, tr, te = net.train_model(x_train, t_train, x_test, t_test)
    plt.plot(tr)
    plt.show()
