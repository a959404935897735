# Two commands: `make run` and `make test`. Everything else is set-up they need.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := .make
HOST   ?= 127.0.0.1
PORT   ?= 5000

.PHONY: run test bench loadtest translations extract-messages sysdeps sysdeps-test clean

run: sysdeps $(STAMP)/venv translations
	$(BIN)/anqi db upgrade
	$(BIN)/anqi demo --if-empty --tickets 600
	$(BIN)/anqi documents signing-ca
	$(BIN)/anqi run --host $(HOST) --port $(PORT)

# The suite in one process per core (pytest-xdist, a file to a process), then the
# tests that count seconds alone on a quiet machine. Exit status 5 is "no test
# selected": a PYTEST_ARGS naming only tests of the other part.
TEST_PROCESSES ?= $(shell n=$$(nproc); [ $$n -lt 2 ] && n=2; echo $$n)
test: sysdeps-test $(STAMP)/venv translations
	$(BIN)/python -m pytest -n $(TEST_PROCESSES) --dist loadfile -m "not quiet" $(PYTEST_ARGS) || [ $$? -eq 5 ]
	$(BIN)/python -m pytest -m quiet $(PYTEST_ARGS) || [ $$? -eq 5 ]

bench: sysdeps $(STAMP)/venv $(STAMP)/bench translations
	$(BIN)/python -m bench $(BENCH_ARGS)

# A headless locust run against `anqi serve` on PostgreSQL and on SQLite (bench/loadtest).
loadtest: sysdeps $(STAMP)/venv $(STAMP)/load translations
	$(BIN)/python -m bench.loadtest $(LOADTEST_ARGS)

sysdeps:
	@scripts/sysdeps.sh run

sysdeps-test:
	@scripts/sysdeps.sh test

$(STAMP)/venv: setup.cfg pyproject.toml
	@mkdir -p $(STAMP)
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[test]'
	@touch $@

$(STAMP)/bench: $(STAMP)/venv
	$(BIN)/python -m pip install -q -e '.[test,bench]'
	@touch $@

$(STAMP)/load: $(STAMP)/venv setup.cfg
	$(BIN)/python -m pip install -q -e '.[test,load]'
	@touch $@

# Compiled catalogues are build output; the .po files are the source. Fuzzy
# entries are not compiled: they are unreviewed guesses.
translations: $(STAMP)/venv
	@set -e; for d in core/translations plugins/*/translations; do \
	  if ls $$d/*/LC_MESSAGES/messages.po >/dev/null 2>&1; then $(BIN)/pybabel -q compile -d $$d; fi; \
	done

# Refresh the catalogues after changing user-facing strings (developers only),
# then translate the new entries. Core's template holds core/ only; each plugin's
# strings go to the plugin's own catalogue (a plugin without one gets zh_Hans_CN).
# Sorted, without line numbers or obsolete entries, and without touching
# POT-Creation-Date in the .po files, so the diffs show only changed strings.
BABEL_EXTRACT := $(BIN)/pybabel -q extract -F babel.cfg -k _l -k lazy_gettext --sort-output --add-location=file
BABEL_UPDATE  := $(BIN)/pybabel -q update -N --ignore-obsolete --ignore-pot-creation-date
ANQI_VERSION   = $(shell sed -n 's/^version *= *//p' setup.cfg)

extract-messages: $(STAMP)/venv
	$(BABEL_EXTRACT) --project=anqi --version=$(ANQI_VERSION) -o core/translations/messages.pot core
	$(BABEL_UPDATE) -i core/translations/messages.pot -d core/translations
	@set -e; for p in plugins/*/; do \
	  p=$${p%/}; n=$$(basename $$p); [ -f $$p/__manifest__.py ] || continue; \
	  v=$$($(BIN)/python -c "import ast,sys; print(ast.literal_eval(open(sys.argv[1], encoding='utf-8').read())['version'])" $$p/__manifest__.py); \
	  mkdir -p $$p/translations; \
	  echo "$(BABEL_EXTRACT) --project=anqi-$$n --version=$$v -o $$p/translations/messages.pot $$p"; \
	  $(BABEL_EXTRACT) --project=anqi-$$n --version=$$v -o $$p/translations/messages.pot $$p; \
	  if ! ls $$p/translations/*/LC_MESSAGES/messages.po >/dev/null 2>&1; then \
	    $(BIN)/pybabel -q init -i $$p/translations/messages.pot -d $$p/translations -l zh_Hans_CN; \
	  fi; \
	  $(BABEL_UPDATE) -i $$p/translations/messages.pot -d $$p/translations; \
	done

clean:
	rm -rf $(VENV) $(STAMP) build *.egg-info
