"""Build the term's zips from the reference solution and course.toml.

    python -m kit.dist                 # check the safety rails, then write dist/*.zip
    python -m kit.dist --check         # try the zips as their users do (kit/trial.py)
    python -m kit.dist --root DIR      # the same for another copy of the course repo

``dist/student.zip``: what students get (skeleton, its notebook edition, loader, train.py,
pictures.py, check.py,
the grader's reading, box and public checks as ``autograder/``, pytest.ini, README,
requirements, MNIST).
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
from __future__ import annotations

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
from typing import TYPE_CHECKING

from autograder.paths import ROOT
from autograder.reference import SOLUTION

from .common import STUDENT, DistError, log_to_stderr, tail
from .mnist_fetch import FILES as MNIST_FILES, verify
from .skeleton import MarkerError, make_skeleton
from .student_checks import student_checks

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence
    from typing import Any

TEMPLATES = Path(__file__).resolve().parent / "templates"
CHECKS = ROOT / "autograder" / "checks"
STUDENT_FILES = ("two_layer_net.py", "two_layer_net.ipynb", "mnist.py", "train.py", "pictures.py", "check.py",
                 "requirements.txt")
# The part of the grader students get, so that their check is the grader's: its reading of
# files and the box (in "none" mode), beside the public checks (``student_checks``). The otter
# zip has the same, with every check.
STUDENT_GRADER = ("__init__.py", "intake.py")
OTTER_PYTHON = "3.11"                             # the Python the project's tests run otter with
DATE = (1980, 1, 1, 0, 0, 0)                      # every zip entry's timestamp


# ------------------------------------------------------------------ rails

def rails(log: Callable[[str], object] = log_to_stderr) -> None:
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
                        "(tests/test_solution.py):\n" + tail(run.stdout))
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
        raise DistError("student/two_layer_net.py does not import:\n" + tail(run.stderr))

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

    from . import notebook           # last: a broken solution is named above, not as a stale notebook
    stale = [str(path.relative_to(ROOT)) for edition, path in notebook.OUTPUTS.items()
             if not path.is_file() or path.read_text(encoding="utf-8") != notebook.build(edition)]
    if stale:
        raise DistError(f"{', '.join(stale)} out of date with solution/: run `make student`")
    log("rails: notebooks up to date")


# ------------------------------------------------------------------ contents

def course() -> dict[str, Any]:
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


def mnist_gz(data_dir: Path, verified: bool = True) -> dict[str, bytes]:
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


def student_files(data_dir: Path, version: str, verified: bool = True) -> dict[str, bytes]:
    """{name: bytes} of dist/student.zip."""
    files = {name: (STUDENT / name).read_bytes() for name in STUDENT_FILES}
    title, _, rest = (STUDENT / "README.md").read_text(encoding="utf-8").partition("\n")
    files["README.md"] = f"{title} ({version})\n{rest}".encode("utf-8")
    files["pytest.ini"] = (TEMPLATES / "pytest.ini").read_bytes()
    files.update(grader_part(student_checks()))
    files.update(mnist_gz(data_dir, verified))
    return files


def grader_part(checks: dict[str, bytes]) -> dict[str, bytes]:
    """{autograder/<path>: bytes}: the part of the grader that students and the otter zip
    get, so that their checks run as the grader's do: its reading of files and the box
    (with the call contract), beside ``checks`` ({"autograder/checks/<path>": bytes})."""
    files = {f"autograder/{name}": (ROOT / "autograder" / name).read_bytes() for name in STUDENT_GRADER}
    files.update(_tree(ROOT / "autograder" / "sandbox", "autograder/sandbox"))
    return {**files, **checks}


def autograder_files() -> dict[str, bytes]:
    """{name: bytes} of dist/autograder.zip (unpacked by Gradescope in /autograder/source)."""
    files = {name: (TEMPLATES / name).read_bytes() for name in ("setup.sh", "run_autograder")}
    files["requirements.txt"] = (TEMPLATES / "requirements-grader.txt").read_bytes()
    files["course.toml"] = (ROOT / "course.toml").read_bytes()
    files["solution/two_layer_net.py"] = SOLUTION.read_bytes()
    files["student/mnist.py"] = (STUDENT / "mnist.py").read_bytes()   # offered to submissions in the box
    files.update(_tree(ROOT / "autograder", "autograder"))
    return files


def otter_test_files() -> dict[str, str]:
    """{tests/NN_function.py: text}: one otter test file per function, one test case per check.

    Points are course.toml's, shared as the grader shares them (runner.Collector.results).
    """
    from autograder.catalog import graded_checks
    from autograder.checks.runner import hundredths
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
                         f"    from autograder.checks.otter_env import run_check\n"
                         f"    run_check(env, {c.module!r}, {c.test!r}, hidden={c.hidden!r})\n")
        files[f"tests/{number:02d}_{function.replace('.', '_')}.py"] = (
            f'"""otter-grader test file for {function}: made by `make dist` (kit/dist.py) from\n'
            f'autograder/checks; do not edit."""\n'
            "from otter.test_files import test_case\n\n"
            "OK_FORMAT = False\n\n"
            f"name = {function!r}\n" + "".join(cases))
    return files


def otter_files(settings: dict[str, Any]) -> dict[str, bytes]:
    """{name: bytes} of dist/otter-autograder.zip, made by ``otter generate`` in a staging folder."""
    with tempfile.TemporaryDirectory(prefix="dist-otter-") as tmp:
        stage = Path(tmp)
        for name, text in otter_test_files().items():
            (stage / name).parent.mkdir(parents=True, exist_ok=True)
            (stage / name).write_text(text, encoding="utf-8", newline="\n")
        for name, data in grader_part(_tree(CHECKS, "autograder/checks")).items():
            (stage / name).parent.mkdir(parents=True, exist_ok=True)
            (stage / name).write_bytes(data)
        shutil.copyfile(TEMPLATES / "otter_env.py", stage / "autograder" / "checks" / "otter_env.py")
        shutil.copyfile(SOLUTION, stage / "autograder" / "checks" / "reference_two_layer_net.py")
        shutil.copyfile(TEMPLATES / "requirements-grader.txt", stage / "requirements.txt")
        config = {"lang": "python", "show_hidden": settings["visibility"]["hidden"] == "after_published"}
        (stage / "otter_config.json").write_text(json.dumps(config, indent=2) + "\n", encoding="utf-8")
        run = subprocess.run([sys.executable, "-m", "otter", "generate", "--tests-dir", "tests",
                              "--output-path", "otter.zip", "--config", "otter_config.json",
                              "--requirements", "requirements.txt", "--no-environment",
                              "--python-version", OTTER_PYTHON, "autograder"],
                             cwd=stage, capture_output=True, text=True, timeout=300)
        if run.returncode != 0:
            raise DistError("otter generate failed:\n" + tail(run.stdout + run.stderr))
        with zipfile.ZipFile(stage / "otter.zip") as made:
            return {info.filename: made.read(info) for info in made.infolist() if not info.is_dir()}


# ------------------------------------------------------------------ writing

def write_zip(path: Path, files: dict[str, bytes], comment: str) -> None:
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


def build(out: str | Path | None = None, data: str | Path | None = None, log: Callable[[str], object] = log_to_stderr,
          check_rails: bool = True, verified: bool = True) -> list[Path]:
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


# ------------------------------------------------------------------ command line

def main(argv: Sequence[str] | None = None) -> int:
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
            from .trial import check
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
