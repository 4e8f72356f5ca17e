"""What can go wrong when a check calls the submission, wherever it runs."""


class SubmissionError(Exception):
    """Base: a call into the submission did not return normally."""

    def __init__(self, message, stdout=""):
        super().__init__(message)
        self.message = message
        self.stdout = stdout


class StudentError(SubmissionError):
    """The student's code raised. ``kind`` is the exception's class name."""

    def __init__(self, kind, message, traceback="", stdout=""):
        super().__init__(message, stdout)
        self.kind = kind
        self.traceback = traceback

    def __str__(self):
        return f"{self.kind}: {self.message}"


class BoxTimeout(SubmissionError):
    """The call (or the whole submission) ran out of time."""


class BoxCrash(SubmissionError):
    """The process running the student's code died."""


class ImportFailed(SubmissionError):
    """The submission could not be imported at all."""
