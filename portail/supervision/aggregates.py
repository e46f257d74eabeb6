"""Usage counters filled from the journal, incrementally (« Statistiques d'usage »).

`usage_aggregate` reads the journal entries after the cursor (`UsageCursor.last_id`), in id order and in
batches, adds them to the counters (`UsageTotal`, daily and monthly) and moves the cursor, all in one transaction per batch with
the cursor row locked: two runs never count an entry twice, and a rerun with nothing new changes
nothing. Run by `manage.py usage_aggregate` (periodically) and, one bounded batch, when a statistics
page is opened.

Why reading after the cursor is safe: entries are appended without a shared lock, so they may become
visible out of id order; but every id up to the journal's head (`JournalHead.last_id`, the last id
sealed, see portail/journal/seal.py) is final. A run seals first, then reads only up to the head.
"""
from collections import defaultdict
from dataclasses import dataclass

from django.db import connection, transaction
from django.utils import timezone

from portail.accounts.models import User
from portail.core.clock import now
from portail.journal.models import Action, JournalEntry, JournalHead
from portail.journal.seal import journal_seal

from .models import UsageCursor, UsageTotal
from .models.usage import (ALL_FLAGS, CONVENTION, CONVENTION_ROLE, COUNT_FIELDS, DAILY, ENTRY, GROUP, GROUP_DIM,
                           MONTHLY, PERIOD, PERSON, ROLE, ROLE_DIM, TAB)

# The journal actions the statistics count.
USAGE_ACTIONS = (
    Action.DOSSIER_CONSULTED, Action.TAB_OPENED, Action.DOSSIER_REFUSED, Action.ATTESTATION_PRINTED,
    Action.ATTESTATION_POSTED, Action.DIALOGUE_SENT,
)
BATCH_SIZE = 5000
PAGE_BATCH_SIZE = 2000  # what opening a page may add, at most

# The column of the pages each counted action adds to (the others, e.g. Dialogue, only move the cursor).
KIND_COLUMN = {
    Action.DOSSIER_CONSULTED: "consultations",
    Action.TAB_OPENED: "tabs",
    Action.ATTESTATION_PRINTED: "attestations",
    Action.ATTESTATION_POSTED: "attestations",
    Action.DOSSIER_REFUSED: "refused",
}
KEY_FIELDS = ("grain", "period", "dimension", "caf_id", "convention_id", "organisation_id", "group_id", "ref", "code",
              "flags")


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


def total_keys(row: tuple) -> list[tuple]:
    """The daily `UsageTotal` keys (`KEY_FIELDS`' order) one grant row of `entry_rows` adds 1 to (`_add` adds
    the same counts to the monthly rows)."""
    day, caf, convention, organisation, group, user, role, tab, kind, flags = row
    base = (caf, convention, organisation)
    keys = []
    whole = flags & (ENTRY | CONVENTION)
    if whole:  # the convention's and the Caf's rows
        keys += [(PERIOD, *base, 0, 0, "", whole), (PERSON, *base, 0, user, "", whole)]
        if kind == Action.TAB_OPENED:
            keys.append((TAB, *base, 0, 0, tab, whole))
    if flags & CONVENTION and group:  # a responsable's rows: the group of the convention's first grant
        keys += [(PERIOD, *base, group, 0, "", CONVENTION), (PERSON, *base, group, user, "", CONVENTION)]
        if kind == Action.TAB_OPENED:
            keys.append((TAB, *base, group, 0, tab, CONVENTION))
    roles = flags & (ROLE | CONVENTION_ROLE)
    if roles and role:
        keys.append((ROLE_DIM, *base, 0, 0, role, roles))
        if flags & CONVENTION_ROLE and group:
            keys.append((ROLE_DIM, *base, group, 0, role, CONVENTION_ROLE))
    if flags & GROUP and group:
        keys.append((GROUP_DIM, *base, group, 0, "", GROUP))
    return [(DAILY, day, *k) for k in keys]


def _upsert(source: str) -> str:
    """INSERT … SELECT … ON CONFLICT adding the counts to the rows already there (PostgreSQL and SQLite)."""
    table = connection.ops.quote_name(UsageTotal._meta.db_table)
    updates = ", ".join(f"{c} = {table}.{c} + excluded.{c}" for c in COUNT_FIELDS)
    return (f"INSERT INTO {table} ({', '.join(KEY_FIELDS + COUNT_FIELDS)}) {source} "
            f"ON CONFLICT ({', '.join(KEY_FIELDS)}) DO UPDATE SET {updates}")


STAGE = "usage_total_stage"
STAGE_COLUMNS = ("grain text, period date, dimension text, caf_id bigint, convention_id bigint, "
                 "organisation_id bigint, group_id bigint, ref bigint, code text, flags smallint, "
                 "consultations integer, tabs integer, attestations integer, refused integer")


