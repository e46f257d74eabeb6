"""A copy of every table of the test database, taken once and put back into an emptied database.

Browser tests need their data committed (the live server reads it from another thread), so each one
runs on a database emptied after the previous test. Loading the whole demo again each time (hundreds
of allocataire files through the loader) cost seconds per test; the rows it produced do not change
from one test to the next. `take()` reads every row of every table right after a first real load;
`restore()` inserts the same rows again into the emptied tables (same ids, same values, the journal
chain unchanged) and empties the cache, whose rights the signals of a real load would have
invalidated. Files the rows point to (default storage) are kept and put back if missing.

Raw rows go back as they came out, through the same connection: no model code runs, so the result is
the database as the real load left it, not a re-creation of it.
"""
from dataclasses import dataclass, field

from django.apps import apps
from django.core.cache import caches
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connections, models, transaction


# Rows an emptied database still holds: what `flush` puts back through post_migrate (permissions first,
# as they point to content types).
REFILLED_BY_FLUSH = ("auth_permission", "django_content_type")


@dataclass
class Snapshot:
    tables: dict[str, tuple[list[str], list[tuple]]]  # table -> (columns, rows), non-empty tables only
    files: dict[str, bytes] = field(default_factory=dict)  # default storage name -> content
    key: tuple = ()

    @property
    def row_count(self) -> int:
        return sum(len(rows) for _columns, rows in self.tables.values())


def _tables(connection) -> list[str]:
    return sorted(connection.introspection.django_table_names(only_existing=True, include_views=False))


def _file_fields():
    for model in apps.get_models():
        for f in model._meta.concrete_fields:
            if isinstance(f, models.FileField):
                yield model, f


def take(*, using: str = "default", key: tuple = ()) -> Snapshot:
    connection = connections[using]
    quote = connection.ops.quote_name
    tables = {}
    with connection.cursor() as cursor:
        for table in _tables(connection):
            cursor.execute(f"SELECT * FROM {quote(table)}")
            rows = cursor.fetchall()
            if rows:
                tables[table] = ([column[0] for column in cursor.description], rows)
    files = {}
    for model, f in _file_fields():
        for name in model._default_manager.using(using).exclude(**{f.name: ""}).values_list(f.name, flat=True):
            if name and default_storage.exists(name):
                with default_storage.open(name, "rb") as handle:
                    files[name] = handle.read()
    return Snapshot(tables=tables, files=files, key=key)


def restore(snapshot: Snapshot, *, using: str = "default") -> None:
    """Put the snapshot's rows back into an emptied database (`is_empty()`), in one transaction (foreign
    keys are checked at commit: Django declares them deferrable)."""
    connection = connections[using]
    quote = connection.ops.quote_name
    with transaction.atomic(using=using):
        with connection.cursor() as cursor:
            for table in REFILLED_BY_FLUSH:
                cursor.execute(f"DELETE FROM {quote(table)}")
            for table, (columns, rows) in snapshot.tables.items():
                _insert(connection, cursor, table, columns, rows)
            if connection.vendor == "postgresql":
                _sequences_after(cursor, quote, snapshot)
    for name, content in snapshot.files.items():
        if not default_storage.exists(name):
            default_storage.save(name, ContentFile(content))
    _forget_cached_state()


def _sequences_after(cursor, quote, snapshot: Snapshot) -> None:
    """Each sequence past the largest id restored, never backwards: the ids were drawn from these very
    sequences, which the test runner's `flush` does not reset, so new rows keep getting ids no previous
    test used. (SQLite's AUTOINCREMENT counters follow inserted ids by themselves.)"""
    for model in apps.get_models(include_auto_created=True):
        table, pk = model._meta.db_table, model._meta.pk
        if table not in snapshot.tables or pk.get_internal_type() not in ("AutoField", "BigAutoField", "SmallAutoField"):
            continue
        cursor.execute(
            "SELECT setval(s, GREATEST(m, COALESCE(pg_sequence_last_value(s), 0))) FROM "
            f"(SELECT pg_get_serial_sequence(%s, %s)::regclass AS s, (SELECT MAX({quote(pk.column)}) FROM {quote(table)}) AS m) x "
            "WHERE s IS NOT NULL AND m IS NOT NULL", [quote(table), pk.column])


def _insert(connection, cursor, table: str, columns: list[str], rows: list[tuple]) -> None:
    quote = connection.ops.quote_name
    names = ", ".join(map(quote, columns))
    if connection.vendor == "postgresql":  # COPY: one round trip for the whole table
        with cursor.cursor.copy(f"COPY {quote(table)} ({names}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        return
    cursor.executemany(f"INSERT INTO {quote(table)} ({names}) VALUES ({', '.join(['%s'] * len(columns))})", rows)


def _forget_cached_state() -> None:
    """What a real load moves through model signals, which raw inserts do not send."""
    from django.contrib.contenttypes.models import ContentType

    from portail.access import rights_cache

    ContentType.objects.clear_cache()
    # The database cache is not a model table: `flush` leaves it. Nothing a previous test counted or
    # cached (rate limits, rights) may follow into the next one.
    caches["default"].clear()
    rights_cache.invalidate_everything()


def non_empty_tables(*, using: str = "default") -> set[str]:
    """The tables holding at least one row (one query)."""
    connection = connections[using]
    quote = connection.ops.quote_name
    tables = _tables(connection)
    probe = " UNION ALL ".join(f"SELECT {i} AS t FROM (SELECT 1 FROM {quote(t)} LIMIT 1) AS t{i}"
                               for i, t in enumerate(tables))
    with connection.cursor() as cursor:
        cursor.execute(probe)
        return {tables[row[0]] for row in cursor.fetchall()}


def is_empty(*, using: str = "default", ignore=frozenset()) -> bool:
    """True when every table is as `flush` leaves it, tables in `ignore` aside: nothing a restore would
    wipe out, nothing a snapshot would copy but what `load_demo` writes."""
    return non_empty_tables(using=using) <= set(REFILLED_BY_FLUSH) | set(ignore)
