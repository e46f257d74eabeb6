"""« Supervision habilitations »: who holds which role through which group, and the monthly checks.

A row is one (member, group, role of the group). Its state and its « why » (user → group → parent
groups → role) come from `access.explain_memberships`, the code that grants rights: « actif » only
when that code says the person holds the role; otherwise the stored state (awaiting the Caf, refused)
or « sans effet » (closed person, group or convention, or a parent group lacking the role).
"""
from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Count, Exists, F, OuterRef, Prefetch, Q, QuerySet

from portail import access
from portail.access import SupervisionScope
from portail.accounts.models import User
from portail.conventions.models import Convention, Role, Service
from portail.core.clock import now, today
from portail.core.periods import open_on_q
from portail.habilitations.models import Group, GroupRole, Membership

REFUSED = getattr(GroupRole.State, "REFUSED", None)  # the Caf's refusal, where the catalogue has it

STATE_CHOICES = [("actif", "Actif"), ("attente", "En attente de validation Caf")] + (
    [("refuse", "Refusé par la Caf")] if REFUSED is not None else [])
STORED_STATE = {"actif": GroupRole.State.ACTIVE, "attente": GroupRole.State.PENDING, "refuse": REFUSED}

# Sortable columns: URL value → ordering (a leading « - » in the URL reverses it).
SORTS = {
    "utilisateur": ("holder_last_name", "holder_first_name", "holder_username", "group__path", "role__code"),
    "groupe": ("group__path", "holder_last_name", "holder_username", "role__code"),
    "role": ("role__code", "holder_last_name", "holder_username", "group__path"),
    "etat": ("state", "holder_last_name", "holder_username", "group__path", "role__code"),
}


@dataclass(frozen=True)
class RightRow:
    user: User
    group: Group
    role: Role
    state: str  # « actif », « attente », « refuse », « sans effet »
    state_label: str
    chain: tuple[Group, ...]  # parent groups, main group first (only for « actif »)
    reason: str  # the Caf's reason of a refusal
    ends_on: date | None = None  # the membership's end date (time-bound membership)

    @property
    def end_label(self) -> str:
        """« jusqu'au … », or « terminée le … » once past: shown with the member."""
        if self.ends_on is None:
            return ""
        return f"terminée le {self.ends_on:%d/%m/%Y}" if self.ends_on < today() else f"jusqu'au {self.ends_on:%d/%m/%Y}"

    @property
    def why(self) -> list[str]:
        """user → group → parent groups → role, as text steps."""
        return why_steps(self.user.get_full_name(), self.user.username, self.group.code, self.group.label, self.chain,
                         self.role.code)


def why_steps(full_name: str, username: str, group_code: str, group_label: str, chain, role_code: str) -> list[str]:
    steps = [f"{full_name} ({username})", f"membre de {group_code} « {group_label} »"]
    steps += [f"sous-groupe de {g.code} « {g.label} »" for g in reversed(chain)]
    steps.append(f"rôle {role_code}")
    return steps


def _state(granted: bool, stored: str) -> tuple[str, str]:
    """The row's state and its label: « actif » only when the access module grants the role."""
    if granted:
        return "actif", "Actif"
    if stored == GroupRole.State.ACTIVE:
        return "sans effet", "Sans effet"
    return ("refuse" if stored == REFUSED else "attente"), GroupRole.State(stored).label


def right_rows_queryset(scope: SupervisionScope, *, group: str = "", role: Role | None = None, user: str = "",
                        state: str = "", sort: str = "utilisateur") -> QuerySet[GroupRole]:
    """One row per (membership, role of the group), filtered and sorted in the database (paginated by the caller).

    The member and his account are inner joins (a filter through the relation, which the annotations reuse): with
    outer joins PostgreSQL could not start from the index on the users' names, and sorted every membership of
    the scope for the first page."""
    queryset = (
        _rights(scope, group=group, role=role, user=user, state=state, names=True)
        .annotate(holder_id=F("group__memberships__user_id"), holder_ends_on=F("group__memberships__ends_on"))
        # Only the relations joined anyway: the conventions and services of the page come after (`right_rows`), as
        # each more relation costs PostgreSQL planning time (8 ms of planning for a Caf's page, 2 ms without them).
        .select_related("group", "role")
    )
    descending = sort.startswith("-")
    fields = SORTS.get(sort.lstrip("-"), SORTS["utilisateur"])
    return queryset.order_by(*[f"-{f}" if descending else f for f in fields], "pk")


