"""Which submissions look copied from each other: a signal for a person, never a penalty.

copydetect (fingerprints of the token stream, as MOSS takes them; here every k-gram,
see GUARANTEE) compares every pair of graded submissions. Names of variables, functions and classes and all
comments and whitespace are dropped before fingerprinting, and fingerprints match
wherever they sit in a file, so renaming, commenting or reordering functions does not
hide a copy. The student skeleton is given as boilerplate: only the filled-in holes
are compared.

The similarity of a pair is the larger of the two shares of each file's compared
code found in the other (0 to 1). Pairs with nothing in common are left out.
"""
from __future__ import annotations

import io
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .paths import ROOT
from .text import csv_text

if TYPE_CHECKING:
    from collections.abc import Iterable

    from copydetect import CodeFingerprint

SKELETON = ROOT / "student" / "two_layer_net.py"
NOISE = 25        # matches shorter than this many tokens are ignored (copydetect's default);
GUARANTEE = 25    # matches this long are always found. Equal, so winnowing keeps every k-gram:
                  # copydetect hashes with Python's hash(), and a winnowed choice of hashes would
                  # change with the process's hash seed, and similarity.csv with it.


@dataclass(frozen=True)
class Pair:
    """Two students and how similar their code is (0 to 1)."""
    student_a: str
    student_b: str
    similarity: float


def fingerprint(source: str, boilerplate: Iterable[int] = ()) -> CodeFingerprint:
    """copydetect's fingerprint of Python source text."""
    from copydetect import CodeFingerprint
    return CodeFingerprint("two_layer_net.py", NOISE, GUARANTEE - NOISE + 1, boilerplate=list(boilerplate),
                           language="python", fp=io.StringIO(source))


def fingerprints(sources: dict[str, str], skeleton: str | None = None) -> dict[str, CodeFingerprint]:
    """{student: fingerprint} of {student: source text}, the skeleton's code left out."""
    if skeleton is None:
        skeleton = SKELETON.read_text(encoding="utf-8") if SKELETON.is_file() else ""
    boilerplate = fingerprint(skeleton).hashes if skeleton else ()
    return {student: fingerprint(source, boilerplate) for student, source in sources.items()}


def compare(prints: dict[str, CodeFingerprint]) -> list[Pair]:
    """[Pair] of every two students with code in common, most similar first."""
    from copydetect import compare_files
    students = sorted(prints)
    pairs = []
    for i, a in enumerate(students):
        for b in students[i + 1:]:
            if not prints[a].hashes & prints[b].hashes:
                continue
            _, shares, _ = compare_files(prints[a], prints[b])
            share = max(min(float(s), 1.0) for s in shares)
            if share > 0:                       # nan (nothing compared) is not > 0
                pairs.append(Pair(a, b, round(share, 4)))
    return sorted(pairs, key=lambda p: (-p.similarity, p.student_a, p.student_b))


def to_csv(pairs: Iterable[Pair]) -> str:
    """similarity.csv as text: student_a,student_b,similarity (no cell a formula: text.csv_text)."""
    return csv_text(["student_a", "student_b", "similarity"],
                    ([p.student_a, p.student_b, f"{p.similarity:.4f}"] for p in pairs))


def side_by_side(print_a: CodeFingerprint, print_b: CodeFingerprint, context: int = 2) -> tuple[str, ...]:
    """The two files as HTML-escaped text with their common code in ``<mark>``,
    lines far from any match elided."""
    from copydetect import compare_files
    from copydetect.utils import highlight_overlap
    _, _, (slices_a, slices_b) = compare_files(print_a, print_b)
    shown = []
    for fp, slices in ((print_a, slices_a), (print_b, slices_b)):
        if slices.size:
            text, _ = highlight_overlap(fp.raw_code, slices, "<mark>", "</mark>", truncate=context, escape_html=True)
        else:
            from markupsafe import escape
            text = str(escape(fp.raw_code))
        shown.append(text)
    return tuple(shown)
