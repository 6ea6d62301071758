# Quickstart: `make run` opens the app, `make test` runs the tests. Both set up .venv first.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install run test test-all bench corpus clean

# Re-install only when the project definition changes: a second `make install` takes seconds.
$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV) || python3 -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $(STAMP)

install: $(STAMP)

run: install
	$(BIN)/restorer

test: install
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest -q

test-all: install
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest -q -m ''

# The training corpus (not part of `make test`): ~2.1 GB of Debian packages into the user cache, ~450 MB of photos.
corpus: install
	$(BIN)/python -m restorer.corpus

bench: install
	$(BIN)/python benchmarks/inpaint_quality.py

clean:
	rm -rf $(VENV) build *.egg-info
