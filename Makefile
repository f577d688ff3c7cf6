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

run: $(BIN)/.installed
	$(BIN)/streamlit run app.py

test: $(BIN)/.installed
	$(BIN)/python -m pytest

evaluate: $(BIN)/.installed
	$(BIN)/python -m aemodels.evaluate

clean:
	rm -rf $(VENV) .pytest_cache
