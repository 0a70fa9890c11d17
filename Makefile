# Shuangyu: the two commands a newcomer needs are `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
PORT ?= 8000
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test venv system-packages system-packages-test migrate demo lint format messages worker beat clean mutation mutation-scores

## run: install everything, migrate, load the demo township and serve on 127.0.0.1:$(PORT)
run: system-packages venv
	@echo "== Migrating the database ($${DATABASE_URL:-SQLite file db.sqlite3})"
	$(PY) manage.py migrate --no-input -v 0
	@echo "== Loading the demo township 东沟乡 (idempotent)"
	$(PY) manage.py seed_demo --base-url http://127.0.0.1:$(PORT)
	@echo "== Serving Shuangyu at http://127.0.0.1:$(PORT)/  (admin: http://127.0.0.1:$(PORT)/admin/)"
	$(PY) manage.py runserver 127.0.0.1:$(PORT)

## test: install everything (Chromium included) and run the whole pytest suite
test: system-packages-test venv
	@echo "== Running the tests on $${DATABASE_URL:-SQLite}, broker $${CELERY_BROKER_URL:-none (in-process)}"
	$(VENV)/bin/pytest $(PYTEST_ARGS)

venv: $(STAMP)

$(STAMP): pyproject.toml constraints.txt
	@echo "== Creating $(VENV) and installing Python packages (pinned by constraints.txt)"
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install -q --upgrade pip
	$(VENV)/bin/pip install -q -c constraints.txt -e ".[test]"
	touch $(STAMP)

system-packages:
	@bash scripts/system-packages.sh

system-packages-test:
	@bash scripts/system-packages.sh test

## mutation: mutation-test the rule modules with mutmut (about an hour on 2 cores; every run starts
## afresh). One module: make mutation MUTANTS='lms.ledger.services*' (scores only that module)
MUTANTS ?= *
JOBS ?= 2
MUTATION_DB := $(CURDIR)/.mutation-db.sqlite3
mutation: venv
	@echo "== Installing mutmut"
	$(VENV)/bin/pip install -q -c constraints.txt -e ".[test,mutation]"
	@echo "== Migrating one SQLite database that every mutant's test session copies"
	rm -f $(MUTATION_DB)
	DATABASE_URL=sqlite:///$(MUTATION_DB) DJANGO_SETTINGS_MODULE=lms.settings.test $(PY) manage.py migrate --no-input -v 0
	@echo "== Mutating the rule modules listed in pyproject.toml [tool.mutmut]"
	@# Every run starts clean: mutmut never refreshes an unmutated file it copied before, so an
	@# old mutants/ would test today's rules against yesterday's rest of the code.
	rm -rf mutants
	SHUANGYU_TEST_DB_TEMPLATE=$(MUTATION_DB) $(VENV)/bin/mutmut run --max-children $(JOBS) '$(MUTANTS)' > mutants-run.log 2>&1 || (tail -c 2000 mutants-run.log; exit 1)
	$(MAKE) --no-print-directory mutation-scores

## mutation-scores: per-module scores of the last run; fails under 90 %
mutation-scores:
	$(PY) scripts/mutation_scores.py --survivors

## lint / format: ruff, and the migrations check
lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(PY) manage.py makemigrations --check --dry-run

format: venv
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

## messages: refresh and compile the translation catalogues
messages: venv
	$(PY) manage.py makemessages -l zh_Hans --no-location --ignore=.venv --ignore=staticfiles --ignore=test-results --ignore=tests --ignore=benchmarks
	$(PY) manage.py compilemessages --ignore=.venv

## worker / beat: a Celery worker and the scheduler (needs CELERY_BROKER_URL)
worker: venv
	$(VENV)/bin/celery -A lms worker -l info

beat: venv
	$(VENV)/bin/celery -A lms beat -l info

clean:
	rm -rf $(VENV) staticfiles .pytest_cache
