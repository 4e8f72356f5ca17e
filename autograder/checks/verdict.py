"""What a run of the checks comes to, for the grader and the student's own check alike:
the results dict (the contract's results.json), what to fix first, the summary a
student reads first, and (where a check ran the student's own helpers) which failing
helper a failure may come from. Data first; text is made only in the render functions.
"""
from __future__ import annotations

import ast
import time
from typing import TYPE_CHECKING

from .program import definitions

if TYPE_CHECKING:
    from collections.abc import Sequence
    from typing import Any


def function_of(test: dict[str, Any]) -> str:
    """"softmax: rows sum to one" -> "softmax"."""
    return test["name"].split(":", 1)[0]


def syntax_error(source: str) -> dict[str, Any] | None:
    """{"kind", "line", "message"} when ``source`` does not compile, else None (nothing runs)."""
    try:
        compile(source, "two_layer_net.py", "exec")
    except SyntaxError as error:           # IndentationError and TabError too
        return {"kind": type(error).__name__, "line": error.lineno, "message": error.msg}
    except (ValueError, RecursionError, MemoryError) as error:
        return {"kind": type(error).__name__, "line": None, "message": str(error)}
    return None


def fix_first(tests: Sequence[dict[str, Any]], syntax: dict[str, Any] | None = None,
              import_error: str | None = None) -> dict[str, Any] | None:
    """What to fix first, as data: the file's syntax error, else its import error, else
    the earliest failing check in the contract's order (helpers come before their callers)."""
    if syntax:
        return dict(syntax, what="syntax")
    if import_error:
        return {"what": "import", "message": import_error}
    failed = next((t for t in tests if t["score"] < t["max_score"]), None)
    return None if failed is None else {"what": "check", "function": function_of(failed), "name": failed["name"]}


def render_fix_first(first: dict[str, Any] | None) -> str | None:
    """The "fix this first" line of ``fix_first``'s answer (None: nothing to fix)."""
    if first is None:
        return None
    if first["what"] == "syntax":
        where = f"two_layer_net.py 第 {first['line']} 行 / line {first['line']}" if first["line"] else "two_layer_net.py"
        lines = [f"先修这个 / fix this first: {where}: {first['kind']}: {first['message']}",
                 "文件有语法错误，Python 无法运行它，所以每项检查都是 0 分。看这一行和它上面几行：缩进、括号、冒号。",
                 "The file has a syntax error, so Python cannot run it and every check gets 0. Look at this "
                 "line and the few above it: indentation, brackets, colons."]
        if "'for' statement" in first["message"] or "'if' statement" in first["message"]:
            lines += ["训练循环的 for 已经写好：在它上面的洞里只写 iterations = range(...)，不要再写一行 for。",
                      "The training loop's `for` is given: in the hole above it write only "
                      "iterations = range(...), not another `for` line."]
        return "\n".join(lines)
    if first["what"] == "import":
        return f"先修这个 / fix this first: 你的文件无法导入 / your file could not be imported: {first['message']}"
    return f"先修这个 / fix this first: {first['name']}"


def summary(tests: Sequence[dict[str, Any]], first: dict[str, Any] | None) -> str:
    """The few lines a student reads first: the score and what to fix first."""
    score, total = sum(t["score"] for t in tests), sum(t["max_score"] for t in tests)
    line = render_fix_first(first)
    return "\n".join([f"得分 / score: {score:g} / {total:g}", *([line] if line else [])])


def results(tests: list[dict[str, Any]], start: float, output: str, status: str = "graded",
            first: dict[str, Any] | None = None) -> dict[str, Any]:
    """The results dict of the contract (Gradescope's format). ``status`` and
    ``fix_first`` (:func:`fix_first`'s answer) are extra keys for gradebooks and editors."""
    return {"score": round(sum(t["score"] for t in tests), 2), "execution_time": round(time.perf_counter() - start, 3),
            "output": output, "tests": tests, "status": status, "fix_first": first}


# ------------------------------------------------------------------ helpers that fail

def helpers(source: str, functions: Sequence[str]) -> dict[str, set[str]]:
    """{function: the graded functions it calls, directly or not} read from ``source``'s
    code: module-level names, and ``self.method`` inside a class's methods."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return {}
    direct = {name: _called(node, functions, name.rpartition(".")[0])
              for name, node in definitions(tree).items() if name in functions}
    found = {}
    for function in direct:                 # transitively
        seen, todo = set(), list(direct[function])
        while todo:
            name = todo.pop()
            if name not in seen and name != function:
                seen.add(name)
                todo.extend(direct.get(name, ()))
        found[function] = seen
    return found


def _called(node, functions, class_name):
    names = set()
    for sub in ast.walk(node):
        if isinstance(sub, ast.Name) and isinstance(sub.ctx, ast.Load) and sub.id in functions:
            names.add(sub.id)
        elif class_name and isinstance(sub, ast.Attribute) and isinstance(sub.value, ast.Name) \
                and sub.value.id == "self" and f"{class_name}.{sub.attr}" in functions:
            names.add(f"{class_name}.{sub.attr}")
    return names


def blame_helpers(tests: list[dict[str, Any]], source: str) -> list[dict[str, Any]]:
    """Where a check ran the student's own helpers (the student's machine): each failing
    check of a function that calls a failing function gets a first line naming it. The
    entries' order (and so what to fix first, a helper before its callers) is kept."""
    functions = list(dict.fromkeys(function_of(t) for t in tests))
    failing = [f for f in functions if any(function_of(t) == f and _student_failure(t) for t in tests)]
    uses = helpers(source, functions)
    for test in tests:
        function = function_of(test)
        broken = [f for f in failing if f in uses.get(function, ())]
        if _student_failure(test) and broken:
            names = english_list(broken)
            one = len(broken) == 1
            test["output"] = (f"注意：{function} 用到的 {'、'.join(broken)} 没有通过自己的检查，这里的失败可能由"
                              f"{'它' if one else '它们'}引起；先修 {broken[0]}。\n"
                              f"Note: {function} calls {names}, which {'fails its own check' if one else 'fail their own checks'}; "
                              f"this failure may come from there. Fix {broken[0]} first.\n" + test["output"])
            test["blame"] = broken
    return tests


def _student_failure(test: dict[str, Any]) -> bool:
    """A failed check whose failure is the student's (not a fault of the check or the grader)."""
    return test["score"] < test["max_score"] and (test.get("failure") or {}).get("kind") != "grader"


def english_list(names: Sequence[str]) -> str:
    """"a", "a and b", "a, b and c"."""
    names = list(names)
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
