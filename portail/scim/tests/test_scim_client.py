"""A SCIM client that is not ours (scim2-client, over HTTP with httpx2) provisions a convention against a live
server, knowing only the RFCs: it discovers the service, creates, filters, pages, patches, replaces and
deletes users and groups; the results obey the portal's rules, checked through portail/access."""
import re
from datetime import timedelta

import httpx2
import pytest
from scim2_client.engines.httpx2 import SyncSCIMClient
from scim2_models import (Email, EnterpriseUser, Error, Group, GroupMember, ListResponse, Name, PatchOp,
                          PatchOperation, SCIMException, SearchRequest, User)

from portail.access import CDAP, roles_of
from portail.accounts.models import User as Person
from portail.api.tokens import token_create
from portail.core.clock import today
from portail.habilitations.models import Group as PortalGroup, Membership
from portail.journal.models import Action, JournalEntry
from portail.testing.world import build_world

ScimUser = User[EnterpriseUser]


@pytest.fixture
def scim(live_server, transactional_db):
    world = build_world()
    token, raw = token_create(actor=world.admin1, convention=world.conv1, name="annuaire RH", scopes=["scim"],
                              expires_on=today() + timedelta(days=30))
    http = httpx2.Client(base_url=f"{live_server.url}/scim/v2/{world.conv1.pk}/",
                         headers={"Authorization": f"Bearer {raw}"}, timeout=30, trust_env=False)
    client = SyncSCIMClient(http)
    client.discover()
    yield world, token, client
    http.close()


def person(family: str, given: str, external_id: str, number: str) -> ScimUser:
    user = ScimUser(user_name=f"{given}.{family}@cd.example".lower(), external_id=external_id,
                    name=Name(family_name=family, given_name=given),
                    emails=[Email(value=f"{given}.{family}@cd.example".lower(), type="work", primary=True)])
    user[EnterpriseUser] = EnterpriseUser(employee_number=number)
    return user


def cdap_roles(user_id: int, caf_id: int) -> set[str]:
    return {role.code for role, _ in roles_of(Person.objects.get(pk=user_id), caf_id=caf_id, service_code=CDAP)}


def patch(model, *operations) -> PatchOp:
    return PatchOp[model](operations=[PatchOperation[model](**op) for op in operations])


