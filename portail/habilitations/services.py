"""Writes on groups, group roles and memberships. Each service owns its transaction and journal entry.

Concurrency: a service that reads a rule's input (a parent's roles, the actor's scope, the state of a
group or of a person) and then writes, locks those rows in the same transaction and reads them again
under the lock. Groups are always locked in one global order, level then id (ancestors before
descendants), and people after groups, so two services never wait on each other in a cycle. SQLite
has no row locks: its IMMEDIATE transaction mode (settings) serialises the writers instead.
"""
from dataclasses import dataclass
from datetime import date

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from portail.accounts.models import User
from portail.conventions.models import Convention, Role, Service
from portail.core.clock import today
from portail.core.errors import BusinessError
from portail.core.text import clean_text
from portail.journal import events
from portail.journal.models import Action

from portail.access import management_scope, role_ceiling, supervises_caf
from .models import MAX_DEPTH, Group, GroupRole, Membership


def _check_dates(convention: Convention, opening: date, closing: date | None) -> None:
    if closing is not None and closing < opening:
        raise BusinessError("La date de clôture ne peut pas précéder la date d'ouverture.", field="closing_date")
    if opening < convention.opening_date:
        raise BusinessError(
            f"La date d'ouverture doit être dans la période de la convention (à partir du {convention.opening_date:%d/%m/%Y}).",
            field="opening_date",
        )
    if convention.closing_date is not None:
        if opening > convention.closing_date:
            raise BusinessError(
                f"La date d'ouverture doit être dans la période de la convention (jusqu'au {convention.closing_date:%d/%m/%Y}).",
                field="opening_date",
            )
        if closing is None or closing > convention.closing_date:
            raise BusinessError(
                f"La date de clôture ne peut pas dépasser celle de la convention ({convention.closing_date:%d/%m/%Y}).",
                field="closing_date",
            )


# ---------------------------------------------------------------- locks and re-checks under them


def _lock_groups(condition: Q) -> list[Group]:
    """Lock the matching groups in the global order (level, id) and return them as they are now.

    FOR NO KEY UPDATE: it excludes the other services' locks, yet rows that merely reference a group
    (a journal entry, a consultation's trace) are still inserted without waiting."""
    return list(Group.objects.select_for_update(no_key=True).filter(condition).order_by("level", "pk"))


def _lock_chain(group: Group) -> tuple[Group, list[Group]]:
    """Lock `group` and its ancestors (a path never changes); return (group now, ancestors root first)."""
    rows = _lock_groups(Q(pk__in=[*group.ancestor_ids, group.pk]))
    if not rows or rows[-1].pk != group.pk:
        raise BusinessError("Ce groupe n'existe plus.", field="group")
    return rows[-1], rows[:-1]


def _lock_descendants(group: Group) -> None:
    """After `_lock_chain(group)`: the rest of the subtree, deeper hence later in the global order."""
    _lock_groups(Q(convention_id=group.convention_id, path__startswith=group.path) & ~Q(pk=group.pk))


def _is_closed(group: Group) -> bool:
    """Closed by status or past its closing date (a group not yet open is still being prepared)."""
    return group.status == Group.Status.CLOSED or (group.closing_date is not None and group.closing_date < today())


def _require_scope(actor: User, convention_id: int, group: Group | None = None, *, strictly: bool = False) -> Convention:
    """Under the locks, the actor must still manage `group` (R6, R7): a responsable replaced or closed
    meanwhile is refused. `strictly`: above the group itself (R7b); no group: the whole convention."""
    convention = Convention.objects.select_related("caf").get(pk=convention_id)
    actor = User.objects.get(pk=actor.pk)  # closed or suspended meanwhile: no scope
    scope = management_scope(actor, convention)
    if scope is None or not scope.writable:
        raise PermissionDenied
    if group is None:
        allowed = scope.whole
    else:
        allowed = scope.covers_strictly(group) if strictly else scope.covers(group)
    if not allowed:
        raise PermissionDenied
    return convention


def _lock_person(user: User, convention: Convention, *, field: str) -> User:
    """Lock the person's row so a closure waits for us (or we see it), and return him as he is now."""
    person = User.objects.select_for_update(no_key=True).get(pk=user.pk)
    if person.organisation_id != convention.organisation_id:
        raise BusinessError("Cette personne n'appartient pas à l'organisation partenaire de la convention.", field=field)
    return person


