"""The tables of « Statistiques d'usage », read from the usage counters only (never the journal).

Each table is one grouped query over `UsageTotal`, the rows of its own dimension only (indexed by
convention, Caf or group, dimension, grain and period): whole months from the monthly rows, the edge days
from the daily ones, so a 12-month page reads about as many rows as a one-month page. Labels of the rows
shown are read in one query per table.
"""
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import Q, Sum

from portail.accounts.models import User
from portail.conventions.models import Convention, Tab
from portail.habilitations.models import Group

from ..models import UsageTotal
from ..models.usage import (CONVENTION, COUNT_FIELDS, DAILY, GROUP, GROUP_DIM, MONTHLY, PERIOD, PERSON, ROLE_DIM,
                            TAB, having)

COLUMNS = (
    ("consultations", "Consultations de dossier"),
    ("tabs", "Onglets consultés"),
    ("attestations", "Attestations"),
    ("refused", "Tentatives refusées"),
)
UNITS = {"jour": "Par jour", "semaine": "Par semaine", "mois": "Par mois"}
MONTHS = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
          "novembre", "décembre")


@dataclass
class Row:
    key: object
    label: str
    detail: str = ""
    values: dict = field(default_factory=lambda: {name: 0 for name, _ in COLUMNS})

    @property
    def cells(self) -> list[int]:
        return [self.values[name] for name, _ in COLUMNS]

    @property
    def total(self) -> int:
        return sum(self.values.values())


def _rows(rows, key) -> dict:
    """{key(row): Row} adding each grouped row's columns (several grouped rows may fall in one key)."""
    out: dict = {}
    for r in rows:
        k = key(r)
        row = out.setdefault(k, Row(key=k, label=str(k)))
        for name in COUNT_FIELDS:
            row.values[name] += r[name] or 0
    return out


def next_month(day: date) -> date:
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1)


def span(start: date, end: date, *, daily: bool = False) -> Q:
    """The counters of [start, end]: its whole months from the monthly rows, the other days from the daily rows."""
    first = start if start.day == 1 else next_month(start)
    months = []
    while next_month(first) - timedelta(days=1) <= end and not daily:
        months.append(first)
        first = next_month(first)
    if not months:
        return Q(grain=DAILY, period__gte=start, period__lte=end)
    q = Q(grain=MONTHLY, period__gte=months[0], period__lte=months[-1])
    if start < months[0]:
        q |= Q(grain=DAILY, period__gte=start, period__lt=months[0])
    after = next_month(months[-1])
    if after <= end:
        q |= Q(grain=DAILY, period__gte=after, period__lte=end)
    return q


def bucket_of(day: date, unit: str) -> date:
    if unit == "semaine":
        return day - timedelta(days=day.weekday())
    if unit == "mois":
        return day.replace(day=1)
    return day


def bucket_label(start: date, unit: str) -> str:
    if unit == "semaine":
        return f"Semaine du {start:%d/%m/%Y}"
    if unit == "mois":
        return f"{MONTHS[start.month - 1].capitalize()} {start.year}"
    return f"{start:%d/%m/%Y}"


def short_label(start: date, unit: str) -> str:
    """Under a chart's axis: « 30/10 », or « janv. 26 » by month."""
    return f"{MONTHS[start.month - 1][:4]}. {start:%y}" if unit == "mois" else f"{start:%d/%m}"


def buckets(start: date, end: date, unit: str) -> list[date]:
    out, day = [], bucket_of(start, unit)
    while day <= end:
        out.append(day)
        day = (day + timedelta(days=7)) if unit == "semaine" else (
            (day.replace(day=28) + timedelta(days=4)).replace(day=1) if unit == "mois" else day + timedelta(days=1))
    return out


