# colalib: every figure of the COLA thesis from numbered notebooks.
#
#   make figures                 the thesis's notebooks (01-06): regenerate figures/ and results/ (profile quick)
#   make studies                 the studies beyond the thesis (03 with COLA and GLO at its sizes, 07, 08)
#   make figures SEEDS=0         one subset per notebook: the tutorial pass (writes under custom/)
#   make figures PROFILE=paper   the thesis protocol (GPU)
#   make test                    the test suite (notebooks executed end-to-end with PROFILE=smoke)
#   make test-fast               the tests not marked slow or notebook (minutes): no long training, no notebooks
#   make lint                    ruff check of colalib, tests, scripts and benchmarks; ruff format --check of the
#                                tests, scripts and benchmarks; the import layers (lint-imports)
#   make docs                    regenerate docs/verdicts.md, timings.md, coverage.md, datasets.md from results/
#   make book                    the course book: HTML of the executed notebooks, built offline (build/book/)
#   make notebook N=03           run one notebook
#   make html                    export the executed notebooks to HTML
#   make bench                   throughput benchmarks
#
# Both `figures` and `test` first create (or refresh) the virtual environment .venv when it is missing
# or older than pyproject.toml, and install the offline FID weights into the torch hub cache when the
# cache lacks them and ../shared/weights exists.

PYTHON  ?= python3
VENV    ?= .venv
PROFILE ?= quick
SHARED  ?= ../shared
N       ?= 01
SEEDS   ?=
PY      := $(VENV)/bin/python
# SEEDS=0 or SEEDS=0,1: every notebook's SEEDS parameter (a changed parameter: outputs go under custom/)
SEED_ARGS := $(if $(SEEDS),-p SEEDS "[$(SEEDS)]")

# Offline data: use ../shared/datasets (CIFAR-10 ImageFolder zip) when it exists and COLA_DATA_DIR is unset.
ifneq ($(wildcard $(SHARED)/datasets),)
export COLA_DATA_DIR ?= $(abspath $(SHARED)/datasets)
endif

.PHONY: all figures studies test test-fast lint docs book notebook html bench venv fid-weights clean-cache help

all: figures

help:
	@sed -n '2,19p' Makefile

venv: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[test,book]"
	$(PY) -c "import torch, torchvision, pytorch_fid, papermill; print('torch', torch.__version__, 'torchvision', torchvision.__version__)"
	@touch $@

fid-weights: venv
	$(PY) scripts/install_fid_weights.py --shared $(SHARED)

figures: venv fid-weights
	$(PY) scripts/run_notebooks.py --profile $(PROFILE) --group figures $(SEED_ARGS)

studies: venv fid-weights
	$(PY) scripts/run_notebooks.py --profile $(PROFILE) --group studies $(SEED_ARGS)

notebook: venv fid-weights
	$(PY) scripts/run_notebooks.py --profile $(PROFILE) $(SEED_ARGS) $(N)

html: venv
	@ls executed/*.ipynb >/dev/null 2>&1 || { echo "No executed notebooks: run 'make figures' first."; exit 1; }
	$(VENV)/bin/jupyter nbconvert --to html --output-dir html executed/*.ipynb

test: venv fid-weights
	$(PY) -m pytest -q --durations=20

test-fast: venv fid-weights
	$(PY) -m pytest -q -m "not slow and not notebook" --durations=20

lint: venv
	$(VENV)/bin/ruff check colalib tests scripts benchmarks
	$(VENV)/bin/ruff format --check tests scripts benchmarks
	$(VENV)/bin/lint-imports

docs: venv
	$(PY) scripts/build_docs.py

book: venv
	$(PY) scripts/build_book.py

bench: venv
	$(PY) benchmarks/bench_scola.py
	$(PY) benchmarks/bench_precision.py

clean-cache:
	rm -rf .cache
