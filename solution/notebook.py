# ---
# jupyter:
#   jupytext:
#     formats: py:percent
# ---

# %% [markdown] for_ta=true
# The narrative of the notebook edition (jupytext's percent format), edited by TAs.
# `make student` (python -m kit.notebook) turns it and solution/two_layer_net.py into
# student/two_layer_net.ipynb (the skeleton's code) and solution/two_layer_net.ipynb
# (the reference's, for TAs only). Cells marked for_ta=true, such as this one, are left out.
#
# - `# %% solution="NAME"`: the top-level def or class NAME of solution/two_layer_net.py
#   (`solution="imports"`: its other module-level statements), copied in; leave it empty.
# - `# %% check="FUNCTION"`: that function's public checks (check.py's verdict); leave it empty.
# - Every other code cell is copied as it is and, like the check cells, is not graded
#   (tagged otter_ignore; the grader reads only definitions and what they use anyway).
# - A function of the solution that no cell places gets a heading, a cell and a check
#   cell of its own after the one before it; write its narrative here when you can.

# %% [markdown]
# # 两层神经网络：用 numpy 从零实现，在 MNIST 上训练
# # A two-layer neural network from scratch in numpy, trained on MNIST
#
# 这个 notebook 和 `two_layer_net.py` 是同一份作业：每个函数先有说明和公式，然后是要补全的代码单元格，
# 接着是一个检查单元格。它运行的就是 `python check.py` 的公开检查，给出同样的结果：没通过时打印哪里不对、
# 可能的错误和可以粘贴进 Python 重现问题的代码。最后在真实的 MNIST 上训练你的网络，并看看它学到了什么。
#
# 怎么做：从上到下运行单元格（Shift+Enter）。在代码单元格里补全 `请补充代码 / YOUR CODE HERE` 部分，
# 删去其中的 `raise NotImplementedError`，运行这个单元格，再运行它下面的检查单元格。
# 检查的是内核里现在的代码：改了一个单元格，要先重新运行它。
#
# This notebook is the same assignment as `two_layer_net.py`: each function comes with its
# explanation and formula, then the code cell you complete, then a check cell. The check
# cells run the public checks of `python check.py` and give the same verdict: when one
# fails, they print what went wrong, the likely mistake, and code you can paste into
# Python to reproduce it. At the end you train your network on the real MNIST and look
# at what it learned.
#
# How: run the cells from top to bottom (Shift+Enter). In a code cell, fill in the
# `请补充代码 / YOUR CODE HERE` part and delete its `raise NotImplementedError`, run that
# cell, then run the check cell below it. The checks see the code your kernel has now:
# after changing a cell, run it again.
#
# 提交 / Submit: 保存后提交 `two_layer_net.ipynb`（或 `two_layer_net.py`）。评分只读函数和类的定义以及它们
# 用到的 import，检查、训练和画图的单元格不评分。
# Save, then submit `two_layer_net.ipynb` (or `two_layer_net.py`). Grading reads only the
# function and class definitions and the imports they use; the check, training and
# picture cells are not graded.
#
# 记号 / Notation: $N$ 批大小 batch size, $D$ 输入维度 input size (784), $H$ 隐藏层大小
# hidden size, $K$ 类别数 number of classes (10).

# %% solution="imports"

# %%
# 检查用的工具，图显示在单元格下面（不评分）/ the checks' tools; pictures show below their cells (not graded)
# %matplotlib inline
from autograder.checks.notebook import check, check_all, unfinished

# %% [markdown]
# ## 1. 基本函数 / The basic functions
#
# ### 1.1 激活函数 sigmoid / The activation function sigmoid
#
# 激活函数决定如何激活输入信号的总和。第一层做线性运算的输出要经过 sigmoid 函数：
#
# The activation function decides how the sum of the input signals activates the unit.
# The output of the first layer's linear part goes through the sigmoid:
#
# $$h(x) = \frac{1}{1 + \exp(-x)}$$
#
# 对整个数组逐元素计算，返回与 `x` 形状相同的 ndarray（不是 list）。
# Element-wise on the whole array: return an ndarray of `x`'s shape (not a list).

# %% solution="sigmoid"

# %% check="sigmoid"

