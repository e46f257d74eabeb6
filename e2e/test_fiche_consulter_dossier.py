"""Fiche pratique « Consulter un dossier (service Cdap) », followed literally.

1. As the T1 user DEMO0003: « Consulter Dossiers », choose the Caf, type the numéro allocataire, « Consulter »;
   click through the ten tabs; « Attestation » (view the PDF, « envoyer par courrier »); « Dialogue »;
   « Aide en ligne ».
2. As the T18 user DEMO0004: only the T18 tabs, and a forbidden tab typed in the address bar is refused.
3. As the Caf agent CAFA0001: answer a partner's message and mark it traité; the partner reads the answer.

Every page reached is audited by axe-core (see helpers.check).
"""
import io
import re

import pytest
from pypdf import PdfReader

from portail.accounts.models import User
from portail.conventions.models import Caf
from portail.dialogue import services as dialogue_services
from portail.dialogue.models import Message
from portail.dossiers.demo import demo_dossier_numbers
from portail.dossiers.models import AttestationRequest, Dossier
from portail.access import consultation_rights

from .helpers import check, expect, field, login, logout, menu, row, url

pytestmark = pytest.mark.e2e

# The tabs of Cdap as the fiche lists them, with what each one shows on screen.
ALL_TABS = [
    ("Synthèse", "synthese", ["Prestations mensuelles en cours", "Quotient familial", "Droits ouverts"]),
    ("Résumé du dossier", "resume", ["Numéro allocataire", "Situation familiale", "Composition du foyer"]),
    ("Paiements", "paiements", ["Paiements des douze derniers mois, par mois et par prestation"]),
    ("Droits", "droits", ["Droits ouverts", "Droits clos ou suspendus"]),
    ("Composition de la famille", "famille", ["Composition de la famille"]),
    ("Ressources", "ressources", ["Ressources annuelles de référence"]),
    ("RSA", "rsa", ["Montant mensuel versé", "Orientation", "RSA versé, par mois"]),
    ("Courriers", "courriers", ["Courriers adressés à l'allocataire"]),
    ("Informations logement", "logement", ["Adresse", "Type de logement"]),
    ("Créances", "creances", ["Créances (indus) et plan de remboursement"]),
]
T18_TABS = ["Synthèse", "Résumé du dossier", "Composition de la famille", "Informations logement"]
FINALITES = "Finalités de la convention"


def rsa_dossier() -> Dossier:
    """The README's first number of the Caf part 1: RSA with a debt being repaid (every tab has content)."""
    caf_code, _caf_name, number, _what = demo_dossier_numbers(caf_codes=("751",))[0]
    return Dossier.objects.select_related("caf").get(caf__code=caf_code, number=number)


def tabs_nav(page):
    return page.get_by_role("navigation", name="Onglets du dossier")


def consult(page, dossier: Dossier, *, choose_caf: bool, shot_name: str) -> None:
    """« Consulter Dossiers »: the Caf in the drop-down list (if several), the numéro allocataire, « Consulter »."""
    menu(page, "Consulter Dossiers")
    expect(page.get_by_role("heading", level=1)).to_have_text("Consulter Dossiers")
    if choose_caf:
        caf_list = field(page, "Caf d'appartenance de l'allocataire")
        labels = caf_list.locator("option").all_inner_texts()
        assert any(label.startswith("Caf part 1") for label in labels), labels
        assert any(label.startswith("Caf de la Gironde") for label in labels), labels
        caf_list.select_option(label=f"{dossier.caf.name} ({dossier.caf.code})")
    else:
        expect(page.get_by_label("Caf d'appartenance de l'allocataire")).to_have_count(0)
    field(page, "Numéro allocataire").fill(dossier.number)
    check(page, shot_name)
    page.get_by_role("button", name="Consulter").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"Dossier {dossier.number}")
    expect(page.get_by_role("heading", level=1)).to_contain_text(dossier.last_name)


