"""Benchmark: bulk grading of a class of 100 submissions, as `python -m autograder bulk`
does it. Goal: under 30 s with --jobs 2 on a 2-core machine (must be under 60 s).

The class is made of copies of the example class (examples/submissions/) under
new Canvas-style names, in every layout (bare .py, folder, zip, a broken zip).
The hostile submission takes ~27 s by itself (its timeouts) and keeps one job
busy that long: ``--hostile`` puts it in once.

    python benchmarks/bench_bulk.py [--count 100] [--jobs 2] [--hostile]
"""
import argparse
import contextlib
import io
import shutil
import tempfile
import time
from pathlib import Path

from autograder import bulk
from autograder.paths import ROOT

EXAMPLES = ROOT / "examples" / "submissions"
HOSTILE = "mallory_1005_5005_two_layer_net.py"


def make_class(folder, count, hostile=False):
    """``count`` submissions in ``folder``, copied round-robin from the example class."""
    examples = sorted(p for p in EXAMPLES.iterdir() if p.name != HOSTILE)
    for i in range(count):
        prefix = f"student{i:03d}_{2000 + i}_{6000 + i}_"
        source = EXAMPLES / HOSTILE if hostile and i == 0 else examples[i % len(examples)]
        if source.is_dir():
            shutil.copytree(source, folder / f"student{i:03d}")
        else:
            shutil.copyfile(source, folder / (prefix + source.name.split("_", 3)[-1]))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=100)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--hostile", action="store_true", help="put the ~20 s hostile submission in once")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-bulk-") as tmp:
        tmp = Path(tmp)
        (tmp / "class").mkdir()
        make_class(tmp / "class", args.count, hostile=args.hostile)
        start = time.perf_counter()
        with contextlib.redirect_stdout(io.StringIO()):
            summary = bulk.run(tmp / "class", tmp / "out", jobs=args.jobs)
        wall = time.perf_counter() - start
        again = time.perf_counter()
        with contextlib.redirect_stdout(io.StringIO()):
            bulk.run(tmp / "class", tmp / "out", jobs=args.jobs)
        resume = time.perf_counter() - again
    print(f"bulk-graded {summary['total']} submissions ({summary['graded']} graded, {summary['not_graded']} "
          f"not graded; hostile one {'included' if args.hostile else 'left out'}) with --jobs {args.jobs}")
    print(f"wall time {wall:.1f} s, {summary['total'] / wall:.2f} submissions per second "
          f"(goal: under 30 s; must be under 60 s)")
    print(f"rerun with every result stored: {resume:.1f} s")


if __name__ == "__main__":
    main()
