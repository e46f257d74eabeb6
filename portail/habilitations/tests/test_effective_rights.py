"""Effective rights never include a role a group's ancestor lacks (R3), whatever the stored rows say.

The rows are inserted straight into the database, as a race or a bulk load could leave them: the
services would refuse them, the rights must ignore them.
"""
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from portail.access import cafs_for_consultation, consultation_rights, role_ceiling, roles_of
from portail.habilitations.models import GroupRole
from portail.testing import factories as f


def codes(grants) -> list[str]:
    return sorted(role.code for role, _ in grants)


@pytest.fixture
def member(convention):
    return f.UserFactory(organisation=convention.organisation)


@pytest.fixture
def chain(convention, role_t1, role_t18):
    """GROUPES (T18) > SOUS1 (T18) > SOUS11: the member is placed by each test."""
    top = f.make_group(convention, "GROUPES", roles=[role_t18])
    sub = f.make_group(convention, "SOUS1", parent=top, roles=[role_t18])
    subsub = f.make_group(convention, "SOUS11", parent=sub)
    return top, sub, subsub


def test_a_stored_role_the_parent_lacks_gives_no_right(convention, chain, member, role_t1, role_t18):
    _, sub, subsub = chain
    GroupRole.objects.create(group=subsub, role=role_t1)  # SOUS1 lacks T1
    GroupRole.objects.create(group=subsub, role=role_t18)
    subsub.memberships.create(user=member)

    assert codes(roles_of(member, caf_id=convention.caf_id, service_code="CDAP")) == ["T18"]
    rights = consultation_rights(member, convention.caf_id)
    assert codes(rights.grants) == ["T18"]
    assert "creances" not in rights.tabs and not rights.can_print_attestation  # T1's tabs and attestations


def test_a_role_the_grand_parent_lacks_gives_no_right(convention, chain, member, role_t1):
    """The parent holds it (also stored by hand), the main group does not: the chain is checked, not one link."""
    _, sub, subsub = chain
    GroupRole.objects.create(group=sub, role=role_t1)
    GroupRole.objects.create(group=subsub, role=role_t1)
    subsub.memberships.create(user=member)
    sub.memberships.create(user=member)
    assert codes(consultation_rights(member, convention.caf_id).grants) == ["T18"]  # through SOUS1; never T1


def test_a_role_pending_on_the_parent_gives_no_right_below(convention, chain, member, role_t1):
    top, sub, _ = chain
    GroupRole.objects.create(group=top, role=role_t1, state=GroupRole.State.PENDING)
    GroupRole.objects.create(group=sub, role=role_t1)
    sub.memberships.create(user=member)
    assert codes(consultation_rights(member, convention.caf_id).grants) == ["T18"]


def test_the_only_stored_role_off_the_chain_does_not_list_the_caf(convention, chain, member, role_t1):
    _, _, subsub = chain
    GroupRole.objects.create(group=subsub, role=role_t1)
    subsub.memberships.create(user=member)
    assert cafs_for_consultation(member) == []
    assert not consultation_rights(member, convention.caf_id).allowed


def test_roles_held_along_the_whole_chain_count(convention, chain, member, role_t18):
    top, sub, subsub = chain
    GroupRole.objects.create(group=subsub, role=role_t18)
    top.memberships.create(user=member)
    subsub.memberships.create(user=member)
    grants = consultation_rights(member, convention.caf_id).grants
    assert sorted((role.code, group.code) for role, group in grants) == [("T18", "GROUPES"), ("T18", "SOUS11")]
    assert [caf.pk for caf in cafs_for_consultation(member)] == [convention.caf_id]


def test_the_ceiling_ignores_a_parents_role_its_own_parent_lacks(convention, chain, role_t1, role_t18):
    _, sub, subsub = chain
    GroupRole.objects.create(group=sub, role=role_t1)  # stored by hand: GROUPES lacks T1
    assert list(role_ceiling(subsub)) == [role_t18]


def test_rights_stay_three_queries_however_deep(convention, member, role_t18):
    parent = None
    for level in range(1, 7):
        parent = f.make_group(convention, f"N{level}", parent=parent, roles=[role_t18])
    parent.memberships.create(user=member)
    with CaptureQueriesContext(connection) as ctx:
        rights = consultation_rights(member, convention.caf_id)
    assert codes(rights.grants) == ["T18"]
    assert len(ctx.captured_queries) <= 3


def test_groups_whose_convention_gives_nothing_lend_nothing(convention, member, role_t1, role_t18):
    """His groups in a closed convention, in one without the Cdap service and in another partner's convention
    hold roles: none counts, at their Caf or at his own convention's, and his own grants stay whole (PostgreSQL
    reads every group of his paths in one statement and drops these afterwards)."""
    from portail.conventions.models import Convention

    f.make_group(convention, "OUVERT", roles=[role_t18], members=[member])
    closed = f.ConventionFactory(caf=convention.caf, organisation=convention.organisation,
                                 status=Convention.Status.CLOSED)
    top = f.make_group(closed, "FERME", roles=[role_t1, role_t18])
    f.make_group(closed, "FERME-SOUS", parent=top, roles=[role_t1], members=[member])
    other_caf = f.ConventionFactory(organisation=convention.organisation, services=[])
    f.make_group(other_caf, "SANS-CDAP", roles=[role_t1], members=[member])
    foreign = f.ConventionFactory(caf=convention.caf)  # another partner's convention, same Caf
    f.make_group(foreign, "AUTRE", roles=[role_t1], members=[member])

    for caf_id in {convention.caf_id, other_caf.caf_id}:
        assert codes(consultation_rights(member, caf_id).grants) == codes(
            roles_of(member, caf_id=caf_id, service_code="CDAP"))
    assert codes(consultation_rights(member, convention.caf_id).grants) == ["T18"]
    assert consultation_rights(member, other_caf.caf_id).grants == ()
    assert [caf.pk for caf in cafs_for_consultation(member)] == [convention.caf_id]
