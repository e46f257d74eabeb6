"""The journal partitioned by month on PostgreSQL: converted once, months created ahead, entries in the
right partition, sealing and verification unchanged. (The conversion runs inside the test's transaction
and is rolled back with it.)"""
from datetime import datetime, timedelta, timezone
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from portail.journal import events, services
from portail.journal.partitions import DEFAULT_PARTITION, TABLE, is_partitioned, partition_name
from portail.journal.verify import journal_verify

pytestmark = pytest.mark.django_db
postgresql_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="native partitioning: PostgreSQL")


def partitions_command(*args) -> str:
    out = StringIO()
    call_command("journal_partitions", *args, stdout=out)
    return out.getvalue()


@pytest.mark.skipif(connection.vendor == "postgresql", reason="the SQLite side")
def test_sqlite_is_left_as_it_is():
    with pytest.raises(CommandError, match="ne concerne que PostgreSQL"):
        partitions_command("--convert")


@postgresql_only
def test_an_unpartitioned_journal_needs_the_convert_flag():
    with pytest.raises(CommandError, match="--convert"):
        partitions_command()


@postgresql_only
def test_the_journal_converted_keeps_its_entries_and_sends_new_ones_to_their_month(monkeypatch):
    before = [events.login_failed(identifier=f"AAAA{i:04d}") for i in range(3)]
    out = partitions_command("--convert", "--months-ahead", "2")
    assert "3 entrée(s) recopiée(s)" in out
    with connection.cursor() as cursor:
        assert is_partitioned(cursor)
    this_month = datetime.now(timezone.utc).replace(day=15)
    moments = {
        "old": datetime(2020, 3, 10, tzinfo=timezone.utc),  # before the first month: the default partition
        "now": this_month,
        "ahead": (this_month + timedelta(days=31)).replace(day=15),
        "later": (this_month + timedelta(days=62)).replace(day=15),
    }
    written = {}
    for label, moment in moments.items():
        monkeypatch.setattr(services, "now", lambda moment=moment: moment)
        written[label] = events.login_failed(identifier=label)
    monkeypatch.undo()
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id, tableoid::regclass::text FROM {TABLE}")
        where = dict(cursor.fetchall())
    assert where[written["old"].pk] == DEFAULT_PARTITION
    for label in ("now", "ahead", "later"):
        assert where[written[label].pk] == partition_name(moments[label].date())
    assert written["old"].pk > before[-1].pk  # the ids go on from the old table's
    result = journal_verify(full=True, anchor=False)
    assert result.problems == [] and result.count == 7
    again = partitions_command("--months-ahead", "2")
    assert "Partitions créées : aucune" in again


@postgresql_only
def test_the_partitions_are_append_only_too():
    events.login_failed(identifier="AAAA0001")
    partitions_command("--convert", "--months-ahead", "0")
    partition = partition_name(datetime.now(timezone.utc).date())
    for sql in (f"UPDATE {partition} SET details = '{{}}'", f"DELETE FROM {partition}",
                f"UPDATE {TABLE} SET details = '{{}}'", f"DELETE FROM {TABLE}"):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql)
    with connection.cursor() as cursor:
        cursor.execute("SELECT tgname FROM pg_trigger WHERE tgrelid = to_regclass(%s) AND NOT tgisinternal "
                       "ORDER BY tgname", [partition])
        assert [row[0] for row in cursor.fetchall()] == ["journal_no_truncate", "journal_no_update"]
