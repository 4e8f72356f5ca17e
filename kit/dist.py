"""Build the term's zips from the reference solution and course.toml.

    python -m kit.dist                 # check the safety rails, then write dist/*.zip
    python -m kit.dist --check         # unpack dist/student.zip and run its commands as a
                                       # student would; run dist/autograder.zip as Gradescope does;
                                       # grade the example class with the kit and with otter
    python -m kit.dist --root DIR      # the same for another copy of the course repo

``dist/student.zip``: what students get (skeleton, loader, train.py, check.py,
the public checks as ``checks/``, pytest.ini, README, requirements, MNIST).
``dist/autograder.zip``: a Gradescope autograder (setup.sh, run_autograder, the
grader, all checks, the reference). ``dist/otter-autograder.zip``: the same checks
as otter-grader test files, made with ``otter generate``, with the reference as
the stand-in for the functions a check does not grade. The version of
course.toml is in each zip's comment and in the student README's title.

Safety rails: the build refuses (exit 1, with the reason) when a hole of the
solution has no hint, the committed skeleton is out of date, the solution
disagrees with the values computed by hand in tests/test_solution.py, the known
values are out of date, the skeleton does not import or earns any point, or the
solution does not earn full marks from its own checks.

Zips are byte-identical over builds: sorted entries, fixed timestamps and modes,
no path of the building machine.
"""
import argparse
import gzip
import io
import json
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from autograder.reference import SOLUTION

from .mnist_fetch import FILES as MNIST_FILES, verify
from autograder.paths import ROOT
from .skeleton import MarkerError, make_skeleton
from .student_checks import student_checks

TEMPLATES = Path(__file__).resolve().parent / "templates"
STUDENT = ROOT / "student"
CHECKS = ROOT / "autograder" / "checks"
STUDENT_FILES = ("two_layer_net.py", "mnist.py", "train.py", "check.py", "requirements.txt")
OTTER_PYTHON = "3.11"                             # the Python the project's tests run otter with
DATE = (1980, 1, 1, 0, 0, 0)                      # every zip entry's timestamp


class DistError(Exception):
    """The build refuses: the message says why and what to do."""


def log_to_stderr(text):
    print(text, file=sys.stderr, flush=True)


# ------------------------------------------------------------------ rails

def rails(log=log_to_stderr):
    """Refuse (DistError) unless the solution, skeleton and known values are fit to ship."""
    from autograder.grade import grade

    from . import known_values

    try:
        skeleton = make_skeleton(SOLUTION.read_text(encoding="utf-8"))
    except MarkerError as error:
        raise DistError(f"solution/two_layer_net.py: {error} (each hole needs its '# HINT:' lines, "
                        "Chinese then English, right after '# BEGIN SOLUTION')")
    except SyntaxError as error:
        raise DistError(f"the skeleton made from solution/two_layer_net.py is not valid Python: {error}")
    if (STUDENT / "two_layer_net.py").read_text(encoding="utf-8") != skeleton:
        raise DistError("student/two_layer_net.py is out of date with solution/: run `make student`")
    log("rails: markers and hints ok, skeleton up to date")

    # The known values come from the solution itself, so they cannot catch a wrong
    # solution: its values computed by hand can.
    run = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                          str(ROOT / "tests" / "test_solution.py")],
                         cwd=ROOT, capture_output=True, text=True, timeout=300)
    if run.returncode != 0:
        raise DistError("the solution disagrees with the values computed by hand "
                        "(tests/test_solution.py):\n" + _tail(run.stdout))
    log("rails: the solution matches the hand-computed values")

    try:
        stale = known_values.stale_files()
    except Exception as error:
        raise DistError(f"the known values cannot be made from the solution: {type(error).__name__}: {error}")
    if stale:
        raise DistError(f"known values out of date: {', '.join(map(str, stale))}: run `make fixtures`")
    log("rails: known values up to date")

    with tempfile.TemporaryDirectory(prefix="dist-import-") as tmp:
        run = subprocess.run([sys.executable, "-c", "import runpy, sys; runpy.run_path(sys.argv[1])",
                              str(STUDENT / "two_layer_net.py")], cwd=tmp, capture_output=True,
                             text=True, timeout=120)
    if run.returncode != 0:
        raise DistError("student/two_layer_net.py does not import:\n" + _tail(run.stderr))

    solution = grade(SOLUTION)
    score, total = solution["score"], sum(t["max_score"] for t in solution["tests"])
    if total == 0 or score != total:
        failed = [t for t in solution["tests"] if t["score"] < t["max_score"]]
        detail = "\n".join(f"  {t['name']}\n    " + t["output"].replace("\n", "\n    ") for t in failed[:3])
        raise DistError(f"the solution gets {score:g} / {total:g} from its own checks "
                        f"(it must get full marks):\n{detail or solution['output']}")
    untouched = grade(STUDENT / "two_layer_net.py")
    if untouched["score"] != 0:
        given = [t["name"] for t in untouched["tests"] if t["score"] > 0]
        raise DistError(f"the untouched skeleton gets {untouched['score']:g} points (it must get 0): "
                        + "; ".join(given) + "\n  put the code of these functions between "
                        "'# BEGIN SOLUTION' and '# END SOLUTION', then run `make student`")
    log(f"rails: the solution gets {score:g} / {total:g}, the skeleton 0")


