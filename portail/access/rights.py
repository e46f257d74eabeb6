"""Effective rights: the roles a user holds (R3, R5) and what they open on a Caf's dossiers (R8)."""
from dataclasses import dataclass
from datetime import date

from django.db.models import Count, F, QuerySet

from portail.accounts.models import User
from portail.conventions.models import TAB_ORDER, Convention, Role
from portail.core.clock import today
from portail.habilitations.models import Group, GroupRole


def role_ceiling(group: Group) -> QuerySet[Role]:
    """Roles a group may hold: its direct parent's (R3), or for a main group the convention's services'.

    A parent's role counts only if every ancestor holds it too (active), so a stored row that escaped
    R3 never widens the ceiling below it."""
    if group.parent_id is None:
        return Role.objects.filter(service__conventions=group.convention_id)
    ancestors = group.ancestor_ids or [group.parent_id]
    return (
        Role.objects.filter(group_roles__group_id__in=ancestors, group_roles__state=GroupRole.State.ACTIVE)
        .annotate(holders=Count("group_roles"))
        .filter(holders=len(ancestors))
    )


@dataclass(frozen=True)
class Grant:
    """Why a user holds a role: user → group → parent groups → role, as the code that grants it found it.

    `chain` is the group's ancestors, main group first: each of them is open and holds the role actively."""

    user: User
    role: Role
    group: Group
    chain: tuple[Group, ...]


def _effective_grants(groups: list[Group], **role_filter) -> list[tuple[Role, Group]]:
    """(role, group) for the active grants of `groups` whose role every ancestor of the group also
    holds actively (R3), whatever the stored rows say: one query for the groups and their ancestors,
    the chains checked here."""
    by_id = {g.pk: g for g in groups}
    ids = set(by_id) | {a for g in groups for a in g.ancestor_ids}
    rows = list(
        GroupRole.objects.filter(group_id__in=ids, state=GroupRole.State.ACTIVE, **role_filter)
        .select_related("role", "role__service")
        .order_by("pk")
    )
    held = {(gr.group_id, gr.role_id) for gr in rows}
    return [
        (gr.role, by_id[gr.group_id])
        for gr in rows
        if gr.group_id in by_id and all((a, gr.role_id) in held for a in by_id[gr.group_id].ancestor_ids)
    ]


def _may_hold_rights(user: User, day: date) -> bool:
    """R4: only an open partner staff member holds rights."""
    return user.is_open_on(day) and user.organisation_id is not None


def _granting_groups(day: date) -> QuerySet[Group]:
    """Groups open on `day` by themselves, in conventions open on `day` (R1, R2); ancestors checked apart."""
    return Group.objects.open_on(day).filter(convention__in=Convention.objects.open_on(day))


def _open_chains(groups: list[Group], day: date) -> dict[int, tuple[Group, ...]]:
    """For each of `groups` whose ancestors are all open on `day` (a closed group closes its subtree, R2):
    its ancestors, main group first. One query, none when no group has an ancestor."""
    ancestor_ids = {a for g in groups for a in g.ancestor_ids}
    found: dict[int, Group] = {}
    if ancestor_ids:
        found = {a.pk: a for a in Group.objects.open_on(day).filter(pk__in=ancestor_ids)
                 .only("pk", "code", "label", "path", "level", "convention_id")}
    return {g.pk: tuple(found[a] for a in g.ancestor_ids) for g in groups if all(a in found for a in g.ancestor_ids)}


def open_groups_of(user: User, day: date | None = None) -> list[Group]:
    """Groups that give the user rights on `day`: open user, open groups with no closed ancestor,
    open conventions of his organisation (R1, R2, R4, R5). Two queries."""
    return [g for g, _ in _open_groups_and_chains(user, day or today())]


def _open_groups_and_chains(user: User, day: date) -> list[tuple[Group, tuple[Group, ...]]]:
    if not _may_hold_rights(user, day):
        return []
    groups = list(
        _granting_groups(day)
        .filter(memberships__user=user, convention__organisation_id=user.organisation_id)
        .select_related("convention", "convention__caf")
    )
    chains = _open_chains(groups, day)
    return [(g, chains[g.pk]) for g in groups if g.pk in chains]