def _lock_responsable(responsable: User | None, convention: Convention) -> User | None:
    """R7: a responsable is an open person of the partner organisation, checked under his row lock."""
    if responsable is None:
        return None
    person = _lock_person(responsable, convention, field="responsable")
    if person.status != User.Status.OPEN or (person.closing_date is not None and person.closing_date < today()):
        raise BusinessError("Le responsable doit être un utilisateur ouvert de l'organisation partenaire.",
                            field="responsable")
    return person


def _check_responsable(convention: Convention, responsable: User | None) -> None:
    if responsable is not None and responsable.organisation_id != convention.organisation_id:
        raise BusinessError("Le responsable doit appartenir à l'organisation partenaire.", field="responsable")


# ---------------------------------------------------------------- groups


def group_create(
    *,
    actor: User,
    convention: Convention,
    code: str,
    label: str,
    opening_date: date,
    closing_date: date | None = None,
    parent: Group | None = None,
    responsable: User | None = None,
    ip: str | None = None,
) -> Group:
    code = clean_text(code, field="code", max_length=20).upper()
    label = clean_text(label, field="label", max_length=120)
    if parent is not None and parent.convention_id != convention.pk:
        raise BusinessError("Le groupe parent doit appartenir à la même convention.", field="parent")
    _check_dates(convention, opening_date, closing_date)
    _check_responsable(convention, responsable)
    if Group.objects.filter(convention=convention, code=code).exists():
        raise BusinessError("Ce code de groupe est déjà utilisé dans la convention.", field="code")
    try:
        with transaction.atomic():
            if parent is not None:
                parent, ancestors = _lock_chain(parent)
                if any(_is_closed(g) for g in (*ancestors, parent)):
                    raise BusinessError("Le groupe parent est clos : on ne peut plus y créer de sous-groupe.",
                                        field="parent")
                if parent.level >= MAX_DEPTH:
                    raise BusinessError(f"Un groupe ne peut pas dépasser {MAX_DEPTH} niveaux.", field="parent")
            convention = _require_scope(actor, convention.pk, parent)
            responsable = _lock_responsable(responsable, convention)
            group = Group.objects.create(
                convention=convention,
                parent=parent,
                code=code,
                label=label,
                level=parent.level + 1 if parent else 1,
                opening_date=opening_date,
                closing_date=closing_date,
                responsable=responsable,
            )
            group.path = f"{parent.path if parent else '/'}{group.pk}/"
            group.save(update_fields=["path"])
            events.group_created(actor=actor, group=group, ip=ip)
    except IntegrityError:
        # Only the unique code can be violated here once the checks above passed: two creations racing.
        if not Group.objects.filter(convention=convention, code=code).exists():
            raise
        raise BusinessError("Ce code de groupe est déjà utilisé dans la convention.", field="code")
    return group


def group_update(
    *,
    actor: User,
    group: Group,
    label: str,
    opening_date: date,
    closing_date: date | None,
    responsable: User | None,
    ip: str | None = None,
) -> Group:
    label = clean_text(label, field="label", max_length=120)
    _check_dates(group.convention, opening_date, closing_date)
    _check_responsable(group.convention, responsable)
    with transaction.atomic():
        current, _ = _lock_chain(group)
        changes = {}
        for field, value in (("label", label), ("opening_date", opening_date), ("closing_date", closing_date)):
            if getattr(current, field) != value:
                changes[field] = str(value) if value is not None else None
                setattr(group, field, value)
        responsable_changed = current.responsable_id != (responsable.pk if responsable else None)
        # R7b: dates and responsable are decided above the group, never by its own responsable.
        above = responsable_changed or "opening_date" in changes or "closing_date" in changes
        convention = _require_scope(actor, current.convention_id, current, strictly=above)
        if responsable_changed:
            responsable = _lock_responsable(responsable, convention)
        group.responsable = responsable
        group.save(update_fields=["label", "opening_date", "closing_date", "responsable"])
        if changes:
            events.group_updated(actor=actor, group=group, changes=changes, ip=ip)
        if responsable_changed:
            events.responsable_named(actor=actor, group=group, responsable=responsable, ip=ip)
    return group


