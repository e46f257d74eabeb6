#!/usr/bin/env bash
# Generator benchmark on PostgreSQL: N allocataire files in a scratch database, then the figures.
#   bench/generate_dossiers.sh [N=100000] [SEED=42]
# PGHOST/PGPORT/PGUSER select the server (default 127.0.0.1:5432, postgres); KEEP=1 keeps the database.
set -euo pipefail
cd "$(dirname "$0")/.."
N="${1:-100000}"
SEED="${2:-42}"
export PGHOST="${PGHOST:-127.0.0.1}" PGPORT="${PGPORT:-5432}" PGUSER="${PGUSER:-postgres}"
DB="bench_dossiers_$$"
export DATABASE_URL="postgres://${PGUSER}@${PGHOST}:${PGPORT}/${DB}"
PY="${PYTHON:-.venv/bin/python}"

cleanup() { [ "${KEEP:-0}" = 1 ] || dropdb --if-exists "$DB"; }
trap cleanup EXIT

createdb "$DB"
"$PY" manage.py migrate -v0
"$PY" manage.py shell -c "from portail.conventions.models import Caf; Caf.objects.get_or_create(code='751', defaults={'name': 'Caf part 1'}); Caf.objects.get_or_create(code='330', defaults={'name': 'Caf de la Gironde'})"

echo "== generate_dossiers --dossiers $N --seed $SEED (PostgreSQL, $(nproc) CPU, load $(cut -d' ' -f1-3 /proc/loadavg))"
/usr/bin/time -f "wall %e s, user %U s, sys %S s, max RSS %M kB" \
  "$PY" manage.py generate_dossiers --dossiers "$N" --seed "$SEED"

echo "== rows per table"
psql -d "$DB" -Atc "ANALYZE" >/dev/null
psql -d "$DB" -c "SELECT relname AS table, n_live_tup AS rows, pg_size_pretty(pg_total_relation_size(relid)) AS size
                  FROM pg_stat_user_tables WHERE relname LIKE 'dossiers_%' ORDER BY n_live_tup DESC"

echo "== lookup by (Caf, numéro allocataire) and one tab's read"
read -r CAF NUMBER DOSSIER_ID < <(psql -d "$DB" -AF' ' -tc "SELECT c.code, d.number, d.id FROM dossiers_dossier d
  JOIN conventions_caf c ON c.id = d.caf_id WHERE d.id = (SELECT dossier_id FROM dossiers_payment ORDER BY id DESC LIMIT 1)")
echo "dossier $NUMBER at Caf $CAF"
psql -d "$DB" -c "EXPLAIN ANALYZE SELECT d.* FROM dossiers_dossier d JOIN conventions_caf c ON c.id = d.caf_id
                  WHERE c.code = '$CAF' AND d.number = '$NUMBER'" | grep -E "Index|rows=|Execution" | head -4
psql -d "$DB" -c "EXPLAIN ANALYZE SELECT * FROM dossiers_payment WHERE dossier_id = $DOSSIER_ID ORDER BY month DESC, benefit" \
  | grep -E "Index|Execution"
