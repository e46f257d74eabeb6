"""Sealing the journal: entries are inserted freely, the sealer chains them afterwards.

`journal_seal` takes the entries not yet sealed, in id order, up to a boundary below which no
transaction can still commit an entry, and writes them as `JournalBatch` rows: each batch holds a
Merkle root of its entries' hashes and the HMAC of the previous batch. Only the sealer locks the
head row, for the few milliseconds of a seal; appends never wait for it nor for each other.

The boundary. PostgreSQL hands out ids in order but commits them in any order: id 101 may be visible
while id 100's transaction is still running. Every append locks the journal table (shared mode) and
takes its transaction id before drawing its entry id (`services._next_id`); the sealer reads the
sequence (`L`), then lists the transactions of this database that hold a transaction id and a lock on
the journal, and waits until they have all ended: from then on every id up to `L` is committed or
rolled back for good. Transactions that never touched the journal (a long import) are not waited for. Rolled-back ids are recorded in the batch as gaps,
so an entry inserted later with one of them (or any id already sealed) is reported by the
verification. On SQLite the write lock (BEGIN IMMEDIATE) makes writers one at a time: everything
committed is final.
"""
import hashlib
import time
from dataclasses import dataclass

from django.db import connections, router, transaction

from portail.core.clock import now

from .models import GENESIS, JournalBatch, JournalEntry, JournalHead, batch_hash, journal_key

BATCH_SIZE = 10_000  # entries per batch at most
WAIT_SECONDS = 2.0  # how long a seal waits for the transactions in flight before giving up for this run


@dataclass
class SealResult:
    batches: int = 0  # batches written
    entries: int = 0  # entries sealed
    last_id: int | None = None  # last sealed id
    waited: float = 0.0  # seconds spent waiting for transactions in flight
    deferred: bool = False  # transactions in flight did not end in time: nothing new sealed
    skipped: bool = False  # another seal held the head
    refused: str = ""  # why nothing could be sealed (the head disagrees with the batches)


def leaf(entry_hash: str) -> bytes:
    return hashlib.sha256(b"\x00" + entry_hash.encode()).digest()


def merkle_root(leaves: list[bytes]) -> str:
    """Root of the binary Merkle tree over `leaves` (an odd node is carried up as is)."""
    if not leaves:
        return GENESIS
    level = leaves
    sha = hashlib.sha256
    while len(level) > 1:
        paired = [sha(b"\x01" + level[i] + level[i + 1]).digest() for i in range(0, len(level) - 1, 2)]
        if len(level) % 2:
            paired.append(level[-1])
        level = paired
    return level[0].hex()


def gap_ranges(ids: list[int], first: int, last: int) -> list[list[int]]:
    """The ids of [first, last] missing from the sorted `ids`, as [[from, to], …]."""
    gaps, expected = [], first
    for entry_id in ids:
        if entry_id > expected:
            gaps.append([expected, entry_id - 1])
        expected = entry_id + 1
    if expected <= last:
        gaps.append([expected, last])
    return gaps


def _in_flight(cursor) -> set[tuple[int, str]]:
    """The other transactions of this database that hold an xid and a lock on the journal: those that
    may hold an entry id not yet committed (see `services._next_id`)."""
    cursor.execute("SELECT pg_stat_clear_snapshot()")
    cursor.execute(
        "SELECT a.pid, a.backend_xid::text FROM pg_stat_activity a WHERE a.datname = current_database() "
        "AND a.backend_xid IS NOT NULL AND a.pid <> pg_backend_pid() AND EXISTS (SELECT FROM pg_locks l "
        "WHERE l.pid = a.pid AND l.locktype = 'relation' AND l.relation = to_regclass(%s))",
        [JournalEntry._meta.db_table])
    return set(cursor.fetchall())


def sealable_upto(connection, wait: float = WAIT_SECONDS) -> tuple[int | None, float]:
    """(the highest id below which every entry is final, seconds waited); None when transactions in
    flight did not end within `wait` seconds."""
    table = JournalEntry._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor != "postgresql":
            cursor.execute(f"SELECT max(id) FROM {connection.ops.quote_name(table)}")
            return cursor.fetchone()[0] or 0, 0.0
        cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
        sequence = cursor.fetchone()[0]
        cursor.execute(f"SELECT CASE WHEN is_called THEN last_value ELSE last_value - 1 END FROM {sequence}")
        upto = cursor.fetchone()[0]
        started = time.monotonic()
        running = _in_flight(cursor)
        delay = 0.001
        while running:
            if time.monotonic() - started > wait:
                return None, time.monotonic() - started
            time.sleep(delay)
            delay = min(delay * 2, 0.05)
            running &= _in_flight(cursor)
        return upto, time.monotonic() - started


def journal_seal(*, batch_size: int = BATCH_SIZE, wait: float = WAIT_SECONDS, skip_locked: bool = False,
                 max_batches: int | None = None) -> SealResult:
    """Seal every final entry not yet sealed into batches of at most `batch_size` entries."""
    result = SealResult()
    connection = connections[router.db_for_write(JournalEntry)]
    key = journal_key()
    with transaction.atomic(using=connection.alias):
        if not JournalBatch.objects.exists():
            JournalHead.objects.get_or_create(pk=1)
        head = JournalHead.objects.select_for_update(skip_locked=skip_locked).filter(pk=1).first()
        if head is None:
            if JournalHead.objects.filter(pk=1).exists():
                result.skipped = True
            else:
                result.refused = "tête du journal absente"
            return result
        upto, result.waited = sealable_upto(connection, wait)
        if upto is None:
            result.deferred = True
            return result
        last = JournalBatch.objects.order_by("-id").values_list("last_id", "batch_hash").first()
        sealed_id, previous = last if last else (0, GENESIS)
        if head.last_hash != previous or (head.last_id or 0) != sealed_id:
            # The head disagrees with the batches: sealing on would bury it; the verification says why.
            result.refused = "la tête du journal ne correspond pas au dernier lot"
            return result
        count = head.entry_count
        while upto > sealed_id and (max_batches is None or result.batches < max_batches):
            rows = list(JournalEntry.objects.filter(id__gt=sealed_id, id__lte=upto).order_by("id")
                        .values_list("id", "entry_hash")[:batch_size])
            if not rows:
                break
            ids = [row[0] for row in rows]
            first, last_id = sealed_id + 1, (upto if len(rows) < batch_size else ids[-1])
            fields = dict(kind=JournalBatch.MERKLE, first_id=first, last_id=last_id, entry_count=len(rows),
                          gaps=gap_ranges(ids, first, last_id),
                          merkle_root=merkle_root([leaf(row[1]) for row in rows]), previous_hash=previous,
                          sealed_at=now())
            batch = JournalBatch(**fields, batch_hash=batch_hash(key, **fields))
            batch.save(force_insert=True)
            previous, sealed_id, count = batch.batch_hash, last_id, count + len(rows)
            result.batches += 1
            result.entries += len(rows)
        if result.batches:
            JournalHead.objects.filter(pk=1).update(last_hash=previous, last_id=sealed_id, entry_count=count)
        result.last_id = sealed_id or None
    return result