def right_rows_count(scope: SupervisionScope, *, group: str = "", role: Role | None = None, user: str = "",
                     state: str = "") -> int:
    """The number of rows of `right_rows_queryset`, without joining the people unless their names are filtered
    (a membership always has its person): 3 ms instead of 10–30 ms for a 2,000-group convention."""
    return _rights(scope, group=group, role=role, user=user, state=state, names=bool(user)).count()


def _rights(scope: SupervisionScope, *, group: str, role: Role | None, user: str, state: str,
            names: bool) -> QuerySet[GroupRole]:
    queryset = GroupRole.objects.filter(_groups_of(scope), group__memberships__user__isnull=False)
    if names:
        queryset = queryset.annotate(holder_username=F("group__memberships__user__username"),
                                     holder_last_name=F("group__memberships__user__last_name"),
                                     holder_first_name=F("group__memberships__user__first_name"))
    if group:
        queryset = queryset.filter(Q(group__code__icontains=group) | Q(group__label__icontains=group))
    if role is not None:
        queryset = queryset.filter(role=role)
    if user:
        queryset = queryset.filter(Q(holder_username__icontains=user) | Q(holder_last_name__icontains=user)
                                   | Q(holder_first_name__icontains=user))
    if state in STORED_STATE and STORED_STATE[state] is not None:
        queryset = queryset.filter(state=STORED_STATE[state])
    return queryset


class Counted:
    """A sorted queryset for the paginator, whose number of rows comes from a leaner query."""

    ordered = True

    def __init__(self, queryset: QuerySet, count):
        self.queryset, self._count = queryset, count

    def count(self) -> int:
        return self._count()

    def __getitem__(self, key):
        return self.queryset[key]

    def __len__(self) -> int:
        return self.count()


def _groups_of(scope: SupervisionScope) -> Q:
    """The scope's groups. Caf-wide, as a condition on the row's own convention (joined anyway): with
    `group IN (groups of the Caf's conventions)` PostgreSQL underestimated the groups fivefold and hashed
    every membership and person of the country before the sort (1 s for a Caf, 0.1 s this way)."""
    if scope.is_caf_wide:
        return Q(group__convention__in=scope.conventions())
    if scope.whole_conventions:  # the joined group's own column rather than one more relation for the planner
        return Q(group__convention_id=scope.convention.pk)
    return Q(group__in=scope.groups())


def right_rows(grouproles) -> list[RightRow]:
    """The page's rows with their state and « why »: seven queries whatever the number of rows."""
    grouproles = list(grouproles)
    if not grouproles:
        return []
    conventions = Convention.objects.in_bulk({gr.group.convention_id for gr in grouproles})
    services = Service.objects.in_bulk({gr.role.service_id for gr in grouproles})
    for gr in grouproles:
        gr.group.convention = conventions[gr.group.convention_id]
        gr.role.service = services[gr.role.service_id]
    people = User.objects.in_bulk({gr.holder_id for gr in grouproles})
    pairs = list({(gr.holder_id, gr.group_id): (people[gr.holder_id], gr.group) for gr in grouproles}.values())
    grants = {(g.user.pk, g.group.pk, g.role.pk): g for g in access.explain_memberships(pairs)}
    rows = []
    for gr in grouproles:
        person = people[gr.holder_id]
        grant = grants.get((person.pk, gr.group_id, gr.role_id))
        state, label = _state(grant is not None, gr.state)
        rows.append(RightRow(user=person, group=gr.group, role=gr.role, state=state, state_label=label,
                             chain=grant.chain if grant else (), reason=getattr(gr, "decision_reason", "") or "",
                             ends_on=getattr(gr, "holder_ends_on", None)))
    return rows


# The CSV export: its columns, and what it reads of each row as a tuple (no model instance per row).
EXPORT_HEADER = ["Convention", "Identifiant", "Nom", "Prénoms", "Groupe", "Libellé du groupe", "Groupes parents",
                 "Rôle", "Service", "État", "Pourquoi", "Motif du refus"]
_EXPORT_FIELDS = ("group__convention__label", "holder_username", "holder_last_name", "holder_first_name", "group__code",
                  "group__label", "role__code", "role__service__code", "state", "decision_reason", "holder_id",
                  "group_id", "role_id")