def _tail(text, lines=15):
    return "\n".join("  " + line for line in text.strip().splitlines()[-lines:])


# ------------------------------------------------------------------ contents

def course():
    """course.toml as a dict."""
    from autograder import settings
    return settings.load()


def _tree(folder, prefix, keep=lambda path: True):
    """{prefix/relative path: bytes} for the files under ``folder`` (no caches, no dotfiles)."""
    found = {}
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder)
        hidden = any(part.startswith(".") or part == "__pycache__" for part in rel.parts)
        if path.is_file() and not hidden and path.suffix != ".pyc" and keep(rel):
            found[f"{prefix}/{rel.as_posix()}"] = path.read_bytes()
    return found


def mnist_gz(data_dir, verified=True):
    """{data/NAME.gz: bytes}: the four MNIST files, gzipped reproducibly.

    verified: require the official sha256 (False only for tests with a small fake set).
    """
    found = {}
    for name in MNIST_FILES:
        path = next((p for p in (data_dir / name, data_dir / f"{name}.gz") if p.is_file()), None)
        if path is None or (verified and not verify(path, name)):
            raise DistError(f"{data_dir}: {name} is missing or corrupt: run `make data`")
        raw = path.read_bytes()
        if raw[:2] == b"\x1f\x8b":
            raw = gzip.decompress(raw)
        buffer = io.BytesIO()
        with gzip.GzipFile(filename="", mode="wb", fileobj=buffer, mtime=0, compresslevel=6) as gz:
            gz.write(raw)
        found[f"data/{name}.gz"] = buffer.getvalue()
    return found


def student_files(data_dir, version, verified=True):
    """{name: bytes} of dist/student.zip."""
    files = {name: (STUDENT / name).read_bytes() for name in STUDENT_FILES}
    title, _, rest = (STUDENT / "README.md").read_text(encoding="utf-8").partition("\n")
    files["README.md"] = f"{title} ({version})\n{rest}".encode("utf-8")
    files["pytest.ini"] = (TEMPLATES / "pytest.ini").read_bytes()
    files.update(student_checks())
    files.update(mnist_gz(data_dir, verified))
    return files


def autograder_files():
    """{name: bytes} of dist/autograder.zip (unpacked by Gradescope in /autograder/source)."""
    files = {name: (TEMPLATES / name).read_bytes() for name in ("setup.sh", "run_autograder")}
    files["requirements.txt"] = (TEMPLATES / "requirements-grader.txt").read_bytes()
    files["course.toml"] = (ROOT / "course.toml").read_bytes()
    files["solution/two_layer_net.py"] = SOLUTION.read_bytes()
    files["student/mnist.py"] = (STUDENT / "mnist.py").read_bytes()   # offered to submissions in the box
    files.update(_tree(ROOT / "autograder", "autograder"))
    return files


def otter_test_files():
    """{tests/NN_function.py: text}: one otter test file per function, one test case per check.

    Points are course.toml's, shared as the grader shares them (collect.Collector.results).
    """
    from autograder.catalog import graded_checks
    from autograder.checks.collect import hundredths
    from autograder.settings import graded_functions
    settings, files = course(), {}
    checks = graded_checks(settings)
    for number, function in enumerate(graded_functions(settings), 1):
        mine = [c for c in checks if c.function == function]
        weight = sum(c.points for c in mine)
        shares = hundredths([settings["points"][function] * c.points / weight for c in mine])
        cases = []
        for c, points in zip(mine, shares):
            cases.append(f"\n\n@test_case(name={c.name!r}, points={points!r}, hidden={c.hidden!r})\n"
                         f"def {c.test}(env):\n"
                         f"    from checks.otter_env import run_check\n"
                         f"    run_check(env, {c.module!r}, {c.test!r}, hidden={c.hidden!r})\n")
        files[f"tests/{number:02d}_{function.replace('.', '_')}.py"] = (
            f'"""otter-grader test file for {function}: made by `make dist` (kit/dist.py) from\n'
            f'autograder/checks; do not edit."""\n'
            "from otter.test_files import test_case\n\n"
            "OK_FORMAT = False\n\n"
            f"name = {function!r}\n" + "".join(cases))
    return files


