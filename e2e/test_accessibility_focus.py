"""Accessibility of the screens fixed after the RGAA audit: where the focus lands after an action, what a
screen reader is told, and axe-core with no violation at 1280 and at 375 px wide on every page touched.

People are signed in through the session (`portail.testing.auth.sign_in`), so these checks do not depend on
the steps of the login page, which has its own test below (a failed sign-in).
"""
import re

import pytest
from django.conf import settings
from django.test import Client

from portail.accounts.models import User
from portail.conventions.models import Convention
from portail.dossiers import services as dossier_services
from portail.dossiers.demo import demo_dossier_numbers
from portail.habilitations.models import Group, GroupRole
from portail.testing.auth import sign_in

from .helpers import axe_check, check, expect, field, shot, url

pytestmark = pytest.mark.e2e

NARROW = {"width": 375, "height": 800}
WIDE = {"width": 1280, "height": 900}


def enter_as(page, live_server, username: str) -> None:
    client = sign_in(Client(), User.objects.get(username=username))
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    page.context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}])


def focused_id(page) -> str:
    return page.evaluate("document.activeElement && document.activeElement.id")


def check_both_widths(page, name: str) -> None:
    """axe-core at 1280 px (with a screenshot), then again at 375 px (with a screenshot)."""
    check(page, f"{name}-1280")
    page.set_viewport_size(NARROW)
    page.reload()
    check(page, f"{name}-375")
    page.set_viewport_size(WIDE)


def test_error_summary_takes_the_focus_after_a_failed_submit(page, demo, live_server):
    enter_as(page, live_server, "DEMO0001")
    conv = Convention.objects.get(label="Convention 1")
    page.goto(url("habilitations:group_create", conv.pk))
    expect(page.get_by_text("Les champs marqués d'un astérisque (*) sont obligatoires.")).to_be_visible()
    page.get_by_role("button", name="Valider").click()

    summary = page.locator("#resume-erreurs")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("Code : Ce champ est obligatoire.")
    expect(page).to_have_title(re.compile(r"^Erreur : Créer un groupe d'utilisateurs"))
    # Each error links to its field.
    summary.get_by_role("link", name=re.compile("^Libellé")).click()
    expect(field(page, "Libellé")).to_be_focused()
    check_both_widths(page, "a11y-creer-groupe-erreur")


def test_failed_sign_in_message_is_linked_to_the_fields(page, demo):
    page.goto(url("accounts:login"))
    assert page.locator("[autofocus]").count() == 0  # nothing jumps past the page's explanation
    page.get_by_label("Identifiant").fill("DEMO0001")
    page.get_by_label("Mot de passe").fill("pas le bon mot de passe")
    page.get_by_role("button", name="Se connecter").click()

    expect(page.locator("#resume-erreurs")).to_be_focused()
    expect(page).to_have_title(re.compile(r"^Erreur : "))
    for label in ("Identifiant", "Mot de passe"):
        described = page.get_by_label(label).get_attribute("aria-describedby").split()
        assert "formulaire-erreurs" in described, (label, described)
    expect(page.locator("#formulaire-erreurs")).to_contain_text("Identifiant ou mot de passe incorrect")
    check_both_widths(page, "a11y-connexion-erreur")


def test_service_choice_assign_role_and_focus(page, demo, live_server):
    """Convention 2 has two services: choosing AFAS shows its roles at once; after « Assigner rôle » the
    focus is on « Proposer les modifications » and « Non enregistré » is in a status line; after saving the
    page comes back on AFAS."""
    enter_as(page, live_server, "DEMO0007")
    conv = Convention.objects.get(label="Convention 2")
    group = Group.objects.get(convention=conv, code="SOCIAL")
    page.goto(url("habilitations:group_roles", conv.pk, group.pk))
    expect(page).to_have_title(re.compile(r"groupe SOCIAL.*Convention 2"))

    with page.expect_navigation():
        field(page, "Service").select_option(label="Aides financières (AFAS)")  # no button pressed
    assert "service=AFAS" in page.url
    field(page, "Profil à assigner").select_option(label="A1 Instructeur aides financières")
    page.get_by_role("button", name="Assigner rôle").click()

    expect(page.get_by_role("button", name="Proposer les modifications")).to_be_focused()
    status = page.get_by_role("status").filter(has_text="Non enregistré")
    expect(status).to_contain_text("A1 assigné")
    check_both_widths(page, "a11y-habilitations-afas-assigne")

    page.get_by_role("button", name="Proposer les modifications").click()
    expect(page.locator(".fr-alert--success")).to_contain_text("Les habilitations du groupe sont enregistrées")
    assert "service=AFAS" in page.url
    expect(page.locator("#roles-assignes")).to_contain_text("A1 Instructeur aides financières")
    assert GroupRole.objects.filter(group=group, role__code="A1").exists()


def test_focus_lands_on_the_tab_content_after_a_tab_switch(page, demo, live_server):
    caf_code, _name, number, _what = demo_dossier_numbers(caf_codes=("751",))[0]
    enter_as(page, live_server, "DEMO0003")
    page.goto(url("dossiers:tab", caf_code, number, "synthese"))
    page.get_by_role("navigation", name="Onglets du dossier").get_by_role("link", name="Paiements").click()
    expect(page.locator("#contenu-onglet")).to_be_focused()
    assert page.url.endswith("#contenu-onglet")
    check_both_widths(page, "a11y-dossier-onglet-paiements")