# %% [markdown]
# ### 1.2 softmax
#
# 手写数字识别是分类问题。softmax 的输出是 0.0 到 1.0 之间的实数，和为 1，可以解释为每个类别的概率，
# 所以第二层的输出经过 softmax 得到预测结果：
#
# Recognising digits is a classification problem. Softmax turns scores into numbers
# between 0.0 and 1.0 that sum to 1, the probability of each class, so the second
# layer's output goes through softmax to give the prediction:
#
# $$y_k = \frac{\exp(a_k)}{\sum_{i=1}^{n} \exp(a_i)}$$
#
# 分子是输入信号 $a_k$ 的指数，分母是所有输入信号的指数之和，$n$ 是输入信号的个数。
# $\exp$ 对很大的输入会溢出，所以先减去最大值（结果不变）：
# The numerator is the exponential of the input $a_k$, the denominator the sum of the
# exponentials of all $n$ inputs. $\exp$ overflows for large inputs, so subtract the
# maximum first (the result is the same):
#
# $$y_k = \frac{\exp(a_k - \max_i a_i)}{\sum_{i=1}^{n} \exp(a_i - \max_i a_i)}$$
#
# 沿最后一个轴计算：`x` 可以是 $(K,)$ 或 $(N, K)$；不要修改 `x` 本身。
# Along the last axis: `x` is $(K,)$ or $(N, K)$; do not modify `x` itself.

# %% solution="softmax"

# %% check="softmax"

# %% [markdown]
# ### 1.3 损失函数：交叉熵误差 / The loss: cross-entropy error
#
# 本实验用交叉熵误差作为损失函数。$\log$ 是以 $e$ 为底的自然对数，$y_k$ 是网络的输出，$t_k$ 是正确解标签
# （one-hot）：
# The loss is the cross-entropy error. $\log$ is the natural logarithm, $y_k$ the
# network's output and $t_k$ the correct label (one-hot):
#
# $$E = -\sum_k t_k \log y_k$$
#
# 对一个批次的 $N$ 个样本取平均，并在 $\log$ 里加一个微小值 $10^{-7}$，防止 $\log 0$：
# Averaged over the $N$ samples of a batch, with a tiny $10^{-7}$ inside the $\log$ so
# that $\log 0$ never happens:
#
# $$E = -\frac{1}{N} \sum_{n=1}^{N} \sum_k t_{nk} \log\left(y_{nk} + 10^{-7}\right)$$
#
# `y` 是 $(N, K)$ 或 $(K,)$（一个样本的批次）；`t` 是与 `y` 同形状的 one-hot 标签，或形状 $(N,)$ 的整数标签。
# `y` is $(N, K)$ or $(K,)$ (a batch of one); `t` is one-hot with `y`'s shape, or integer
# labels of shape $(N,)$.

# %% solution="cross_entropy_error"

# %% check="cross_entropy_error"

# %% [markdown]
# ### 1.4 数值梯度 / The numerical gradient
#
# 由全部参数的偏导数汇总而成的向量称为梯度。这里用中心差分求导（比前向差分 $\frac{f(x+h)-f(x)}{h}$ 误差小）：
# The vector of the partial derivatives with respect to every parameter is the
# gradient. We use the central difference (more accurate than the forward difference
# $\frac{f(x+h)-f(x)}{h}$):
#
# $$\frac{df(x)}{dx} = \lim_{h \to 0} \frac{f(x+h) - f(x-h)}{2h}, \qquad h = 10^{-4}$$
#
# 对 `x` 的每个元素分别计算（`x` 可以是任意形状），算完后把该元素还原：返回时 `x` 必须保持原值。
# For every element of `x` in turn (any shape), then put that element back: `x` must
# hold its original values when the function returns.

# %% solution="numerical_gradient"

# %% check="numerical_gradient"

# %% [markdown]
# ## 2. 两层神经网络 TwoLayerNet / The two-layer network TwoLayerNet
#
# 输入 → 仿射 → sigmoid → 仿射 → softmax。`input_size`、`hidden_size`、`output_size` 分别是输入层、
# 隐藏层、输出层的神经元数量（$D$、$H$、$K$）。`params` 是保存参数的字典：
# Input → affine → sigmoid → affine → softmax. `input_size`, `hidden_size` and
# `output_size` are the numbers of units of the input, hidden and output layers ($D$,
# $H$, $K$). `params` is the dict of parameters:
#
# | key | shape | |
# |---|---|---|
# | `W1` | $(D, H)$ | 第一层权重 first-layer weights, `weight_init_std * np.random.randn(D, H)` |
# | `b1` | $(H,)$ | 第一层偏置 first-layer biases, zeros |
# | `W2` | $(H, K)$ | 第二层权重 second-layer weights |
# | `b2` | $(K,)$ | 第二层偏置 second-layer biases, zeros |
#
# `__init__` 已经写好。一个类不能拆到几个单元格里，所以下面一个单元格里有全部六个方法，每个方法的说明和
# 检查在这个单元格之后。补全一个方法后，重新运行这个单元格，再运行那个方法的检查。
# `__init__` is given. A class cannot be split over several cells, so the cell below
# holds all six methods; each method's explanation and check follow the cell. After
# completing a method, run this cell again, then that method's check.

