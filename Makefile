# The kit's commands. Each one sets up .venv/ by itself first (make setup).
# On Windows or without make, run the python commands shown in README.md.

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: help setup data subset student fixtures check grade bulk train bench test lint typecheck demo dist check-dist clean

help:
	@echo "make demo     set up, fetch MNIST, regenerate the skeleton, train the reference, save curves"
	@echo "make test     run the project's tests"
	@echo "make lint     check the code with ruff (settings in pyproject.toml)"
	@echo "make typecheck  check the type hints of autograder/ and kit/ with mypy (settings in pyproject.toml)"
	@echo "make setup    create .venv/ with pinned packages (idempotent)"
	@echo "make data     put the verified MNIST files in data/"
	@echo "make subset   regenerate the learning check's MNIST subset from data/ (autograder/checks/known/mnist_subset.npz)"
	@echo "make student  regenerate student/two_layer_net.py and the notebooks (student/, solution/two_layer_net.ipynb) from solution/ (and the example class's copies)"
	@echo "make train    train the reference (NET=student/two_layer_net.py to train yours)"
	@echo "make fixtures regenerate the checks' known values from the solution and course.toml"
	@echo "make check    run the public checks on student/two_layer_net.py (SUB=path for another file)"
	@echo "make grade    grade one submission: make grade SUB=path [OUT=dir]"
	@echo "make bulk     grade a class: make bulk CLASS=folder-or-zip [OUT=dir] (default: the example class)"
	@echo "make bench    print training and grading wall times"
	@echo "make dist     build dist/student.zip, dist/autograder.zip, dist/otter-autograder.zip"
	@echo "make check-dist  unpack dist/student.zip and run its commands as a student would; compare kit and otter"

setup: $(STAMP)

$(STAMP): pyproject.toml constraints.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q -c constraints.txt -e .
	$(PY) -c "import matplotlib.font_manager"   # the font cache each sandbox box gets a copy of
	touch $(STAMP)

data: setup
	$(PY) -m kit.mnist_fetch --dir data

subset: data
	$(PY) -m kit.mnist_subset --dir data

EXAMPLE_REFERENCE := examples/submissions/reference_1000_5000_two_layer_net.py
EXAMPLE_SKELETON  := examples/submissions/untouched_1007_5007_two_layer_net.py
student: setup
	$(PY) -m kit.skeleton solution/two_layer_net.py student/two_layer_net.py
	$(PY) -m kit.notebook
	cp solution/two_layer_net.py $(EXAMPLE_REFERENCE)
	cp student/two_layer_net.py $(EXAMPLE_SKELETON)

fixtures: setup
	$(PY) -m kit.known_values

SUB ?= student/two_layer_net.py
OUT ?= out/grade
check: setup
	$(PY) student/check.py $(SUB)

grade: setup
	$(PY) -m autograder grade $(SUB) --out $(OUT)

CLASS ?= examples/submissions
bulk: setup
	$(PY) -m autograder bulk $(CLASS) --out $(if $(filter out/grade,$(OUT)),out/class,$(OUT))

NET ?= solution/two_layer_net.py
train: data
	$(PY) student/train.py --net $(NET) --data data --out out/curves.png

bench: data
	$(PY) benchmarks/bench_train.py
	$(PY) benchmarks/bench_grade.py
	$(PY) benchmarks/bench_bulk.py
	$(PY) benchmarks/bench_learning.py

test: setup
	$(PY) -m pytest

lint: setup
	$(PY) -m ruff check .

typecheck: setup
	$(PY) -m mypy

demo: setup data student train
	$(PY) -m autograder bulk examples/submissions --out out/class --overrides examples/overrides.csv

dist: setup data
	$(PY) -m kit.dist

check-dist: dist
	$(PY) -m kit.dist --check

clean:
	rm -rf out build dist .pytest_cache
