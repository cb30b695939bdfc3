# Two commands on a fresh machine:  make run  (demo on SQLite)  and  make test  (the whole suite).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PYTEST_ARGS ?=
# pytest-xdist workers: one per core (each has its own test database and seeds the demo once).
PYTEST_WORKERS ?= auto

.PHONY: run lint test test-fast test-dates faketime smoke install assets chromium collectstatic bench clean

$(VENV)/.installed: requirements.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	@touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

build/static/.built: node_modules/.installed scss/app.scss scripts/build-assets.mjs
	npm run --silent build
	@touch $@

# A development-only settings file: DEBUG on and a random secret key. Never used in production.
.env:
	@printf 'DEBUG=true\nSECRET_KEY=dev-%s\n' "$$($(PYTHON) -c 'import secrets; print(secrets.token_urlsafe(40))')" > .env

install: $(VENV)/.installed build/static/.built

assets: build/static/.built

run: install .env
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo
	@echo "Open http://127.0.0.1:8000/ and sign in with a user name above (press Ctrl+C to stop)."
	@# Imports run in the background: a task worker runs beside the web server and stops with it.
	@$(PY) manage.py run_worker --verbosity 0 & worker=$$!; \
	trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	$(PY) manage.py runserver 127.0.0.1:8000

# Browser tests drive Debian's Chromium; install it when we can, or say what to do.
chromium:
	@if command -v chromium >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" = "0" ]; then \
		echo "Installing Debian's chromium for the browser tests..."; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	else \
		echo "The browser tests need Debian's chromium. Run: sudo apt-get install -y chromium" >&2; exit 1; \
	fi

# Style, and the app layers of shared/design.md (core <- improvement <- indicators <- meetings <- imports
# <- dashboard <- demo) as a contract: .importlinter.
lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports

# After the suite, the production deployment itself (README, Production deployment): a scratch
# database, collectstatic, gunicorn with DEBUG off, every page as every role.
test: lint install chromium
	$(PY) -m pytest -n $(PYTEST_WORKERS) $(PYTEST_ARGS)
	$(PY) scripts/smoke_production.py

# The unit and page tests, without the browser or the production smoke test: the quick check while working.
test-fast: install
	$(PY) -m pytest -m "not browser" -n $(PYTEST_WORKERS) $(PYTEST_ARGS)

smoke: install
	$(PY) scripts/smoke_production.py

# The suite must pass whatever the machine's date. This runs the non-browser tests with libfaketime
# at four awkward dates; not part of `make test` or CI, as it runs the suite four times.
TEST_DATES ?= "2027-01-01 09:00:00" "2027-03-31 12:00:00" "2028-02-29 12:00:00" "2026-12-31 23:30:00"

faketime:
	@if command -v faketime >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" = "0" ]; then \
		echo "Installing libfaketime for make test-dates..."; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq faketime >/dev/null; \
	else \
		echo "make test-dates needs libfaketime. Run: sudo apt-get install -y faketime" >&2; exit 1; \
	fi

test-dates: install faketime
	@status=0; summary=""; \
	for when in $(TEST_DATES); do \
		echo "== The machine's clock reads $$when"; \
		start=$$(date +%s); \
		if faketime "$$when" $(PY) -m pytest -m "not browser" -q $(PYTEST_ARGS); then result=passed; \
		else result=FAILED; status=1; fi; \
		summary="$$summary  $$when: $$result in $$(( $$(date +%s) - start ))s\n"; \
	done; \
	printf "make test-dates:\n$$summary"; exit $$status

collectstatic: install
	$(PY) manage.py collectstatic --noinput

bench: install
	$(PY) bench/run_all.py

clean:
	rm -rf $(VENV) node_modules build staticfiles
