# Two commands on a fresh machine: `make run` (portal on SQLite with demo data) and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
# Links in e-mails (activation, password reset…) point where the portal really runs.
PORTAL_BASE_URL ?= http://$(HOST):$(PORT)
export PORTAL_BASE_URL

.PHONY: run test install install-test migrate demo check-journal bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

install: $(BIN)/python
	$(BIN)/pip install --quiet -e .

install-test: $(BIN)/python
	$(BIN)/pip install --quiet -e ".[test]"

migrate: install
	$(BIN)/python manage.py migrate --noinput

demo: migrate
	$(BIN)/python manage.py demo_data

run: demo
	@echo "Portail Partenaires : http://$(HOST):$(PORT)/  (mails envoyés : dossier sent_emails/)"
	$(BIN)/python manage.py outbox_send --schedule
	$(BIN)/python manage.py journal_seal --schedule
	$(BIN)/python manage.py usage_aggregate --schedule
	@# The mail worker (django-tasks, database backend) runs in the background and stops with the server.
	$(BIN)/python manage.py db_worker --no-startup-delay & WORKER=$$!; \
	  trap 'kill $$WORKER 2>/dev/null' EXIT INT TERM; \
	  $(BIN)/python manage.py runserver $(HOST):$(PORT)

test: install-test
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# Benchmark on PostgreSQL (not part of `make test`): BENCH_SCALE=tiny|small|national, see README « Mesures de performance ».
BENCH_SCALE ?= small
bench: install-test
	$(BIN)/python bench/run.py --scale $(BENCH_SCALE) $(BENCH_ARGS)

check-journal: install
	$(BIN)/python manage.py journal_verify

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles sent_emails .test-media
