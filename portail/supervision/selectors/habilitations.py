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
from portail.conventions.models import Role
from portail.core.clock import now, today
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
        steps = [f"{self.user.get_full_name()} ({self.user.username})", f"membre de {self.group.code} « {self.group.label} »"]
        steps += [f"sous-groupe de {g.code} « {g.label} »" for g in reversed(self.chain)]
        steps.append(f"rôle {self.role.code}")
        return steps


def right_rows_queryset(scope: SupervisionScope, *, group: str = "", role: Role | None = None, user: str = "",
                        state: str = "", sort: str = "utilisateur") -> QuerySet[GroupRole]:
    """One row per (membership, role of the group), filtered and sorted in the database (paginated by the caller)."""
    queryset = (
        GroupRole.objects.filter(_groups_of(scope))
        .annotate(holder_id=F("group__memberships__user_id"), holder_username=F("group__memberships__user__username"),
                  holder_last_name=F("group__memberships__user__last_name"),
                  holder_first_name=F("group__memberships__user__first_name"),
                  holder_ends_on=F("group__memberships__ends_on"))
        .filter(holder_id__isnull=False)
        .select_related("group", "group__convention", "role", "role__service")
    )
    if group:
        queryset = queryset.filter(Q(group__code__icontains=group) | Q(group__label__icontains=group))
    if role is not None:
        queryset = queryset.filter(role=role)
    if user:
        queryset = queryset.filter(Q(holder_username__icontains=user) | Q(holder_last_name__icontains=user)
                                   | Q(holder_first_name__icontains=user))
    if state in STORED_STATE and STORED_STATE[state] is not None:
        queryset = queryset.filter(state=STORED_STATE[state])
    descending = sort.startswith("-")
    fields = SORTS.get(sort.lstrip("-"), SORTS["utilisateur"])
    return queryset.order_by(*[f"-{f}" if descending else f for f in fields], "pk")


def _groups_of(scope: SupervisionScope) -> Q:
    """The scope's groups. Caf-wide, as a condition on the row's own convention (joined anyway): with
    `group IN (groups of the Caf's conventions)` PostgreSQL underestimated the groups fivefold and hashed
    every membership and person of the country before the sort (1 s for a Caf, 0.1 s this way)."""
    if scope.is_caf_wide:
        return Q(group__convention__in=scope.conventions())
    return Q(group__in=scope.groups())


def right_rows(grouproles) -> list[RightRow]:
    """The page's rows with their state and « why »: four queries whatever the number of rows."""
    grouproles = list(grouproles)
    people = User.objects.in_bulk({gr.holder_id for gr in grouproles})
    pairs = list({(gr.holder_id, gr.group_id): (people[gr.holder_id], gr.group) for gr in grouproles}.values())
    grants = {(g.user.pk, g.group.pk, g.role.pk): g for g in access.explain_memberships(pairs)}
    rows = []
    for gr in grouproles:
        person = people[gr.holder_id]
        grant = grants.get((person.pk, gr.group_id, gr.role_id))
        if grant is not None:
            state, label = "actif", "Actif"
        elif gr.state == GroupRole.State.ACTIVE:
            state, label = "sans effet", "Sans effet"
        else:
            state, label = ("refuse" if gr.state == REFUSED else "attente"), gr.get_state_display()
        rows.append(RightRow(user=person, group=gr.group, role=gr.role, state=state, state_label=label,
                             chain=grant.chain if grant else (), reason=getattr(gr, "decision_reason", "") or "",
                             ends_on=getattr(gr, "holder_ends_on", None)))
    return rows


def roles_to_filter(scope: SupervisionScope) -> QuerySet[Role]:
    """The « Rôle » filter: the catalogue of the scope's services (a few dozen roles)."""
    services = scope.conventions().values("services")
    return Role.objects.filter(service__in=services).select_related("service").order_by("service__code", "code")


# ------------------------------------------------------------------------------- the group tree


def group_tree(scope: SupervisionScope) -> QuerySet[Group]:
    """Groups in tree order (the materialised path sorts a parent before its sub-groups), with their
    parent, responsable and roles; `count_members` adds the page's numbers of members."""
    roles = GroupRole.objects.select_related("role").order_by("role__code")
    return (
        scope.groups()
        .select_related("parent", "responsable", "convention")
        .prefetch_related(Prefetch("group_roles", queryset=roles))
        .order_by("convention__label", "path")
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
    day = today()
    led = scope.groups().filter(responsable_id=OuterRef("pk"))
    led_open = led.open_on(day)
    return (User.objects.filter(Exists(led)).filter(~Exists(led_open))
            .order_by("last_name", "first_name", "username"))


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
