"""R1 for management: a suspended, closed or expired convention can be read by its administrator
and responsables, but nobody changes anything in it any more."""
from datetime import date, timedelta

import pytest
from django.urls import reverse

from portail.conventions.models import Convention
from portail.core.clock import today
from portail.habilitations.models import Group, Membership


def _close(convention, how):
    if how == "expired":
        convention.closing_date = today() - timedelta(days=1)
    else:
        convention.status = how
    convention.save()


@pytest.mark.parametrize("how", [Convention.Status.SUSPENDED, Convention.Status.CLOSED, "expired"])
def test_administrator_reads_but_cannot_change_a_convention_that_is_not_open(
    how, convention, admin_user, partner_user, role_t1, make_group, login_as
):
    group = make_group(convention, "GRP", roles=[role_t1])
    _close(convention, how)
    client = login_as(admin_user)
    groups_url = reverse("habilitations:groups", args=[convention.pk])

    page = client.get(groups_url)
    assert page.status_code == 200
    html = page.content.decode()
    assert "GRP" in html
    assert "Créer un groupe" not in html
    assert "Clôturer" not in html

    writes = [
        (reverse("habilitations:group_create", args=[convention.pk]),
         {"code": "NEW", "label": "Nouveau", "opening_date": date(2021, 1, 1).isoformat()}),
        (reverse("habilitations:group_close", args=[convention.pk, group.pk]), {"closing_date": today().isoformat()}),
        (reverse("habilitations:group_roles", args=[convention.pk, group.pk]), {"service": "CDAP", "action": "save"}),
        (reverse("habilitations:membership_add", args=[convention.pk, partner_user.pk]), {"group": group.pk}),
        (reverse("habilitations:user_create", args=[convention.pk]), {"last_name": "Durant"}),
        (reverse("habilitations:user_close", args=[convention.pk, partner_user.pk]), {}),
    ]
    for url, data in writes:
        assert client.post(url, data).status_code == 403, url
    assert Group.objects.filter(convention=convention).count() == 1
    assert Group.objects.get(pk=group.pk).status == Group.Status.OPEN
    assert group.group_roles.count() == 1
    assert not Membership.objects.filter(user=partner_user).exists()


def test_the_same_pages_work_once_the_convention_is_open_again(convention, admin_user, partner_user, role_t1,
                                                              make_group, login_as):
    group = make_group(convention, "GRP", roles=[role_t1])
    _close(convention, Convention.Status.SUSPENDED)
    convention.status = Convention.Status.OPEN
    convention.save()
    client = login_as(admin_user)
    response = client.post(reverse("habilitations:membership_add", args=[convention.pk, partner_user.pk]),
                           {"group": group.pk})
    assert response.status_code == 302
    assert Membership.objects.filter(user=partner_user, group=group).exists()


def test_a_forged_service_in_a_draft_removes_nothing(convention, admin_user, role_t1, make_group, login_as):
    group = make_group(convention, "GRP", roles=[role_t1])
    client = login_as(admin_user)
    url = reverse("habilitations:group_roles", args=[convention.pk, group.pk])
    response = client.post(url, {"service": "INCONNU", "action": "confirm"})
    assert response.status_code == 404
    assert list(group.group_roles.values_list("role__code", flat=True)) == ["T1"]
