"""Where the course repo is, and loading a Python file as a module by its path
(solution/ and student/ are folders of files, not packages)."""
from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from types import ModuleType

ROOT = Path(__file__).resolve().parent.parent   # the course repo (or autograder.zip's source/)


def load_module(path: str | Path, name: str | None = None) -> ModuleType:
    """Import the file at ``path`` under ``name`` (default: its stem) and return the module.

    The module is not put in ``sys.modules``, so two files with the same stem
    (solution/ and student/ ``two_layer_net.py``) never shadow each other.
    """
    path = Path(path)
    spec = importlib.util.spec_from_file_location(name or path.stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
