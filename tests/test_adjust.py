"""From the machine's score to the final score: late penalty and overrides."""
import pytest

from autograder.adjust import BadOverrides, Override, final, read_overrides

POINTS = {"sigmoid": 5, "TwoLayerNet.gradient": 15}
MACHINE = {"sigmoid": (5, 5), "TwoLayerNet.gradient": (3, 15)}


def write(tmp_path, text):
    path = tmp_path / "overrides.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_overrides_are_read_and_ids_match_case_insensitively(tmp_path):
    path = write(tmp_path, "student,item,points,reason\nZhangSan_1,adjust,-2.5,抄袭了示例 / copied the example\n"
                           "\nzhangsan_1,TwoLayerNet.gradient,15,regraded by hand\n")
    assert read_overrides(path, ["zhangsan_1", "lisi"], POINTS) == [
        Override(2, "zhangsan_1", "adjust", -2.5, "抄袭了示例 / copied the example"),
        Override(4, "zhangsan_1", "TwoLayerNet.gradient", 15.0, "regraded by hand")]


@pytest.mark.parametrize("line, message", [
    ("nobody,adjust,5,why", "no such student: nobody"),
    ("lisi,softmaxx,5,why", "no such item: softmaxx"),
    ("lisi,adjust,five,why", "not a number"),
    ("lisi,adjust,nan,why", "not a number"),
    ("lisi,sigmoid,6,why", "between 0 and 5"),
    ("lisi,adjust,5,", "reason is required"),
    ("lisi,adjust,5", "expected 4 columns"),
])
def test_a_bad_line_is_an_error_that_names_it(tmp_path, line, message):
    path = write(tmp_path, f"student,item,points,reason\nlisi,adjust,1,fine\n{line}\n")
    with pytest.raises(BadOverrides, match=f"{path}:3: .*{message}"):
        read_overrides(path, ["lisi"], POINTS)


def test_a_function_set_twice_or_a_wrong_header_is_refused(tmp_path):
    with pytest.raises(BadOverrides, match=":3: .*set twice"):
        read_overrides(write(tmp_path, "student,item,points,reason\nlisi,sigmoid,1,a\nlisi,sigmoid,2,b\n"),
                       ["lisi"], POINTS)
    with pytest.raises(BadOverrides, match=":1: "):
        read_overrides(write(tmp_path, "name,points\nlisi,1\n"), ["lisi"], POINTS)


def test_late_penalty_then_overrides():
    assert final(MACHINE, late=False, penalty=0.1, overrides=[])["score"] == 8
    late = final(MACHINE, late=True, penalty=0.1, overrides=[])
    assert (late["raw"], late["late_penalty"], late["score"]) == (8, 0.8, 7.2)
    regraded = final(MACHINE, late=True, penalty=0.1, overrides=[
        Override(2, "s", "TwoLayerNet.gradient", 12, "r"), Override(3, "s", "adjust", -1, "r")])
    assert regraded["score"] == pytest.approx(7.2 + 9 - 1)            # after the penalty, not scaled by it
    assert regraded["functions"]["TwoLayerNet.gradient"] == (12, 15) and regraded["override_points"] == 8
    assert [change for _, change in regraded["overrides"]] == [9, -1]
