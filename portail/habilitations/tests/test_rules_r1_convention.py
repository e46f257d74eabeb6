"""R1: a convention that is not open today grants nothing to anyone."""
from datetime import date, timedelta

import pytest

from portail.conventions.models import Convention
from portail.core.clock import today
from portail.testing.factories import ConventionFactory, UserFactory, make_group
from portail.access import cafs_for_consultation, consultation_rights, open_groups_of, roles_of


@pytest.fixture
def member(convention, role_t1):
    """A T1 member of a main group of `convention`."""
    user = UserFactory(organisation=convention.organisation)
    make_group(convention, "GROUPES", roles=[role_t1], members=[user])
    return user


def test_open_convention_gives_the_roles_of_its_groups(member, convention):
    rights = consultation_rights(member, convention.caf_id)
    assert rights.allowed
    assert [role.code for role, _ in rights.grants] == ["T1"]
    assert cafs_for_consultation(member) == [convention.caf]


@pytest.mark.parametrize(
    "change",
    [
        {"status": Convention.Status.SUSPENDED},
        {"status": Convention.Status.CLOSED},
        {"opening_date": today() + timedelta(days=1)},  # not yet open
        {"closing_date": today() - timedelta(days=1)},  # past its closing date
    ],
    ids=["suspended", "closed", "not-yet-open", "past-closing-date"],
)
def test_convention_not_open_today_grants_nothing(member, convention, change):
    Convention.objects.filter(pk=convention.pk).update(**change)

    rights = consultation_rights(member, convention.caf_id)
    assert not rights.allowed
    assert rights.tabs == []
    assert not rights.can_print_attestation
    assert not rights.can_write_dialogue
    assert open_groups_of(member) == []
    assert cafs_for_consultation(member) == []
    assert roles_of(member, caf_id=convention.caf_id, service_code="CDAP") == []


def test_convention_closing_today_still_grants_until_the_end_of_the_day(member, convention):
    Convention.objects.filter(pk=convention.pk).update(closing_date=today())
    assert consultation_rights(member, convention.caf_id).allowed


def test_rights_follow_the_day_asked(member, convention):
    Convention.objects.filter(pk=convention.pk).update(opening_date=date(2030, 1, 1))
    assert not consultation_rights(member, convention.caf_id).allowed
    # The group's own dates are before the convention's in this arrangement: use a consistent day.
    assert consultation_rights(member, convention.caf_id, day=date(2031, 1, 1)).allowed


def test_closing_one_convention_keeps_the_rights_given_by_another(role_t1, organisation, cdap):
    """Two conventions of the same organisation with two Cafs: each one grants only its own Caf."""
    open_one = ConventionFactory(organisation=organisation, services=[cdap])
    closed_one = ConventionFactory(organisation=organisation, services=[cdap], status=Convention.Status.CLOSED)
    user = UserFactory(organisation=organisation)
    make_group(open_one, "A", roles=[role_t1], members=[user])
    make_group(closed_one, "B", roles=[role_t1], members=[user])

    assert consultation_rights(user, open_one.caf_id).allowed
    assert not consultation_rights(user, closed_one.caf_id).allowed
    assert cafs_for_consultation(user) == [open_one.caf]


def test_convention_open_on_matches_is_open(convention):
    for status in Convention.Status:
        Convention.objects.filter(pk=convention.pk).update(status=status)
        convention.refresh_from_db()
        listed = Convention.objects.open_on(today()).filter(pk=convention.pk).exists()
        assert listed == convention.is_open == (status == Convention.Status.OPEN)
        assert convention.state_label == ("ouvert" if listed else "fermé")
