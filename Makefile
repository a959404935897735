# Two commands: `make run` and `make test`. Everything else is set-up they need.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := .make
HOST   ?= 127.0.0.1
PORT   ?= 5000

.PHONY: run test bench translations extract-messages sysdeps sysdeps-test clean

run: sysdeps $(STAMP)/venv translations
	$(BIN)/anqi db upgrade
	$(BIN)/anqi demo --if-empty
	$(BIN)/anqi run --host $(HOST) --port $(PORT)

test: sysdeps-test $(STAMP)/venv translations
	$(BIN)/python -m pytest $(PYTEST_ARGS)

bench: sysdeps $(STAMP)/venv $(STAMP)/bench translations
	$(BIN)/python -m bench $(BENCH_ARGS)

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

# Compiled catalogues are build output; the .po files are the source.
translations: $(STAMP)/venv
	@set -e; for d in core/translations plugins/*/translations; do \
	  if [ -d $$d ]; then $(BIN)/pybabel compile -q -f -d $$d; fi; \
	done

# Refresh the .po files after changing user-facing strings (developers only).
extract-messages: $(STAMP)/venv
	$(BIN)/pybabel extract -q -F babel.cfg -k _l -k lazy_gettext -o core/translations/messages.pot core
	$(BIN)/pybabel update -q -N -i core/translations/messages.pot -d core/translations
	@for p in plugins/*/; do \
	  n=$$(basename $$p); [ -d $$p/translations ] || continue; \
	  $(BIN)/pybabel extract -q -F babel.cfg -k _l -o $$p/translations/messages.pot $$p; \
	  $(BIN)/pybabel update -q -N -i $$p/translations/messages.pot -d $$p/translations; \
	done

clean:
	rm -rf $(VENV) $(STAMP) build *.egg-info
