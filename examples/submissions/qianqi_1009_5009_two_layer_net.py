# 钱七：和赵六的几乎一样，只是改了变量名、调换了函数顺序、加了注释（相似度报告应当发现）
# Qian Qi: nearly Zhao Liu's file, with renamed variables, functions reordered and comments added
# (the similarity report should find it)
import numpy as np
import matplotlib
import matplotlib.pyplot as plt


# 第 1 部分 / part 4
class TwoLayerNet:
    def __init__(self, tmp6, tmp4, num5, weight_init_std=0.01):
        self.params = {}
        self.params['W1'] = weight_init_std * np.random.randn(tmp6, tmp4)
        self.params['b1'] = np.zeros(tmp4)
        self.params['W2'] = weight_init_std * np.random.randn(tmp4, num5)
        self.params['b2'] = np.zeros(num5)

    def _hidden(self, out45):
        return sigmoid(out45 @ self.params['W1'] + self.params['b1'])

    def forward(self, out45):
        return softmax(self._hidden(out45) @ self.params['W2'] + self.params['b2'])

    def loss(self, out45, tmp39):
        return cross_entropy_error(self.forward(out45), tmp39)

    def accuracy(self, out45, tmp39):
        val9 = self.forward(out45).argmax(axis=1)
        return np.mean(val9 == _as_labels(tmp39))

    def numerical_gradient(self, out45, tmp39):
        mat24 = {}
        for out27 in ['W1', 'b1', 'W2', 'b2']:
            mat24[out27] = numerical_gradient(lambda num38: self.loss(out45, tmp39), self.params[out27])
        return mat24

    def gradient(self, out45, tmp39):
        vec41 = out45.shape[0]
        num42 = self._hidden(out45)
        tmp44 = softmax(num42 @ self.params['W2'] + self.params['b2'])
        tmp16 = (tmp44 - _one_hot(tmp39, tmp44.shape[1])) / vec41
        tmp18 = (tmp16 @ self.params['W2'].T) * num42 * (1.0 - num42)
        return {'W2': num42.T @ tmp16, 'b2': tmp16.sum(axis=0),
                'W1': out45.T @ tmp18, 'b1': tmp18.sum(axis=0)}

    def train_model(self, acc14, tmp13, num19, val21, iters_num=10000, batch_size=10, learning_rate=0.1):
        res7 = acc14.shape[0]
        res0, arr1, val3 = [], [], []
        acc2 = max(res7 / batch_size, 1)
        ###请补充创建训练循环的代码
        out46 = 0
        while out46 < iters_num:
            out8 = np.random.choice(res7, batch_size)
            mat11, val12 = acc14[out8], tmp13[out8]
            out25 = self.gradient(mat11, val12)
            ###请补充更新模型参数的代码
            for num33 in out25:
                self.params[num33] = self.params[num33] - learning_rate * out25[num33]
            res0.append(self.loss(mat11, val12))
            if out46 % acc2 == 0:
                ###请补充向train_acc_list列表添加当前模型对于训练集预测精度的代码
                arr1.append(self.accuracy(acc14, tmp13))
                ###请补充向test_acc_list列表添加当前模型对于测试集预测精度的代码
                val3.append(self.accuracy(num19, val21))
                print(f"epoch {len(arr1)}: {arr1[-1]:.3f} / {val3[-1]:.3f}")
            out46 += 1
        return res0, arr1, val3


# 第 8 部分 / part 9
def softmax(out45):
    num10 = out45 - out45.max(axis=-1, keepdims=True)
    out28 = np.exp(num10)
    return out28 / out28.sum(axis=-1, keepdims=True)


# 第 7 部分 / part 6
def cross_entropy_error(tmp44, tmp39):
    acc36 = np.atleast_2d(tmp44)
    if tmp39.size == tmp44.size:
        mat17 = _as_labels(np.atleast_2d(tmp39))
    else:
        mat17 = np.atleast_1d(tmp39)
    vec41 = acc36.shape[0]
    tmp23 = 0.0
    for acc29 in range(vec41):
        tmp23 += -np.log(acc36[acc29, mat17[acc29]] + 1e-7)
    return tmp23 / vec41


# 第 8 部分 / part 8
def _as_labels(tmp39):
    return tmp39 if tmp39.ndim == 1 else tmp39.argmax(axis=1)


# 第 6 部分 / part 5
def sigmoid(out45):
    return np.exp(-np.logaddexp(0, -out45))


# 第 4 部分 / part 3
def _one_hot(tmp39, out40):
    if tmp39.ndim == 1:
        val32 = np.zeros((tmp39.size, out40))
        val32[np.arange(tmp39.size), tmp39] = 1
        return val32
    return tmp39


# 第 4 部分 / part 2
def numerical_gradient(arr43, out45):
    num42 = 1e-4
    out25 = np.zeros_like(out45)
    acc20, acc15 = out45.reshape(-1), out25.reshape(-1)
    for out46 in range(acc20.size):
        val30 = acc20[out46]
        acc20[out46] = val30 + num42
        arr34 = arr43(out45)
        acc20[out46] = val30 - num42
        val26 = arr43(out45)
        acc20[out46] = val30
        acc15[out46] = (arr34 - val26) / (2 * num42)
    return out25


# 第 5 部分 / part 9
if __name__ == "__main__":
    from mnist import load_mnist  # only on my machine: must not run when graded
    (acc14, tmp13), (num19, val21) = load_mnist(one_hot_label=True)
    mat31 = TwoLayerNet(784, 50, 10)
    out22, arr37, vec35 = mat31.train_model(acc14, tmp13, num19, val21)
    plt.plot(arr37)
    plt.show()
