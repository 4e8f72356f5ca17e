"""The course settings, course.toml at the top of the repo (one file for every artefact)."""
from __future__ import annotations

import sys
from typing import TYPE_CHECKING

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

from .paths import ROOT

if TYPE_CHECKING:
    from pathlib import Path
    from typing import Any

    from .sandbox import Limits

COURSE = ROOT / "course.toml"
# The values of the optional sections when a course.toml leaves them out.
DEFAULTS: dict[str, dict[str, Any]] = {"late": {"penalty": 0.0}, "given_code": {"penalty": 0}, "similarity": {"threshold": 0.7},
            "lms": {"title": "Two-layer neural network", "canvas_assignment_id": ""}}


def load(path: Path = COURSE) -> dict[str, Any]:
    """The settings as a dict (sections: assignment, points, visibility, limits, seeds,
    and the optional late, given_code, similarity, lms filled in from DEFAULTS)."""
    with open(path, "rb") as file:
        settings = tomllib.load(file)
    for section, values in DEFAULTS.items():
        settings[section] = {**values, **settings.get(section, {})}
    return settings


def graded_functions(settings: dict[str, Any] | None = None) -> tuple[str, ...]:
    """The graded functions (the contract's names) in the order of course.toml's [points]:
    the one list of them, which results, gradebooks and stand-ins follow."""
    return tuple((settings or load())["points"])


def limits(settings: dict[str, Any] | None = None) -> Limits:
    """The sandbox limits from the settings."""
    from .sandbox import Limits
    return Limits(**(settings or load())["limits"])
