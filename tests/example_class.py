"""What the example class's files define, so that expectations about them follow
course.toml: a function the TAs add later (README: add a function) is one that the
hand-written examples do not define, and simply costs them its points."""
import ast

from autograder.checks.program import definitions
from autograder.intake import read_submission
from autograder.settings import graded_functions
from autograder.settings import load as load_settings


def defined(path):
    """The graded functions (course.toml's names) that the submission at ``path`` defines."""
    return set(definitions(ast.parse(read_submission(path)), (ast.FunctionDef,))) & set(graded_functions())


def full_score(path):
    """The most ``path`` can score: the points of the graded functions it defines."""
    points = load_settings()["points"]
    return sum(points[f] for f in defined(path))


def full_marks(path):
    """``full_score`` as the gradebook writes it."""
    return f"{full_score(path):g}"
