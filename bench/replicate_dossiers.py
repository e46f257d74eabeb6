"""Multiply the allocataire files inside PostgreSQL: from a distinct base made by the project's generator
(`generate_dossiers`) to the scale's count, without building every file in Python.

Copy k (k = 1, 2, …) of a base file of the Caf at position p (Cafs ordered by code) goes to the Caf at
position (p + k) mod the number of Cafs, so every Caf receives its share, under the next free number of
that Caf's own generator sequence (`pools.dossier_number`: start + index × step mod 10⁷, a permutation of
the 7-digit numbers): numbers stay unique per Caf and a later `generate_dossiers` skips them. Every child
table of the loader (`loading.load.CHILD_MODELS`: members, rights, payments, resources, RSA, housing,
debts, letters) is copied with its rows re-pointed to the new file; dates and amounts are the source's
(same reference date), the housing's postcode takes the new Caf's department, `content_hash` is emptied
(the copy was never loaded from a file). The secondary indexes, unique constraints and the children's
foreign keys are dropped before the copy and rebuilt (hence validated) after it, in the same transaction.
"""
import math
import random
import time

from django.db import connection, transaction

from portail.conventions.models import Caf
from portail.dossiers.generation.pools import NUMBER_SPACE, NUMBER_STEP, Pools
from portail.dossiers.loading.load import CHILD_MODELS
from portail.dossiers.models import Dossier, Housing

MAP = "bench_dossier_copy"


def _q(name: str) -> str:
    return connection.ops.quote_name(name)


def _droppable(cursor, table: str) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """Unique and foreign-key constraints and plain indexes of `table` other than its primary key (deferred
    foreign keys would also queue one check per row copied)."""
    cursor.execute("""SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = %s::regclass
                      AND contype IN ('u', 'f')""", [table])
    constraints = cursor.fetchall()
    cursor.execute("""SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i
                      WHERE i.indrelid = %s::regclass AND NOT i.indisprimary
                      AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)""", [table])
    return constraints, cursor.fetchall()


def _columns(model, skip: set[str]) -> list[str]:
    return [f.column for f in model._meta.concrete_fields if not f.primary_key and f.column not in skip]


