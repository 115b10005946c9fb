# forecast-tracker: `make demo` builds, scores and shows the seed ledger; `make test` runs every check.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
DEMO_DIR ?= demo-out
DEMO_DB  := $(DEMO_DIR)/ledger.sqlite
TRACKER  := $(BIN)/tracker --db sqlite:///$(abspath $(DEMO_DB))

.PHONY: install test test-quick lint typecheck pytest demo docs clean bench bench-full speaker-weights speaker-loco

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -qq -e ".[test]"
	touch $(STAMP)

install: $(STAMP)

lint: $(STAMP)
	$(BIN)/ruff check tracker tests migrations benchmarks
	$(BIN)/ruff format --check tracker tests benchmarks
	$(BIN)/lint-imports

typecheck: $(STAMP)
	$(BIN)/mypy

pytest: $(STAMP)
	$(BIN)/pytest -q -n auto --maxprocesses 4

test: lint typecheck pytest

# Every check but the tests marked slow (the benchmark harness's smoke runs): for the edit-test loop.
# `make test` and CI run every test.
test-quick: lint typecheck
	$(BIN)/pytest -q -n auto --maxprocesses 4 -m "not slow"

# The `tracker` script's table of which module holds each command, and the README's index of every command, both
# written from the commands (tests/test_startup.py and tests/test_readme.py check they are current).
docs: $(STAMP)
	$(BIN)/python -c "from tracker.cli.main import write_command_table; write_command_table()"
	$(BIN)/python -c "import pathlib, typer; from tracker.cli.main import app; \
	from tracker.cli.examples import readme_with_index; p = pathlib.Path('README.md'); \
	p.write_text(readme_with_index(p.read_text(encoding='utf-8'), typer.main.get_command(app)), encoding='utf-8')"

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
	$(TRACKER) extract seeds/004_ab1a1f8824426385.txt --out $(DEMO_DIR)/extract-draft.yaml --force
	$(TRACKER) report --out $(DEMO_DIR)/review.html --force
	$(TRACKER) export all --out $(DEMO_DIR)/bundle --format parquet --force
	$(TRACKER) site --out $(DEMO_DIR)/site
	@echo
	@echo "Built in $(abspath $(DEMO_DIR))/ from predictions/ (verified and scored above):"
	@echo "  open first: site/index.html (the leaderboard; every forecaster, question and source has a page)"
	@echo "  review.html: the one-page report (leaderboard, who beats whom, phrases, each track record)"
	@echo "  bundle/: every table as Parquet, with DATA_DICTIONARY.md and datapackage.json"
	@echo "  extract-draft.yaml: forecasts drafted from seeds/004_ab1a1f8824426385.txt, for review"
	@echo "  ledger.sqlite: the ledger; try: $(BIN)/tracker --db sqlite:///$(abspath $(DEMO_DB)) show QUESTION_ID"

# Benchmarks (results in BENCHMARKS.md). `make bench` runs the harness at 10k and 100k events and the read
# commands as whole processes (demo, 10k, 100k); `make bench-full` does both at 1M.
# BENCH_POSTGRES=postgresql://postgres@127.0.0.1:5432/test adds PostgreSQL; BENCH_ARGS passes more options
# to benchmarks/run.py (e.g. BENCH_ARGS="--reps 5 --json bench.json").
BENCH_STAMP := $(VENV)/.bench-installed
BENCH_RUN    = $(BIN)/python benchmarks/run.py $(if $(BENCH_POSTGRES),--postgres $(BENCH_POSTGRES)) $(BENCH_ARGS)

$(BENCH_STAMP): $(STAMP)
	$(BIN)/python -m pip install -qq -e ".[test,bench]"
	touch $(BENCH_STAMP)

bench: $(BENCH_STAMP)
	$(BENCH_RUN) --sizes 10k,100k
	$(BIN)/python benchmarks/read_bench.py --demo --sizes 10k,100k

bench-full: $(BENCH_STAMP)
	$(BENCH_RUN) --sizes 1M
	$(BIN)/python benchmarks/read_bench.py --sizes 1M

clean:
	rm -rf $(VENV) $(DEMO_DIR) .pytest_cache .mypy_cache .ruff_cache .hypothesis

# The learned speaker choice's weights (tracker/extract/speaker_weights.json), retrained on corpus-a..l; its
# leave-one-file-out comparison with the rules (docs/extract.md). Retrain after changing speaker_model.py or the
# corpus (tests/test_extract_speaker_model.py checks the weights' digests).
speaker-weights:
	$(BIN)/python -m tracker.extract.train_speakers

speaker-loco:
	$(BIN)/python -m tracker.extract.train_speakers --loco
