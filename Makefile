# Two commands for a fresh machine: `make demo` and `make test` (see README.md).
VENV   ?= .venv
PYTHON ?= python3
BIN     = $(VENV)/bin
PIP     = $(BIN)/python -m pip install --quiet -c constraints.txt
OUT    ?= outputs

.PHONY: demo test lint install install-dev system-deps chains clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Stamp files: reinstall only when the dependency list or the pins change.
$(VENV)/.installed: $(BIN)/python pyproject.toml constraints.txt
	$(PIP) -e '.[ml,ls]'
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed
	$(PIP) -e '.[ml,ls,scale,dev,chains]'
	touch $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

demo: install
	$(BIN)/gkml predict samples -o $(OUT)/samples.jsonl --csv $(OUT)/samples.csv
	$(BIN)/gkml audit $(OUT)/samples.jsonl --html $(OUT)/audit.html
	@echo "Results: $(OUT)/samples.jsonl (one JSON line per report), $(OUT)/samples.csv (one row per report), $(OUT)/audit.html"

# What the tests need beyond Python: LibreOffice and CJK fonts (documents typeset as organs make
# them), Chromium (the audit page in a real browser). Installed only when missing; inference
# needs none of them.
SYSTEM_DEPS = libreoffice-writer-nogui fonts-noto-cjk chromium
system-deps:
	@if ! command -v soffice >/dev/null || ! command -v chromium >/dev/null || ! fc-list | grep -q "Noto Sans CJK"; then \
		echo "installing $(SYSTEM_DEPS) (apt-get)"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $(SYSTEM_DEPS); \
	fi

# Training chains (gkml.training.chains): synthetic reports typeset by LibreOffice and read back by every
# extractor but OCR into data/chains/train/<chain>/reports.jsonl, and the committed OCR corpora
# (corpora/chains-ocr*.jsonl.gz, rebuilt by the commands in scripts/build_chains.py) unpacked beside them.
CHAINS_N ?= 200
chains: install-dev system-deps
	$(BIN)/python scripts/build_chains.py --n $(CHAINS_N) --seed 21 -o data/chains/train
	$(BIN)/python scripts/build_chains.py --unpack corpora/chains-ocr.jsonl.gz -o data/chains/train
	$(BIN)/python scripts/build_chains.py --unpack corpora/chains-ocr-ingest.jsonl.gz -o data/chains/train

test: install-dev system-deps
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -q

clean:
	rm -rf $(VENV) .venv-ls $(OUT) .pytest_cache .ruff_cache
