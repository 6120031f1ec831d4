# The two commands of the README: `make run` (PORT=5001 for another port) and `make test`. Everything else is
# set-up they share.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app app
STAMP := $(VENV)/.installed
DEV_STAMP := $(VENV)/.installed-dev
PIP_COMPILE := $(BIN)/pip-compile --quiet --generate-hashes --strip-extras --allow-unsafe --no-emit-index-url --no-emit-find-links
CHART_JS := static/vendor/chart.umd.min.js

PORT ?= 5000

.PHONY: run test install install-dev lint lock semantic screenshots

run: install instance/config.py
	$(FLASK) db upgrade
	$(FLASK) voc demo
	$(FLASK) run --host 127.0.0.1 --port $(PORT)

test: install install-dev
	$(BIN)/python -m pytest

install: $(STAMP) $(CHART_JS)

# Servers get the runtime lock only; test and lint tools come with `make test`.
$(STAMP): requirements.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $(STAMP)

# The optional semantic lens (docs/themes.md), from its own lock.
semantic: install
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-semantic.txt

install-dev: $(DEV_STAMP)

$(DEV_STAMP): $(STAMP) requirements-dev.txt
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $(DEV_STAMP)

# After editing a .in file: recompile the locks (the dev lock is held to the runtime one's versions).
lock: install-dev
	$(PIP_COMPILE) -o requirements.txt requirements.in
	$(PIP_COMPILE) -c requirements.txt -o requirements-dev.txt requirements-dev.in
	$(PIP_COMPILE) -c requirements.txt -o requirements-semantic.txt requirements-semantic.in

# Chart.js, pinned exactly in package.json and package-lock.json, served from our own server.
$(CHART_JS): package.json package-lock.json
	npm ci --ignore-scripts --no-audit --no-fund
	mkdir -p $(dir $@)
	cp node_modules/chart.js/dist/chart.umd.min.js $@

# A fresh install gets its own secret key, kept out of git in instance/.
instance/config.py:
	mkdir -p instance
	$(BIN)/python -c "import secrets; print(f'SECRET_KEY = {secrets.token_hex(32)!r}')" > $@

# Lint and format check, as CI runs them before the tests (`ruff format .` fixes the format).
lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# Refresh the pictures in docs/screenshots from the browser tests (a plain test run writes tests/artifacts/).
screenshots: install install-dev
	VOC_SCREENSHOTS_DIR=docs/screenshots $(BIN)/python -m pytest -q -p no:randomly \
		tests/test_browser_dashboard.py tests/test_browser_themes.py tests/test_browser_theme_page.py \
		tests/test_browser_board.py tests/test_browser_customer.py tests/test_browser_roadmap_print.py \
		tests/test_browser_layout.py tests/test_browser_imports.py