def otter_files(settings):
    """{name: bytes} of dist/otter-autograder.zip, made by ``otter generate`` in a staging folder."""
    with tempfile.TemporaryDirectory(prefix="dist-otter-") as tmp:
        stage = Path(tmp)
        for name, text in otter_test_files().items():
            (stage / name).parent.mkdir(parents=True, exist_ok=True)
            (stage / name).write_text(text, encoding="utf-8", newline="\n")
        for name, data in _tree(CHECKS, "checks").items():
            (stage / name).parent.mkdir(parents=True, exist_ok=True)
            (stage / name).write_bytes(data)
        shutil.copyfile(TEMPLATES / "otter_env.py", stage / "checks" / "otter_env.py")
        shutil.copyfile(SOLUTION, stage / "checks" / "reference_two_layer_net.py")
        shutil.copyfile(TEMPLATES / "requirements-grader.txt", stage / "requirements.txt")
        config = {"lang": "python", "show_hidden": settings["visibility"]["hidden"] == "after_published"}
        (stage / "otter_config.json").write_text(json.dumps(config, indent=2) + "\n", encoding="utf-8")
        run = subprocess.run([sys.executable, "-m", "otter", "generate", "--tests-dir", "tests",
                              "--output-path", "otter.zip", "--config", "otter_config.json",
                              "--requirements", "requirements.txt", "--no-environment",
                              "--python-version", OTTER_PYTHON, "checks"],
                             cwd=stage, capture_output=True, text=True, timeout=300)
        if run.returncode != 0:
            raise DistError("otter generate failed:\n" + _tail(run.stdout + run.stderr))
        with zipfile.ZipFile(stage / "otter.zip") as made:
            return {info.filename: made.read(info) for info in made.infolist() if not info.is_dir()}


# ------------------------------------------------------------------ writing

def write_zip(path, files, comment):
    """Write ``files`` ({name: bytes}) as a reproducible zip: sorted, dated 1980-01-01,
    mode 755 for scripts and 644 otherwise; .gz entries stored, the rest deflated."""
    part = path.with_name(path.name + ".part")
    try:
        with zipfile.ZipFile(part, "w") as archive:
            archive.comment = comment.encode("utf-8")
            for name in sorted(files):
                info = zipfile.ZipInfo(name, date_time=DATE)
                info.create_system = 3
                executable = name.endswith(".sh") or Path(name).name == "run_autograder"
                info.external_attr = (0o100755 if executable else 0o100644) << 16
                stored = name.endswith(".gz")
                info.compress_type = zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED
                archive.writestr(info, files[name], compresslevel=None if stored else 9)
        os.replace(part, path)
    finally:
        part.unlink(missing_ok=True)


def build(out=None, data=None, log=log_to_stderr, check_rails=True, verified=True):
    """Check the rails, then write the three zips in ``out``; return their paths.

    check_rails=False skips the rails (a second build of the same sources);
    verified=False takes MNIST files without the official sha256 (tests only).
    """
    out, data = Path(out or ROOT / "dist"), Path(data or ROOT / "data")
    settings = course()
    version = settings["assignment"]["version"]
    if check_rails:
        rails(log)
    comment = f"{settings['assignment']['title']}, version {version}"
    contents = {"student.zip": student_files(data, version, verified),
                "autograder.zip": autograder_files(),
                "otter-autograder.zip": otter_files(settings)}
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, files in contents.items():
        write_zip(out / name, files, comment)
        paths.append(out / name)
        log(f"wrote {out / name} ({(out / name).stat().st_size / 2**20:.1f} MiB, {len(files)} files)")
    return paths


# ------------------------------------------------------------------ as a student, as Gradescope

def _guard(folder):
    """A folder for PYTHONPATH whose autograder/ and kit/ packages refuse to import, so a
    student command that leans on the course repo (installed here) fails instead."""
    for name in ("autograder", "kit"):
        (folder / name).mkdir(parents=True)
        (folder / name / "__init__.py").write_text(
            f"raise ImportError('the student zip must not need the course package {name!r}')\n")
    return folder


def check_student_zip(zip_path, log=log_to_stderr, python=None):
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
                                f"expected {code}:\n" + _tail(run.stdout + run.stderr, 25))
            log(f"student zip, {stage}: `{shown}` exited {code} as expected")
            return run.stdout

        expect(["-m", "pytest"], 1, "untouched skeleton")
        expect(["check.py"], 1, "untouched skeleton")
        shutil.copyfile(SOLUTION, home / "two_layer_net.py")
        expect(["-m", "pytest"], 0, "reference copied in")
        expect(["check.py"], 0, "reference copied in")
        printed = expect(["train.py", "--epochs", "1", "--limit", "2000"], 0, "reference copied in")
        if not (home / "curves.png").is_file() or "final test accuracy" not in printed:
            raise DistError("student zip: `python train.py` wrote no curves.png or no final accuracy")


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


