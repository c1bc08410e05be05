# Two commands set everything up (see README): `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PG_TEST_URL ?= postgres://postgres@127.0.0.1:5432/handinhand
PORT ?= 8000

.PHONY: install demo run test test-sqlite test-postgres lint typecheck migrations-check ci bench clean

$(VENV)/.installed: pyproject.toml package.json package-lock.json
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

install: $(VENV)/.installed

## Install, create the SQLite database with the pilot demo, and serve on http://127.0.0.1:$(PORT)/
demo: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed --workload pilot --if-empty
	INSECURE_DEV=true $(PY) manage.py runserver 127.0.0.1:$(PORT)

run: install
	INSECURE_DEV=true $(PY) manage.py runserver 127.0.0.1:$(PORT)

lint: install
	$(VENV)/bin/ruff check handinhand config benchmarks
	$(VENV)/bin/ruff format --check handinhand config benchmarks

typecheck: install
	$(VENV)/bin/mypy handinhand config

migrations-check: install
	$(PY) manage.py makemigrations --check --dry-run
	$(PY) manage.py check

test-sqlite: install
	$(VENV)/bin/pytest -q

test-postgres: install
	DATABASE_URL=$(PG_TEST_URL) $(VENV)/bin/pytest -q

## Everything CI checks: lint, types, migrations, the whole suite on SQLite and on PostgreSQL.
test: lint typecheck migrations-check test-sqlite test-postgres

bench: install
	$(PY) benchmarks/school_list.py
	$(PY) benchmarks/roster_import.py

clean:
	rm -rf $(VENV) node_modules staticfiles db.sqlite3
