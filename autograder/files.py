"""Writing and hashing files so that a killed run never leaves half a file, and an
unchanged file is never rewritten."""
from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import hashlib


def atomic_write(path: str | Path, text: str, encoding: str = "utf-8") -> Path:
    """Write ``text`` to ``path`` through a temporary file and a rename, so
    that a killed run never leaves half a file under the real name."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix="." + path.name + "-")
    try:
        with os.fdopen(fd, "w", encoding=encoding, newline="") as file:
            file.write(text)
        os.chmod(tmp, 0o644)  # mkstemp makes it private; results are for people to read
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def write_if_changed(path: str | Path, text: str, encoding: str = "utf-8") -> None:
    """Write ``text`` atomically unless the file already holds exactly it."""
    try:
        if Path(path).read_text(encoding=encoding) == text:
            return
    except (OSError, UnicodeDecodeError):
        pass
    atomic_write(path, text, encoding=encoding)


def hash_file(h: hashlib._Hash, path: str | Path) -> None:
    """Feed a file's bytes (and a separator) to the hash ``h``."""
    with open(path, "rb") as file:
        while chunk := file.read(1 << 20):
            h.update(chunk)
    h.update(b"\0")
