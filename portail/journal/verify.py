"""Verification of the journal (R9): the entries' HMACs, the sealed batches, the head and the anchor file.

First the final entries are sealed (`seal.journal_seal`), then, in one snapshot:
- the batches are walked in order: each one chains to the previous batch's HMAC and its own HMAC
  recomputes; their id ranges follow each other;
- the entries are read in id order (one streaming query, tuples, no model instances) and each one's
  HMAC, which covers its id, is recomputed: an altered or moved entry is named;
- each batch gets back its entries: an id it sealed and that is gone is named (removed), an id it
  recorded as never committed and that is now present is named (inserted afterwards), and its
  Merkle root is recomputed;
- the head (last batch, last sealed id, sealed entries) agrees with the batches.

By default the walk resumes after the last anchor (the last batch verified, signed in the anchor
file): the anchored batch must be unchanged and the entries up to it as many as then; `full=True`
walks everything. A successful verification anchors the last batch; a failed one anchors nothing.
"""
import hashlib
import hmac
import json
import time
from dataclasses import dataclass, field
from datetime import datetime

from django.db import connection, transaction

from portail.core.clock import now

from .anchor import Anchor, AnchorError, anchor_write, last_anchor
from .models import GENESIS, JournalBatch, JournalEntry, JournalHead, entry_content, journal_key
from .seal import journal_seal, leaf, merkle_root

ENTRY_FIELDS = ("id", "created_at", "action", "actor_id", "actor_identifier", "ip_address", "caf_id",
                "convention_id", "group_id", "role_id", "target_user_id", "dossier_number", "details",
                "previous_hash", "entry_hash")
BATCH_FIELDS = ("id", "kind", "first_id", "last_id", "entry_count", "gaps", "merkle_root", "previous_hash",
                "batch_hash", "sealed_at")
CHUNK = 5000
LISTED = 20  # ids named one by one per batch, at most
ALTERED_LISTED = 1000  # altered entries named one by one, at most (then counted)


@dataclass
class Verification:
    count: int = 0  # entries in the journal
    checked: int = 0  # entries whose hash was recomputed
    sealed: int = 0  # entries sealed in batches
    unsealed: int = 0  # entries after the last batch (their hash checked, their presence not yet guaranteed)
    batches: int = 0  # batches checked
    seconds: float = 0.0  # time of the walk
    problems: list[str] = field(default_factory=list)
    resumed_from: Anchor | None = None  # the anchor the walk started after
    anchored: Anchor | None = None  # the anchor written by this verification

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def rate(self) -> float:
        """Entries verified per second."""
        return self.checked / self.seconds if self.seconds > 0 else 0.0


@dataclass
class _Batch:
    id: int
    kind: str
    first_id: int
    last_id: int
    entry_count: int
    gaps: list
    merkle_root: str
    previous_hash: str
    batch_hash: str
    sealed_at: object

    def recomputed(self, key: bytes) -> str:
        return JournalBatch(**{f: getattr(self, f) for f in BATCH_FIELDS if f != "batch_hash"}).compute_hash(key)

    def gap_ids(self) -> set[int]:
        return {i for first, last in self.gaps for i in range(first, last + 1)}

    def gap_size(self) -> int:
        return sum(last - first + 1 for first, last in self.gaps)


def _ids(ids: list[int]) -> str:
    shown = ", ".join(str(i) for i in ids[:LISTED])
    return shown + (f" et {len(ids) - LISTED} autre(s)" if len(ids) > LISTED else "")


