"""Invariants held by the database itself, whatever code writes (R1, R2, R4, R5)."""
from datetime import date

import pytest
from django.db import IntegrityError, transaction

from portail.accounts.models import User
from portail.conventions.models import Convention
from portail.testing.factories import (
    CafFactory, ConventionFactory, GroupFactory, OrganisationFactory, RoleFactory, UserFactory, make_group,
)
from portail.habilitations.models import Group, GroupRole, Membership

pytestmark = pytest.mark.django_db


def refused(create):
    with pytest.raises(IntegrityError):
        with transaction.atomic():
            create()


def test_convention_closing_not_before_opening():
    refused(lambda: ConventionFactory(opening_date=date(2024, 1, 2), closing_date=date(2024, 1, 1)))
    assert ConventionFactory(opening_date=date(2024, 1, 1), closing_date=date(2024, 1, 1)).pk
    convention = ConventionFactory()
    refused(lambda: Convention.objects.filter(pk=convention.pk).update(closing_date=date(2019, 1, 1)))


def test_group_code_unique_in_its_convention(convention):
    make_group(convention, "GROUPES")
    refused(lambda: GroupFactory(convention=convention, code="GROUPES"))
    assert make_group(ConventionFactory(), "GROUPES").pk  # fine in another convention


def test_group_closing_not_before_opening(convention):
    refused(lambda: GroupFactory(convention=convention, opening_date=date(2024, 1, 2), closing_date=date(2024, 1, 1)))
    group = make_group(convention, "G")
    refused(lambda: Group.objects.filter(pk=group.pk).update(closing_date=date(2019, 1, 1)))


def test_group_level_stays_between_1_and_6(convention):
    refused(lambda: GroupFactory(convention=convention, level=0))
    refused(lambda: GroupFactory(convention=convention, level=7))


def test_user_closing_not_before_opening():
    refused(lambda: UserFactory(opening_date=date(2024, 1, 2), closing_date=date(2024, 1, 1)))


def test_user_is_partner_staff_or_caf_agent_not_both():
    refused(lambda: UserFactory(organisation=OrganisationFactory(), caf=CafFactory()))


def test_identifier_unique():
    UserFactory(username="AAAG0001")
    refused(lambda: UserFactory(username="AAAG0001"))


def test_one_membership_per_user_and_group(convention, partner_user):
    group = make_group(convention, "G", members=[partner_user])
    refused(lambda: Membership.objects.create(user=partner_user, group=group))
    assert Membership.objects.filter(user=partner_user).count() == 1


def test_one_grant_per_group_and_role(convention, role_t1):
    group = make_group(convention, "G", roles=[role_t1])
    refused(lambda: GroupRole.objects.create(group=group, role=role_t1))


def test_role_code_unique_per_service(cdap):
    RoleFactory(service=cdap, code="T1")
    from portail.conventions.models import Role

    refused(lambda: Role.objects.create(service=cdap, code="T1", label="doublon"))


def test_a_user_with_history_cannot_be_deleted_from_under_a_group_he_leads(convention, partner_user):
    """PROTECT: the responsable of a group is closed, never deleted."""
    from django.db.models import ProtectedError

    make_group(convention, "G", responsable=partner_user)
    with pytest.raises(ProtectedError):
        partner_user.delete()
    assert User.objects.filter(pk=partner_user.pk).exists()
