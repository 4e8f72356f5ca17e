"""Try the built zips the way their users install and run them (``make check-dist``,
``python -m kit.dist --check``): dist/student.zip unpacked and its commands run as a student
would, in a fresh virtualenv from its own requirements.txt, and its notebook executed
headlessly in one with Jupyter added (``check_notebook``); dist/autograder.zip installed
from its own requirements.txt and run as Gradescope runs it (in place, in a private
/autograder, in a simulated Docker container); and the example class graded alike by the
kit and by dist/otter-autograder.zip.
"""
from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING

from autograder.paths import ROOT
from autograder.reference import SOLUTION

from .common import STUDENT, DistError, log_to_stderr, tail
from .gradescope import RunnerError, check as check_runner

if TYPE_CHECKING:
    from collections.abc import Callable, Collection
    from typing import Any


def _guard(folder):
    """A folder for PYTHONPATH whose kit/ package refuses to import, so a student command
    that leans on the course repo's build tools fails instead. (The zip has an autograder/
    of its own, which comes first on the path; a module it lacks fails to import.)"""
    for name in ("kit",):
        (folder / name).mkdir(parents=True)
        (folder / name / "__init__.py").write_text(
            f"raise ImportError('the student zip must not need the course package {name!r}')\n")
    return folder


def check_student_zip(zip_path: str | Path, log: Callable[[str], object] = log_to_stderr,
                      python: str | Path | None = None) -> None:
    """Unpack the student zip in a fresh folder and run its commands there as a student would,
    with ``python`` (default: this one; ``zip_python`` makes one as a student would)."""
    with tempfile.TemporaryDirectory(prefix="dist-student-") as tmp:
        home = Path(tmp) / "student"
        with zipfile.ZipFile(zip_path) as archive:
            archive.extractall(home)
        env = dict(os.environ, PYTHONPATH=str(_guard(Path(tmp) / "guard")), MPLBACKEND="Agg",
                   PYTHONDONTWRITEBYTECODE="1", MPLCONFIGDIR=str(Path(tmp) / "mpl"))

        def expect(command, code, stage):
            run = subprocess.run([str(python or sys.executable), *command], cwd=home, env=env, capture_output=True,
                                 text=True, timeout=600)
            shown = "python " + " ".join(command)
            if run.returncode != code:
                raise DistError(f"student zip, {stage}: `{shown}` exited {run.returncode}, "
                                f"expected {code}:\n" + tail(run.stdout + run.stderr, 25))
            log(f"student zip, {stage}: `{shown}` exited {code} as expected")
            return run.stdout

        expect(["-m", "pytest"], 1, "untouched skeleton")
        expect(["check.py"], 1, "untouched skeleton")
        for script in ("check.py", "train.py"):
            expect([script, "--help"], 0, "help")
        shutil.copyfile(SOLUTION, home / "two_layer_net.py")
        expect(["-m", "pytest"], 0, "reference copied in")
        public = json.loads(expect(["check.py", "--json"], 0, "reference copied in"))
        printed = expect(["train.py", "--epochs", "1", "--limit", "2000"], 0, "reference copied in")
        pictures = ("curves.png", "weights.png", "mistakes.png", "confusion.png")
        if not all((home / name).is_file() for name in pictures) or "final test accuracy" not in printed:
            raise DistError(f"student zip: `python train.py` did not write all of {', '.join(pictures)} "
                            "or no final accuracy")
        reference = SOLUTION.read_text(encoding="utf-8")
        (home / "gbk.py").write_bytes(reference.replace("\n", "\r\n").encode("gbk"))
        if json.loads(expect(["check.py", "gbk.py", "--json"], 0, "saved as GBK"))["score"] != public["score"]:
            raise DistError("student zip: a GBK copy of the reference lost points in check.py")
        expect(["train.py", "--net", "gbk.py", "--epochs", "0.2", "--limit", "2000"], 0, "saved as GBK")
        (home / "loop.py").write_text(reference.replace("        it.iternext()\n", "        pass\n"), encoding="utf-8")
        looped = expect(["check.py", "loop.py"], 1, "an endless loop")
        if "ran out of time" not in looped:
            raise DistError("student zip: check.py gave no time-limit message for an endless loop")
        interrupted = _interrupt([str(python or sys.executable), "check.py", "loop.py"], home, env)
        if interrupted.returncode != 130 or "pass" in interrupted.stdout.lower():
            raise DistError(f"student zip: Ctrl-C in check.py exited {interrupted.returncode}, not 130, "
                            f"or claimed a pass:\n{tail(interrupted.stdout + interrupted.stderr)}")
        log("student zip: Ctrl-C in `python check.py` exited 130 and claimed no pass")


