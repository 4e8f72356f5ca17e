"""The reference solution, seen from the grader: its functions as collaborators
(see checks/stand_ins.py), one for each graded function of course.toml."""
from __future__ import annotations

from typing import TYPE_CHECKING

from .checks import stand_ins
from .paths import ROOT, load_module
from .settings import graded_functions

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path
    from types import ModuleType
    from typing import Any

SOLUTION = ROOT / "solution" / "two_layer_net.py"


def load_reference(path: Path = SOLUTION) -> ModuleType:
    return load_module(path, "reference_two_layer_net")


def collaborators(ref: ModuleType) -> dict[str, Callable[..., Any]]:
    """The stand-ins the grader gives the checks (checks/stand_ins.py)."""
    return stand_ins.collaborators(ref, graded_functions())
