# binalert: `make run` starts the service with its lab PBX; `make test` runs every test.
VENV ?= .venv
PY := $(VENV)/bin/python
BIN := $(VENV)/bin
PYTHON ?= python3

.PHONY: install system-deps pbx run test lint bench clean messages lock

install: $(VENV)/.installed

# Every dependency from the lock, each file checked against its SHA-256 (--require-hashes),
# then binalert itself without resolving anything more (--no-deps).
$(VENV)/.installed: pyproject.toml requirements/dev.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --require-hashes -r requirements/dev.txt
	$(BIN)/pip install -q --no-deps --no-build-isolation -e .
	touch $@

# Re-resolve the locks after a change of pyproject.toml's dependencies (review the diff):
# runtime.txt for the image, piper.txt for an image with Piper voices, dev.txt for make.
LOCK := $(BIN)/uv pip compile pyproject.toml requirements/build.in --generate-hashes \
	--universal --python-version 3.11 --custom-compile-command "make lock" -q
lock: install
	$(LOCK) -o requirements/runtime.txt
	$(LOCK) --extra piper -o requirements/piper.txt
	$(LOCK) --extra dev -o requirements/dev.txt

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
