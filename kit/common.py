"""What the build of the zips (``dist.py``) and their trial (``trial.py``) share: the
refusal they raise, how they log, and where the student's files are. Both use this
module; ``dist.py`` also uses ``trial.py`` (for ``--check``), never the reverse."""
from __future__ import annotations

import sys

from autograder.paths import ROOT

STUDENT = ROOT / "student"


class DistError(Exception):
    """The build or its check refuses: the message says why and what to do."""


def log_to_stderr(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def tail(text: str, lines: int = 15) -> str:
    """The last ``lines`` lines of a command's output, indented for a message."""
    return "\n".join("  " + line for line in text.strip().splitlines()[-lines:])