def group_close(*, actor: User, group: Group, closing_date: date, ip: str | None = None) -> Group:
    """R2: the group is closed; its subtree loses every right through the access module.

    Locking the group (and its ancestors) is enough for its subtree: every write below it locks the
    chain of its own ancestors, this group included, and so waits for the closure and sees it."""
    with transaction.atomic():
        current, _ = _lock_chain(group)
        _require_scope(actor, current.convention_id, current, strictly=True)
        if closing_date < current.opening_date:
            raise BusinessError("La date de clôture ne peut pas précéder la date d'ouverture.", field="closing_date")
        group.status = Group.Status.CLOSED
        group.closing_date = closing_date
        group.save(update_fields=["status", "closing_date"])
        events.group_closed(actor=actor, group=group, ip=ip)
    return group


# ---------------------------------------------------------------- roles of a group (R3)


@dataclass
class RemovalImpact:
    """What removing a role from a group takes away below it (shown before confirming, R3)."""

    role: Role
    subgroups: list[Group]
    users_losing: int


def role_removal_impact(*, group: Group, role: Role) -> RemovalImpact:
    subtree = Group.objects.subtree_of(group)
    holders = subtree.filter(group_roles__role=role)
    subgroups = list(holders.exclude(pk=group.pk).order_by("path"))
    # Users who hold the role through this subtree and through no other group of the convention.
    through_subtree = Membership.objects.filter(group__in=holders).values("user_id")
    elsewhere = Membership.objects.filter(
        group__convention_id=group.convention_id, group__group_roles__role=role
    ).exclude(group__in=holders).values("user_id")
    users_losing = (
        User.objects.filter(pk__in=through_subtree).exclude(pk__in=elsewhere).count()
    )
    return RemovalImpact(role=role, subgroups=subgroups, users_losing=users_losing)


def ceiling_error(group: Group, role: Role) -> BusinessError:
    """The one R3 message, for the « Assigner rôle » step and for saving alike."""
    parent = group.parent.code if group.parent_id else "—"
    return BusinessError(
        f"Le rôle {role.code} ne peut pas être assigné : un sous-groupe ne peut pas avoir d'autres rôles "
        f"que ceux possédés par son parent direct ({parent}).",
        field="roles",
    )


def _check_roles(*, group: Group, service: Service, roles: list[Role], ceiling: set[int], services: set[int]) -> None:
    if service.pk not in services:
        raise BusinessError("La convention n'ouvre pas ce service.", field="service")
    for role in roles:
        if role.service_id not in services:
            raise BusinessError(f"Le rôle {role.code} relève d'un service que la convention n'ouvre pas.", field="roles")
        if role.service_id != service.pk:
            raise BusinessError(f"Le rôle {role.code} ne relève pas du service {service.label}.", field="roles")
        if role.pk not in ceiling:
            raise ceiling_error(group, role)


def _convention_services(group: Group) -> set[int]:
    return set(Service.objects.filter(conventions=group.convention_id).values_list("pk", flat=True))


def group_roles_draft_assign(
    *, group: Group, service: Service, draft: list[Role], role: Role, ceiling: set[int] | None = None
) -> list[Role]:
    """« Assigner rôle »: the draft with `role` added, if the group may hold it. Nothing is saved; the
    same check runs again, under lock, on « Proposer les modifications ». `ceiling`: the ids already read."""
    if ceiling is None:
        ceiling = set(role_ceiling(group).values_list("pk", flat=True))
    _check_roles(group=group, service=service, roles=[role], ceiling=ceiling, services=_convention_services(group))
    return draft if role in draft else [*draft, role]


def group_roles_set(
    *, actor: User, group: Group, service: Service, roles: list[Role], ip: str | None = None
) -> tuple[list[Role], list[Role]]:
    """« Proposer les modifications »: for `service`, the group now holds exactly `roles`.

    Additions must stay under the ceiling (R3), read under the lock of the group and its ancestors;
    a role marked « validation Caf requise » is kept pending. Removals cascade to every descendant,
    locked too. Returns (added, removed).
    """
    wanted = {r.pk: r for r in roles}
    with transaction.atomic():
        current_group, _ = _lock_chain(group)
        _require_scope(actor, current_group.convention_id, current_group, strictly=True)
        ceiling = set(role_ceiling(current_group).values_list("pk", flat=True))
        _check_roles(group=current_group, service=service, roles=roles, ceiling=ceiling,
                     services=_convention_services(current_group))
        current = {
            gr.role_id: gr for gr in GroupRole.objects.filter(group=group, role__service=service).select_related("role")
        }
        added = [r for pk, r in wanted.items() if pk not in current]
        removed = [gr.role for pk, gr in current.items() if pk not in wanted]
        if removed:
            _lock_descendants(current_group)
        for role in added:
            pending = role.requires_caf_validation
            GroupRole.objects.create(
                group=group, role=role, granted_by=actor,
                state=GroupRole.State.PENDING if pending else GroupRole.State.ACTIVE,
            )
            events.role_granted(actor=actor, group=group, role=role, pending=pending, ip=ip)
        for role in removed:
            _remove_role_from_subtree(actor=actor, group=group, role=role, ip=ip)
    return added, removed


