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
