"""Benchmark: run `make train`'s command (the reference, full MNIST, default
hyperparameters) and print its wall time and test accuracy. Goal: under 10 s
on a 2-core machine.

    python benchmarks/bench_train.py [--repeat N] [--net PATH]
"""
import argparse
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--net", default=str(ROOT / "solution" / "two_layer_net.py"))
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    walls, trains = [], []
    with tempfile.TemporaryDirectory() as tmp:
        for _ in range(args.repeat):
            start = time.perf_counter()
            out = subprocess.run(
                [sys.executable, str(ROOT / "student" / "train.py"), "--net", args.net,
                 "--data", str(ROOT / "data"), "--out", str(Path(tmp) / "curves.png")],
                capture_output=True, text=True, check=True).stdout
            walls.append(time.perf_counter() - start)
            trains.append(float(re.search(r"training took ([\d.]+) s", out).group(1)))
            accuracy = re.search(r"final test accuracy: ([\d.]+)", out).group(1)
            print(f"wall time {walls[-1]:.2f} s (whole command), training {trains[-1]:.2f} s, "
                  f"test accuracy {accuracy}")
    print(f"median over {len(walls)} run(s): wall {statistics.median(walls):.2f} s, "
          f"training {statistics.median(trains):.2f} s (goal: under 10 s)")


if __name__ == "__main__":
    main()