def _remove_role_from_subtree(*, actor: User, group: Group, role: Role, ip: str | None) -> None:
    grants = GroupRole.objects.filter(group__in=Group.objects.subtree_of(group), role=role).select_related("group__convention")
    for grant in grants:
        events.role_removed(actor=actor, group=grant.group, role=role, ip=ip,
                            cascade_from=group if grant.group_id != group.pk else None)
    grants.delete()


# ---------------------------------------------------------------- memberships (R5)


def check_membership_end(ends_on: date | None) -> None:
    """A time-bound membership ends today at the earliest: an end date is never set in the past."""
    if ends_on is not None and ends_on < today():
        raise BusinessError(f"La date de fin ne peut pas être passée : choisissez le {today():%d/%m/%Y} ou plus tard.",
                            field="ends_on")


def membership_add(*, actor: User, user: User, group: Group, ends_on: date | None = None,
                   ip: str | None = None) -> Membership:
    """`ends_on`: the last day the membership grants anything (a replacement, an intern); None: no end."""
    check_membership_end(ends_on)
    if user.organisation_id != group.convention.organisation_id:
        raise BusinessError(
            "Cet utilisateur n'appartient pas à l'organisation partenaire de la convention.", field="group"
        )
    try:
        with transaction.atomic():
            current, ancestors = _lock_chain(group)
            convention = _require_scope(actor, current.convention_id, current)
            # R2, R5: a closed group, or one below a closed group, takes no one in.
            if not current.is_open or any(_is_closed(a) for a in ancestors):
                raise BusinessError("Ce groupe est clos : on ne peut plus y ajouter d'utilisateur.", field="group")
            user = _lock_person(user, convention, field="group")
            if Membership.objects.filter(user=user, group=group).exists():
                raise BusinessError("L'utilisateur appartient déjà à ce groupe.", field="group")
            membership = Membership.objects.create(user=user, group=group, ends_on=ends_on)
            events.membership_added(actor=actor, group=group, user=user, ends_on=ends_on, ip=ip)
    except IntegrityError:
        if not Membership.objects.filter(user=user, group=group).exists():
            raise  # not the (user, group) uniqueness: a real fault, not a message for the user
        raise BusinessError("L'utilisateur appartient déjà à ce groupe.", field="group")
    return membership


def membership_remove(*, actor: User, user: User, group: Group, ip: str | None = None) -> None:
    with transaction.atomic():
        current, _ = _lock_chain(group)
        _require_scope(actor, current.convention_id, current)
        deleted, _ = Membership.objects.filter(user=user, group=group).delete()
        if deleted:
            events.membership_removed(actor=actor, group=group, user=user, ip=ip)


def membership_set_end(*, actor: User, membership: Membership, ends_on: date | None,
                       ip: str | None = None) -> Membership:
    """Set, change or remove (None) the end date of a membership; re-checked under the group's lock."""
    check_membership_end(ends_on)
    with transaction.atomic():
        current, _ = _lock_chain(membership.group)
        _require_scope(actor, current.convention_id, current)
        if membership.user_id == actor.pk:
            raise PermissionDenied  # nobody changes his own memberships (R7b)
        row = (Membership.objects.select_for_update(no_key=True).select_related("user")
               .filter(pk=membership.pk, group=current).first())
        if row is None:
            raise BusinessError("Cette appartenance n'existe plus : l'utilisateur a été retiré du groupe.",
                                field="ends_on")
        if row.ends_on == ends_on:
            return row
        before, row.ends_on = row.ends_on, ends_on
        row.save(update_fields=["ends_on"])
        events.membership_updated(actor=actor, group=current, user=row.user, ends_on=ends_on, before=before, ip=ip)
    return row


