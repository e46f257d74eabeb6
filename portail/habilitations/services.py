"""Writes on groups, group roles and memberships. Each service owns its transaction and journal entry."""
from dataclasses import dataclass
from datetime import date

from django.db import IntegrityError, transaction

from portail.accounts.models import User
from portail.conventions.models import Convention, Role, Service
from portail.core.errors import BusinessError
from portail.journal.models import Action
from portail.journal.services import journal_append

from portail.access import role_ceiling
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


def _check_responsable(convention: Convention, responsable: User | None) -> None:
    if responsable is not None and responsable.organisation_id != convention.organisation_id:
        raise BusinessError("Le responsable doit appartenir à l'organisation partenaire.", field="responsable")


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
    code = code.strip().upper()
    if parent is not None:
        if parent.convention_id != convention.pk:
            raise BusinessError("Le groupe parent doit appartenir à la même convention.", field="parent")
        if parent.level >= MAX_DEPTH:
            raise BusinessError(f"Un groupe ne peut pas dépasser {MAX_DEPTH} niveaux.", field="parent")
    _check_dates(convention, opening_date, closing_date)
    _check_responsable(convention, responsable)
    if Group.objects.filter(convention=convention, code=code).exists():
        raise BusinessError("Ce code de groupe est déjà utilisé dans la convention.", field="code")
    try:
        with transaction.atomic():
            group = Group.objects.create(
                convention=convention,
                parent=parent,
                code=code,
                label=label.strip(),
                level=parent.level + 1 if parent else 1,
                opening_date=opening_date,
                closing_date=closing_date,
                responsable=responsable,
            )
            group.path = f"{parent.path if parent else '/'}{group.pk}/"
            group.save(update_fields=["path"])
            journal_append(
                action=Action.GROUP_CREATED,
                actor=actor,
                ip=ip,
                caf=convention.caf_id,
                convention=convention,
                group=group,
                target_user=responsable,
                details={"code": group.code, "label": group.label, "parent": parent.pk if parent else None},
            )
    except IntegrityError:  # two creations racing for the same code
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
    convention = group.convention
    _check_dates(convention, opening_date, closing_date)
    _check_responsable(convention, responsable)
    changes = {}
    for field, value in (("label", label.strip()), ("opening_date", opening_date), ("closing_date", closing_date)):
        if getattr(group, field) != value:
            changes[field] = str(value) if value is not None else None
            setattr(group, field, value)
    responsable_changed = group.responsable_id != (responsable.pk if responsable else None)
    group.responsable = responsable
    with transaction.atomic():
        group.save()
        if changes:
            journal_append(
                action=Action.GROUP_UPDATED, actor=actor, ip=ip, caf=convention.caf_id, convention=convention,
                group=group, details=changes,
            )
        if responsable_changed:
            journal_append(
                action=Action.RESPONSABLE_NAMED, actor=actor, ip=ip, caf=convention.caf_id, convention=convention,
                group=group, target_user=responsable, details={"responsable": responsable.username if responsable else None},
            )
    return group


def group_close(*, actor: User, group: Group, closing_date: date, ip: str | None = None) -> Group:
    """R2: the group is closed; its subtree loses every right through the access module."""
    if closing_date < group.opening_date:
        raise BusinessError("La date de clôture ne peut pas précéder la date d'ouverture.", field="closing_date")
    with transaction.atomic():
        group.status = Group.Status.CLOSED
        group.closing_date = closing_date
        group.save(update_fields=["status", "closing_date"])
        journal_append(
            action=Action.GROUP_CLOSED, actor=actor, ip=ip, caf=group.convention.caf_id, convention=group.convention_id,
            group=group, details={"closing_date": str(closing_date)},
        )
    return group


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


