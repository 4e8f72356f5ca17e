"""The notebook edition (issue 20): student/two_layer_net.ipynb and the TAs'
solution/two_layer_net.ipynb are made by kit/notebook.py from the one source and the
narrative solution/notebook.py; their check cells give check.py's verdict on the code
the kernel ran; a notebook earns what the same code earns as a .py; and the notebooks
run in a real kernel from top to bottom, filled or untouched."""
import csv
import io
import json
import shutil
import subprocess
import sys

import nbformat
import pytest

from autograder.checks import notebook
from autograder.checks.__main__ import run
from autograder.checks.verdict import function_of
from autograder.grade import grade
from autograder.paths import ROOT
from autograder.settings import graded_functions
from kit import notebook as builder
from kit.dist import student_files
from kit.skeleton import make_skeleton
from test_checks import MUTANTS, SOLUTION

STUDENT_NB = ROOT / "student" / "two_layer_net.ipynb"
SOLUTION_NB = ROOT / "solution" / "two_layer_net.ipynb"
MARKERS = ("###请补充创建训练循环的代码", "###请补充更新模型参数的代码",
           "###请补充向train_acc_list列表添加当前模型对于训练集预测精度的代码",
           "###请补充向test_acc_list列表添加当前模型对于测试集预测精度的代码")


def code_cells(path_or_text):
    text = path_or_text.read_text(encoding="utf-8") if hasattr(path_or_text, "read_text") else path_or_text
    return [cell for cell in nbformat.reads(text, as_version=4).cells if cell.cell_type == "code"]


def mutant_notebook(old, new):
    """The solution notebook's text with one mutant of tests/test_checks.py applied to its code."""
    data = json.loads(SOLUTION_NB.read_text(encoding="utf-8"))
    hits = 0
    for cell in data["cells"]:
        source = "".join(cell["source"])
        if cell["cell_type"] == "code" and old in source:
            cell["source"] = source.replace(old, new)
            hits += 1
    assert hits == 1, old
    return json.dumps(data, ensure_ascii=False)


# ------------------------------------------------------------------ the build

@pytest.mark.parametrize("edition", sorted(builder.OUTPUTS))
def test_the_notebooks_are_up_to_date(edition):
    assert builder.OUTPUTS[edition].read_text(encoding="utf-8") == builder.build(edition), "run `make student`"


def test_the_student_notebook_holds_the_skeleton_one_cell_per_definition():
    cells = code_cells(STUDENT_NB)
    graded = [c for c in cells if "otter_ignore" not in c.metadata.get("tags", [])]
    assert [c.source for c in graded] == list(builder.pieces(make_skeleton(SOLUTION.read_text(encoding="utf-8"))).values())
    loop = next(c.source for c in graded if c.source.startswith("class TwoLayerNet"))
    assert all(loop.count(marker) == 1 for marker in MARKERS)
    # one check cell per graded function, after the cell that defines it, never graded
    checks = [c.source for c in cells if c.source.startswith("check(")]
    assert checks == [f'check("{f}")' for f in graded_functions()]
    order = [c.source for c in cells]
    for function in graded_functions():
        owner = next(i for i, s in enumerate(order) if s.startswith((f"def {function}(", f"class {function.split('.')[0]}")))
        assert order.index(f'check("{function}")') > owner
    assert all("otter_ignore" in c.metadata["tags"] for c in cells if c not in graded)


def test_the_solution_notebook_holds_the_reference_and_never_ships(student_folder):
    graded = [c.source for c in code_cells(SOLUTION_NB) if "otter_ignore" not in c.metadata.get("tags", [])]
    assert graded == list(builder.pieces(SOLUTION.read_text(encoding="utf-8")).values())
    assert (student_folder / "two_layer_net.ipynb").read_bytes() == STUDENT_NB.read_bytes()
    assert (student_folder / "pictures.py").is_file()
    shipped = [p for p in student_folder.rglob("*") if p.is_file()]
    assert not any(b"BEGIN SOLUTION" in p.read_bytes() for p in shipped)


