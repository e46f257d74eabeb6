"""The portal's people and groups as SCIM resources (scim2-models), and back.

A User: `id` the portal's user id, `userName` the portal identifier, `externalId` the client's id, `name`,
`emails` (one, work), `phoneNumbers` (one, work), `active` (R4: open today), `groups` (read only: his groups
in this convention) and the enterprise extension's `employeeNumber`. A Group: `id`, `displayName` (the
group's libellé), `externalId`, `members` (users whose membership grants today) and, in the portal's
extension, the end dates of time-bound memberships (`temporaryMembers`).

`meta.version` is a weak ETag computed from the resource itself: any change of what the client can read
changes it, with nothing stored.
"""
import hashlib
import json
from dataclasses import dataclass

from datetime import date

from scim2_models import (Context, Email, EnterpriseUser, GroupMember, GroupMembership, InvalidValueException, Meta,
                          Name, PhoneNumber)

from portail.accounts.models import User as Person
from portail.core.clock import today
from portail.habilitations.models import Group as PortalGroup, Membership

from .models import ScimGroupLink as GroupLink, ScimIdentity
from .provider import PortailGroup, ScimGroup, ScimUser, TemporaryMember


def version_of(resource) -> str:
    payload = resource.model_dump(scim_ctx=Context.RESOURCE_QUERY_RESPONSE, exclude={"meta"})
    digest = hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()[:20]
    return f'W/"{digest}"'


def _with_meta(resource, *, kind: str, location: str, created=None):
    resource.meta = Meta(resource_type=kind, location=location, created=created)
    resource.meta.version = version_of(resource)
    return resource


def granting_memberships(day=None):
    """Memberships that grant on `day`: no end date, or an end date not passed."""
    day = day or today()
    return Membership.objects.exclude(ends_on__lt=day)


@dataclass
class UserContext:
    """What the user resources of one page need, read in a few queries for the whole page."""

    identities: dict[int, ScimIdentity]
    groups: dict[int, list[PortalGroup]]

    @classmethod
    def load(cls, people: list[Person], convention_id: int, visible_groups) -> "UserContext":
        ids = [p.pk for p in people]
        identities = {i.user_id: i for i in ScimIdentity.objects.filter(convention_id=convention_id, user_id__in=ids)}
        groups: dict[int, list[PortalGroup]] = {pk: [] for pk in ids}
        rows = (granting_memberships().filter(user_id__in=ids, group__in=visible_groups)
                .exclude(group__scim__deleted_at__isnull=False)
                .select_related("group").order_by("group__path"))
        for m in rows:
            groups[m.user_id].append(m.group)
        return cls(identities, groups)


def user_resource(person: Person, ctx: UserContext, base: str) -> ScimUser:
    identity = ctx.identities.get(person.pk)
    resource = ScimUser(
        id=str(person.pk),
        user_name=person.username,
        external_id=(identity.external_id or None) if identity else None,
        name=Name(family_name=person.last_name, given_name=person.first_name,
                  formatted=person.get_full_name()),
        display_name=person.get_full_name(),
        emails=[Email(value=person.email, type="work", primary=True)] if person.email else None,
        phone_numbers=[PhoneNumber(value=person.phone, type="work")] if person.phone else None,
        active=person.is_open,
        groups=[GroupMembership(value=str(g.pk), display=g.label, ref=f"{base}Groups/{g.pk}", type="direct")
                for g in ctx.groups.get(person.pk, [])] or None,
    )
    if identity and identity.employee_number:
        resource[EnterpriseUser] = EnterpriseUser(employee_number=identity.employee_number)
    return _with_meta(resource, kind="User", location=f"{base}Users/{person.pk}", created=person.date_joined)


@dataclass
class GroupContext:
    links: dict[int, GroupLink]
    members: dict[int, list[Membership]]

    @classmethod
    def load(cls, groups: list[PortalGroup], visible_people) -> "GroupContext":
        ids = [g.pk for g in groups]
        links = {link.group_id: link for link in GroupLink.objects.filter(group_id__in=ids)}
        members: dict[int, list[Membership]] = {pk: [] for pk in ids}
        rows = (granting_memberships().filter(group_id__in=ids, user__in=visible_people)
                .select_related("user").order_by("user__username"))
        for m in rows:
            members[m.group_id].append(m)
        return cls(links, members)


def group_resource(group: PortalGroup, ctx: GroupContext, base: str) -> ScimGroup:
    link = ctx.links.get(group.pk)
    memberships = ctx.members.get(group.pk, [])
    resource = ScimGroup(
        id=str(group.pk),
        display_name=group.label,
        external_id=(link.external_id or None) if link else None,
        members=[GroupMember(value=str(m.user_id), display=m.user.get_full_name(), type="User",
                             ref=f"{base}Users/{m.user_id}") for m in memberships] or None,
    )
    ending = [TemporaryMember(value=str(m.user_id), ends_on=m.ends_on.isoformat()) for m in memberships if m.ends_on]
    if ending:
        resource[PortailGroup] = PortailGroup(temporary_members=ending)
    return _with_meta(resource, kind="Group", location=f"{base}Groups/{group.pk}")


# ---------------------------------------------------------------- what a client sent


@dataclass
class UserInput:
    """The portal's fields read from a User resource the client sent (creation, replacement, patch)."""

    user_name: str
    external_id: str
    last_name: str
    first_name: str
    email: str
    phone: str
    active: bool
    employee_number: str


def _first(values, attr="value"):
    if not values:
        return ""
    primary = [v for v in values if getattr(v, "primary", False)]
    return (getattr((primary or values)[0], attr, None) or "").strip()


def user_input(resource: ScimUser) -> UserInput:
    name = resource.name
    extension = resource[EnterpriseUser]
    return UserInput(
        user_name=(resource.user_name or "").strip(),
        external_id=(resource.external_id or "").strip(),
        last_name=(name.family_name or "").strip() if name else "",
        first_name=(name.given_name or "").strip() if name else "",
        email=_first(resource.emails),
        phone=_first(resource.phone_numbers),
        active=resource.active if resource.active is not None else True,
        employee_number=((extension.employee_number or "").strip() if extension else ""),
    )


@dataclass
class GroupInput:
    display_name: str
    external_id: str
    member_ids: list[str]
    # member id → end date; None when the client sent no end dates at all (they are then left as they are)
    ends: dict[str, date | None] | None


def _ends(resource: ScimGroup, member_ids: list[str]) -> dict[str, date | None] | None:
    extension = resource[PortailGroup]
    if extension is None:
        return None
    ends: dict[str, date | None] = {}
    for item in extension.temporary_members or []:
        member = str(item.value or "").strip()
        if member not in member_ids:
            raise InvalidValueException(detail=f"temporaryMembers : « {member} » n'est pas dans members.")
        try:
            ends[member] = date.fromisoformat(str(item.ends_on or "").strip())
        except ValueError:
            raise InvalidValueException(detail=f"temporaryMembers : endsOn « {item.ends_on} » n'est pas une date "
                                               "AAAA-MM-JJ.")
    return {member: ends.get(member) for member in member_ids}


def group_input(resource: ScimGroup) -> GroupInput:
    member_ids = [str(m.value).strip() for m in (resource.members or []) if m.value is not None]
    return GroupInput(
        display_name=(resource.display_name or "").strip(),
        external_id=(resource.external_id or "").strip(),
        member_ids=member_ids,
        ends=_ends(resource, member_ids),
    )
