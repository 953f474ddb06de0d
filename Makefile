# Two entry points for a fresh machine with Python >= 3.11:
#   make prove   set up .venv and run the flagship proof
#   make test    set up .venv and run the whole test suite
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: prove test fast readme bench bytecode clean

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c constraints.txt -e '.[test]'
	touch $(STAMP)

# byte-compile the sources, as installing a wheel does: an editable install under
# PYTHONDONTWRITEBYTECODE would otherwise compile ~70 modules on every run (~0.07 s)
bytecode: $(STAMP)
	$(BIN)/python -m compileall -q src

prove: bytecode
	$(BIN)/rmapsmt prove specs/shift_arg_pages.rmap

test: $(STAMP)
	$(BIN)/ruff check src tests bench scripts
	$(BIN)/mypy src tests bench scripts
	$(BIN)/pytest

fast: $(STAMP)
	$(BIN)/pytest -m "not slow"

readme: $(STAMP)
	$(BIN)/python scripts/readme_matrix.py

bench: $(STAMP)
	$(BIN)/python bench/bench.py

clean:
	rm -rf $(VENV) build src/*.egg-info
	find src -name __pycache__ -type d -exec rm -rf {} +
