# Two commands for a new machine with Python 3.11:  make run   |   make test
PYTHON ?= python3.11
VENV   ?= .venv
BIND   ?= 127.0.0.1:8000
BIN     = $(VENV)/bin
export TICKETING_ENV ?= demo

.PHONY: install run test model bench

$(BIN)/activate:
	$(shell command -v $(PYTHON) || echo python3) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(BIN)/activate
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

install: $(VENV)/.installed

# the classifier model is built from the shipped corpus when there is none
model: install
	@$(BIN)/python -c "from classifiers.registry import ModelRegistry as R; import sys; sys.exit(0 if R().active_version() else 1)" \
	  || $(BIN)/python -m classifiers train

# SQLite under instance/, demo data, gunicorn on http://$(BIND) (default 127.0.0.1:8000)
run: install model
	$(BIN)/flask --app wsgi db upgrade
	$(BIN)/flask --app wsgi seed-demo
	$(BIN)/gunicorn -c python:ticketing.gunicorn_conf --workers 2 --timeout 300 --bind $(BIND) wsgi:app

# every test: unit, functional, migrations, browser (needs Debian's chromium: apt-get install -y chromium)
test: install
	$(BIN)/python -m pytest -q