def test_a_function_the_narrative_does_not_place_gets_a_heading_a_cell_and_a_check():
    source = SOLUTION.read_text(encoding="utf-8").replace(
        "\n\ndef softmax(x):", '\n\ndef relu(x):\n    """ReLU: max(0, x)."""\n    return np.maximum(0, x)\n\n\ndef softmax(x):')
    made = builder.cells(builder.NARRATIVE.read_text(encoding="utf-8"), builder.pieces(source),
                         ["sigmoid", "relu", *graded_functions()[1:]])
    sources = [c["source"] for c in made]
    at = sources.index('check("sigmoid")')
    assert sources[at + 1].startswith("### `relu`\n\nReLU: max(0, x).")
    assert sources[at + 2].startswith("def relu(x):") and sources[at + 3] == 'check("relu")'
    assert sources[at + 4].startswith("### 1.2 softmax")


def test_a_narrative_that_places_what_the_solution_lacks_is_refused():
    narrative = builder.NARRATIVE.read_text(encoding="utf-8").replace('solution="sigmoid"', 'solution="sigmoid2"')
    with pytest.raises(builder.NarrativeError, match="sigmoid2"):
        builder.build("student", narrative=narrative)
    twice = builder.NARRATIVE.read_text(encoding="utf-8").replace('solution="softmax"', 'solution="sigmoid"')
    with pytest.raises(builder.NarrativeError, match="twice"):
        builder.build("student", narrative=twice)


# ------------------------------------------------------------------ the check cells

def test_the_checks_see_the_kernels_code_as_run():
    cells = [c.source for c in code_cells(SOLUTION_NB)]
    skeleton = [c.source for c in code_cells(STUDENT_NB)]
    assert notebook.unfinished(cells) == []
    assert notebook.unfinished(skeleton) == list(graded_functions())
    sigmoid = next(c for c in cells if c.startswith("def sigmoid"))
    # the skeleton's cells, then sigmoid's filled cell run; then a cell that does not compile
    assert notebook.unfinished(skeleton + [sigmoid, "def softmax(x):\n    return (\n"]) == list(graded_functions())[1:]
    # run again, the skeleton's sigmoid replaces the filled one, as in the kernel
    assert notebook.unfinished(skeleton + [sigmoid] + [c for c in skeleton if c.startswith("def sigmoid")])[0] == "sigmoid"


def test_outside_a_kernel_the_check_says_where_it_runs():
    with pytest.raises(RuntimeError, match="python check.py"):
        notebook.check("sigmoid")


def verdict(data):
    return [(t["name"], t["score"], t["max_score"], t["visibility"]) for t in data["tests"]], data["fix_first"]


