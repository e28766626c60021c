# Two commands do all set-up on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint validate bench schemas model clean

$(STAMP): requirements.txt requirements-dev.txt requirements-encoder.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt -e .
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/streamlit run streamlit_app.py

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/python -m simulator validate
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy

validate: $(STAMP)
	$(BIN)/python -m simulator validate

bench: $(STAMP)
	$(BIN)/python bench/detect_throughput.py
	$(BIN)/python bench/signal_quality.py

schemas: $(STAMP)
	$(BIN)/python -m simulator schemas --write

# Retrain the learned signal model after editing rubrics/signals.yaml or tests/data/.
model: $(STAMP)
	$(BIN)/python -m simulator train-model

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache .hypothesis