def group_roles_set(
    *, actor: User, group: Group, service: Service, roles: list[Role], ip: str | None = None
) -> tuple[list[Role], list[Role]]:
    """« Proposer les modifications »: for `service`, the group now holds exactly `roles`.

    Additions must stay under the ceiling (R3); a role marked « validation Caf requise » is kept
    pending. Removals cascade to every descendant. Returns (added, removed).
    """
    ceiling = set(role_ceiling(group).values_list("pk", flat=True))
    services = set(group.convention.services.values_list("pk", flat=True))
    wanted = {r.pk: r for r in roles}
    if service.pk not in services:
        raise BusinessError("La convention n'ouvre pas ce service.", field="service")
    for role in roles:
        if role.service_id not in services:
            raise BusinessError(f"Le rôle {role.code} relève d'un service que la convention n'ouvre pas.", field="roles")
        if role.service_id != service.pk:
            raise BusinessError(f"Le rôle {role.code} ne relève pas du service {service.label}.", field="roles")
        if role.pk not in ceiling:
            raise BusinessError(
                f"Le rôle {role.code} ne peut pas être assigné : un sous-groupe ne peut pas avoir "
                "d'autres rôles que ceux possédés par son parent direct.",
                field="roles",
            )
    current = {
        gr.role_id: gr for gr in GroupRole.objects.filter(group=group, role__service=service).select_related("role")
    }
    added = [r for pk, r in wanted.items() if pk not in current]
    removed = [gr.role for pk, gr in current.items() if pk not in wanted]
    convention = group.convention
    with transaction.atomic():
        for role in added:
            pending = role.requires_caf_validation
            GroupRole.objects.create(
                group=group, role=role, granted_by=actor,
                state=GroupRole.State.PENDING if pending else GroupRole.State.ACTIVE,
            )
            journal_append(
                action=Action.ROLE_REQUESTED if pending else Action.ROLE_ASSIGNED, actor=actor, ip=ip,
                caf=convention.caf_id, convention=convention, group=group, role=role, details={"role": role.code},
            )
        for role in removed:
            _remove_role_from_subtree(actor=actor, group=group, role=role, ip=ip)
    return added, removed


def _remove_role_from_subtree(*, actor: User, group: Group, role: Role, ip: str | None) -> None:
    grants = GroupRole.objects.filter(group__in=Group.objects.subtree_of(group), role=role).select_related("group")
    convention = group.convention
    for grant in grants:
        journal_append(
            action=Action.ROLE_REMOVED, actor=actor, ip=ip, caf=convention.caf_id, convention=convention,
            group=grant.group_id, role=role,
            details={"role": role.code, "group": grant.group.code, "cascade_from": group.code if grant.group_id != group.pk else None},
        )
    grants.delete()


def membership_add(*, actor: User, user: User, group: Group, ip: str | None = None) -> Membership:
    convention = group.convention
    if user.organisation_id != convention.organisation_id:
        raise BusinessError(
            "Cet utilisateur n'appartient pas à l'organisation partenaire de la convention.", field="group"
        )
    if not group.is_open:
        raise BusinessError("Ce groupe est clos : on ne peut plus y ajouter d'utilisateur.", field="group")
    if Membership.objects.filter(user=user, group=group).exists():
        raise BusinessError("L'utilisateur appartient déjà à ce groupe.", field="group")
    try:
        with transaction.atomic():
            membership = Membership.objects.create(user=user, group=group)
            journal_append(
                action=Action.MEMBERSHIP_ADDED, actor=actor, ip=ip, caf=convention.caf_id, convention=convention,
                group=group, target_user=user, details={"group": group.code, "user": user.username},
            )
    except IntegrityError:
        raise BusinessError("L'utilisateur appartient déjà à ce groupe.", field="group")
    return membership


def membership_remove(*, actor: User, user: User, group: Group, ip: str | None = None) -> None:
    convention = group.convention
    with transaction.atomic():
        deleted, _ = Membership.objects.filter(user=user, group=group).delete()
        if deleted:
            journal_append(
                action=Action.MEMBERSHIP_REMOVED, actor=actor, ip=ip, caf=convention.caf_id, convention=convention,
                group=group, target_user=user, details={"group": group.code, "user": user.username},
            )
