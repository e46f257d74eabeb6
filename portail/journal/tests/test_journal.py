"""R9: the journal is append-only and HMAC-chained; `manage.py journal_verify` detects tampering."""
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from portail.core.errors import BusinessError
from portail.habilitations import services
from portail.habilitations.models import Group
from portail.journal.models import Action, JournalEntry, JournalHead
from portail.journal import events
from portail.journal.services import GENESIS, _append
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
    return [_append(action=Action.LOGIN, ip="10.0.0.1", details={"n": n}) for n in range(3)]


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


def test_entries_are_chained(three):
    first, second, third = three
    assert first.previous_hash == GENESIS
    assert second.previous_hash == first.entry_hash
    assert third.previous_hash == second.entry_hash
    assert all(e.entry_hash == e.compute_hash() and len(e.entry_hash) == 64 for e in three)
    assert JournalHead.objects.get().last_hash == third.entry_hash
    head = JournalHead.objects.get()
    assert (head.last_id, head.entry_count) == (third.pk, 3)
    assert check() == (3, [])
    assert "3 entrée(s)" in verify_command()


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


def test_a_rehashed_entry_still_breaks_the_chain(three, bypass_trigger):
    """Recomputing the forged entry's own hash is not enough: the next entry points to the old one."""
    forged = JournalEntry.objects.get(pk=three[1].pk)
    forged.details = {"n": 99}
    bypass_trigger(f"UPDATE {TABLE} SET details = %s, entry_hash = %s WHERE id = %s",
                   ['{"n": 99}', forged.compute_hash(), forged.pk])
    _, problems = check()
    assert problems == [f"entrée {three[2].pk} : chaînage rompu (ne suit pas l'entrée {three[1].pk} : "
                        "entrée supprimée ou modifiée)"]
    verify_fails()


def test_a_deleted_middle_entry_is_detected(three, bypass_trigger):
    bypass_trigger(f"DELETE FROM {TABLE} WHERE id = %s", [three[1].pk])
    count, problems = check()
    assert count == 2
    assert problems == [f"entrée {three[2].pk} : chaînage rompu (ne suit pas l'entrée {three[0].pk} : "
                        "entrée supprimée ou modifiée)", "la tête du journal compte 3 entrée(s), la table 2"]
    assert "2 anomalie(s) sur 2 entrée(s)" in verify_fails()


def test_a_deleted_last_entry_is_detected(three, bypass_trigger):
    bypass_trigger(f"DELETE FROM {TABLE} WHERE id = %s", [three[2].pk])
    _, problems = check()
    assert problems[0] == (f"entrée {three[2].pk} manquante : la tête du journal pointe sur elle, "
                           f"la dernière entrée présente est la n° {three[1].pk}")
    assert f"entrée {three[2].pk} manquante" in verify_fails()


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
