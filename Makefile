# Two commands for a fresh machine: `make demo` and `make test` (see README.md).
VENV   ?= .venv
PYTHON ?= python3
BIN     = $(VENV)/bin
PIP     = $(BIN)/python -m pip install --quiet -c constraints.txt
OUT    ?= outputs

.PHONY: demo test lint install install-dev clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Stamp files: reinstall only when the dependency list or the pins change.
$(VENV)/.installed: $(BIN)/python pyproject.toml constraints.txt
	$(PIP) -e '.[ml,ls]'
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed
	$(PIP) -e '.[ml,ls,scale,dev]'
	touch $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

demo: install
	$(BIN)/gkml predict samples -o $(OUT)/samples.jsonl --csv $(OUT)/samples.csv
	$(BIN)/gkml audit $(OUT)/samples.jsonl --html $(OUT)/audit.html
	@echo "Results: $(OUT)/samples.jsonl (one JSON line per report), $(OUT)/samples.csv (one row per report), $(OUT)/audit.html"

test: install-dev
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -q

clean:
	rm -rf $(VENV) .venv-ls $(OUT) .pytest_cache .ruff_cache
