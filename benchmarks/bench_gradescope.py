"""Benchmark: wall time of run_autograder for the reference on a runner like Gradescope's.

Builds autograder.zip from this repo, installs its requirements.txt on this machine's own
Python (as setup.sh does), lays it out as /autograder and times ``run_autograder`` for the
reference solution in ``kit/gradescope_like.py`` (root, Docker's capabilities, no
namespaces, the kernel's system calls, 768 MB, half a CPU), several times per kernel,
and prints the median and each run. Goal: a median of at most 1.5 s at half a CPU.
Needs root, unshare, setpriv and libseccomp (as the runner does); ~1 min of pip first.

    python benchmarks/bench_gradescope.py [--repeat N] [--kernel 4.14 --kernel 6.1] [--cpus 0.5]
"""
import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

from autograder.paths import ROOT
from kit import gradescope_like
from kit.dist import autograder_files, write_zip
from kit.gradescope import KERNELS, layout, run_autograder, system_python


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--kernel", action="append", help="kernel(s) whose system calls exist (default: all three)")
    parser.add_argument("--cpus", type=float, default=0.5)
    args = parser.parse_args()
    if not gradescope_like.available():
        sys.exit("bench_gradescope: needs root, unshare, setpriv and libseccomp.so.2")
    with tempfile.TemporaryDirectory(prefix="bench-gradescope-") as tmp:
        tmp = Path(tmp)
        tmp.chmod(0o755)
        write_zip(tmp / "autograder.zip", autograder_files(), "benchmark")
        python = system_python(ROOT / "kit" / "templates" / "requirements-grader.txt", tmp / "env")
        for kernel in args.kernel or list(KERNELS):
            walls, inner, box = [], [], None
            for i in range(args.repeat + 1):                       # the first run warms the disk cache
                ag = layout(tmp / "autograder.zip", tmp / f"run-{kernel}-{i}")
                start = time.perf_counter()
                _, results = run_autograder(ag, ROOT / "solution" / "two_layer_net.py", kernel, python, args.cpus)
                wall = time.perf_counter() - start
                if results["score"] != 100:
                    sys.exit(f"the reference got {results['score']} on {kernel}: {results['output'][:300]}")
                box = results["sandbox"]
                if i:
                    walls.append(wall)
                    inner.append(results["execution_time"])
            print(f"Linux {kernel} system calls, {args.cpus:g} CPU, 768 MB, {box} box: run_autograder for the "
                  f"reference: median {statistics.median(walls):.2f} s wall over {len(walls)} runs "
                  f"({', '.join(f'{w:.2f}' for w in walls)}); grade() itself {statistics.median(inner):.2f} s; "
                  f"goal <= 1.5 s")


if __name__ == "__main__":
    main()