class _Walk:
    """The entries after `start_id` against the batches after the start batch."""

    def __init__(self, result: Verification, key: bytes, batches: list[_Batch], previous_hash: str,
                 previous_id: int | None, previous_last: int):
        self.result, self.key, self.batches = result, key, batches
        self.previous_hash, self.previous_id, self.previous_last = previous_hash, previous_id, previous_last
        self.altered = 0

    # ---------------------------------------------------------------- batches

    def _check_batch(self, batch: _Batch) -> None:
        problems = self.result.problems
        if batch.previous_hash != self.previous_hash:
            after = f"le lot {self.previous_id}" if self.previous_id else "le début du journal"
            problems.append(f"lot {batch.id} : ne suit pas {after} (lot supprimé, inséré ou modifié)")
        if not hmac.compare_digest(batch.recomputed(self.key), batch.batch_hash):
            problems.append(f"lot {batch.id} : contenu du lot modifié (entrées {batch.first_id} à {batch.last_id})")
        if batch.first_id != self.previous_last + 1:
            problems.append(f"lot {batch.id} : commence à l'entrée {batch.first_id}, "
                            f"le lot précédent finit à l'entrée {self.previous_last}")
        self.previous_hash, self.previous_id, self.previous_last = batch.batch_hash, batch.id, batch.last_id
        self.opened_at = len(problems)  # problems found from here on concern this batch
        self.result.batches += 1
        self.result.sealed += batch.entry_count

    def _close_merkle(self, batch: _Batch, ids: list[int], leaves: list[bytes]) -> None:
        problems, before = self.result.problems, self.opened_at
        gaps = batch.gap_ids() if batch.gaps else set()
        added = [i for i in ids if i in gaps or i < batch.first_id]
        if added:
            problems.append(f"entrée(s) {_ids(added)} : ajoutée(s) après le scellement du lot {batch.id} "
                            "(identifiant libre ou déjà scellé)")
        expected = batch.last_id - batch.first_id + 1 - batch.gap_size()
        if len(ids) - len(added) != expected:
            seen = set(ids)
            missing = [i for i in range(batch.first_id, batch.last_id + 1) if i not in seen and i not in gaps]
            problems.append(f"entrée(s) {_ids(missing)} : supprimée(s) (scellée(s) dans le lot {batch.id})")
        if len(problems) == before and len(ids) != batch.entry_count:
            problems.append(f"lot {batch.id} : {len(ids)} entrée(s) présente(s), le lot en scelle {batch.entry_count}")
        if len(problems) == before and merkle_root(leaves) != batch.merkle_root:
            problems.append(f"lot {batch.id} : racine de Merkle différente : une entrée de {batch.first_id} à "
                            f"{batch.last_id} a été réécrite avec la clé du journal")

    def _close_chain(self, batch: _Batch, count: int, last_hash: str, last_id: int | None) -> None:
        problems = self.result.problems
        if last_hash != batch.merkle_root:
            problems.append(f"entrée {batch.last_id} : fin de la chaîne historique absente ou réécrite "
                            f"(la dernière présente est la n° {last_id}, lot {batch.id})")
        if count != batch.entry_count:
            problems.append(f"chaîne historique (lot {batch.id}) : {batch.entry_count} entrée(s) scellée(s), "
                            f"{count} présente(s)")

    # ---------------------------------------------------------------- entries

    def run(self, rows) -> None:
        result, key, problems = self.result, self.key, self.result.problems
        digest, encode = hmac.digest, entry_content
        batches = iter(self.batches)
        batch = next(batches, None)
        if batch is not None:
            self._check_batch(batch)
        ids, leaves = [], []
        chain_hash, chain_id, chain_count = GENESIS, None, 0
        checked = 0
        for row in rows:
            entry_id = row[0]
            while batch is not None and entry_id > batch.last_id:
                self._close(batch, ids, leaves, chain_count, chain_hash, chain_id)
                ids, leaves = [], []
                batch = next(batches, None)
                if batch is not None:
                    self._check_batch(batch)
            checked += 1
            stored = row[14]
            if batch is not None and batch.kind == JournalBatch.CHAIN:
                chain_count += 1
                chain_hash, chain_id = self._chained(row, chain_hash, chain_id), entry_id
                continue
            if digest(key, encode(*row[:13]).encode(), "sha256").hex() != stored:
                self.altered += 1
                if self.altered <= ALTERED_LISTED:
                    problems.append(self._altered(row))
            if batch is None:
                result.unsealed += 1
            else:
                ids.append(entry_id)
                leaves.append(leaf(stored))
        while batch is not None:
            self._close(batch, ids, leaves, chain_count, chain_hash, chain_id)
            ids, leaves = [], []
            batch = next(batches, None)
            if batch is not None:
                self._check_batch(batch)
        result.checked += checked
        result.count += checked
        if self.altered > ALTERED_LISTED:
            problems.append(f"… et {self.altered - ALTERED_LISTED} autre(s) entrée(s) au contenu modifié")

    def _close(self, batch, ids, leaves, chain_count, chain_hash, chain_id) -> None:
        if batch.kind == JournalBatch.CHAIN:
            self._close_chain(batch, chain_count, chain_hash, chain_id)
        else:
            self._close_merkle(batch, ids, leaves)

    def _altered(self, row) -> str:
        unkeyed = hashlib.sha256(entry_content(*row[:13]).encode()).hexdigest() == row[14]
        why = " (empreinte recalculée sans la clé du journal)" if unkeyed else ""
        return f"entrée {row[0]} : contenu modifié{why}"

    def _chained(self, row, previous_hash: str, previous_id: int | None) -> str:
        """One entry of the historical chain: its HMAC covers the previous entry's hash."""
        entry = JournalEntry(**dict(zip(ENTRY_FIELDS, row)))
        if isinstance(entry.created_at, str):
            entry.created_at = datetime.fromisoformat(entry.created_at)
        if entry.previous_hash != previous_hash:
            after = f"l'entrée {previous_id}" if previous_id else "le début du journal"
            self.result.problems.append(
                f"entrée {entry.pk} : chaînage rompu (ne suit pas {after} : entrée supprimée ou modifiée)")
        if entry.compute_hash(self.key) != entry.entry_hash:
            self.result.problems.append(self._altered_chained(entry))
        return entry.entry_hash

    def _altered_chained(self, entry: JournalEntry) -> str:
        unkeyed = hashlib.sha256(entry.chained_content().encode()).hexdigest() == entry.entry_hash
        why = " (empreinte recalculée sans la clé du journal)" if unkeyed else ""
        return f"entrée {entry.pk} : contenu modifié{why}"


