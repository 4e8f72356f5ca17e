"""What can go wrong when a check calls the submission, in the sandbox or in-process."""
from __future__ import annotations


class BoxError(Exception):
    """Base class of everything a call into the submission raises about the submission."""

    def __init__(self, message: str, stdout: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.stdout = stdout


class StudentError(BoxError):
    """The student's code raised ``kind``; ``traceback`` shows the student's frames only."""

    def __init__(self, kind: str, message: str, traceback: str = "", stdout: str = "") -> None:
        super().__init__(message, stdout)
        self.kind = kind
        self.traceback = traceback

    def __str__(self):
        return f"{self.kind}: {self.message}"


class BoxTimeout(BoxError):
    """A call (or the submission's total time) ran over its limit."""


class BoxCrash(BoxError):
    """The process running the student's code died (or broke the protocol)."""

    def __init__(self, message: str, stdout: str = "", returncode: int | None = None) -> None:
        super().__init__(message, stdout)
        self.returncode = returncode


class ImportFailed(BoxError):
    """The submission could not be imported, so nothing in it can be called."""