def outer_box_works(docker=False):
    """Whether the outer box of ``try_gradescope`` can run here."""
    if shutil.which("bwrap") is None or os.geteuid() != 0:
        return False
    with tempfile.TemporaryDirectory() as tmp:
        try:
            return subprocess.run(_outer_box(tmp, docker) + ["true"], capture_output=True,
                                  timeout=60).returncode == 0
        except (OSError, subprocess.TimeoutExpired):
            return False


def zip_python(zip_path, folder):
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
                            + _tail(run.stdout + run.stderr, 25))
    return folder / "venv" / "bin" / "python"


def try_gradescope(zip_path, submission, workdir, place="plain", python=None, sandbox=None):
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
                        + _tail(run.stdout + run.stderr, 25))
    data = json.loads(results.read_text(encoding="utf-8"))
    if run.returncode != 0 and data.get("status") != "no-sandbox":
        raise DistError(f"run_autograder ({place}) exited {run.returncode}:\n" + _tail(run.stdout + run.stderr, 25))
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


def otter_points(zip_path, source, workdir):
    """{function: points} that ``otter run`` with ``zip_path`` gives the source text."""
    workdir = Path(workdir)
    (workdir / "two_layer_net.py").write_text(source, encoding="utf-8")
    run = subprocess.run([sys.executable, "-m", "otter", "run", "-a", str(Path(zip_path).resolve()), "-o", ".",
                          "--no-logo", "two_layer_net.py"], cwd=workdir, capture_output=True, text=True,
                         timeout=600)
    results = workdir / "results.json"
    if run.returncode != 0 or not results.is_file():
        raise DistError(f"otter run exited {run.returncode}:\n" + _tail(run.stdout + run.stderr, 25))
    tests = json.loads(results.read_text(encoding="utf-8"))["tests"]
    return {t["name"]: t["score"] for t in tests if "max_score" in t}


def compare_engines(zip_path, folder=EXAMPLES, names=None, log=log_to_stderr):
    """Grade the class in ``folder`` (every gradable entry, superseded ones too, or only
    the entries ``names``) with the kit and with
    otter-autograder.zip; raise DistError on any function whose points differ, except
    for the submissions in OTTER_CANNOT. Returns {entry name: (kit, otter) totals}."""
    from autograder.checks.collect import function_points
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


def check(out=None, log=log_to_stderr):
    """``make check-dist``: the student zip's commands; autograder.zip installed from its
    own requirements.txt in a fresh virtualenv and run as Gradescope runs it, in place, in a
    private /autograder and in a simulated Docker container (the reference gets full
    marks, the skeleton 0, and a submission that attacks the grader at most 5%); and the
    example class graded alike by the kit and by otter-autograder.zip."""
    out = Path(out or ROOT / "dist")
    if not all((out / name).is_file() for name in ("student.zip", "autograder.zip", "otter-autograder.zip")):
        raise DistError(f"no zips in {out}: run `make dist` first")
    with tempfile.TemporaryDirectory(prefix="dist-student-env-") as tmp:
        python = zip_python(out / "student.zip", tmp)
        log(f"student.zip: its requirements.txt installed in a fresh virtualenv ({python})")
        check_student_zip(out / "student.zip", log, python)
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
    compare_engines(out / "otter-autograder.zip", log=log)


# ------------------------------------------------------------------ command line

def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m kit.dist", description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="check the built zips as a student and as Gradescope")
    parser.add_argument("--root", type=Path, help="the course repo to build (default: this one)")
    parser.add_argument("--out", type=Path, help="folder for the zips (default: ROOT/dist)")
    parser.add_argument("--data", type=Path, help="folder with the MNIST files (default: ROOT/data)")
    args = parser.parse_args(argv)
    if args.root and args.root.resolve() != ROOT:
        forwarded = ["--check"] if args.check else []
        for flag, value in (("--out", args.out), ("--data", args.data)):
            if value:
                forwarded += [flag, str(value.resolve())]
        root = str(args.root.resolve())
        env = dict(os.environ, PYTHONPATH=root)
        return subprocess.run([sys.executable, "-m", "kit.dist", *forwarded], cwd=root, env=env).returncode
    try:
        if args.check:
            check(args.out)
            log_to_stderr("check-dist: ok")
        else:
            build(args.out, args.data)
    except DistError as error:
        log_to_stderr(f"make dist refused: {error}" if not args.check else f"check-dist failed: {error}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
