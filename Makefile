# The two commands of the README: `make run` and `make test`. Everything else is set-up they share.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app app
STAMP := $(VENV)/.installed
CHART_JS := static/vendor/chart.umd.min.js

.PHONY: run test install lint semantic

run: install instance/config.py
	$(FLASK) db upgrade
	$(FLASK) voc demo
	$(FLASK) run --host 127.0.0.1 --port 5000

test: install
	$(BIN)/python -m pytest

install: $(STAMP) $(CHART_JS)

$(STAMP): requirements.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $(STAMP)

# The optional semantic lens (docs/themes.md): the `semantic` extra of pyproject.toml, pinned there.
semantic: install
	$(BIN)/python -m pip install --quiet --disable-pip-version-check \
	  $$($(BIN)/python -c "import tomllib; print(*tomllib.load(open('pyproject.toml', 'rb'))['project']['optional-dependencies']['semantic'])")

# Chart.js, pinned exactly in package.json and package-lock.json, served from our own server.
$(CHART_JS): package.json package-lock.json
	npm ci --ignore-scripts --no-audit --no-fund
	mkdir -p $(dir $@)
	cp node_modules/chart.js/dist/chart.umd.min.js $@

# A fresh install gets its own secret key, kept out of git in instance/.
instance/config.py:
	mkdir -p instance
	$(BIN)/python -c "import secrets; print(f'SECRET_KEY = {secrets.token_hex(32)!r}')" > $@

lint: install
	$(BIN)/ruff check .
