"""Turn the reference solution into the student skeleton.

The solution marks every part a student writes (the otter-grader / nbgrader
convention)::

    # BEGIN SOLUTION
    # HINT: 中文提示
    # HINT: English hint
    ...solution code...
    # END SOLUTION

Each such hole becomes a banner with the hints and ``raise NotImplementedError``,
so an unfinished function fails loudly. A hole may not end with a block opener
(``for ...:``): the student's line would have to carry the indented code after it,
an easy IndentationError. Make the header given code and the hole what it needs
(``iterations = range(iters_num)`` before ``for i in iterations:``).

Usage: ``python -m kit.skeleton SOLUTION STUDENT [--check]``.
"""
from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from autograder.given import BEGIN, END     # the solution markers, named once

if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence

HINT = "# HINT:"
_DEF = re.compile(r"^(\s*)(?:def|class)\s+(\w+)")


class MarkerError(ValueError):
    """The solution's markers are malformed (unclosed, nested, no hint)."""


def _chinese(text):
    return any("\u4e00" <= char <= "\u9fff" for char in text)


def _qualname(stack, indent):
    """Dotted name of the innermost def/class enclosing a line at ``indent``."""
    return ".".join(name for ind, name in stack if ind < indent) or "<module>"


def _hole(indent, name, hints):
    pad = " " * indent
    lines = [f"{pad}# {'=' * 12} 请补充代码 / YOUR CODE HERE ({name}) {'=' * 12}"]
    lines += [f"{pad}# {hint}" for hint in hints]
    lines.append(f'{pad}raise NotImplementedError("{name}: 请补充这部分代码 / fill in this part")')
    lines.append(f"{pad}# {'=' * 12} 请补充代码结束 / END OF YOUR CODE {'=' * 12}")
    return lines


def holes(source: str) -> Iterator[tuple[int, str, list[str], list[str]]]:
    """Yield ``(line_number, qualname, hints, solution_lines)`` for every hole."""
    stack, hole = [], None
    for number, line in enumerate(source.splitlines(), 1):
        stripped, indent = line.strip(), len(line) - len(line.lstrip())
        if stripped == BEGIN:
            if hole is not None:
                raise MarkerError(f"line {number}: {BEGIN} inside the hole opened at line {hole[0]}")
            hole = (number, _qualname(stack, indent), [], [])
        elif stripped == END:
            if hole is None:
                raise MarkerError(f"line {number}: {END} without {BEGIN}")
            if not hole[2]:
                raise MarkerError(f"line {hole[0]}: hole in {hole[1]} has no '{HINT}' line")
            if not (any(map(_chinese, hole[2])) and not all(map(_chinese, hole[2]))):
                raise MarkerError(f"line {hole[0]}: hole in {hole[1]} needs a Chinese and an "
                                  f"English '{HINT}' line")
            code = [text.split("#")[0].strip() for text in hole[3] if text.strip() and not text.strip().startswith("#")]
            if code and code[-1].endswith(":"):
                raise MarkerError(f"line {hole[0]}: the hole in {hole[1]} ends with a block opener "
                                  f"({code[-1]!r}); make that line given code after the hole")
            yield hole
            hole = None
        elif hole is not None:
            if stripped.startswith(HINT) and not hole[3]:
                hole[2].append(stripped[len(HINT):].strip())
            else:
                hole[3].append(line)
        else:
            match = _DEF.match(line)
            if match:
                stack = [(ind, name) for ind, name in stack if ind < indent]
                stack.append((indent, match.group(2)))
    if hole is not None:
        raise MarkerError(f"line {hole[0]}: {BEGIN} is never closed by {END}")


def make_skeleton(source: str) -> str:
    """Return the student skeleton for the solution text ``source``."""
    found = {number: hole for number, *hole in holes(source)}
    out, skipping = [], False
    for number, line in enumerate(source.splitlines(), 1):
        stripped = line.strip()
        if number in found:
            name, hints, _ = found[number]
            out += _hole(len(line) - len(line.lstrip()), name, hints)
            skipping = True
        elif skipping:
            skipping = stripped != END
        else:
            out.append(line)
    skeleton = "\n".join(out) + "\n"
    compile(skeleton, "two_layer_net.py", "exec")  # a broken skeleton fails here, not in class
    return skeleton


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("solution", type=Path)
    parser.add_argument("student", type=Path)
    parser.add_argument("--check", action="store_true",
                        help="only check that STUDENT is up to date; exit 1 if not")
    args = parser.parse_args(argv)
    try:
        skeleton = make_skeleton(args.solution.read_text(encoding="utf-8"))
    except (MarkerError, SyntaxError) as error:
        sys.exit(f"{args.solution}: {error}")
    current = args.student.read_text(encoding="utf-8") if args.student.exists() else None
    if args.check:
        if current != skeleton:
            sys.exit(f"{args.student} is out of date: run `make student`")
        print(f"{args.student} is up to date")
    elif current != skeleton:
        args.student.write_text(skeleton, encoding="utf-8", newline="\n")
        print(f"wrote {args.student}")
    else:
        print(f"{args.student} already up to date")


if __name__ == "__main__":
    main()
