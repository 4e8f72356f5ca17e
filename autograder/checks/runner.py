"""Run the checks with pytest, score them into Gradescope test entries (course.toml's points),
and print them as a table."""
from __future__ import annotations

import unicodedata
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from .repro import Recording
from .support import VISIBLE, CheckFailed, load_known
from .verdict import function_of

if TYPE_CHECKING:
    from collections.abc import Generator, Sequence
    from typing import Any

    from .local import CheckTarget
    from .stand_ins import StandIns


class UnregisteredFunction(Exception):
    """A check grades a function that course.toml's [points] does not list."""


def position(functions: Sequence[str], function: str, check: str) -> int:
    """The place of ``function`` in ``functions`` (course.toml's order); a named error
    that says what to add where when the check ``check`` grades a function not listed."""
    if function not in functions:
        raise UnregisteredFunction(
            f"the check {check!r} grades {function!r}, which course.toml does not list: add "
            f'"{function}" = POINTS under [points] in course.toml (where its results should show), '
            "then run `make fixtures`")
    return functions.index(function)


HERE = Path(__file__).resolve().parent
CHECK_FILES = ("test_basics.py", "test_more.py")      # the check files, in the order they run


def run_checks(target: CheckTarget, hidden: bool = False) -> list[dict[str, Any]]:
    """Run the checks against ``target`` (a CheckTarget: what to check) and return the Gradescope test
    entries, quietly: the public ones, and with ``hidden`` the hidden ones too (course.toml
    decides which are hidden; the student package has only public ones). A Ctrl-C during
    the run is raised again here (KeyboardInterrupt): an interrupted run has no results."""
    collector = Collector(hidden, Recording(target.submission, target.source), target.stand_ins)
    target.submission = collector.recording
    files = [str(HERE / name) for name in CHECK_FILES if (HERE / name).is_file()]
    code = pytest.main([*files, "-p", "no:terminal", "-p", "no:cacheprovider",
                        "-o", "addopts=", "--rootdir", str(HERE.parent)], plugins=[target, collector])
    if code == pytest.ExitCode.INTERRUPTED:
        raise KeyboardInterrupt
    return collector.results()


class Collector:
    """A pytest plugin: one entry per ``@check``, in course.toml's order of functions.
    Without ``hidden``, the hidden checks are left out. The checks run in that order, a
    function's after those it may call, and each outcome goes to ``stand_ins``, which
    decide what the later checks run with (stand_ins.py)."""

    def __init__(self, hidden: bool = True, recording: Recording | None = None,
                 stand_ins: StandIns | None = None) -> None:
        self.tests, self.keep_hidden = [], hidden
        self.recording = recording   # the calls of the running check, for its feedback
        self.stand_ins = stand_ins
        known = load_known()
        self.settings = {k: v for k, v in known.items() if k.split(".")[0] in ("points", "weights", "visibility")}
        self.functions = tuple(known["functions"])    # course.toml's [points] order (make fixtures)
        self.hidden = set(known.get("visibility.hidden_checks", ()))   # in hidden.json: the grader's only

    def pytest_collection_modifyitems(self, config: pytest.Config, items: list[pytest.Item]) -> None:
        def order(item):
            mark = item.get_closest_marker("check")
            function = mark.kwargs["name"].split(":", 1)[0] if mark else None
            return self.functions.index(function) if function in self.functions else len(self.functions)
        items.sort(key=order)                      # stable: within a function, as the files have them
        if self.keep_hidden:
            return
        left = [item for item in items if (item.get_closest_marker("check") is not None
                                           and item.get_closest_marker("check").kwargs["name"] in self.hidden)]
        if left:
            items[:] = [item for item in items if item not in left]
            config.hook.pytest_deselected(items=left)

    def pytest_runtest_setup(self, item: pytest.Item) -> None:
        if self.recording is not None:
            self.recording.clear()
        if self.stand_ins is not None:
            self.stand_ins.used.clear()

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_call(self, item: pytest.Item) -> Generator[None, None, None]:
        try:
            return (yield)
        except CheckFailed as error:
            if self.stand_ins is None:
                raise
            self.stand_ins.second_chance(error, item.runtest)

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_makereport(self, item: pytest.Item,
                                  call: pytest.CallInfo[None]) -> Generator[None, Any, None]:
        report = (yield).get_result()
        mark = item.get_closest_marker("check")
        if mark is not None and (report.when == "call" or not report.passed):
            if report.when != "teardown" or not any(t["name"] == mark.kwargs["name"] for t in self.tests):
                self.tests.append(self._entry(mark.kwargs, report, call))
                if self.stand_ins is not None:
                    self.stand_ins.record(function_of(mark.kwargs), report.passed)

    def _entry(self, meta, report, call):
        function = function_of(meta)
        points = (self.settings[f"points.{function}"] * meta["points"] / self.settings[f"weights.{function}"]
                  if function in self.functions else 0)     # rounded in results(), which names the unlisted
        visibility = self.settings["visibility.hidden"] if meta["name"] in self.hidden else VISIBLE
        error = call.excinfo.value if call.excinfo else None
        notes = [str(value) for key, value in report.user_properties if key == "note"]
        reveal, failure = visibility == VISIBLE, None
        if report.passed:
            output = "\n".join(["通过 / passed", *notes])
        elif isinstance(error, CheckFailed):
            failure = error.failure(reveal)
            if reveal and error.reproduce and self.recording is not None:
                after = bool({"after", "argument_afterwards"} & set(error.details))   # a check of what it did to x
                code = self.recording.last_call_code(after)
                if code:
                    failure["input_code"] = code
            if reveal and self.recording is not None and self.recording.printed.strip():
                failure["printed"] = capped(self.recording.printed)
            output = render_failure(error, failure, reveal)
        else:  # a fault of the check itself, not of the student: say so
            failure = {"kind": "grader", "hint": None}
            output = ("检查本身出错，请联系助教。 / The check itself failed; please tell the course staff."
                      + (f"\n{type(error).__name__}: {error}" if reveal and error else ""))
        entry = {"name": meta["name"], "score": points if report.passed else 0,
                 "max_score": points, "output": output, "visibility": visibility}
        return dict(entry, failure=failure) if failure else entry

    def results(self) -> list[dict[str, Any]]:
        """The entries in course.toml's order of functions, each function's points rounded to
        hundredths so that they still add up to the function's points exactly."""
        tests = sorted(self.tests, key=lambda t: position(self.functions, function_of(t), t["name"]))
        for function in self.functions:
            group = [t for t in tests if function_of(t) == function]
            for test, points in zip(group, hundredths([t["max_score"] for t in group])):
                test["score"] = points if test["score"] else 0
                test["max_score"] = points
        return tests


