"""Benchmark: what the learning check (autograder/checks/learning.py) adds to a grade,
and the accuracies it sees. Goal: under 0.3 s added for a submission that learns.

    python benchmarks/bench_learning.py [--repeat N]

For the reference solution in the sandbox, it times the run with the student's own
functions (all that a program that learns costs), the run with the reference's
functions standing in (what a program that does not learn costs on top), and whole
grades with and without the learning checks; and it prints the test accuracy of the
reference and of a few broken training loops against the check's threshold.
"""
import argparse
import statistics
import tempfile
import time
from pathlib import Path

from autograder.checks.learning import MIN_ACCURACY, Learning
from autograder.checks import test_more
from autograder.grade import grade
from autograder.reference import SOLUTION, collaborators, load_reference
from autograder.sandbox import Box
from autograder.settings import limits

BROKEN = {   # a training loop that ... : (old, new) in the solution
    "always draws the same batch": ("batch_mask = np.random.choice(train_size, batch_size)",
                                    "batch_mask = np.arange(batch_size)"),
    "updates W2 and b2 only": ("for key in ('W1', 'b1', 'W2', 'b2'):\n                self.params",
                               "for key in ('W2', 'b2'):\n                self.params"),
    "never updates": ("                self.params[key] -= learning_rate * grad[key]", "                pass"),
}


def timed(fn):
    start = time.perf_counter()
    value = fn()
    return value, time.perf_counter() - start


def runs(path, collab, reference):
    """(own accuracy, seconds), (reference accuracy, seconds) for the file at ``path``."""
    with Box(path, limits()) as box:
        learning = Learning(box, collab)
        own = timed(lambda: learning.accuracy(reference=False))
        ref = timed(lambda: learning.accuracy(reference=True)) if reference else (None, 0.0)
    return own, ref


def median_line(label, values):
    return f"{label}: median {statistics.median(values):.3f} s, min {min(values):.3f} s, max {max(values):.3f} s"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    reference = load_reference()
    collab = collaborators(reference)
    own_s, ref_s = [], []
    for _ in range(args.repeat):
        (own_acc, own_t), (ref_acc, ref_t) = runs(SOLUTION, collab, reference=True)
        own_s.append(own_t)
        ref_s.append(ref_t)
    print(f"reference solution: test accuracy {own_acc:.1%} with its own functions, {ref_acc:.1%} with "
          f"the reference's standing in (threshold {MIN_ACCURACY:.0%})")
    print(median_line("  run with own functions (every grade)", own_s))
    print(median_line("  run with the reference's functions (only when the own run misses)", ref_s))

    with_checks, without = [], []
    learning_tests = [name for name in vars(test_more) if name in ("test_learns_mnist", "test_whole_program")]
    for _ in range(args.repeat):
        with_checks.append(timed(lambda: grade(SOLUTION, reference=reference))[1])
        saved = {name: vars(test_more).pop(name) for name in learning_tests}
        try:
            without.append(timed(lambda: grade(SOLUTION, reference=reference))[1])
        finally:
            vars(test_more).update(saved)
    print(median_line("whole grade with the learning checks", with_checks))
    print(median_line("whole grade without them", without))
    print(f"added to a grade (difference of medians): {statistics.median(with_checks) - statistics.median(without):.3f} s"
          " (goal: under 0.3 s)")

    source = SOLUTION.read_text(encoding="utf-8")
    with tempfile.TemporaryDirectory() as tmp:
        for what, (old, new) in BROKEN.items():
            path = Path(tmp) / "two_layer_net.py"
            path.write_text(source.replace(old, new), encoding="utf-8")
            (own_acc, own_t), (ref_acc, ref_t) = runs(path, collab, reference=True)
            print(f"a loop that {what}: test accuracy {own_acc:.1%} (own), {ref_acc:.1%} (reference "
                  f"functions; that run took {ref_t:.3f} s)")


if __name__ == "__main__":
    main()
