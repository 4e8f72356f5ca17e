"""Print what sets the similarity report's flag (autograder/similarity.py): how similar
independently written correct files and disguised copies are, in the plain figure of
similarity.csv and beyond the class's agreement (``flagged``), and what flagging costs.

Copies must stay far above [similarity] threshold and MIN_SHARED, independent pairs far
below. Run from the repository's root after changing similarity.py:

    python -m benchmarks.calibrate_similarity
"""
import time

from autograder import similarity
from autograder.intake import Refused, read_submission
from autograder.paths import ROOT
from autograder.settings import load as load_settings
from tests.disguise import disguise, styles_class


def main():
    threshold = load_settings()["similarity"]["threshold"]
    sources, copies = styles_class()
    independent = {name: text for name, text in sources.items() if not name.startswith("copy")}
    for label, class_ in (("with copies", sources), ("without copies", independent)):
        prints = similarity.fingerprints(class_)
        plain = {(p.student_a, p.student_b): p.similarity for p in similarity.compare(prints)}
        beyond = {(a, b): (share, shared) for a, b, share, shared in similarity.overlaps(similarity.beyond(prints))}
        print(f"examples/styles/correct, {len(class_)} files {label}:")
        every = {(a, b) for i, a in enumerate(sorted(class_)) for b in sorted(class_)[i + 1:]}
        for kind, keys in (("copies", copies & every), ("independent", every - copies)):
            if keys:
                shares = [plain.get(k, 0.0) for k in keys]
                after = [beyond.get(k, (0.0, 0)) for k in keys]
                print(f"  {kind:12} {len(keys):3} pairs  plain {min(shares):.2f}-{max(shares):.2f}  beyond the "
                      f"agreement {min(a[0] for a in after):.2f}-{max(a[0] for a in after):.2f}, tokens shared "
                      f"{min(a[1] for a in after)}-{max(a[1] for a in after)}")
        flagged = similarity.flagged(prints, threshold)
        print(f"  flagged at {threshold}: {len(flagged)} pairs, all copies: "
              f"{all((p.student_a, p.student_b) in copies for p in flagged)}")

    example = {}
    for path in sorted((ROOT / "examples" / "submissions").iterdir()):
        try:
            example[path.name.split("_")[0]] = read_submission(path)
        except Refused:
            pass
    example_prints = similarity.fingerprints(example)
    print("examples/submissions flagged:", [(p.student_a, p.student_b, p.similarity)
                                            for p in similarity.flagged(example_prints, threshold)])

    every = dict(example, **{p.stem: p.read_text(encoding="utf-8")
                             for p in sorted((ROOT / "examples" / "styles").glob("*/*.py"))})
    timed(f"all {len(every)} example files", similarity.fingerprints(every))
    rings = {f"{name}_{i}": disguise(text, seed=i) for i in range(9) for name, text in sources.items()
             if not name.startswith("copy")}
    timed("100 submissions, rings of 9 disguised copies (a worst case)",
          similarity.fingerprints(dict(list(rings.items())[:100])))


def timed(label, prints):
    start = time.perf_counter()
    similarity.compare(prints)
    middle = time.perf_counter()
    similarity.flagged(prints, load_settings()["similarity"]["threshold"])
    print(f"{label}: compare {middle - start:.1f} s, flagged {time.perf_counter() - middle:.1f} s")


if __name__ == "__main__":
    main()
