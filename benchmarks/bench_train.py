"""Benchmark: run `make train`'s command (the reference, full MNIST, default
hyperparameters) and print its wall time, training time and test accuracy.
Goals (2-core machine): under 10 s when idle, at most 15 s with two CPU-bound
processes running beside it (``--busy 2``).

    python benchmarks/bench_train.py [--repeat N] [--net PATH] [--busy N] [--threads N] [--epochs E]

``--busy N`` starts N CPU-bound processes for the duration of the runs (the
student's browser, IDE, a video call...). ``--threads N`` sets the BLAS/OpenMP
thread variables for train.py (default: unset, so train.py's own choice, one
thread; ``--threads 0``: one per core, what numpy's BLAS does by itself, as before
issue 19). The load average before the runs is printed too: on a shared machine
it says how busy the others kept it.
"""
import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
THREAD_VARIABLES = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "VECLIB_MAXIMUM_THREADS")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--net", default=str(ROOT / "solution" / "two_layer_net.py"))
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--busy", type=int, default=0, help="CPU-bound processes to run beside it")
    parser.add_argument("--epochs", default="15", help="epochs (default 15, train.py's; fewer for a quick comparison)")
    parser.add_argument("--threads", type=int, default=None,
                        help="BLAS/OpenMP threads (default: train.py's choice; 0: one per core, numpy's default)")
    args = parser.parse_args()
    env = dict(os.environ)
    for name in THREAD_VARIABLES:
        env.pop(name, None)
    if args.threads is not None:            # 0: one per core, what OpenBLAS does by itself
        env.update({name: str(args.threads or os.cpu_count()) for name in THREAD_VARIABLES})
    print(f"{os.cpu_count()} cores; load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}; "
          f"{args.busy} busy process(es) beside it; threads: "
          f"{'numpy default (all cores)' if args.threads == 0 else args.threads or 'train.py default'}")
    busy = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(args.busy)]
    walls, trains = [], []
    try:
        with tempfile.TemporaryDirectory() as tmp:
            for _ in range(args.repeat):
                start = time.perf_counter()
                out = subprocess.run(
                    [sys.executable, str(ROOT / "student" / "train.py"), "--net", args.net,
                     "--data", str(ROOT / "data"), "--out", str(Path(tmp) / "curves.png"), "--epochs", args.epochs],
                    capture_output=True, text=True, check=True, env=env).stdout
                walls.append(time.perf_counter() - start)
                trains.append(float(re.search(r"training took ([\d.]+) s", out).group(1)))
                accuracy = re.search(r"final test accuracy: ([\d.]+)", out).group(1)
                print(f"wall time {walls[-1]:.2f} s (whole command), training {trains[-1]:.2f} s, "
                      f"test accuracy {accuracy}", flush=True)
    finally:
        for process in busy:
            process.kill()
            process.wait()
    goal = 15 if args.busy else 10
    print(f"median over {len(walls)} run(s): wall {statistics.median(walls):.2f} s, "
          f"training {statistics.median(trains):.2f} s (goal: at most {goal} s)")


if __name__ == "__main__":
    main()
