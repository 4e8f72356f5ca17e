#!/usr/bin/env bash
# Gradescope runs this once, as root, while it builds the autograder image
# (this zip is unpacked in /autograder/source). It installs what run_autograder
# needs and nothing more: Python with the packages of requirements.txt, and the
# two boxes for student code: bubblewrap (where namespaces can be made) and
# libseccomp (the landlock and uid boxes, which work in Gradescope's Docker container).
# The project itself is NOT installed: run_autograder puts /autograder/source
# on PYTHONPATH, which no box lets student code read.
set -euo pipefail
cd "$(dirname "$0")"
export DEBIAN_FRONTEND=noninteractive PIP_BREAK_SYSTEM_PACKAGES=1
apt-get update -qq
apt-get install -y -qq python3 python3-pip bubblewrap libseccomp2
python3 -m pip install --no-cache-dir -r requirements.txt
python3 -c "import matplotlib.font_manager"   # builds the font cache once; every box gets a copy
# Which box will confine student code (printed for the instructor; never fails the build).
PYTHONPATH="$PWD" python3 -m autograder.sandbox || echo "!!! the sandbox check itself failed: see above"
