"""运行公开检查，打印每个函数的得分和最先要修的问题。
Run the public checks on two_layer_net.py and print points per function and what to fix first.

    python check.py                     # 检查本文件夹的 two_layer_net.py / checks ./two_layer_net.py
    python check.py path/to/two_layer_net.py
    python check.py --json              # 评分器 results.json 的格式 / the grader's results.json format
    python check.py --help

每次调用都在子进程里运行，有评分时同样的时间限制；Ctrl-C 随时停止。
Each call runs in a child process with the grader's time limit; Ctrl-C stops at any time.
Exits 0 when every public check passes. / 全部通过时退出码为 0。
"""
import sys
from pathlib import Path

from autograder.checks.__main__ import main   # the grader's own checks (autograder/ beside this file)

if __name__ == "__main__":
    sys.exit(main(default=Path(__file__).resolve().parent / "two_layer_net.py"))
