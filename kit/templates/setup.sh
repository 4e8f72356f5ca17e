#!/usr/bin/env bash
# Gradescope runs this once, as root, while it builds the autograder image
# (this zip is unpacked in /autograder/source). It installs the grader's
# Python packages with pip and bubblewrap, the sandbox that runs student code.
# The project itself is NOT installed: run_autograder puts /autograder/source
# on PYTHONPATH, which the sandbox never mounts, so the reference solution stays
# out of the students' reach.
set -euo pipefail
cd "$(dirname "$0")"
export DEBIAN_FRONTEND=noninteractive PIP_BREAK_SYSTEM_PACKAGES=1
apt-get update -qq
apt-get install -y -qq python3 python3-pip bubblewrap
python3 -m pip install --no-cache-dir -r requirements.txt
