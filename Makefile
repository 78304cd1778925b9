# Jiedao — the two commands: `make run` (install + start a demo instance) and `make test` (install + run all tests).
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PORT ?= 8000
export DJANGO_SETTINGS_MODULE := jiedao.settings

.PHONY: run test install install-dev lint bench clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e .
	touch $@

$(VENV)/.dev-installed: $(VENV)/.installed
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

install: $(VENV)/.installed
install-dev: $(VENV)/.dev-installed

run: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py collectstatic --noinput --verbosity 0
	$(PY) manage.py load_demo
	$(PY) manage.py tracking_demo
	$(PY) manage.py serve --port $(PORT)

test: install-dev
	bash scripts/ensure-browser
	$(PY) -m ruff check .
	$(PY) -m pytest -n 2 --dist loadfile

lint: install-dev
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

bench: install-dev
	$(PY) bench/bench_cases.py
	$(PY) bench/bench_locate.py
	$(PY) bench/bench_api.py

clean:
	rm -rf $(VENV) var/static
