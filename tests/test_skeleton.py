"""The student skeleton is generated from the solution, and the generator handles tricky markers."""
import textwrap

import pytest

from autograder.paths import ROOT, load_module
from kit.skeleton import MarkerError, holes, make_skeleton

SOLUTION = ROOT / "solution" / "two_layer_net.py"
STUDENT = ROOT / "student" / "two_layer_net.py"
SEED_HOLES = [
    "###请补充创建训练循环的代码",
    "###请补充更新模型参数的代码",
    "###请补充向train_acc_list列表添加当前模型对于训练集预测精度的代码",
    "###请补充向test_acc_list列表添加当前模型对于测试集预测精度的代码",
]


def test_committed_skeleton_is_what_the_generator_makes():
    expected = make_skeleton(SOLUTION.read_text(encoding="utf-8"))
    assert STUDENT.read_text(encoding="utf-8") == expected, "run `make student`"


def test_example_class_holds_the_current_reference_and_skeleton():
    examples = ROOT / "examples" / "submissions"
    assert (examples / "reference_1000_5000_two_layer_net.py").read_bytes() == SOLUTION.read_bytes(), \
        "run `make student`"
    assert (examples / "untouched_1007_5007_two_layer_net.py").read_bytes() == STUDENT.read_bytes(), \
        "run `make student`"


def test_skeleton_keeps_the_seed_comments_each_right_before_a_hole():
    lines = STUDENT.read_text(encoding="utf-8").splitlines()
    for comment in SEED_HOLES:
        [index] = [i for i, line in enumerate(lines) if line.strip() == comment]
        assert "YOUR CODE HERE" in lines[index + 1]


def test_skeleton_holds_no_solution_code():
    source = SOLUTION.read_text(encoding="utf-8")
    skeleton_lines = {line.strip() for line in STUDENT.read_text(encoding="utf-8").splitlines()}
    for _, name, _, body in holes(source):
        for line in body:
            code = line.strip()
            if code and not code.startswith("#"):
                assert code not in skeleton_lines, f"{name}: solution line leaked: {code}"


def test_every_hole_raises_not_implemented():
    import numpy as np
    skeleton = load_module(STUDENT)
    x = np.zeros((2, 3))
    calls = {
        "sigmoid": lambda: skeleton.sigmoid(x),
        "softmax": lambda: skeleton.softmax(x),
        "cross_entropy_error": lambda: skeleton.cross_entropy_error(x, x),
        "numerical_gradient": lambda: skeleton.numerical_gradient(np.sum, x),
    }
    net = skeleton.TwoLayerNet(3, 2, 2)
    for method in ("forward", "loss", "accuracy", "numerical_gradient", "gradient"):
        args = (x,) if method == "forward" else (x, np.array([0, 1]))
        calls[f"TwoLayerNet.{method}"] = lambda m=method, a=args: getattr(net, m)(*a)
    calls["TwoLayerNet.train_model"] = lambda: net.train_model(x, np.array([0, 1]), x, np.array([0, 1]))
    for name, call in calls.items():
        with pytest.raises(NotImplementedError, match=name.replace(".", r"\.")):
            call()


TRICKY = textwrap.dedent('''
    class Outer:
        class Inner:
            def deep(self, xs):
                total = 0
                for x in xs:
                    if x:
                        # BEGIN SOLUTION
                        # HINT: 加上 x
                        # HINT: add x
                        total += x
                        # END SOLUTION
                return total

    def loop(n):
        out = []
        # BEGIN SOLUTION
        # HINT: 循环 n 次
        # HINT: loop n times
        steps = range(n)
        # END SOLUTION
        for i in steps:
            out.append(i)
        return out
''')


def test_generator_on_nested_indentation_and_a_hole_before_a_loop():
    skeleton = make_skeleton(TRICKY)
    assert "total += x" not in skeleton and "range(n)" not in skeleton
    assert 'raise NotImplementedError("Outer.Inner.deep:' in skeleton
    assert 'raise NotImplementedError("loop:' in skeleton
    assert "# 加上 x" in skeleton and "# add x" in skeleton
    namespace = {}
    exec(compile(skeleton, "tricky", "exec"), namespace)  # the loop body stays valid Python
    with pytest.raises(NotImplementedError):
        namespace["loop"](3)
    # the `raise` of the inner hole sits at the indentation of its markers
    line = next(text for text in skeleton.splitlines() if "Outer.Inner.deep" in text and "raise" in text)
    assert line.startswith(" " * 20 + "raise")


@pytest.mark.parametrize("source, message", [
    ("# BEGIN SOLUTION\n# HINT: h\nx = 1\n", "never closed"),
    ("x = 1\n# END SOLUTION\n", "without"),
    ("# BEGIN SOLUTION\n# HINT: h\n# BEGIN SOLUTION\n# END SOLUTION\n", "inside the hole"),
    ("def f():\n    # BEGIN SOLUTION\n    return 1\n    # END SOLUTION\n", "no '# HINT:' line"),
    ("# BEGIN SOLUTION\n# HINT: only English\nx = 1\n# END SOLUTION\n", "a Chinese and an English"),
    ("# BEGIN SOLUTION\n# HINT: 只有中文\nx = 1\n# END SOLUTION\n", "a Chinese and an English"),
    # a hole ending with a loop header: the student's line would have to carry the body after it
    ("# BEGIN SOLUTION\n# HINT: 循环\n# HINT: loop\nfor i in range(3):  # go\n# END SOLUTION\n    pass\n",
     "ends with a block opener"),
])
def test_generator_refuses_malformed_markers(source, message):
    with pytest.raises(MarkerError, match=message):
        make_skeleton(source)
