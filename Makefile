# YueCai: `make run` and `make test` work on a bare machine with Python 3.11.
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
PG_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test
HOST   ?= 127.0.0.1
PORT   ?= 8000

.PHONY: run test venv system-deps postgres lint typecheck pytest bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check uv==0.13.9
	$(BIN)/uv pip install --python $(BIN)/python --quiet -e '.[dev]'
	touch $(STAMP)

venv: $(STAMP)

# Fonts (CJK glyphs in charts and PDFs) and Chromium (browser test) come from Debian.
system-deps:
	@bash scripts/system_deps.sh

# PostgreSQL on 127.0.0.1:5432, trust auth, database `test`: started (and installed if missing).
postgres:
	@bash scripts/ensure_postgres.sh

run: venv system-deps
	$(BIN)/yuecai demo --host $(HOST) --port $(PORT)

lint: venv
	$(BIN)/ruff check data models app training service tests bench
	$(BIN)/ruff format --check data models app training service tests bench

typecheck: venv
	$(BIN)/mypy data models app training service

pytest: venv system-deps postgres
	YUECAI_TEST_POSTGRES_URL=$(PG_URL) $(BIN)/pytest
	$(BIN)/pytest --nbmake notebooks/

test: lint typecheck pytest

bench: venv system-deps
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) registry build *.egg-info .mypy_cache .ruff_cache .pytest_cache