EXPLAIN_BATCH = 5000  # memberships per call of `access.explain_memberships` (five queries each)


def export_rows(queryset: QuerySet[GroupRole], chunk_size: int = 2000):
    """Every row of `right_rows_queryset` as a tuple in EXPORT_HEADER's order, streamed from one server-side
    cursor. The effective grants of the export's memberships are computed beforehand, once per membership:
    computing them again for every slice of rows read each group's chain and roles once per slice that named
    it, and built five model instances per row (1 s of Python for 8,000 rows)."""
    grants = _grants_of(queryset)
    for (convention, username, last_name, first_name, group_code, group_label, role_code, service_code, stored,
         reason, holder_id, group_id, role_id) in queryset.values_list(*_EXPORT_FIELDS).iterator(chunk_size=chunk_size):
        chain = grants.get((holder_id, group_id, role_id))
        _, label = _state(chain is not None, stored)
        if chain is None:
            parents = why = ""
        else:
            parents = " > ".join(g.code for g in chain)
            why = " → ".join(why_steps(f"{first_name} {last_name}".strip(), username, group_code, group_label, chain,
                                       role_code))
        yield (convention, username, last_name, first_name, group_code, group_label, parents, role_code,
               service_code, label, why, reason or "")


# What the access module reads of a member (R4) and of his group (its convention's organisation), in the models'
# field order (`Model.from_db` takes the values in that order).
_PERSON = tuple(f.attname for f in User._meta.concrete_fields
                if f.attname in {"id", "is_active", "status", "opening_date", "closing_date", "organisation_id"})


def _grants_of(queryset: QuerySet[GroupRole]) -> dict[tuple[int, int, int], tuple[Group, ...]]:
    """(member, group, role) → chain of parent groups, for every grant the access module finds among the
    memberships of `queryset`: one query for the memberships (with what the access module reads of the member
    and of the group), then five per EXPLAIN_BATCH memberships, taken group by group (the model instances of
    one batch at a time: the whole country is 120,000 memberships)."""
    fields = [f"group__memberships__user__{name}" for name in _PERSON]  # the member joined by the queryset
    # Only rows whose role is stored active can be granted: the others are not worth asking about.
    memberships = sorted(set(queryset.order_by().filter(state=GroupRole.State.ACTIVE).values_list(
        "group_id", "group__convention_id", "group__convention__organisation_id", *fields)))  # by group
    grants = {}
    for start in range(0, len(memberships), EXPLAIN_BATCH):
        people, groups, conventions, batch = {}, {}, {}, []
        for group_id, convention_id, organisation_id, *person in memberships[start:start + EXPLAIN_BATCH]:
            if person[0] not in people:
                people[person[0]] = User.from_db(queryset.db, _PERSON, person)
            if group_id not in groups:
                if convention_id not in conventions:
                    conventions[convention_id] = Convention.from_db(queryset.db, ("id", "organisation_id"),
                                                                    (convention_id, organisation_id))
                groups[group_id] = Group.from_db(queryset.db, ("id", "convention_id"), (group_id, convention_id))
                groups[group_id].convention = conventions[convention_id]
            batch.append((people[person[0]], groups[group_id]))
        for grant in access.explain_memberships(batch):
            grants[(grant.user.pk, grant.group.pk, grant.role.pk)] = grant.chain
    return grants


def roles_to_filter(scope: SupervisionScope) -> QuerySet[Role]:
    """The « Rôle » filter: the catalogue of the scope's services (a few dozen roles)."""
    services = scope.conventions().values("services")
    return Role.objects.filter(service__in=services).select_related("service").order_by("service__code", "code")


# ------------------------------------------------------------------------------- the group tree


def group_tree(scope: SupervisionScope) -> QuerySet[Group]:
    """Groups in tree order (the materialised path sorts a parent before its sub-groups), with their
    parent, responsable and roles; `count_members` adds the page's numbers of members."""
    roles = GroupRole.objects.select_related("role").order_by("role__code")
    # The parents and responsables of the page's groups only (prefetched): joined in the sorted query, they made
    # PostgreSQL hash every group of the country to find the parents (16 ms for any page of a convention).
    order = ("convention__label", "path") if scope.is_caf_wide else ("path",)  # one convention: its index
    return (
        scope.groups()
        .select_related("convention")
        .prefetch_related("parent", "responsable", Prefetch("group_roles", queryset=roles))
        .order_by(*order)
    )


