"""Usage counters filled from the journal, incrementally (« Statistiques d'usage »).

`usage_aggregate` reads the journal entries after the cursor (`UsageCursor.last_id`), in id order and in
batches, adds them to the daily counters and moves the cursor, all in one transaction per batch with
the cursor row locked: two runs never count an entry twice, and a rerun with nothing new changes
nothing. Run by `manage.py usage_aggregate` (periodically) and, one bounded batch, when a statistics
page is opened.

Why reading after the cursor is safe: the journal serialises its appends on `JournalHead`'s row lock
held until commit, so entries become visible in id order; every entry below the head read at the
start of a batch is already committed.
"""
from collections import Counter
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from portail.accounts.models import User
from portail.core.clock import now
from portail.journal.models import Action, JournalEntry, JournalHead

from .models import UsageCounter, UsageCursor
from .models.usage import ALL_FLAGS, CONVENTION, CONVENTION_ROLE, ENTRY, GROUP, ROLE

# The journal actions the statistics count.
USAGE_ACTIONS = (
    Action.DOSSIER_CONSULTED, Action.TAB_OPENED, Action.DOSSIER_REFUSED, Action.ATTESTATION_PRINTED,
    Action.ATTESTATION_POSTED, Action.DIALOGUE_SENT,
)
BATCH_SIZE = 5000
PAGE_BATCH_SIZE = 2000  # what opening a page may add, at most

KEY_FIELDS = ("day", "caf_id", "convention_id", "organisation_id", "group_id", "user_id", "role", "tab", "kind", "flags")


@dataclass
class AggregateResult:
    entries: int = 0  # journal entries counted
    last_id: int = 0
    caught_up: bool = True  # False: entries remain after the cursor
    skipped: bool = False  # another run held the cursor


def _text(value, length: int = 30) -> str:
    return str(value or "")[:length]


def entry_rows(entry: dict, organisation_id: int) -> list[tuple]:
    """The counter keys (with `KEY_FIELDS`' order) one journal entry adds 1 to."""
    day = timezone.localtime(entry["created_at"]).date()
    details = entry["details"] if isinstance(entry["details"], dict) else {}
    common = (day, entry["caf_id"] or 0)
    tail = (_text(details.get("tab")), entry["action"])
    user = entry["actor_id"] or 0
    grants = details.get("via") if isinstance(details.get("via"), list) else []
    rows, seen = [], set()
    for grant in grants:
        if not isinstance(grant, dict):
            continue
        convention = int(grant.get("convention") or 0)
        group = int(grant.get("group") or 0)
        role = _text(grant.get("role"))
        firsts = {ENTRY: "entry", CONVENTION: ("c", convention), GROUP: ("g", group),
                  CONVENTION_ROLE: ("cr", convention, role), ROLE: ("r", role)}
        flags = 0
        for flag, mark in firsts.items():
            if mark not in seen:
                seen.add(mark)
                flags |= flag
        rows.append((*common, convention, organisation_id, group, user, role, *tail, flags))
    if not rows:  # no grant (a refusal before any right was found): the entry alone, with no convention
        rows.append((*common, entry["convention_id"] or 0, organisation_id, entry["group_id"] or 0, user, "", *tail,
                     ALL_FLAGS))
    return rows


def _add(counts: Counter) -> None:
    """Add `counts` (key → n) to the counter rows: existing ones updated, new ones created."""
    if not counts:
        return
    keys = list(counts)
    existing = UsageCounter.objects.filter(
        day__in={k[0] for k in keys}, caf_id__in={k[1] for k in keys}, user_id__in={k[5] for k in keys},
        kind__in={k[8] for k in keys},
    )
    by_key = {tuple(getattr(row, f) for f in KEY_FIELDS): row for row in existing}
    updated, created = [], []
    for key, n in counts.items():
        row = by_key.get(key)
        if row is not None:
            row.count += n
            updated.append(row)
        else:
            created.append(UsageCounter(**dict(zip(KEY_FIELDS, key)), count=n))
    UsageCounter.objects.bulk_update(updated, ["count"], batch_size=500)
    UsageCounter.objects.bulk_create(created, batch_size=500)


def _one_batch(batch_size: int, skip_locked: bool) -> AggregateResult:
    with transaction.atomic():
        UsageCursor.objects.get_or_create(pk=1)
        cursor = UsageCursor.objects.select_for_update(skip_locked=skip_locked).filter(pk=1).first()
        if cursor is None:
            return AggregateResult(skipped=True)
        head_id = JournalHead.objects.filter(pk=1).values_list("last_id", flat=True).first() or 0
        entries = list(
            JournalEntry.objects.filter(id__gt=cursor.last_id, action__in=USAGE_ACTIONS)
            .order_by("id")
            .values("id", "created_at", "action", "actor_id", "caf_id", "convention_id", "group_id", "details")
            [:batch_size]
        )
        full = len(entries) == batch_size
        organisations = dict(
            User.objects.filter(pk__in={e["actor_id"] for e in entries if e["actor_id"]})
            .values_list("pk", "organisation_id")
        )
        counts = Counter()
        for entry in entries:
            counts.update(entry_rows(entry, organisations.get(entry["actor_id"]) or 0))
        _add(counts)
        last_id = entries[-1]["id"] if entries else cursor.last_id
        if not full:  # nothing counted between here and the head: skip the other actions' entries
            last_id = max(last_id, head_id)
        UsageCursor.objects.filter(pk=1).update(last_id=last_id, updated_at=now())
        return AggregateResult(entries=len(entries), last_id=last_id, caught_up=not full)


def usage_aggregate(*, batch_size: int = BATCH_SIZE, max_batches: int | None = None,
                    skip_locked: bool = False) -> AggregateResult:
    """Count every journal entry after the cursor (or `max_batches` batches of them)."""
    total = AggregateResult()
    done = 0
    while max_batches is None or done < max_batches:
        result = _one_batch(batch_size, skip_locked)
        done += 1
        total.entries += result.entries
        total.last_id = result.last_id or total.last_id
        total.caught_up, total.skipped = result.caught_up, result.skipped
        if result.skipped or result.caught_up:
            break
    return total


def usage_catch_up() -> AggregateResult:
    """When a statistics page opens: one bounded batch, skipped if a run is already counting."""
    return usage_aggregate(batch_size=PAGE_BATCH_SIZE, max_batches=1, skip_locked=True)
