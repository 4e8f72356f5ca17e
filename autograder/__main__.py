"""The grader's command line.

    python -m autograder grade SUBMISSION --out DIR    one submission -> DIR/results.json
    python -m autograder bulk SUBMISSIONS --out DIR [--jobs N] [--force] [--student ID]
                              [--overrides FILE] [--pick STUDENT=FILE]
                              a class -> DIR/gradebook.csv, canvas.csv, moodle.csv, similarity.csv,
                              report.html and DIR/<student>/feedback.md

``grade`` imports only what grading one submission needs (no bulk, tqdm, matplotlib,
copydetect or Jinja2), so the Gradescope zip installs few packages.
"""
from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Sequence


def main(argv: Sequence[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = argparse.ArgumentParser(prog="python -m autograder", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    one = commands.add_parser("grade", help="grade one submission (.py file, folder or .zip)")
    one.add_argument("submission")
    one.add_argument("--out", required=True, help="folder for results.json")
    many = commands.add_parser("bulk", help="grade a whole class (a folder or .zip of submissions)")
    if argv[:1] == ["bulk"]:
        from . import bulk
        many.description = bulk.DESCRIPTION
        bulk.add_arguments(many)
    args = parser.parse_args(argv)

    if args.command == "grade":
        from .grade import main as grade_main
        return grade_main(args.submission, args.out)
    from . import bulk
    return bulk.main(args)


if __name__ == "__main__":
    sys.exit(main())
