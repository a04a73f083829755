# csperf — two commands do everything on a fresh machine:
#   make review   create .venv, install, generate the demo data if missing, run the full review
#   make test     install if needed and run the whole test suite
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
DEMO_DIR := data/raw/demo
DEMO_CONFIG := $(DEMO_DIR)/review.yaml
DEMO_CONTACTS ?= 100000
DEMO_SEED ?= 7
OUT ?= reports
PYTEST_ARGS ?=

.PHONY: install review demo-data test test-fast lint benchmark clean

install: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e ".[test]"
	$(BIN)/python -m ipykernel install --sys-prefix --name csperf --display-name "Python (csperf)" >/dev/null
	touch $(STAMP)

$(DEMO_CONFIG): | $(STAMP)
	$(BIN)/csperf demo-data --out $(DEMO_DIR) --contacts $(DEMO_CONTACTS) --seed $(DEMO_SEED)

demo-data: $(DEMO_CONFIG)

review: $(STAMP) $(DEMO_CONFIG)
	$(BIN)/csperf review --config $(DEMO_CONFIG) --out $(OUT)

# The package's layer contracts (import-linter, pyproject.toml), unit, notebook-execution and
# end-to-end tests, then every notebook with its defaults (nbval).
test: $(STAMP) $(DEMO_CONFIG)
	$(BIN)/lint-imports
	$(BIN)/python -m pytest -n 2 $(PYTEST_ARGS)
	$(BIN)/python -m pytest --nbval-lax --nbval-current-env notebooks/ -q

test-fast: $(STAMP)
	$(BIN)/python -m pytest -m "not slow" $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check csperf_lib tests benchmarks
	$(BIN)/lint-imports

benchmark: $(STAMP)
	$(BIN)/python benchmarks/run.py

clean:
	rm -rf data/processed/*.duckdb* reports/_interactive
