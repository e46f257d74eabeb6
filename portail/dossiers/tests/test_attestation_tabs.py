"""The tabs show what the attestations state: brut, CRDS, retenue and net per month; why a right stopped; the
quotient familial with its reference month."""
import html
import re

from portail.dossiers.models import Dossier

from .test_attestation import paid_dossier, this_month

MONTHS = {1: "janvier", 2: "février", 3: "mars", 4: "avril", 5: "mai", 6: "juin", 7: "juillet", 8: "août",
          9: "septembre", 10: "octobre", 11: "novembre", 12: "décembre"}


def text_of(response) -> str:
    """What the page reads as text (entities decoded, every kind of space as one)."""
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", response.content.decode()))).replace("\u202f", " ")


def test_paiements_tab_shows_gross_crds_deduction_and_net_per_month(login_as, t1_user, caf, tab_url):
    dossier = paid_dossier(caf)
    page = text_of(login_as(t1_user).get(tab_url(dossier, "paiements")))
    assert "Brut CRDS Retenue Net versé" in page
    # one month: AF 151,05 + ALF 560,42 gross, CRDS 0,76, deduction 148,00, net 562,71
    assert page.count("711,47 0,76 148,00 562,71") == 3
    assert "Total 450,87 1 237,26 2 134,41 2,28 444,00 1 688,13" in page  # per benefit, then the four totals
    # each payment: gross, CRDS, deduction, net
    assert "Brut CRDS Retenue sur créance Net versé" in page
    assert page.count("560,42 € 0,00 € 148,00 € 412,42 €") == 3


def test_droits_tab_says_why_a_right_stopped(login_as, t1_user, caf, tab_url):
    dossier = paid_dossier(caf)
    page = text_of(login_as(t1_user).get(tab_url(dossier, "droits")))
    assert "Clos Reprise d'activité 333,33 €" in page.replace("&#x27;", "'")


def test_summaries_show_the_quotient_with_its_reference_month_and_the_file_status_reason(login_as, t1_user, t18_user,
                                                                                      caf, tab_url):
    dossier = paid_dossier(caf)
    Dossier.objects.filter(pk=dossier.pk).update(status="suspendu", status_reason="Contrôle en cours")
    month = f"{MONTHS[this_month().month]} {this_month().year}"
    for user in (t1_user, t18_user):  # the résumé and the synthèse are open to both roles
        client = login_as(user)
        resume = text_of(client.get(tab_url(dossier, "resume")))
        assert f"645 € (mois de référence : {month}, revenus {this_month().year - 2})" in resume
        assert "Droits suspendus (Contrôle en cours)" in resume
        synthese = text_of(client.get(tab_url(dossier, "synthese")))
        assert f"645 € mois de référence : {month}" in synthese
