"""The similarity report finds copies however they are disguised, and not the skeleton."""
import pytest

from autograder import similarity
from autograder.paths import ROOT
from autograder.settings import load as load_settings
from tests.disguise import disguise, styles_class

EXAMPLES = ROOT / "examples" / "submissions"
THRESHOLD = load_settings()["similarity"]["threshold"]


def source(name):
    return (EXAMPLES / name).read_text(encoding="utf-8")


def test_three_disguised_copies_are_the_top_three_pairs():
    copied = source("zhangsan_1001_5001_two_layer_net.py")
    sources = {f"copy{i}": disguise(copied, seed=i) for i in range(3)}
    assert len(set(sources.values())) == 3 and copied not in sources.values()
    sources.update(reference=source("reference_1000_5000_two_layer_net.py"),
                   zhaoliu=source("zhaoliu_1004_5004_two_layer_net.py"),
                   mallory=source("mallory_1005_5005_two_layer_net.py"),
                   sunba=source("sunba_LATE_1008_5008_two_layer_net.py"),
                   untouched=source("untouched_1007_5007_two_layer_net.py"))
    pairs = similarity.compare(similarity.fingerprints(sources))
    assert {(p.student_a, p.student_b) for p in pairs[:3]} == {("copy0", "copy1"), ("copy0", "copy2"),
                                                                ("copy1", "copy2")}
    assert min(p.similarity for p in pairs[:3]) > 0.9 > 0.5 > pairs[3].similarity
    assert [p.similarity for p in pairs] == sorted((p.similarity for p in pairs), reverse=True)
    csv = similarity.to_csv(pairs).splitlines()
    assert csv[0] == "student_a,student_b,similarity" and csv[1] == f"{pairs[0].student_a},{pairs[0].student_b},{pairs[0].similarity:.4f}"


def test_the_skeleton_is_boilerplate():
    skeleton = source("untouched_1007_5007_two_layer_net.py")
    sources = {"a": skeleton, "b": skeleton.replace("# ", "#  ")}
    assert similarity.compare(similarity.fingerprints(sources)) == []
    assert similarity.compare(similarity.fingerprints(sources, skeleton="")) != []   # without it: all alike


def test_side_by_side_marks_the_shared_code_and_escapes_the_rest():
    copied = source("zhaoliu_1004_5004_two_layer_net.py").replace("import numpy as np\n",
                                                                  "import numpy as np\nLABEL = '<b>'\n")
    prints = similarity.fingerprints({"a": copied, "b": disguise(copied, seed=1)})
    left, right = similarity.side_by_side(prints["a"], prints["b"])
    assert "<mark>" in left and "<mark>" in right and "<b>" not in left and "&lt;b&gt;" in left


@pytest.mark.slow   # three runs under other hash seeds
def test_the_same_class_gives_the_same_file_whatever_the_hash_seed(tmp_path):
    import os
    import subprocess
    import sys
    script = ("import sys; from pathlib import Path; from autograder import similarity; "
              "sources = {p.name: p.read_text(encoding='utf-8') for p in sorted(Path(sys.argv[1]).glob('*.py'))}; "
              "prints = similarity.fingerprints(sources); print(similarity.to_csv(similarity.compare(prints))); "
              "print(similarity.flagged(prints, 0.5))")
    runs = {subprocess.run([sys.executable, "-c", script, str(EXAMPLES)], capture_output=True, text=True, check=True,
                           env=dict(os.environ, PYTHONHASHSEED=seed), cwd=ROOT).stdout for seed in ("1", "2", "3")}
    assert len(runs) == 1 and runs.pop().count("\n") > 10


def test_copies_are_flagged_and_independent_correct_files_are_not():
    sources, copies = styles_class()
    assert len(sources) == 17 and len(copies) == 7
    prints = similarity.fingerprints(sources)
    pairs = similarity.compare(prints)                      # similarity.csv: every pair, its plain figure
    independent = [p for p in pairs if (p.student_a, p.student_b) not in copies]
    assert {(p.student_a, p.student_b) for p in pairs} >= copies
    assert [(p.student_a, p.student_b) in copies for p in pairs[:len(copies)]] == [True] * len(copies)
    assert max(p.similarity for p in independent) > 0.5     # agreement, which the plain figure at 0.5 flagged
    flagged = similarity.flagged(prints, THRESHOLD)
    assert {(p.student_a, p.student_b) for p in flagged} == copies
    assert min(p.similarity for p in flagged) > 0.85


def test_what_the_class_shares_is_not_a_copy():
    # the same code in two or three files of this class is a copy; in COMMON_MIN (4), the class's agreement
    sources, _ = styles_class()
    plain = {name: text for name, text in sources.items() if not name.startswith("copy")}
    assert similarity.flagged(similarity.fingerprints(plain), THRESHOLD) == []
    for size, flags in ((2, 1), (3, 3), (similarity.COMMON_MIN, 0)):
        ring = dict(plain, **{f"twin{i}": disguise(plain["c03_loops"], seed=10 + i) for i in range(size - 1)})
        found = similarity.flagged(similarity.fingerprints(ring), THRESHOLD)
        assert len(found) == flags and all({p.student_a, p.student_b} <= set(ring) - set(plain) | {"c03_loops"}
                                           for p in found)


def test_the_reference_answer_is_agreement():
    reference = similarity.SKELETON.parent.parent / "solution" / "two_layer_net.py"
    text = reference.read_text(encoding="utf-8")
    prints = similarity.fingerprints({"a": text, "b": disguise(text, seed=1), "c": source("zhaoliu_1004_5004_two_layer_net.py")})
    assert similarity.compare(prints)[0].similarity > 0.9                 # similarity.csv still shows the pair
    assert similarity.flagged(prints, THRESHOLD) == []
    assert similarity.flagged(prints, THRESHOLD, reference="") != []           # without the reference as boilerplate
