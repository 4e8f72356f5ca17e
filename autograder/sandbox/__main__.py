"""``python -m autograder.sandbox``: which box confines student code on this machine.

``setup.sh`` runs it when Gradescope builds the autograder's image, so that the instructor
reads it before any student submits. It tries the boxes in ``auto``'s order and stops at
the first that works (the ``uid`` box's first try makes the grader's files private, as
grading would). When none works it says so loudly, and still exits 0: the runner that
grades may differ from the one that builds the image.
"""
from __future__ import annotations

import platform

from .modes import CONFINING, _module


def main() -> int:
    print(f"autograder sandbox check on {platform.system()} {platform.release()}:")
    for name in CONFINING:
        ok, why = _module(name).status()
        print(f"  {name}: {'works' if ok else 'unusable'} ({why})")
        if ok:
            print(f"sandbox: {name} (AUTOGRADER_SANDBOX=auto will use it)")
            return 0
    banner = "!" * 78
    print(f"\n{banner}\n!!! NO SANDBOX WORKS HERE: every submission graded on a runner like this one gets 0,\n"
          "!!! with a message telling the student that you were told (see the reasons above).\n"
          "!!! Fix: run the autograder as root (Gradescope does) with pyseccomp and libseccomp2\n"
          "!!! (setup.sh installs them), or use Linux 5.13+ (Landlock), or bubblewrap with namespaces.\n"
          "!!! The runner that grades may differ from the one that built this image: upload a test\n"
          f"!!! submission and read the hidden 'sandbox' entry of its results.\n{banner}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
