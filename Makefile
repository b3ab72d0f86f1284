# binalert: `make run` starts the service with its lab PBX; `make test` runs every test.
VENV ?= .venv
PY := $(VENV)/bin/python
BIN := $(VENV)/bin
PYTHON ?= python3

.PHONY: install system-deps pbx run test lint bench clean messages

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $@

system-deps:
	bash scripts/system-deps.sh

pbx: install system-deps
	$(BIN)/binalert lab build

run: install system-deps pbx
	$(BIN)/binalert lab run

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

test: install system-deps pbx lint
	$(BIN)/pytest

# The pages' texts: extract them (babel.cfg) into api/locale/binalert.pot and merge them into
# api/locale/<lang>/LC_MESSAGES/binalert.po for translators (README, "Translations").
messages: install
	$(BIN)/pybabel extract -F babel.cfg -k t --add-location=file --sort-output -w 100 \
		--project=binalert --copyright-holder="binalert contributors" \
		-o api/locale/binalert.pot .
	$(BIN)/pybabel update -D binalert -i api/locale/binalert.pot -d api/locale -w 100 \
		--previous --ignore-pot-creation-date

bench: install system-deps pbx
	$(PY) -m bench

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache artifacts
