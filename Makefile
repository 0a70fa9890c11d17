# Shuangyu: the two commands a newcomer needs are `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
PORT ?= 8000
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test venv system-packages system-packages-test migrate demo lint format messages worker beat clean

## run: install everything, migrate, load the demo township and serve on 127.0.0.1:$(PORT)
run: system-packages venv
	@echo "== Migrating the database ($${DATABASE_URL:-SQLite file db.sqlite3})"
	$(PY) manage.py migrate --no-input -v 0
	@echo "== Loading the demo township 东沟乡 (idempotent)"
	$(PY) manage.py seed_demo
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
