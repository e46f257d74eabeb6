"""SCIM writes: each one calls the same services as the screens, in one transaction, journaled as the token.

The token acts as its creator, an administrator of its convention (portail/api/tokens.py); the views
have asked the convention's `Seat` (portail/access) for every object before calling these. Every journal
entry written here carries {"via": "scim", "token": <prefix>} (`events.journal_via`). A rule that refuses
raises `BusinessError` (R3–R7, dates, addresses) or `PermissionDenied`, and nothing of the call is kept.
"""
import re
import unicodedata
from contextlib import contextmanager
from datetime import date

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404
from scim2_models import UniquenessException

from portail.access import Do, Seat
from portail.accounts.models import User
from portail.accounts.services import user_close, user_create, user_update
from portail.conventions.models import Convention
from portail.core.clock import now, today
from portail.core.errors import BusinessError
from portail.habilitations.models import Group, Membership
from portail.habilitations.services import (group_close, group_create, group_update, membership_add, membership_remove,
                                            membership_set_end)
from portail.journal import events

from .models import ScimGroupLink, ScimIdentity
from .resources import GroupInput, UserInput, granting_memberships


class MemberRefused(Exception):
    """A member of a Group the client sent is no one the token may put in a group."""

    def __init__(self, member_id: str):
        super().__init__(member_id)
        self.member_id = member_id


@contextmanager
def _as_token(token):
    with events.journal_via(via="scim", token=token.prefix), transaction.atomic():
        yield


# ---------------------------------------------------------------- users


def _check_user_input(data: UserInput) -> None:
    if not data.last_name or not data.first_name:
        raise BusinessError("name.familyName et name.givenName sont obligatoires.", field="name")
    if not data.email:
        raise BusinessError("Une adresse mail (emails) est obligatoire.", field="emails")
    for value, label, size in ((data.external_id, "externalId", 255), (data.user_name, "userName", 255),
                               (data.employee_number, "employeeNumber", 64)):
        if len(value) > size:
            raise BusinessError(f"{label} : {size} caractères au plus.", field=label)


def _alias(data: UserInput, person: User | None) -> str:
    """The userName the client proposed, kept when it is not the portal identifier itself."""
    if not data.user_name or (person is not None and data.user_name.lower() == person.username.lower()):
        return ""
    return data.user_name


def _check_unique_user(convention: Convention, data: UserInput, alias: str, person: User | None) -> None:
    others = ScimIdentity.objects.filter(convention=convention)
    if person is not None:
        others = others.exclude(user=person)
    if data.external_id and others.filter(external_id=data.external_id).exists():
        raise UniquenessException(detail=f"externalId « {data.external_id} » est déjà utilisé dans cette convention.")
    if alias and (others.filter(user_name__iexact=alias).exists()
                  or User.objects.filter(username__iexact=alias).exclude(pk=getattr(person, "pk", None)).exists()):
        raise UniquenessException(detail=f"userName « {alias} » est déjà utilisé.")


def _save_identity(*, actor, person: User, convention: Convention, data: UserInput, alias: str, ip) -> None:
    identity, _ = ScimIdentity.objects.select_for_update().get_or_create(user=person, convention=convention)
    values = {"external_id": data.external_id, "user_name": alias, "employee_number": data.employee_number}
    labels = {"external_id": "externalId", "user_name": "userName", "employee_number": "employeeNumber"}
    changes = {labels[k]: v for k, v in values.items() if getattr(identity, k) != v}
    if changes:
        for key, value in values.items():
            setattr(identity, key, value)
        identity.save()
        events.scim_identity_updated(actor=actor, user=person, convention=convention, changes=changes, ip=ip)


def scim_user_create(*, token, convention: Convention, data: UserInput, ip: str | None = None) -> User:
    """A new partner staff member (R4: identifier generated, activation link by mail), closed at once if the
    client sends `active: false`."""
    _check_user_input(data)
    actor = token.created_by
    with _as_token(token):
        Convention.objects.select_for_update(no_key=True).filter(pk=convention.pk).first()  # one creation at a time
        _check_unique_user(convention, data, data.user_name, None)
        person = user_create(actor=actor, organisation=convention.organisation, last_name=data.last_name,
                             first_name=data.first_name, email=data.email, phone=data.phone, convention=convention,
                             ip=ip)
        _save_identity(actor=actor, person=person, convention=convention, data=data, alias=_alias(data, person), ip=ip)
        if not data.active:
            user_close(actor=actor, user=person, convention=convention, ip=ip)
    return person


