"""The course settings, course.toml at the top of the repo (one file for every artefact)."""
import sys

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

from kit.modload import ROOT

COURSE = ROOT / "course.toml"


def load(path=COURSE):
    """The settings as a dict (sections: assignment, points, visibility, limits, seeds, late, similarity, lms)."""
    with open(path, "rb") as file:
        return tomllib.load(file)


def limits(settings=None):
    """The sandbox limits from the settings."""
    from .sandbox import Limits
    return Limits(**(settings or load())["limits"])
