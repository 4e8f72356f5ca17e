"""Disguise a copied submission as students do: rename its variables and arguments,
put its top-level functions in another order, add comments."""
import ast
import random
import re

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
