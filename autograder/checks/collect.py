"""Run the checks with pytest, turn the outcomes into Gradescope test entries,
and print them as a table."""
from pathlib import Path

import pytest

from .support import VISIBLE, CheckFailed, load_known
from .repro import Recording
from .verdict import function_of

# The contract's order of the graded functions.
FUNCTIONS = ("sigmoid", "softmax", "cross_entropy_error", "numerical_gradient",
             "TwoLayerNet.forward", "TwoLayerNet.loss", "TwoLayerNet.accuracy",
             "TwoLayerNet.numerical_gradient", "TwoLayerNet.gradient", "TwoLayerNet.train_model")


HERE = Path(__file__).resolve().parent


def run_checks(mode, files=("test_public.py",)):
    """Run the check files (names in this folder) against ``mode`` (a SubmissionMode)
    and return the Gradescope test entries, quietly. A Ctrl-C during the run is raised
    again here (KeyboardInterrupt): an interrupted run has no results."""
    collector = Collector(Recording(mode.submission, mode.source))
    mode.submission = collector.recording
    code = pytest.main([*(str(HERE / name) for name in files), "-p", "no:terminal", "-p", "no:cacheprovider",
                        "-o", "addopts=", "--rootdir", str(HERE.parent)], plugins=[mode, collector])
    if code == pytest.ExitCode.INTERRUPTED:
        raise KeyboardInterrupt
    return collector.results()


class Collector:
    """A pytest plugin: one entry per ``@check``, in the contract's function order."""

    def __init__(self, recording=None):
        self.recording = recording   # the calls of the running check, for its feedback
        self.tests = []
        self.settings = {k: v for k, v in load_known().items() if k.split(".")[0] in ("points", "weights", "visibility")}

    def pytest_runtest_setup(self, item):
        if self.recording is not None:
            self.recording.calls.clear()

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_makereport(self, item, call):
        report = (yield).get_result()
        mark = item.get_closest_marker("check")
        if mark is not None and (report.when == "call" or not report.passed):
            if report.when != "teardown" or not any(t["name"] == mark.kwargs["name"] for t in self.tests):
                self.tests.append(self._entry(mark.kwargs, report, call))

    def _entry(self, meta, report, call):
        function = meta["name"].split(":", 1)[0]
        points = (self.settings[f"points.{function}"] * meta["points"]
                  / self.settings[f"weights.{function}"])   # rounded in results()
        visibility = self.settings["visibility.hidden"] if meta["hidden"] else VISIBLE
        error = call.excinfo.value if call.excinfo else None
        notes = [str(value) for key, value in report.user_properties if key == "note"]
        reveal, failure = visibility == VISIBLE, None
        if report.passed:
            output = "\n".join(["通过 / passed", *notes])
        elif isinstance(error, CheckFailed):
            failure = error.failure(reveal)
            code = self.recording.last_call_code() if self.recording is not None and reveal else None
            if code and error.reproduce:
                failure["input_code"] = code
            output = render_failure(error, failure.get("input_code"), reveal)
        else:  # a fault of the check itself, not of the student: say so
            failure = {"kind": "grader", "hint": None}
            output = ("检查本身出错，请联系助教。 / The check itself failed; please tell the course staff."
                      + (f"\n{type(error).__name__}: {error}" if reveal and error else ""))
        entry = {"name": meta["name"], "score": points if report.passed else 0,
                 "max_score": points, "output": output, "visibility": visibility}
        return dict(entry, failure=failure) if failure else entry

    def results(self):
        """The entries in the contract's order, each function's points rounded to
        hundredths so that they still add up to the function's points exactly."""
        tests = sorted(self.tests, key=lambda t: FUNCTIONS.index(function_of(t)))
        for function in FUNCTIONS:
            group = [t for t in tests if function_of(t) == function]
            for test, points in zip(group, hundredths([t["max_score"] for t in group])):
                test["score"] = points if test["score"] else 0
                test["max_score"] = points
        return tests


def render_failure(error, input_code, reveal):
    """A failed check's output text: its message, then its input as code to paste."""
    text = error.render(reveal=reveal)
    if input_code:
        text += "\n在 Python 里重现（粘贴以下代码）/ To reproduce, paste this into Python:\n" + input_code
    return text


def hundredths(shares):
    """``shares`` rounded to whole hundredths that add up to their rounded sum (largest remainder)."""
    exact = [share * 100 for share in shares]
    cents = [int(value) for value in exact]
    missing = round(sum(exact)) - sum(cents)
    for i in sorted(range(len(exact)), key=lambda i: cents[i] - exact[i])[:missing]:
        cents[i] += 1
    return [c / 100 for c in cents]


def function_points(tests):
    """{function: (score, max_score)} in the contract's order, for the functions that have checks."""
    found = {}
    for function in FUNCTIONS:
        mine = [t for t in tests if function_of(t) == function]
        if mine:
            found[function] = (sum(t["score"] for t in mine), sum(t["max_score"] for t in mine))
    return found


def table(tests):
    """Points per function, as text: the same table for students and instructors."""
    rows = []
    for function, (score, total) in function_points(tests).items():
        mark = "ok" if score == total else "--"
        rows.append(f"  {mark}  {function:<34} {score:>5g} / {total:<5g}")
    score, total = sum(t["score"] for t in tests), sum(t["max_score"] for t in tests)
    header = "      函数 / function                      得分 / points"
    return "\n".join([header, *rows, f"      {'合计 / total':<34} {score:>5g} / {total:<5g}"])

