"""The checks as students get them (``autograder/checks/`` of dist/student.zip): the grader's check
files without the checks course.toml hides and without the ``known_*`` functions that
make known values (students never make them), and only the public known values.

One transformation, as nbgrader's: the hidden checks' code is cut out by the line
ranges of their definitions in the AST; every other line stays as it is written.
"""
from __future__ import annotations

import ast
import inspect
from typing import TYPE_CHECKING

from autograder.catalog import check_modules, graded_checks
from autograder.checks.runner import CHECK_FILES, HERE as CHECKS
from autograder.settings import load as load_settings

if TYPE_CHECKING:
    from collections.abc import Collection
    from typing import Any

PREFIX = "autograder/checks"                  # where the checks sit in the student zip
LEARNING_DATA = "known/mnist_subset.npz"     # the learning checks' MNIST subset (checks/learning.py)


def check_name(node: ast.FunctionDef) -> Any:
    """The name a ``@check(...)`` decorator gives the function ``node``, or None."""
    for decorator in node.decorator_list:
        if (isinstance(decorator, ast.Call) and getattr(decorator.func, "id", None) == "check"
                and decorator.args and isinstance(decorator.args[0], ast.Constant)):
            return decorator.args[0].value
    return None


def without(source: str, hidden: Collection[str]) -> tuple[str, int]:
    """(source without the checks named in ``hidden`` nor known_* functions, checks left)."""
    lines, cut, left = source.splitlines(keepends=True), [], 0
    for node in ast.parse(source).body:
        if not isinstance(node, ast.FunctionDef):
            continue
        name = check_name(node)
        if name in hidden or node.name.startswith("known_"):
            cut.append((min([d.lineno for d in node.decorator_list] + [node.lineno]), node.end_lineno))
        elif name is not None:
            left += 1
    for start, end in reversed(cut):
        del lines[start - 1:end]
    return "".join(lines), left


def student_checks(settings: dict[str, Any] | None = None) -> dict[str, bytes]:
    """{"autograder/checks/<path>": bytes}: what dist/student.zip holds of autograder/checks/."""
    settings = settings or load_settings()
    hidden = set(settings["visibility"]["hidden_checks"])
    found = {}
    for path in sorted(CHECKS.rglob("*")):
        rel = path.relative_to(CHECKS)
        if path.suffix == ".py" and len(rel.parts) == 1 and not rel.name.startswith("test_"):
            found[f"{PREFIX}/{rel.as_posix()}"] = path.read_bytes()
    for name in CHECK_FILES:
        source, left = without((CHECKS / name).read_text(encoding="utf-8"), hidden)
        if left:                          # a file of hidden checks only does not ship
            found[f"{PREFIX}/{name}"] = source.encode("utf-8")
    found[f"{PREFIX}/known/public.json"] = (CHECKS / "known" / "public.json").read_bytes()
    if _public_learning_check(settings):
        found[f"{PREFIX}/{LEARNING_DATA}"] = (CHECKS / LEARNING_DATA).read_bytes()
    return found


def _public_learning_check(settings):
    """Whether a public check trains on the MNIST subset (takes the ``learning`` fixture)."""
    modules = {module.__name__.rsplit(".", 1)[-1]: module for module in check_modules()}
    return any("learning" in inspect.signature(getattr(modules[c.module], c.test)).parameters
               for c in graded_checks(settings) if not c.hidden)
