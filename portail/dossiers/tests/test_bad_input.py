"""Bad input: a clear French message next to the field, never a 500, nothing shown."""
import html

import pytest
from django.urls import reverse

from portail.testing import factories as f
from portail.journal.models import Action


@pytest.mark.parametrize("number", ["123456", "12345678", "12a4567", "", "１２３４５６７", "1234567'; --"])
def test_wrong_number_shape(login_as, t1_user, dossier, number):
    response = login_as(t1_user).post(reverse("dossiers:search"), {"caf": dossier.caf.code, "number": number})
    assert response.status_code == 200
    body = response.content.decode()
    expected = "Saisissez le numéro allocataire." if not number else "Le numéro allocataire comporte exactement 7 chiffres."
    assert expected in body
    assert 'aria-invalid="true"' in body or "fr-input-group--error" in body


def test_number_with_spaces_is_accepted(login_as, t1_user, dossier):
    response = login_as(t1_user).post(reverse("dossiers:search"), {"caf": dossier.caf.code, "number": "123 4567"})
    assert response.status_code == 302


def test_forged_caf_in_the_form(login_as, t1_user, dossier, organisation, role_t1, make_group, cdap, journal):
    other = f.ConventionFactory(caf=f.CafFactory(code="330", name="Caf de la Gironde"), organisation=organisation,
                                services=[cdap])
    make_group(other, "SOCIAL", roles=[role_t1], members=[t1_user])
    stranger_caf = f.CafFactory(code="590", name="Caf du Nord")
    response = login_as(t1_user).post(reverse("dossiers:search"), {"caf": stranger_caf.code, "number": dossier.number})
    assert response.status_code == 200
    assert "Vous n'avez pas de droit de consultation pour cette Caf." in html.unescape(response.content.decode())


def test_caf_without_right_in_the_url(login_as, t1_user, journal):
    caf = f.CafFactory(code="590", name="Caf du Nord")
    response = login_as(t1_user).get(reverse("dossiers:tab", args=[caf.code, "1234567", "synthese"]))
    assert response.status_code == 403
    assert "aucun droit de consultation des dossiers de la Caf du Nord" in response.content.decode()
    assert journal(action=Action.DOSSIER_REFUSED)[0].details["reason"] == "no_right"


@pytest.mark.parametrize("tab", ["admin", "SYNTHESE", "..", "synthese%00", "creances;drop"])
def test_forged_tab_name(login_as, t1_user, dossier, tab):
    response = login_as(t1_user).get(f"/dossiers/{dossier.caf.code}/{dossier.number}/{tab}/")
    assert response.status_code == 404
    assert "DURAND" not in response.content.decode()


def test_anonymous_is_sent_to_login(client, dossier, tab_url):
    response = client.get(tab_url(dossier, "synthese"))
    assert response.status_code == 302
    assert "/compte/" in response["Location"] or "login" in response["Location"]


def test_caf_agent_has_no_consultation(login_as, caf_agent, dossier, tab_url):
    assert login_as(caf_agent).get(reverse("dossiers:search")).status_code == 403
    assert login_as(caf_agent).get(tab_url(dossier, "synthese")).status_code == 403


@pytest.mark.parametrize("caf_code, number", [("7%005", "{number}"), ("{caf}", "123%00567"), ("{caf}", "１２３４５６７"),
                                               ("ABCD", "{number}"), ("{caf}", "{number}%00")])
def test_forged_url_parts_are_refused_cleanly(login_as, t1_user, dossier, caf_code, number, journal):
    url = f"/dossiers/{caf_code}/{number}/synthese/".format(caf=dossier.caf.code, number=dossier.number)
    response = login_as(t1_user).get(url)
    assert response.status_code == 404
    assert "DURAND" not in response.content.decode()
    assert journal(action=Action.DOSSIER_REFUSED)
