"""The shared factories build consistent objects (tree fields, organisations, Cdap)."""
import pytest

from portail.testing.factories import (
    CafAgentFactory, ConventionFactory, GroupFactory, GroupRoleFactory, MembershipFactory, PASSWORD, make_group,
)

pytestmark = pytest.mark.django_db


def test_tree_fields_follow_the_parent():
    top = GroupFactory()
    sub = GroupFactory(parent=top)
    assert (top.level, top.path) == (1, f"/{top.pk}/")
    assert (sub.level, sub.path, sub.convention) == (2, f"/{top.pk}/{sub.pk}/", top.convention)
    assert sub.opening_date == top.convention.opening_date


def test_convention_is_open_with_cdap_and_members_share_its_organisation(role_t1):
    convention = ConventionFactory()
    assert convention.is_open and list(convention.services.values_list("code", flat=True)) == ["CDAP"]
    membership = MembershipFactory(group=make_group(convention, "G"))
    assert membership.user.organisation == convention.organisation
    assert membership.user.check_password(PASSWORD)
    assert GroupRoleFactory(group=membership.group, role=role_t1).state == "actif"


def test_caf_agent_has_a_caf_and_no_organisation():
    agent = CafAgentFactory()
    assert agent.is_caf_agent and agent.organisation is None


def test_login_as_fixture(login_as, admin_user):
    assert login_as(admin_user).get("/").status_code == 200
