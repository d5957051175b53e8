# The two commands: `make demo` (run the whole platform locally) and `make test` (the test suite).
# Both start from a fresh clone: they create .venv and install what they need.

PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cat requirements.txt pyproject.toml | cksum | cut -d' ' -f1)

AXE_VERSION := 4.14.1
AXE := .tools/node_modules/axe-core/axe.min.js

.PHONY: demo test install system-deps update-public bench clean

$(STAMP): requirements.txt pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --quiet --upgrade pip
	$(PY) -m pip install --quiet --quiet -r requirements.txt
	$(PY) -m pip install --quiet --quiet --no-deps --no-build-isolation -e .  # the platform's own packages (pyproject.toml)
	@rm -f $(VENV)/.installed-* && touch $(STAMP)

install: $(STAMP)

# Chromium (Debian's) for the browser tests: installed when we are root on Debian, else the
# browser tests skip on a laptop (never in CI, where CI=true makes a missing browser an error).
system-deps:
	@bash scripts/install_system_deps.sh

demo: install
	@bash scripts/demo.sh

# axe-core (accessibility rules run inside Chromium by the browser tests); skipped without npm.
$(AXE):
	@if command -v npm >/dev/null 2>&1; then \
	  npm install --silent --no-audit --no-fund --no-package-lock --prefix .tools axe-core@$(AXE_VERSION); \
	else echo "note: npm not found; the axe accessibility test will skip" >&2; fi

test: install system-deps $(AXE)
	$(PY) -m pytest $(PYTEST_ARGS)

# Bring public/ up to date from a running CMS (only what changed since the last build of public/).
update-public: install
	$(PY) -m site_builder build --api $${API_URL:-http://127.0.0.1:8000/graphql/} --out $${OUT:-public}

bench: install
	$(PY) bench/build_scale.py --projects 100 --stories 900 --json

clean:
	rm -rf var public .build-cache .pytest_cache .tools