# %% solution="TwoLayerNet"

# %% [markdown]
# ### 2.1 `forward`：前向传播 / the forward pass
#
# $$a_1 = x W_1 + b_1, \qquad z_1 = \mathrm{sigmoid}(a_1), \qquad a_2 = z_1 W_2 + b_2, \qquad y = \mathrm{softmax}(a_2)$$
#
# `x` 是 $(N, D)$，返回 $(N, K)$ 的概率。用上面写好的 `sigmoid` 和 `softmax`。
# `x` is $(N, D)$; returns $(N, K)$ probabilities. Use your `sigmoid` and `softmax` above.

# %% check="TwoLayerNet.forward"

# %% [markdown]
# ### 2.2 `loss`：损失 / the loss
#
# $$L = E\big(\mathrm{forward}(x),\ t\big)$$
#
# 先前向传播，再用 `cross_entropy_error` 求交叉熵误差。
# The forward pass, then `cross_entropy_error`.

# %% check="TwoLayerNet.loss"

# %% [markdown]
# ### 2.3 `accuracy`：识别精度 / the accuracy
#
# $$\mathrm{accuracy} = \frac{1}{N} \sum_{n=1}^{N} \left[\arg\max_k y_{nk} = \text{真实类别 / true class of } n\right]$$
#
# 预测类别是 `forward(x)` 每行的 argmax；`t` 是 one-hot 时也取 argmax。
# The predicted class is the argmax of each row of `forward(x)`; take the argmax of `t`
# too when it is one-hot.

# %% check="TwoLayerNet.accuracy"

# %% [markdown]
# ### 2.4 `numerical_gradient`：用数值微分求参数的梯度 / gradients by numerical differentiation
#
# $$\frac{\partial L}{\partial W} \quad \text{对每个参数 / for each of } W_1, b_1, W_2, b_2$$
#
# 用 1.4 的 `numerical_gradient(f, x)`：`f` 是 `lambda W: self.loss(x, t)`，`x` 是参数数组本身
# （`numerical_gradient` 改变它的元素，损失就跟着变）。很慢，只用来检验下面的 `gradient`。
# Use `numerical_gradient(f, x)` of 1.4: `f` is `lambda W: self.loss(x, t)`, `x` the
# parameter array itself (as `numerical_gradient` changes its elements, the loss
# changes). Slow: only for checking `gradient` below.

# %% check="TwoLayerNet.numerical_gradient"

# %% [markdown]
# ### 2.5 `gradient`：反向传播 / backpropagation
#
# 与 `numerical_gradient` 结果相同，但用链式法则一次算出，快得多。$t$ 是 one-hot（整数标签先转成 one-hot）：
# The same result as `numerical_gradient`, computed at once by the chain rule, far
# faster. $t$ is one-hot (turn integer labels into one-hot first):
#
# $$\delta_2 = \frac{y - t}{N}, \qquad \frac{\partial L}{\partial W_2} = z_1^\top \delta_2, \qquad \frac{\partial L}{\partial b_2} = \sum_{n} \delta_2$$
#
# $$\delta_1 = \left(\delta_2 W_2^\top\right) \odot z_1 \odot (1 - z_1), \qquad \frac{\partial L}{\partial W_1} = x^\top \delta_1, \qquad \frac{\partial L}{\partial b_1} = \sum_{n} \delta_1$$
#
# 其中 $z_1 (1 - z_1)$ 是 sigmoid 的导数，$\sum_n$ 对批次（第 0 个轴）求和。
# $z_1 (1 - z_1)$ is the sigmoid's derivative; $\sum_n$ sums over the batch (axis 0).

# %% check="TwoLayerNet.gradient"

# %% [markdown]
# ### 2.6 `train_model`：小批量随机梯度下降 / mini-batch stochastic gradient descent
#
# 每次迭代随机选 `batch_size` 个样本（`np.random.choice(train_size, batch_size)`），用 `gradient` 求梯度，
# 把每个参数沿梯度的反方向更新一小步，并记录这一批的损失（每次迭代一个）：
# Each iteration draws `batch_size` samples (`np.random.choice(train_size, batch_size)`),
# computes the gradient with `gradient`, moves every parameter a small step against its
# gradient, and records that batch's loss (one per iteration):
#
# $$W \leftarrow W - \eta \frac{\partial L}{\partial W}, \qquad \eta = \texttt{learning\_rate}$$
#
# 每个 epoch（所有训练数据都遍历一遍，即 `iter_per_epoch = max(train_size / batch_size, 1)` 次迭代）
# 记录一次整个训练集和整个测试集上的精度。训练循环里保留了原作业的四个 `###请补充…` 注释。
# Once per epoch (every `iter_per_epoch = max(train_size / batch_size, 1)` iterations),
# record the accuracy on the whole training set and on the whole test set. The training
# loop keeps the original assignment's four `###请补充…` comments.

