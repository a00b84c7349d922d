# MitraPAS: `make run` starts the portal with demo data; `make test` runs every test.
# Everything the project needs is installed by these targets; nothing by hand.

PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin
STAMP   = $(VENV)/.installed
CATALOGS = $(wildcard portal/translations/*/LC_MESSAGES/*.po)

.PHONY: run test test-deployed load install browser i18n-extract i18n-update i18n-compile bench bench-pages bench-uploads bench-backup dist clean

run: install
	$(BIN)/python -m mitrapas_dev.devstack

# The in-process suite and (with PostgreSQL) the deployed-stack tier: gunicorn, RLS, SeaweedFS, Redis. The tier
# runs beside the suite, with servers of its own (PostgreSQL too: its faults story restarts it), so neither waits
# for the other on this 2-core machine; its report is printed after the suite's (and kept in DEPLOYED_LOG).
DEPLOYED_LOG = tests/artifacts/deployed-tier.log
test: install browser
	@case "$$DATABASE_URL" in \
	  postgresql*) \
	    mkdir -p $(dir $(DEPLOYED_LOG)); \
	    echo "The deployed-stack tier runs beside the in-process suite; its report follows the suite's."; \
	    $(BIN)/python -m pytest tests/deployed $(PYTEST_ARGS) > $(DEPLOYED_LOG) 2>&1 & tier=$$!; \
	    $(BIN)/python -m pytest --ignore=tests/deployed $(PYTEST_ARGS); suite=$$?; \
	    wait $$tier; deployed=$$?; \
	    echo "=== the deployed-stack tier (tests/deployed) ==="; cat $(DEPLOYED_LOG); \
	    test $$suite -eq 0 && test $$deployed -eq 0 ;; \
	  *) \
	    $(BIN)/python -m pytest --ignore=tests/deployed $(PYTEST_ARGS) || exit $$?; \
	    echo "The deployed-stack tier needs PostgreSQL: DATABASE_URL=postgresql+psycopg://... make test" ;; \
	esac

test-deployed: install browser
	$(BIN)/python -m pytest tests/deployed $(PYTEST_ARGS)

# The real mix (tests/load/locustfile.py) at 50 and then 200 people for 5 minutes each, against the deployed
# stack on PostgreSQL (DATABASE_URL, as for the tier). Figures: tests/load/README.md.
load: install
	$(BIN)/python -m tests.load.run --users $(or $(USERS),50 200) --seconds $(or $(SECONDS),300)

install: $(STAMP) i18n-compile

$(STAMP): pyproject.toml devtools/pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]' -e devtools
	touch $(STAMP)

# Debian's Chromium for the browser journeys (Playwright drives it; no browser download),
# poppler-utils, whose pdftoppm renders the monthly report in its test and whose pdfsig checks the signed
# agreements, SoftHSM2, the PKCS#11 token the signing keys live in for their test, and axe-core (pinned in
# tests/a11y/package-lock.json), which the accessibility test loads into the pages it checks. wrk loads a gunicorn
# worker in tests/ops/test_gunicorn_worker.py. zbarimg (zbar-tools) reads the QR codes the journeys' screenshots show.
browser:
	@{ command -v chromium && command -v pdftoppm && command -v pdfsig && command -v softhsm2-util && command -v zbarimg; } >/dev/null 2>&1 || { \
	  echo "Installing Debian's chromium, poppler-utils, softhsm2 and zbar-tools for the tests"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium poppler-utils softhsm2 zbar-tools >/dev/null; }
	@command -v wrk >/dev/null 2>&1 || { echo "Installing Debian's wrk for the test of the gunicorn worker"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }
	@command -v npm >/dev/null 2>&1 || { echo "Installing Debian's npm for axe-core"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq npm >/dev/null; }
	@test -f tests/a11y/node_modules/axe-core/axe.min.js || (cd tests/a11y && npm ci --no-audit --no-fund --silent)

# Translations: English source strings, Bahasa Indonesia catalog (the default language).
i18n-extract: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext --ignore-dirs ".* __pycache__" --no-location --sort-output \
	  -o portal/translations/messages.pot .

i18n-update: i18n-extract
	$(BIN)/pybabel update -i portal/translations/messages.pot -d portal/translations -D messages \
	  --no-fuzzy-matching --ignore-obsolete --width 100

i18n-compile: $(STAMP)
	@$(BIN)/pybabel compile --statistics -d portal/translations -D messages 2>&1 | grep -v "^compiling" || true
	@$(BIN)/pybabel compile -d portal/translations -D wtforms >/dev/null

bench: install
	$(BIN)/python -m tests.bench

# The hot pages on the deployed stack with national-scale data, loaded by wrk at 8 and 50 connections, as a
# ratio to bare Flask under the same gunicorn (PostgreSQL: DATABASE_URL, or the local server CI uses).
bench-pages: install
	@command -v wrk >/dev/null 2>&1 || { echo "Installing Debian's wrk for the page benchmark"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }
	DATABASE_URL=$${DATABASE_URL:-postgresql+psycopg://postgres@127.0.0.1:5432/test} $(BIN)/python -m tests.bench.pages $(BENCH_ARGS)

# A 512 MiB material through the portal's resumable upload (presigned parts straight to SeaweedFS, then the
# portal's check) against boto3 to the same server, on the deployed stack, in one run.
bench-uploads: install
	DATABASE_URL=$${DATABASE_URL:-postgresql+psycopg://postgres@127.0.0.1:5432/test} $(BIN)/python -m tests.bench.uploads $(BENCH_ARGS)

# `mitrapas backup` and `restore` of the national data set and 2 GiB of files, against pg_dump and a plain copy.
bench-backup: install
	DATABASE_URL=$${DATABASE_URL:-postgresql+psycopg://postgres@127.0.0.1:5432/test} $(BIN)/python -m tests.bench.backup $(BENCH_ARGS)

# What ships: the sdist and the wheel built from it (templates, migrations, assets, compiled catalogs inside).
dist: install
	$(BIN)/python -m build --outdir dist .

clean:
	rm -rf $(VENV) instance tests/artifacts .pytest_cache build dist portal/_bundled
