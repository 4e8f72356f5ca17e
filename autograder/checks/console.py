"""Output that any console can take: the student's commands (``check.py``, ``train.py``)
print Chinese and English, and a console whose encoding cannot show Chinese (cp1252 on
English Windows, ascii when output is redirected) must never end them with
``UnicodeEncodeError``: what it cannot show is written as ``\\uXXXX`` escapes instead.
"""
from __future__ import annotations

import sys


def survive_any_console() -> None:
    """Make sys.stdout and sys.stderr escape what their encoding cannot show (call it
    before the first print, --help included)."""
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure"):       # a replaced stream (a notebook's, say) may not have it
            try:
                stream.reconfigure(errors="backslashreplace")
            except (ValueError, OSError):       # detached or closed
                pass
