"""Benchmark: wall time of grading one submission, for each box this machine has.

For every mode (bwrap, landlock, none) it runs the whole command a TA or Gradescope
runs, ``python -m autograder grade SUBMISSION --out DIR``, several times and prints
the median; then the in-process time of ``grade()`` alone (a warm grader, as in
``bulk``). Goal: at most 0.6 s per command with a box, on a 2-core machine.

    python benchmarks/bench_grade.py [--repeat N] [SUBMISSION]
"""
import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
import warnings

from autograder.grade import grade
from autograder.reference import load_reference
from autograder.sandbox import status_report
from autograder.paths import ROOT


def command_times(submission, mode, repeat):
    env = dict(os.environ, AUTOGRADER_SANDBOX=mode)
    walls = []
    with tempfile.TemporaryDirectory() as out:
        for _ in range(repeat):
            start = time.perf_counter()
            done = subprocess.run([sys.executable, "-m", "autograder", "grade", submission, "--out", out],
                                  env=env, capture_output=True, text=True)
            walls.append(time.perf_counter() - start)
            if done.returncode != 0:
                raise SystemExit(f"grade failed in mode {mode}: {done.stderr[-500:]}")
    return walls


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("submission", nargs="?", default=str(ROOT / "solution" / "two_layer_net.py"))
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    modes = [name for name, (ok, why) in status_report().items() if ok or print(f"{name}: unusable ({why})")]
    for mode in modes + ["none"]:
        walls = command_times(args.submission, mode, args.repeat)
        print(f"`grade` command, {mode:8s} box: median {statistics.median(walls):.3f} s, "
              f"min {min(walls):.3f} s, max {max(walls):.3f} s over {len(walls)} runs"
              + ("" if mode == "none" else " (goal: at most 0.6 s)"))
    reference = load_reference()
    warnings.simplefilter("ignore", RuntimeWarning)
    for mode in modes:
        os.environ["AUTOGRADER_SANDBOX"] = mode
        walls = []
        for _ in range(args.repeat):
            start = time.perf_counter()
            data = grade(args.submission, reference=reference)
            walls.append(time.perf_counter() - start)
        print(f"grade() in a warm process, {mode:8s} box: median {statistics.median(walls):.3f} s "
              f"(score {data['score']:g}, {len(data['tests'])} checks)")


if __name__ == "__main__":
    main()
