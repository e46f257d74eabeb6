"""R8: no summary shows a figure of a tab the user's roles keep closed (synthèse, résumé)."""
from datetime import date
from decimal import Decimal

import pytest

from portail.dossiers.models import Right
from portail.testing import factories as f

# Figures of the fixture's file, as the pages print them.
DEBT = "120,00"  # « Créances en cours » (one debt still being repaid)
RSA = "587,13"  # the RSA right's monthly amount
LAST_PAYMENT = "399,82"  # AF 148,52 + APL 251,30 of the last month


@pytest.fixture
def rsa_dossier(dossier):
    Right.objects.create(dossier=dossier, benefit="RSA", start_date=date(2023, 2, 1), monthly_amount=Decimal("587.13"))
    return dossier


def test_t1_synthese_shows_every_figure(login_as, t1_user, rsa_dossier, tab_url):
    html = login_as(t1_user).get(tab_url(rsa_dossier, "synthese")).content.decode()
    for text in ("Créances en cours", DEBT, RSA, "Dernier paiement", LAST_PAYMENT, "Personnes au foyer"):
        assert text in html


def test_t18_synthese_hides_figures_of_refused_tabs(login_as, t18_user, rsa_dossier, tab_url):
    """T18 is refused « créances », « RSA », « paiements » and « droits »: none of their figures shows."""
    response = login_as(t18_user).get(tab_url(rsa_dossier, "synthese"))
    html = response.content.decode()
    assert response.status_code == 200
    for text in ("Créances en cours", DEBT, RSA, "Revenu de solidarité active", "Dernier paiement", LAST_PAYMENT,
                 "Prestations mensuelles", "<caption>Droits ouverts"):
        assert text not in html, text
    # What its own tabs open stays: the household (famille) and the housing (logement).
    assert "Personnes au foyer" in html
    assert "Bordeaux" in html
    for key in ("debt_remaining", "rights", "last_total", "monthly_total"):
        assert key not in response.context, key


def test_a_role_opening_creances_shows_the_debt_on_synthese(login_as, convention, t18_user, rsa_dossier, tab_url,
                                                          make_group, cdap):
    recovery = f.RoleFactory(service=cdap, code="T9", tabs=["creances"])
    make_group(convention, "RECOUVREMENT", roles=[recovery], members=[t18_user])
    html = login_as(t18_user).get(tab_url(rsa_dossier, "synthese")).content.decode()
    assert "Créances en cours" in html and DEBT in html
    assert RSA not in html and LAST_PAYMENT not in html


def test_t18_resume_hides_benefits_and_letters(login_as, t18_user, rsa_dossier, tab_url):
    html = login_as(t18_user).get(tab_url(rsa_dossier, "resume")).content.decode()
    assert "Prestations en cours" not in html and "RSA" not in html
    assert "Courrier 0" not in html and "Derniers courriers" not in html
    assert "Composition du foyer" in html  # famille is one of T18's tabs


def test_t1_resume_shows_benefits_and_letters(login_as, t1_user, rsa_dossier, tab_url):
    html = login_as(t1_user).get(tab_url(rsa_dossier, "resume")).content.decode()
    assert "Prestations en cours" in html and "RSA" in html and "Courrier 0" in html
