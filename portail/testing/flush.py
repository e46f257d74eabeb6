"""PostgreSQL: tables emptied after a transactional test by DELETE where they hold rows, not by one
TRUNCATE of every table.

After each transactional test (browser walkthroughs, concurrency races) the test runner empties the
database with `flush`, which on PostgreSQL truncates all of its sixty tables, holding rows or not: about
two seconds each time, whatever the data. Deleting the rows of the tables that hold some costs a tenth of
that. Tables whose triggers refuse DELETE (the append-only journal) are still truncated, and only when
they hold rows. Sequences are not touched (the test runner does not reset them either); when a reset is
asked for, or on another database, Django's own statements run unchanged.
"""
from django.core.management.commands import flush as flush_command

from .snapshot import non_empty_tables

# Trigger type bits (pg_trigger.tgtype): row-level BEFORE/AFTER DELETE triggers.
_DELETE_TRIGGER = 1 << 3

_django_sql_flush = flush_command.sql_flush


def _refusing_delete(cursor) -> set[str]:
    cursor.execute("SELECT DISTINCT tgrelid::regclass::text FROM pg_trigger "
                   "WHERE NOT tgisinternal AND (tgtype & %s) <> 0", [_DELETE_TRIGGER])
    return {row[0].strip('"') for row in cursor.fetchall()}


def sql_flush(style, connection, reset_sequences=True, allow_cascade=False):
    if connection.vendor != "postgresql" or reset_sequences:
        return _django_sql_flush(style, connection, reset_sequences=reset_sequences, allow_cascade=allow_cascade)
    quote = connection.ops.quote_name
    full = non_empty_tables(using=connection.alias)
    with connection.cursor() as cursor:
        refusing = _refusing_delete(cursor) & full
    # Foreign keys are deferrable (checked at commit, the whole flush being one transaction): any order.
    statements = [f"DELETE FROM {quote(table)}" for table in sorted(full - refusing)]
    if refusing:
        statements.append(f"TRUNCATE {', '.join(quote(table) for table in sorted(refusing))} CASCADE")
    return statements


def install() -> None:
    flush_command.sql_flush = sql_flush
