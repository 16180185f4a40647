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

venv: $(BIN)/python
	$(PIP) install --quiet -e .

venv-test: $(BIN)/python
	$(PIP) install --quiet -e '.[test]'

## Set up, create the SQLite database, load the small demo and serve on http://127.0.0.1:5000
demo: venv
	$(BIN)/qianfan init-db
	$(BIN)/qianfan demo --scale small
	$(BIN)/qianfan serve --host 127.0.0.1 --port 5000

## Set up with the test extras and run the whole suite (PostgreSQL too when QIANFAN_TEST_DATABASE_URL is set)
test: venv-test
	$(BIN)/python -m pytest

lint: venv-test
	$(BIN)/ruff check .

clean:
	rm -rf $(VENV) instance *.egg-info