def test_attestation_confirmation_and_narrow_screen(page, demo, live_server):
    caf_code, _name, number, _what = demo_dossier_numbers(caf_codes=("751",))[1]
    enter_as(page, live_server, "DEMO0003")
    page.goto(url("dossiers:attestation", caf_code, number))
    page.set_viewport_size({"width": 320, "height": 800})
    page.reload()
    # At 320 px, nothing runs past the screen and only one control is named « Menu »-something each.
    for name in ("Attestation", "Visualiser et imprimer l'attestation (PDF, nouvelle fenêtre)",
                 "Envoyer par courrier à l'allocataire"):
        control = page.get_by_role("link", name=name, exact=True).or_(page.get_by_role("button", name=name, exact=True))
        box = control.first.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 320, (name, box)
        assert control.first.evaluate("e => e.scrollWidth <= e.clientWidth"), f"« {name} » is cut off"
    assert page.get_by_role("button", name="Menu", exact=True).count() == 0
    assert page.get_by_role("link", name="Menu", exact=True).count() == 0
    shot(page, "a11y-attestation-320")
    page.set_viewport_size(WIDE)
    page.reload()

    page.get_by_role("button", name="Envoyer par courrier à l'allocataire").click()
    expect(page.locator("#confirmer-envoi")).to_be_focused()
    confirm = page.get_by_role("button", name="Confirmer l'envoi par courrier")
    expect(confirm).to_have_text("Confirmer l'envoi par courrier")  # its label shown, not an icon alone
    check_both_widths(page, "a11y-attestation-confirmer")
    page.get_by_role("button", name="Confirmer l'envoi par courrier").click()
    expect(page.locator(".fr-alert--success")).to_contain_text("La demande d'envoi par courrier")

    page.goto(url("dossiers:attestation", caf_code, number))
    expect(page.locator("#envoi-en-attente")).to_contain_text("est en attente à la Caf")
    expect(page.get_by_role("button", name="Envoyer par courrier à l'allocataire")).to_have_count(0)


def test_users_list_shows_every_column_at_1280(page, demo, live_server):
    enter_as(page, live_server, "DEMO0001")
    conv = Convention.objects.get(label="Convention 1")
    page.goto(url("habilitations:users", conv.pk))
    shot(page, "a11y-utilisateurs-1280")
    container = page.locator("#table-utilisateurs .fr-table__container")
    widths = container.evaluate("e => [e.scrollWidth, e.clientWidth]")
    assert widths[0] <= widths[1], f"the table scrolls sideways: {widths}"
    header = page.get_by_role("columnheader", name="Autres actions").bounding_box()
    assert header["x"] + header["width"] <= 1280
    # The link's accessible name starts with its visible text (RGAA 6.1).
    link = page.get_by_role("link", name=re.compile(r"^Ajouter l'utilisateur au groupe \(DEMO0002\)$"))
    expect(link).to_have_text("Ajouter l'utilisateur au groupe")
    # One « current page » only: the breadcrumb's.
    assert page.locator('[aria-current="page"]').count() == 1
    check_both_widths(page, "a11y-utilisateurs")


def test_caf_agent_prints_the_attestation_to_post(page, demo, live_server):
    caf_code, _name, number, _what = demo_dossier_numbers(caf_codes=("751",))[0]
    dossier_services.attestation_post(actor=User.objects.get(username="DEMO0003"), ip="127.0.0.1",
                                      caf_code=caf_code, number=number)
    enter_as(page, live_server, "CAFA0001")
    page.goto(url("dossiers:caf_attestations"))
    link = page.get_by_role("link", name=re.compile(r"^Imprimer l'attestation ATT-"))
    expect(link).to_have_count(1)
    pdf = page.request.get(link.get_attribute("href"))
    assert pdf.headers["content-type"] == "application/pdf"
    check_both_widths(page, "a11y-caf-attestations")


def test_footer_pages_and_site_map(page, demo, live_server):
    enter_as(page, live_server, "DEMO0001")
    page.goto(url("home:index"))
    page.get_by_role("contentinfo").get_by_role("link", name="Accessibilité : partiellement conforme").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Déclaration d'accessibilité")
    expect(page.get_by_role("main")).to_contain_text("54 critères sont respectés sur 59 critères applicables")
    expect(page.get_by_role("main")).to_contain_text("91,5 %")
    check_both_widths(page, "a11y-declaration")
    page.get_by_role("contentinfo").get_by_role("link", name="Plan du site").click()
    expect(page.get_by_role("main").get_by_role("link", name="Consulter les conventions")).to_be_visible()
    check_both_widths(page, "a11y-plan-du-site")
    for name, heading in (("Données personnelles", "Données personnelles"), ("Mentions légales", "Mentions légales")):
        page.get_by_role("contentinfo").get_by_role("link", name=name).click()
        expect(page.get_by_role("heading", level=1)).to_have_text(heading)
        axe_check(page)
