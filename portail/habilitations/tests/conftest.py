"""Fixtures for the page-level tests of the habilitation administration.

`world` is one convention seen by every kind of actor:

    GROUPES (level 1, led by `top_responsable`)
    ├── PARENT (level 2, led by `parent_responsable`)         T1, T18
    │   └── CIBLE (level 3, led by `own_responsable`)          T18, member `plain_user`
    │       └── DESSOUS (level 4)                              T18, member `below_member`
    └── VOISIN (level 2, led by `sibling_responsable`)         T1

plus `newcomer` (same organisation, in no group), a Caf agent of the convention's Caf, an agent of
another Caf, the administrator of another convention of the same organisation and Caf, and an
`outside` convention (another Caf, another organisation) with its own group, member and newcomer.
"""
import re
from dataclasses import dataclass, field
from html import unescape

import pytest

from portail.accounts.models import User
from portail.conventions.models import Convention, Role
from portail.testing import factories as f
from portail.habilitations.models import Group, GroupRole, Membership
from portail.journal.models import JournalEntry
from portail.testing.auth import sign_in

ACTORS = (
    "administrator",
    "parent_responsable",
    "sibling_responsable",
    "own_responsable",
    "plain_user",
    "caf_agent",
    "other_caf_agent",
    "other_administrator",
    "anonymous",
)


@dataclass
class Place:
    """The objects a page acts on: inside the actors' convention, or in the outside one."""

    convention: Convention
    group: Group  # the group pages act on
    member: User  # a member of `group`
    newcomer: User  # same organisation, in no group
    extra_role: Role  # a role `group` may take but does not hold yet
    held_role: Role  # a role `group` holds, also held below it


@dataclass
class World:
    inside: Place
    outside: Place
    actors: dict = field(default_factory=dict)
    groups: dict = field(default_factory=dict)


@pytest.fixture
def world(convention, admin_user, partner_user, caf_agent, role_t1, role_t18) -> World:
    org = convention.organisation
    parent_resp = f.UserFactory(organisation=org, last_name="Parent")
    sibling_resp = f.UserFactory(organisation=org, last_name="Voisin")
    own_resp = f.UserFactory(organisation=org, last_name="Cible")
    top_resp = f.UserFactory(organisation=org, last_name="Haut")
    below_member = f.UserFactory(organisation=org)
    top = f.make_group(convention, "GROUPES", roles=[role_t1, role_t18], responsable=top_resp)
    parent = f.make_group(convention, "PARENT", parent=top, roles=[role_t1, role_t18], responsable=parent_resp)
    target = f.make_group(convention, "CIBLE", parent=parent, roles=[role_t18], responsable=own_resp,
                          members=[partner_user])
    below = f.make_group(convention, "DESSOUS", parent=target, roles=[role_t18], members=[below_member])
    sibling = f.make_group(convention, "VOISIN", parent=top, roles=[role_t1], responsable=sibling_resp)
    newcomer = f.UserFactory(organisation=org, last_name="Nouveau")

    other_convention = f.ConventionFactory(caf=convention.caf, organisation=org, label="Convention voisine")
    other_admin = f.UserFactory(organisation=org, last_name="Ailleurs")
    other_convention.administrators.add(other_admin)

    outside_convention = f.ConventionFactory(label="Convention extérieure", caf=f.CafFactory(name="Caf extérieure"))
    outside_group = f.make_group(outside_convention, "EXTERIEUR", roles=[role_t18])
    outside_member = f.UserFactory(organisation=outside_convention.organisation)
    f.MembershipFactory(group=outside_group, user=outside_member)
    outside_newcomer = f.UserFactory(organisation=outside_convention.organisation)

    actors = {
        "administrator": admin_user,
        "parent_responsable": parent_resp,
        "sibling_responsable": sibling_resp,
        "own_responsable": own_resp,
        "plain_user": partner_user,
        "caf_agent": caf_agent,
        "other_caf_agent": f.CafAgentFactory(caf=f.CafFactory(name="Caf d'ailleurs")),
        "other_administrator": other_admin,
        "anonymous": None,
    }
    return World(
        inside=Place(convention, target, partner_user, newcomer, role_t1, role_t18),
        outside=Place(outside_convention, outside_group, outside_member, outside_newcomer, role_t1, role_t18),
        actors=actors,
        groups={"top": top, "parent": parent, "target": target, "below": below, "sibling": sibling},
    )


@pytest.fixture
def act_as(client):
    """`act_as(user_or_None)`: the test client logged in as that person (None: anonymous)."""
    def _act(user):
        client.logout()
        if user is not None:
            sign_in(client, user)
        return client

    return _act


def snapshot() -> dict:
    """Everything the administration pages may change, to prove a refused request changed nothing."""
    return {
        "groups": list(Group.objects.order_by("pk").values_list(
            "pk", "code", "label", "status", "opening_date", "closing_date", "responsable_id", "path")),
        "group_roles": list(GroupRole.objects.order_by("pk").values_list("pk", "group_id", "role_id", "state")),
        "memberships": list(Membership.objects.order_by("pk").values_list("pk", "user_id", "group_id")),
        "users": list(User.objects.order_by("pk").values_list(
            "pk", "username", "last_name", "email", "status", "closing_date")),
        "journal": JournalEntry.objects.count(),
    }


def field_errors(response, name: str) -> list[str]:
    """The error texts DSFR shows next to the field `name` (its `id_<name>-desc-error` block)."""
    html = response.content.decode()
    found = re.search(rf'id="id_{re.escape(name)}-desc-error"[^>]*>(.*?)</(?:div|p)>', html, re.S)
    if not found:
        return []
    texts = re.findall(r">([^<>]+)<", f">{found.group(1)}<")
    return [unescape(" ".join(t.split())) for t in texts if t.strip()]


def page_text(response) -> str:
    """The page's visible text on one line, entities decoded (for « … » and apostrophes)."""
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", response.content.decode(), flags=re.S)
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())