@pytest.mark.slow
@pytest.mark.parametrize("name, old, new, function, hint", MUTANTS, ids=[m[0] for m in MUTANTS])
def test_the_check_cells_agree_with_check_py_on_every_mutant(tmp_path, name, old, new, function, hint):
    path = tmp_path / "two_layer_net.py"
    path.write_text(SOLUTION.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")
    cells = [c.source for c in code_cells(mutant_notebook(old, new))]
    local, in_cells = run(path)[0], notebook.results(cells)
    assert verdict(in_cells) == verdict(local)           # check.py's entries, points and what to fix first
    for function in {function_of(t) for t in local["tests"]}:
        shown = notebook.render(in_cells, function)       # what that function's check cell prints
        failed = [t for t in local["tests"] if function_of(t) == function and t["score"] < t["max_score"]]
        assert all(t["name"] in shown and t["output"].splitlines()[0] in shown for t in failed), shown
        assert failed or "every public check passes" in shown


# ------------------------------------------------------------------ graded as a .py

def scores(results):
    return [(t["name"], t["score"], t["max_score"]) for t in results["tests"]]


@pytest.mark.slow
def test_a_notebook_gets_the_score_of_the_same_code_as_a_py(tmp_path):
    old, new = MUTANTS[-3][1:3]                                  # parameters updated with the wrong sign
    (tmp_path / "mutant.py").write_text(SOLUTION.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")
    (tmp_path / "mutant.ipynb").write_text(mutant_notebook(old, new), encoding="utf-8")
    pairs = [(SOLUTION, SOLUTION_NB), (ROOT / "student" / "two_layer_net.py", STUDENT_NB),
             (tmp_path / "mutant.py", tmp_path / "mutant.ipynb")]
    for py, ipynb in pairs:
        as_py, as_notebook = grade(py), grade(ipynb)
        assert scores(as_notebook) == scores(as_py) and as_notebook["score"] == as_py["score"], ipynb
    assert grade(SOLUTION_NB)["score"] == 100 and grade(STUDENT_NB)["score"] == 0


@pytest.mark.slow
def test_bulk_gives_a_notebook_the_row_of_the_same_code_as_a_py(tmp_path):
    old, new = MUTANTS[0][1:3]                                    # sigmoid returns a list
    folder = tmp_path / "class"
    folder.mkdir()
    (folder / "ann_1_1_two_layer_net.py").write_text(SOLUTION.read_text(encoding="utf-8").replace(old, new),
                                                     encoding="utf-8")
    (folder / "bob_2_2_two_layer_net.ipynb").write_text(mutant_notebook(old, new), encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "autograder", "bulk", str(folder), "--out", str(tmp_path / "out")],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    raw = (tmp_path / "out" / "gradebook.csv").read_bytes().decode("utf-8-sig")
    rows = {row["student"]: row for row in csv.DictReader(io.StringIO(raw))}
    ann, bob = rows["ann_1"], rows["bob_2"]
    assert ann["status"] == bob["status"] == "graded"
    assert {k: v for k, v in ann.items() if k != "student"} == {k: v for k, v in bob.items() if k != "student"}
    assert float(ann["score"]) < 100


# ------------------------------------------------------------------ in a real kernel

def execute(folder, name):
    """Run the notebook ``folder/name`` from top to bottom in a kernel of this Python, as
    Jupyter does; a cell that raises fails the test. Returns the executed notebook."""
    from nbclient import NotebookClient
    book = nbformat.read(folder / name, as_version=4)
    NotebookClient(book, timeout=900, kernel_name="python3", resources={"metadata": {"path": str(folder)}}).execute()
    return book


def outputs(cell):
    text = "".join(o.get("text", "") for o in cell.get("outputs", []) if o["output_type"] == "stream")
    images = [o for o in cell.get("outputs", []) if "image/png" in o.get("data", {})]
    return text, images


@pytest.fixture(scope="module")
def student_folder(tmp_path_factory):
    """dist/student.zip's files, unpacked (a small fake MNIST in data/)."""
    from test_dist import fake_mnist
    data = fake_mnist(tmp_path_factory.mktemp("mnist") / "data")
    folder = tmp_path_factory.mktemp("student")
    for name, content in student_files(data, "test", verified=False).items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(content)
    return folder


@pytest.mark.slow
def test_the_untouched_notebook_runs_to_the_end_and_says_what_to_do(student_folder):
    book = execute(student_folder, "two_layer_net.ipynb")
    cells = [c for c in book.cells if c.cell_type == "code"]
    for cell in cells:
        text, images = outputs(cell)
        if cell.source.startswith("check("):
            function = cell.source.split('"')[1]
            assert f"没有通过 / failed: {function}: " in text and "NotImplementedError" in text, cell.source
        elif cell.source.startswith("check_all"):
            assert "fix this first: sigmoid" in text
    training = next(c for c in cells if "train(" in c.source)
    assert "Finish these first" in outputs(training)[0] and "sigmoid" in outputs(training)[0]
    assert not any(outputs(c)[1] for c in cells)


@pytest.mark.slow
def test_the_filled_notebook_passes_every_check_and_draws_its_pictures(student_folder):
    shutil.copyfile(SOLUTION_NB, student_folder / "filled.ipynb")
    book = execute(student_folder, "filled.ipynb")
    cells = [c for c in book.cells if c.cell_type == "code"]
    checks = [c for c in cells if c.source.startswith("check(")]
    assert len(checks) == len(graded_functions())
    assert all("every public check passes" in outputs(c)[0] for c in checks)
    training = next(c for c in cells if "train(" in c.source)
    assert "final test accuracy" in outputs(training)[0] and len(outputs(training)[1]) == 1   # the curves
    pictures = [c for c in cells if c.source.startswith("if net is None")]
    assert len(pictures) == 3 and all(len(outputs(c)[1]) == 1 for c in pictures)
    assert "All public checks pass" in outputs(cells[-1])[0]
    # handed in as it is, outputs and pictures included: the .py's points
    nbformat.write(book, student_folder / "handed_in.ipynb")
    assert scores(grade(student_folder / "handed_in.ipynb")) == scores(grade(SOLUTION))
