"""A social worker chooses and prints an attestation; the landlord it is given to checks it on the public page."""
import pytest
from django.conf import settings
from django.test import Client

from portail.accounts.models import User
from portail.core.clock import today
from portail.dossiers.demo import demo_dossier_numbers
from portail.dossiers.models import IssuedAttestation
from portail.testing.auth import sign_in

from .helpers import check, expect, field, tick, url

pytestmark = pytest.mark.e2e


PRINT_BUTTON = "Visualiser et imprimer l'attestation (PDF, nouvelle fenêtre)"


def enter_as(page, live_server, username: str) -> None:
    client = sign_in(Client(), User.objects.get(username=username))
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    page.context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}])


def test_print_an_attestation_de_droits_then_a_third_party_verifies_it(page, browser, demo, live_server):
    caf_code, _name, number, _what = demo_dossier_numbers(caf_codes=("751",))[0]
    enter_as(page, live_server, "DEMO0003")
    page.goto(url("dossiers:attestation", caf_code, number))
    expect(page.get_by_role("heading", level=2, name="Attestation")).to_be_visible()
    check(page, "attestation-01-choix")
    # The print form, not the postal request form below it, which offers the same two kinds.
    print_form = page.locator("form", has=page.get_by_role("button", name=PRINT_BUTTON))
    tick(print_form, "Attestation de droits")
    with page.expect_popup() as popup_info:
        page.get_by_role("button", name=PRINT_BUTTON).click()
    popup = popup_info.value
    popup.wait_for_load_state()
    issued = IssuedAttestation.objects.get()
    assert issued.kind == "droits" and issued.dossier.number == number
    popup.close()

    # The landlord, not signed in, on the public page.
    third_party = browser.new_context(base_url=live_server.url, locale="fr-FR")
    public = third_party.new_page()
    public.goto(url("verification:verify"))
    expect(public.get_by_role("heading", level=1)).to_have_text("Vérifier une attestation")
    check(public, "verification-01-formulaire")
    field(public, "Référence de vérification").fill(issued.reference.lower())
    field(public, "Date de l'attestation").fill(today().isoformat())
    public.get_by_role("button", name="Vérifier").click()
    expect(public.locator("#reponse-verification")).to_contain_text("Attestation valide")
    expect(public.locator("main")).not_to_contain_text(issued.dossier.last_name)
    check(public, "verification-02-valide")

    field(public, "Référence de vérification").fill("ATT-AAAA-BBBB-CCCC")
    public.get_by_role("button", name="Vérifier").click()
    expect(public.locator("#reponse-verification")).to_contain_text("Attestation non valide")
    check(public, "verification-03-non-valide")

    field(public, "Référence de vérification").fill("ATT-12")
    public.get_by_role("button", name="Vérifier").click()
    expect(public.get_by_text("La référence commence par ATT-").first).to_be_visible()
    check(public, "verification-04-erreur")
    third_party.close()


def test_paiements_and_droits_tabs_show_the_new_figures(page, demo, live_server):
    caf_code, _name, number, _what = demo_dossier_numbers(caf_codes=("751",))[0]  # a debt deducted from payments
    enter_as(page, live_server, "DEMO0003")
    page.goto(url("dossiers:tab", caf_code, number, "paiements"))
    for header in ("Brut", "CRDS", "Retenue", "Net versé"):
        expect(page.get_by_role("columnheader", name=header, exact=True).first).to_be_visible()
    check(page, "attestation-onglet-paiements")
    page.goto(url("dossiers:tab", caf_code, number, "droits"))
    expect(page.get_by_role("columnheader", name="Motif", exact=True)).to_be_visible()
    check(page, "attestation-onglet-droits")
