# Plenary: `make run` serves with an embedded PostgreSQL and a demo organisation;
# `make test` runs every check. Both set themselves up on a fresh machine.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
CODE   := $(wildcard tally audit roll assembly voting schemas service tests bench deploy)

.PHONY: setup run test check lint format typecheck pytest audit-deps browser oidc-provider bench fuzz soak clean lock

setup: $(STAMP)

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@# No pip upgrade first: the pip that venv brings (23 or later) installs this project, and
	@# upgrading it cost about 10 s of every fresh clone's five minutes.
	@# WeasyPrint (PDF documents) needs Pango; on Debian install it if it is missing (as root).
	@ldconfig -p 2>/dev/null | grep -q libpangoft2 || { command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ] && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core; } || echo "install Pango (libpango-1.0-0, libpangoft2-1.0-0) for PDF documents"
	$(BIN)/python -m pip install --quiet -e '.[test,dev]'
	@touch $(STAMP)

run: setup
	$(BIN)/plenary serve --demo

# requirements.lock: the exact versions and hashes the Docker image installs. Run after changing
# a dependency in pyproject.toml.
lock: setup
	$(BIN)/python deploy/lock.py

# The checks that need no database run side by side (the browser install is mostly waiting on
# the network and the disk), then the tests.
test: setup
	@$(MAKE) --no-print-directory -j3 --output-sync=target check audit-deps browser oidc-provider
	@$(MAKE) --no-print-directory pytest

check: lint typecheck

lint: setup
	$(BIN)/ruff check $(CODE)
	$(BIN)/ruff format --check $(CODE)

format: setup
	$(BIN)/ruff format $(CODE)
	$(BIN)/ruff check --fix $(CODE)

typecheck: setup
	$(BIN)/mypy $(CODE)

# Tests run in a random order (pytest-randomly; the seed is printed last, `make test SEED=N`
# replays an order) on one worker per core (pytest-xdist), each with its own template database
# on one shared PostgreSQL.
SEED    ?=
WORKERS ?= auto
pytest: setup
	$(BIN)/pytest -n $(WORKERS) --dist worksteal $(if $(SEED),--randomly-seed=$(SEED)) \
	  --durations=15 $(PYTEST_ARGS)

# Known vulnerabilities in the installed dependencies (pip-audit, PyPI's advisory data): fails
# when one has a fixed version to move to; says plainly what it could not audit (a package
# version PyPI does not know, or no network) and does not fail for that.
define AUDIT_DEPS
import json, subprocess, sys
run = subprocess.run(
    [sys.prefix + "/bin/pip-audit", "--skip-editable", "--progress-spinner", "off", "-f", "json"],
    capture_output=True, text=True)
try:
    deps = json.loads(run.stdout)["dependencies"]
except (ValueError, KeyError):
    why = (run.stderr.strip().splitlines() or ["no output"])[-1]
    sys.exit(print(f"audit-deps: NOT AUDITED, pip-audit could not reach its service: {why}"))
deps = [d for d in deps if d["name"] != "plenary"]  # this project, installed editable
skipped = [d for d in deps if "skip_reason" in d]
fixable = [(d, v) for d in deps for v in d.get("vulns", []) if v["fix_versions"]]
for d, v in fixable:
    print(f"audit-deps: {d['name']} {d['version']}: {v['id']}, fixed in {', '.join(v['fix_versions'])}")
for d in (d for d in deps if any(not v["fix_versions"] for v in d.get("vulns", []))):
    print(f"audit-deps: {d['name']} {d['version']} has a known vulnerability with no fix yet")
print(f"audit-deps: {len(deps) - len(skipped)} of {len(deps)} packages audited", end="")
print(f"; NOT AUDITED (unknown to PyPI): {', '.join(d['name'] for d in skipped)}" if skipped else "")
sys.exit(1 if fixable else 0)
endef
export AUDIT_DEPS

audit-deps: setup
	@$(BIN)/python -c "$$AUDIT_DEPS"

# The browser tests (tests/web/test_browser.py) drive Debian's Chromium with Playwright and run
# axe-core from the npm registry. Install what is missing when we can (root with apt-get, npm);
# otherwise say so: those tests then skip with the reason. Playwright's own browser download
# is never used.
NODE_DIR := .plenary/node
AXE_JS   := $(NODE_DIR)/node_modules/axe-core/axe.min.js

browser: setup
	@if [ ! -x /usr/bin/chromium ]; then \
	  if command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ]; then \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
	      || echo "browser: could not install chromium; the browser tests will skip"; \
	  else echo "browser: no /usr/bin/chromium and no apt-get as root; the browser tests will skip"; fi; \
	fi
	@if [ ! -f $(AXE_JS) ]; then \
	  if command -v npm >/dev/null 2>&1; then \
	    mkdir -p $(NODE_DIR) && npm install --prefix $(NODE_DIR) --no-audit --no-fund --silent axe-core@4 \
	      || echo "browser: could not install axe-core; the browser tests will skip"; \
	  else echo "browser: no npm to install axe-core; the browser tests will skip"; fi; \
	fi

# The OpenID Connect tests (tests/web/test_oidc_sign_in.py, tests/service/test_oidc_tokens.py)
# sign in at a real, certified provider: the npm package oidc-provider under Debian's node,
# started by the tests (tests/oidc_provider.mjs). Installs node and npm when missing (root with
# apt-get); without them those tests skip and say why.
OIDC_PROVIDER_JS := $(NODE_DIR)/node_modules/oidc-provider/lib/index.js

oidc-provider: setup browser  # after browser: both npm-install into $(NODE_DIR)
	@if ! command -v npm >/dev/null 2>&1; then \
	  if command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ]; then \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null) \
	      || echo "oidc-provider: could not install node and npm; the OpenID Connect tests will skip"; \
	  else echo "oidc-provider: no npm and no apt-get as root; the OpenID Connect tests will skip"; fi; \
	fi
	@if [ ! -f $(OIDC_PROVIDER_JS) ] && command -v npm >/dev/null 2>&1; then \
	  mkdir -p $(NODE_DIR) && npm install --prefix $(NODE_DIR) --no-audit --no-fund --silent oidc-provider@9 \
	    || echo "oidc-provider: npm could not install oidc-provider"; \
	fi

# Every benchmark, one after another, ending with one table of each figure beside its target
# and the machine's load while it was measured (`make bench BENCH_ARGS="--only cast_load"`).
bench: setup
	$(BIN)/python bench/run_all.py $(BENCH_ARGS)

# Schemathesis over every API operation as every kind of caller, with many more examples than
# `make test` runs (FUZZ_EXAMPLES per operation, caller and mode: 100 is about 60,000 requests
# in 5 minutes on this machine).
FUZZ_EXAMPLES ?= 100
fuzz: setup
	PLENARY_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(BIN)/pytest -q tests/hardening/test_fuzz_api.py

# A simulated conference day (three minutes, 50,000 members) against the real service; fails on
# any failed request or lost vote. `make test` runs a ten-second day of it.
SOAK_SECONDS ?= 180
soak: setup
	$(BIN)/python bench/soak.py --seconds $(SOAK_SECONDS)

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .mypy_cache .ruff_cache
