# Two entry points, both self-installing into ./.venv:
#   make demo   run the main job on built-in sample data
#   make test   run the whole test suite
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin

.PHONY: demo test bench clean

$(BIN)/.kaohe-installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

demo: $(BIN)/.kaohe-installed
	$(BIN)/kaohe demo

test: $(BIN)/.kaohe-installed
	$(BIN)/python -m pytest -q

bench: $(BIN)/.kaohe-installed
	$(BIN)/python bench/engine_bench.py
	$(BIN)/python bench/udf_bench.py

clean:
	rm -rf $(VENV) build *.egg-info
