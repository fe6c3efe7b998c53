# Two commands do everything on a fresh machine: `make serve` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# One stamp per set of extras, each installed once: `serve` needs only what the product runs
# on (pyproject's dependencies); the development targets add the `dev` extras (test, lint and
# type-check tools, the Vapi SDK as a test oracle), `fuzz` the `fuzz` ones too.
RUNTIME := $(VENV)/.installed-runtime
DEV := $(VENV)/.installed-dev
FUZZ := $(VENV)/.installed-fuzz

.PHONY: serve test faults lint format erd client fuzz bench batch-soak clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(RUNTIME): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

# The dev extras include the runtime: installing them brings the runtime stamp up to date too.
# The generated Python client (clients/python) is installed beside them, as its users install
# it, for the tests that drive the API through it.
CLIENT_PROJECT := $(wildcard clients/python/pyproject.toml)
$(DEV): pyproject.toml $(CLIENT_PROJECT) | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]' $(if $(CLIENT_PROJECT),-e ./clients/python)
	touch $(RUNTIME) $@

$(FUZZ): pyproject.toml $(CLIENT_PROJECT) | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev,fuzz]' $(if $(CLIENT_PROJECT),-e ./clients/python)
	touch $(RUNTIME) $(DEV) $@

# A development server: tenants' webhook receivers on this machine (loopback) are allowed.
serve: $(RUNTIME)
	VOICE_AGENT_WEBHOOKS_ALLOW_PRIVATE_TARGETS=$${VOICE_AGENT_WEBHOOKS_ALLOW_PRIVATE_TARGETS:-true} \
	$(BIN)/voice-agent serve

lint: $(DEV)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/mypy

# One worker per core, each with its own PostgreSQL; a test file stays on one worker. The fault
# campaigns (real processes killed, frozen and restarted: minutes) and the runs at scale are
# `make faults`.
test: lint
	$(BIN)/pytest -n auto --dist loadfile -m "not faults and not campaign"

# Not part of `make test` (CI runs both): tests/faults, real processes on loopback, and the
# tests marked `campaign`, runs at scale.
faults: $(DEV)
	$(BIN)/pytest -n auto --dist loadfile -m "faults or campaign"

format: $(DEV)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Not part of `make test`: a time-boxed campaign against a live server (FUZZ_SECONDS=120).
fuzz: $(FUZZ)
	scripts/fuzz-api $${FUZZ_SECONDS:-120}

# Not part of `make test`: the product against a raw baseline (aiohttp + psycopg) under wrk,
# on a PostgreSQL and data of its own; writes docs/benchmarks.md (BENCH_QUICK=1: a short
# check that the harness works). See bench/README.md.
bench: $(DEV)
	@command -v wrk >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y wrk \
	    || { apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y wrk; }; \
	  else \
	    echo "make bench needs wrk: install it (Debian/Ubuntu: sudo apt-get install wrk) and run make bench again" >&2; \
	    exit 1; \
	  fi; }
	BENCH_COMMAND="make bench" $(BIN)/python bench/run

# Not part of `make test`: a batch of 10,000 leads at concurrency 100 run to its end on the
# sandbox through `voice-agent serve` and its API, on a PostgreSQL of its own (a few minutes);
# prints the time, dials per second, the most calls on the line, outcomes and the batch's
# cost. SOAK_ARGS passes options (--leads, --concurrency, …). See bench/README.md.
batch-soak: $(DEV)
	$(BIN)/python -m bench.batch_soak $(SOAK_ARGS)

erd: $(RUNTIME)
	$(BIN)/voice-agent erd

# The Python client in clients/python, generated from `voice-agent openapi` (a test fails when
# it is stale). See clients/openapi-python-client.yaml.
client: $(DEV)
	scripts/generate-client clients/python

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache
