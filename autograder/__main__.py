"""The grader's command line.

    python -m autograder grade SUBMISSION --out DIR    one submission -> DIR/results.json
    python -m autograder bulk SUBMISSIONS --out DIR [--jobs N] [--force] [--student ID]
                              [--overrides FILE] [--pick STUDENT=FILE]
                              a class -> DIR/gradebook.csv, canvas.csv, moodle.csv, similarity.csv,
                              report.html and DIR/<student>/feedback.md
"""
import argparse
import sys

from . import bulk
from .grade import grade, print_table, write_results


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m autograder", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    one = commands.add_parser("grade", help="grade one submission (.py file, folder or .zip)")
    one.add_argument("submission")
    one.add_argument("--out", required=True, help="folder for results.json")
    many = commands.add_parser("bulk", help="grade a whole class (a folder or .zip of submissions)",
                               description=bulk.DESCRIPTION)
    bulk.add_arguments(many)
    args = parser.parse_args(argv)

    if args.command == "grade":
        data = grade(args.submission)
        path = write_results(data, args.out)
        print_table(data)
        print(f"results: {path}")
    elif args.command == "bulk":
        return bulk.main(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
