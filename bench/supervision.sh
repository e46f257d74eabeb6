#!/usr/bin/env bash
# Supervision and statistics benchmark on PostgreSQL: habilitations at national scale, a year of journal
# (100,000 entries `small`, 10 million `full`) and the usage counters, then page timings and journal plans.
#   bench/supervision.sh [--scale small|full] [--rebuild] [--runs 20] [--warmups 2] [--build-only]
# The scratch database bench_supervision_<scale> is built once and reused; --rebuild drops it first.
# PGHOST/PGPORT/PGUSER select the server (default 127.0.0.1:5432, postgres).
set -euo pipefail
cd "$(dirname "$0")/.."
export PGHOST="${PGHOST:-127.0.0.1}" PGPORT="${PGPORT:-5432}" PGUSER="${PGUSER:-postgres}"
SCALE=small
ARGS=()
REBUILD=0
while [ $# -gt 0 ]; do
  case "$1" in
    --scale) SCALE="$2"; ARGS+=("$1" "$2"); shift 2 ;;
    --scale=*) SCALE="${1#*=}"; ARGS+=("$1"); shift ;;
    --rebuild) REBUILD=1; shift ;;
    *) ARGS+=("$1"); shift ;;
  esac
done
case "$SCALE" in small|full) ;; *) echo "--scale small or full" >&2; exit 2 ;; esac
DB="bench_supervision_${SCALE}"
export DATABASE_URL="postgres://${PGUSER}@${PGHOST}:${PGPORT}/${DB}"
export DJANGO_SETTINGS_MODULE=config.settings.test ALLOWED_HOSTS="testserver,127.0.0.1,localhost"
PY="${PYTHON:-.venv/bin/python}"

[ "$REBUILD" = 1 ] && dropdb --if-exists "$DB"
if ! psql -d postgres -Atc "SELECT 1 FROM pg_database WHERE datname = '$DB'" | grep -q 1; then
  createdb "$DB"
  echo "== created database $DB"
fi
"$PY" manage.py migrate -v0
echo "== PostgreSQL $(psql -d "$DB" -Atc 'SHOW server_version'), $(nproc) CPU, load $(cut -d' ' -f1-3 /proc/loadavg), $(date -u +%F)"
/usr/bin/time -f "== wall %e s, user %U s, sys %S s, max RSS %M kB (bench process)" "$PY" bench/supervision.py "${ARGS[@]}"
echo "== load at the end: $(cut -d' ' -f1-3 /proc/loadavg); drop the database with: dropdb -h $PGHOST -U $PGUSER $DB"
