"""What of a submission's module-level code is graded: one rule for ``.py`` files,
notebooks (their code cells joined) and the student's own check.

Kept: every function and class definition, ``from __future__`` imports, and
the module-level statements (imports, assignments...) that bind a name the
kept code uses, transitively. Left out: everything else, such as the
``if __name__ == "__main__":`` block, loading MNIST, training, plotting and
printing; and always any statement that calls the data loader (a name
imported from ``mnist``) or some object's ``train_model``, even when its
result is used. Left-out lines become blank lines, so line numbers in
tracebacks stay the student's.
"""
from __future__ import annotations

import ast
from typing import TYPE_CHECKING

from ..intake import encoding_note, read_submission

if TYPE_CHECKING:
    from pathlib import Path

    Def = ast.FunctionDef | ast.AsyncFunctionDef

DEFS = (ast.FunctionDef, ast.AsyncFunctionDef)   # the kinds of def a function can be written with
SESSION_MODULES = ("mnist",)       # modules whose functions load data
SESSION_METHODS = ("train_model",)  # methods that run a training session


def read_student_file(path: str | Path) -> tuple[str, str | None]:
    """(the graded part of the file's text, a note when it was not saved as UTF-8 or
    None), read as the grader reads it (``intake``); raises ``intake.Refused``."""
    return graded_source(read_submission(path)), encoding_note(path)


def definitions(tree: ast.Module, kinds: tuple[type[Def], ...] = DEFS) -> dict[str, Def]:
    """{"name" or "Class.method": its def}: a module's functions and its classes' methods
    (of the ``kinds`` of def), as the contract names them."""
    found = {}
    for node in tree.body:
        if isinstance(node, kinds):
            found[node.name] = node
        elif isinstance(node, ast.ClassDef):
            found.update({f"{node.name}.{f.name}": f for f in node.body if isinstance(f, kinds)})
    return found


def graded_source(text: str) -> str:
    """``text`` with the module-level statements that are not graded blanked out.

    Text that is not valid Python comes back unchanged (importing it then
    reports the syntax error where the student wrote it).
    """
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError):
        return text
    loaders = _loader_names(tree)
    session, tainted = [False] * len(tree.body), set()
    for i, node in enumerate(tree.body):   # loading data or training, and what uses its results
        if _main_guard(node) or _session(node, loaders) or (_loads(node) & tainted and not _definition(node)):
            session[i] = True
            tainted |= _binds(node)
    kept = [_definition(node) or _future(node) for node in tree.body]
    needed = set().union(*(_loads(node) for node, keep in zip(tree.body, kept) if keep))
    changed = True
    while changed:                         # the statements that kept code needs, transitively
        changed = False
        for i, node in enumerate(tree.body):
            if not kept[i] and not session[i] and _binds(node) & needed:
                kept[i], changed = True, True
                needed |= _loads(node)
    lines = text.split("\n")
    keep_lines = {n for node, keep in zip(tree.body, kept) if keep for n in _span(node)}
    for node, keep in zip(tree.body, kept):
        if not keep:
            for n in _span(node):
                if n not in keep_lines:
                    lines[n - 1] = ""
    return "\n".join(lines)


def _span(node):
    first = min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", [])])
    return range(first, node.end_lineno + 1)


def _definition(node):
    return isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))


def _future(node):
    return isinstance(node, ast.ImportFrom) and node.module == "__future__"


def _main_guard(node):
    """``if __name__ == "__main__":`` (it never runs on import anyway)."""
    return isinstance(node, ast.If) and "__name__" in {n.id for n in ast.walk(node.test) if isinstance(n, ast.Name)}


def _loader_names(tree):
    """Names bound at module level to the data loader's module or its functions."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] in SESSION_MODULES:
            found |= {a.asname or a.name for a in node.names}
        elif isinstance(node, ast.Import):
            found |= {a.asname or a.name.split(".")[0] for a in node.names if a.name.split(".")[0] in SESSION_MODULES}
    return found


def _session(node, loaders):
    """Whether the statement loads data or trains: it calls a loader or ``.train_model``."""
    for call in (n for n in ast.walk(node) if isinstance(n, ast.Call)):
        root = call.func
        while isinstance(root, ast.Attribute):
            if root.attr in SESSION_METHODS:
                return True
            root = root.value
        if isinstance(root, ast.Name) and root.id in loaders:
            return True
    return False


def _loads(node):
    """The module-level names a statement reads: inside a function it defines,
    only the names that are not the function's own (arguments, assigned names)."""
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
        args = node.args
        own = {a.arg for a in args.posonlyargs + args.args + args.kwonlyargs + [args.vararg, args.kwarg] if a}
        body = node.body if isinstance(node.body, list) else [node.body]
        own |= {n.id for b in body for n in ast.walk(b) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
        every = [a for a in args.posonlyargs + args.args + args.kwonlyargs + [args.vararg, args.kwarg] if a]
        annotations = [a.annotation for a in every if a.annotation] + [r for r in [getattr(node, "returns", None)] if r]
        evaluated = [*getattr(node, "decorator_list", []), *args.defaults, *[d for d in args.kw_defaults if d],
                     *annotations]                          # evaluated when the def runs
        outer = set().union(set(), *(_loads(ast.Expression(body=e)) for e in evaluated))
        return outer | (set().union(set(), *(_loads(b) for b in body)) - own)
    found = set()
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.Name) and isinstance(child.ctx, ast.Load):
            found.add(child.id)
        else:
            found |= _loads(child)
    return found


def _binds(node):
    """The module-level names a statement binds (not those inside functions it defines)."""
    if isinstance(node, (ast.Import, ast.ImportFrom)):
        return {a.asname or a.name.split(".")[0] for a in node.names}
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return {node.name}
    found, todo = set(), [node]
    while todo:
        current = todo.pop()
        for child in ast.iter_child_nodes(current):
            if isinstance(child, ast.Name) and isinstance(child.ctx, ast.Store):
                found.add(child.id)
            elif isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Import, ast.ImportFrom)):
                found |= _binds(child)
            elif not isinstance(child, (ast.Lambda, ast.GeneratorExp, ast.ListComp, ast.SetComp, ast.DictComp)):
                todo.append(child)
    return found
