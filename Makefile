# The two commands in the README: `make run` (demo on SQLite) and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 5000
export BASE_URL ?= http://$(HOST):$(PORT)

INSTALLED := $(VENV)/.installed

.PHONY: run test install lint typecheck unit clean messages translations

$(INSTALLED): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "campaign needs Python 3.11 or newer")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $@

install: $(INSTALLED)

## Upgrade the database, load the demo and serve it (SQLite under ./instance).
run: $(INSTALLED) translations
	$(BIN)/campaign db upgrade
	$(BIN)/campaign demo
	$(BIN)/campaign serve --host $(HOST) --port $(PORT)

## Lint, type-check and run the whole test suite.
test: lint typecheck unit

lint: $(INSTALLED)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(INSTALLED)
	$(BIN)/mypy

unit: $(INSTALLED)
	$(BIN)/python -m pytest

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache

## Refresh the translation template from the code and templates (see docs/translating.md).
messages: $(INSTALLED)
	$(BIN)/pybabel -q extract -F babel.cfg -k _l -k N_ -k lazy_gettext --no-location --sort-output \
		--project campaign --copyright-holder "campaign contributors" --msgid-bugs-address "" \
		-o campaign/translations/messages.pot .

## Compile every translation (campaign/translations/<language>/LC_MESSAGES/messages.po) for use.
translations: $(INSTALLED)
	@if ls campaign/translations/*/LC_MESSAGES/messages.po >/dev/null 2>&1; then \
		$(BIN)/pybabel compile --use-fuzzy -d campaign/translations; \
	else echo "no translations yet: see docs/translating.md"; fi
