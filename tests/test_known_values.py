"""kit/known_values.py: each known value goes where the visibility of the checks that read
it says, and what cannot be split is a named error, not a KeyError later."""
import pytest

from autograder import catalog, settings
from autograder.catalog import Check, UnknownCheck
from kit.known_values import KnownValuesError, split


def a_check(name, known, hidden):
    return Check(name, "f", 1, known, hidden, "test_basics", "test_x")


def test_a_value_is_public_when_a_public_check_reads_it():
    values = {"f.x": 1, "f.y": 2, "g.x": 3, "g.y": 4}
    checks = [a_check("f: public", ("f.*", "g.x"), False), a_check("g: hidden", ("g.*",), True)]
    assert split(values, checks) == {"public": {"f.x": 1, "f.y": 2, "g.x": 3}, "hidden": {"g.y": 4}}


def test_values_no_check_reads_and_patterns_nothing_makes_are_named():
    with pytest.raises(KnownValuesError, match=r"no check reads: \['h.z'\]"):
        split({"f.x": 1, "h.z": 2}, [a_check("f: one", ("f.x",), False)])
    with pytest.raises(KnownValuesError, match=r"'f: one' reads known values \['f.q'\]"):
        split({"f.x": 1}, [a_check("f: one", ("f.x", "f.q"), False)])


def test_course_toml_hiding_a_check_that_does_not_exist_is_named():
    course = settings.load()
    course["visibility"]["hidden_checks"] = [*course["visibility"]["hidden_checks"], "softmax: no such check"]
    with pytest.raises(UnknownCheck, match="softmax: no such check"):
        catalog.graded_checks(course)


def test_every_check_is_in_the_catalog_with_course_toml_visibility():
    course = settings.load()
    checks = catalog.graded_checks(course)
    assert {c.name for c in checks if c.hidden} == set(course["visibility"]["hidden_checks"])
    assert [c.function for c in checks] == sorted((c.function for c in checks),
                                                  key=settings.graded_functions(course).index)