def scim_user_replace(*, token, convention: Convention, person: User, data: UserInput,
                      ip: str | None = None) -> User:
    """PUT, or the result of a PATCH: the person's name, address (confirmed by its owner, R7b), telephone,
    client ids; `active: false` closes him (R4). A closed person is not reopened here."""
    _check_user_input(data)
    actor = token.created_by
    with _as_token(token):
        Convention.objects.select_for_update(no_key=True).filter(pk=convention.pk).first()
        person = User.objects.select_for_update().get(pk=person.pk)
        alias = _alias(data, person)
        _check_unique_user(convention, data, alias, person)
        if data.active and person.status == User.Status.CLOSED:
            raise BusinessError("Ce compte est clos : il ne se rouvre pas par SCIM.", field="active")
        user_update(actor=actor, user=person, last_name=data.last_name, first_name=data.first_name, email=data.email,
                    phone=data.phone, opening_date=person.opening_date, closing_date=person.closing_date,
                    work_mode=person.work_mode, convention=convention, ip=ip)
        _save_identity(actor=actor, person=person, convention=convention, data=data, alias=alias, ip=ip)
        if not data.active and person.status != User.Status.CLOSED:
            user_close(actor=actor, user=person, convention=convention, ip=ip)
    return person


def scim_user_delete(*, token, convention: Convention, person: User, ip: str | None = None) -> None:
    """DELETE: the person is closed, never deleted (R4); SCIM answers 404 for him afterwards."""
    actor = token.created_by
    with _as_token(token):
        person = User.objects.select_for_update().get(pk=person.pk)
        if person.status != User.Status.CLOSED:
            user_close(actor=actor, user=person, convention=convention, ip=ip)
        identity, _ = ScimIdentity.objects.select_for_update().get_or_create(user=person, convention=convention)
        identity.deleted_at = now()
        identity.save(update_fields=["deleted_at"])


# ---------------------------------------------------------------- groups


def _code_from(label: str, convention: Convention) -> str:
    """A free group code made from the libellé: « Équipe RSA Nord » → EQUIPE-RSA-NORD (20 characters at most)."""
    ascii_label = unicodedata.normalize("NFKD", label).encode("ascii", "ignore").decode()
    base = re.sub(r"[^A-Z0-9]+", "-", ascii_label.upper()).strip("-")[:20] or "GROUPE"
    taken = set(Group.objects.filter(convention=convention, code__startswith=base[:14]).values_list("code", flat=True))
    if base not in taken:
        return base
    for n in range(2, 100000):
        candidate = f"{base[:20 - len(str(n)) - 1]}-{n}"
        if candidate not in taken:
            return candidate
    raise BusinessError("Aucun code de groupe libre pour ce libellé.")


def _member(seat: Seat, member_id) -> User:
    """A person named as a member: one the token may put in a group (R5, R7b), else MemberRefused."""
    try:
        return seat.user(member_id, Do.ENROL)
    except (Http404, PermissionDenied):
        raise MemberRefused(str(member_id))


def _check_external_group_id(convention: Convention, external_id: str, group: Group | None) -> None:
    if len(external_id) > 255:
        raise BusinessError("externalId : 255 caractères au plus.", field="externalId")
    others = ScimGroupLink.objects.filter(convention=convention, external_id=external_id)
    if group is not None:
        others = others.exclude(group=group)
    if external_id and others.exists():
        raise UniquenessException(detail=f"externalId « {external_id} » est déjà utilisé dans cette convention.")


