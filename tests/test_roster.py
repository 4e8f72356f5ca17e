"""Reading a class: LMS names, resubmissions (the newest counts), real ambiguities, --pick;
class-zip entries that refuse only themselves, names that are not UTF-8."""
import os
import zipfile

import pytest

from autograder.roster import ClassRefused, class_entries, parse_name, read_class


def make(folder, files):
    folder.mkdir(exist_ok=True)
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def entries(folder, **options):
    return {e.student: e for e in read_class(folder, **options)}


def test_canvas_names_give_the_lms_ids():
    name = parse_name("fangzheng_LATE_40234_35891_two_layer_net-1.py")
    assert (name.student, name.late, name.site, name.login, name.user, name.submission, name.copy) == \
        ("fangzheng_40234", True, "canvas", "fangzheng", "40234", 35891, 1)
    name = parse_name("Zhang San_123456_assignsubmission_file_", is_dir=True)
    assert (name.student, name.site, name.user) == ("Zhang San_123456", "moodle", "123456")
    name = parse_name("bob_two_layer_net-2.py")
    assert (name.student, name.copy, name.site) == ("bob", 2, "")


@pytest.mark.parametrize("files, newest", [
    # Canvas: the higher submission id wins, whatever the suffix
    ({"fangzheng_40234_35890_two_layer_net.py": "a = 1\n", "fangzheng_40234_35891_two_layer_net-1.py": "a = 2\n"},
     "fangzheng_40234_35891_two_layer_net-1.py"),
    ({"fangzheng_40234_35899_two_layer_net.py": "a = 1\n", "fangzheng_40234_35891_two_layer_net-3.py": "a = 2\n"},
     "fangzheng_40234_35899_two_layer_net.py"),
    # one submission id: the higher -N suffix wins
    ({"li_7_70_two_layer_net-2.py": "a = 1\n", "li_7_70_two_layer_net.py": "a = 2\n", "li_7_70_two_layer_net-1.py": "3"},
     "li_7_70_two_layer_net-2.py"),
    # other names: the suffix
    ({"bob_two_layer_net.py": "a = 1\n", "bob_two_layer_net-1.py": "a = 2\n"}, "bob_two_layer_net-1.py"),
    # Moodle: its order
    ({"Li Si_55_assignsubmission_file_a.py": "a = 1\n", "Li Si_55_assignsubmission_file_b.py": "a = 2\n"},
     "Li Si_55_assignsubmission_file_b.py"),
])
def test_the_newest_submission_counts_and_the_others_are_listed(tmp_path, files, newest):
    (entry,) = entries(make(tmp_path / "class", files)).values()
    assert entry.refused is None and entry.path.name == newest
    assert sorted(entry.superseded) == sorted(set(files) - {newest})


def test_two_different_files_of_one_submission_are_refused(tmp_path):
    folder = make(tmp_path / "class", {"chen_9_90_two_layer_net.py": "a = 1\n", "chen_9_90_hw.ipynb": "{}"})
    entry = entries(folder)["chen_9"]
    assert entry.refused[0] == "duplicate" and entry.path is None
    assert "chen_9_90_two_layer_net.py" in entry.refused[1] and "chen_9_90_hw.ipynb" in entry.refused[1]
    (folder / "chen_9_90_hw.ipynb").unlink()
    (folder / "chen_9_90_hw.py").write_text("a = 1\n")
    # the same bytes twice: nothing to decide, one row that is graded
    assert entries(folder)["chen_9"].refused is None


def test_pick_chooses_the_file_that_counts(tmp_path):
    folder = make(tmp_path / "class", {"chen_9_90_two_layer_net.py": "a = 1\n", "chen_9_90_hw.zip": "zip",
                                       "wu_8_80_two_layer_net.py": "b = 1\n", "wu_8_81_two_layer_net.py": "b = 2\n"})
    found = entries(folder, picks={"CHEN_9": "chen_9_90_hw.zip", "wu_8": "wu_8_80_two_layer_net.py"})
    assert found["chen_9"].path.name == "chen_9_90_hw.zip" and found["chen_9"].refused is None
    assert found["wu_8"].path.name == "wu_8_80_two_layer_net.py"
    assert found["wu_8"].superseded == ("wu_8_81_two_layer_net.py",)
    for picks, words in [({"nobody": "x.py"}, "nobody"), ({"wu_8": "chen_9_90_hw.zip"}, "wu_8_80_two_layer_net.py")]:
        with pytest.raises(ClassRefused, match=words):
            read_class(folder, picks=picks)


