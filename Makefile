# Vigil: `make run` starts the demo, `make test` runs every check. Only Python 3.11+ is needed.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
VIGIL := $(BIN)/vigil

.PHONY: run test lint i18n messages bench audit check-reliability clean help

help:
	@echo "make run    start Vigil with demo data at http://127.0.0.1:$(PORT)"
	@echo "make test   lint, types, migration check, translation check and the whole test suite"
	@echo "make bench  benchmarks B1-B7 at world scale on PostgreSQL (docs/performance.md); VIGIL_BENCH_SCALE=small for a quick run"
	@echo "make check-reliability  faults and load on PostgreSQL, Celery and Redis (docs/reliability.md)"
	@echo "make audit  bandit over the code, pip-audit over the installed packages (needs the network)"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# Installing compiles the message catalogs (setup.py's build hook); `make run` and `make test`
# compile them again, for a .po changed since.
$(VENV)/.installed-run: pyproject.toml setup.py | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml setup.py | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@ $(VENV)/.installed-run

run: $(VENV)/.installed-run
	$(VIGIL) compile_catalogs
	$(VIGIL) migrate --no-input -v0
	$(VIGIL) demo --if-empty --scale $${VIGIL_DEMO_SCALE:-small}
	@$(VIGIL) demo_users
	@# Crisis management's clock (retries, reminders, scheduled check-ins, CAP feeds): in
	@# production Celery beat does this.
	@# Links in e-mails, check-ins and feeds name the port served here, unless VIGIL_BASE_URL
	@# says otherwise (the settings derive it from PORT).
	export PORT=$(PORT); \
	$(VIGIL) crisis_clock --every 60 & DEBUG=$${DEBUG:-true} $(VIGIL) runserver 127.0.0.1:$(PORT)

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check src bench scripts

i18n: $(VENV)/.installed-dev
	$(VIGIL) compile_catalogs
	$(VIGIL) check_catalogs

# Re-extract the message catalogs after changing strings (needs GNU gettext).
messages: $(VENV)/.installed-dev
	cd src/vigil && ../../$(VIGIL) makemessages --no-obsolete -l zh_Hans -l ar -l fr -l ru -l es -l en

test: $(VENV)/.installed-dev
	$(BIN)/ruff check src bench scripts
	$(BIN)/mypy src
	$(VIGIL) makemigrations --check --dry-run
	$(VIGIL) compile_catalogs
	$(VIGIL) check_catalogs
	DATABASE_URL=$${VIGIL_TEST_DATABASE_URL:-sqlite:///$(CURDIR)/var/test.sqlite3} \
		$(BIN)/pytest -n $${VIGIL_TEST_WORKERS:-auto} $(PYTEST_ARGS)

bench: $(VENV)/.installed-dev
	$(BIN)/python bench/run.py --scale $${VIGIL_BENCH_SCALE:-large}

# Supply chain (docs/security.md). Not part of `make test`: pip-audit asks PyPI's vulnerability
# data over the network. --strict fails when a package could not be checked, so an unreachable
# service is a failure, never a silent "no known vulnerabilities".
audit: $(VENV)/.installed-dev
	$(BIN)/bandit -r src/vigil -x '*/tests/*' -c pyproject.toml -q
	$(BIN)/pip-audit --strict --skip-editable --progress-spinner off

# Faults and load on real components (docs/reliability.md): a private PostgreSQL cluster, gunicorn,
# Celery over the machine's Redis, an SMTP server. About 10 minutes; writes its figures into the doc.
check-reliability: $(VENV)/.installed-dev
	$(BIN)/python scripts/check_reliability.py --write

clean:
	rm -rf $(VENV) var/static var/test.sqlite3*
