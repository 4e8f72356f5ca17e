"""Text a student controls is data, never markup: one function per kind of output.

Code, output, exception messages, returned values, file names and zip entry names all
reach the grader's files and terminal. Whatever writes one kind of output passes every
such text through this module's function for it, and nowhere else:

- ``printable``: every output. Invalid Unicode (lone surrogates, and the bytes of a
  file name that was not UTF-8) and control characters (terminal escapes, ``\\r``,
  C1 codes, bidirectional overrides) are shown as ``\\x1b``-style escapes, never obeyed.
- ``bounded``: results.json (``grade.write_results``): every text printable and capped,
  the whole under 1 MB; what is cut ends in "… (N bytes more)". The terminal prints
  what was written, so it shows nothing raw either.
- ``csv_text``: the four CSV files: a cell a spreadsheet would read as a formula
  gets a leading ``'``.
- ``md_code``, ``md_text``, ``md_block``: feedback.md's code spans, plain text and
  fenced blocks.
- ``html_value``: report.html, as Jinja2's ``finalize`` (autoescaping does the HTML).
"""
from __future__ import annotations

import csv
import io
import json
import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence
    from typing import Any

MAX_RESULTS = 1_000_000     # bytes of results.json (PrairieLearn refuses more; Gradescope shows it all)
MAX_TEXT = 20_000           # bytes of any one text in results.json (a check's output, a message)
MAX_ITEMS = 200             # items of a list in results.json (the tests are far fewer)
MAX_FEEDBACK = 400_000      # bytes of a feedback.md
MAX_CELL = 2_000            # bytes of a value in report.html
MAX_CODE = 100_000          # bytes of a submission's code shown in report.html

# Kept in a block of text: line feeds and tabs. Everything else here is escaped: C0
# controls (ESC, CR, BS...), DEL, C1 controls (CSI...), lone surrogates, bidirectional
# marks and overrides, line and paragraph separators.
_UNPRINTABLE = "\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069"
_BLOCK = re.compile(f"[{_UNPRINTABLE}]")
_INLINE = re.compile(f"[{_UNPRINTABLE}\t\n]")


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    if 0xDC80 <= code <= 0xDCFF:        # a byte that was not UTF-8 (os.fsdecode's surrogateescape)
        code -= 0xDC00
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def printable(text: object, inline: bool = False) -> str:
    """``text`` with nothing a terminal, editor or browser would obey: see the module
    docstring. ``inline``: line feeds and tabs are escaped too (a name, a table cell)."""
    return (_INLINE if inline else _BLOCK).sub(_escape, str(text))


def cut(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` bytes of UTF-8, saying how much was left out."""
    data = text.encode("utf-8", "backslashreplace")
    if len(data) <= limit:
        return text
    return data[:limit].decode("utf-8", "ignore") + f"\n… ({len(data) - limit} bytes more)"


def decoded_name(name: str) -> str:
    """A file name as its author wrote it: the bytes the file system holds (a GBK name
    left by ``unzip`` on Linux comes as undecodable bytes) read as UTF-8, else GB18030;
    else the name as it is (``printable`` shows its bytes)."""
    import os
    data = os.fsencode(name)
    for encoding in ("utf-8", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return name


# ------------------------------------------------------------------ results.json

def bounded(data: Any, limit: int = MAX_RESULTS) -> Any:
    """``data`` (plain JSON data) with every text printable and every text and list
    capped, so that its JSON is at most ``limit`` bytes: the texts' cap is halved
    until it is (``MAX_TEXT`` at first, which the grader's own results never reach)."""
    cap = MAX_TEXT
    while True:
        found = _bounded(data, cap)
        if cap <= 64 or len(json.dumps(found, ensure_ascii=False).encode("utf-8")) <= limit:
            return found
        cap //= 2


def _bounded(value, cap):
    if isinstance(value, str):
        return cut(printable(value), cap)
    if isinstance(value, dict):
        return {printable(key): _bounded(item, cap) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        kept = [_bounded(item, cap) for item in value[:MAX_ITEMS]]
        return kept + ([f"… ({len(value) - MAX_ITEMS} more)"] if len(value) > MAX_ITEMS else [])
    return value


# ------------------------------------------------------------------ CSV

_NUMBER = re.compile(r"[+-]?[0-9]+(\.[0-9]+)?([eE][+-]?[0-9]+)?")


def csv_text(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """CSV text (CRLF line ends) in which no cell is a formula: a text that starts with
    ``= + - @``, a tab or a carriage return, and is not a plain number, gets a leading
    ``'``, as OWASP advises; every cell is printable (one line)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([csv_cell(value) for value in header])
    writer.writerows([csv_cell(value) for value in row] for row in rows)
    return buffer.getvalue()


def csv_cell(value: object) -> str:
    """One cell of csv_text."""
    text = str(value)
    if text[:1] in ("=", "+", "-", "@", "\t", "\r") and not _NUMBER.fullmatch(text):
        text = "'" + text
    return printable(text, inline=True)


# ------------------------------------------------------------------ Markdown

def md_code(text: str) -> str:
    """``text`` as an inline code span that no backtick inside can close (one line)."""
    text = printable(text, inline=True)
    ticks = "`" * (max((len(run) for run in re.findall(r"`+", text)), default=0) + 1)
    pad = " " if text[:1] in ("`", " ") or text[-1:] in ("`", " ") else ""    # CommonMark drops one each side
    return f"{ticks}{pad}{text}{pad}{ticks}"


_MARKDOWN = re.compile(r"([\\`*_{}\[\]<>&|~#!])")


def md_text(text: str) -> str:
    """``text`` as literal Markdown text on one line: no HTML, link, code span or emphasis."""
    return _MARKDOWN.sub(r"\\\1", printable(text, inline=True))


def md_block(text: str) -> str:
    """``text`` in a fenced code block whose fence no backtick run inside can close."""
    text = printable(text)
    longest = max((len(m) for m in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}text\n{text.rstrip()}\n{fence}"


# ------------------------------------------------------------------ HTML

def html_value(value: Any) -> Any:
    """Jinja2's ``finalize`` for report.html: every value printed printable and capped
    (autoescaping makes it text); Markup (the report's own, e.g. code escaped by
    copydetect with its <mark> tags) is made printable only, which adds no markup."""
    from markupsafe import Markup
    if isinstance(value, Markup):
        return Markup(printable(value))
    if isinstance(value, str):
        return cut(printable(value), MAX_CELL)
    return value