def count_members(groups) -> list[Group]:
    """The page's groups, each with `member_count`: one query for the page's groups, rather than counting the
    members of every group of the scope before sorting them (a Caf: 2,400 groups, 8,000 memberships)."""
    groups = list(groups)
    counts = dict(Membership.objects.filter(group__in=[g.pk for g in groups]).order_by().values("group_id")
                  .annotate(n=Count("pk")).values_list("group_id", "n"))
    for group in groups:
        group.member_count = counts.get(group.pk, 0)
    return groups


# ------------------------------------------------------------------------------- the monthly checks


UNUSED_AFTER = timedelta(days=183)
CLOSING_WITHIN = timedelta(days=30)


def users_in_no_group(scope: SupervisionScope) -> QuerySet[User]:
    """People of the scope in none of its groups."""
    placed = Membership.objects.filter(user_id=OuterRef("pk"), group__in=scope.groups())
    return scope.users().filter(~Exists(placed)).order_by("last_name", "first_name", "username")


def groups_without_members(scope: SupervisionScope) -> QuerySet[Group]:
    return (scope.groups().filter(~Exists(Membership.objects.filter(group_id=OuterRef("pk"))))
            .select_related("parent", "convention").order_by("convention__label", "path"))


def dormant_accounts(scope: SupervisionScope) -> QuerySet[User]:
    """Open accounts never activated (no usable password, or never signed in) or unused for six months."""
    never = Q(last_login__isnull=True) | Q(password__startswith="!")
    return (scope.users().filter(status=User.Status.OPEN)
            .filter(never | Q(last_login__lt=now() - UNUSED_AFTER))
            .order_by(F("last_login").asc(nulls_first=True), "last_name", "username"))


def closing_soon(scope: SupervisionScope) -> QuerySet[User]:
    """Accounts whose closing date comes within 30 days."""
    day = today()
    return (scope.users().filter(closing_date__gte=day, closing_date__lte=day + CLOSING_WITHIN)
            .exclude(status=User.Status.CLOSED).order_by("closing_date", "last_name", "username"))


def responsables_without_group(scope: SupervisionScope) -> QuerySet[User]:
    """People named responsable of groups of the scope none of which is open today."""
    # Their ids first, from the scope's groups (one query, grouped by responsable): as EXISTS conditions on the
    # whole table of people, PostgreSQL expected many rows and walked the country's people in name order
    # looking for them (33 ms for 2 rows).
    orphans = (scope.groups().filter(responsable__isnull=False).order_by().values("responsable_id")
               .annotate(open_groups=Count("pk", filter=open_on_q(today()))).filter(open_groups=0)
               .values_list("responsable_id", flat=True))
    return User.objects.filter(pk__in=list(orphans)).order_by("last_name", "first_name", "username")


@dataclass(frozen=True)
class Check:
    key: str
    title: str
    hint: str
    kind: str  # « users » or « groups »


CHECKS = [
    Check("sans-groupe", "Utilisateurs dans aucun groupe",
          "Personnes qui n'appartiennent à aucun groupe : elles n'ont aucun droit de consultation.", "users"),
    Check("groupes-vides", "Groupes sans utilisateur", "Groupes qui n'ont aucun membre.", "groups"),
    Check("comptes-inactifs", "Comptes jamais activés ou inutilisés depuis 6 mois",
          "Comptes ouverts dont le mot de passe n'a jamais été choisi, qui ne se sont jamais connectés, "
          "ou dont la dernière connexion date de plus de 6 mois.", "users"),
    Check("cloture-proche", "Comptes clôturés dans les 30 jours",
          "Comptes dont la date de clôture arrive dans les 30 prochains jours.", "users"),
    Check("responsables-sans-groupe", "Responsables sans groupe",
          "Responsables des habilitations nommés seulement sur des groupes clos ou fermés.", "users"),
]
CHECK_QUERIES = {"sans-groupe": users_in_no_group, "groupes-vides": groups_without_members,
                 "comptes-inactifs": dormant_accounts, "cloture-proche": closing_soon,
                 "responsables-sans-groupe": responsables_without_group}
