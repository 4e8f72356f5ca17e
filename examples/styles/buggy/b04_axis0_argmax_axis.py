# -*- coding: utf-8 -*-
"""两层神经网络：用 numpy 从零实现，在 MNIST 上训练。
A two-layer neural network from scratch in numpy, trained on MNIST.

请补全每个 "YOUR CODE HERE" 部分，删去其中的 raise NotImplementedError。
Fill in every "YOUR CODE HERE" part and delete its raise NotImplementedError.

记号 / Notation: N 批大小 batch size, D 输入维度 input size, H 隐藏层大小
hidden size, K 类别数 number of classes.
"""
import numpy as np


def sigmoid(x):
    """Sigmoid 激活函数，逐元素计算 1 / (1 + exp(-x))。
    Element-wise sigmoid 1 / (1 + exp(-x)).

    x: 任意形状的 ndarray / ndarray of any shape.
    返回 / Returns: 与 x 形状相同的 ndarray / ndarray of x's shape.
    """
    # ============ 请补充代码 / YOUR CODE HERE (sigmoid) ============
    # 对整个数组一次计算 1 / (1 + np.exp(-x))，返回 ndarray，不要返回 list。
    # Compute 1 / (1 + np.exp(-x)) on the whole array at once; return an ndarray, not a list.
    return 1 / (1 + np.exp(-x))
    # ============ 请补充代码结束 / END OF YOUR CODE ============


def softmax(x):
    """Softmax：沿最后一个轴把分数变成概率。
    Softmax: turns scores into probabilities along the last axis.

    x: (K,) 或 (N, K) 的分数；不得修改 x 本身。
       scores of shape (K,) or (N, K); x itself must not be modified.
    返回 / Returns: 与 x 形状相同、每行和为 1 的概率 / probabilities of x's
    shape, each row summing to 1. 对很大的输入（如 1000）也是有限值。
    Finite even for large inputs such as 1000.
    """
    # ============ 请补充代码 / YOUR CODE HERE (softmax) ============
    # 先减去最后一个轴上的最大值（axis=-1, keepdims=True）以防溢出；用 x = x - ...，不要用 x -= ...（那会改写调用者的数组）。
    # Subtract the max along the last axis (axis=-1, keepdims=True) to avoid overflow; write x = x - ..., not x -= ... (which changes the caller's array).
    x = x - np.max(x, axis=-1, keepdims=True)   # 防止溢出
    exp_x = np.exp(x)
    return exp_x / np.sum(exp_x, axis=0, keepdims=True)
    # ============ 请补充代码结束 / END OF YOUR CODE ============


def cross_entropy_error(y, t):
    """交叉熵误差，对批次取平均。
    Cross-entropy error, averaged over the batch.

    y: (N, K) 或 (K,) 的预测概率（(K,) 视为一个样本的批次）。
       predicted probabilities, (N, K) or (K,) (a batch of one).
    t: 与 y 同形状的 one-hot 标签，或形状 (N,) 的整数标签。
       one-hot labels of y's shape, or integer labels of shape (N,).
    返回 / Returns: float，-sum_k t_k * log(y_k + 1e-7) 在批次上的平均值。
    the mean over the batch of -sum_k t_k * log(y_k + 1e-7).
    """
    # ============ 请补充代码 / YOUR CODE HERE (cross_entropy_error) ============
    # 把 (K,) 的输入变成 (1, K)；整数标签取 y[np.arange(N), t]；log 里加 1e-7；最后除以批大小 N。
    # Reshape (K,) input to (1, K); for integer labels pick y[np.arange(N), t]; add 1e-7 inside the log; divide by the batch size N.
    if y.ndim == 1:
        y = y.reshape(1, y.size)
        t = t.reshape(1, t.size) if t.size == y.size else t.reshape(1)
    N = y.shape[0]
    if t.ndim == 1:                      # 整数标签
        p = y[np.arange(N), t]
        return -np.sum(np.log(p + 1e-7)) / N
    return -np.sum(t * np.log(y + 1e-7)) / N
    # ============ 请补充代码结束 / END OF YOUR CODE ============