NOTEBOOK = "two_layer_net.ipynb"
JUPYTER = ("jupyterlab",)          # what the student README has students install for the notebook
FILLED = ROOT / "solution" / NOTEBOOK
# appended to check-dist's copy of the filled notebook: the training's result as data
PROBE = ('from IPython.display import display\n'
         'display({"application/json": {"accuracy": float(test_acc[-1])}}, raw=True)')


def jupyter_python(zip_path: str | Path, folder: str | Path) -> Path:
    """``zip_python`` plus what the student README says to install for the notebook (JUPYTER)."""
    python = zip_python(zip_path, folder)
    command = [str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check", *JUPYTER]
    run = subprocess.run(command, capture_output=True, text=True, timeout=1800)
    if run.returncode != 0:
        raise DistError(f"installing {' '.join(JUPYTER)} failed:\n" + tail(run.stdout + run.stderr, 25))
    return python


def _cells(path):
    """The code cells of the notebook at ``path``: (source, text printed, number of PNG images)."""
    found = []
    for cell in json.loads(Path(path).read_text(encoding="utf-8"))["cells"]:
        if cell["cell_type"] == "code":
            outputs = cell.get("outputs", [])
            text = "".join("".join(o.get("text", "")) for o in outputs if o["output_type"] == "stream")
            found.append(("".join(cell["source"]), text, sum("image/png" in o.get("data", {}) for o in outputs),
                          [o["data"]["application/json"] for o in outputs if "application/json" in o.get("data", {})]))
    return found


def run_notebook(python: str | Path, folder: Path, name: str, env: dict[str, str]) -> list[tuple[Any, ...]]:
    """Execute ``folder/name`` headlessly with ``python``'s Jupyter (``jupyter nbconvert
    --execute``, as a student could), in place; its code cells as ``_cells`` reads them."""
    command = [str(python), "-m", "jupyter", "nbconvert", "--to", "notebook", "--execute", "--inplace",
               "--ExecutePreprocessor.timeout=1200", name]
    run = subprocess.run(command, cwd=folder, env=env, capture_output=True, text=True, timeout=1800)
    if run.returncode != 0:
        raise DistError(f"student zip: the notebook {name} stopped: " + tail(run.stdout + run.stderr, 25))
    return _cells(folder / name)


def check_notebook(zip_path: str | Path, python: str | Path, log: Callable[[str], object] = log_to_stderr,
                   keep: Path | None = None, accuracy: float = 0.975) -> None:
    """The notebook edition as a student uses it, with ``python`` (``jupyter_python``'s):
    the untouched notebook runs to the end, each check cell shows its failures and the
    training cell says what to finish first; filled with the reference (solution/'s
    notebook), every check cell passes, training on the zip's MNIST reaches ``accuracy``
    and the curves and three pictures are images. ``keep``: a folder for the executed
    filled notebook and its HTML rendering (for a person to look at)."""
    with tempfile.TemporaryDirectory(prefix="dist-notebook-") as tmp:
        home = Path(tmp) / "student"
        with zipfile.ZipFile(zip_path) as archive:
            archive.extractall(home)
        # one BLAS thread, as the tests have (tests/conftest.py): on a busy machine OpenBLAS's
        # threads wait on each other, and the training took ten times as long
        env = dict(os.environ, PYTHONPATH=str(_guard(Path(tmp) / "guard")), PYTHONDONTWRITEBYTECODE="1",
                   MPLCONFIGDIR=str(Path(tmp) / "mpl"), JUPYTER_PLATFORM_DIRS="1",
                   OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")
        for source, text, images, _ in run_notebook(python, home, NOTEBOOK, env):
            if source.startswith("check(") and ("没有通过 / failed" not in text or "NotImplementedError" not in text):
                raise DistError(f"student zip, untouched notebook: `{source}` shows no failure:\n{tail(text)}")
            if "train(" in source and "Finish these first" not in text:
                raise DistError(f"student zip, untouched notebook: the training cell does not say what to finish "
                                f"first:\n{tail(text)}")
            if images:
                raise DistError(f"student zip, untouched notebook: a picture without training: {source[:60]}")
        log("student zip, untouched notebook: ran to the end; every check cell shows its failures, "
            "the training cell says what to finish first")

        data = json.loads(FILLED.read_text(encoding="utf-8"))
        data["cells"].append({"cell_type": "code", "execution_count": None, "id": "check-dist-probe",
                              "metadata": {}, "outputs": [], "source": PROBE})
        (home / "filled.ipynb").write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        cells = run_notebook(python, home, "filled.ipynb", env)
        checks = [(source, text) for source, text, _, _ in cells if source.startswith("check(")]
        failing = [source for source, text in checks if "every public check passes" not in text]
        if not checks or failing:
            raise DistError(f"student zip, filled notebook: these check cells do not pass: {failing or 'none ran'}")
        reached = cells[-1][3][0]["accuracy"]
        pictures = [images for source, _, images, _ in cells if "train(" in source or source.startswith("if net is")]
        if reached < accuracy or pictures != [1, 1, 1, 1]:
            raise DistError(f"student zip, filled notebook: test accuracy {reached:.4f} (needs {accuracy}), "
                            f"images per picture cell {pictures} (needs [1, 1, 1, 1])")
        log(f"student zip, filled notebook: {len(checks)} check cells pass, test accuracy {reached:.4f}, "
            "curves and three pictures drawn")
        if keep is not None:
            keep.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(home / "filled.ipynb", keep / "notebook-executed.ipynb")
            run = subprocess.run([str(python), "-m", "jupyter", "nbconvert", "--to", "html", "--output-dir",
                                  str(keep), "--output", "notebook-executed", "filled.ipynb"],
                                 cwd=home, env=env, capture_output=True, text=True, timeout=600)
            if run.returncode != 0:
                raise DistError("rendering the executed notebook to HTML failed:\n" + tail(run.stderr))
            log(f"student zip, filled notebook: executed copy and HTML in {keep}")


def _interrupt(command, cwd, env, after=3.0):
    """Run ``command``, press Ctrl-C (SIGINT) after ``after`` seconds; the finished process."""
    process = subprocess.Popen(command, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    time.sleep(after)
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=120)
    return subprocess.CompletedProcess(command, process.returncode, out, err)


DOCKER_CAPS = ("CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER", "CAP_MKNOD", "CAP_NET_RAW",
               "CAP_SETGID", "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP", "CAP_NET_BIND_SERVICE",
               "CAP_SYS_CHROOT", "CAP_KILL", "CAP_AUDIT_WRITE")
ATTACKER = ROOT / "examples" / "attacker" / "two_layer_net.py"
PLACES = ("plain", "nested", "docker")     # how try_gradescope lays out /autograder


def _outer_box(ag_dir, docker=False, keep=()):
    """bwrap options for a private root in which ``ag_dir`` is /autograder: every top-level
    folder of this machine is bound as it is, except /tmp (fresh) and the course repo
    (hidden), so only the zip's copy of the grader can be used. Root keeps its
    capabilities so the grader can start its own boxes; with ``docker``, root instead
    has Docker's default capabilities in a user namespace that may make no namespaces,
    as in Gradescope's container. ``keep``: folders to show at their own paths
    (read-only), e.g. the virtualenv of ``zip_python``."""
    args = ["bwrap", "--die-with-parent", "--unshare-pid"]
    if docker:
        args += ["--unshare-user", "--disable-userns", "--uid", "0", "--gid", "0", "--cap-drop", "ALL"]
        for cap in DOCKER_CAPS:
            args += ["--cap-add", cap]
    else:
        args += ["--cap-add", "ALL"]
    args += ["--tmpfs", "/"]
    for entry in sorted(Path("/").iterdir()):
        if entry.name in ("proc", "dev", "tmp", "autograder"):
            continue
        if entry.is_symlink():
            args += ["--symlink", os.readlink(entry), str(entry)]
        elif entry.is_dir():
            args += ["--bind", str(entry), str(entry)]
    args += ["--proc", "/proc", "--dev-bind", "/dev", "/dev", "--tmpfs", "/tmp", "--tmpfs", str(ROOT)]
    for folder in keep:
        args += ["--ro-bind", str(folder), str(folder)]
    return args + ["--bind", str(ag_dir), "/autograder", "--chdir", "/"]


def outer_box_works(docker: bool = False) -> bool:
    """Whether the outer box of ``try_gradescope`` can run here."""
    if shutil.which("bwrap") is None or os.geteuid() != 0:
        return False
    with tempfile.TemporaryDirectory() as tmp:
        try:
            return subprocess.run(_outer_box(tmp, docker) + ["true"], capture_output=True,
                                  timeout=60).returncode == 0
        except (OSError, subprocess.TimeoutExpired):
            return False


def zip_python(zip_path: str | Path, folder: str | Path) -> Path:
    """A fresh virtualenv in ``folder`` with only what the zip's requirements.txt names,
    installed as its user would (pip, from the package index); returns its python."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(zip_path) as archive:
        (folder / "requirements.txt").write_bytes(archive.read("requirements.txt"))
    base = getattr(sys, "_base_executable", None) or os.path.realpath(sys.executable)
    for command in ([base, "-m", "venv", str(folder / "venv")],
                    [str(folder / "venv" / "bin" / "python"), "-m", "pip", "install", "-q",
                     "--disable-pip-version-check", "-r", str(folder / "requirements.txt")]):
        run = subprocess.run(command, capture_output=True, text=True, timeout=1200)
        if run.returncode != 0:
            raise DistError(f"installing {Path(zip_path).name}'s requirements failed: `{' '.join(command)}`:\n"
                            + tail(run.stdout + run.stderr, 25))
    return folder / "venv" / "bin" / "python"


def try_gradescope(zip_path: str | Path, submission: str | Path, workdir: str | Path, place: str = "plain",
                   python: str | Path | None = None, sandbox: str | None = None) -> dict[str, Any]:
    """Grade ``submission`` with autograder.zip laid out as on Gradescope; return the results.

    workdir/autograder gets source/ (the zip, unpacked), submission/ (the file as
    two_layer_net.py or .ipynb), results/, and run_autograder copied up from source/ as
    Gradescope does. ``place``: "plain" runs run_autograder where it is (AUTOGRADER_ROOT
    points at it); "nested" in a private root where that folder is /autograder
    (``_outer_box``); "docker" the same in a simulated Docker container. ``python``: the
    interpreter (default: this one), e.g. from ``zip_python``. ``sandbox``:
    AUTOGRADER_SANDBOX.
    """
    ag = Path(workdir) / "autograder"
    for sub in ("source", "submission", "results"):
        (ag / sub).mkdir(parents=True)
    with zipfile.ZipFile(zip_path) as archive:
        archive.extractall(ag / "source")
    shutil.copyfile(submission, ag / "submission" / ("two_layer_net" + Path(submission).suffix))  # .py or .ipynb
    shutil.copyfile(ag / "source" / "run_autograder", ag / "run_autograder")
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "C.UTF-8", "HOME": "/tmp",
           "PYTHON": str(python or sys.executable)}
    if sandbox:
        env["AUTOGRADER_SANDBOX"] = sandbox
    if place == "plain":
        command = ["bash", str(ag / "run_autograder")]
        env["AUTOGRADER_ROOT"] = str(ag)
    else:
        keep = [Path(python).parent.parent] if python else []       # the virtualenv
        command = _outer_box(ag, place == "docker", keep) + ["bash", "/autograder/run_autograder"]
    run = subprocess.run(command, env=env, capture_output=True, text=True, timeout=600)
    results = ag / "results" / "results.json"
    if not results.is_file():
        raise DistError(f"run_autograder ({place}) left no results.json (exit {run.returncode}):\n"
                        + tail(run.stdout + run.stderr, 25))
    data = json.loads(results.read_text(encoding="utf-8"))
    if run.returncode != 0 and data.get("status") != "no-sandbox":
        raise DistError(f"run_autograder ({place}) exited {run.returncode}:\n" + tail(run.stdout + run.stderr, 25))
    return data


# Example submissions that otter-grader cannot grade as the kit does, and why (README.md,
# "otter-grader"): otter runs the student's code in its own process, with no time,
# memory or process limits, so a hostile file stops or breaks the whole run.
_RUNS_TRAINING = ("loads MNIST and trains when run as a script; otter runs every statement of the file, "
                  "the kit grades only the definitions (README: otter-grader, difference 2)")
OTTER_CANNOT = {"mallory_1005_5005_two_layer_net.py":
                "hostile: loops forever, eats memory, forks and exits; otter has no sandbox to contain it",
                "chenyi_1011_5011_two_layer_net.py": _RUNS_TRAINING,
                "liuer_1012_5012_two_layer_net.py": _RUNS_TRAINING,
                "sunsan_1013_5013_two_layer_net.ipynb": _RUNS_TRAINING}
EXAMPLES = ROOT / "examples" / "submissions"


def otter_points(zip_path: str | Path, source: str, workdir: str | Path,
                 name: str = "two_layer_net.py") -> dict[str, float]:
    """{function: points} that ``otter run`` with ``zip_path`` gives the source text, handed
    in as ``name`` (``two_layer_net.ipynb``: ``source`` is the notebook, which otter runs)."""
    workdir = Path(workdir)
    (workdir / name).write_text(source, encoding="utf-8")
    run = subprocess.run([sys.executable, "-m", "otter", "run", "-a", str(Path(zip_path).resolve()), "-o", ".",
                          "--no-logo", name], cwd=workdir, capture_output=True, text=True,
                         timeout=600)
    results = workdir / "results.json"
    if run.returncode != 0 or not results.is_file():
        raise DistError(f"otter run exited {run.returncode}:\n" + tail(run.stdout + run.stderr, 25))
    tests = json.loads(results.read_text(encoding="utf-8"))["tests"]
    return {t["name"]: t["score"] for t in tests if "max_score" in t}


def compare_engines(zip_path: str | Path, folder: Path = EXAMPLES, names: Collection[str] | None = None,
                    log: Callable[[str], object] = log_to_stderr) -> dict[str, tuple[float, float]]:
    """Grade the class in ``folder`` (every gradable entry, superseded ones too, or only
    the entries ``names``) with the kit and with
    otter-autograder.zip; raise DistError on any function whose points differ, except
    for the submissions in OTTER_CANNOT. Returns {entry name: (kit, otter) totals}."""
    from autograder.checks.runner import function_points
    from autograder.grade import grade
    from autograder.intake import read_submission
    from autograder.roster import read_class

    totals, differences = {}, []
    paths = [p for e in read_class(folder) if not e.refused for p in (e.path, *(folder / n for n in e.superseded))]
    for path in paths:
        name = path.name
        if names is not None and name not in names:
            continue
        if name in OTTER_CANNOT:
            log(f"otter: {name} left out: {OTTER_CANNOT[name]}")
            continue
        kit = grade(path)
        if kit["status"] != "graded":
            continue
        with tempfile.TemporaryDirectory(prefix="dist-otter-run-") as tmp:
            otter = otter_points(zip_path, read_submission(path), tmp)
        ours = {f: score for f, (score, _) in function_points(kit["tests"]).items()}
        wrong = {f: (ours[f], otter.get(f)) for f in ours if otter.get(f) is None or abs(ours[f] - otter[f]) > 1e-6}
        differences += [f"  {name}: {f}: kit {a:g}, otter {b}" for f, (a, b) in wrong.items()]
        totals[name] = (kit["score"], round(sum(otter.values()), 2))
        log(f"otter: {name}: kit {totals[name][0]:g}, otter {totals[name][1]:g}")
    if differences:
        raise DistError("otter-autograder.zip and the kit grade differently:\n" + "\n".join(differences))
    return totals


def check(out: str | Path | None = None, log: Callable[[str], object] = log_to_stderr) -> None:
    """``make check-dist``: the student zip's commands; autograder.zip installed from its
    own requirements.txt in a fresh virtualenv and run as Gradescope runs it, in place, in a
    private /autograder and in a simulated Docker container (the reference gets full
    marks, the skeleton 0, and a submission that attacks the grader at most 5%), and the same
    on a runner like Gradescope's on Linux 4.14, 5.10 and 6.1 system calls (``gradescope.py``);
    and the example class graded alike by the kit and by otter-autograder.zip."""
    out = Path(out or ROOT / "dist")
    if not all((out / name).is_file() for name in ("student.zip", "autograder.zip", "otter-autograder.zip")):
        raise DistError(f"no zips in {out}: run `make dist` first")
    with tempfile.TemporaryDirectory(prefix="dist-student-env-") as tmp:
        python = zip_python(out / "student.zip", tmp)
        log(f"student.zip: its requirements.txt installed in a fresh virtualenv ({python})")
        check_student_zip(out / "student.zip", log, python)
    with tempfile.TemporaryDirectory(prefix="dist-notebook-env-") as tmp:
        python = jupyter_python(out / "student.zip", tmp)
        log(f"student.zip: its requirements.txt and {' '.join(JUPYTER)} installed in a fresh virtualenv ({python})")
        check_notebook(out / "student.zip", python, log, keep=out / "check-dist")
    places = [p for p in PLACES if p == "plain" or outer_box_works(docker=p == "docker")]
    with tempfile.TemporaryDirectory(prefix="dist-gradescope-") as tmp:
        python = zip_python(out / "autograder.zip", Path(tmp) / "env")
        log(f"autograder.zip: its requirements.txt installed in a fresh virtualenv ({python})")
        for place in places:
            for submission, want in ((SOLUTION, "full"), (STUDENT / "two_layer_net.py", "zero"),
                                     (ATTACKER, "at most 5%")):
                with tempfile.TemporaryDirectory(prefix="run-", dir=tmp) as work:
                    results = try_gradescope(out / "autograder.zip", submission, work, place, python)
                total = sum(t["max_score"] for t in results["tests"])
                score = results["score"]
                ok = total > 0 and {"full": score == total, "zero": score == 0,
                                    "at most 5%": score <= 0.05 * total}[want]
                if not ok:
                    raise DistError(f"autograder.zip ({place}) gave {submission.name} {score:g} / {total:g}, "
                                    f"expected {want}: {results.get('output', '')[:500]}")
                log(f"autograder.zip ({place}, {results.get('sandbox')} box): "
                    f"{submission.relative_to(ROOT)} gets {score:g} / {total:g}")
    try:                                          # on Gradescope's kernels, at half a CPU
        check_runner(out / "autograder.zip", [(SOLUTION, lambda s, t: s == t > 0, "full marks"),
                                              (STUDENT / "two_layer_net.py", lambda s, t: s == 0 < t, "0"),
                                              (ATTACKER, lambda s, t: 0 < t and s <= 0.05 * t, "at most 5%")], log)
    except RunnerError as error:
        raise DistError(str(error)) from None
    compare_engines(out / "otter-autograder.zip", log=log)
