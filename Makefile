# LIVC Hub. Quick start: `make run` (hub on 127.0.0.1:8000 with demo data), `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEMO := LIVC_MODE=demo

.PHONY: run test lint pytest browser openapi bench mutate clean

$(STAMP): pyproject.toml sdk/python/pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]' -e ./sdk/python
	touch $(STAMP)

## run: install, migrate the SQLite file under var/, load demo data, serve on 127.0.0.1:8000
run: $(STAMP)
	$(DEMO) $(BIN)/livc-hub migrate
	$(DEMO) $(BIN)/livc-hub demo --if-empty
	@echo
	@echo "  Web client: http://127.0.0.1:8000/ui  (usernames and passwords above, and in var/demo-logins.json)"
	@echo "  Demo token (in another terminal):  $(BIN)/livc-hub token --member sofie"
	@echo "  Members: admin, mayor, prevention, pieter, infoofficer, sofie, ocmw-admin, ltf, ocmw-dpo, hub-dpo"
	@echo "  Try:  curl -H \"Authorization: Bearer \$$TOKEN\" http://127.0.0.1:8000/api/v1/me"
	@echo
	$(DEMO) $(BIN)/livc-hub serve

## test: lint, types, layer contracts, then the whole suite on SQLite and PostgreSQL
test: lint pytest

lint: $(STAMP)
	$(BIN)/ruff check app tests migrations bench sdk/python
	$(BIN)/ruff format --check app tests migrations bench sdk/python
	$(BIN)/mypy
	$(BIN)/mypy sdk/python/src
	$(BIN)/lint-imports

## pytest: the suite in PYTEST_WORKERS processes (pytest-xdist; 0 runs it in this process). Whole
## files go to one worker (--dist loadfile), so each worker starts its own databases and hubs once.
PYTEST_WORKERS ?= 2
pytest: $(STAMP)
	$(BIN)/pytest $(if $(filter 0,$(PYTEST_WORKERS)),,-n $(PYTEST_WORKERS) --dist loadfile)

## browser: only the real-browser tests (tests/browser; also part of `make pytest`): Playwright
## drives Debian's Chromium, nothing is downloaded. Screenshots land in test-results/<test>/.
## Needs Chromium (as root: apt-get update && apt-get install -y chromium fonts-dejavu-core
## fonts-liberation); LIVC_TEST_CHROMIUM names another binary.
browser: $(STAMP)
	@command -v "$${LIVC_TEST_CHROMIUM:-/usr/bin/chromium}" >/dev/null || { echo "Chromium is not installed; as root: apt-get update && apt-get install -y chromium fonts-dejavu-core fonts-liberation"; exit 1; }
	$(BIN)/pytest tests/browser

openapi: $(STAMP)
	$(BIN)/livc-hub openapi > openapi.yaml

## bench: the benchmarks of BENCH.md (ratios against baselines taken in the same run).
## Needs wrk (as root: apt-get install -y wrk) and PostgreSQL on 127.0.0.1:5432 for `postgres`.
## One benchmark: `make bench NAME=read`; longer runs on a quiet machine: LIVC_BENCH_SECONDS=15.
bench: $(STAMP)
	$(BIN)/pip install --quiet -e '.[dev,bench]'
	@command -v wrk >/dev/null || { echo "wrk is not installed; as root: apt-get update && apt-get install -y wrk"; exit 1; }
	$(BIN)/python -m bench $(NAME)

## mutate: mutation testing of app/policies with mutmut (slow; not part of `make test`).
## Surviving mutants are listed at the end; each is killed by a test or named in docs/decisions.md.
mutate: $(STAMP)
	rm -rf mutants
	LIVC_HYPOTHESIS_EXAMPLES=200 $(BIN)/mutmut run --max-children 2
	$(BIN)/mutmut results

clean:
	rm -rf $(VENV) var mutants test-results .pytest_cache .mypy_cache .ruff_cache