def numerical_gradient(f, x):
    """用中心差分求 f 在 x 处的数值梯度。
    Numerical gradient of f at x by central differences.

    f: 函数，接收数组 x，返回 float / a function taking the array x, returning a float.
    x: 任意形状的 ndarray（至少 1 维、2 维）/ ndarray of any shape (1-D and 2-D at least).
    返回 / Returns: 与 x 形状相同的梯度，grad[i] = (f(x+h) - f(x-h)) / 2h，h = 1e-4。
    the gradient, of x's shape. 返回时 x 保持原值 / x holds its original values afterwards.
    """
    # ============ 请补充代码 / YOUR CODE HERE (numerical_gradient) ============
    # 用 np.nditer(x, flags=['multi_index'], op_flags=['readwrite']) 遍历每个元素；先 +h 求 f，再 -h 求 f，用中心差分 (f1 - f2) / (2*h)；最后把 x[idx] 还原。
    # Visit every element with np.nditer(x, flags=['multi_index'], op_flags=['readwrite']); evaluate f at +h and at -h, take the central difference (f1 - f2) / (2*h), then restore x[idx].
    h = 1e-4
    grad = np.zeros_like(x)
    it = np.nditer(x, flags=['multi_index'], op_flags=['readwrite'])
    while not it.finished:
        idx = it.multi_index
        old = x[idx]
        x[idx] = old + h
        f1 = f(x)
        x[idx] = old - h
        f2 = f(x)
        grad[idx] = (f1 - f2) / (2 * h)
        x[idx] = old                     # 还原
        it.iternext()
    return grad
    # ============ 请补充代码结束 / END OF YOUR CODE ============


class TwoLayerNet:
    """两层全连接网络：输入 -> 仿射 -> sigmoid -> 仿射 -> softmax。
    Two-layer fully connected net: input -> affine -> sigmoid -> affine -> softmax.

    params（参数字典 / parameter dict）:
        W1: (D, H)  第一层权重 / first-layer weights
        b1: (H,)    第一层偏置 / first-layer biases
        W2: (H, K)  第二层权重 / second-layer weights
        b2: (K,)    第二层偏置 / second-layer biases
    """

    def __init__(self, input_size, hidden_size, output_size, weight_init_std=0.01):
        """input_size: D, hidden_size: H, output_size: K;
        weight_init_std: 权重初始化的标准差 / std of the initial weights."""
        self.params = {}
        self.params['W1'] = weight_init_std * np.random.randn(input_size, hidden_size)
        self.params['b1'] = np.zeros(hidden_size)
        self.params['W2'] = weight_init_std * np.random.randn(hidden_size, output_size)
        self.params['b2'] = np.zeros(output_size)

    def forward(self, x):
        """前向传播 / Forward pass.

        x: (N, D) 输入 / inputs.
        返回 / Returns: (N, K) 各类概率 softmax(sigmoid(x @ W1 + b1) @ W2 + b2).
        """
        # ============ 请补充代码 / YOUR CODE HERE (TwoLayerNet.forward) ============
        # 用 np.dot（或 @）算 x @ W1 + b1，经过 sigmoid，再 @ W2 + b2，最后 softmax。
        # Compute x @ W1 + b1 (np.dot or @), apply sigmoid, then @ W2 + b2, then softmax.
        a1 = np.dot(x, self.params['W1']) + self.params['b1']
        z1 = sigmoid(a1)
        a2 = np.dot(z1, self.params['W2']) + self.params['b2']
        return softmax(a2)
        # ============ 请补充代码结束 / END OF YOUR CODE ============

    def loss(self, x, t):
        """损失 / Loss.

        x: (N, D) 输入 / inputs; t: (N, K) one-hot 或 (N,) 整数标签 / labels.
        返回 / Returns: float, cross_entropy_error(forward(x), t).
        """
        # ============ 请补充代码 / YOUR CODE HERE (TwoLayerNet.loss) ============
        # 先前向传播，再调用 cross_entropy_error。
        # Run the forward pass, then call cross_entropy_error.
        return cross_entropy_error(self.forward(x), t)
        # ============ 请补充代码结束 / END OF YOUR CODE ============

    def accuracy(self, x, t):
        """预测精度 / Accuracy.

        x: (N, D) 输入 / inputs; t: (N, K) one-hot 或 (N,) 整数标签 / labels.
        返回 / Returns: float, 预测类别（forward 的 argmax）等于真实类别的比例。
        the fraction of rows whose predicted class (argmax of forward) is the true one.
        """
        # ============ 请补充代码 / YOUR CODE HERE (TwoLayerNet.accuracy) ============
        # 预测类别是 np.argmax(y, axis=1)；t 是 one-hot 时也取 argmax；相等的个数除以 N。
        # The predicted class is np.argmax(y, axis=1); take argmax of t too when it is one-hot; count matches and divide by N.
        pred = np.argmax(self.forward(x), axis=0)
        if t.ndim != 1:
            t = np.argmax(t, axis=1)
        return np.sum(pred == t) / x.shape[0]
        # ============ 请补充代码结束 / END OF YOUR CODE ============

    def numerical_gradient(self, x, t):
        """用数值微分求损失对各参数的梯度（慢，用来检验 gradient）。
        Gradients of the loss by numerical differentiation (slow; checks `gradient`).

        x: (N, D); t: (N, K) 或 (N,).
        返回 / Returns: dict，键 W1 b1 W2 b2，形状与 params 相同 / same shapes as params.
        """
        # ============ 请补充代码 / YOUR CODE HERE (TwoLayerNet.numerical_gradient) ============
        # 定义 loss_W = lambda W: self.loss(x, t)，对每个参数调用模块级的 numerical_gradient(loss_W, self.params[key])。
        # Define loss_W = lambda W: self.loss(x, t) and call the module-level numerical_gradient(loss_W, self.params[key]) for each parameter.
        loss_W = lambda W: self.loss(x, t)
        grads = {}
        for key in ('W1', 'b1', 'W2', 'b2'):
            grads[key] = numerical_gradient(loss_W, self.params[key])
        return grads
        # ============ 请补充代码结束 / END OF YOUR CODE ============

    def gradient(self, x, t):
        """用反向传播求损失对各参数的梯度（快）。
        Gradients of the loss by backpropagation (fast).

        x: (N, D); t: (N, K) one-hot 或 (N,) 整数标签 / labels.
        返回 / Returns: dict，键 W1 b1 W2 b2，形状与 params 相同 / same shapes as params.
        """
        # ============ 请补充代码 / YOUR CODE HERE (TwoLayerNet.gradient) ============
        # 先前向传播并保存 z1 = sigmoid(a1)；输出层误差 dy = (y - t_onehot) / N（别忘了除以批大小）；sigmoid 的导数是 z1 * (1 - z1)。
        # Run the forward pass keeping z1 = sigmoid(a1); the output error is dy = (y - t_onehot) / N (do divide by the batch size); sigmoid's derivative is z1 * (1 - z1).
        W1, b1 = self.params['W1'], self.params['b1']
        W2, b2 = self.params['W2'], self.params['b2']
        N = x.shape[0]

        a1 = np.dot(x, W1) + b1
        z1 = sigmoid(a1)
        y = softmax(np.dot(z1, W2) + b2)
        if t.ndim == 1:                      # 整数标签 -> one-hot
            t_onehot = np.zeros_like(y)
            t_onehot[np.arange(N), t] = 1
            t = t_onehot

        dy = (y - t) / N                     # 别忘了除以批大小
        dz1 = np.dot(dy, W2.T)
        da1 = dz1 * z1 * (1 - z1)            # sigmoid 的导数
        grads = {}
        grads['W2'] = np.dot(z1.T, dy)
        grads['b2'] = np.sum(dy, axis=0)
        grads['W1'] = np.dot(x.T, da1)
        grads['b1'] = np.sum(da1, axis=0)
        return grads
        # ============ 请补充代码结束 / END OF YOUR CODE ============

    def train_model(self, x_train, t_train, x_test, t_test,
                    iters_num=10000, batch_size=10, learning_rate=0.1):
        """小批量随机梯度下降训练 / Mini-batch SGD training.

        x_train: (N_train, D); t_train: (N_train, K) 或 (N_train,);
        x_test: (N_test, D); t_test: (N_test, K) 或 (N_test,).
        iters_num: 迭代次数 / number of iterations;
        batch_size: 每批样本数 / samples per batch; learning_rate: 学习率.
        返回 / Returns: (train_loss_list, train_acc_list, test_acc_list)：每次迭代
        一个损失；每个 epoch 一个训练集、测试集精度。
        one loss per iteration; one train and one test accuracy per epoch.
        """
        # 获取训练数据规模 / size of the training set
        train_size = x_train.shape[0]

        # 创建记录模型训练损失值的列表 / losses, one per iteration
        train_loss_list = []
        # 创建记录模型在训练数据集上预测精度的列表 / train accuracy, one per epoch
        train_acc_list = []
        # 创建记录模型在测试数据集上预测精度的列表 / test accuracy, one per epoch
        test_acc_list = []

        iter_per_epoch = max(train_size / batch_size, 1)
        ###请补充创建训练循环的代码
        # ============ 请补充代码 / YOUR CODE HERE (TwoLayerNet.train_model) ============
        # 训练循环的迭代：i 从 0 走到 iters_num - 1。写成 iterations = range(...)，下面的 for 循环已经写好。
        # The training loop's iterations: i goes from 0 to iters_num - 1. Write iterations = range(...); the for loop below is given.
        iterations = range(iters_num)
        # ============ 请补充代码结束 / END OF YOUR CODE ============
        for i in iterations:
            # 在每次训练迭代内部选择一个批次的数据 / draw this iteration's batch
            batch_mask = np.random.choice(train_size, batch_size)
            x_batch = x_train[batch_mask]
            t_batch = t_train[batch_mask]

            grad = self.gradient(x_batch, t_batch)
            ###请补充更新模型参数的代码
            # ============ 请补充代码 / YOUR CODE HERE (TwoLayerNet.train_model) ============
            # 对 W1 b1 W2 b2 每个参数做 params[key] -= learning_rate * grad[key]；更新完后（在这个 for 循环之外）算一次这批数据的损失，append 到 train_loss_list：每次迭代只加一个。
            # For each of W1 b1 W2 b2 do params[key] -= learning_rate * grad[key]; after the update (outside that for loop) compute this batch's loss once and append it to train_loss_list: one per iteration.
            for key in ('W1', 'b1', 'W2', 'b2'):
                self.params[key] -= learning_rate * grad[key]
            train_loss_list.append(self.loss(x_batch, t_batch))
            # ============ 请补充代码结束 / END OF YOUR CODE ============

            # 判断是否完成了一个epoch，即所有训练数据都遍历完一遍
            # once per epoch (every iter_per_epoch iterations)
            if i % iter_per_epoch == 0:
                ###请补充向train_acc_list列表添加当前模型对于训练集预测精度的代码
                # ============ 请补充代码 / YOUR CODE HERE (TwoLayerNet.train_model) ============
                # 用 self.accuracy 计算整个训练集 (x_train, t_train) 上的精度并 append。
                # Append self.accuracy on the whole training set (x_train, t_train).
                train_acc_list.append(self.accuracy(x_train, t_train))
                # ============ 请补充代码结束 / END OF YOUR CODE ============
                ###请补充向test_acc_list列表添加当前模型对于测试集预测精度的代码
                # ============ 请补充代码 / YOUR CODE HERE (TwoLayerNet.train_model) ============
                # 同样地，append 整个测试集 (x_test, t_test) 上的精度。
                # Likewise, append the accuracy on the whole test set (x_test, t_test).
                test_acc_list.append(self.accuracy(x_test, t_test))
                # ============ 请补充代码结束 / END OF YOUR CODE ============
                # 输出模型在训练集和测试集上的精度以及损失值 / progress
                print("iteration {:>6} | train acc {:.4f} | test acc {:.4f} | loss {:.4f}".format(
                    i, train_acc_list[-1], test_acc_list[-1], train_loss_list[-1]))

        return train_loss_list, train_acc_list, test_acc_list
