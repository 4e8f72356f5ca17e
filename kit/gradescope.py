"""dist/autograder.zip on a runner like Gradescope's (``gradescope_like.py``), as
``make check-dist`` and ``tests/test_gradescope.py`` try it.

Gradescope builds the image with the zip's setup.sh (the system Python, only the zip's
requirements.txt) and runs ``/autograder/run_autograder`` as root in a container with
Docker's capabilities, no new namespaces, Linux 4.14 or 5.10 (Amazon Linux 2) or 6.1
(Amazon Linux 2023), 768 MB and half a vCPU. Here: a virtualenv of this machine's own
Python (:func:`system_python`, not the course repo's .venv), a folder laid out as
/autograder (:func:`layout`) and :func:`run_autograder` in the runner. :data:`KERNELS`
says which box ``auto`` must find on each kernel.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING

from . import gradescope_like

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence
    from typing import Any

KERNELS = {"4.14": "uid", "5.10": "uid", "6.1": "landlock"}   # kernel -> the box auto finds there
SYSTEM_PYTHON = "/usr/bin/python3"


class RunnerError(Exception):
    """The zip did not do in the runner what it must."""


def system_python(requirements: str | Path, folder: str | Path, base: str = SYSTEM_PYTHON) -> Path:
    """A virtualenv of this machine's own Python in ``folder`` (which every uid may pass
    through, as /usr may be) with only ``requirements`` installed; returns its python."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    os.chmod(folder, 0o755)
    for command in ([base, "-m", "venv", str(folder / "venv")],
                    [str(folder / "venv" / "bin" / "python"), "-m", "pip", "install", "-q",
                     "--disable-pip-version-check", "-r", str(requirements)]):
        run = subprocess.run(command, capture_output=True, text=True, timeout=1200)
        if run.returncode != 0:
            raise RunnerError(f"`{' '.join(command)}` failed:\n{(run.stdout + run.stderr)[-2000:]}")
    return folder / "venv" / "bin" / "python"


def layout(zip_path: str | Path, folder: str | Path) -> Path:
    """``folder``/autograder as on Gradescope: source/ (the zip), submission/, results/,
    submission_metadata.json and run_autograder copied up from source/; owned by root,
    folders 0755, files 0644 (scripts 0755), in a folder every uid may pass through, so
    that only the grader's own care keeps its files private. Returns the autograder folder."""
    folder = Path(folder)
    ag = folder / "autograder"
    for sub in ("source", "submission", "results"):
        (ag / sub).mkdir(parents=True)
    with zipfile.ZipFile(zip_path) as archive:
        archive.extractall(ag / "source")
    shutil.copyfile(ag / "source" / "run_autograder", ag / "run_autograder")
    (ag / "submission_metadata.json").write_text('{"users": [{"email": "student@example.edu"}]}')
    for path in [folder, *folder.rglob("*")]:
        os.chmod(path, 0o755 if path.is_dir() or path.name in ("run_autograder", "setup.sh") else 0o644)
    return ag


def run_autograder(ag: Path, submission: str | Path, kernel: str, python: str | Path, cpus: float = 0.5,
                   memory_mb: int = 768) -> tuple[subprocess.CompletedProcess, dict[str, Any]]:
    """Put ``submission`` in ``ag``/submission and run run_autograder in the runner; the
    finished process and results.json."""
    shutil.copyfile(submission, ag / "submission" / ("two_layer_net" + Path(submission).suffix))
    env = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "HOME": "/root", "AUTOGRADER_ROOT": str(ag),
           "PYTHON": str(python)}
    run = subprocess.run(gradescope_like.command(kernel, memory_mb, cpus) + ["bash", str(ag / "run_autograder")],
                         env=env, capture_output=True, text=True, timeout=900)
    results = ag / "results" / "results.json"
    if not results.is_file():
        raise RunnerError(f"run_autograder on {kernel} left no results.json:\n{(run.stdout + run.stderr)[-2000:]}")
    return run, json.loads(results.read_text(encoding="utf-8"))


def check(zip_path: str | Path, cases: Sequence[tuple[Path, Callable[[float, float], bool], str]],
          log: Callable[[str], object]) -> None:
    """``make check-dist``'s part: each of ``cases`` ((submission, judge(score, total), what
    is expected)) through run_autograder on each of :data:`KERNELS` at half a CPU and
    768 MB, in the box auto must find there. Raises RunnerError."""
    if not gradescope_like.available():
        log("autograder.zip (Gradescope-like runner): skipped: needs root, unshare, setpriv, libseccomp")
        return
    with tempfile.TemporaryDirectory(prefix="dist-runner-") as tmp:
        os.chmod(tmp, 0o755)                    # the box uid must reach the Python installed in it
        with zipfile.ZipFile(zip_path) as archive:
            (Path(tmp) / "requirements.txt").write_bytes(archive.read("requirements.txt"))
        python = system_python(Path(tmp) / "requirements.txt", Path(tmp) / "env")
        log(f"autograder.zip: its requirements.txt installed on this machine's Python ({python})")
        for kernel, box in KERNELS.items():
            for submission, judge, want in cases:
                work = Path(tempfile.mkdtemp(prefix="run-", dir=tmp))
                _, results = run_autograder(layout(zip_path, work), submission, kernel, python)
                score, total = results["score"], sum(t["max_score"] for t in results["tests"])
                if results.get("sandbox") != box or not judge(score, total):
                    note = next((t["output"] for t in results["tests"] if "sandbox" in (t.get("extra_data") or {})), "")
                    raise RunnerError(f"autograder.zip on Linux {kernel} syscalls gave {submission.name} "
                                      f"{score:g} / {total:g} in the {results.get('sandbox')} box, expected "
                                      f"{want} in the {box} box: {results.get('output', '')[:500]}\n{note[:1500]}")
                log(f"autograder.zip (Gradescope-like runner, Linux {kernel} syscalls, 0.5 CPU, 768 MB, "
                    f"{box} box): {submission.parent.name}/{submission.name} gets {score:g} / {total:g} "
                    f"in {results['execution_time']:.1f} s")
