"""Verification of the journal (R9): the keyed chain, the head row, and the anchor file.

By default the walk resumes after the last anchor, once the anchored entry itself and the number of
entries up to it are checked; `full=True` walks from the first entry. A successful verification
appends the head it saw to the anchor file; a failed one anchors nothing.
"""
import hashlib
from dataclasses import dataclass, field

from django.db import connection, transaction

from portail.core.clock import now

from .anchor import Anchor, AnchorError, anchor_write, last_anchor
from .models import GENESIS, JournalEntry, JournalHead, journal_key


@dataclass
class Verification:
    count: int = 0  # entries in the journal
    checked: int = 0  # entries whose hash was recomputed
    problems: list[str] = field(default_factory=list)
    resumed_from: Anchor | None = None  # the anchor the walk started after
    anchored: Anchor | None = None  # the anchor written by this verification

    @property
    def ok(self) -> bool:
        return not self.problems


def _entry_problems(entry: JournalEntry, previous_hash: str, previous_id: int | None, key: bytes) -> list[str]:
    problems = []
    if entry.previous_hash != previous_hash:
        after = f"l'entrée {previous_id}" if previous_id else "le début du journal"
        problems.append(f"entrée {entry.pk} : chaînage rompu (ne suit pas {after} : entrée supprimée ou modifiée)")
    if entry.compute_hash(key) != entry.entry_hash:
        unkeyed = hashlib.sha256(entry.hashed_content().encode()).hexdigest() == entry.entry_hash
        why = " (empreinte recalculée sans la clé du journal)" if unkeyed else ""
        problems.append(f"entrée {entry.pk} : contenu modifié{why}")
    return problems


def _start_after(anchor: Anchor, key: bytes, result: Verification) -> tuple[int, int, str] | None:
    """(entries up to the anchor, its id, its hash) when the anchored entry is intact, else None."""
    entry = JournalEntry.objects.filter(pk=anchor.last_id).first()
    if entry is None or entry.entry_hash != anchor.last_hash:
        state = "absente" if entry is None else "réécrite"
        result.problems.append(f"entrée {anchor.last_id} : {state}, elle ne correspond plus à l'{anchor.describe()}")
        return None
    if entry.compute_hash(key) != entry.entry_hash:
        result.problems.append(f"entrée {entry.pk} : contenu modifié depuis l'{anchor.describe()}")
        return None
    up_to = JournalEntry.objects.filter(pk__lte=anchor.last_id).count()
    if up_to < anchor.count:
        result.problems.append(
            f"{anchor.count - up_to} entrée(s) supprimée(s) avant l'entrée {anchor.last_id} ({anchor.describe()})")
        return None
    return up_to, entry.pk, entry.entry_hash


def _walk(result: Verification, anchor: Anchor | None, full: bool, key: bytes) -> tuple[int | None, str]:
    """Check the chain; returns the last entry's (id, hash)."""
    entries = JournalEntry.objects.order_by("id")
    last_id, last_hash = None, GENESIS
    start = _start_after(anchor, key, result) if anchor is not None and anchor.last_id is not None else None
    if start is not None and not full:
        result.count, last_id, last_hash = start
        result.resumed_from = anchor
        entries = entries.filter(pk__gt=last_id)
    for entry in entries.iterator(chunk_size=2000):
        result.count += 1
        result.checked += 1
        result.problems += _entry_problems(entry, last_hash, last_id, key)
        last_id, last_hash = entry.pk, entry.entry_hash
    return last_id, last_hash


def _check_head(result: Verification, last_id: int | None, last_hash: str) -> None:
    head = JournalHead.objects.filter(pk=1).first()
    if head is None:
        if result.count:
            result.problems.append(f"tête du journal absente alors que le journal compte {result.count} entrée(s)")
        return
    if result.count == 0 and head.last_hash != GENESIS:
        result.problems.append(
            f"journal vidé : la tête indique {head.entry_count} entrée(s), la dernière n° {head.last_id}, "
            "et la table est vide")
        return
    if head.last_hash != last_hash:
        if head.last_id is not None and head.last_id != last_id:
            result.problems.append(f"entrée {head.last_id} manquante : la tête du journal pointe sur elle, "
                                   f"la dernière entrée présente est la n° {last_id}")
        else:
            result.problems.append(f"entrée {last_id} : ne correspond pas à la tête du journal")
    if head.entry_count != result.count:
        result.problems.append(f"la tête du journal compte {head.entry_count} entrée(s), la table {result.count}")


def journal_verify(*, full: bool = False, anchor: bool = True) -> Verification:
    """Verify the journal; with `anchor`, append the head to the anchor file when all is well."""
    result = Verification()
    key = journal_key()
    try:
        previous = last_anchor()
    except AnchorError as error:
        result.problems.append(str(error))
        previous = None
    own_transaction = not connection.in_atomic_block
    with transaction.atomic():  # one snapshot: appends made meanwhile are neither half-seen nor blamed
        if own_transaction and connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        last_id, last_hash = _walk(result, previous, full, key)
        _check_head(result, last_id, last_hash)
    if previous is not None and result.count < previous.count:
        result.problems.append(
            f"le journal compte {result.count} entrée(s), moins que les {previous.count} de l'{previous.describe()}")
    if anchor and result.ok:
        result.anchored = Anchor(at=now().isoformat(), count=result.count, last_id=last_id, last_hash=last_hash)
        anchor_write(result.anchored)
    return result
