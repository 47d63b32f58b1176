# Everything goes through scripts/bootstrap.sh: it needs only Python 3.12 and make, installs a
# pinned uv into .tools/ and syncs .venv/ from uv.lock (quick no-op when nothing changed).
SHELL := /bin/bash
.DEFAULT_GOAL := help

ARGS ?=
PYTEST_ARGS ?=
VENV := .venv

.PHONY: help bootstrap system-deps sync demo test chaos stop reset chat call bench

help:
	@echo "make demo [ARGS=...]        start the embedded dev stack and run the demo call (Ctrl-C stops it)"
	@echo "make test [PYTEST_ARGS=...] run the test suite"
	@echo "make chaos [ARGS=...]       the fault scenarios at full size (~15 min); ARGS=--only fuzz,silent"
	@echo "make stop                   stop a running dev stack"
	@echo "make reset                  stop the dev stack and delete the demo's data (calls, orders, stock); logs stay"
	@echo "make chat                   talk to the agent in text (needs a running demo stack)"
	@echo "make call SCRIPT=name       a scripted phone call against the running demo stack"
	@echo "make bench [BENCH_OUTPUT=f] turn-latency benchmark (starts its own servers); results in .data/bench/"
	@echo "make sync                   (re)install .venv from uv.lock"

bootstrap:
	@bash scripts/bootstrap.sh

# Debian's chromium for the ops page test (installs only as root, once; otherwise says how).
system-deps:
	@bash scripts/system_deps.sh

sync:
	@bash scripts/bootstrap.sh --force

demo: bootstrap
	$(VENV)/bin/callcenter demo $(ARGS)

test: bootstrap system-deps
	$(VENV)/bin/python -m pytest $(PYTEST_ARGS)

# The slow fault scenarios (the quick sizes of the same scenarios run inside `make test`).
chaos: bootstrap
	$(VENV)/bin/callcenter chaos --output docs/reliability.md $(ARGS)

stop:
	@if [ -x $(VENV)/bin/callcenter ]; then $(VENV)/bin/callcenter stop; \
	else echo "no $(VENV) yet: nothing is running"; fi

# The demo's data lives in .data/ (Temporal's SQLite, PostgreSQL, logs, pid file); a fresh demo
# re-seeds the store's catalogue and stock.
DATA_DIR ?= .data
reset: stop
	rm -rf $(DATA_DIR)/temporal $(DATA_DIR)/postgres
	@echo "demo data removed ($(DATA_DIR)/temporal, $(DATA_DIR)/postgres; logs kept): the next \`make demo\` starts fresh"

chat: bootstrap
	$(VENV)/bin/callcenter chat $(ARGS)

SCRIPT ?= stock_check
call: bootstrap
	$(VENV)/bin/callcenter call $(SCRIPT) $(ARGS)

# Writes an untracked file; BENCH_OUTPUT=docs/performance.md updates the tracked results section.
BENCH_OUTPUT ?= .data/bench/performance.md
bench: bootstrap
	@mkdir -p $(dir $(BENCH_OUTPUT))
	$(VENV)/bin/callcenter bench turns --output $(BENCH_OUTPUT) $(ARGS)
