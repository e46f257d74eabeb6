"""What a service reads before writing, it reads again under its locks: objects loaded by a page
(the group, the person, the actor's scope) may be stale by the time the form is posted.
Sequential, on every database; the threaded races are in test_concurrency.py."""
from datetime import date

import pytest
from django.core.exceptions import PermissionDenied

from portail.accounts.models import User
from portail.core.clock import today
from portail.core.errors import BusinessError
from portail.habilitations import services
from portail.habilitations.models import Group, GroupRole, Membership
from portail.testing import factories as f

D = date(2021, 3, 1)


@pytest.fixture
def tree(convention, role_t1, role_t18):
    top = f.make_group(convention, "GROUPES", roles=[role_t1, role_t18])
    sub = f.make_group(convention, "SOUS1", parent=top, roles=[role_t18])
    return top, sub


def _close_behind_the_page(group):
    Group.objects.filter(pk=group.pk).update(status=Group.Status.CLOSED, closing_date=today())


def test_no_member_joins_below_a_group_closed_meanwhile(admin_user, partner_user, tree):
    top, sub = tree
    _close_behind_the_page(top)  # `sub` and `top` in memory still say « ouvert »
    with pytest.raises(BusinessError) as error:
        services.membership_add(actor=admin_user, user=partner_user, group=sub)
    assert error.value.field == "group" and "clos" in error.value.text
    assert not Membership.objects.exists()


def test_no_sub_group_is_created_under_a_group_closed_meanwhile(admin_user, convention, tree):
    top, sub = tree
    _close_behind_the_page(top)
    with pytest.raises(BusinessError) as error:
        services.group_create(actor=admin_user, convention=convention, code="NOUVEAU", label="Nouveau",
                              opening_date=D, parent=sub)
    assert error.value.field == "parent"
    assert not Group.objects.filter(code="NOUVEAU").exists()


def test_a_role_the_parent_lost_meanwhile_is_refused(admin_user, tree, role_t18, cdap):
    top, sub = tree
    child = f.make_group(sub.convention, "SOUS11", parent=sub)
    GroupRole.objects.filter(group=sub, role=role_t18).delete()  # after the page read the ceiling
    with pytest.raises(BusinessError) as error:
        services.group_roles_set(actor=admin_user, group=child, service=cdap, roles=[role_t18])
    assert "parent direct (SOUS1)" in error.value.text
    assert not GroupRole.objects.filter(group=child).exists()


def test_a_responsable_replaced_meanwhile_changes_nothing(convention, admin_user, partner_user, tree, role_t18, cdap):
    top, sub = tree
    leader = f.UserFactory(organisation=convention.organisation)
    Group.objects.filter(pk=sub.pk).update(responsable=leader)
    child = f.make_group(convention, "SOUS11", parent=sub)
    Group.objects.filter(pk=sub.pk).update(responsable=None)  # replaced after his page was shown
    with pytest.raises(PermissionDenied):
        services.group_roles_set(actor=leader, group=child, service=cdap, roles=[role_t18])
    with pytest.raises(PermissionDenied):
        services.membership_add(actor=leader, user=partner_user, group=child)
    assert not GroupRole.objects.filter(group=child).exists() and not Membership.objects.exists()


def test_a_person_closed_meanwhile_is_not_named_responsable(admin_user, partner_user, tree):
    top, sub = tree
    User.objects.filter(pk=partner_user.pk).update(status=User.Status.CLOSED)  # `partner_user` says « ouvert »
    with pytest.raises(BusinessError) as error:
        services.group_update(actor=admin_user, group=sub, label=sub.label, opening_date=sub.opening_date,
                              closing_date=None, responsable=partner_user)
    assert error.value.field == "responsable"
    assert Group.objects.get(pk=sub.pk).responsable_id is None


def test_an_update_does_not_reopen_a_group_closed_meanwhile(admin_user, tree):
    top, sub = tree
    _close_behind_the_page(sub)
    services.group_update(actor=admin_user, group=sub, label="Renommé", opening_date=sub.opening_date,
                          closing_date=today(), responsable=None)
    sub = Group.objects.get(pk=sub.pk)
    assert (sub.label, sub.status) == ("Renommé", Group.Status.CLOSED)
