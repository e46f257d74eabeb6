"""Login, activation of a new account, logout and the error page, in a real browser, each page audited by axe-core."""
import re
from urllib.parse import urlsplit

import pytest
from django.core import mail

from portail.accounts.models import User
from portail.accounts.services import user_create
from portail.conventions.models import Organisation

from .helpers import DEMO_PASSWORD, check, expect, login, logout, url

pytestmark = pytest.mark.e2e


def test_wrong_password_shows_the_french_error_next_to_the_form(page, demo):
    page.goto(url("accounts:login"))
    check(page, "connexion")
    login(page, "DEMO0001", "pas-le-bon-mot-de-passe", expect_success=False)

    form = page.locator("main form")
    expect(form).to_contain_text("Identifiant ou mot de passe incorrect.")
    expect(page.get_by_role("heading", level=1)).to_have_text("Connexion à Mon Compte Partenaire")
    expect(page.get_by_role("button", name="Se déconnecter")).to_have_count(0)
    check(page, "connexion-erreur")


def test_good_login_lands_on_welcome_then_logout(page, demo):
    login(page, "DEMO0001")
    expect(page.get_by_role("heading", level=1)).to_have_text("Bienvenue, Claire Martin")
    expect(page.locator("#connected-user")).to_contain_text("DEMO0001")
    check(page, "accueil-administrateur")

    logout(page)
    expect(page.get_by_role("button", name="Se déconnecter")).to_have_count(0)
    check(page, "deconnexion")
    # The session is gone: the welcome page asks to log in again.
    page.goto(url("home:index"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Connexion à Mon Compte Partenaire")


def test_new_user_activates_his_account_and_logs_in(page, demo):
    admin = User.objects.get(username="DEMO0001")
    new = user_create(actor=admin, organisation=Organisation.objects.get(name="Conseil départemental 1"),
                      last_name="Durant", first_name="Martin", email="martin.durant@example.fr")
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["martin.durant@example.fr"]
    assert new.username in message.body
    link = re.search(r"https?://\S+", message.body).group(0)

    page.goto(urlsplit(link).path)
    expect(page.get_by_role("heading", level=1)).to_have_text("Choisir votre mot de passe")
    expect(page.locator("main")).to_contain_text(new.username)
    check(page, "activation")

    # Two different passwords: a French message, the password is not saved.
    page.get_by_label("Nouveau mot de passe").fill("Un-Mot-De-Passe-Solide-42")
    page.get_by_label("Confirmer le mot de passe").fill("Un-Autre-Mot-De-Passe-42")
    page.get_by_role("button", name="Enregistrer le mot de passe").click()
    expect(page.locator("main form")).to_contain_text("mots de passe")
    check(page, "activation-erreur")

    page.get_by_label("Nouveau mot de passe").fill("Un-Mot-De-Passe-Solide-42")
    page.get_by_label("Confirmer le mot de passe").fill("Un-Mot-De-Passe-Solide-42")
    page.get_by_role("button", name="Enregistrer le mot de passe").click()
    expect(page.locator(".fr-alert--success")).to_contain_text("Votre mot de passe est enregistré")
    check(page, "activation-faite")

    login(page, new.username, "Un-Mot-De-Passe-Solide-42")
    expect(page.get_by_role("heading", level=1)).to_have_text("Bienvenue, Martin Durant")
    check(page, "accueil-nouvel-utilisateur")

    # The link works only once.
    logout(page)
    page.goto(urlsplit(link).path)
    expect(page.locator("main")).to_contain_text("Lien expiré ou déjà utilisé")
    check(page, "activation-lien-use")


def test_unknown_page_is_a_french_404(page, demo):
    response = page.goto("/cette-page-n-existe-pas/")
    assert response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Page introuvable")
    check(page, "404-anonyme")

    login(page, "DEMO0003")
    response = page.goto("/cette-page-n-existe-pas/")
    assert response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Page introuvable")
    check(page, "404-connecte")


def test_forgotten_password_pages(page, demo):
    page.goto(url("accounts:login"))
    page.get_by_role("link", name="Mot de passe oublié").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mot de passe oublié")
    check(page, "mot-de-passe-oublie")
    page.get_by_label("Adresse mail").fill("sophie.durand@cd1.example.fr")
    page.get_by_role("button", name="Recevoir le lien").click()
    expect(page.locator("main")).to_contain_text("un lien pour choisir un nouveau mot de passe")
    check(page, "mot-de-passe-oublie-envoye")
    assert len(mail.outbox) == 1
    link = re.search(r"https?://\S+", mail.outbox[0].body).group(0)
    page.goto(urlsplit(link).path)
    page.get_by_label("Nouveau mot de passe").fill("Encore-Un-Mot-De-Passe-7")
    page.get_by_label("Confirmer le mot de passe").fill("Encore-Un-Mot-De-Passe-7")
    page.get_by_role("button", name="Enregistrer le mot de passe").click()
    login(page, "DEMO0003", "Encore-Un-Mot-De-Passe-7")


def test_small_screen_header_menu_gives_logout(page, demo):
    page.set_viewport_size({"width": 375, "height": 800})
    login(page, "DEMO0003")
    check(page, "mobile-accueil")
    page.locator("header").get_by_role("button", name="Menu").click()
    mobile_menu = page.locator("#menu-mobile")
    expect(mobile_menu).to_be_visible()
    check(page, "mobile-menu-ouvert")
    mobile_menu.get_by_role("button", name="Se déconnecter").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Connexion à Mon Compte Partenaire")
