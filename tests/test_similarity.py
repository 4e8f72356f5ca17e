"""The similarity report finds copies however they are disguised, and not the skeleton."""
import pytest

from autograder import similarity
from autograder.paths import ROOT
from tests.disguise import disguise

EXAMPLES = ROOT / "examples" / "submissions"


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
              "print(similarity.to_csv(similarity.compare(similarity.fingerprints(sources))))")
    runs = {subprocess.run([sys.executable, "-c", script, str(EXAMPLES)], capture_output=True, text=True, check=True,
                           env=dict(os.environ, PYTHONHASHSEED=seed), cwd=ROOT).stdout for seed in ("1", "2", "3")}
    assert len(runs) == 1 and runs.pop().count("\n") > 10
