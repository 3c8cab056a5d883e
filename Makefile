# Two commands do all set-up on a fresh machine: `make preflight` and `make test`.
# Both bootstrap venv/ from the pinned requirement files (the same venv the Pulumi CLI uses).
PYTHON ?= python3.11
VENV := venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
REQS := requirements.txt requirements-dev.txt constraints.txt policy/requirements.txt platform/requirements.txt

.PHONY: preflight test lint format venv constraints clean bench mutation bytecode

$(STAMP): $(REQS)
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	@touch $(STAMP)

venv: $(STAMP)

preflight: $(STAMP)
	$(PY) -m preflight $(ARGS)

# pytest-xdist: one worker per core (TEST_WORKERS=0 runs in this process, e.g. for a debugger); each idle
# worker takes tests from a busy one, so a slow file does not leave a core idle. Figures: README "Tests".
TEST_WORKERS ?= auto
test: $(STAMP) lint bytecode
	$(PY) -m pytest -n $(TEST_WORKERS) --dist worksteal $(PYTEST_ARGS)

# The project's own bytecode, compiled once, as pip compiles the SDKs' when it installs them. This machine
# and CI set PYTHONDONTWRITEBYTECODE=1, so without it every `python -m ...` a test starts (hundreds) would
# compile the project's modules again. Python still checks each .pyc against its source's mtime and size
# and ignores a stale one, so an edit is never run from old bytecode; __pycache__/ is in .gitignore.
# (A virtualenv the Pulumi CLI makes for policy/ or platform/ is skipped: pip compiled it.)
SOURCES := $(wildcard *.py) $(filter-out $(VENV)/ docs/ __pycache__/,$(wildcard */))
bytecode: $(STAMP)
	$(PY) -m compileall -q -x '/venv/' $(SOURCES)

# Mutation testing of the rule modules with cosmic-ray: not part of `make test` or CI (it takes about an hour
# on 2 cores). Scope, operators and the measured kill rate: README "Mutation testing"; ARGS="--only redis".
MUTATION_STAMP := $(VENV)/.mutation-installed
$(MUTATION_STAMP): $(STAMP) requirements-mutation.txt
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-mutation.txt
	@touch $(MUTATION_STAMP)

mutation: $(MUTATION_STAMP)
	$(PY) -m mutation $(ARGS)

# Speed targets, measured (never asserted in tests): see benchmarks/preflight_speed.py.
bench: $(STAMP)
	$(PY) benchmarks/preflight_speed.py $(ARGS)

# The workflows are checked, not hoped for: GitHub's own schemas (vendored in check-jsonschema, so
# offline) and zizmor's security audit, which exits non-zero on any finding.
lint: $(STAMP)
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(VENV)/bin/check-jsonschema --builtin-schema vendor.github-workflows .github/workflows/*.yml
	$(VENV)/bin/check-jsonschema --builtin-schema vendor.dependabot .github/dependabot.yml
	$(VENV)/bin/zizmor --offline .github/

format: $(STAMP)
	$(PY) -m ruff format .
	$(PY) -m ruff check --fix .

# Re-pin transitive dependencies after changing a direct pin. The second filter keeps out what only
# `make mutation` installs (pinned in requirements-mutation.txt).
constraints: $(STAMP)
	$(PY) -m pip freeze --exclude-editable \
	  | grep -viE '^(pulumi|pulumi[-_]policy|pulumiverse[-_]sentry|pulumiverse[-_]grafana|pulumiverse[-_]vercel|upstash[-_]pulumi|pulumi[-_]github|pulumi[-_]pulumiservice|pulumi[-_]aws|pydantic|pyyaml|pytest|pytest[-_]httpserver|pytest[-_]xdist|ruff|jsonschema|check[-_]jsonschema|zizmor|requests|setuptools|hypothesis|codeowners|cmarkgfm)==' \
	  | grep -viE '^(cosmic[-_]ray|aiohappyeyeballs|aiohttp|aiosignal|anybadge|decorator|exit[-_]codes|frozenlist|gitdb|gitpython|markdown[-_]it[-_]py|mdurl|multidict|parso|propcache|rich|smmap|sqlalchemy|stevedore|toml|yarl|yattag)==' \
	  | { echo '# Exact versions of every transitive dependency, so a fresh machine installs what was tested.'; \
	      echo '# Regenerate after changing a pin: make constraints'; cat; } > constraints.txt

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
