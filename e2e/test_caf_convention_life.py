"""A convention's life from the Caf side: the Caf agent CAFA0001 registers an organisation, creates its convention
and names its administrator, created on the spot; the administrator activates his account through the link in
the mail, logs in and sees his convention. Every page audited by axe-core, at 1280 and 375 px wide."""
import base64
import re
import time
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django_otp.oath import TOTP

from .helpers import axe_check, check, expect, field, login, logout, menu, row, tick, url

pytestmark = pytest.mark.e2e

PASSWORD = "Un-Mot-De-Passe-Solide-42"


def _code_from_secret(secret: str) -> str:
    """What the administrator's authenticator app shows for the secret read on the enrolment page."""
    raw = secret.replace(" ", "")
    totp = TOTP(base64.b32decode(raw + "=" * (-len(raw) % 8)))
    totp.time = time.time()
    return f"{totp.token():06d}"


def check_both(page, name: str) -> None:
    """Screenshot and axe-core at 1280 px, then again at 375 px (a phone)."""
    check(page, name)
    page.set_viewport_size({"width": 375, "height": 800})
    check(page, f"{name}-375")
    page.set_viewport_size({"width": 1280, "height": 900})


def test_caf_agent_creates_a_convention_and_names_its_administrator(page, demo, live_server, settings):
    settings.PORTAL_BASE_URL = live_server.url  # links in mails point where the portal runs
    login(page, "CAFA0001")
    menu(page, "Organisations et conventions")
    expect(page.get_by_role("heading", level=1)).to_have_text("Organisations et conventions")
    check_both(page, "caf-conventions")

    # The organisation.
    page.get_by_role("link", name="Créer une organisation partenaire").first.click()
    field(page, "Raison sociale").fill("Association Solidarité Gironde")
    field(page, "Type").select_option(label="Association")
    field(page, "SIRET").fill("123")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.locator("main")).to_contain_text("Le SIRET compte 14 chiffres.")
    check_both(page, "caf-organisation-erreur")
    field(page, "SIRET").fill("41234567800019")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Association Solidarité Gironde")
    check_both(page, "caf-organisation")

    # Its convention: dates out of order first, then right.
    page.get_by_role("link", name="Créer une convention").click()
    field(page, "Libellé").fill("Convention Solidarité")
    tick(page, "Cdap")
    field(page, "Date d'ouverture").fill("2026-01-01")
    field(page, "Date de clôture").fill("2025-12-31")
    field(page, "Finalités").fill("Accompagnement social des familles.")
    page.get_by_role("button", name="Créer la convention").click()
    expect(page.locator("main")).to_contain_text("La date de clôture ne peut pas précéder la date d'ouverture.")
    check_both(page, "caf-convention-erreur")
    field(page, "Date de clôture").fill("")
    page.get_by_role("button", name="Créer la convention").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Convention Solidarité")
    expect(page.locator("main")).to_contain_text("Aucun administrateur")
    check_both(page, "caf-convention")

    # Its administrator, created on the spot.
    mail.outbox.clear()
    page.get_by_role("link", name="Créer un utilisateur administrateur").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Créer un utilisateur")
    field(page, "Nom").fill("Garnier")
    field(page, "Prénoms").fill("Hélène")
    field(page, "Adresse mail").fill("helene.garnier@example.fr")
    field(page, "Confirmer l'adresse mail").fill("helene.garnier@example.fr")
    check_both(page, "caf-administrateur-creer")
    page.get_by_role("button", name="Créer et nommer administrateur").click()
    expect(page.locator(".fr-alert--success")).to_contain_text("nommé administrateur de la convention")
    administrators = page.locator("#table-administrateurs")
    expect(row(page, "Hélène Garnier", table=administrators)).to_contain_text("en attente d'activation")
    check_both(page, "caf-convention-administrateur")
    logout(page)

    activation = next(m for m in mail.outbox if "activez" in m.subject)
    assert activation.to == ["helene.garnier@example.fr"]
    username = re.search(r"Votre identifiant : (\w+)", activation.body).group(1)
    link = re.search(r"https?://\S+", activation.body).group(0)
    assert link.startswith(live_server.url)
    page.goto(urlsplit(link).path)
    page.get_by_label("Nouveau mot de passe").fill(PASSWORD)
    page.get_by_label("Confirmer le mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Enregistrer le mot de passe").click()
    expect(page.locator(".fr-alert--success")).to_contain_text("Votre mot de passe est enregistré")

    # First sign-in of an administrator: he sets up his second factor (double authentification).
    page.goto(url("accounts:login"))
    page.get_by_label("Identifiant").fill(username)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Activer la double authentification")
    secret = page.locator("#secret").inner_text()
    page.get_by_label("Code affiché par l'application").fill(_code_from_secret(secret))
    page.get_by_role("button", name="Activer").click()
    page.get_by_role("link", name="J'ai noté mes codes, continuer").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Bienvenue, Hélène Garnier")
    menu(page, "Consulter les conventions")
    expect(row(page, "Convention Solidarité")).to_contain_text("Association Solidarité Gironde")
    check_both(page, "administrateur-nouveau-conventions")
    # A partner finds nothing of the Caf's back office.
    assert "Organisations et conventions" not in page.locator("nav").first.inner_text()
    axe_check(page)

    # The new administrator's four supervision pages, on his own convention only.
    for entry, heading in (("Supervision habilitations", "Supervision habilitations"),
                           ("Supervision modifier", "Supervision modifier"),
                           ("Consulter documents", "Documents de la convention"),
                           ("Statistiques d'usage", "Statistiques d'usage")):
        menu(page, entry)
        expect(page.get_by_role("heading", level=1)).to_contain_text(heading)
        expect(page.locator("main")).to_contain_text("Convention Solidarité")
        assert "Convention 1" not in page.locator("main").inner_text()
        check_both(page, "administrateur-nouveau-" + entry.split()[0].lower() + "-" + entry.split()[-1].lower())
