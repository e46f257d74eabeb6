#!/usr/bin/env bash
# Habilitation benchmark on PostgreSQL: national-scale groups, roles, users and memberships in a
# scratch database, then timings, query counts and plans.
#   bench/habilitations.sh [--scale 1] [--seed 42] [--samples 200]
# PGHOST/PGPORT/PGUSER select the server (default 127.0.0.1:5432, postgres); KEEP=1 keeps the database.
set -euo pipefail
cd "$(dirname "$0")/.."
export PGHOST="${PGHOST:-127.0.0.1}" PGPORT="${PGPORT:-5432}" PGUSER="${PGUSER:-postgres}"
DB="bench_hab_$$"
export DATABASE_URL="postgres://${PGUSER}@${PGHOST}:${PGPORT}/${DB}"
export DJANGO_SETTINGS_MODULE=config.settings.test ALLOWED_HOSTS="testserver,127.0.0.1,localhost"
PY="${PYTHON:-.venv/bin/python}"

cleanup() { if [ "${KEEP:-0}" = 1 ]; then echo "kept database $DB"; else dropdb --if-exists "$DB"; fi; }
trap cleanup EXIT

createdb "$DB"
"$PY" manage.py migrate -v0
echo "== PostgreSQL $(psql -d "$DB" -Atc 'SHOW server_version'), $(nproc) CPU, load $(cut -d' ' -f1-3 /proc/loadavg), $(date -u +%F)"
"$PY" bench/habilitations.py "$@"
echo "== load at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