def test_fiche_consulter_un_dossier_t1(page, demo):
    dossier = rsa_dossier()

    # « Saisissez les identifiants transmis par la Caf. »
    login(page, "DEMO0003")
    check(page, "fiche3-01-accueil")

    # « Sélectionnez dans la liste déroulante la Caf d'appartenance de l'allocataire (si vous avez accès aux
    # dossiers de plusieurs Caf) et entrez le numéro de l'allocataire. Cliquez sur « consulter ». »
    # A wrong number first: a clear message next to the field, nothing opened.
    menu(page, "Consulter Dossiers")
    field(page, "Caf d'appartenance de l'allocataire").select_option(label=f"{dossier.caf.name} ({dossier.caf.code})")
    field(page, "Numéro allocataire").fill("12345")
    page.get_by_role("button", name="Consulter").click()
    expect(page.locator(".fr-error-text")).to_contain_text("Le numéro allocataire comporte exactement 7 chiffres.")
    check(page, "fiche3-02-numero-invalide")

    consult(page, dossier, choose_caf=True, shot_name="fiche3-03-consulter-dossiers")

    # « Vous avez accès à différentes informations du dossier avec un système d'onglets : la synthèse, le résumé
    # du dossier, les paiements, les droits, la composition de la famille, les ressources, le rsa, les courriers,
    # les informations logement et les créances. »
    links = tabs_nav(page).get_by_role("link")
    expect(links).to_have_text([label for label, _code, _texts in ALL_TABS])
    for label, code, texts in ALL_TABS:
        tabs_nav(page).get_by_role("link", name=label, exact=True).click()
        # The tab links lead to the tab's content (#contenu-onglet), where the focus lands.
        expect(page).to_have_url(re.compile(
            re.escape(url("dossiers:tab", dossier.caf.code, dossier.number, code)) + "(#contenu-onglet)?$"))
        expect(tabs_nav(page).get_by_role("link", name=label, exact=True)).to_have_attribute("aria-current", "page")
        panel = page.locator("section.pp-tab-panel")
        expect(panel.get_by_role("heading", level=2)).to_have_text(label)
        for text in texts:
            expect(panel).to_contain_text(text)
        # « veillez au respect des finalités » : the reminder stays on screen while the file is open.
        expect(page.locator("#finalites")).to_be_visible()
        expect(page.locator("#finalites")).to_contain_text(FINALITES)
        check(page, f"fiche3-04-onglet-{code}")
    # Figures checked against the file itself.
    tabs_nav(page).get_by_role("link", name="Résumé du dossier", exact=True).click()
    expect(page.locator("section.pp-tab-panel")).to_contain_text(f"{dossier.family_quotient} €")
    expect(page.locator("section.pp-tab-panel")).to_contain_text(dossier.birth_date.strftime("%d/%m/%Y"))

    # « Le bouton « Attestation » vous permet de visualiser l'attestation et l'imprimer ou de la faire envoyer
    # par courrier à l'allocataire. »
    page.get_by_role("main").get_by_role("link", name="Attestation", exact=True).click()
    expect(page.get_by_role("heading", level=2, name="Attestation", exact=True)).to_be_visible()
    expect(page.locator("#finalites")).to_be_visible()
    check(page, "fiche3-05-attestation")
    view = page.get_by_role("button", name=re.compile(r"^Visualiser et imprimer l'attestation"))
    with (page.context.expect_event("response", predicate=lambda r: "/attestation/pdf/" in r.url) as pdf_response,
          page.context.expect_page() as popup):
        view.click()
    response = pdf_response.value
    assert response.status == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["content-disposition"].startswith("inline;")
    popup.value.close()
    # The same document, fetched with the page's cookies: its text names the allocataire and the Caf.
    pdf = page.request.get(page.locator("#choix-attestation").get_attribute("action"))
    assert pdf.headers["content-type"] == "application/pdf"
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.body())).pages)
    assert dossier.last_name in text and dossier.number in text and dossier.caf.name in text, text[:500]

    page.get_by_role("button", name="Envoyer par courrier à l'allocataire").click()
    page.get_by_role("button", name="Confirmer l'envoi par courrier").click()  # the letter is posted once
    expect(page.get_by_role("heading", level=1)).to_have_text("Attestations envoyées par courrier")
    expect(page.locator(".fr-alert--success")).to_contain_text("La demande d'envoi par courrier de l'attestation")
    request = AttestationRequest.objects.get(dossier=dossier, requested_by__username="DEMO0003")
    request_row = row(page, dossier.number)
    expect(request_row).to_contain_text(request.reference)
    expect(request_row).to_contain_text(dossier.caf.name)
    expect(request_row).to_contain_text("Demandée")
    check(page, "fiche3-06-attestations-courrier")

    # « Le bouton « Dialogue » vous permet d'adresser un mail à la Caf. »
    menu(page, "Consulter Dossiers")
    field(page, "Caf d'appartenance de l'allocataire").select_option(label=f"{dossier.caf.name} ({dossier.caf.code})")
    field(page, "Numéro allocataire").fill(dossier.number)
    page.get_by_role("button", name="Consulter").click()
    page.get_by_role("main").get_by_role("link", name="Dialogue", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Écrire à la Caf")
    expect(page.locator("main")).to_contain_text(dossier.number)
    # An empty message is refused next to its fields.
    page.get_by_role("button", name="Envoyer à la Caf").click()
    expect(page.locator("main")).to_contain_text("Indiquez l'objet de votre message.")
    expect(page.locator("main")).to_contain_text("Le message ne peut pas être vide.")
    check(page, "fiche3-07-dialogue-vide")
    field(page, "Objet").fill("Demande de justificatif de ressources")
    field(page, "Message").fill("Bonjour,\nPouvez-vous nous indiquer les ressources retenues pour le RSA de ce foyer ?")
    check(page, "fiche3-08-dialogue-ecrire")
    page.get_by_role("button", name="Envoyer à la Caf").click()
    expect(page.locator(".fr-alert--success")).to_contain_text("Votre message a été envoyé à la Caf.")
    expect(page.get_by_role("heading", level=1)).to_have_text("Demande de justificatif de ressources")
    expect(page.locator("main")).to_contain_text("Pas encore de réponse.")
    check(page, "fiche3-09-dialogue-envoye")
    menu(page, "Dialogue")
    expect(page.get_by_role("heading", level=1)).to_have_text("Dialogue")
    sent = page.get_by_role("row").filter(has=page.get_by_role("link", name="Demande de justificatif de ressources"))
    expect(sent).to_contain_text(dossier.number)
    expect(sent).to_contain_text("Nouveau")
    check(page, "fiche3-10-dialogue-liste")

    # « Le menu « Aide en ligne » vous permet d'accéder à toutes les informations concernant le fonctionnement
    # de Mon Compte Partenaire. Ce menu vous propose également des fiches pratiques pour la consultation de
    # chaque onglet. »
    menu(page, "Aide en ligne")
    expect(page.get_by_role("heading", level=1)).to_have_text("Aide en ligne")
    check(page, "fiche3-11-aide")
    page.get_by_role("searchbox", name="Rechercher dans l'aide").fill("créances")
    page.get_by_role("button", name="Rechercher").click()
    expect(page.get_by_role("heading", level=2, name=re.compile(r"pour « créances »"))).to_be_visible()
    check(page, "fiche3-12-aide-recherche")
    page.get_by_role("link", name="Onglet « Créances »").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Onglet « Créances »")
    check(page, "fiche3-13-aide-onglet-creances")


def test_fiche_consulter_un_dossier_t18_onglets_limites(page, demo):
    dossier = rsa_dossier()
    login(page, "DEMO0004")
    consult(page, dossier, choose_caf=False, shot_name="fiche3-20-t18-consulter")

    expect(tabs_nav(page).get_by_role("link")).to_have_text(T18_TABS)
    for label in T18_TABS:
        tabs_nav(page).get_by_role("link", name=label, exact=True).click()
        expect(page.locator("section.pp-tab-panel").get_by_role("heading", level=2)).to_have_text(label)
        expect(page.locator("#finalites")).to_be_visible()
    # T18 may not print nor post an attestation: no « Attestation » button, and no PDF for the address typed.
    expect(page.get_by_role("main").get_by_role("link", name="Attestation", exact=True)).to_have_count(0)
    check(page, "fiche3-21-t18-onglets")
    pdf = page.request.get(url("dossiers:attestation_pdf", dossier.caf.code, dossier.number))
    assert pdf.status == 403
    assert not pdf.headers["content-type"].startswith("application/pdf")
    assert dossier.last_name not in pdf.text()

    # A forbidden tab typed in the address bar: the refusal, none of the file's data.
    response = page.goto(url("dossiers:tab", dossier.caf.code, dossier.number, "paiements"))
    assert response.status == 403
    expect(page.get_by_role("heading", level=1)).to_have_text("Consultation refusée")
    expect(page.get_by_role("alert")).to_contain_text("Vous ne pouvez pas consulter cette page")
    main = page.locator("main")
    expect(main).not_to_contain_text(dossier.last_name)
    expect(main).not_to_contain_text("Paiements des douze derniers mois")
    expect(page.get_by_role("navigation", name="Onglets du dossier")).to_have_count(0)
    check(page, "fiche3-22-t18-onglet-refuse")


def test_fiche_consulter_un_dossier_reponse_caf(page, demo):
    dossier = rsa_dossier()
    author = User.objects.get(username="DEMO0003")
    rights = consultation_rights(author, Caf.objects.get(code=dossier.caf.code).pk)
    message = dialogue_services.message_send(
        actor=author, rights=rights, dossier=dossier, subject="Date du prochain paiement",
        body="Bonjour,\nL'allocataire souhaite connaître la date de son prochain paiement.",
    )

    # The Caf agent: « Messages des partenaires », open the message, answer, mark it traité.
    login(page, "CAFA0001")
    menu(page, "Messages des partenaires")
    expect(page.get_by_role("heading", level=1)).to_have_text("Messages des partenaires")
    received = page.get_by_role("row").filter(has=page.get_by_role("link", name="Date du prochain paiement"))
    expect(received).to_contain_text("Nouveau")
    expect(received).to_contain_text(dossier.number)
    check(page, "fiche3-30-caf-messages")
    received.get_by_role("link", name="Date du prochain paiement").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Date du prochain paiement")
    expect(page.locator("main")).to_contain_text("L'allocataire souhaite connaître la date de son prochain paiement.")
    check(page, "fiche3-31-caf-message")
    field(page, "Votre réponse").fill("Le prochain paiement est prévu le 5 du mois prochain.")
    page.get_by_role("button", name="Envoyer la réponse").click()
    expect(page.locator(".fr-alert--success")).to_contain_text("Votre réponse a été enregistrée")
    expect(page.locator("main")).to_contain_text("Le prochain paiement est prévu le 5 du mois prochain.")
    page.get_by_role("button", name="Marquer comme traité").click()
    expect(page.locator(".fr-alert--success")).to_contain_text("Le message est marqué comme traité.")
    expect(page.locator("main")).to_contain_text("Message traité le")
    check(page, "fiche3-32-caf-traite")
    message.refresh_from_db()
    assert message.status == Message.Status.DONE
    logout(page)

    # The partner reads the answer in « Dialogue ».
    login(page, "DEMO0003")
    menu(page, "Dialogue")
    mine = page.get_by_role("row").filter(has=page.get_by_role("link", name="Date du prochain paiement"))
    expect(mine).to_contain_text("Traité")
    expect(mine).to_contain_text(re.compile(r"1 \(dernière le"))
    check(page, "fiche3-33-partenaire-dialogue")
    mine.get_by_role("link", name="Date du prochain paiement").click()
    expect(page.get_by_role("heading", level=2, name="Réponses de la Caf")).to_be_visible()
    expect(page.locator("main")).to_contain_text("Le prochain paiement est prévu le 5 du mois prochain.")
    check(page, "fiche3-34-partenaire-reponse")
