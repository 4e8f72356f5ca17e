"""Reading submissions: files, folders, zips, notebooks, encodings; bad input refused clearly."""
import json
import stat
import time
import zipfile

import pytest

from autograder.intake import Refused, read_submission

SOURCE = "# 两层网络\ndef sigmoid(x):\n    return x\n"


def make_zip(path, entries):
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return path


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030"])
@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_encodings_and_line_ends(tmp_path, encoding, newline):
    path = tmp_path / "two_layer_net.py"
    path.write_bytes(SOURCE.replace("\n", newline).encode(encoding))
    assert read_submission(path) == SOURCE


def test_folder_nested_one_level_with_other_files(tmp_path):
    (tmp_path / "hw").mkdir()
    (tmp_path / "hw" / "two_layer_net.py").write_text(SOURCE, encoding="utf-8")
    (tmp_path / "hw" / "helper.py").write_text("x = 1\n", encoding="utf-8")
    (tmp_path / "notes.md").write_text("hi", encoding="utf-8")
    assert read_submission(tmp_path) == SOURCE


def test_zip_nested_with_macosx_junk(tmp_path):
    path = make_zip(tmp_path / "s.zip", {"hw/two_layer_net.py": SOURCE.encode("gbk"),
                                         "__MACOSX/hw/._two_layer_net.py": b"\0\5junk"})
    assert read_submission(path) == SOURCE


def test_folder_holding_one_zip(tmp_path):
    make_zip(tmp_path / "s.zip", {"two_layer_net.py": SOURCE})
    assert read_submission(tmp_path) == SOURCE


def test_notebook_code_cells(tmp_path):
    cells = [{"cell_type": "markdown", "source": ["# title"]},
             {"cell_type": "code", "source": ["%matplotlib inline\n", "import numpy as np\n", "H = 1e-4"]},
             {"cell_type": "code", "source": "@staticmethod\ndef f():\n    return 1"},
             {"cell_type": "code", "source": "x = load_mnist()\nnet.train_model(x)\nplt.show()"}]
    path = tmp_path / "two_layer_net.ipynb"
    path.write_text(json.dumps({"cells": cells}), encoding="utf-8")
    # the code cells, joined; magics commented out (what is graded: tests/test_program.py)
    assert read_submission(path) == ("# %matplotlib inline\nimport numpy as np\nH = 1e-4\n@staticmethod\ndef f():\n"
                                     "    return 1\nx = load_mnist()\nnet.train_model(x)\nplt.show()\n")


def test_a_coding_comment_is_honoured_and_rewritten(tmp_path):
    path = tmp_path / "two_layer_net.py"
    path.write_bytes("# -*- coding: gbk -*-\r\n# 两层网络\r\nx = 1\r\n".encode("gbk"))
    text = read_submission(path)
    assert text == "# -*- coding: utf-8 -*-\n# 两层网络\nx = 1\n"
    compile(text.encode("utf-8"), "two_layer_net.py", "exec")  # what the grader writes, then imports


@pytest.mark.parametrize("build, status", [
    (lambda p: p / "nothing.py", "missing"),
    (lambda p: (p / "a.txt").write_text("x") and p / "a.txt", "wrong-type"),
    (lambda p: (p / "b.zip").write_bytes(b"PK\3\4 not really") and p / "b.zip", "bad-zip"),
    (lambda p: make_zip(p / "c.zip", {"readme.txt": "no code"}), "no-file"),
    (lambda p: make_zip(p / "d.zip", {"a/two_layer_net.py": "", "b/two_layer_net.py": ""}), "ambiguous"),
    (lambda p: (p / "e.py").write_bytes(b"\xff\xfe\x00bad") and p / "e.py", "binary"),
    (lambda p: (p / "f.ipynb").write_text("{not json") and p / "f.ipynb", "bad-notebook"),
    (lambda p: (p / "g.py").write_bytes(b"x = 1\n" * 300000) and p / "g.py", "too-large"),
])
def test_bad_input_is_refused_with_a_status(tmp_path, build, status):
    with pytest.raises(Refused) as refused:
        read_submission(build(tmp_path))
    assert refused.value.status == status and refused.value.reason


def test_zip_bomb_is_refused_fast(tmp_path):
    path = tmp_path / "bomb.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("two_layer_net.py", b"\0" * (200 << 20))
    start = time.perf_counter()
    with pytest.raises(Refused) as refused:
        read_submission(path)
    assert refused.value.status == "zip-too-large"
    assert time.perf_counter() - start < 0.5


