# Two commands do all set-up: `make run` (the app) and `make test` (lint, types and the whole test suite).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8501
# Canonical MNIST for training, evaluation and the tests that need the full set; the app needs none. The
# project's shared copy when it is beside the checkout, else data/mnist, where `make data` downloads it.
export AEMODELS_DATA ?= $(if $(wildcard ../shared/data/mnist),$(abspath ../shared/data/mnist),$(abspath data/mnist))

.PHONY: run dev-run test quick check lint format types evaluate data clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# The app alone: its pinned install (requirements.txt), then the package itself; no test tools.
$(VENV)/.app: pyproject.toml requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	$(BIN)/pip install --quiet --no-deps -e .
	touch $@

# Everything: the app plus tests, lint, types and benchmarks. The developer tools (labtools/, not in the wheel)
# are importable in this venv through a .pth file naming the checkout.
$(VENV)/.dev: pyproject.toml requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -e ".[dev]"
	$(BIN)/python -c "import site, pathlib; pathlib.Path(site.getsitepackages()[0], 'aemodels-devtools.pth').write_text('$(CURDIR)\n')"
	touch $(VENV)/.app $@

# MALLOC_ARENA_MAX=2: each session runs on its own thread; capping glibc's per-thread arenas lets memory freed
# by one session be reused by the next (measured: 584 instead of 667 MB after six sessions, see README).
run: $(VENV)/.app
	@echo "aemodels: open http://localhost:$(PORT) in your browser (Ctrl+C stops the server)."
	MALLOC_ARENA_MAX=2 $(BIN)/streamlit run app.py --server.port $(PORT)

# For working on the pages: rerun the page when a source file changes (off in production, see .streamlit/config.toml).
dev-run: $(VENV)/.app
	@echo "aemodels (reloads on save): open http://localhost:$(PORT) in your browser."
	$(BIN)/streamlit run app.py --server.port $(PORT) --server.fileWatcherType auto --server.runOnSave true

lint: $(VENV)/.dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(VENV)/.dev
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

types: $(VENV)/.dev
	$(BIN)/mypy

check: lint types

# The tests run in two processes (one per core), a test file to a process: first those that need no browser, then
# the browser tests, each process against a served app of its own (they spend most of their time waiting).
PARALLEL := -n 2 --dist loadfile
test: check
	$(BIN)/python -m pytest $(PARALLEL) -m "not browser"
	$(BIN)/python -m pytest $(PARALLEL) -m browser

# The inner loop: lint, types and every test that is not marked browser or slow (about two minutes).
quick: check
	$(BIN)/python -m pytest -q $(PARALLEL) -m "not browser and not slow"

# MNIST from the public mirrors into $(AEMODELS_DATA), each file checked against its published md5.
data: $(VENV)/.app
	$(BIN)/python -m aemodels.data --download

evaluate: $(VENV)/.app
	$(BIN)/python -m aemodels.evaluate

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
