"""Unusual use of the portal, for the Caf, one day at a time.

Read from the journal, not from the daily usage counters: the counters carry no hour (night use needs
it) and are filled by a periodic command, while the Caf wants today's alerts. Every query is bounded to
one day (index (action, created_at), or (caf_id, created_at)), except the history of the few people
already above the threshold that day, read through (actor, created_at) over 30 days.

- Night or non-working day: consultations between 20 h and 7 h (local time), or on a Saturday, a Sunday
  or a French public holiday (computed below, Easter included: no dependency).
- Volume: more than 20 consultations in the day and more than 3 times the person's daily median over the
  previous 30 days (days on which he consulted; none: a median of 0), or more than 3 times the median of
  the other members of his groups who consulted that day.
- Refusals: 5 refused consultations or more in the day.
"""
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from statistics import median

from django.db.models import Count
from django.db.models.functions import TruncDate
from django.utils import timezone

from portail.access.measures import journal_entries_visible_to
from portail.habilitations.models import Membership
from portail.journal.models import Action

NIGHT_START, NIGHT_END = 20, 7  # hours, local time
VOLUME_MIN, VOLUME_FACTOR, HISTORY_DAYS = 20, 3, 30
REFUSALS_MIN = 5


def easter(year: int) -> date:
    """Gregorian Easter Sunday (anonymous algorithm, Meeus/Jones/Butcher)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = b // 4, b % 4
    g = (8 * b + 13) // 25
    h = (19 * a + b - d - g + 15) % 30
    i, k = c // 4, c % 4
    lt = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 19 * lt) // 433
    month = (h + lt - 7 * m + 90) // 25
    return date(year, month, (h + lt - 7 * m + 33 * month + 19) % 32)


def public_holidays(year: int) -> dict[date, str]:
    """France's public holidays (metropolitan list)."""
    sunday = easter(year)
    return {
        date(year, 1, 1): "jour de l'an", sunday + timedelta(days=1): "lundi de Pâques",
        date(year, 5, 1): "fête du Travail", date(year, 5, 8): "victoire 1945",
        sunday + timedelta(days=39): "Ascension", sunday + timedelta(days=50): "lundi de Pentecôte",
        date(year, 7, 14): "fête nationale", date(year, 8, 15): "Assomption", date(year, 11, 1): "Toussaint",
        date(year, 11, 11): "armistice 1918", date(year, 12, 25): "Noël",
    }


def non_working_reason(day: date) -> str:
    """Why `day` is not worked (« samedi », « Noël »…), or "" for a working day."""
    holiday = public_holidays(day.year).get(day)
    if holiday:
        return f"jour férié ({holiday})"
    return {5: "samedi", 6: "dimanche"}.get(day.weekday(), "")


def _at(day: date, hour: int = 0) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour)))


@dataclass(frozen=True)
class Alert:
    actor_id: int | None
    identifier: str
    count: int
    why: str


@dataclass
class UnusualUse:
    day: date
    non_working: str
    off_hours: list[Alert]
    volume: list[Alert]
    refusals: list[Alert]

    @property
    def empty(self) -> bool:
        return not (self.off_hours or self.volume or self.refusals)


def _per_actor(entries) -> dict[tuple, int]:
    rows = entries.values("actor_id", "actor_identifier").annotate(n=Count("id")).order_by()
    return {(r["actor_id"], r["actor_identifier"]): r["n"] for r in rows}


def _group_medians(counts: dict[int, int], candidates: list[int]) -> dict[int, float]:
    """For each candidate: the median of that day's volume of the other members of his groups who consulted."""
    memberships = Membership.objects.filter(user_id__in=counts).values_list("user_id", "group_id")
    groups_of, members_of = defaultdict(set), defaultdict(set)
    for user_id, group_id in memberships:
        groups_of[user_id].add(group_id)
        members_of[group_id].add(user_id)
    medians = {}
    for user_id in candidates:
        peers = {p for g in groups_of[user_id] for p in members_of[g]} - {user_id}
        if peers:
            medians[user_id] = median(counts[p] for p in peers)
    return medians


def unusual_use(user, day: date) -> UnusualUse:
    entries = journal_entries_visible_to(user)
    in_day = entries.filter(created_at__gte=_at(day), created_at__lt=_at(day + timedelta(days=1)))
    consulted = in_day.filter(action=Action.DOSSIER_CONSULTED)

    non_working = non_working_reason(day)
    if non_working:
        off = _per_actor(consulted)
        why = f"consultations un {non_working}"
    else:
        off = _per_actor(consulted.filter(created_at__lt=_at(day, NIGHT_END)))
        for key, n in _per_actor(consulted.filter(created_at__gte=_at(day, NIGHT_START))).items():
            off[key] = off.get(key, 0) + n
        why = f"consultations entre {NIGHT_START} h et {NIGHT_END} h"
    off_hours = [Alert(a, ident, n, why) for (a, ident), n in off.items()]

    volumes = _per_actor(consulted)
    counts = {a: n for (a, _), n in volumes.items() if a is not None}
    candidates = [a for a, n in counts.items() if n > VOLUME_MIN]
    history = defaultdict(list)
    if candidates:
        rows = (entries.filter(actor_id__in=candidates, action=Action.DOSSIER_CONSULTED,
                               created_at__gte=_at(day - timedelta(days=HISTORY_DAYS)), created_at__lt=_at(day))
                .annotate(d=TruncDate("created_at")).values("actor_id", "d").annotate(n=Count("id")).order_by())
        for row in rows:
            history[row["actor_id"]].append(row["n"])
    group_medians = _group_medians(counts, candidates) if candidates else {}
    volume = []
    for (actor_id, ident), n in volumes.items():
        if actor_id not in candidates:
            continue
        own = median(history[actor_id]) if history[actor_id] else 0
        reasons = []
        if n > VOLUME_FACTOR * own:
            reasons.append(f"plus de {VOLUME_FACTOR} fois sa médiane quotidienne sur {HISTORY_DAYS} jours ({own:g})")
        peer = group_medians.get(actor_id)
        if peer is not None and n > VOLUME_FACTOR * peer:
            reasons.append(f"plus de {VOLUME_FACTOR} fois la médiane de son groupe ce jour ({peer:g})")
        if reasons:
            volume.append(Alert(actor_id, ident, n, " ; ".join(reasons)))

    refused = _per_actor(in_day.filter(action=Action.DOSSIER_REFUSED))
    refusals = [Alert(a, ident, n, f"{n} consultations refusées dans la journée")
                for (a, ident), n in refused.items() if n >= REFUSALS_MIN]

    def ordered(alerts):
        return sorted(alerts, key=lambda alert: (-alert.count, alert.identifier))

    return UnusualUse(day=day, non_working=non_working, off_hours=ordered(off_hours), volume=ordered(volume),
                      refusals=ordered(refusals))