def test_zip_links_and_escaping_names_are_ignored(tmp_path):
    path = tmp_path / "evil.zip"
    with zipfile.ZipFile(path, "w") as archive:
        link = zipfile.ZipInfo("two_layer_net.py")
        link.external_attr = (stat.S_IFLNK | 0o777) << 16
        archive.writestr(link, "/etc/passwd")
        archive.writestr("../two_layer_net.py", "escape = True\n")
        archive.writestr("sub/two_layer_net.py", SOURCE)
    assert read_submission(path) == SOURCE
    assert not (tmp_path.parent / "two_layer_net.py").exists()


def test_one_unsafe_path_rule_for_both_zip_readers():
    from autograder import roster
    from autograder.intake import unsafe_path
    for name in ("", "/etc/two_layer_net.py", "../two_layer_net.py", "a/../../x.py", "C:two_layer_net.py",
                 "C:/x/two_layer_net.py", "two_layer_net.py\0.txt"):
        assert unsafe_path(name), repr(name)
    for name in ("two_layer_net.py", "lisi/two_layer_net.py", "a..b/x.py"):
        assert not unsafe_path(name), name
    assert roster.unsafe_path is unsafe_path


# ------------------------------------------------------------------ malformed input is the student's

def notebook(path, text):
    path.write_text(text if isinstance(text, str) else json.dumps(text), encoding="utf-8")
    return path


@pytest.mark.parametrize("content", [
    {"cells": "not a list"},                                                   # cells a string
    {"cells": [{"cell_type": "code", "source": None}]},                        # source null
    {"cells": [{"cell_type": "code", "source": [1, 2]}]},                      # source not text
    {"cells": [1, "x", None]},                                                 # a cell not a dict
    [{"cells": []}],                                                           # not an object
    '{"cells": ' + "[" * 100_000 + "]" * 100_000 + "}",                        # nested past the parser
])
def test_a_notebook_of_the_wrong_structure_is_refused(tmp_path, content):
    with pytest.raises(Refused) as refused:
        read_submission(notebook(tmp_path / "two_layer_net.ipynb", content))
    assert refused.value.status == "bad-notebook" and ".ipynb" in refused.value.reason


def corrupt_zip(path, method):
    """A zip whose one entry's compressed data is damaged (its CRC and sizes still say it is fine)."""
    with zipfile.ZipFile(path, "w", method) as archive:
        archive.writestr("two_layer_net.py", "".join(f"x{i} = {i * 7919 % 10007}\n" for i in range(2000)))
    data = bytearray(path.read_bytes())
    start = 30 + len("two_layer_net.py")          # the local header, then the compressed data
    for i in range(start + 16, start + 200):
        data[i] ^= 0x5A
    path.write_bytes(bytes(data))
    return path


@pytest.mark.parametrize("method", [zipfile.ZIP_DEFLATED, zipfile.ZIP_LZMA, zipfile.ZIP_BZIP2])
def test_a_zip_with_corrupt_compressed_data_is_refused(tmp_path, method):
    with pytest.raises(Refused) as refused:
        read_submission(corrupt_zip(tmp_path / "s.zip", method))
    assert refused.value.status == "bad-zip"


@pytest.mark.parametrize("data", [b"# coding: undefined\nx = 1\n",       # a codec that always fails
                                  b"# coding: utf-7\nx = '+2AA-'\n"])    # a lone surrogate once decoded
def test_a_coding_comment_that_cannot_give_source_text_is_not_used(tmp_path, data):
    path = tmp_path / "two_layer_net.py"
    path.write_bytes(data)
    text = read_submission(path)
    assert text.encode("utf-8") and text.startswith("# coding: utf-8\n")


@pytest.mark.parametrize("name, build", [
    ("two_layer_net.ipynb", lambda p: notebook(p, {"cells": [{"cell_type": "code", "source": None}]})),
    ("s.zip", lambda p: corrupt_zip(p, zipfile.ZIP_LZMA)),
])
def test_grade_refuses_malformed_input_with_exit_0_and_a_results_json(tmp_path, name, build):
    import subprocess
    import sys
    run = subprocess.run([sys.executable, "-m", "autograder", "grade", str(build(tmp_path / name)),
                          "--out", str(tmp_path / "out")], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    data = json.loads((tmp_path / "out" / "results.json").read_text(encoding="utf-8"))
    assert data["status"] in ("bad-notebook", "bad-zip") and data["score"] == 0 and "not graded" in data["output"]


def test_a_notebook_with_big_outputs_is_read_by_its_code(tmp_path):
    """An executed notebook carries its pictures (0.7 MiB on real MNIST): only its code
    counts against the 1 MiB of source."""
    cells = [{"cell_type": "code", "source": "def sigmoid(x):\n    return x\n", "metadata": {},
              "outputs": [{"output_type": "display_data", "data": {"image/png": "A" * (3 << 20)}, "metadata": {}}],
              "execution_count": 1}]
    path = tmp_path / "two_layer_net.ipynb"
    path.write_text(json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}), encoding="utf-8")
    assert "def sigmoid" in read_submission(path)