def roles_of(user: User, *, caf_id: int, service_code: str, day: date | None = None,
             explain: bool = False) -> list[tuple[Role, Group]] | list[Grant]:
    """(role, group that gives it) for a user at a Caf for a service: the union of R5, each grant
    checked against the group's ancestors (R3). Three queries.

    `explain`: `Grant`s instead, each with the chain of parent groups that makes it hold (supervision's « why »)."""
    opened = [(g, chain) for g, chain in _open_groups_and_chains(user, day or today()) if g.convention.caf_id == caf_id]
    if not opened:
        return []
    grants = _effective_grants([g for g, _ in opened], role__service__code=service_code,
                               group__convention__services__code=service_code)
    if not explain:
        return grants
    chains = {g.pk: chain for g, chain in opened}
    return [Grant(user=user, role=role, group=group, chain=chains[group.pk]) for role, group in grants]


def explain_memberships(memberships: list[tuple[User, Group]], day: date | None = None) -> list[Grant]:
    """The effective grants of many (user, group) memberships at once, every service: what `roles_of`
    answers for each person, by the same checks (R1–R5). Three queries whatever the number of rows;
    each group must come with its `convention` loaded."""
    day = day or today()
    candidates = {g.pk for user, g in memberships
                  if _may_hold_rights(user, day) and user.organisation_id == g.convention.organisation_id}
    if not candidates:
        return []
    groups = list(_granting_groups(day).filter(pk__in=candidates).select_related("convention"))
    chains = _open_chains(groups, day)
    opened = [g for g in groups if g.pk in chains]
    by_group: dict[int, list[Role]] = {}
    # A role counts only for a service of the group's convention (as `roles_of` asks for each service).
    for role, group in _effective_grants(opened, group__convention__services=F("role__service")):
        by_group.setdefault(group.pk, []).append(role)
    return [
        Grant(user=user, role=role, group=group, chain=chains[group.pk])
        for user, group in memberships
        if group.pk in chains
        for role in by_group.get(group.pk, [])
        if _may_hold_rights(user, day) and user.organisation_id == group.convention.organisation_id
    ]


CDAP = "CDAP"


@dataclass(frozen=True)
class ConsultationRights:
    """What a user may do on the dossiers of one Caf, and through which grants (for the journal)."""

    caf_id: int
    grants: tuple[tuple[Role, Group], ...]

    @property
    def allowed(self) -> bool:
        return bool(self.grants)

    @property
    def tabs(self) -> list[str]:
        held = {tab for role, _ in self.grants for tab in role.tabs}
        return [t for t in TAB_ORDER if t in held]

    @property
    def can_print_attestation(self) -> bool:
        return any(role.can_print_attestation for role, _ in self.grants)

    @property
    def can_post_attestation(self) -> bool:
        return any(role.can_post_attestation for role, _ in self.grants)

    @property
    def can_write_dialogue(self) -> bool:
        return any(role.can_write_dialogue for role, _ in self.grants)

    @property
    def conventions(self) -> list[Convention]:
        """The conventions that grant these rights: their finalités stay on screen with the file."""
        seen: dict[int, Convention] = {}
        for _, group in self.grants:
            seen.setdefault(group.convention_id, group.convention)
        return list(seen.values())

    def grants_for_tab(self, tab: str) -> list[tuple[Role, Group]]:
        return [(r, g) for r, g in self.grants if tab in r.tabs]

    def trace(self, tab: str | None = None) -> dict:
        """Journal details: through which convention/group/role the access was granted."""
        grants = self.grants_for_tab(tab) if tab else list(self.grants)
        return {
            "via": [
                {"convention": g.convention_id, "group": g.pk, "group_code": g.code, "role": r.code}
                for r, g in grants
            ]
        }


def consultation_rights(user, caf_id: int, day: date | None = None) -> ConsultationRights:
    return ConsultationRights(caf_id=caf_id, grants=tuple(roles_of(user, caf_id=caf_id, service_code=CDAP, day=day)))


def cafs_for_consultation(user, day: date | None = None) -> list:
    """The Cafs where the user holds at least one active Cdap role (the « Caf » list of Consulter Dossiers)."""
    groups = open_groups_of(user, day)
    if not groups:
        return []
    with_cdap = {g.pk for _, g in _effective_grants(groups, role__service__code=CDAP, group__convention__services__code=CDAP)}
    cafs = {g.convention.caf_id: g.convention.caf for g in groups if g.pk in with_cdap}
    return sorted(cafs.values(), key=lambda caf: caf.name)
