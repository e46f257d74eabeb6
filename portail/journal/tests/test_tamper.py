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
from portail.journal.models import GENESIS, JournalBatch, JournalEntry, JournalHead
from portail.journal.seal import journal_seal, leaf, merkle_root
from portail.journal.verify import journal_verify

TABLE = JournalEntry._meta.db_table
HEAD = JournalHead._meta.db_table
BATCHES = JournalBatch._meta.db_table
pytestmark = pytest.mark.django_db
postgresql_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="TRUNCATE and triggers per role: PostgreSQL")


def add(n: int) -> list[JournalEntry]:
    entries = [events.login_failed(identifier=f"AAAA{i:04d}", ip="10.0.0.1") for i in range(n)]
    journal_seal()
    return entries


@pytest.fixture
def five(db):
    return add(5)


def batch() -> JournalBatch:
    return JournalBatch.objects.order_by("-id").first()


def raw(*statements):
    """Run SQL as the owner would: triggers disabled for the statement (SQLite: dropped in the test's transaction)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            for table in (TABLE, HEAD, BATCHES):
                cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")
        else:
            cursor.execute("DROP TRIGGER IF EXISTS journal_no_update")
            cursor.execute("DROP TRIGGER IF EXISTS journal_batch_no_update")
        for sql, params in statements:
            cursor.execute(sql, params)
        if connection.vendor == "postgresql":
            for table in (TABLE, HEAD, BATCHES):
                cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER USER")


def rehash(hasher) -> None:
    """Recompute every entry's hash, every batch's root and hash with `hasher(content) -> hex`, and make
    the head agree: a forger's whole work."""
    hashes, updates = {}, []
    for entry in JournalEntry.objects.order_by("id"):
        hashes[entry.pk] = hasher(entry.hashed_content().encode())
        updates.append((f"UPDATE {TABLE} SET entry_hash = %s WHERE id = %s", [hashes[entry.pk], entry.pk]))
    previous = GENESIS
    for sealed in JournalBatch.objects.order_by("id"):
        sealed.merkle_root = merkle_root([leaf(h) for i, h in hashes.items() if sealed.first_id <= i <= sealed.last_id])
        sealed.previous_hash = previous
        content = json.dumps([sealed.kind, sealed.first_id, sealed.last_id, sealed.entry_count, sealed.gaps,
                              sealed.merkle_root, previous, sealed.sealed_at.isoformat()], separators=(",", ":"))
        previous = hasher(("batch:" + content).encode())
        updates.append((f"UPDATE {BATCHES} SET merkle_root = %s, previous_hash = %s, batch_hash = %s WHERE id = %s",
                        [sealed.merkle_root, sealed.previous_hash, previous, sealed.pk]))
    updates.append((f"UPDATE {HEAD} SET last_hash = %s WHERE id = 1", [previous]))
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


def test_a_journal_rehashed_with_plain_sha256_fails(five):
    rehash(lambda content: hashlib.sha256(content).hexdigest())
    found = problems()
    assert found[0] == f"lot {batch().pk} : contenu du lot modifié (entrées {batch().first_id} à {five[4].pk})"
    assert found[1:] == [f"entrée {e.pk} : contenu modifié (empreinte recalculée sans la clé du journal)" for e in five]
    assert f"entrée {five[0].pk} : contenu modifié" in command_fails("--full")


def test_a_journal_rehashed_with_another_key_fails(five):
    rehash(lambda content: hmac.new(b"not-the-journal-key", content, hashlib.sha256).hexdigest())
    assert problems()[1:] == [f"entrée {e.pk} : contenu modifié" for e in five]


def test_the_key_comes_from_settings_and_another_key_rejects_the_chain(five, settings):
    assert problems() == []
    settings.JOURNAL_HMAC_KEY = "une-autre-cle-de-journal"
    assert len(problems()) == 6  # five entries and their batch


# ---------------------------------------------------------------- rows changed, removed, moved


def test_a_modified_row_is_named(five):
    raw((f"UPDATE {TABLE} SET ip_address = %s WHERE id = %s", ["192.0.2.66", five[2].pk]))
    assert problems() == [f"entrée {five[2].pk} : contenu modifié"]
    assert f"entrée {five[2].pk} : contenu modifié" in command_fails()


def test_a_deleted_middle_row_is_named(five):
    raw((f"DELETE FROM {TABLE} WHERE id = %s", [five[2].pk]))
    assert problems() == [f"entrée(s) {five[2].pk} : supprimée(s) (scellée(s) dans le lot {batch().pk})"]
    assert f"entrée(s) {five[2].pk} : supprimée(s)" in command_fails()


def test_a_deleted_last_row_is_named(five):
    raw((f"DELETE FROM {TABLE} WHERE id = %s", [five[4].pk]))
    assert problems()[0].startswith(f"entrée(s) {five[4].pk} : supprimée(s)")
    assert f"entrée(s) {five[4].pk} : supprimée(s)" in command_fails()


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
    assert first.details != second.details
    move = f"UPDATE {TABLE} SET details = %s, entry_hash = %s WHERE id = %s"
    raw(  # each row keeps a consistent (content, hash) pair, only their places change
        (move, [json.dumps(first.details), first.entry_hash, second.pk]),
        (move, [json.dumps(second.details), second.entry_hash, first.pk]),
    )
    assert problems() == [f"entrée {first.pk} : contenu modifié", f"entrée {second.pk} : contenu modifié"]


