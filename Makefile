# Two commands do the whole set-up on a fresh machine (Python >= 3.11):
#   make lab    create .venv from pyproject.toml and open the course in JupyterLab
#   make test   create .venv (with the test tools) and run every test
# For contributors: make check (lint + types + fast tests), make notebooks (see CONTRIBUTING.md).
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
PORT   ?= 8888
# JupyterLab refuses to run as root unless told; classroom VMs and containers often are root.
ROOT_FLAG := $(if $(filter 0,$(shell id -u)),--allow-root)
SETTINGS := $(VENV)/share/jupyter/lab/settings

.PHONY: lab test check lint types notebooks bench clean lite

$(VENV)/.course: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e .
	mkdir -p $(SETTINGS) && cp jupyter/overrides.json $(SETTINGS)/overrides.json
	touch $@

$(VENV)/.tests: $(VENV)/.course
	$(PY) -m pip install --quiet -e '.[test]'
	touch $@

$(VENV)/.dev: $(VENV)/.tests
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

lab: $(VENV)/.course
	$(PY) -m jupyter lab --ip=127.0.0.1 --port=$(PORT) $(ROOT_FLAG) notebooks/00-start-here.ipynb

test: $(VENV)/.tests
	$(PY) -m pytest

# The quick loop, well under a minute: lint, types, and the unit and integration tests.
check: lint types
	$(PY) -m pytest -q -m "unit or integration"

lint: $(VENV)/.dev
	$(PY) -m ruff check smtplesson tests bench tools

types: $(VENV)/.dev
	$(PY) -m mypy

# Generate, execute and write every lesson's two notebooks from notebooks/src/ (CONTRIBUTING.md);
# one or a few lessons: make notebooks LESSON=05  (or LESSON="05 07")
notebooks: $(VENV)/.dev
	$(PY) tools/build_notebooks.py $(LESSON)

# The zero-install site (docs/lite.md): JupyterLite into build/lite/ from PyPI and npm only;
# downloads are kept in .cache/lite/, so the second build is fast.
lite: $(VENV)/.tests
	$(PY) tools/build_lite.py

bench: $(VENV)/.tests
	for b in bench/[!_]*.py; do echo "== $$b"; $(PY) $$b || exit 1; done

clean:
	rm -rf $(VENV) .cache artifacts