def _set_members(*, actor, seat: Seat, group: Group, member_ids: list[str], ends: dict[str, date | None] | None,
                 ip) -> None:
    """The group's members become exactly `member_ids`, with the end dates of `ends` (None: end dates left as
    they are). Only the differences go through the services, so a PATCH adding one member to a large group
    checks and writes one membership."""
    deleted = ScimIdentity.objects.filter(convention=seat.convention, deleted_at__isnull=False).values("user_id")
    current = {m.user_id: m for m in granting_memberships().filter(group=group).exclude(user__in=deleted)
               .select_related("user", "group")}
    wanted: dict[int, date | None] = {}
    for raw in dict.fromkeys(member_ids):
        if not raw.isdigit():
            raise MemberRefused(raw)
        wanted[int(raw)] = ends.get(raw) if ends is not None else None
    for pk, membership in current.items():
        if pk not in wanted:
            if not seat.may_enrol(membership.user):
                raise MemberRefused(str(pk))
            membership_remove(actor=actor, user=membership.user, group=group, ip=ip)
        elif ends is not None and membership.ends_on != wanted[pk]:
            membership_set_end(actor=actor, membership=membership, ends_on=wanted[pk], ip=ip)
    for pk, ends_on in wanted.items():
        if pk not in current:
            person = _member(seat, pk)
            # A past membership (its end date gone by) is replaced by a new one.
            if Membership.objects.filter(user=person, group=group, ends_on__lt=today()).exists():
                membership_remove(actor=actor, user=person, group=group, ip=ip)
            membership_add(actor=actor, user=person, group=group, ends_on=ends_on, ip=ip)


def scim_group_create(*, token, seat: Seat, data: GroupInput, ip: str | None = None) -> Group:
    """A main group of the convention (its roles are given on the screens, R3), with its members (R5)."""
    convention = seat.convention
    if not data.display_name:
        raise BusinessError("displayName est obligatoire.", field="displayName")
    actor = token.created_by
    with _as_token(token):
        Convention.objects.select_for_update(no_key=True).filter(pk=convention.pk).first()
        _check_external_group_id(convention, data.external_id, None)
        group = group_create(actor=actor, convention=convention, code=_code_from(data.display_name, convention),
                             label=data.display_name, opening_date=max(today(), convention.opening_date),
                             closing_date=convention.closing_date)
        ScimGroupLink.objects.create(group=group, convention=convention, external_id=data.external_id)
        if data.external_id:
            events.scim_group_updated(actor=actor, group=group, changes={"externalId": data.external_id}, ip=ip)
        _set_members(actor=actor, seat=seat, group=group, member_ids=data.member_ids, ends=data.ends, ip=ip)
    return group


def scim_group_replace(*, token, seat: Seat, group: Group, data: GroupInput, ip: str | None = None) -> Group:
    """PUT, or the result of a PATCH: libellé, client id, and exactly these members."""
    convention = seat.convention
    if not data.display_name:
        raise BusinessError("displayName est obligatoire.", field="displayName")
    actor = token.created_by
    with _as_token(token):
        Convention.objects.select_for_update(no_key=True).filter(pk=convention.pk).first()
        _check_external_group_id(convention, data.external_id, group)
        if data.display_name != group.label:
            group = group_update(actor=actor, group=group, label=data.display_name, opening_date=group.opening_date,
                                 closing_date=group.closing_date, responsable=group.responsable, ip=ip)
        link, _ = ScimGroupLink.objects.select_for_update().get_or_create(group=group,
                                                                      defaults={"convention": convention})
        if link.external_id != data.external_id:
            link.external_id = data.external_id
            link.save(update_fields=["external_id"])
            events.scim_group_updated(actor=actor, group=group, changes={"externalId": data.external_id}, ip=ip)
        _set_members(actor=actor, seat=seat, group=group, member_ids=data.member_ids, ends=data.ends, ip=ip)
    return group


def scim_group_delete(*, token, seat: Seat, group: Group, ip: str | None = None) -> None:
    """DELETE: the group is closed (R2: its subtree grants nothing more), its history kept; SCIM answers 404
    for it afterwards."""
    actor = token.created_by
    with _as_token(token):
        if group.status != Group.Status.CLOSED:
            group_close(actor=actor, group=group, closing_date=max(today(), group.opening_date), ip=ip)
        link, _ = ScimGroupLink.objects.select_for_update().get_or_create(group=group,
                                                                      defaults={"convention": seat.convention})
        link.deleted_at = now()
        link.save(update_fields=["deleted_at"])
