"""Find the changes a submission made to the given code: the skeleton outside its holes.

The holes are the solution's ``# BEGIN SOLUTION`` ... ``# END SOLUTION`` regions
(the markers kit/skeleton.py turns into the skeleton's holes). Function by
function (module functions and ``TwoLayerNet``'s methods), the statements are
compared as the AST prints them, so formatting, comments and docstrings do
not count. A statement is given unless it starts inside a hole; the student's
code may only stand where a hole is. A loop header that is a hole keeps the
given body under it given.

``changes(solution_text, submission_text)`` returns plain data;
``entries(...)`` turns it into information-only results entries (or, with a
penalty from course.toml, entries that take points off).
"""
from __future__ import annotations

import ast
import difflib
from typing import TYPE_CHECKING

from .checks.program import definitions

if TYPE_CHECKING:
    from collections.abc import Sequence
    from typing import Any

BEGIN, END = "# BEGIN SOLUTION", "# END SOLUTION"
CLASS = "TwoLayerNet"
SHOWN = 100                      # characters of a statement shown in the feedback


def _holes(text):
    """The line numbers (1-based) inside BEGIN/END SOLUTION regions."""
    inside, found = False, set()
    for number, line in enumerate(text.split("\n"), 1):
        stripped = line.strip()
        if stripped.startswith(BEGIN):
            inside = True
        elif stripped.startswith(END):
            inside = False
        elif inside:
            found.add(number)
    return found


def _header(node):
    """One line for a statement: the whole of a simple one (and of a nested def),
    the first line of a compound one."""
    blocks = [f for f in ("body", "orelse", "handlers", "finalbody") if getattr(node, f, None)]
    if not blocks or isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
        return " ".join(ast.unparse(node).split())
    shallow = type(node)(**{field: getattr(node, field, None) for field in node._fields})
    for field in blocks:
        setattr(shallow, field, [ast.Pass()] if field == "body" else [])
    return ast.unparse(ast.fix_missing_locations(shallow)).split("\n")[0]


def _blocks(node):
    """[(label or None, statements)]: the blocks of a compound statement, in order."""
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return []                                       # a nested def is compared as a whole
    found = [(None, node.body)] if isinstance(getattr(node, "body", None), list) else []
    found += [(_header(handler), handler.body) for handler in getattr(node, "handlers", [])]
    found += [(label, getattr(node, field)) for field, label in (("orelse", "else:"), ("finalbody", "finally:"))
              if getattr(node, field, None)]
    return found


def _items(body, depth, holes=frozenset()):
    """[(text, line, is_hole)]: one item per statement of a function body and per
    ``else:`` / ``except ...:`` / ``finally:`` line, nested blocks included; the
    depth is part of the text. Docstrings (bare strings) are left out."""
    items = []
    for node in body:
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
            continue
        items.append((f"{depth}|{_header(node)}", node.lineno, node.lineno in holes))
        for label, children in _blocks(node):
            if label:
                items.append((f"{depth}|{label}", children[0].lineno, children[0].lineno in holes))
            items += _items(children, depth + 1, holes)
    return items


def _signature(fn):
    return f"def {fn.name}({ast.unparse(fn.args)})"


def _text(item):
    return item[0].split("|", 1)[1][:SHOWN]


def _closest(item, candidates):
    """A lost given statement and the student's statement that most looks like it
    (same depth, at least half alike), else a removal."""
    depth, text = item[0].split("|", 1)
    scored = [(difflib.SequenceMatcher(None, text, c[0].split("|", 1)[1]).ratio(), c) for c in candidates
              if c[0].split("|", 1)[0] == depth]
    ratio, best = max(scored, key=lambda pair: pair[0], default=(0, None))
    if best is None or ratio < 0.5:
        line = candidates[0][1] if candidates else item[1]
        return {"line": line, "given": _text(item), "now": None}
    return {"line": best[1], "given": _text(item), "now": _text(best)}


def changes(solution_text: str, submission_text: str) -> list[dict[str, Any]]:
    """[{"function", "line", "given", "now"}] for every given statement the submission
    changed (``now`` is None for a removal, ``given`` None for an addition)."""
    try:
        tree = ast.parse(submission_text)
    except SyntaxError:
        return []
    holes = _holes(solution_text)
    theirs = definitions(tree, (ast.FunctionDef,))
    found = []
    for name, fn in definitions(ast.parse(solution_text), (ast.FunctionDef,)).items():
        if name not in theirs:
            continue                                   # the checks say that it is not defined
        mine = theirs[name]
        if _signature(mine) != _signature(fn):
            found.append({"function": name, "line": mine.lineno, "given": _signature(fn), "now": _signature(mine)})
        given = _items(fn.body, 1, holes)
        got = _items(mine.body, 1)
        keys = [f"<hole {i}>" if hole else text for i, (text, _, hole) in enumerate(given)]
        matcher = difflib.SequenceMatcher(None, keys, [text for text, _, _ in got], autojunk=False)
        for op, i1, i2, j1, j2 in matcher.get_opcodes():
            lost = [item for item in given[i1:i2] if not item[2]]
            if op in ("replace", "delete"):
                found += [{"function": name, **_closest(item, got[j1:j2])} for item in lost]
            elif op == "insert" and not ((i1 > 0 and given[i1 - 1][2]) or (i1 < len(given) and given[i1][2])):
                found += [{"function": name, "line": item[1], "given": None, "now": _text(item)} for item in got[j1:j2]]
    return found


def owner(function: str, graded: Sequence[str]) -> str:
    """The graded function (contract name) a change is reported under: itself, else
    (``__init__``) train_model, the function whose learning check builds the net with it."""
    return function if function in graded else f"{CLASS}.train_model"


def describe(change: dict[str, Any]) -> str:
    """One bilingual line about a change."""
    where = f"第 {change['line']} 行 / line {change['line']}"
    if change["given"] is None:
        return f"- {where}: 加入了 / added `{change['now']}`"
    if change["now"] is None:
        return f"- {where}: 删去了 / removed `{change['given']}`"
    return f"- {where}: 原为 / was `{change['given']}`，现为 / now `{change['now']}`"


def entries(found: list[dict[str, Any]], graded: Sequence[str], penalty: float = 0,
            earned: dict[str, float] | None = None) -> list[dict[str, Any]]:
    """Results entries, one per function with changed given code, named after the
    graded function it belongs to (``owner``).

    Worth 0 points (information only) unless ``penalty`` (course.toml) takes that
    many points off for each such function, never more than ``earned[owner]``
    (the points its own checks gave).
    """
    grouped = {}
    for change in found:
        grouped.setdefault(change["function"], []).append(change)
    out = []
    for function, mine in grouped.items():
        name = owner(function, graded)
        taken = min(penalty, (earned or {}).get(name, penalty))
        lines = [f"{function} 中已给出的代码被改动了（这部分不应修改）。",
                 f"The given code of {function} was changed (it is not meant to be edited).",
                 *map(describe, mine), f"扣分 / points taken off: {taken:g}"]
        out.append({"name": f"{name}: given code of {function} kept as handed out", "score": -taken,
                    "max_score": 0, "output": "\n".join(lines), "visibility": "visible"})
    return out
