"""Build the notebook edition from the one source (``make student``):

    python -m kit.notebook            # write student/two_layer_net.ipynb and solution/two_layer_net.ipynb
    python -m kit.notebook --check    # exit 1 when either is out of date

``student/two_layer_net.ipynb`` holds the skeleton's code (kit/skeleton.py), what students
get; ``solution/two_layer_net.ipynb`` the reference's, for TAs (it never ships). Both are
made of ``solution/two_layer_net.py`` and the narrative beside it, ``solution/notebook.py``,
in jupytext's percent format (text a TA edits and diffs). In the narrative:

- a code cell with ``solution="NAME"`` is replaced by the top-level def or class NAME of
  the solution (``solution="imports"``: its other module-level statements);
- a code cell with ``check="FUNCTION"`` becomes ``check("FUNCTION")``: that function's
  public checks with check.py's verdict (``autograder/checks/notebook.py``);
- a cell with ``for_ta=true`` is left out; every other cell is copied as it is.

Every code cell but the solution's is tagged ``otter_ignore``: otter-grader, which runs
a notebook's cells, runs only the definitions, as the kit's grader reads only them
(``autograder/checks/program.py``). A top-level statement of the solution that no cell
places (a function just added) gets a heading (its docstring), its cell and a check
cell after the one before it; a graded function without a check cell gets one after
the cell that defines it.
"""
from __future__ import annotations

import argparse
import ast
import sys
from typing import TYPE_CHECKING

import jupytext
import nbformat

from autograder.paths import ROOT
from autograder.settings import graded_functions

from .skeleton import make_skeleton

if TYPE_CHECKING:
    from collections.abc import Sequence
    from typing import Any

NARRATIVE = ROOT / "solution" / "notebook.py"
SOLUTION = ROOT / "solution" / "two_layer_net.py"
OUTPUTS = {"student": ROOT / "student" / "two_layer_net.ipynb",      # the skeleton's code
           "solution": ROOT / "solution" / "two_layer_net.ipynb"}    # the reference's, for TAs
IMPORTS = "imports"          # solution="imports": the module-level statements that are not defs
IGNORE = "otter_ignore"      # otter-grader's tag for cells it does not run
KERNEL = {"kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
          "language_info": {"name": "python"}}


class NarrativeError(ValueError):
    """The narrative does not fit the solution (a name it places is not there, or twice)."""


def pieces(source: str) -> dict[str, str]:
    """{top-level name: its text}, in the file's order, with IMPORTS for the other
    statements (the module docstring left out)."""
    tree, lines = ast.parse(source), source.splitlines()
    found: dict[str, list[str]] = {}
    for number, node in enumerate(tree.body):
        if number == 0 and isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
            continue                                  # the module docstring: the narrative says it
        first = min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", [])])
        name = node.name if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) else IMPORTS
        found.setdefault(name, []).append("\n".join(lines[first - 1:node.end_lineno]))
    return {name: "\n".join(texts) for name, texts in found.items()}


def _where(made: list[dict[str, Any]], name: str) -> int | None:
    """The index of the cell of ``made`` that holds the top-level piece ``name``, or None."""
    return next((i for i, cell in enumerate(made) if cell.get("name") == name), None)


def _defines(name: str, functions: Sequence[str]) -> list[str]:
    """The graded functions (course.toml's) that the top-level piece ``name`` defines."""
    if name == IMPORTS:
        return []
    return [f for f in functions if f == name or f.startswith(f"{name}.")]


def _heading(text: str, name: str) -> str:
    node = ast.parse(text).body[0]
    doc = ast.get_docstring(node) if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) else None
    return f"### `{name}`" + (f"\n\n{doc}" if doc else "")


