"""R9: the journal is append-only and HMAC-chained; `manage.py journal_verify` detects tampering."""
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from portail.core.errors import BusinessError
from portail.habilitations import services
from portail.habilitations.models import Group
from portail.journal.models import Action, JournalBatch, JournalEntry, JournalHead
from portail.journal import events
from portail.journal.seal import journal_seal, leaf, merkle_root
from portail.journal.services import _append
from portail.journal.verify import journal_verify

TABLE = JournalEntry._meta.db_table
pytestmark = pytest.mark.django_db


def check() -> tuple[int, list[str]]:
    result = journal_verify(full=True, anchor=False)
    return result.count, result.problems


def verify_command() -> str:
    out = StringIO()
    call_command("journal_verify", stdout=out, stderr=StringIO())
    return out.getvalue()


def verify_fails() -> str:
    err = StringIO()
    with pytest.raises(CommandError) as error:  # manage.py turns it into a non-zero exit status
        call_command("journal_verify", stdout=StringIO(), stderr=err)
    return str(error.value) + err.getvalue()


@pytest.fixture
def three(db):
    entries = [_append(action=Action.LOGIN, ip="10.0.0.1", details={"n": n}) for n in range(3)]
    journal_seal()
    return entries


@pytest.fixture
def bypass_trigger():
    """Run raw SQL as someone with direct database access would, past the append-only trigger."""

    def run(sql, params=()):
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute(f"ALTER TABLE {TABLE} DISABLE TRIGGER journal_no_update")
                cursor.execute(sql, params)
                cursor.execute(f"ALTER TABLE {TABLE} ENABLE TRIGGER journal_no_update")
            else:  # SQLite DDL is transactional too: the test's rollback restores the trigger
                cursor.execute("DROP TRIGGER IF EXISTS journal_no_update")
                cursor.execute(sql, params)

    return run


# ---------------------------------------------------------------- the chain


def test_entries_are_sealed_into_chained_batches(three):
    first, second, third = three
    assert all(e.previous_hash == "" for e in three)  # no chain at write time: no lock between appends
    assert all(e.entry_hash == e.compute_hash() and len(e.entry_hash) == 64 for e in three)
    assert str(first.pk) in first.hashed_content()  # the id is hashed: an entry cannot move
    batch = JournalBatch.objects.get()
    assert (batch.first_id <= first.pk, batch.last_id, batch.entry_count) == (True, third.pk, 3)
    assert batch.merkle_root == merkle_root([leaf(e.entry_hash) for e in three])
    assert batch.batch_hash == batch.compute_hash()
    head = JournalHead.objects.get()
    assert (head.last_hash, head.last_id, head.entry_count) == (batch.batch_hash, third.pk, 3)
    fourth = _append(action=Action.LOGOUT)
    journal_seal()
    second_batch = JournalBatch.objects.get(last_id=fourth.pk)
    assert second_batch.previous_hash == batch.batch_hash and second_batch.entry_count == 1
    assert check() == (4, [])
    assert "4 entrée(s)" in verify_command()


def test_empty_journal_verifies(db):
    assert check() == (0, [])
    assert "Journal intègre" in verify_command()


def test_entry_records_who_what_where(admin_user, convention, role_t1):
    entry = _append(
        action=Action.ROLE_ASSIGNED, actor=admin_user, ip="2001:db8::1", caf=convention.caf, convention=convention,
        group=42, role=role_t1, target_user=None, details={"role": "T1"},
    )
    entry = JournalEntry.objects.get(pk=entry.pk)
    assert (entry.actor, entry.actor_identifier, entry.ip_address) == (admin_user, admin_user.username, "2001:db8::1")
    assert (entry.caf_id, entry.convention_id, entry.group_id, entry.role_id) == (
        convention.caf_id, convention.pk, 42, role_t1.pk)
    assert entry.created_at is not None and entry.details == {"role": "T1"}
    assert entry.compute_hash() == entry.entry_hash  # stable once read back from the database


