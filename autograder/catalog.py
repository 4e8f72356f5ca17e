"""The graded checks as data: every ``@check`` of the check files with the function it
grades, its points, the known values it reads and whether students have it.

course.toml decides the order of the functions ([points]) and which checks are hidden
([visibility] hidden_checks); the check files decide the rest. The TA tools
(kit/known_values.py, kit/dist.py) and the tests read the checks from here; the
grader runs the same files with pytest (checks/runner.py).
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import TYPE_CHECKING

from .checks.runner import CHECK_FILES, HERE, position
from .settings import graded_functions
from .settings import load as load_settings

if TYPE_CHECKING:
    from collections.abc import Callable
    from types import ModuleType
    from typing import Any


class UnknownCheck(Exception):
    """course.toml names a check that no check file has."""


@dataclass(frozen=True)
class Check:
    """One ``@check``: ``name`` ("softmax: rows sum to one"), the ``function`` it grades,
    its ``points`` (its share of the function's), the patterns of the ``known`` values it
    reads ("net.*"), ``hidden`` (course.toml), and where it is: ``module`` ("test_basics")
    and ``test`` (the function's name)."""
    name: str
    function: str
    points: float
    known: tuple
    hidden: bool
    module: str
    test: str

    def reads(self, key: str) -> bool:
        """Whether this check reads the known value ``key``."""
        return any(fnmatchcase(key, pattern) for pattern in self.known)


def check_modules() -> list[ModuleType]:
    """The check files' modules, in the order the grader runs them."""
    return [importlib.import_module(f"{__package__}.checks.{name[:-3]}") for name in CHECK_FILES
            if (HERE / name).is_file()]


def graded_checks(settings: dict[str, Any] | None = None) -> list[Check]:
    """Every check, in course.toml's order of functions (within one, as the files have them).

    Raises runner.UnregisteredFunction for a check of a function course.toml does not
    list, UnknownCheck when course.toml hides a check that does not exist.
    """
    settings = settings or load_settings()
    hidden = settings["visibility"]["hidden_checks"]
    found = []
    for module in check_modules():
        for test, value in vars(module).items():
            marks = [m for m in getattr(value, "pytestmark", []) if m.name == "check"]
            if test.startswith("test_") and marks and value.__module__ == module.__name__:
                meta = marks[0].kwargs
                found.append(Check(meta["name"], meta["name"].split(":", 1)[0], meta["points"],
                                   tuple(meta.get("known", ())), meta["name"] in hidden,
                                   module.__name__.rsplit(".", 1)[-1], test))
    unknown = sorted(set(hidden) - {c.name for c in found})
    if unknown:
        raise UnknownCheck("course.toml [visibility] hidden_checks names checks that do not exist: "
                           + "; ".join(map(repr, unknown)))
    functions = graded_functions(settings)
    return sorted(found, key=lambda c: position(functions, c.function, c.name))


def known_makers() -> list[tuple[str, Callable[..., dict[str, Any]]]]:
    """[(name, fn)]: the check files' ``known_*`` functions, which make the known values of
    the checks beside them: ``fn(ref, rng)`` -> {key: value} (kit/known_values.py calls them)."""
    return [(name, value) for module in check_modules() for name, value in vars(module).items()
            if name.startswith("known_") and callable(value) and getattr(value, "__module__", "") == module.__name__]
