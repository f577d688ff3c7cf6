# Two commands do all set-up: `make run` (the app) and `make test` (the whole test suite).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# Canonical MNIST for training, evaluation and the tests that need the full set; the app needs none.
export AEMODELS_DATA ?= $(abspath ../shared/data/mnist)

.PHONY: run test evaluate bench clean

$(BIN)/.installed: requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

# MALLOC_ARENA_MAX=2: each session runs on its own thread; capping glibc's per-thread arenas lets memory freed
# by one session be reused by the next (measured: 584 instead of 667 MB after six sessions, see README).
run: $(BIN)/.installed
	MALLOC_ARENA_MAX=2 $(BIN)/streamlit run app.py

test: $(BIN)/.installed
	$(BIN)/python -m pytest

evaluate: $(BIN)/.installed
	$(BIN)/python -m aemodels.evaluate

clean:
	rm -rf $(VENV) .pytest_cache
