# Two commands do everything on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
PIP := $(BIN)/pip

.PHONY: demo test venv venv-test lint bench clean

$(BIN)/python:
	@command -v $(PYTHON) >/dev/null || { echo "needs $(PYTHON)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip

# Browser libraries (Apache ECharts for the staff dashboard) come from the npm registry, pinned in
# package-lock.json, and are served by the app itself (no CDN). Without npm the dashboard shows tables only.
VENDOR_JS := webapp/static/vendor/echarts.min.js

$(VENDOR_JS): package.json package-lock.json
	@command -v npm >/dev/null || { echo "npm not found: the dashboard will show its figures as tables only"; exit 0; }; \
	npm ci --omit=dev --no-audit --no-fund --loglevel=error && \
	mkdir -p $(@D) && cp node_modules/echarts/dist/echarts.min.js $@

venv: $(BIN)/python $(VENDOR_JS)
	$(PIP) install --quiet -e .

venv-test: $(BIN)/python $(VENDOR_JS)
	$(PIP) install --quiet -e '.[test]'

## Set up, create the SQLite database, load the small demo and serve on http://127.0.0.1:5000
demo: venv
	$(BIN)/qianfan init-db
	$(BIN)/qianfan demo --scale small --skip-if-loaded
	$(BIN)/qianfan serve --host 127.0.0.1 --port 5000

## Set up with the test extras and run the whole suite (PostgreSQL too when QIANFAN_TEST_DATABASE_URL is set)
test: venv-test
	$(BIN)/python -m pytest

## Run the benchmarks with quick defaults (about 20 minutes on 2 cores, mostly loading the programme demo for the web benchmark); each prints its figures and the machine.
## The README's "Measured" figures come from the longer runs each script's docstring names.
bench: venv-test
	$(BIN)/python bench/bench_cli_start.py --runs 3
	$(BIN)/python bench/dedup_eval.py
	$(BIN)/python bench/bench_demo.py --scale small
	$(BIN)/python bench/bench_ingest.py
	$(BIN)/python bench/bench_matcher.py --scales 1
	$(BIN)/python bench/bench_web.py --users 5 --seconds 5 --max-requests 500

lint: venv-test
	$(BIN)/ruff check .

clean:
	rm -rf $(VENV) instance *.egg-info
