# The kit's commands. Each one sets up .venv/ by itself first (make setup).
# On Windows or without make, run the python commands shown in README.md.

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: help setup data student train bench test demo clean

help:
	@echo "make demo     set up, fetch MNIST, regenerate the skeleton, train the reference, save curves"
	@echo "make test     run the project's tests"
	@echo "make setup    create .venv/ with pinned packages (idempotent)"
	@echo "make data     put the verified MNIST files in data/"
	@echo "make student  regenerate student/two_layer_net.py from solution/"
	@echo "make train    train the reference (NET=student/two_layer_net.py to train yours)"
	@echo "make bench    print training wall time and accuracy"

setup: $(STAMP)

$(STAMP): pyproject.toml constraints.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q -c constraints.txt -e .
	touch $(STAMP)

data: setup
	$(PY) -m kit.mnist_fetch --dir data

student: setup
	$(PY) -m kit.skeleton solution/two_layer_net.py student/two_layer_net.py

NET ?= solution/two_layer_net.py
train: data
	$(PY) student/train.py --net $(NET) --data data --out out/curves.png

bench: data
	$(PY) benchmarks/bench_train.py

test: setup
	$(PY) -m pytest

demo: setup data student train

clean:
	rm -rf out build dist .pytest_cache
