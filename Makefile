# humanlike: `make book` builds the living paper into _build/html; `make test` runs the tests.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: setup test book clean

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

clean:
	rm -rf _build book/chapters
