# The project's verbs. Each target sets up what it needs, so a newcomer types one word.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)

.PHONY: demo test sysdeps lint pytest firmware firmware-test fuzz bench bench-quick clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[test,bench]'
	@rm -f $(VENV)/.installed-* && touch $@

demo: $(STAMP)
	$(BIN)/sensorbridge --db $(VENV)/demo.db --virtual

test: sysdeps $(STAMP) lint firmware-test pytest

sysdeps:
	@tools/system-deps

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

pytest: $(STAMP)
	$(BIN)/pytest

firmware-test: sysdeps
	$(MAKE) -C firmware test

firmware:
	$(MAKE) -C firmware cross size

fuzz:
	$(MAKE) -C firmware fuzz

bench: $(STAMP)
	$(BIN)/python -m bench --broad ../shared/data/broad

bench-quick: $(STAMP)
	$(BIN)/python -m bench --quick --broad ../shared/data/broad

clean:
	rm -rf $(VENV) firmware/build .mypy_cache .ruff_cache .pytest_cache
