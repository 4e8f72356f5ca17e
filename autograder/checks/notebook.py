"""The notebook edition's checks (``two_layer_net.ipynb``): the student's own check, the
one ``check.py`` runs (``__main__.run_source``), on the code the notebook's kernel has run.

    from autograder.checks.notebook import check, check_all, unfinished
    check("sigmoid")     # a check cell: sigmoid's public checks, with check.py's verdict
    check_all()          # the last cell: every public check and check.py's summary table
    unfinished()         # the graded functions still to write (the training cell asks)

What is checked is what the kernel has: the code cells as they were run, in that order
(a cell run again redefines its functions, as in the kernel), read as the grader reads
a notebook: only the definitions and what they use (``program.graded_source``). A cell
that does not compile defined nothing in the kernel, so it is left out here too. Every
public check runs each time (about a second), so a check cell shows exactly the entries
of check.py for its function, a failing helper named as there.
"""
from __future__ import annotations

import ast
from typing import TYPE_CHECKING

from .__main__ import report, run_source
from .program import definitions, graded_source
from .runner import table
from .support import load_known
from .verdict import function_of, render_fix_first

if TYPE_CHECKING:
    from collections.abc import Sequence
    from typing import Any

NOT_IN_KERNEL = ("这些检查在 Jupyter notebook 的内核里运行；在终端里请用 python check.py。 / "
                 "These checks run in a Jupyter notebook's kernel; in a terminal, use python check.py.")


def kernel_cells() -> list[str]:
    """The code of the cells this IPython kernel has run, oldest first (IPython's ``In``)."""
    try:
        from IPython import get_ipython
    except ImportError:
        raise RuntimeError(NOT_IN_KERNEL) from None
    shell = get_ipython()
    if shell is None:
        raise RuntimeError(NOT_IN_KERNEL)
    return list(shell.history_manager.input_hist_parsed)


def kernel_source(cells: Sequence[str]) -> str:
    """The graded text of ``cells`` (code as run): those that compile, joined."""
    kept = []
    for cell in cells:
        try:
            compile(cell, "<cell>", "exec")
        except (SyntaxError, ValueError):
            continue
        kept.append(cell)
    return graded_source("\n".join(kept) + "\n")


def results(cells: Sequence[str] | None = None) -> dict[str, Any]:
    """check.py's results dict (``run_source``) for the code of ``cells`` (default: the kernel's)."""
    return run_source(kernel_source(kernel_cells() if cells is None else cells))


def render(data: dict[str, Any], function: str) -> str:
    """A check cell's text: ``function``'s rows of check.py's table, then each of its
    failing checks as check.py prints one: what failed, the hint, the code to paste."""
    tests = [t for t in data["tests"] if function_of(t) == function]
    if not tests:
        return f"{function} 没有公开检查。 / {function} has no public check."
    lines = [table(tests)]
    first = data["fix_first"]
    if first is not None and first["what"] != "check":        # nothing ran: say why first
        lines += ["", render_fix_first(first) or ""]
    failed = [t for t in tests if t["score"] < t["max_score"]]
    if not failed:
        lines += ["", f"{function}: 公开检查全部通过 / every public check passes."]
    for test in failed:
        lines += ["", f"没有通过 / failed: {test['name']}", test["output"]]
    return "\n".join(lines)


def check(function: str, cells: Sequence[str] | None = None) -> None:
    """Print ``function``'s public checks on the kernel's code (a check cell)."""
    print(render(results(cells), function))


def check_all(cells: Sequence[str] | None = None) -> None:
    """Print check.py's report of every public check on the kernel's code (the last cell)."""
    print(report("two_layer_net.ipynb（本内核中的代码 / the code of this kernel）", results(cells)))


def unfinished(cells: Sequence[str] | None = None) -> list[str]:
    """The graded functions (course.toml's order) that the kernel's code lacks or that
    still raise NotImplementedError (the skeleton's holes)."""
    found = definitions(ast.parse(kernel_source(kernel_cells() if cells is None else cells)))
    return [str(f) for f in load_known()["functions"] if f not in found or _raises_not_implemented(found[f])]


def _raises_not_implemented(node: ast.AST) -> bool:
    for sub in ast.walk(node):
        if isinstance(sub, ast.Raise) and sub.exc is not None:
            name = sub.exc.func if isinstance(sub.exc, ast.Call) else sub.exc
            if isinstance(name, ast.Name) and name.id == "NotImplementedError":
                return True
    return False
