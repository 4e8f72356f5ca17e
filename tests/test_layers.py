"""The packages' layers point one way: kit/ (the TAs' tools) may use autograder/, never the
reverse, so that the grader ships and runs without the TA tools."""
import ast

from autograder.paths import ROOT


def imported(path):
    """The absolute module names a Python file imports."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append(node.module)
    return found


def test_no_module_of_the_grader_imports_the_kit():
    files = sorted((ROOT / "autograder").rglob("*.py"))
    assert len(files) > 20
    wrong = [f"{path.relative_to(ROOT)}: {name}" for path in files for name in imported(path)
             if name == "kit" or name.startswith("kit.")]
    assert wrong == []


def test_the_scan_sees_an_import_of_the_kit(tmp_path):
    probe = tmp_path / "probe.py"
    probe.write_text("import os\nfrom kit.dist import build\ndef f():\n    import kit\n", encoding="utf-8")
    assert imported(probe) == ["os", "kit.dist", "kit"]


def relative_imports(path):
    """The sandbox modules a file of autograder/sandbox/ imports relatively (``from . import x``,
    ``from .x import y``)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.level == 1:
            found += [node.module] if node.module else [alias.name for alias in node.names]
    return found


def test_the_box_modes_never_import_the_choice_among_them():
    """sandbox/modes.py chooses among the modes; each mode (and what they share) builds on
    shared.py and never imports modes.py."""
    sandbox = ROOT / "autograder" / "sandbox"
    lower = ["shared.py", "bwrap.py", "landlock.py", "uid.py", "none.py", "process.py"]
    wrong = {name: "modes" for name in lower if "modes" in relative_imports(sandbox / name)}
    assert wrong == {}
    assert "modes" in relative_imports(sandbox / "box.py")       # the scan sees an import of it


def kit_imports(path):
    """The kit/ modules a kit/ file imports, at its top or inside a function: ``kit.x``,
    ``.x`` and ``from . import x`` all give "x"."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and (node.level == 1 or (node.module or "").split(".")[0] == "kit"):
            module = (node.module or "").removeprefix("kit").lstrip(".") if node.level == 0 else node.module
            found |= {module} if module else {alias.name for alias in node.names}
        elif isinstance(node, ast.Import):
            found |= {alias.name[4:] for alias in node.names if alias.name.startswith("kit.")}
    return {name.split(".")[0] for name in found}


def cycles(graph):
    """The modules of ``graph`` ({module: modules it imports}) that reach themselves."""
    def reach(start):
        seen, todo = set(), list(graph.get(start, ()))
        while todo:
            name = todo.pop()
            if name not in seen:
                seen.add(name)
                todo.extend(graph.get(name, ()))
        return seen
    return sorted(name for name in graph if name in reach(name))


def test_the_kit_modules_import_each_other_one_way():
    graph = {path.stem: kit_imports(path) for path in (ROOT / "kit").glob("*.py")}
    assert "trial" in graph["dist"]          # dist --check uses the trial of the zips ...
    assert cycles(graph) == []               # ... which never uses dist back


def test_the_cycle_scan_sees_a_cycle(tmp_path):
    (tmp_path / "a.py").write_text("from .b import x\n", encoding="utf-8")
    (tmp_path / "b.py").write_text("def f():\n    from kit import a\n", encoding="utf-8")
    graph = {path.stem: kit_imports(path) for path in tmp_path.glob("*.py")}
    assert graph == {"a": {"b"}, "b": {"a"}} and cycles(graph) == ["a", "b"]
