# forecast-tracker: `make demo` builds, scores and shows the seed ledger; `make test` runs every check.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
DEMO_DIR ?= demo-out
DEMO_DB  := $(DEMO_DIR)/ledger.sqlite
TRACKER  := $(BIN)/tracker --db sqlite:///$(abspath $(DEMO_DB))

.PHONY: install test lint typecheck pytest demo clean bench bench-full

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -qq -e ".[test]"
	touch $(STAMP)

install: $(STAMP)

lint: $(STAMP)
	$(BIN)/ruff check tracker tests migrations
	$(BIN)/ruff format --check tracker tests

typecheck: $(STAMP)
	$(BIN)/mypy

pytest: $(STAMP)
	$(BIN)/pytest -q

test: lint typecheck pytest

demo: $(STAMP)
	@mkdir -p $(DEMO_DIR)
	@rm -f $(DEMO_DB) $(DEMO_DB)-wal $(DEMO_DB)-shm
	$(TRACKER) init
	$(TRACKER) import predictions/
	$(TRACKER) score
	$(TRACKER) scores
	$(TRACKER) calibration --bins 5
	$(TRACKER) hindsight
	$(TRACKER) due
	$(TRACKER) list --status open
	$(TRACKER) verify
	$(TRACKER) report --out $(DEMO_DIR)/review.html
	$(TRACKER) export all --out $(DEMO_DIR)/bundle --format parquet
	@echo "review page: $(abspath $(DEMO_DIR))/review.html"
	@echo "parquet bundle (with DATA_DICTIONARY.md): $(abspath $(DEMO_DIR))/bundle/"

clean:
	rm -rf $(VENV) $(DEMO_DIR) .pytest_cache .mypy_cache .ruff_cache .hypothesis
