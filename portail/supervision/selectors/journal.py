"""The Caf's journal search: always bounded by a date range and served by the journal's indexes.

A search without a person, a dossier or a convention covers 31 days at most; with one of them (each has
its index: (actor, created_at), (caf_id, dossier_number), (convention_id, created_at)), a year. Every
query also carries the Caf (caf_id, created_at) for an agent, so no search walks the whole table.
"""
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db.models import QuerySet
from django.utils import timezone

from portail.access.measures import journal_entries_visible_to
from portail.accounts.models import User
from portail.conventions.models import Convention
from portail.habilitations.models import Group
from portail.conventions.models import Role
from portail.journal.models import Action, JournalBatch, JournalEntry

MAX_DAYS = 31
MAX_DAYS_NARROWED = 366
EXPORT_MAX_ROWS = 100_000


@dataclass(frozen=True)
class JournalQuery:
    date_from: date
    date_to: date  # included
    actor_ids: tuple[int, ...] = ()  # empty: any actor
    dossier: str = ""
    action: str = ""
    convention_ids: tuple[int, ...] = ()
    caf_id: int | None = None  # national administrator: narrow to one Caf
    filters: dict = field(default_factory=dict, compare=False)  # as typed, for the export's journal entry


def day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def search(user, query: JournalQuery) -> QuerySet[JournalEntry]:
    entries = journal_entries_visible_to(user).filter(
        created_at__gte=day_start(query.date_from), created_at__lt=day_start(query.date_to + timedelta(days=1)))
    if query.caf_id is not None:
        entries = entries.filter(caf_id=query.caf_id)
    if query.actor_ids:
        entries = entries.filter(actor_id__in=query.actor_ids)
    if query.dossier:
        entries = entries.filter(dossier_number=query.dossier)
    if query.action:
        entries = entries.filter(action=query.action)
    if query.convention_ids:
        entries = entries.filter(convention_id__in=query.convention_ids)
    return entries.order_by("-created_at", "-id")


def labels_for(entries) -> dict:
    """Names of the conventions, groups, roles and people the entries name: one query per kind, whatever
    the number of rows (the journal keeps plain ids)."""
    entries = list(entries)

    def ids(attr):
        return {getattr(e, attr) for e in entries if getattr(e, attr)}

    return {
        "conventions": dict(Convention.objects.filter(pk__in=ids("convention_id")).values_list("pk", "label")),
        "groups": dict(Group.objects.filter(pk__in=ids("group_id")).values_list("pk", "code")),
        "roles": dict(Role.objects.filter(pk__in=ids("role_id")).values_list("pk", "code")),
        "users": dict(User.objects.filter(pk__in=ids("target_user_id")).values_list("pk", "username")),
    }


def action_label(code: str) -> str:
    try:
        return Action(code).label
    except ValueError:
        return code


def sealing_batch(entry: JournalEntry) -> JournalBatch | None:
    """The sealed batch that holds the entry, or None while it is not sealed yet (a few seconds)."""
    return JournalBatch.objects.filter(last_id__gte=entry.pk).order_by("last_id").first()


def detail_items(details) -> list[tuple[str, str]]:
    """An entry's details as (key, text) pairs for a definition list; nested values as compact text."""
    if not isinstance(details, dict):
        return [("valeur", str(details))]
    items = []
    for key in sorted(details):
        value = details[key]
        if isinstance(value, list):
            text = " ; ".join(", ".join(f"{k} {v}" for k, v in item.items()) if isinstance(item, dict) else str(item)
                              for item in value) or "—"
        elif isinstance(value, dict):
            text = ", ".join(f"{k} : {v}" for k, v in value.items()) or "—"
        elif value is None or value == "":
            text = "—"
        else:
            text = str(value)
        items.append((str(key), text))
    return items
