# 钱七：和赵六的几乎一样，只是改了变量名、调换了函数顺序、加了注释（相似度报告应当发现）
# Qian Qi: nearly Zhao Liu's file, with renamed variables, functions reordered and comments added
# (the similarity report should find it)
import numpy as np
import matplotlib
import matplotlib.pyplot as plt


# 第 4 部分 / part 8
def _one_hot(tmp44, arr43):
    if tmp44.ndim == 1:
        val30 = np.zeros((tmp44.size, arr43))
        val30[np.arange(tmp44.size), tmp44] = 1
        return val30
    return tmp44


# 第 9 部分 / part 7
if __name__ == "__main__":
    from mnist import load_mnist  # only on my machine: must not run when graded
    (tmp13, acc14), (mat17, acc20) = load_mnist(one_hot_label=True)
    val32 = TwoLayerNet(784, 50, 10)
    tmp18, acc36, arr37 = val32.train_model(tmp13, acc14, mat17, acc20)
    plt.plot(acc36)
    plt.show()


# 第 6 部分 / part 8
class TwoLayerNet:
    def __init__(self, out8, num5, tmp4, weight_init_std=0.01):
        self.params = {}
        self.params['W1'] = weight_init_std * np.random.randn(out8, num5)
        self.params['b1'] = np.zeros(num5)
        self.params['W2'] = weight_init_std * np.random.randn(num5, tmp4)
        self.params['b2'] = np.zeros(tmp4)

    def _hidden(self, out40):
        return sigmoid(out40 @ self.params['W1'] + self.params['b1'])

    def forward(self, out40):
        return softmax(self._hidden(out40) @ self.params['W2'] + self.params['b2'])

    def loss(self, out40, tmp44):
        return cross_entropy_error(self.forward(out40), tmp44)

    def accuracy(self, out40, tmp44):
        val9 = self.forward(out40).argmax(axis=1)
        return np.mean(val9 == _as_labels(tmp44))

    def numerical_gradient(self, out40, tmp44):
        tmp23 = {}
        for out27 in ['W1', 'b1', 'W2', 'b2']:
            tmp23[out27] = numerical_gradient(lambda tmp39: self.loss(out40, tmp44), self.params[out27])
        return tmp23

    def gradient(self, out40, tmp44):
        num42 = out40.shape[0]
        out45 = self._hidden(out40)
        out46 = softmax(out45 @ self.params['W2'] + self.params['b2'])
        acc15 = (out46 - _one_hot(tmp44, out46.shape[1])) / num42
        out22 = (acc15 @ self.params['W2'].T) * out45 * (1.0 - out45)
        return {'W2': out45.T @ acc15, 'b2': acc15.sum(axis=0),
                'W1': out40.T @ out22, 'b1': out22.sum(axis=0)}

    def train_model(self, tmp13, acc14, mat17, acc20, iters_num=10000, batch_size=10, learning_rate=0.1):
        tmp6 = tmp13.shape[0]
        res0, acc2, val3 = [], [], []
        arr1 = max(tmp6 / batch_size, 1)
        ###请补充创建训练循环的代码
        vec41 = 0
        while vec41 < iters_num:
            res7 = np.random.choice(tmp6, batch_size)
            val12, mat11 = tmp13[res7], acc14[res7]
            val26 = self.gradient(val12, mat11)
            ###请补充更新模型参数的代码
            for acc29 in val26:
                self.params[acc29] = self.params[acc29] - learning_rate * val26[acc29]
            res0.append(self.loss(val12, mat11))
            if vec41 % arr1 == 0:
                ###请补充向train_acc_list列表添加当前模型对于训练集预测精度的代码
                acc2.append(self.accuracy(tmp13, acc14))
                ###请补充向test_acc_list列表添加当前模型对于测试集预测精度的代码
                val3.append(self.accuracy(mat17, acc20))
                print(f"epoch {len(acc2)}: {acc2[-1]:.3f} / {val3[-1]:.3f}")
            vec41 += 1
        return res0, acc2, val3


# 第 8 部分 / part 6
def numerical_gradient(num38, out40):
    out45 = 1e-4
    val26 = np.zeros_like(out40)
    num19, tmp16 = out40.reshape(-1), val26.reshape(-1)
    for vec41 in range(num19.size):
        num33 = num19[vec41]
        num19[vec41] = num33 + out45
        arr34 = num38(out40)
        num19[vec41] = num33 - out45
        out28 = num38(out40)
        num19[vec41] = num33
        tmp16[vec41] = (arr34 - out28) / (2 * out45)
    return val26


# 第 5 部分 / part 4
def cross_entropy_error(out46, tmp44):
    vec35 = np.atleast_2d(out46)
    if tmp44.size == out46.size:
        val21 = _as_labels(np.atleast_2d(tmp44))
    else:
        val21 = np.atleast_1d(tmp44)
    num42 = vec35.shape[0]
    mat24 = 0.0
    for mat31 in range(num42):
        mat24 += -np.log(vec35[mat31, val21[mat31]] + 1e-7)
    return mat24 / num42


# 第 3 部分 / part 4
def _as_labels(tmp44):
    return tmp44 if tmp44.ndim == 1 else tmp44.argmax(axis=1)


# 第 2 部分 / part 5
def sigmoid(out40):
    return np.exp(-np.logaddexp(0, -out40))


# 第 9 部分 / part 8
def softmax(out40):
    num10 = out40 - out40.max(axis=-1, keepdims=True)
    out25 = np.exp(num10)
    return out25 / out25.sum(axis=-1, keepdims=True)
