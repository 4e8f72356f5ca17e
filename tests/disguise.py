"""Disguise a copied submission as students do: rename its variables and arguments,
put its top-level functions in another order, add comments. ``styles_class``: a class of
independently written correct files with disguised copies mixed in."""
import ast
import random
import re
from pathlib import Path

STYLES = Path(__file__).resolve().parent.parent / "examples" / "styles" / "correct"
COPIED = {"c01_skeleton_np_dot": 1, "c04_einsum_cache_dict": 1, "c07_dlfs_layers": 1, "c10_float32_friendly": 1,
          "c08_one_sample_at_a_time": 2}     # disguised copies of each (two of c08: a ring of three)

WORDS = ["val", "tmp", "arr", "mat", "vec", "res", "acc", "buf", "num", "out"]


def disguise(source, seed):
    """``source`` with every assigned name and positional argument renamed, the top-level
    functions and classes shuffled (other statements after them), and a comment before each."""
    rng = random.Random(seed)
    tree = ast.parse(source)
    names = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
    for function in [n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.Lambda))]:
        positional = function.args.args[:len(function.args.args) - len(function.args.defaults)]
        names |= {a.arg for a in positional if a.arg != "self"}       # keyword arguments keep their names
    for i, name in enumerate(sorted(names, key=len, reverse=True)):
        source = re.sub(rf"(?<![.\w]){re.escape(name)}(?![\w'\"])", f"{rng.choice(WORDS)}{i}", source)
    tree = ast.parse(source)
    lines = source.splitlines()
    imports = [n for n in tree.body if isinstance(n, (ast.Import, ast.ImportFrom))]
    others = [n for n in tree.body if isinstance(n, (ast.FunctionDef, ast.ClassDef))]
    rng.shuffle(others)
    others += [n for n in tree.body if n not in imports and n not in others]   # a __main__ block stays last
    out = ["\n".join("\n".join(lines[n.lineno - 1:n.end_lineno]) for n in imports)]
    for node in others:
        first = node.decorator_list[0].lineno if getattr(node, "decorator_list", None) else node.lineno
        out.append(f"# 第 {rng.randint(1, 9)} 部分 / part {rng.randint(1, 9)}\n" + "\n".join(lines[first - 1:node.end_lineno]))
    return "\n\n\n".join(out) + "\n"


def styles_class():
    """The independently written correct files of examples/styles/correct with disguised
    copies of COPIED mixed in: ({name: source}, {(name, name) of every two copies of one file})."""
    sources = {p.stem: p.read_text(encoding="utf-8") for p in sorted(STYLES.glob("*.py"))}
    copies, seed = set(), 0
    for name, count in COPIED.items():
        ring = [name]
        for _ in range(count):
            seed += 1
            ring.append(f"copy{seed}_of_{name}")
            sources[ring[-1]] = disguise(sources[name], seed=seed)
        copies |= {tuple(sorted((a, b))) for i, a in enumerate(ring) for b in ring[i + 1:]}
    return sources, copies
