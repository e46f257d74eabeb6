"""The permission module's contract: forged ids are 404, Caf agents read only, anonymous sees nothing,
and rights resolve in a constant number of queries."""
import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.http import Http404

from portail.testing.factories import CafAgentFactory, CafFactory, ConventionFactory, UserFactory, make_group
from portail.access import (
    Do, access_convention, access_group, access_user, cafs_for_consultation, consultation_rights,
    conventions_visible_to, groups_visible_to, management_scope, open_groups_of, users_visible_to,
)


@pytest.fixture
def group(convention, role_t1, partner_user):
    return make_group(convention, "GROUPES", roles=[role_t1], members=[partner_user])


@pytest.mark.parametrize("forged", ["abc", None, "", "1.5", 10**9, -1])
def test_forged_ids_are_not_found(admin_user, convention, group, forged):
    with pytest.raises(Http404):
        access_convention(admin_user, forged)
    with pytest.raises(Http404):
        access_group(admin_user, convention, forged)
    with pytest.raises(Http404):
        access_user(admin_user, convention, forged)


def test_a_user_of_another_organisation_is_not_found_even_for_the_administrator(admin_user, convention):
    with pytest.raises(Http404):
        access_user(admin_user, convention, UserFactory().pk, Do.MANAGE)
    with pytest.raises(Http404):
        access_user(admin_user, convention, CafAgentFactory(caf=convention.caf).pk)


def test_caf_agent_reads_his_cafs_conventions_but_changes_nothing(caf_agent, convention, group, partner_user):
    assert list(conventions_visible_to(caf_agent)) == [convention]
    assert access_convention(caf_agent, convention.pk) == convention
    assert access_group(caf_agent, convention, group.pk) == group
    assert access_user(caf_agent, convention, partner_user.pk) == partner_user
    assert list(groups_visible_to(caf_agent, convention)) == [group]
    assert management_scope(caf_agent, convention) is None
    for call in (
        lambda: access_convention(caf_agent, convention.pk, Do.MANAGE),
        lambda: access_group(caf_agent, convention, group.pk, Do.MANAGE),
        lambda: access_group(caf_agent, convention, group.pk, Do.ADMINISTER),
        lambda: access_user(caf_agent, convention, partner_user.pk, Do.MANAGE),
        lambda: access_convention(caf_agent, convention.pk, Do.MANAGE),
    ):
        with pytest.raises(PermissionDenied):
            call()
    assert not consultation_rights(caf_agent, convention.caf_id).allowed
    assert cafs_for_consultation(caf_agent) == []


def test_agent_of_another_caf_sees_nothing(convention, group):
    agent = CafAgentFactory(caf=CafFactory())
    assert not conventions_visible_to(agent).exists()
    with pytest.raises(Http404):
        access_convention(agent, convention.pk)
    with pytest.raises(Http404):
        access_group(agent, convention, group.pk)


def test_closed_caf_agent_sees_nothing(caf_agent, convention):
    caf_agent.status = caf_agent.Status.CLOSED
    caf_agent.save()
    assert not conventions_visible_to(caf_agent).exists()
    with pytest.raises(Http404):
        access_convention(caf_agent, convention.pk)


def test_anonymous_sees_nothing(convention, group, partner_user):
    anonymous = AnonymousUser()
    assert not conventions_visible_to(anonymous).exists()
    assert not groups_visible_to(anonymous, convention).exists()
    assert not users_visible_to(anonymous, convention).exists()
    for call in (
        lambda: access_convention(anonymous, convention.pk),
        lambda: access_group(anonymous, convention, group.pk),
        lambda: access_user(anonymous, convention, partner_user.pk),
    ):
        with pytest.raises(Http404):
            call()


def test_plain_member_gets_consultation_rights_but_manages_nothing(convention, group, partner_user):
    assert not conventions_visible_to(partner_user).exists()
    with pytest.raises(Http404):  # no business in the convention at all
        access_convention(partner_user, convention.pk, Do.MANAGE)
    rights = consultation_rights(partner_user, convention.caf_id)
    assert rights.allowed
    assert rights.trace("rsa") == {
        "via": [{"convention": convention.pk, "group": group.pk, "group_code": "GROUPES", "role": "T1"}]
    }


def test_cafs_for_consultation_lists_each_caf_once_sorted_by_name(organisation, cdap, role_t1, partner_user):
    for name in ("Caf part 2", "Caf part 1"):
        conv = ConventionFactory(organisation=organisation, services=[cdap], caf=CafFactory(name=name))
        for code in ("A", "B"):
            make_group(conv, code, roles=[role_t1], members=[partner_user])
    assert [c.name for c in cafs_for_consultation(partner_user)] == ["Caf part 1", "Caf part 2"]


@pytest.mark.parametrize("groups", [1, 8])
def test_rights_resolve_in_a_constant_number_of_queries(
    organisation, cdap, role_t1, role_t18, partner_user, groups, django_assert_max_num_queries
):
    conv = ConventionFactory(organisation=organisation, services=[cdap])
    parent = None
    for i in range(groups):
        parent = make_group(conv, f"N{i}", parent=parent if i < 5 else None, roles=[role_t1, role_t18],
                            members=[partner_user])
    with django_assert_max_num_queries(3):
        rights = consultation_rights(partner_user, conv.caf_id)
        assert rights.tabs and rights.can_print_attestation
    with django_assert_max_num_queries(3):
        assert len(cafs_for_consultation(partner_user)) == 1
    with django_assert_max_num_queries(2):
        assert len(open_groups_of(partner_user)) == groups