# ---------------------------------------------------------------- the Caf: validation of roles, group measures


def _require_caf_supervision(actor: User, convention_id: int) -> Convention:
    """Under the locks, the actor must still be an open agent of the convention's Caf (or national)."""
    convention = Convention.objects.select_related("caf").get(pk=convention_id)
    if not supervises_caf(User.objects.get(pk=actor.pk), convention.caf_id):
        raise PermissionDenied
    return convention


def _decided_already(grant: GroupRole) -> BusinessError:
    when = f" le {timezone.localtime(grant.decided_at):%d/%m/%Y à %H:%M}" if grant.decided_at else ""
    state = "refusé" if grant.state == GroupRole.State.REFUSED else "validé"
    return BusinessError(f"Ce rôle a déjà été {state}{when} : rien n'a été modifié.")


def _lock_pending(grant: GroupRole) -> tuple[GroupRole, Group]:
    """The group chain locked (ancestors first), then the grant as it is now; it must still await the Caf."""
    group, _ = _lock_chain(grant.group)
    current = GroupRole.objects.select_for_update(no_key=True).select_related("role").filter(pk=grant.pk).first()
    if current is None:
        raise BusinessError("Ce rôle n'est plus demandé : le partenaire l'a retiré du groupe.")
    if current.state != GroupRole.State.PENDING:
        raise _decided_already(current)
    return current, group


def group_role_approve(*, actor: User, grant: GroupRole, reason: str = "", ip: str | None = None) -> GroupRole:
    """The Caf validates a role « validation Caf requise »: it is effective at once (R3 still applies:
    the access module checks every ancestor holds it)."""
    reason = clean_text(reason, field="reason", max_length=1000, required=False)
    with transaction.atomic():
        current, group = _lock_pending(grant)
        _require_caf_supervision(actor, group.convention_id)
        if current.role_id not in set(role_ceiling(group).values_list("pk", flat=True)):
            parent = group.parent.code if group.parent_id else "—"
            raise BusinessError(f"Le groupe parent ({parent}) ne détient pas encore ce rôle de façon effective : "
                                "validez d'abord le sien.")
        current.state = GroupRole.State.ACTIVE
        current.decided_by, current.decided_at, current.decision_reason = actor, timezone.now(), reason
        current.save(update_fields=["state", "decided_by", "decided_at", "decision_reason"])
        events.role_approved(actor=actor, group=group, role=current.role, reason=reason, ip=ip)
    return current


def group_role_refuse(*, actor: User, grant: GroupRole, reason: str, ip: str | None = None) -> GroupRole:
    """The Caf refuses a requested role: it grants nothing, ever; the partner reads the reason."""
    reason = clean_text(reason, field="reason", max_length=1000)
    with transaction.atomic():
        current, group = _lock_pending(grant)
        _require_caf_supervision(actor, group.convention_id)
        current.state = GroupRole.State.REFUSED
        current.decided_by, current.decided_at, current.decision_reason = actor, timezone.now(), reason
        current.save(update_fields=["state", "decided_by", "decided_at", "decision_reason"])
        events.role_refused(actor=actor, group=group, role=current.role, reason=reason, ip=ip)
    return current


GROUP_MOVES = {
    # move: (required status, new status, journal action, message when already done)
    "suspend": (Group.Status.OPEN, Group.Status.SUSPENDED, Action.GROUP_SUSPENDED, "Ce groupe n'est pas ouvert"),
    "reinstate": (Group.Status.SUSPENDED, Group.Status.OPEN, Action.GROUP_REINSTATED, "Ce groupe n'est pas suspendu"),
}


def group_set_suspension(*, actor: User, group: Group, move: str, reason: str, ip: str | None = None) -> Group:
    """An immediate measure of the Caf: a suspended group (and its subtree) grants nothing until reinstated."""
    reason = clean_text(reason, field="reason", max_length=1000)
    required, new_status, action, refusal = GROUP_MOVES[move]
    with transaction.atomic():
        current, _ = _lock_chain(group)
        _require_caf_supervision(actor, current.convention_id)
        if current.status != required:
            raise BusinessError(f"{refusal} : rien n'a été modifié.")
        current.status = new_status
        current.save(update_fields=["status"])
        events.group_measure(actor=actor, group=current, action=action, reason=reason, ip=ip)
    return current
