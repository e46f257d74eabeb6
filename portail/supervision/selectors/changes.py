"""« Supervision modifier »: pending and refused roles, and the history of habilitation changes.

The history is read from the journal on its indexed columns only: the scope's convention(s) with
`created_at` in a bounded period (index convention_id, created_at), or, Caf-wide, the change actions
in the period (index action, created_at). Pages are read by offset with one row more than shown, so
no page counts a journal of millions of entries.
"""
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.timezone import localtime

from portail.access import SupervisionScope
from portail.accounts.models import User
from portail.conventions.models import Convention
from portail.habilitations.models import Group, GroupRole
from portail.journal.models import CHANGE_ACTIONS as JOURNAL_CHANGE_ACTIONS, Action, JournalEntry

from .habilitations import REFUSED

# Every change of habilitations, whatever engineer's action added it later: groups, roles, memberships,
# people, responsables (the actions are named by their family).
# The journal's own list, so the queries match its partial indexes.
CHANGE_ACTIONS = [Action(value) for value in JOURNAL_CHANGE_ACTIONS]
DEFAULT_PERIOD = timedelta(days=90)
MAX_PERIOD = timedelta(days=366)


def pending_roles(scope: SupervisionScope) -> QuerySet[GroupRole]:
    return (GroupRole.objects.filter(group__in=scope.groups(), state=GroupRole.State.PENDING)
            .select_related("group", "group__convention", "role", "role__service", "granted_by")
            .order_by("-granted_at", "-pk"))


def refused_roles(scope: SupervisionScope) -> QuerySet[GroupRole]:
    """Roles the Caf refused, with its reason (none before the Caf can refuse)."""
    if REFUSED is None:
        return GroupRole.objects.none()
    decided = ("decided_by",) if hasattr(GroupRole, "decided_by") else ()
    order = ("-decided_at", "-pk") if hasattr(GroupRole, "decided_at") else ("-pk",)
    return (GroupRole.objects.filter(group__in=scope.groups(), state=REFUSED)
            .select_related("group", "group__convention", "role", "role__service", "granted_by", *decided)
            .order_by(*order))


def _bounds(start: date, end: date) -> tuple[datetime, datetime]:
    tz = timezone.get_current_timezone()
    return (timezone.make_aware(datetime.combine(start, time.min), tz),
            timezone.make_aware(datetime.combine(end + timedelta(days=1), time.min), tz))


def history(scope: SupervisionScope, *, start: date, end: date, action: str = "", person: str = "",
            group: str = "") -> QuerySet[JournalEntry]:
    """Journal entries of the scope's habilitation changes in [start, end], newest first."""
    low, high = _bounds(start, end)
    actions = [action] if action in {a.value for a in CHANGE_ACTIONS} else [a.value for a in CHANGE_ACTIONS]
    queryset = JournalEntry.objects.filter(scope.journal_filter(), created_at__gte=low, created_at__lt=high,
                                           action__in=actions)
    if person:
        # The author (his identifier is on the entry) or the person concerned, among the people of the scope.
        concerned = scope.users().filter(username__iexact=person.strip()).values("pk")
        queryset = queryset.filter(Q(actor_identifier__iexact=person.strip()) | Q(target_user_id__in=concerned))
    if group:
        groups = scope.groups().filter(code__iexact=group.strip()).values("pk")
        queryset = queryset.filter(group_id__in=groups)
    return queryset.order_by("-created_at", "-id")


@dataclass
class Window:
    """One page of a list that is never counted: its rows and whether a next page exists."""

    number: int
    rows: list
    has_next: bool

    @property
    def has_previous(self) -> bool:
        return self.number > 1


def window(queryset, page: str | None, per_page: int = 50) -> Window:
    try:
        number = max(1, min(int(page or 1), 10_000))
    except ValueError:
        number = 1
    start = (number - 1) * per_page
    rows = list(queryset[start:start + per_page + 1])
    return Window(number=number, rows=rows[:per_page], has_next=len(rows) > per_page)


@dataclass(frozen=True)
class ChangeRow:
    entry: JournalEntry
    target: User | None
    group: Group | None
    convention: Convention | None

    @property
    def what(self) -> str:
        """The entry's details as « champ : valeur » text (never marked safe)."""
        return details_text(self.entry.details)


def details_text(details) -> str:
    parts = []
    for key, value in (details or {}).items():
        if isinstance(value, (dict, list)):
            continue
        parts.append(f"{key} : {'' if value is None else value}")
    return " ; ".join(parts)


def change_rows(entries) -> list[ChangeRow]:
    """The page's entries with the people, groups and conventions they name: three queries whatever the number of rows."""
    entries = list(entries)
    people = User.objects.in_bulk({e.target_user_id for e in entries if e.target_user_id})
    groups = Group.objects.in_bulk({e.group_id for e in entries if e.group_id})
    conventions = Convention.objects.in_bulk({e.convention_id for e in entries if e.convention_id})
    return [ChangeRow(entry=e, target=people.get(e.target_user_id), group=groups.get(e.group_id),
                      convention=conventions.get(e.convention_id)) for e in entries]


EXPORT_HEADER = ["Date", "Action", "Auteur", "Convention", "Groupe", "Rôle", "Personne concernée", "Détails"]


def export_rows(queryset: QuerySet[JournalEntry], limit: int, chunk_size: int = 2000):
    """The first `limit` entries of `history` as tuples in EXPORT_HEADER's order, from one server-side cursor.
    The conventions, groups and people they name are read once, three queries for the whole export, as
    (id, text) pairs: looked up again for every thousand entries, as model instances, their queries grew with
    the export."""
    ids = queryset.order_by()
    conventions = dict(Convention.objects.filter(pk__in=ids.values("convention_id")).values_list("pk", "label"))
    groups = dict(Group.objects.filter(pk__in=ids.values("group_id")).values_list("pk", "code"))
    people = dict(User.objects.filter(pk__in=ids.values("target_user_id")).values_list("pk", "username"))
    actions = dict(Action.choices)
    rows = queryset[:limit].values_list("created_at", "action", "actor_identifier", "convention_id", "group_id",
                                        "target_user_id", "details")
    for created_at, action, actor, convention_id, group_id, target_id, details in rows.iterator(chunk_size=chunk_size):
        yield (localtime(created_at).strftime("%d/%m/%Y %H:%M:%S"), actions.get(action, action), actor,
               conventions.get(convention_id, ""), groups.get(group_id, ""), (details or {}).get("role", ""),
               people.get(target_id, ""), details_text(details))
