"""Which submissions look copied from each other: a signal for a person, never a penalty.

copydetect (fingerprints of the token stream, as MOSS takes them; here every k-gram,
see GUARANTEE) compares every pair of graded submissions. Names of variables, functions and classes and all
comments and whitespace are dropped before fingerprinting, and fingerprints match
wherever they sit in a file, so renaming, commenting or reordering functions does not
hide a copy. The student skeleton is given as boilerplate: only the filled-in holes
are compared.

The similarity of a pair (``compare``, similarity.csv) is the larger of the two shares
of each file's compared code found in the other (0 to 1). Pairs with nothing in common
are left out.

What the report flags (``flagged``) is calibrated against what independent correct code
shares. On this assignment the holes are a line or a few each, and correct answers look
alike: eleven correct files written independently in different styles
(examples/styles/correct) reach 0.60 with each other in the plain figure, while
disguised copies reach 0.97 to 1.00. So a pair is flagged on what it shares beyond the
class's agreement (``beyond``): besides the skeleton, the reference solution's filled-in
holes (the canonical answer) and every fingerprint that at least COMMON_SHARE of the
class (and at least COMMON_MIN students) hold are boilerplate, as MOSS ignores code
found in many submissions. A pair is flagged when that similarity is at least
course.toml's ``[similarity] threshold`` (0.7) and the code it still shares is at least
MIN_SHARED tokens long (one common mistake of a line or two is agreement too).
Measured (``python -m benchmarks.calibrate_similarity``; tests/test_similarity.py):
beyond the agreement, the eleven files reach at most 0.45 (297 tokens shared); with
seven disguised copies mixed in (a ring of three among them) the copies keep 0.89 to
0.99 (599 tokens and more) and independent pairs at most 0.32.

What this cannot see, by design: two files that are the reference's answer (or the
class's common answer) and nothing else have nothing left to compare, and a group of
COMMON_MIN or more students (COMMON_SHARE of a large class) handing in the same code
makes that code the class's agreement. similarity.csv still lists every pair's plain
figure, so such pairs stay visible there (at 1.0 for identical code).
"""
from __future__ import annotations

import copy
import io
import math
from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .paths import ROOT
from .reference import SOLUTION
from .text import csv_text

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator

    from copydetect import CodeFingerprint

SKELETON = ROOT / "student" / "two_layer_net.py"
NOISE = 25        # matches shorter than this many tokens are ignored (copydetect's default);
GUARANTEE = 25    # matches this long are always found. Equal, so winnowing keeps every k-gram:
                  # copydetect hashes with Python's hash(), and a winnowed choice of hashes would
                  # change with the process's hash seed, and similarity.csv with it.
COMMON_SHARE = 0.1  # code that at least this share of the class wrote ...
COMMON_MIN = 4      # ... and at least this many students, is the class's agreement, not a copy
MIN_SHARED = 200    # tokens a flagged pair shares beyond that agreement (copies: 571 and more)


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
    return _most_similar_first([Pair(a, b, share) for a, b, share, _ in overlaps(prints)])


def overlaps(prints: dict[str, CodeFingerprint]) -> Iterator[tuple[str, str, float, int]]:
    """(student_a, student_b, similarity, tokens shared) of every two students with code in common."""
    from copydetect import compare_files
    students = sorted(prints)
    for i, a in enumerate(students):
        for b in students[i + 1:]:
            if not prints[a].hashes & prints[b].hashes:
                continue
            shared, shares, _ = compare_files(prints[a], prints[b])
            share = max(min(float(s), 1.0) for s in shares)
            if share > 0:                       # nan (nothing compared) is not > 0
                yield a, b, round(share, 4), int(shared)


def _most_similar_first(pairs):
    return sorted(pairs, key=lambda p: (-p.similarity, p.student_a, p.student_b))


def flagged(prints: dict[str, CodeFingerprint], threshold: float, reference: str | None = None) -> list[Pair]:
    """The pairs worth a person's look: [Pair] with the similarity of what they share beyond
    the class's agreement (``beyond``), those at least ``threshold`` that share at least
    MIN_SHARED tokens there, most similar first. prints: ``fingerprints``'."""
    return _most_similar_first([Pair(a, b, share) for a, b, share, shared in overlaps(beyond(prints, reference))
                                if share >= threshold and shared >= MIN_SHARED])


def beyond(prints: dict[str, CodeFingerprint], reference: str | None = None) -> dict[str, CodeFingerprint]:
    """{student: fingerprint} of what each wrote beyond the class's agreement: the skeleton,
    the reference's answer (``reference``: its text; default solution/two_layer_net.py, if
    there) and every fingerprint that at least COMMON_SHARE of ``prints`` (and COMMON_MIN) hold."""
    if reference is None:
        reference = SOLUTION.read_text(encoding="utf-8") if SOLUTION.is_file() else ""
    skeleton = SKELETON.read_text(encoding="utf-8") if SKELETON.is_file() else ""
    boilerplate = set()
    for text in (skeleton, reference):
        if text:
            boilerplate |= set(fingerprint(text).hashes)
    writers = Counter(h for fp in prints.values() for h in set(fp.hashes))
    enough = max(COMMON_MIN, math.ceil(COMMON_SHARE * len(prints)))
    boilerplate |= {h for h, count in writers.items() if count >= enough}
    return {student: _without(fp, boilerplate) for student, fp in prints.items()}


def _without(fp, boilerplate):
    """A copy of the fingerprint ``fp`` without the hashes in ``boilerplate`` (as if they had
    been boilerplate when it was taken, without tokenizing the code again)."""
    from copydetect.utils import get_token_coverage
    kept = copy.copy(fp)
    kept.hashes = fp.hashes - boilerplate
    kept.hash_idx = {h: i for h, i in fp.hash_idx.items() if h not in boilerplate}
    kept.token_coverage = get_token_coverage(kept.hash_idx, fp.k, len(fp.filtered_code))
    return kept


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
