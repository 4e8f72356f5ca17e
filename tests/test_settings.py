"""course.toml: every key is read by some code of the kit, and the optional sections have defaults."""
import dataclasses
import re

from autograder import settings
from autograder.sandbox import Limits
from autograder.paths import ROOT

CODE = [p for folder in ("autograder", "kit") for p in (ROOT / folder).rglob("*.py")]


def test_every_key_of_course_toml_is_read():
    text = "\n".join(p.read_text(encoding="utf-8") for p in CODE if p.name != "settings.py")
    course = settings.load()
    assert set(course["limits"]) <= {f.name for f in dataclasses.fields(Limits)}     # Limits(**[limits])
    unread = [f"[{section}] {key}" for section, values in course.items() if section not in ("points", "limits")
              for key in values if not re.search(rf"\[[\"']{re.escape(section)}[\"']\]\s*\[[\"']{re.escape(key)}[\"']\]"
                                                 rf"|[\"']{re.escape(section)}\.{re.escape(key)}[\"']", text)]
    assert unread == [], "course.toml keys no code reads: " + ", ".join(unread)


def test_optional_sections_default(tmp_path):
    text = (ROOT / "course.toml").read_text(encoding="utf-8")
    (tmp_path / "course.toml").write_text(text.split("\n[late]")[0], encoding="utf-8")
    loaded = settings.load(tmp_path / "course.toml")
    assert loaded["late"] == {"penalty": 0.0} and loaded["similarity"]["threshold"] == 0.7
    assert loaded["lms"]["canvas_assignment_id"] == ""
