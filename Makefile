# humanlike: `make book` builds the living paper into _build/html; `make test` runs the tests.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: setup test book lab clean

setup: $(STAMP)

# Reinstall only when the dependencies change; a second `make setup` takes seconds.
$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $(STAMP)

test: setup
	$(PY) -m pytest -q

book: setup
	$(PY) tools/build_book.py

# JupyterLab on this environment: analysis/*.py open as notebooks (jupytext, whose server extension is enabled in
# .venv) on the "humanlike" kernel, run live and save back to .py. The kernelspec is (re)registered inside .venv
# as tools/build_book.py does; the data come from $$HUMANLIKE_MIRROR, else ../shared/data if present, else the cache.
LAB_SETTINGS := $(VENV)/share/jupyter/lab/settings
lab: setup
	$(PY) -m ipykernel install --sys-prefix --name humanlike --display-name "Python (humanlike)" >/dev/null
	mkdir -p $(LAB_SETTINGS)
	echo '{"@jupyterlab/docmanager-extension:plugin": {"defaultViewers": {"python": "Jupytext Notebook"}}}' \
	  > $(LAB_SETTINGS)/overrides.json
	HUMANLIKE_MIRROR="$${HUMANLIKE_MIRROR:-$(if $(wildcard ../shared/data),$(abspath ../shared/data))}" \
	  $(VENV)/bin/jupyter lab --ServerApp.root_dir=. $(if $(filter 0,$(shell id -u)),--allow-root) $(LAB_ARGS)

clean:
	rm -rf _build book/chapters
