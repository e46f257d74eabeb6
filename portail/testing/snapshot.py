"""A copy of every table of the test database, taken once and put back into an emptied database.

Browser tests need their data committed (the live server reads it from another thread), so each one
runs on a database emptied after the previous test. Loading the whole demo again each time (hundreds
of allocataire files through the loader) cost seconds per test; the rows it produced do not change
from one test to the next. `take()` reads every row of every table right after a first real load;
`restore()` empties the tables and inserts the same rows again (same ids, same values, the journal
chain unchanged), resets the sequences and drops the cached rights, which the signals of a real load
would have invalidated. Files the rows point to (default storage) are kept and put back if missing.

Raw rows go back as they came out, through the same connection: no model code runs, so the result is
the database as the real load left it, not a re-creation of it.
"""
from dataclasses import dataclass, field

from django.apps import apps
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management.color import no_style
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
            # Sequences (PostgreSQL) go on after the largest id restored; SQLite's follow inserted ids by themselves.
            for sql in connection.ops.sequence_reset_sql(no_style(), apps.get_models(include_auto_created=True)):
                cursor.execute(sql)
    for name, content in snapshot.files.items():
        if not default_storage.exists(name):
            default_storage.save(name, ContentFile(content))
    _forget_cached_state()


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
    rights_cache.invalidate_everything()


def is_empty(*, using: str = "default") -> bool:
    """True when every table is as `flush` leaves it (one query): nothing a restore would wipe out."""
    connection = connections[using]
    quote = connection.ops.quote_name
    tables = [t for t in _tables(connection) if t not in REFILLED_BY_FLUSH]
    if not tables:
        return True
    probe = " UNION ALL ".join(f"SELECT 1 FROM (SELECT 1 FROM {quote(t)} LIMIT 1) AS t{i}" for i, t in enumerate(tables))
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM ({probe}) AS probe")
        return cursor.fetchone()[0] == 0