def _rows(after_id: int):
    """The entries after `after_id` in id order, as tuples (ENTRY_FIELDS' order). On PostgreSQL a
    server-side cursor read straight from the driver (no model, no field converters: the connection
    already hands timestamps in UTC, addresses as text, JSON as text); elsewhere `values_list`."""
    if connection.vendor != "postgresql":
        return (JournalEntry.objects.filter(id__gt=after_id).order_by("id").values_list(*ENTRY_FIELDS)
                .iterator(chunk_size=CHUNK))
    return _pg_rows(after_id)


# created_at as text, as Python's isoformat() writes an aware UTC datetime (the writer hashes that): the
# driver then parses no timestamp, the walk's costliest column.
CREATED_AT_TEXT = """to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US')"""


def _pg_rows(after_id: int):
    loads = json.loads
    columns = ", ".join(CREATED_AT_TEXT if f == "created_at" else f for f in ENTRY_FIELDS)
    connection.ensure_connection()
    with connection.connection.cursor(name="journal_verify") as cursor:
        cursor.itersize = CHUNK
        cursor.execute(f"SELECT {columns} FROM {JournalEntry._meta.db_table} WHERE id > %s ORDER BY id", [after_id])
        for row in cursor:
            created, details = row[1], row[12]
            created = created[:19] + "+00:00" if created.endswith(".000000") else created + "+00:00"
            yield (row[0], created, *row[2:12], loads(details) if isinstance(details, str) else details,
                   row[13], row[14])


def _batches(**filters) -> list[_Batch]:
    return [_Batch(*row) for row in JournalBatch.objects.filter(**filters).order_by("id").values_list(*BATCH_FIELDS)]