def cells(narrative: str, code: dict[str, str], functions: Sequence[str]) -> list[dict[str, Any]]:
    """The notebook's cells as (kind, source, metadata) dicts: the narrative with ``code``
    ({name: text}, ``pieces``) in its solution cells and a check cell per graded function."""
    notebook = jupytext.reads(narrative, fmt="py:percent")
    out: list[dict[str, Any]] = []
    for cell in notebook.cells:
        meta = dict(cell.metadata)
        if meta.pop("for_ta", False):
            continue
        if "solution" in meta:
            name = meta.pop("solution")
            twice = _where(out, name) is not None
            if name not in code or twice:
                raise NarrativeError(f"solution/notebook.py places {name!r} "
                                     + ("twice" if twice else "which solution/two_layer_net.py does not define"))
            out.append({"kind": "code", "source": code[name], "meta": meta, "name": name})
        elif "check" in meta:
            function = meta.pop("check")
            if function not in functions:
                raise NarrativeError(f"solution/notebook.py checks {function!r}, which course.toml does not grade")
            out.append({"kind": "code", "source": f'check("{function}")', "meta": meta, "check": function})
        else:
            out.append({"kind": cell.cell_type, "source": cell.source, "meta": meta})
    order = list(code)
    for index, name in enumerate(order):           # what the narrative does not place yet
        if _where(out, name) is None:
            before = [i for i in (_where(out, n) for n in order[:index]) if i is not None]
            at = max(before, default=-1) + 1       # after the statement before it and its checks
            while at < len(out) and "check" in out[at]:
                at += 1
            out[at:at] = [{"kind": "markdown", "source": _heading(code[name], name), "meta": {}},
                          {"kind": "code", "source": code[name], "meta": {}, "name": name}]
    checked = {c["check"] for c in out if "check" in c}
    for name in order:                             # graded functions without a check cell
        for function in _defines(name, functions):
            if function not in checked:
                at = start = _where(out, name) or 0
                for i in range(start + 1, len(out)):     # after the last check cell of its section
                    if "check" in out[i]:
                        at = i
                    elif out[i]["kind"] == "code":
                        break
                out.insert(at + 1, {"kind": "code", "source": f'check("{function}")', "meta": {}, "check": function})
                checked.add(function)
    return out


def build(edition: str, narrative: str | None = None, solution: str | None = None) -> str:
    """The text of the ``edition`` ("student" or "solution") notebook."""
    source = solution if solution is not None else SOLUTION.read_text(encoding="utf-8")
    code = pieces(make_skeleton(source) if edition == "student" else source)
    made = cells(narrative if narrative is not None else NARRATIVE.read_text(encoding="utf-8"), code,
                 graded_functions())
    notebook = nbformat.v4.new_notebook(metadata=KERNEL)
    for number, cell in enumerate(made, 1):
        meta = dict(cell["meta"])
        if cell["kind"] == "code" and "name" not in cell:
            meta["tags"] = sorted(set(meta.get("tags", [])) | {IGNORE})
        make = nbformat.v4.new_code_cell if cell["kind"] == "code" else nbformat.v4.new_markdown_cell
        notebook.cells.append(make(cell["source"], metadata=meta, id=f"cell-{number:02d}"))
    nbformat.validate(notebook)
    return nbformat.writes(notebook) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m kit.notebook", description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only check that both notebooks are up to date")
    args = parser.parse_args(argv)
    try:
        made = {path: build(edition) for edition, path in OUTPUTS.items()}
    except (NarrativeError, SyntaxError) as error:
        print(f"solution/notebook.py: {error}", file=sys.stderr)
        return 1
    stale = [path for path, text in made.items()
             if not path.is_file() or path.read_text(encoding="utf-8") != text]
    for path in stale:
        if args.check:
            print(f"{path.relative_to(ROOT)} is out of date: run `make student`", file=sys.stderr)
        else:
            path.write_text(made[path], encoding="utf-8", newline="\n")
            print(f"wrote {path.relative_to(ROOT)}")
    if not stale:
        print("the notebooks are up to date")
    return 1 if args.check and stale else 0


if __name__ == "__main__":
    sys.exit(main())
