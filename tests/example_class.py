"""What the example class's files define, so that expectations about them follow
course.toml: a function the TAs add later (README: add a function) is one that the
hand-written examples do not define, and simply costs them its points."""
import ast

from autograder.intake import read_submission
from autograder.settings import graded_functions
from autograder.settings import load as load_settings


def defined(path):
    """The graded functions (course.toml's names) that the submission at ``path`` defines."""
    found = set()
    for node in ast.parse(read_submission(path)).body:
        if isinstance(node, ast.FunctionDef):
            found.add(node.name)
        elif isinstance(node, ast.ClassDef):
            found.update(f"{node.name}.{item.name}" for item in node.body if isinstance(item, ast.FunctionDef))
    return found & set(graded_functions())


def full_score(path):
    """The most ``path`` can score: the points of the graded functions it defines."""
    points = load_settings()["points"]
    return sum(points[f] for f in defined(path))


def full_marks(path):
    """``full_score`` as the gradebook writes it."""
    return f"{full_score(path):g}"
