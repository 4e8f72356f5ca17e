"""Run the public checks on your two_layer_net.py and print what to fix first.

    python -m checks                 (in the student folder)
    python -m autograder.checks student/two_layer_net.py   (in the course repo)

Exits 0 when every check passes, 1 otherwise.
"""
import sys
from pathlib import Path

from .runner import first_failure, run_checks, table
from .local import LocalSubmission, CheckTarget
from .support import load_known

HERE = Path(__file__).resolve().parent


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    path = Path(argv[0]) if argv else HERE.parent / "two_layer_net.py"
    if not path.is_file():
        print(f"找不到 {path} / {path} not found")
        return 2
    tests = run_checks(CheckTarget(LocalSubmission(path)))
    if not tests:
        print("没有运行任何检查：检查文件缺失或损坏。 / No check ran: the check files are missing or broken.")
        return 2
    print(f"公开检查 / public checks: {path}\n")
    print(table(tests))
    public, total = sum(t["max_score"] for t in tests), sum(
        v for k, v in load_known().items() if k.startswith("points."))
    print(f"\n公开检查共 {public:g} 分，总分 {total:g}，其余是评分时的隐藏检查。"
          f"\nThe public checks are worth {public:g} of {total:g} points; hidden checks grade the rest.")
    print("本机检查一个函数时会用到你写的其他函数（评分时它们换成参考答案），所以请先修最前面的函数。"
          "\nHere a check also runs your other functions (the grader swaps in the reference's), "
          "so fix the earliest function first.")
    failed = first_failure(tests)
    if failed is None:
        print("\n全部通过！/ All public checks pass!")
        return 0
    print(f"\n先修这个 / Fix this first: {failed['name']}\n")
    print("\n".join("    " + line for line in failed["output"].splitlines()))
    return 1


if __name__ == "__main__":
    sys.exit(main())
