"""Run the public checks on your two_layer_net.py and print what to fix first.

    python -m checks                 (in the student folder)
    python -m autograder.checks student/two_layer_net.py   (in the course repo)

Exits 0 when every check passes, 1 otherwise.
"""
import sys
from pathlib import Path

from .collect import first_failure, run_checks, table
from .local import LocalSubmission, SubmissionMode

HERE = Path(__file__).resolve().parent


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    path = Path(argv[0]) if argv else HERE.parent / "two_layer_net.py"
    if not path.is_file():
        print(f"找不到 {path} / {path} not found")
        return 2
    tests = run_checks(SubmissionMode(LocalSubmission(path)))
    if not tests:
        print("没有运行任何检查：检查文件缺失或损坏。 / No check ran: the check files are missing or broken.")
        return 2
    print(f"公开检查 / public checks: {path}\n")
    print(table(tests))
    failed = first_failure(tests)
    if failed is None:
        print("\n全部通过！/ All public checks pass!")
        return 0
    print(f"\n先修这个 / Fix this first: {failed['name']}\n")
    print("\n".join("    " + line for line in failed["output"].splitlines()))
    return 1


if __name__ == "__main__":
    sys.exit(main())
