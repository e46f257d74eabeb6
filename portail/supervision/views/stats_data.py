"""The tables of « Statistiques d'usage », read from the daily counters only (never the journal).

Each table is one grouped query over `UsageCounter` (indexed by convention or Caf, and day) whose rows
are pivoted here into the columns below; labels of the rows shown are read in one query per table.
"""
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import Sum

from portail.accounts.models import User
from portail.conventions.models import Convention, Tab
from portail.habilitations.models import Group
from portail.journal.models import Action

from ..models import UsageCounter
from ..models.usage import CONVENTION, GROUP, having

COLUMNS = (
    ("consultations", "Consultations de dossier"),
    ("tabs", "Onglets consultés"),
    ("attestations", "Attestations"),
    ("refused", "Tentatives refusées"),
)
KIND_COLUMN = {
    Action.DOSSIER_CONSULTED: "consultations",
    Action.TAB_OPENED: "tabs",
    Action.ATTESTATION_PRINTED: "attestations",
    Action.ATTESTATION_POSTED: "attestations",
    Action.DOSSIER_REFUSED: "refused",
}
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


def _pivot(rows, key) -> dict:
    """{key(row): Row} summing each grouped row's `n` into its kind's column."""
    out: dict = {}
    for r in rows:
        column = KIND_COLUMN.get(r["kind"])
        if column is None:
            continue
        k = key(r)
        out.setdefault(k, Row(key=k, label=str(k))).values[column] += r["n"]
    return out


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

    def _grouped(self, *fields, flag: int | None = None, **filters):
        """Sums per `fields` and kind of the counters standing for `flag` (default: whole entries)."""
        return (UsageCounter.objects.filter(self.scope.counter_filter(), day__gte=self.start, day__lte=self.end,
                                            flags__in=having(flag or self.scope.entry_flag), **filters)
                .values(*fields, "kind").annotate(n=Sum("count")).order_by())

    # ---------------------------------------------------------------- per period, totals, active users

    def periods(self) -> list[Row]:
        by_day = _pivot(self._grouped("day"), lambda r: bucket_of(r["day"], self.unit))
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
        counts = {r["tab"]: r["n"] for r in self._grouped("tab", kind=Action.TAB_OPENED)}
        rows = []
        for tab in Tab:
            row = Row(key=tab.value, label=tab.label)
            row.values["tabs"] = counts.get(tab.value, 0)
            rows.append(row)
        return rows

    def roles(self) -> list[Row]:
        """A consultation two roles allowed counts for each of them (once per role)."""
        rows = _pivot(self._grouped("role", flag=self.scope.role_flag), lambda r: r["role"] or "")
        named = [r for k, r in rows.items() if k]
        return sorted(named, key=lambda r: (-r.total, r.key))

    # ---------------------------------------------------------------- per group, user, convention

    def groups(self) -> list[Row]:
        """As for roles: once per group the consultation went through. Labels: `label_groups`, for a page."""
        rows = _pivot(self._grouped("group_id", flag=GROUP), lambda r: r["group_id"])
        rows.pop(0, None)
        return sorted(rows.values(), key=lambda r: (-r.total, r.key))

    def users(self) -> list[Row]:
        rows = _pivot(self._grouped("user_id"), lambda r: r["user_id"])
        rows.pop(0, None)
        return sorted(rows.values(), key=lambda r: (-r.total, r.key))

    def conventions(self) -> list[Row]:
        """The Caf page: each convention with the entries it granted (an entry once per convention)."""
        rows = _pivot(self._grouped("convention_id", flag=CONVENTION), lambda r: r["convention_id"])
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
