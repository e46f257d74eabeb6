"""Entries are appended without a shared lock and sealed afterwards into hash-chained batches; the
verification resumes from its last anchored batch. On PostgreSQL, real threads write at once."""
import threading
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection, connections, transaction

from portail.journal import events
from portail.journal.models import JournalBatch, JournalEntry, JournalHead
from portail.journal.seal import gap_ranges, journal_seal, leaf, merkle_root
from portail.journal.tasks import seal_journal
from portail.journal.verify import journal_verify

postgresql_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent writers: PostgreSQL")


def add(n: int, prefix: str = "AAAA") -> list[JournalEntry]:
    return [events.login_failed(identifier=f"{prefix}{i:04d}", ip="10.0.0.1") for i in range(n)]


def test_merkle_root_and_gaps():
    a, b, c = (leaf(x * 64) for x in "abc")
    assert merkle_root([]) == "0" * 64 and merkle_root([a]) == a.hex()
    assert merkle_root([a, b, c]) != merkle_root([b, a, c]) != merkle_root([a, b])
    assert gap_ranges([3, 4, 7], 1, 9) == [[1, 2], [5, 6], [8, 9]] and gap_ranges([1, 2], 1, 2) == []


def test_the_command_seals_in_batches_and_the_verification_agrees(db):
    entries = add(5)
    out = StringIO()
    call_command("journal_seal", "--batch-size", "2", stdout=out)
    assert "5 entrée(s) scellée(s) en 3 lot(s)" in out.getvalue()
    batches = list(JournalBatch.objects.order_by("id"))
    assert [b.entry_count for b in batches] == [2, 2, 1] and batches[-1].last_id == entries[-1].pk
    assert [b.previous_hash for b in batches[1:]] == [b.batch_hash for b in batches[:-1]]
    assert JournalHead.objects.get().entry_count == 5
    journal_seal()
    assert JournalBatch.objects.count() == 3  # nothing new, no empty batch
    result = journal_verify(full=True, anchor=False)
    assert (result.ok, result.count, result.sealed, result.batches, result.unsealed) == (True, 5, 5, 3, 0)


def test_the_periodic_task_seals(db):
    add(2)
    assert seal_journal.enqueue(False).return_value["entries"] == 2


def test_verification_resumes_after_its_anchor_and_says_how_fast(db, anchor_file):
    add(4)
    first = journal_verify()
    assert (first.ok, first.checked, first.resumed_from) == (True, 4, None) and first.anchored.count == 4
    add(3)
    second = journal_verify()
    assert second.ok and second.resumed_from == first.anchored
    assert (second.count, second.checked, second.batches) == (7, 3, 1)
    assert second.rate > 0 and second.seconds > 0


def test_unsealed_entries_are_checked_and_counted_apart(db):
    add(2)
    result = journal_verify(full=True, anchor=False, seal=False)
    assert (result.ok, result.unsealed, result.sealed) == (True, 2, 0)


# ---------------------------------------------------------------- PostgreSQL, real threads


def _in_thread(target, *args):
    errors = []

    def run():
        try:
            target(*args)
        except Exception as error:  # noqa: BLE001 (reported to the test below)
            errors.append(error)
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    return thread, errors


@postgresql_only
def test_real_threads(transactional_db):
    """One transactional test (each one empties the database afterwards: seconds on PostgreSQL)."""
    an_entry_still_in_flight_holds_the_seal_back()
    writers_at_once_and_a_sealer_keep_the_batches_valid()
    a_transaction_away_from_the_journal_does_not_hold_the_seal_back()


def a_transaction_away_from_the_journal_does_not_hold_the_seal_back():
    started, release = threading.Event(), threading.Event()

    def importer():  # a long write elsewhere (an import): it has an xid, it never touched the journal
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT pg_current_xact_id()")
            started.set()
            release.wait(10)

    thread, errors = _in_thread(importer)
    assert started.wait(10)
    entry = events.login_failed(identifier="LATE0001")
    sealed = journal_seal(wait=0.05)
    release.set()
    thread.join(10)
    assert not errors and not sealed.deferred and sealed.last_id == entry.pk


