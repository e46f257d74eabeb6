"""R8: tabs = the union of the user's Cdap roles at that Caf; anything closed grants nothing."""
from datetime import timedelta

import pytest
from django.urls import reverse

from portail.accounts.models import User
from portail.conventions.models import TAB_ORDER, Convention
from portail.core.clock import today
from portail.testing import factories as f
from portail.habilitations.models import Group
from portail.testing.auth import sign_in

T18_TABS = ["synthese", "resume", "famille", "logement"]


def shown_tabs(html: str, dossier) -> list[str]:
    prefix = f"/dossiers/{dossier.caf.code}/{dossier.number}/"
    return [t for t in TAB_ORDER if f'href="{prefix}{t}/#contenu-onglet"' in html]


@pytest.mark.parametrize("tab", TAB_ORDER)
def test_t1_opens_every_tab(login_as, t1_user, dossier, tab_url, tab):
    response = login_as(t1_user).get(tab_url(dossier, tab))
    assert response.status_code == 200
    assert shown_tabs(response.content.decode(), dossier) == TAB_ORDER


@pytest.mark.parametrize("tab", TAB_ORDER)
def test_t18_sees_only_its_tabs(login_as, t18_user, dossier, tab_url, tab):
    response = login_as(t18_user).get(tab_url(dossier, tab))
    if tab in T18_TABS:
        assert response.status_code == 200
        assert shown_tabs(response.content.decode(), dossier) == T18_TABS
    else:
        assert response.status_code == 403
        assert "DURAND" not in response.content.decode()
        assert "Vos rôles ne donnent pas accès à cet onglet" in response.content.decode()


def test_two_roles_give_the_union(login_as, convention, t18_user, dossier, tab_url, make_group, cdap):
    recovery = f.RoleFactory(service=cdap, code="T9", tabs=["paiements", "creances"])
    make_group(convention, "RECOUVREMENT", roles=[recovery], members=[t18_user])
    response = login_as(t18_user).get(tab_url(dossier, "creances"))
    assert response.status_code == 200
    assert shown_tabs(response.content.decode(), dossier) == ["synthese", "resume", "paiements", "famille",
                                                              "logement", "creances"]


def test_search_leads_to_first_tab(login_as, t18_user, dossier, tab_url):
    response = login_as(t18_user).post(reverse("dossiers:search"), {"caf": dossier.caf.code, "number": dossier.number})
    assert response.status_code == 302
    assert response["Location"] == tab_url(dossier, "synthese")


def _closed_user(user, group, convention):
    user.status = User.Status.CLOSED
    user.save()


def _suspended_user(user, group, convention):
    user.status = User.Status.SUSPENDED
    user.save()


def _user_past_closing(user, group, convention):
    user.closing_date = today() - timedelta(days=1)
    user.save()


def _closed_group(user, group, convention):
    group.status = Group.Status.CLOSED
    group.save()


def _group_past_closing(user, group, convention):
    group.closing_date = today() - timedelta(days=1)
    group.save()


def _closed_parent_group(user, group, convention):
    parent = group.parent
    parent.status = Group.Status.CLOSED
    parent.save()


def _closed_convention(user, group, convention):
    Convention.objects.filter(pk=convention.pk).update(status=Convention.Status.CLOSED)


def _suspended_convention(user, group, convention):
    Convention.objects.filter(pk=convention.pk).update(status=Convention.Status.SUSPENDED)


def _convention_past_closing(user, group, convention):
    Convention.objects.filter(pk=convention.pk).update(closing_date=today() - timedelta(days=1))


def _convention_not_yet_open(user, group, convention):
    Convention.objects.filter(pk=convention.pk).update(opening_date=today() + timedelta(days=1))


@pytest.mark.parametrize("close", [
    _closed_user, _suspended_user, _user_past_closing, _closed_group, _group_past_closing, _closed_parent_group,
    _closed_convention, _suspended_convention, _convention_past_closing, _convention_not_yet_open,
])
def test_anything_closed_grants_nothing(client, convention, role_t1, make_group, dossier, tab_url, close, journal):
    user = f.UserFactory(organisation=convention.organisation)
    parent = make_group(convention, "PARENT", roles=[role_t1])
    group = make_group(convention, "ENFANT", parent=parent, roles=[role_t1], members=[user])
    sign_in(client, user)
    assert client.get(tab_url(dossier, "synthese")).status_code == 200
    close(user, group, convention)
    sign_in(client, User.objects.get(pk=user.pk))
    response = client.get(tab_url(dossier, "synthese"))
    assert response.status_code in (302, 403)  # a closed account is logged out, the others refused
    assert "DURAND" not in response.content.decode()


def test_no_role_at_that_caf_is_refused(login_as, t1_user, tab_url, journal):
    from .conftest import make_dossier

    other = make_dossier(f.CafFactory(code="330", name="Caf de la Gironde"), "7654321")
    response = login_as(t1_user).get(tab_url(other, "synthese"))
    assert response.status_code == 403
    body = response.content.decode()
    assert "aucun droit de consultation des dossiers de la Caf de la Gironde" in body
    assert "DURAND" not in body
    assert [e.details["reason"] for e in journal(action="dossier_refused")] == ["no_right"]


def test_menu_entry_only_with_a_cdap_right(login_as, t1_user, partner_user):
    assert "Consulter Dossiers" in login_as(t1_user).get("/").content.decode()
    assert "Consulter Dossiers" not in login_as(partner_user).get("/").content.decode()
    assert login_as(partner_user).get(reverse("dossiers:search")).status_code == 403


def test_caf_list_only_with_several_cafs(login_as, t1_user, role_t1, make_group, organisation, cdap):
    page = login_as(t1_user).get(reverse("dossiers:search")).content.decode()
    assert '<select' not in page and 'type="hidden" name="caf"' in page
    other = f.ConventionFactory(caf=f.CafFactory(code="330", name="Caf de la Gironde"), organisation=organisation,
                                services=[cdap])
    make_group(other, "SOCIAL", roles=[role_t1], members=[t1_user])
    page = login_as(t1_user).get(reverse("dossiers:search")).content.decode()
    assert '<select' in page and "Caf de la Gironde (330)" in page
