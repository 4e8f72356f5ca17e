"""Benchmark: wall time of grading one submission (read, sandbox, every check), as
`python -m autograder grade` does it. Goal: under 1 s on a 2-core machine.

    python benchmarks/bench_grade.py [--repeat N] [SUBMISSION]
"""
import argparse
import statistics
import time

from autograder.grade import grade
from autograder.reference import load_reference
from kit.modload import ROOT


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("submission", nargs="?", default=str(ROOT / "solution" / "two_layer_net.py"))
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    reference = load_reference()
    walls = []
    for _ in range(args.repeat):
        start = time.perf_counter()
        data = grade(args.submission, reference=reference)
        walls.append(time.perf_counter() - start)
    print(f"graded {args.submission}: score {data['score']:g}, {len(data['tests'])} checks")
    print(f"wall time per submission: median {statistics.median(walls):.3f} s, "
          f"min {min(walls):.3f} s, max {max(walls):.3f} s over {len(walls)} runs (goal: under 1 s)")


if __name__ == "__main__":
    main()
