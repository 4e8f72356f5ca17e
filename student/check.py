"""运行公开检查，打印每个函数的得分和最先要修的问题。
Run the public checks on two_layer_net.py and print points per function and what to fix first.

    python check.py                     # 检查本文件夹的 two_layer_net.py / checks ./two_layer_net.py
    python check.py path/to/two_layer_net.py

Exits 0 when every public check passes. / 全部通过时退出码为 0。
"""
import sys
from pathlib import Path

try:  # the student package: the checks sit beside this file
    from checks.__main__ import main
except ImportError:  # the course repo: the checks live in the autograder
    from autograder.checks.__main__ import main

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:] or [str(Path(__file__).resolve().parent / "two_layer_net.py")]))