# ------------------------------------------------------------------ one student, one row

def class_zip(path, entries):
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return path


def test_an_unsafe_class_zip_entry_refuses_only_itself(tmp_path):
    real = "def sigmoid(x):\n    return x\n"
    archive = class_zip(tmp_path / "class.zip", {
        "submissions/alice_1001_5001_two_layer_net.py": real,
        "submissions/../../alice_1001_5001_two_layer_net.py": "stolen = 1\n",   # names alice, belongs to nobody
        "submissions/bob_1002_5002_hw/../../alice_1001_5002_two_layer_net.py": "x = 1\n",   # bob's entry
        "submissions/bob_1002_5002_two_layer_net.py": real,
        "submissions/carol_1003_5003_hw/../x.py": "x = 1\n",                     # carol sent nothing else
        "/abs_1004_5004_two_layer_net.py": "x = 1\n",
    })
    (tmp_path / "tmp").mkdir()
    found = {e.student: e for e in class_entries(archive, tmp_path / "tmp")}
    alice, bob, carol = found["alice_1001"], found["bob_1002"], found["carol_1003"]
    assert alice.refused is None and alice.path.read_text() == real and alice.skipped == ()
    assert bob.refused is None and bob.path.read_text() == real
    assert bob.skipped == (("bob_1002_5002_hw", "unsafe-path"),)
    assert carol.refused[0] == "unsafe-path" and carol.name.user == "1003"
    nobody = [e for s, e in found.items() if s not in ("alice_1001", "bob_1002", "carol_1003")]
    assert len(nobody) == 2 and all(e.refused[0] == "unsafe-path" for e in nobody)
    assert all(e.name.site == "" and e.name.user == "" for e in nobody)     # no LMS id: they stand in for nobody


@pytest.mark.parametrize("name, student", [
    ("bob_1002_5002_alice_1001_5001_two_layer_net.py", "bob_1002"),         # Canvas: anchored at its prefix
    ("late_bob_1002_5002_alice_1001_5001_two_layer_net.py", "bob_1002"),
    ("Bob Li_77_assignsubmission_file_alice_1001_5001_two_layer_net.py", "Bob Li_77"),   # Moodle
    ("Bob Li_77_assignsubmission_file_Alice_88_assignsubmission_file_x.py", "Bob Li_77"),
    ("bob_1002_5002_Alice_88_assignsubmission_file_x.py", "bob_1002"),
])
def test_a_file_name_that_embeds_another_students_ids_changes_nothing(tmp_path, name, student):
    assert parse_name(name).student == student
    folder = make(tmp_path / "class", {name: "x = 1\n", "alice_1001_5001_two_layer_net.py": "y = 1\n"})
    found = entries(folder)
    assert found[student].path.name == name and found["alice_1001"].path.name == "alice_1001_5001_two_layer_net.py"


def test_a_gbk_file_name_left_by_unzip_reads_as_written(tmp_path):
    folder = tmp_path / "class"
    folder.mkdir()
    raw = "张三_9_10_two_layer_net.py".encode("gbk")              # not UTF-8: os.listdir gives surrogates
    with open(os.fsencode(folder) + b"/" + raw, "w") as file:
        file.write("x = 1\n")
    (bad,) = folder.iterdir()
    assert bad.name != "张三_9_10_two_layer_net.py"
    entry = entries(folder)["张三_9"]
    assert entry.names == ("张三_9_10_two_layer_net.py",) and entry.path.read_text() == "x = 1\n"
    assert entry.name.login == "张三" and entry.name.user == "9"