def _add(counts: dict) -> None:
    """Add `counts` (daily key → {column: n}) to the daily totals and to their months' totals."""
    if not counts:
        return
    if connection.vendor == "postgresql":
        _add_by_copy(counts)
    else:
        _add_by_values(counts)


def _add_by_copy(counts: dict) -> None:
    """PostgreSQL: the batch's daily counts COPied into a temporary table, then two INSERT … SELECT: the days as
    they are, the months summed by the database (no parameter list of hundreds of thousands of values)."""
    keys, sums = ", ".join(KEY_FIELDS[2:]), ", ".join(f"sum({c})" for c in COUNT_FIELDS)
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TEMPORARY TABLE IF NOT EXISTS {STAGE} ({STAGE_COLUMNS}) ON COMMIT DROP")
        cursor.execute(f"TRUNCATE {STAGE}")
        with cursor.copy(f"COPY {STAGE} ({', '.join(KEY_FIELDS + COUNT_FIELDS)}) FROM STDIN") as copy:
            for key, n in counts.items():
                copy.write_row((*key, *(n.get(c, 0) for c in COUNT_FIELDS)))
        cursor.execute(_upsert(f"SELECT {', '.join(KEY_FIELDS + COUNT_FIELDS)} FROM {STAGE}"))
        month = "period - (extract(day from period)::integer - 1)"  # the month's first day, a date
        cursor.execute(_upsert(f"SELECT '{MONTHLY}', {month}, {keys}, {sums} FROM {STAGE} GROUP BY {month}, {keys}"))


def _add_by_values(counts: dict) -> None:
    """Elsewhere (SQLite): the months summed here, then INSERT … VALUES in slices of rows."""
    months = defaultdict(lambda: defaultdict(int))
    for (_, day, *rest), n in counts.items():
        month = months[(MONTHLY, day.replace(day=1), *rest)]
        for column, value in n.items():
            month[column] += value
    items = list(counts.items()) + list(months.items())
    per_row = len(KEY_FIELDS) + len(COUNT_FIELDS)
    limit = getattr(connection.features, "max_query_params", None) or 65535
    batch = max(1, min(1000, limit // per_row))
    with connection.cursor() as cursor:
        for start in range(0, len(items), batch):
            chunk = items[start:start + batch]
            values = ", ".join(["(" + ", ".join(["%s"] * per_row) + ")"] * len(chunk))
            params = []
            for key, n in chunk:
                params += [*key, *(n.get(c, 0) for c in COUNT_FIELDS)]
            cursor.execute(_upsert(f"VALUES {values}"), params)


def _one_batch(batch_size: int, skip_locked: bool) -> AggregateResult:
    with transaction.atomic():
        UsageCursor.objects.get_or_create(pk=1)
        cursor = UsageCursor.objects.select_for_update(skip_locked=skip_locked).filter(pk=1).first()
        if cursor is None:
            return AggregateResult(skipped=True)
        head_id = JournalHead.objects.filter(pk=1).values_list("last_id", flat=True).first() or 0
        entries = list(
            JournalEntry.objects.filter(id__gt=cursor.last_id, id__lte=head_id, action__in=USAGE_ACTIONS)
            .order_by("id")
            .values("id", "created_at", "action", "actor_id", "caf_id", "convention_id", "group_id", "details")
            [:batch_size]
        )
        full = len(entries) == batch_size
        organisations = dict(
            User.objects.filter(pk__in={e["actor_id"] for e in entries if e["actor_id"]})
            .values_list("pk", "organisation_id")
        )
        counts = defaultdict(lambda: defaultdict(int))
        for entry in entries:
            column = KIND_COLUMN.get(entry["action"])
            if column is None:
                continue
            for row in entry_rows(entry, organisations.get(entry["actor_id"]) or 0):
                for key in total_keys(row):
                    counts[key][column] += 1
        _add(counts)
        last_id = entries[-1]["id"] if entries else cursor.last_id
        if not full:  # nothing counted between here and the head: skip the other actions' entries
            last_id = max(last_id, head_id)
        UsageCursor.objects.filter(pk=1).update(last_id=last_id, updated_at=now())
        return AggregateResult(entries=len(entries), last_id=last_id, caught_up=not full)


def usage_aggregate(*, batch_size: int = BATCH_SIZE, max_batches: int | None = None,
                    skip_locked: bool = False, seal: bool = True) -> AggregateResult:
    """Count every journal entry after the cursor (or `max_batches` batches of them)."""
    if seal:
        journal_seal(skip_locked=True, wait=0.5)  # up to the head, every entry is final
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
    """When a statistics page opens: one bounded batch, skipped if a run is already counting. On PostgreSQL it
    counts up to the head already sealed and does not seal (the periodic seal task and `usage_aggregate` do): a
    seal may wait for the appends in flight, and a page must not. The embedded SQLite default seals first (its
    writers go one at a time: nothing to wait for)."""
    return usage_aggregate(batch_size=PAGE_BATCH_SIZE, max_batches=1, skip_locked=True,
                           seal=connection.vendor != "postgresql")
