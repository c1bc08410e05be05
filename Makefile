# Two commands set everything up (see README): `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
# PostgreSQL: a superuser only creates the roles (manage.py db_roles --roles-only); the suite
# then runs as the owner role, no superuser, which creates and migrates its test database, and
# core/tests/test_db_roles.py connects to that database as the app role (INSERT/SELECT only on
# the audit log) to prove what it cannot do.
PG_ADMIN_URL ?= postgres://postgres@127.0.0.1:5432/postgres
DB_OWNER_PASSWORD ?= handinhand_owner
DB_APP_PASSWORD ?= handinhand_app
PG_TEST_URL ?= postgres://handinhand_owner:$(DB_OWNER_PASSWORD)@127.0.0.1:5432/handinhand
PORT ?= 8000

.PHONY: install demo run test test-sqlite test-postgres lint fmt typecheck migrations-check ci bench clean
.PHONY: audit-deps mutation messages locale

$(VENV)/.installed: pyproject.toml package.json package-lock.json
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

install: $(VENV)/.installed

## Install, create the SQLite database with the pilot demo, and serve on http://127.0.0.1:$(PORT)/
## with the task worker and the daily scheduler beside the web server (manage.py serve; Ctrl-C
## stops all three).
demo: install locale
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed --workload pilot --if-empty
	INSECURE_DEV=true $(PY) manage.py serve 127.0.0.1:$(PORT)

run: install locale
	INSECURE_DEV=true $(PY) manage.py serve 127.0.0.1:$(PORT)

## The English locale: compile handinhand/locale/*/LC_MESSAGES/*.po into the .mo Django reads
## (polib, no GNU gettext needed; the .mo is not committed).
locale: install
	$(PY) manage.py compile_locale

## After adding or changing texts: extract every msgid again into the English catalogue (Django's
## makemessages needs GNU gettext: apt-get install gettext), then list what still needs an
## English translation. Translate those entries in handinhand/locale/en/LC_MESSAGES/django.po
## (glossary at its top) and run `make messages` again until it says every msgid is translated.
LOCALE_IGNORE := --ignore=.venv --ignore=node_modules --ignore=staticfiles --ignore=mutants --ignore=media
messages: install
	$(PY) manage.py makemessages -l en --no-location --no-obsolete $(LOCALE_IGNORE)
	$(PY) manage.py compile_locale --check

lint: install
	$(VENV)/bin/ruff check handinhand config benchmarks
	$(VENV)/bin/ruff format --check handinhand config benchmarks
	$(VENV)/bin/lint-imports --no-logo

## Rewrite the code the way lint wants it: ruff's fixes and format, templates indented by djhtml.
fmt: install
	$(VENV)/bin/ruff check --fix handinhand config benchmarks
	$(VENV)/bin/ruff format handinhand config benchmarks
	$(VENV)/bin/djhtml handinhand/templates

typecheck: install
	$(VENV)/bin/mypy handinhand config

migrations-check: install
	$(PY) manage.py makemigrations --check --dry-run
	$(PY) manage.py check

test-sqlite: install locale
	$(VENV)/bin/pytest -q

test-postgres: install locale
	DATABASE_URL=$(PG_ADMIN_URL) $(PY) manage.py db_roles --roles-only \
		--owner-password '$(DB_OWNER_PASSWORD)' --app-password '$(DB_APP_PASSWORD)'
	DATABASE_URL=$(PG_TEST_URL) DB_APP_PASSWORD='$(DB_APP_PASSWORD)' $(VENV)/bin/pytest -q

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

## What .ci/run calls: the same as `make test`, so that README's test command is what CI checks.
ci: test

bench: install
	$(PY) benchmarks/school_list.py
	$(PY) benchmarks/roster_import.py
	$(PY) benchmarks/inbox.py
	$(PY) benchmarks/cockpit.py
	$(PY) benchmarks/incentives_evidence.py
	$(PY) benchmarks/funding_summary.py

clean:
	rm -rf $(VENV) node_modules staticfiles db.sqlite3 mutants