def test_an_entry_inserted_later_with_a_free_old_id_is_named(five, monkeypatch, settings):
    """An id drawn by a transaction that rolled back is recorded as a gap; filling it afterwards shows."""
    from portail.journal import services

    drawn = services._next_id

    def skipping_two(connection):  # as if two appends had rolled back just before
        if connection.vendor == "postgresql":
            drawn(connection), drawn(connection)
            return drawn(connection)
        return drawn(connection) + 2

    monkeypatch.setattr(services, "_next_id", skipping_two)
    late = events.login_failed(identifier="AAAA0009")
    monkeypatch.undo()
    journal_seal()
    sealed = batch()
    assert sealed.gaps == [[late.pk - 2, late.pk - 1]] and problems() == []
    forged = JournalEntry(id=late.pk - 1, created_at=late.created_at, action=late.action, details={})
    forged.entry_hash = forged.compute_hash()  # even with a valid HMAC
    raw((f"INSERT INTO {TABLE} (id, created_at, action, actor_identifier, dossier_number, details, previous_hash, "
         "entry_hash) VALUES (%s, %s, %s, '', '', '{}', '', %s)",
         [forged.pk, forged.created_at, forged.action, forged.entry_hash]),)
    assert problems() == [f"entrée(s) {forged.pk} : ajoutée(s) après le scellement du lot {sealed.pk} "
                          "(identifiant libre ou déjà scellé)"]


def test_a_removed_batch_is_named(five):
    first = batch()
    add(2)
    second = batch()
    raw((f"DELETE FROM {BATCHES} WHERE id = %s", [first.pk]))
    found = problems()
    assert f"lot {second.pk} : ne suit pas le début du journal (lot supprimé, inséré ou modifié)" in found
    assert f"lot {second.pk} : commence à l'entrée {second.first_id}, le lot précédent finit à l'entrée 0" in found


def test_a_missing_head_row_with_entries_is_caught(five):
    raw((f"DELETE FROM {HEAD}", []))
    assert problems() == ["tête du journal absente alors que 5 entrée(s) sont scellées"]


def test_an_emptied_journal_whose_head_was_reset_is_caught_by_the_anchor(five, anchor_file):
    command_ok()  # anchors 5 entries
    raw((f"DELETE FROM {TABLE}", []), (f"DELETE FROM {BATCHES}", []),
        (f"UPDATE {HEAD} SET last_hash = %s, last_id = NULL, entry_count = 0", [GENESIS]))
    message = command_fails()
    assert "lot " in message and ": absent, il ne correspond plus à l'ancre" in message
    assert "le journal compte 0 entrée(s), moins que les 5" in message


# ---------------------------------------------------------------- the anchor file outside the database


def test_each_verification_appends_the_head_to_the_anchor_file(five, anchor_file):
    out = command_ok()
    assert "Journal intègre : 5 entrée(s), 5 vérifiée(s)" in out and str(anchor_file) in out
    first = batch()
    add(2)
    out = command_ok()
    assert "7 entrée(s), 2 vérifiée(s) depuis l'ancre du" in out and "entrées/s" in out
    lines = [json.loads(line) for line in anchor_file.read_text().splitlines()]
    assert [(a["count"], a["last_id"], a["batch"]) for a in lines] == [(5, five[4].pk, first.pk),
                                                                       (7, five[4].pk + 2, batch().pk)]
    assert all(len(a["mac"]) == 64 for a in lines)


def test_a_database_rewritten_with_the_key_no_longer_matches_the_anchor(five, anchor_file, settings):
    """Even someone holding the HMAC key and the owner role: the anchored batch is gone."""
    command_ok()
    anchored = batch()
    raw((f"UPDATE {TABLE} SET ip_address = %s WHERE id = %s", ["192.0.2.66", five[1].pk]))
    rehash(lambda content: hmac.new(settings.JOURNAL_HMAC_KEY.encode(), content, hashlib.sha256).hexdigest())
    found = problems()
    assert len(found) == 1 and found[0].startswith(f"lot {anchored.pk} : réécrit, il ne correspond plus")
    message = command_fails()
    assert f"lot {anchored.pk} : réécrit, il ne correspond plus à l'ancre" in message


def test_the_last_anchored_entry_deleted_and_the_batches_rebuilt_is_caught(five, anchor_file):
    command_ok()
    raw((f"DELETE FROM {TABLE} WHERE id = %s", [five[4].pk]))
    message = command_fails()
    assert f"entrées jusqu'à la n° {five[4].pk} : 1 supprimée(s) depuis l'ancre" in message
    assert f"entrée(s) {five[4].pk} : supprimée(s)" in message


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