# ---------------------------------------------------------------- append-only in code


def test_saving_an_existing_entry_raises(three):
    entry = JournalEntry.objects.first()
    entry.details = {"n": 99}
    with pytest.raises(PermissionError):
        entry.save()


def test_queryset_update_and_delete_raise(three):
    with pytest.raises(PermissionError):
        JournalEntry.objects.filter(pk=three[0].pk).update(details={})
    with pytest.raises(PermissionError):
        JournalEntry.objects.all().delete()
    with pytest.raises(PermissionError):
        three[0].delete()
    assert check() == (3, [])


# ---------------------------------------------------------------- append-only in the database


def test_database_refuses_a_raw_update(three):
    with pytest.raises(DatabaseError):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"UPDATE {TABLE} SET details = %s WHERE id = %s", ['{"n": 99}', three[0].pk])
    assert check() == (3, [])


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite keeps DELETE so the test runner can flush")
def test_postgresql_refuses_a_raw_delete(three):
    with pytest.raises(DatabaseError):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {TABLE} WHERE id = %s", [three[1].pk])
    assert JournalEntry.objects.count() == 3


# ---------------------------------------------------------------- tampering is detected


def test_a_modified_entry_is_detected(three, bypass_trigger):
    bypass_trigger(f"UPDATE {TABLE} SET details = %s WHERE id = %s", ['{"n": 99}', three[1].pk])
    count, problems = check()
    assert count == 3 and problems == [f"entrée {three[1].pk} : contenu modifié"]
    assert "Journal altéré" in verify_fails()


def test_a_rehashed_entry_still_breaks_its_batch(three, bypass_trigger):
    """Recomputing the forged entry's own HMAC (with the key) is not enough: its batch's Merkle root differs."""
    forged = JournalEntry.objects.get(pk=three[1].pk)
    forged.details = {"n": 99}
    bypass_trigger(f"UPDATE {TABLE} SET details = %s, entry_hash = %s WHERE id = %s",
                   ['{"n": 99}', forged.compute_hash(), forged.pk])
    batch = JournalBatch.objects.get()
    _, problems = check()
    assert problems == [f"lot {batch.pk} : racine de Merkle différente : une entrée de {batch.first_id} à "
                        f"{batch.last_id} a été réécrite avec la clé du journal"]
    verify_fails()


def test_a_deleted_middle_entry_is_detected(three, bypass_trigger):
    bypass_trigger(f"DELETE FROM {TABLE} WHERE id = %s", [three[1].pk])
    count, problems = check()
    assert count == 2
    batch = JournalBatch.objects.get()
    assert problems == [f"entrée(s) {three[1].pk} : supprimée(s) (scellée(s) dans le lot {batch.pk})"]
    assert "1 anomalie(s) sur 2 entrée(s)" in verify_fails()


def test_a_deleted_last_entry_is_detected(three, bypass_trigger):
    bypass_trigger(f"DELETE FROM {TABLE} WHERE id = %s", [three[2].pk])
    _, problems = check()
    assert problems[0].startswith(f"entrée(s) {three[2].pk} : supprimée(s)")
    assert f"entrée(s) {three[2].pk} : supprimée(s)" in verify_fails()


# ---------------------------------------------------------------- the journal and the change commit together


def test_no_change_without_its_journal_entry(admin_user, convention, monkeypatch):
    def broken(**kwargs):
        raise DatabaseError("journal indisponible")

    monkeypatch.setattr(events, "_append", broken)
    with pytest.raises(DatabaseError):
        services.group_create(actor=admin_user, convention=convention, code="G", label="G",
                              opening_date=convention.opening_date)
    assert not Group.objects.exists()


def test_a_refused_change_writes_no_entry(admin_user, convention):
    with pytest.raises(BusinessError):
        services.group_create(actor=admin_user, convention=convention, code="G", label="G",
                              opening_date=convention.opening_date.replace(year=2000))
    assert not JournalEntry.objects.exists()