def replicate(total: int, seed: int, log=print) -> dict:
    """Copy the files present until there are `total`; returns the counts and the time of each step."""
    started = time.perf_counter()
    dossiers = Dossier._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*), coalesce(max(id), 0) FROM {dossiers}")
        base, max_id = cursor.fetchone()
    if base == 0 or total <= base:
        return {"base": base, "copies": 0, "dossiers": base, "seconds": 0.0}
    wanted = total - base
    rounds = math.ceil(wanted / base)
    if rounds >= len(Caf.objects.all()):
        raise ValueError("more copies per file than Cafs: a file would come back to its own Caf")
    cafs = list(Caf.objects.order_by("code").values_list("id", "code"))
    # The generator's sequence of each Caf (pools.dossier_number), continued after its base files.
    starts = [(pos, caf_id, code, random.Random(f"start:{seed}:{code}").randrange(NUMBER_SPACE))
              for pos, (caf_id, code) in enumerate(cafs)]
    cities = Pools.build(seed).cities
    timings: dict[str, float] = {}
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL synchronous_commit = off")
        cursor.execute("SET LOCAL maintenance_work_mem = '1GB'")
        cursor.execute("SET LOCAL work_mem = '256MB'")
        t0 = time.perf_counter()
        cursor.execute("CREATE TEMPORARY TABLE bench_caf_seq (pos int PRIMARY KEY, caf_id bigint, code text, "
                       "start bigint, base int) ON COMMIT DROP")
        cursor.executemany("INSERT INTO bench_caf_seq (pos, caf_id, code, start) VALUES (%s, %s, %s, %s)", starts)
        cursor.execute(f"UPDATE bench_caf_seq s SET base = (SELECT count(*) FROM {dossiers} d WHERE d.caf_id = s.caf_id)")
        # (copy round, source) in an order that gives every Caf its share even in a last, partial round.
        cursor.execute(f"""
            CREATE TEMPORARY TABLE {MAP} ON COMMIT DROP AS
            WITH src AS (
                SELECT d.id, s.pos, row_number() OVER (PARTITION BY d.caf_id ORDER BY d.id) AS rank
                FROM {dossiers} d JOIN bench_caf_seq s ON s.caf_id = d.caf_id),
            chosen AS (
                SELECT src.id AS old_id, k, (src.pos + k) %% %(n)s AS target, src.pos, src.rank
                FROM src CROSS JOIN generate_series(1, %(rounds)s) AS k
                ORDER BY k, src.rank, src.pos LIMIT %(wanted)s),
            placed AS (
                SELECT chosen.*, row_number() OVER (ORDER BY k, rank, pos) AS seq,
                       row_number() OVER (PARTITION BY target ORDER BY k, rank, pos) - 1 AS nth
                FROM chosen)
            SELECT p.old_id, %(max_id)s + p.seq AS new_id, p.k, t.caf_id, t.code,
                   lpad(((t.start + (t.base + p.nth) * %(step)s) %% %(space)s)::text, 7, '0') AS number
            FROM placed p JOIN bench_caf_seq t ON t.pos = p.target""",
                       {"n": len(cafs), "rounds": rounds, "wanted": wanted, "max_id": max_id, "step": NUMBER_STEP,
                        "space": NUMBER_SPACE})
        cursor.execute(f"CREATE INDEX ON {MAP} (k, old_id)")
        cursor.execute(f"ANALYZE {MAP}")
        timings["map_s"] = time.perf_counter() - t0

        t0 = time.perf_counter()
        tables = [dossiers] + [m._meta.db_table for m in CHILD_MODELS]
        dropped = {}
        # Children first: their foreign keys and unique constraints before the files' own.
        for table in reversed(tables):
            constraints, indexes = _droppable(cursor, table)
            for name, _ in constraints:
                cursor.execute(f"ALTER TABLE {table} DROP CONSTRAINT {_q(name)}")
            for name, _ in indexes:
                cursor.execute(f"DROP INDEX {name}")
            dropped[table] = (constraints, indexes)
        timings["drop_s"] = time.perf_counter() - t0

        t0 = time.perf_counter()
        rows = {}
        columns = _columns(Dossier, {"caf_id", "number", "content_hash"})
        plain = ", ".join(_q(c) for c in columns)
        source = ", ".join(f"d.{_q(c)}" for c in columns)
        for k in range(1, rounds + 1):
            cursor.execute(f"INSERT INTO {dossiers} (id, caf_id, number, content_hash, {plain}) "
                           f"SELECT m.new_id, m.caf_id, m.number, '', {source} FROM {MAP} m "
                           f"JOIN {dossiers} d ON d.id = m.old_id WHERE m.k = %s AND d.id <= %s ORDER BY m.new_id", [k, max_id])
            rows[dossiers] = rows.get(dossiers, 0) + cursor.rowcount
        cursor.execute(f"SELECT setval(pg_get_serial_sequence('{dossiers}', 'id'), %s)", [max_id + wanted])
        timings[dossiers] = time.perf_counter() - t0
        for model in CHILD_MODELS:
            t0 = time.perf_counter()
            table = model._meta.db_table
            columns = _columns(model, {"dossier_id"})
            plain = ", ".join(_q(c) for c in columns)
            values = {c: f"c.{_q(c)}" for c in columns}
            if model is Housing:  # the address moves to the new Caf's department (as draw_home places it)
                dept = "left(m.code, 2)"
                values["postcode"] = (f"CASE WHEN {dept} = '75' THEN '750' || lpad((1 + m.new_id %% 20)::text, 2, '0') "
                                      f"ELSE {dept} || substr(c.postcode, 3) END")
                values["city"] = (f"CASE WHEN {dept} = '75' THEN 'Paris' WHEN c.city = 'Paris' "
                                  f"THEN (%(cities)s::text[])[1 + m.new_id %% {len(cities)}] ELSE c.city END")
            source = ", ".join(values[c] for c in columns)
            # The base's rows only (its pages, a TID range scan, and its ids), in their order: a copy's rows
            # stay together on disk as the source's are.
            cursor.execute(f"SELECT pg_relation_size('{table}') / current_setting('block_size')::int + 1, "
                           f"coalesce(max(id), 0) FROM {table}")
            pages, last_id = cursor.fetchone()
            for k in range(1, rounds + 1):
                cursor.execute(f"INSERT INTO {table} (dossier_id, {plain}) SELECT m.new_id, {source} "
                               f"FROM {table} c JOIN {MAP} m ON m.old_id = c.dossier_id AND m.k = %(k)s "
                               f"WHERE c.ctid < %(tid)s::tid AND c.id <= %(last)s",
                               {"k": k, "cities": cities, "tid": f"({pages},0)", "last": last_id})
                rows[table] = rows.get(table, 0) + cursor.rowcount
            timings[table] = time.perf_counter() - t0
        copy_s = time.perf_counter() - started - timings["map_s"] - timings["drop_s"]

        t0 = time.perf_counter()
        for table in tables:  # the files' unique constraint first: the children's foreign keys need it
            constraints, indexes = dropped[table]
            for name, definition in constraints:
                cursor.execute(f"ALTER TABLE {table} ADD CONSTRAINT {_q(name)} {definition}")
            for _, definition in indexes:
                cursor.execute(definition)
        timings["indexes_s"] = time.perf_counter() - t0
    seconds = time.perf_counter() - started
    log(f"  {wanted:,} copies of {base:,} files ({rounds} rounds), {sum(rows.values()):,} rows: map "
        f"{timings['map_s']:.0f} s, copy {copy_s:.0f} s, "
        f"{sum(len(c) + len(i) for c, i in dropped.values())} indexes and constraints rebuilt in "
        f"{timings['indexes_s']:.0f} s")
    log("    " + ", ".join(f"{t.removeprefix('dossiers_')} {rows[t]:,} ({timings[t]:.0f} s)" for t in tables))
    return {"base": base, "copies": wanted, "dossiers": base + wanted, "rounds": rounds,
            "rows": sum(rows.values()), "copy_s": round(copy_s, 1),
            **{k: round(v, 1) for k, v in timings.items() if k.endswith("_s")}, "seconds": round(seconds, 1)}