def _resume(anchor: Anchor, key: bytes, result: Verification) -> _Batch | None:
    """The anchored batch when it and the entries up to it are as anchored, else None (problems noted)."""
    if anchor.batch is None:  # an anchor from before batches: the anchored entry must still be there
        if anchor.last_id is not None:
            entry = JournalEntry.objects.filter(pk=anchor.last_id).first()
            if entry is None or entry.entry_hash != anchor.last_hash:
                state = "absente" if entry is None else "réécrite"
                result.problems.append(
                    f"entrée {anchor.last_id} : {state}, elle ne correspond plus à l'{anchor.describe()}")
        return None
    found = _batches(pk=anchor.batch)
    if not found or found[0].batch_hash != anchor.last_hash:
        state = "absent" if not found else "réécrit"
        result.problems.append(f"lot {anchor.batch} : {state}, il ne correspond plus à l'{anchor.describe()}")
        return None
    batch = found[0]
    if not hmac.compare_digest(batch.recomputed(key), batch.batch_hash):
        result.problems.append(f"lot {batch.id} : contenu du lot modifié depuis l'{anchor.describe()}")
        return None
    up_to = JournalEntry.objects.filter(pk__lte=anchor.last_id).count()
    if up_to != anchor.count:
        how = f"{anchor.count - up_to} supprimée(s)" if up_to < anchor.count else f"{up_to - anchor.count} ajoutée(s)"
        result.problems.append(f"entrées jusqu'à la n° {anchor.last_id} : {how} depuis l'{anchor.describe()}")
        return None
    return batch


def _check_head(result: Verification, last: _Batch | None, sealed_total: int) -> None:
    head = JournalHead.objects.filter(pk=1).first()
    last_hash, last_id = (last.batch_hash, last.last_id) if last else (GENESIS, None)
    if head is None:
        if last is not None:
            result.problems.append(f"tête du journal absente alors que {sealed_total} entrée(s) sont scellées")
        return
    if head.last_hash != last_hash or head.last_id != last_id:
        result.problems.append(f"la tête du journal ne pointe pas sur le dernier lot "
                               f"(elle indique l'entrée n° {head.last_id}, le dernier lot finit à la n° {last_id})")
    if head.entry_count != sealed_total:
        result.problems.append(f"la tête du journal compte {head.entry_count} entrée(s) scellée(s), "
                               f"les lots {sealed_total}")


def _verify(result: Verification, previous: Anchor | None, full: bool, key: bytes) -> _Batch | None:
    """The walk; returns the last batch."""
    start = _resume(previous, key, result) if previous is not None else None
    after_id = 0
    if start is not None and not full:
        result.resumed_from = previous
        result.count = result.sealed = previous.count
        batches = _batches(id__gt=start.id)
        after_id = start.last_id
        walk = _Walk(result, key, batches, start.batch_hash, start.id, start.last_id)
        last = batches[-1] if batches else start
    else:
        batches = _batches()
        walk = _Walk(result, key, batches, GENESIS, None, 0)
        last = batches[-1] if batches else None
    walk.run(_rows(after_id))
    if result.resumed_from is None and result.count == 0 and result.sealed:
        head = JournalHead.objects.filter(pk=1).first()
        result.problems[:] = [f"journal vidé : la tête indique {head.entry_count if head else result.sealed} "
                              f"entrée(s), la dernière n° {last.last_id}, et la table est vide"]
        return last
    _check_head(result, last, result.sealed)
    return last


def journal_verify(*, full: bool = False, anchor: bool = True, seal: bool = True) -> Verification:
    """Seal what is final, verify the journal; with `anchor`, anchor the last batch when all is well."""
    if seal:
        journal_seal()
    result = Verification()
    key = journal_key()
    try:
        previous = last_anchor()
    except AnchorError as error:
        result.problems.append(str(error))
        previous = None
    own_transaction = not connection.in_atomic_block
    started = time.monotonic()
    with transaction.atomic():  # one snapshot: appends made meanwhile are neither half-seen nor blamed
        if own_transaction and connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        last = _verify(result, previous, full, key)
    result.seconds = time.monotonic() - started
    if previous is not None and result.count < previous.count:
        result.problems.append(
            f"le journal compte {result.count} entrée(s), moins que les {previous.count} de l'{previous.describe()}")
    if anchor and result.ok:
        result.anchored = Anchor(at=now().isoformat(), count=result.sealed, last_id=last.last_id if last else None,
                                 last_hash=last.batch_hash if last else GENESIS, batch=last.id if last else None)
        anchor_write(result.anchored)
    return result
