# Two commands set everything up (see README): `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PG_TEST_URL ?= postgres://postgres@127.0.0.1:5432/handinhand
PORT ?= 8000

.PHONY: install demo run test test-sqlite test-postgres lint typecheck migrations-check ci bench clean
.PHONY: audit-deps mutation

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

## Known vulnerabilities in the installed dependencies (pip-audit); waivers with their reasons
## in .ci/pip-audit-waivers.txt. CI sets AUDIT_STRICT=--strict: a package that could not be
## checked (no network) fails too.
AUDIT_STRICT ?=
audit-deps: install
	$(VENV)/bin/pip-audit --skip-editable --progress-spinner off $(AUDIT_STRICT) \
		$$(sed -e 's/#.*//' -e '/^[[:space:]]*$$/d' -e 's/^[[:space:]]*/--ignore-vuln /' .ci/pip-audit-waivers.txt)
test: audit-deps

## Mutation testing (mutmut, [tool.mutmut] in pyproject.toml) of core/scope*, core/audit.py and
## orgs/imports.py; prints the kill rate. Slow and CPU heavy: not part of `make test`.
mutation: install
	$(VENV)/bin/mutmut run --max-children 2 || true
	$(VENV)/bin/mutmut export-cicd-stats
	$(PY) -c "import json; s = json.load(open('mutants/mutmut-cicd-stats.json')); \
		done = s['killed'] + s['survived'] + s.get('timeout', 0); \
		print(f\"mutation kill rate: {s['killed'] + s.get('timeout', 0)}/{done} = \
		{100 * (s['killed'] + s.get('timeout', 0)) / max(done, 1):.1f}% (survived {s['survived']})\")"

bench: install
	$(PY) benchmarks/school_list.py
	$(PY) benchmarks/roster_import.py

clean:
	rm -rf $(VENV) node_modules staticfiles db.sqlite3 mutants