PRINTED_CHARS = 1000      # the most of a failing call's print() output shown with it


def capped(text: str, limit: int = PRINTED_CHARS) -> str:
    """The end of ``text``, at most ``limit`` characters (what was printed last matters most)."""
    text = text.rstrip()
    return text if len(text) <= limit else "[...]\n" + text[-limit:]


def render_failure(error: CheckFailed, failure: dict[str, Any], reveal: bool) -> str:
    """A failed check's output text: its message, what the call printed, then its input
    as code to paste (for a call that ran out of time, how to stop it)."""
    text = error.render(reveal=reveal)
    if failure.get("printed"):
        text += "\n你的代码打印了 / your code printed:\n" + failure["printed"]
    if failure.get("input_code"):
        text += "\n在 Python 里重现（粘贴以下代码）/ To reproduce, paste this into Python:\n"
        if failure.get("kind") == "timeout":
            text += "# 这个调用可能不会结束：按 Ctrl-C 停止它。 / This call may never end: press Ctrl-C to stop it.\n"
        text += failure["input_code"]
    return text


def hundredths(shares: Sequence[float]) -> list[float]:
    """``shares`` rounded to whole hundredths that add up to their rounded sum (largest remainder)."""
    exact = [share * 100 for share in shares]
    cents = [int(value) for value in exact]
    missing = round(sum(exact)) - sum(cents)
    for i in sorted(range(len(exact)), key=lambda i: cents[i] - exact[i])[:missing]:
        cents[i] += 1
    return [c / 100 for c in cents]


def function_points(tests: Sequence[dict[str, Any]]) -> dict[str, tuple[float, float]]:
    """{function: (score, max_score)} for the functions that have checks, in the order of
    ``tests`` (the grader's: course.toml's order of functions)."""
    found = {}
    for test in tests:
        score, total = found.get(function_of(test), (0, 0))
        found[function_of(test)] = (score + test["score"], total + test["max_score"])
    return found


def table(tests: Sequence[dict[str, Any]]) -> str:
    """Points per function, as text: the same table for students and instructors."""
    rows = []
    for function, (score, total) in function_points(tests).items():
        mark = "ok" if score == total else "--"
        rows.append(f"  {mark}  {_pad(function, 34)} {score:>6g} / {total:g}")
    score, total = sum(t["score"] for t in tests), sum(t["max_score"] for t in tests)
    header = f"      {_pad('函数 / function', 34)} 得分 / points"
    return "\n".join([header, *rows, f"      {_pad('合计 / total', 34)} {score:>6g} / {total:g}"])


def _pad(text: str, width: int) -> str:
    """``text`` padded to ``width`` terminal columns (a Chinese character takes two)."""
    columns = sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)
    return text + " " * max(width - columns, 0)