class UsageTables:
    """Every table of the page for one scope and period; each property runs its query once."""

    def __init__(self, scope, start: date, end: date, unit: str):
        self.scope, self.start, self.end, self.unit = scope, start, end, unit

    def _grouped(self, dimension: str, field: str, flag: int | None = None, daily: bool = False):
        """Sums per `field` of the `dimension`'s counters standing for `flag` (default: whole entries)."""
        q = self.scope.counter_filter() & Q(dimension=dimension, flags__in=having(flag or self.scope.entry_flag))
        if self.scope.group_ids is None and dimension != GROUP_DIM:
            q &= Q(group_id=0)  # the whole convention's (or Caf's) rows, not a responsable's per-group ones
        return (UsageTotal.objects.filter(q & span(self.start, self.end, daily=daily)).values(field)
                .annotate(**{name: Sum(name) for name in COUNT_FIELDS}).order_by())

    # ---------------------------------------------------------------- per period, totals, active users

    def periods(self) -> list[Row]:
        by_day = _rows(self._grouped(PERIOD, "period", daily=self.unit != "mois"),
                       lambda r: bucket_of(r["period"], self.unit))
        rows = []
        for start in buckets(self.start, self.end, self.unit):
            row = by_day.get(start) or Row(key=start, label="")
            row.label = bucket_label(start, self.unit)
            rows.append(row)
        return rows

    @staticmethod
    def totals(periods: list[Row]) -> Row:
        total = Row(key="total", label="Total")
        for row in periods:
            for name, _ in COLUMNS:
                total.values[name] += row.values[name]
        return total

    # ---------------------------------------------------------------- per tab and per role

    def tabs(self) -> list[Row]:
        counts = {r["code"]: r["tabs"] for r in self._grouped(TAB, "code")}
        rows = []
        for tab in Tab:
            row = Row(key=tab.value, label=tab.label)
            row.values["tabs"] = counts.get(tab.value, 0)
            rows.append(row)
        return rows

    def roles(self) -> list[Row]:
        """A consultation two roles allowed counts for each of them (once per role)."""
        rows = _rows(self._grouped(ROLE_DIM, "code", flag=self.scope.role_flag), lambda r: r["code"] or "")
        named = [r for k, r in rows.items() if k]
        return sorted(named, key=lambda r: (-r.total, r.key))

    # ---------------------------------------------------------------- per group, user, convention

    def groups(self) -> list[Row]:
        """As for roles: once per group the consultation went through. Labels: `label_groups`, for a page."""
        rows = _rows(self._grouped(GROUP_DIM, "group_id", flag=GROUP), lambda r: r["group_id"])
        rows.pop(0, None)
        return sorted(rows.values(), key=lambda r: (-r.total, r.key))

    def users(self) -> list[Row]:
        rows = _rows(self._grouped(PERSON, "ref"), lambda r: r["ref"])
        rows.pop(0, None)
        return sorted(rows.values(), key=lambda r: (-r.total, r.key))

    def conventions(self) -> list[Row]:
        """The Caf page: each convention with the entries it granted (an entry once per convention)."""
        rows = _rows(self._grouped(PERIOD, "convention_id", flag=CONVENTION), lambda r: r["convention_id"])
        rows.pop(0, None)
        return sorted(rows.values(), key=lambda r: (-r.total, r.key))


def active_users(users: list[Row]) -> int:
    """People who consulted at least once (refused attempts alone do not make a user active)."""
    return sum(1 for r in users if r.total - r.values["refused"] > 0)


def label_groups(rows: list[Row]) -> list[Row]:
    groups = Group.objects.filter(pk__in=[r.key for r in rows]).select_related("convention")
    by_id = {g.pk: g for g in groups}
    for r in rows:
        g = by_id.get(r.key)
        r.label = f"{g.code} — {g.label}" if g else "Groupe supprimé"
        r.detail = g.convention.label if g else ""
    return rows


def label_users(rows: list[Row]) -> list[Row]:
    people = {u.pk: u for u in User.objects.filter(pk__in=[r.key for r in rows])}
    for r in rows:
        u = people.get(r.key)
        r.label = u.username if u else "Compte inconnu"
        r.detail = f"{u.first_name} {u.last_name}" if u else ""
    return rows


def label_conventions(rows: list[Row]) -> list[Row]:
    conventions = {c.pk: c for c in Convention.objects.filter(pk__in=[r.key for r in rows]).select_related("organisation")}
    for r in rows:
        c = conventions.get(r.key)
        r.label = c.label if c else "Convention inconnue"
        r.detail = c.organisation.name if c else ""
    return rows
