# Two commands on a fresh machine: `make run` and `make test`. Both build .venv first;
# `make run` installs only what running needs, `make test` adds the test tools.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
RUN_STAMP := $(VENV)/.installed-run
DEV_STAMP := $(VENV)/.installed-dev

.PHONY: run test bench lint clean catalogs

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(RUN_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $(RUN_STAMP)

$(DEV_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(RUN_STAMP) $(DEV_STAMP)

run: $(RUN_STAMP)
	$(BIN)/bar up

test: $(DEV_STAMP)
	$(BIN)/pytest -n 2 --dist loadfile

bench: $(DEV_STAMP)
	$(BIN)/python -m bench

lint: $(DEV_STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy

# The server's sentences a guest reads: extract them into messages.pot and merge it into
# every language's .po (translate the new entries, then `make test` checks them all).
# The page's strings live in webapp/static/i18n/<lang>.json, edited by hand.
POT := webapp/translations/messages.pot
catalogs: $(RUN_STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k N_ --no-wrap --sort-output -o $(POT) .
	$(BIN)/pybabel update -i $(POT) -d webapp/translations --no-wrap --ignore-obsolete

clean:
	rm -rf $(VENV) .pytest_cache
