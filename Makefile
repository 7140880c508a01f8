# humanlike: `make book` builds the living paper into _build/html; `make test` runs the tests.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: setup test test-fast test-minimum book lab paper clean

setup: $(STAMP)

# The package with the extras the book, Lab and tests need, at the lock's exact versions (constraints.txt), so the
# book built from a commit is the same everywhere. Reinstall only when the dependencies or the lock change; a second
# `make setup` takes seconds.
EXTRAS := book,lab,test,dask,slurm
$(STAMP): pyproject.toml constraints.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -c constraints.txt -e '.[$(EXTRAS)]'
	touch $(STAMP)

# The suite on every core (pytest-xdist, at most 4 processes): tests/conftest.py keeps each file that shares an
# expensive fixture on one worker and lets the workers share the chapters' executions.
test: setup
	$(PY) -m pytest -q --numprocesses auto --maxprocesses 4

# The inner loop: everything but the tests marked slow (chapters, subprocesses, clusters) and the browser tests, on
# every core as `make test`.
test-fast: setup
	$(PY) -m pytest -q -m "not slow and not book" --numprocesses auto --maxprocesses 4

# The oldest versions the package declares (constraints-minimum.txt: numpy, pandas, pyarrow, pillow, ... at their lower
# bounds; the core only, no extras) in a second environment, on the tests of the core: data, metrics, benchmark,
# downloads, weights, inference, and the published tables digit for digit.
MIN_VENV := .venv-minimum
MIN_STAMP := $(MIN_VENV)/.installed
MINIMUM_TESTS := tests/test_data.py tests/test_validation.py tests/test_trials_cache.py tests/test_memo.py \
  tests/test_download.py tests/test_metrics.py tests/test_benchmark.py tests/test_weights.py tests/test_decisions.py \
  tests/test_inference.py
$(MIN_STAMP): pyproject.toml constraints-minimum.txt
	test -x $(MIN_VENV)/bin/python || $(PYTHON) -m venv $(MIN_VENV)
	$(MIN_VENV)/bin/python -m pip install --quiet --prefer-binary -c constraints-minimum.txt -e . pytest hypothesis
	touch $(MIN_STAMP)

test-minimum: $(MIN_STAMP)
	$(MIN_VENV)/bin/python -m pytest -q -p no:cacheprovider $(MINIMUM_TESTS)

book: setup
	$(PY) tools/build_book.py

# JupyterLab on this environment: analysis/*.py open as notebooks (jupytext, whose server extension is enabled in
# .venv) on the "humanlike" kernel, run live and save back to .py. The kernelspec is (re)registered inside .venv
# as tools/build_book.py does; Lab fetches no news (works offline); the data come from $$HUMANLIKE_MIRROR, else
# ../shared/data if present, else the download cache.
LAB_SETTINGS := $(VENV)/share/jupyter/lab/settings
lab: setup
	$(PY) -m ipykernel install --sys-prefix --name humanlike --display-name "Python (humanlike)" >/dev/null
	mkdir -p $(LAB_SETTINGS)
	echo '{"@jupyterlab/docmanager-extension:plugin": {"defaultViewers": {"python": "Jupytext Notebook"}},' \
	  '"@jupyterlab/apputils-extension:notification": {"fetchNews": "false", "checkForUpdates": false}}' \
	  > $(LAB_SETTINGS)/overrides.json
	HUMANLIKE_MIRROR="$${HUMANLIKE_MIRROR:-$(if $(wildcard ../shared/data),$(abspath ../shared/data))}" \
	  $(VENV)/bin/jupyter lab --ServerApp.root_dir=. $(if $(filter 0,$(shell id -u)),--allow-root) $(LAB_ARGS)

# The paper's 32 models on all 17 datasets into runs/paper, then the book with those results in every chapter.
# Needs internet (weights and stimuli are downloaded once into the user cache); a GPU makes it minutes instead of
# hours. Resumable: finished model x dataset pairs are skipped. DASK=local:4 or DASK=tcp://host:8786 spreads the
# models over Dask workers. The book is built even when a model failed; make still reports the failure.
PAPER_OUT := runs/paper
paper: setup
	status=0; $(VENV)/bin/humanlike evaluate --zoo paper --out $(PAPER_OUT) $(if $(DASK),--dask $(DASK)) || status=$$?; \
	  $(PY) tools/build_book.py -p extra_dirs '["$(PAPER_OUT)"]' && exit $$status

clean:
	rm -rf _build book/chapters
