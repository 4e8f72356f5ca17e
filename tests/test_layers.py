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
