"""R9: every way of rewriting the journal behind the application's back is caught by `journal_verify`,
and the message names the entry. Raw SQL here plays someone with direct access to the database
(the owner role, able to disable the triggers)."""
import hashlib
import hmac
import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from portail.journal import events
from portail.journal.models import GENESIS, JournalEntry, JournalHead
from portail.journal.verify import journal_verify

TABLE = JournalEntry._meta.db_table
HEAD = JournalHead._meta.db_table
pytestmark = pytest.mark.django_db
postgresql_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="TRUNCATE and triggers per role: PostgreSQL")


def add(n: int) -> list[JournalEntry]:
    return [events.login_failed(identifier=f"AAAA{i:04d}", ip="10.0.0.1") for i in range(n)]


@pytest.fixture
def five(db):
    return add(5)


def raw(*statements):
    """Run SQL as the owner would: triggers disabled for the statement (SQLite: dropped in the test's transaction)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"ALTER TABLE {TABLE} DISABLE TRIGGER USER")
            cursor.execute(f"ALTER TABLE {HEAD} DISABLE TRIGGER USER")
        else:
            cursor.execute("DROP TRIGGER IF EXISTS journal_no_update")
        for sql, params in statements:
            cursor.execute(sql, params)
        if connection.vendor == "postgresql":
            cursor.execute(f"ALTER TABLE {TABLE} ENABLE TRIGGER USER")
            cursor.execute(f"ALTER TABLE {HEAD} ENABLE TRIGGER USER")


def rehash(hasher) -> None:
    """Recompute the whole chain with `hasher(content) -> hex` and make the head agree: a forger's work."""
    previous, updates, last = GENESIS, [], None
    for entry in JournalEntry.objects.order_by("id"):
        entry.previous_hash = previous
        entry.entry_hash = hasher(entry.hashed_content().encode())
        updates.append((f"UPDATE {TABLE} SET previous_hash = %s, entry_hash = %s WHERE id = %s",
                        [entry.previous_hash, entry.entry_hash, entry.pk]))
        previous, last = entry.entry_hash, entry
    count = JournalEntry.objects.count()
    updates.append((f"UPDATE {HEAD} SET last_hash = %s, last_id = %s, entry_count = %s WHERE id = 1",
                    [previous, last.pk if last else None, count]))
    raw(*updates)


def problems(full: bool = True) -> list[str]:
    return journal_verify(full=full, anchor=False).problems


def command_fails(*args) -> str:
    err = StringIO()
    with pytest.raises(CommandError) as error:
        call_command("journal_verify", *args, stdout=StringIO(), stderr=err)
    return str(error.value) + "\n" + err.getvalue()