def test_a_directory_provisions_users_and_groups(scim):
    world, token, client = scim
    caf = world.caf1.pk

    # discovery: what the service announces, built from scim2-models
    config = client.provider.config
    assert config.patch.supported and config.etag.supported and config.filter.supported
    assert {t.name for t in client.provider.resource_types} == {"User", "Group"}

    # create: the portal gives the identifier (userName), the client's id is externalId
    created = [client.create(person(*p)) for p in (("Martin", "Alice", "rh-001", "E001"),
                                                     ("Martineau", "Bruno", "rh-002", "E002"),
                                                     ("Durand", "Chloe", "rh-003", "E003"))]
    alice, bruno, chloe = created
    for user in created:
        assert re.fullmatch(r"[A-Z]{4}\d{4}", user.user_name)
        assert user.active is True
    assert alice.external_id == "rh-001" and alice[EnterpriseUser].employee_number == "E001"
    assert Person.objects.get(pk=alice.id).organisation_id == world.org_a.pk

    # filters: eq, sw, co, and/or with parentheses; userName also matches the name the client proposed
    def ids(text):
        found = client.query(ScimUser, query_parameters=SearchRequest(filter=text))
        return {r.id for r in found.resources or []}

    assert ids('externalId eq "rh-002"') == {bruno.id}
    assert ids('name.familyName sw "Martin"') == {alice.id, bruno.id}
    assert ids('name.familyName sw "martin" and (emails co "alice" or externalId eq "rh-003")') == {alice.id}
    assert ids('externalId eq "rh-001" or externalId eq "rh-003"') == {alice.id, chloe.id}
    assert ids('userName eq "alice.martin@cd.example"') == {alice.id}
    assert ids(f'userName eq "{alice.user_name}"') == {alice.id}
    assert ids('urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber eq "E003"') == {chloe.id}

    # pagination: startIndex and count over a stable order
    everyone = client.query(ScimUser, query_parameters=SearchRequest(count=200))
    total = everyone.total_results
    assert total == len(everyone.resources) >= 3
    page = client.query(ScimUser, query_parameters=SearchRequest(start_index=2, count=2))
    assert isinstance(page, ListResponse) and page.total_results == total
    assert page.start_index == 2 and [r.id for r in page.resources] == [r.id for r in everyone.resources[1:3]]

    # groups: a new main group with members (no roles yet: they are given on the screens, R3)
    team = client.create(Group(display_name="Équipe RSA Nord", external_id="grp-rsa",
                               members=[GroupMember(value=alice.id), GroupMember(value=bruno.id)]))
    assert {m.value for m in team.members} == {alice.id, bruno.id}
    portal_team = PortalGroup.objects.get(pk=team.id)
    assert (portal_team.convention_id, portal_team.level, portal_team.code) == (world.conv1.pk, 1, "EQUIPE-RSA-NORD")
    assert cdap_roles(alice.id, caf) == set()  # a group without roles grants nothing
    assert client.query(ScimUser, alice.id).groups[0].value == team.id

    # an existing group with roles (N5: T1, T18): a member provisioned through Groups gets exactly its rights
    n5 = world.group_n5
    client.modify(Group, str(n5.pk), patch(Group, {"op": "add", "path": "members",
                                                    "value": [{"value": chloe.id}]}))
    assert cdap_roles(chloe.id, caf) == {"T1", "T18"}
    assert ids('externalId eq "rh-003"') == {chloe.id}
    groups = client.query(Group, query_parameters=SearchRequest(filter=f'members[value eq "{chloe.id}"]'))
    assert {g.id for g in groups.resources} == {str(n5.pk)}

    # removing the member through a PATCH filter takes the rights away
    client.modify(Group, str(n5.pk), patch(Group, {"op": "remove", "path": f'members[value eq "{chloe.id}"]'}))
    assert cdap_roles(chloe.id, caf) == set()

    # replace (PUT) of a group: libellé and exactly these members
    team.display_name = "Équipe RSA Nord-Est"
    member = type(team.members[0])  # the model the client built from the discovered schema
    team.members = [member(value=bruno.id), member(value=chloe.id)]
    replaced = client.replace(team)
    assert replaced.display_name == "Équipe RSA Nord-Est"
    assert {m.value for m in replaced.members} == {bruno.id, chloe.id}
    assert not Membership.objects.filter(user_id=alice.id, group_id=team.id).exists()

    # patch a user: the name, then the enterprise number; replace (PUT) keeps the identifier
    bruno = client.modify(ScimUser, bruno.id, patch(ScimUser, {"op": "replace", "path": "name.givenName",
                                                               "value": "Bruneau"}))
    assert bruno.name.given_name == "Bruneau" and Person.objects.get(pk=bruno.id).first_name == "Bruneau"
    bruno[EnterpriseUser].employee_number = "E002-B"
    bruno = client.replace(bruno)
    assert bruno[EnterpriseUser].employee_number == "E002-B"

    # R4: a deactivated user holds nothing, even in a group with roles
    client.modify(Group, str(n5.pk), patch(Group, {"op": "add", "path": "members", "value": [{"value": alice.id}]}))
    assert cdap_roles(alice.id, caf) == {"T1", "T18"}
    alice = client.modify(ScimUser, alice.id, patch(ScimUser, {"op": "replace", "path": "active", "value": False}))
    assert alice.active is False
    assert cdap_roles(alice.id, caf) == set()

    # delete = close: the portal keeps the person and his history, SCIM no longer finds him
    client.delete(ScimUser, chloe.id)
    assert Person.objects.get(pk=chloe.id).status == Person.Status.CLOSED
    assert Membership.objects.filter(user_id=chloe.id, group_id=team.id).exists()
    with pytest.raises(SCIMException) as missing:
        client.query(ScimUser, chloe.id)
    assert missing.value.status == 404
    assert ids('externalId eq "rh-003"') == set()

    # delete a group = close it: its members lose what it gave
    client.modify(Group, str(n5.pk), patch(Group, {"op": "add", "path": "members", "value": [{"value": bruno.id}]}))
    assert cdap_roles(bruno.id, caf) == {"T1", "T18"}
    client.delete(Group, str(n5.pk))
    assert PortalGroup.objects.get(pk=n5.pk).status == PortalGroup.Status.CLOSED
    assert cdap_roles(bruno.id, caf) == set()
    error = client.query(Group, str(n5.pk), raise_scim_errors=False)
    assert isinstance(error, Error) and error.status == 404

    # every change names the token in the journal
    changes = JournalEntry.objects.filter(action__in=[Action.USER_CREATED, Action.USER_UPDATED, Action.USER_CLOSED,
                                                      Action.GROUP_CREATED, Action.GROUP_UPDATED, Action.GROUP_CLOSED,
                                                      Action.MEMBERSHIP_ADDED, Action.MEMBERSHIP_REMOVED])
    assert changes.count() >= 15
    assert all(e.details.get("via") == "scim" and e.details.get("token") == token.prefix for e in changes)