def an_entry_still_in_flight_holds_the_seal_back():
    """Id 1 drawn, not committed; id 2 committed: sealing id 2 alone would let id 1 appear inside a sealed
    batch later. The sealer waits for the transaction, and seals both once it has committed."""
    drawn, release, written = threading.Event(), threading.Event(), []

    def slow_writer():
        with transaction.atomic():
            written.append(events.login_failed(identifier="SLOW0001"))
            drawn.set()
            release.wait(10)

    thread, errors = _in_thread(slow_writer)
    assert drawn.wait(10)
    fast = events.login_failed(identifier="FAST0001")
    held = journal_seal(wait=0.05)
    assert held.deferred and not JournalBatch.objects.exists()
    release.set()
    thread.join(10)
    assert not errors
    sealed = journal_seal()
    slow = JournalEntry.objects.get(pk=written[0].pk)
    assert slow.pk < fast.pk and sealed.entries == 2 and sealed.last_id == fast.pk
    assert journal_verify(full=True, anchor=False).problems == []


def writers_at_once_and_a_sealer_keep_the_batches_valid():
    per_writer, writers = 40, 3
    start = threading.Barrier(writers + 1)

    def writer(prefix):
        start.wait(10)
        for i in range(per_writer):
            with transaction.atomic():
                events.login_failed(identifier=f"{prefix}{i:04d}")

    def sealer():
        start.wait(10)
        for _ in range(15):
            journal_seal(batch_size=7)

    threads = [_in_thread(writer, f"W{n}AA") for n in range(writers)] + [_in_thread(sealer)]
    for thread, _ in threads:
        thread.join(30)
    assert not [e for _, errors in threads for e in errors]
    journal_seal()
    result = journal_verify(full=True, anchor=False)
    assert result.problems == []
    assert (result.count, result.sealed, result.unsealed) == (per_writer * writers + 2,) * 2 + (0,)
    assert JournalBatch.objects.count() >= 2


# ---------------------------------------------------------------- journals written before batches


def test_the_historical_chain_becomes_the_first_batch_and_still_verifies(db):
    """A journal written before migration 0010 (each HMAC covering the previous hash): the migration seals
    it as one "chain" batch, new entries follow in Merkle batches, and a change in the old part is named."""
    import importlib
    from types import SimpleNamespace

    from django.apps import apps
    from django.utils import timezone

    from portail.journal.models import GENESIS, Action

    from portail.journal.services import _next_id

    if connection.vendor == "postgresql":  # ids drawn from the sequence, as the former writer's were
        ids = [_next_id(connection) for _ in range(3)]
    else:
        ids = [_next_id(connection) + n for n in range(3)]
    previous = GENESIS
    for n in range(3):
        entry = JournalEntry(id=ids[n], created_at=timezone.now(), action=Action.LOGIN, details={"n": n},
                             previous_hash=previous)
        entry.entry_hash = entry.compute_hash()
        entry.save(force_insert=True)
        previous = entry.entry_hash
    JournalHead.objects.update_or_create(pk=1, defaults={"last_hash": previous, "last_id": ids[2], "entry_count": 3})
    migration = importlib.import_module("portail.journal.migrations.0010_batches")
    migration.seal_historical_chain(apps, SimpleNamespace(connection=SimpleNamespace(alias="default")))
    chain = JournalBatch.objects.get()
    assert (chain.kind, chain.last_id, chain.entry_count, chain.merkle_root) == ("chain", ids[2], 3, previous)
    new = add(2)
    journal_seal()
    result = journal_verify(full=True, anchor=False)
    assert (result.problems, result.count, result.batches) == ([], 5, 2)
    assert JournalBatch.objects.last().previous_hash == chain.batch_hash and new[0].pk > ids[2]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"ALTER TABLE {JournalEntry._meta.db_table} DISABLE TRIGGER USER")
        else:
            cursor.execute("DROP TRIGGER IF EXISTS journal_no_update")
        cursor.execute(f"UPDATE {JournalEntry._meta.db_table} SET details = %s WHERE id = %s", ['{"n": 9}', ids[1]])
        if connection.vendor == "postgresql":
            cursor.execute(f"ALTER TABLE {JournalEntry._meta.db_table} ENABLE TRIGGER USER")
    assert journal_verify(full=True, anchor=False).problems == [f"entrée {ids[1]} : contenu modifié"]


def test_whole_seconds_and_round_microseconds_verify(db, monkeypatch):
    """The walk reads `created_at` as text: the forms isoformat() writes without and with microseconds."""
    from datetime import datetime, timezone

    from portail.journal import services

    for moment in (datetime(2026, 3, 1, 8, 0, 0, tzinfo=timezone.utc),
                   datetime(2026, 3, 1, 8, 0, 0, 100000, tzinfo=timezone.utc)):
        monkeypatch.setattr(services, "now", lambda moment=moment: moment)
        add(1)
    assert journal_verify(full=True, anchor=False).problems == []
