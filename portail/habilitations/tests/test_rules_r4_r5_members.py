"""R4 (a user who is not open holds no right) and R5 (membership: own organisation, union of roles)."""
from datetime import timedelta

import pytest

from portail.accounts.models import User
from portail.core.clock import today
from portail.core.errors import BusinessError
from portail.testing.factories import (
    CafAgentFactory, ConventionFactory, RoleFactory, ServiceFactory, UserFactory, make_group,
)
from portail.habilitations import services
from portail.access import cafs_for_consultation, consultation_rights, open_groups_of
from portail.habilitations.models import Group, GroupRole, Membership
from portail.journal.models import Action, JournalEntry


def counts():
    return Membership.objects.count(), JournalEntry.objects.count()


@pytest.fixture
def groups(convention, role_t1, role_t18):
    top = make_group(convention, "GROUPES", roles=[role_t1, role_t18])
    return top, make_group(convention, "ACCUEIL", roles=[role_t18])


# ---------------------------------------------------------------- R4: no right when not open


@pytest.mark.parametrize(
    "change",
    [
        {"status": User.Status.SUSPENDED},
        {"status": User.Status.CLOSED},
        {"closing_date": today() - timedelta(days=1), "opening_date": today() - timedelta(days=30)},
        {"opening_date": today() + timedelta(days=1)},
        {"is_active": False},
    ],
    ids=["suspended", "closed", "past-closing-date", "not-yet-open", "inactive"],
)
def test_user_not_open_holds_no_right(groups, convention, partner_user, change):
    groups[0].memberships.create(user=partner_user)
    assert consultation_rights(partner_user, convention.caf_id).allowed
    User.objects.filter(pk=partner_user.pk).update(**change)
    partner_user.refresh_from_db()
    assert open_groups_of(partner_user) == []
    assert not consultation_rights(partner_user, convention.caf_id).allowed
    assert cafs_for_consultation(partner_user) == []


# ---------------------------------------------------------------- R5: union of roles


def test_rights_are_the_union_of_the_roles_of_his_open_groups(groups, convention, partner_user, role_t1, role_t18):
    top, accueil = groups
    accueil.memberships.create(user=partner_user)
    rights = consultation_rights(partner_user, convention.caf_id)
    assert [r.code for r, _ in rights.grants] == ["T18"]
    assert rights.tabs == ["synthese", "resume", "famille", "logement"]
    assert not rights.can_print_attestation

    top.memberships.create(user=partner_user)
    rights = consultation_rights(partner_user, convention.caf_id)
    assert sorted((r.code, g.code) for r, g in rights.grants) == [("T1", "GROUPES"), ("T18", "ACCUEIL"), ("T18", "GROUPES")]
    assert rights.tabs == ["synthese", "resume", "paiements", "droits", "famille", "ressources", "rsa", "courriers",
                           "logement", "creances"]
    assert rights.can_print_attestation and rights.can_post_attestation
    assert {v["role"] for v in rights.trace("paiements")["via"]} == {"T1"}


def test_rights_are_per_caf(groups, convention, partner_user, cdap, role_t18):
    groups[1].memberships.create(user=partner_user)
    other = ConventionFactory(organisation=convention.organisation, services=[cdap])
    make_group(other, "AUTRE", roles=[role_t18], members=[partner_user])
    third = ConventionFactory(organisation=convention.organisation, services=[cdap])  # no group of his there

    assert consultation_rights(partner_user, convention.caf_id).allowed
    assert consultation_rights(partner_user, other.caf_id).allowed
    assert not consultation_rights(partner_user, third.caf_id).allowed
    assert {c.pk for c in cafs_for_consultation(partner_user)} == {convention.caf_id, other.caf_id}


def test_only_active_cdap_roles_count(convention, partner_user, role_t18):
    group = make_group(convention, "G", members=[partner_user])
    GroupRole.objects.create(group=group, role=RoleFactory(code="T9", requires_caf_validation=True),
                             state=GroupRole.State.PENDING)
    afas = ServiceFactory(code="AFAS")
    convention.services.add(afas)
    GroupRole.objects.create(group=group, role=RoleFactory(service=afas, code="A1"))
    assert not consultation_rights(partner_user, convention.caf_id).allowed
    assert cafs_for_consultation(partner_user) == []


def test_a_role_of_a_service_the_convention_no_longer_opens_gives_nothing(convention, partner_user, role_t18, cdap):
    make_group(convention, "G", roles=[role_t18], members=[partner_user])
    convention.services.remove(cdap)
    assert not consultation_rights(partner_user, convention.caf_id).allowed


def test_a_group_of_another_organisations_convention_gives_nothing(partner_user, role_t18):
    """Even if such a membership were forced into the database, it grants nothing."""
    foreign = ConventionFactory()
    make_group(foreign, "AILLEURS", roles=[role_t18], members=[partner_user])
    assert not consultation_rights(partner_user, foreign.caf_id).allowed


# ---------------------------------------------------------------- R5: membership services


def test_membership_add_puts_the_user_in_the_group_and_journals_it(admin_user, convention, groups, partner_user):
    top = groups[0]
    membership = services.membership_add(actor=admin_user, user=partner_user, group=top, ip="10.0.0.9")
    assert membership.user == partner_user and membership.group == top
    entry = JournalEntry.objects.last()
    assert entry.action == Action.MEMBERSHIP_ADDED
    assert (entry.actor_id, entry.target_user_id, entry.group_id, entry.convention_id, entry.caf_id) == (
        admin_user.pk, partner_user.pk, top.pk, convention.pk, convention.caf_id)
    assert consultation_rights(partner_user, convention.caf_id).allowed


@pytest.mark.parametrize("who", ["other-organisation", "caf-agent"])
def test_membership_add_refuses_a_person_of_another_organisation(admin_user, convention, groups, who):
    outsider = UserFactory() if who == "other-organisation" else CafAgentFactory(caf=convention.caf)
    before = counts()
    with pytest.raises(BusinessError) as error:
        services.membership_add(actor=admin_user, user=outsider, group=groups[0])
    assert error.value.field == "group"
    assert "organisation" in error.value.text
    assert counts() == before


def test_membership_add_refuses_a_closed_group_and_a_duplicate(admin_user, groups, partner_user):
    top, accueil = groups
    services.membership_add(actor=admin_user, user=partner_user, group=top)
    before = counts()
    with pytest.raises(BusinessError) as error:
        services.membership_add(actor=admin_user, user=partner_user, group=top)
    assert error.value.field == "group"
    Group.objects.filter(pk=accueil.pk).update(status=Group.Status.CLOSED)
    accueil.refresh_from_db()
    with pytest.raises(BusinessError) as error:
        services.membership_add(actor=admin_user, user=partner_user, group=accueil)
    assert error.value.field == "group"
    assert counts() == before


def test_membership_remove_takes_the_rights_away_and_journals_it(admin_user, convention, groups, partner_user):
    top = groups[0]
    services.membership_add(actor=admin_user, user=partner_user, group=top)
    services.membership_remove(actor=admin_user, user=partner_user, group=top)
    assert not Membership.objects.filter(user=partner_user).exists()
    assert not consultation_rights(partner_user, convention.caf_id).allowed
    entry = JournalEntry.objects.last()
    assert entry.action == Action.MEMBERSHIP_REMOVED
    assert (entry.actor_id, entry.target_user_id, entry.group_id) == (admin_user.pk, partner_user.pk, top.pk)

    before = counts()
    services.membership_remove(actor=admin_user, user=partner_user, group=top)  # not a member: nothing to trace
    assert counts() == before
