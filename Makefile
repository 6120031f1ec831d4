# The two commands of the README: `make run` and `make test`. Everything else is set-up they share.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app app
STAMP := $(VENV)/.installed
DEV_STAMP := $(VENV)/.installed-dev
PIP_COMPILE := $(BIN)/pip-compile --quiet --generate-hashes --strip-extras --allow-unsafe --no-emit-index-url --no-emit-find-links
CHART_JS := static/vendor/chart.umd.min.js

.PHONY: run test install install-dev lint lock

run: install instance/config.py
	$(FLASK) db upgrade
	$(FLASK) voc demo
	$(FLASK) run --host 127.0.0.1 --port 5000

test: install install-dev
	$(BIN)/python -m pytest

install: $(STAMP) $(CHART_JS)

# Servers get the runtime lock only; test and lint tools come with `make test`.
$(STAMP): requirements.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $(STAMP)

install-dev: $(DEV_STAMP)

$(DEV_STAMP): $(STAMP) requirements-dev.txt
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $(DEV_STAMP)

# After editing a .in file: recompile the locks (the dev lock is held to the runtime one's versions).
lock: install-dev
	$(PIP_COMPILE) -o requirements.txt requirements.in
	$(PIP_COMPILE) -c requirements.txt -o requirements-dev.txt requirements-dev.in

# Chart.js, pinned exactly in package.json and package-lock.json, served from our own server.
$(CHART_JS): package.json package-lock.json
	npm ci --ignore-scripts --no-audit --no-fund
	mkdir -p $(dir $@)
	cp node_modules/chart.js/dist/chart.umd.min.js $@

# A fresh install gets its own secret key, kept out of git in instance/.
instance/config.py:
	mkdir -p instance
	$(BIN)/python -c "import secrets; print(f'SECRET_KEY = {secrets.token_hex(32)!r}')" > $@

lint: install-dev
	$(BIN)/ruff check .
