# The two commands of the README: `make run` and `make test`. Everything else is set-up they need.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
FLASK  := $(BIN)/flask --app vendor_registry
HOST   ?= 127.0.0.1
PORT   ?= 5000

.PHONY: run test install install-dev translations translations-update lint bench load clean-venv

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# Reinstall when the package metadata changes (the stamp is older than setup.cfg).
$(VENV)/.installed: $(BIN)/python setup.cfg pyproject.toml
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: $(BIN)/python setup.cfg pyproject.toml
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed translations
install-dev: $(VENV)/.installed-dev translations

# Compiled catalogues are build output (.gitignore'd): made from the .po files each time.
translations: $(BIN)/python
	@$(BIN)/pybabel compile -d vendor_registry/translations 2>/dev/null || \
	  ($(BIN)/pip install --quiet babel && $(BIN)/pybabel compile -d vendor_registry/translations)

# After changing texts: refresh the English catalogue, then translate the new entries.
translations-update: $(BIN)/python
	$(BIN)/pybabel extract -F babel.cfg -k lazy_gettext -k _l -o /tmp/vendor_registry.pot .
	$(BIN)/pybabel update -i /tmp/vendor_registry.pot -d vendor_registry/translations -l en --no-fuzzy-matching

# Web server and scheduler together on the embedded SQLite database; Ctrl-C stops both.
run: install
	@$(FLASK) preflight
	@$(FLASK) db upgrade heads
	@$(FLASK) demo-data --if-empty
	@echo "Serving on http://$(HOST):$(PORT)/ (Ctrl-C stops the web server and the scheduler)"
	@bash -c 'trap "kill \$$(jobs -p) 2>/dev/null" INT TERM EXIT; \
	  $(FLASK) scheduler & \
	  $(FLASK) run --host $(HOST) --port $(PORT) & \
	  wait -n'

test: install-dev
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install-dev
	$(BIN)/ruff check vendor_registry checks config tests

# Side by side with Flask-Admin and hello world (benchmarks/side_by_side.py; BENCH_ARGS e.g.
# "--duration 5 --rounds 1"), then the in-process benches. wrk comes from Debian when missing.
BENCH_PROVIDERS ?= 20000
BENCH_ARGS ?=
$(VENV)/.installed-bench: $(VENV)/.installed-dev
	$(BIN)/pip install --quiet -e ".[dev,bench]"
	touch $@

bench: install-dev $(VENV)/.installed-bench translations
	@command -v wrk >/dev/null || (apt-get install -y -q wrk || (apt-get update -q && apt-get install -y -q wrk)) \
	  || echo "wrk not installed: the side-by-side runner uses its Python load driver"
	$(BIN)/python benchmarks/side_by_side.py --providers $(BENCH_PROVIDERS) $(BENCH_ARGS)
	$(BIN)/python benchmarks/page_bench.py --cached $(BENCH_PROVIDERS)
	$(BIN)/python benchmarks/sweep_bench.py
	$(BIN)/python benchmarks/match_bench.py

# Issue 17's load test: 50 users of all roles for 60 s against gunicorn (LOAD_ARGS e.g.
# "--database-url postgresql+psycopg://postgres@127.0.0.1:5432/vendor_registry_load").
LOAD_ARGS ?=
load: install-dev $(VENV)/.installed-bench translations
	$(BIN)/python benchmarks/load_users.py $(LOAD_ARGS)

clean-venv:
	rm -rf $(VENV)
