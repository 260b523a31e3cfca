# 点课 Dianke — the project's commands. `make run` serves the demo site with its task worker;
# `make test` runs the whole suite on SQLite and on PostgreSQL. See README.md.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
# The libpango/libharfbuzz ones are WeasyPrint's (branch_life's 党支部工作手册 PDF).
# tesseract-ocr-chi-sim: bench/reach.py reads the slides' text back from the low rungs.
SYSTEM_PACKAGES := ffmpeg fonts-noto-cjk chromium dvdauthor genisoimage xorriso espeak-ng lsdvd libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 tesseract-ocr tesseract-ocr-chi-sim
# Node.js + npm (front-end files from npm): Debian's packages, unless an npm is already on PATH
# (e.g. NodeSource's nodejs, which bundles npm and conflicts with Debian's npm package).
NODE_PACKAGES := nodejs npm
export DJANGO_SETTINGS_MODULE ?= dianke.settings.dev

.PHONY: help install system-packages venv static-vendor migrate demo run worker test test-sqlite \
        test-postgres bench lint check-deploy messages clean

help:
	@echo "make run            install, migrate, load the demo library, serve http://127.0.0.1:$(PORT)/ with a task worker"
	@echo "make test           the whole test suite on SQLite, then on PostgreSQL (127.0.0.1:5432)"
	@echo "make bench          the benchmarks in bench/ (prints numbers)"
	@echo "make install        system packages (apt, when root), .venv with the project editable, front-end vendor files"
	@echo "make lint           ruff"
	@echo "make check-deploy   manage.py check --deploy with production settings and example variables"

install: system-packages venv static-vendor

system-packages:
	@scripts/install_system_packages.sh $(SYSTEM_PACKAGES)
	@command -v npm >/dev/null || scripts/install_system_packages.sh $(NODE_PACKAGES)

# Reinstalls only when pyproject.toml changed since the last install.
venv: $(VENV)/.installed
$(VENV)/.installed: pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	@touch $@

static-vendor:
	@scripts/vendor_static.sh

migrate: install
	$(PY) manage.py migrate --no-input

demo: migrate
	$(PY) manage.py load_demo

run: demo
	@PORT=$(PORT) scripts/run.sh

worker: install
	$(PY) manage.py db_worker --queue-name '*'

test: test-sqlite test-postgres

test-sqlite: install
	@scripts/test.sh sqlite

test-postgres: install
	@scripts/test.sh postgres

bench: install
	$(PY) -m pip install --quiet -e ".[dev,bench]"
	@scripts/bench.sh

lint: install
	$(VENV)/bin/ruff check .

check-deploy: install
	@scripts/check_deploy.sh

# Re-extract the interface's strings into locale/en/ and compile them (needs GNU gettext).
messages: install
	@command -v xgettext >/dev/null || scripts/install_system_packages.sh gettext
	$(PY) manage.py makemessages -l en --ignore=.venv --ignore=node_modules --ignore=test-output --ignore=var --ignore='*/data/*'
	$(PY) manage.py compilemessages --ignore=.venv --ignore=node_modules

clean:
	rm -rf var test-output bench/out