def command_ok(*args) -> str:
    out = StringIO()
    call_command("journal_verify", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


# ---------------------------------------------------------------- the keyed chain


def test_the_chain_is_keyed(five, settings):
    entry = five[0]
    assert entry.entry_hash == hmac.new(settings.JOURNAL_HMAC_KEY.encode(), entry.hashed_content().encode(),
                                        hashlib.sha256).hexdigest()
    assert entry.entry_hash != hashlib.sha256(entry.hashed_content().encode()).hexdigest()


def test_a_chain_rehashed_with_plain_sha256_fails(five):
    rehash(lambda content: hashlib.sha256(content).hexdigest())
    found = problems()
    assert found == [f"entrée {e.pk} : contenu modifié (empreinte recalculée sans la clé du journal)" for e in five]
    assert f"entrée {five[0].pk} : contenu modifié" in command_fails("--full")


def test_a_chain_rehashed_with_another_key_fails(five):
    rehash(lambda content: hmac.new(b"not-the-journal-key", content, hashlib.sha256).hexdigest())
    assert problems() == [f"entrée {e.pk} : contenu modifié" for e in five]


def test_the_key_comes_from_settings_and_another_key_rejects_the_chain(five, settings):
    assert problems() == []
    settings.JOURNAL_HMAC_KEY = "une-autre-cle-de-journal"
    assert len(problems()) == 5


# ---------------------------------------------------------------- rows changed, removed, moved


def test_a_modified_row_is_named(five):
    raw((f"UPDATE {TABLE} SET ip_address = %s WHERE id = %s", ["192.0.2.66", five[2].pk]))
    assert problems() == [f"entrée {five[2].pk} : contenu modifié"]
    assert f"entrée {five[2].pk} : contenu modifié" in command_fails()


def test_a_deleted_middle_row_is_named(five):
    raw((f"DELETE FROM {TABLE} WHERE id = %s", [five[2].pk]))
    found = problems()
    assert found[0].startswith(f"entrée {five[3].pk} : chaînage rompu (ne suit pas l'entrée {five[1].pk}")
    assert f"entrée {five[3].pk} : chaînage rompu" in command_fails()


def test_a_deleted_last_row_is_named(five):
    raw((f"DELETE FROM {TABLE} WHERE id = %s", [five[4].pk]))
    assert f"entrée {five[4].pk} manquante" in problems()[0]
    assert f"entrée {five[4].pk} manquante" in command_fails()


def test_all_rows_deleted_is_caught(five):
    raw((f"DELETE FROM {TABLE}", []))
    assert problems() == [f"journal vidé : la tête indique 5 entrée(s), la dernière n° {five[4].pk}, et la table est vide"]
    assert "journal vidé" in command_fails()


@postgresql_only
def test_a_truncated_table_is_caught(five):
    with connection.cursor() as cursor:  # the owner may truncate (the application role may not: test_db_roles)
        cursor.execute(f"TRUNCATE {TABLE}")
    assert f"la dernière n° {five[4].pk}, et la table est vide" in command_fails()


def test_reordered_rows_are_named(five):
    first, second = JournalEntry.objects.get(pk=five[1].pk), JournalEntry.objects.get(pk=five[2].pk)
    move = f"UPDATE {TABLE} SET created_at = %s, details = %s, previous_hash = %s, entry_hash = %s WHERE id = %s"
    raw(  # each row keeps a consistent (content, hash) pair, only their order changes
        (f"UPDATE {TABLE} SET entry_hash = %s WHERE id = %s", ["x" * 64, first.pk]),
        (move, [first.created_at, json.dumps(first.details), first.previous_hash, first.entry_hash, second.pk]),
        (move, [second.created_at, json.dumps(second.details), second.previous_hash, second.entry_hash, first.pk]),
    )
    found = problems()
    assert any(p.startswith(f"entrée {first.pk} : chaînage rompu") for p in found)
    assert any(p.startswith(f"entrée {second.pk} : chaînage rompu") for p in found)


def test_a_missing_head_row_with_entries_is_caught(five):
    raw((f"DELETE FROM {HEAD}", []))
    assert problems() == ["tête du journal absente alors que le journal compte 5 entrée(s)"]


def test_an_emptied_journal_whose_head_was_reset_is_caught_by_the_anchor(five, anchor_file):
    command_ok()  # anchors 5 entries
    raw((f"DELETE FROM {TABLE}", []), (f"UPDATE {HEAD} SET last_hash = %s, last_id = NULL, entry_count = 0", [GENESIS]))
    message = command_fails()
    assert f"entrée {five[4].pk} : absente" in message
    assert "le journal compte 0 entrée(s), moins que les 5" in message


# ---------------------------------------------------------------- the anchor file outside the database


def test_each_verification_appends_the_head_to_the_anchor_file(five, anchor_file):
    out = command_ok()
    assert "Journal intègre : 5 entrée(s), 5 vérifiée(s)" in out and str(anchor_file) in out
    add(2)
    out = command_ok()
    assert "7 entrée(s), 2 vérifiée(s) depuis l'ancre du" in out
    lines = [json.loads(line) for line in anchor_file.read_text().splitlines()]
    assert [(a["count"], a["last_id"]) for a in lines] == [(5, five[4].pk), (7, five[4].pk + 2)]
    assert all(len(a["mac"]) == 64 for a in lines)


def test_a_database_rewritten_with_the_key_no_longer_matches_the_anchor(five, anchor_file, settings):
    """Even someone holding the HMAC key and the owner role: the anchored (id, hash) is gone."""
    command_ok()
    raw((f"UPDATE {TABLE} SET ip_address = %s WHERE id = %s", ["192.0.2.66", five[1].pk]))
    rehash(lambda content: hmac.new(settings.JOURNAL_HMAC_KEY.encode(), content, hashlib.sha256).hexdigest())
    found = problems()
    assert len(found) == 1 and found[0].startswith(f"entrée {five[4].pk} : réécrite, elle ne correspond plus")
    message = command_fails()
    assert f"entrée {five[4].pk} : réécrite, elle ne correspond plus à l'ancre" in message


def test_the_last_anchored_entry_deleted_and_the_head_fixed_is_caught(five, anchor_file):
    command_ok()
    raw((f"DELETE FROM {TABLE} WHERE id = %s", [five[4].pk]),
        (f"UPDATE {HEAD} SET last_hash = %s, last_id = %s, entry_count = 4", [five[3].entry_hash, five[3].pk]))
    message = command_fails()
    assert f"entrée {five[4].pk} : absente" in message and "moins que les 5" in message


def test_an_edited_anchor_file_is_refused(five, anchor_file):
    command_ok()
    anchor_file.write_text(anchor_file.read_text().replace('"count":5', '"count":1'))
    assert "ligne 1 : signature invalide" in command_fails()


def test_resuming_skips_checked_entries_and_full_walks_them_again(five, anchor_file):
    command_ok()
    raw((f"UPDATE {TABLE} SET ip_address = %s WHERE id = %s", ["192.0.2.66", five[1].pk]))
    assert problems(full=False) == []  # before the anchor: already verified, only the anchored entry is rechecked
    assert f"entrée {five[1].pk} : contenu modifié" in command_fails("--full")


def test_a_failed_verification_anchors_nothing(five, anchor_file):
    raw((f"UPDATE {TABLE} SET ip_address = %s WHERE id = %s", ["192.0.2.66", five[1].pk]))
    command_fails()
    assert not anchor_file.exists()
