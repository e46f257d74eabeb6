"""Writing the journal (R9). Code writes through the named constructors of `events.py`."""
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.db import DatabaseError, connections, router, transaction

from portail.core.clock import now

from .models import GENESIS, Action, JournalEntry
from .verify import journal_verify


class JournalUnavailable(Exception):
    """The journal could not be written: the action it traces must not happen, its data not leave."""


def _id(obj) -> int | None:
    return getattr(obj, "pk", obj) if obj is not None else None


# Details every entry written inside `journal_via()` carries: the API token, SCIM token or file of a change.
_channel_details: ContextVar[dict | None] = ContextVar("journal_channel_details", default=None)


@contextmanager
def journal_via(**details) -> Iterator[None]:
    """Every entry written inside the block carries `details` too (e.g. via="api", token=<prefix>), so a
    change made through the API, SCIM or an import is journaled by the same services as on the screens
    and still names the token or file that caused it."""
    reset = _channel_details.set({**(_channel_details.get() or {}), **details})
    try:
        yield
    finally:
        _channel_details.reset(reset)


def _append(
    *,
    action: str,
    actor=None,
    ip: str | None = None,
    caf=None,
    convention=None,
    group=None,
    role=None,
    target_user=None,
    dossier_number: str = "",
    details: dict[str, Any] | None = None,
) -> JournalEntry:
    """Append one entry (only `events.py` calls this); runs in the caller's transaction so the event
    and its trace commit together."""
    channel = _channel_details.get()
    if channel:
        details = {**(details or {}), **channel}
    try:
        return _write(action=action, actor=actor, ip=ip, caf=caf, convention=convention, group=group, role=role,
                      target_user=target_user, dossier_number=dossier_number, details=details)
    except DatabaseError as exc:
        raise JournalUnavailable from exc


def _next_id(connection) -> int:
    """The new entry's id, drawn before the insert so its HMAC can cover it.

    PostgreSQL: the statement names the journal table, so the transaction holds a (shared, never
    conflicting) lock on it from the parsing of this statement to its end, and it takes its xid
    *before* drawing the id (the WHERE runs first). The sealer reads the sequence, then lists the
    transactions that hold an xid and a lock on the journal, and waits for them: it waits for every
    transaction holding an id it is about to seal, and for no other. No lock is shared between appends.
    SQLite: the transaction already holds the database's write lock (BEGIN IMMEDIATE), writers are one
    at a time; the next id is past both the table and its AUTOINCREMENT counter.
    """
    table = JournalEntry._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                f"SELECT nextval(pg_get_serial_sequence(%s, 'id')) WHERE pg_current_xact_id() IS NOT NULL "
                f"AND NOT EXISTS (SELECT FROM {connection.ops.quote_name(table)} WHERE false)", [table])
        else:
            cursor.execute(
                f"SELECT max(coalesce((SELECT seq FROM sqlite_sequence WHERE name = %s), 0), "
                f"coalesce((SELECT max(id) FROM {connection.ops.quote_name(table)}), 0)) + 1", [table])
        return cursor.fetchone()[0]


# Entries of an enclosing `journal_batch()` block, inserted together when it ends (None: outside any).
_batched: ContextVar[list | None] = ContextVar("journal_batched", default=None)


@contextmanager
def journal_batch() -> Iterator[None]:
    """Entries appended inside the block (thousands, for a bulk import) are inserted together when it ends,
    in the caller's transaction: their ids drawn in one query as `_next_id` draws one, then one INSERT per
    1,000 entries. If the block raises, none is inserted (and the caller's transaction rolls back)."""
    pending: list[JournalEntry] = []
    token = _batched.set(pending)
    try:
        yield
    finally:
        _batched.reset(token)
    if pending:
        try:
            _write_many(pending)
        except DatabaseError as exc:
            raise JournalUnavailable from exc


def _next_ids(connection, count: int) -> list[int]:
    """`count` new ids, in order; on PostgreSQL the transaction takes its xid before the first (as in `_next_id`)."""
    if connection.vendor != "postgresql":
        first = _next_id(connection)  # SQLite: the write lock is held, the ids after it are ours
        return list(range(first, first + count))
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s) "
                       "WHERE pg_current_xact_id() IS NOT NULL", [JournalEntry._meta.db_table, count])
        return sorted(row[0] for row in cursor.fetchall())


def _write_many(entries: list[JournalEntry]) -> None:
    connection = connections[router.db_for_write(JournalEntry)]
    with transaction.atomic(using=connection.alias):
        for entry, entry_id in zip(entries, _next_ids(connection, len(entries)), strict=True):
            entry.id = entry_id
            entry.entry_hash = entry.compute_hash()
        JournalEntry.objects.using(connection.alias).bulk_create(entries, batch_size=1000)


def _write(*, action, actor, ip, caf, convention, group, role, target_user, dossier_number, details) -> JournalEntry:
    """Insert one entry, in the caller's transaction, with no lock but the row's own: the sealer
    (`seal.journal_seal`) chains it later into a batch. Inside `journal_batch()`: queued, inserted at its end."""
    entry = JournalEntry(
        created_at=now(),
        action=action,
        actor_id=_id(actor),
        actor_identifier=getattr(actor, "username", "") or "",
        ip_address=ip or None,
        caf_id=_id(caf),
        convention_id=_id(convention),
        group_id=_id(group),
        role_id=_id(role),
        target_user_id=_id(target_user),
        dossier_number=dossier_number,
        details=details or {},
        previous_hash="",
    )
    pending = _batched.get()
    if pending is not None:
        pending.append(entry)
        return entry
    connection = connections[router.db_for_write(JournalEntry)]
    # No savepoint: an entry that fails must fail the caller's whole transaction (R9), not only itself.
    with transaction.atomic(using=connection.alias, savepoint=False):
        entry.id = _next_id(connection)
        entry.created_at = now()
        entry.entry_hash = entry.compute_hash()
        _insert(entry, connection)
        return entry


_insert_sql: dict[str, str] = {}


def _insert(entry: JournalEntry, connection) -> None:
    """One INSERT of every column, as `save(force_insert=True)` writes it (each field prepares its own value),
    without the model machinery around it: the journal is written on every consultation. Nothing listens to
    the journal's save signals; `JournalEntry.save` keeps refusing updates."""
    fields = JournalEntry._meta.concrete_fields
    sql = _insert_sql.get(connection.vendor)
    if sql is None:
        quote = connection.ops.quote_name
        sql = _insert_sql[connection.vendor] = (
            f"INSERT INTO {quote(JournalEntry._meta.db_table)} ({', '.join(quote(f.column) for f in fields)}) "
            f"VALUES ({', '.join(['%s'] * len(fields))})")
    values = [f.get_db_prep_save(getattr(entry, f.attname), connection) for f in fields]
    with connection.cursor() as cursor:
        cursor.execute(sql, values)
    entry._state.adding = False
    entry._state.db = connection.alias


__all__ = ["Action", "GENESIS", "JournalUnavailable", "journal_verify"]