# %% check="TwoLayerNet.train_model"

# %% [markdown]
# ## 3. 在 MNIST 上训练 / Training on MNIST
#
# 和 `python train.py` 一样：784-100-10 的网络，批大小 100，学习率 1.0，15 个 epoch，float32，
# 用你自己的 `train_model`。正确的实现最后的测试精度约 97%–98%。用时从空闲机器上的约 5 秒到繁忙机器上的一分钟。
# As `python train.py` does: a 784-100-10 network, batch 100, learning rate 1.0, 15
# epochs, float32, with your own `train_model`. A correct implementation ends at about
# 97%–98% test accuracy. It takes from about 5 s on an idle machine to a minute on a
# busy one.

# %%
import types

from IPython.display import display

from mnist import load_mnist
from pictures import confusion, curves, first_layer, mistakes
from train import train

net = None
todo = unfinished()
if todo:
    print("训练要用到上面所有的函数。先完成这些，再运行这个单元格：")
    print("Training uses every function above. Finish these first, then run this cell again:")
    print("    " + ", ".join(todo))
else:
    data = load_mnist(normalize=True, one_hot_label=True, data_dir="data")
    net, losses, train_acc, test_acc, seconds = train(types.SimpleNamespace(TwoLayerNet=TwoLayerNet), "data",
                                                      data=data)
    print(f"final test accuracy: {test_acc[-1]:.4f} (training took {seconds:.1f} s)")
    (_, _), (x_test, t_test) = data
    predicted = net.forward(x_test).argmax(axis=1)       # for the pictures below
    display(curves(losses, train_acc, test_acc, f"784-100-10, batch 100, lr 1.0: test accuracy {test_acc[-1]:.4f}"))

# %% [markdown]
# ## 4. 网络学到了什么 / What the network learned
#
# ### 4.1 第一层的权重 / The first layer's weights
#
# 每个隐藏单元有 784 个输入权重，排成 28×28 就是一张图：红色的像素有笔画时让这个单元更活跃，蓝色的让它更不活跃。
# 训练后很多单元像是笔画或数字局部的模板；没训练好时只是噪声。
# Each hidden unit has 784 input weights; laid out as 28×28 they make an image: ink on
# red pixels makes the unit more active, ink on blue ones less. After training many
# units look like templates of strokes or parts of digits; untrained, they are noise.

# %%
if net is None:
    print("训练之后才有这张图（上面的训练单元格）。/ This picture appears after training (the cell above).")
else:
    display(first_layer(net.params["W1"]))

# %% [markdown]
# ### 4.2 分错的测试图片 / Misclassified test digits
#
# 测试集中被分错的前 40 张图，每张标出预测的类别和真实的类别。很多连人也不容易认。
# The first 40 test images the network got wrong, each with its predicted and its true
# label. Many are hard for people too.

# %%
if net is None:
    print("训练之后才有这张图（上面的训练单元格）。/ This picture appears after training (the cell above).")
else:
    display(mistakes(x_test, t_test, predicted))

# %% [markdown]
# ### 4.3 混淆矩阵 / The confusion matrix
#
# 第 $i$ 行第 $j$ 列是真实数字为 $i$、被预测为 $j$ 的测试图片数。对角线是分对的；对角线以外最大的几格
# 说明哪些数字最容易混淆（例如 4 和 9、3 和 5）。
# Row $i$, column $j$: how many test images of the digit $i$ were predicted as $j$. The
# diagonal is right; the largest cells off it show which digits get confused (4 and 9,
# 3 and 5, for example).

# %%
if net is None:
    print("训练之后才有这张图（上面的训练单元格）。/ This picture appears after training (the cell above).")
else:
    display(confusion(t_test, predicted))

# %% [markdown]
# ## 5. 全部公开检查 / Every public check
#
# 和 `python check.py` 相同的总表。公开检查全部通过并不保证满分：评分时还有隐藏检查。
# The same summary table as `python check.py`. Passing every public check does not
# guarantee full marks: grading adds hidden checks.

# %%
check_all()
