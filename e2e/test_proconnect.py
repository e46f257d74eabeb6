"""ProConnect in the browser, against a real OpenID Connect provider started on a local port.

A partner's agent links his ProConnect identity from « Mon compte » (signed in with his password), then
signs in with the « S'identifier avec ProConnect » button, and his logout ends the provider's session
too. Refused, each with its French page: an identity linked to no account, a closed account, an ID token
signed with a key that is not the provider's.
"""
import pytest

from e2e.helpers import check, expect, url
from portail.proconnect.models import ProConnectLink
from portail.proconnect.tests.provider import CLIENT_ID, CLIENT_SECRET, Identity, Provider
from portail.testing import factories as f
from portail.testing.factories import PASSWORD


@pytest.fixture
def provider(live_server, settings):
    server = Provider().start()
    settings.PROCONNECT_DISCOVERY_URL = server.discovery_url
    settings.PROCONNECT_CLIENT_ID = CLIENT_ID
    settings.PROCONNECT_CLIENT_SECRET = CLIENT_SECRET
    settings.PROCONNECT_REDIRECT_URI = live_server.url + url("proconnect:callback")
    settings.PROCONNECT_POST_LOGOUT_REDIRECT_URI = live_server.url + url("proconnect:logged_out")
    server.redirect_uris = {settings.PROCONNECT_REDIRECT_URI}
    yield server
    server.stop()


@pytest.fixture
def agent(transactional_db):
    convention = f.ConventionFactory(label="Convention ProConnect")
    return f.UserFactory(organisation=convention.organisation, last_name="Girard", first_name="Anne")


def proconnect_button(page):
    page.goto(url("accounts:login"))
    page.get_by_role("button", name="S’identifier avec ProConnect").click()


def test_link_sign_in_logout_and_refusals(page, provider, agent):
    provider.identity = Identity(sub="pc-anne-girard", email="anne.girard@cd.example.fr", given_name="Anne",
                                 usual_name="Girard")
    # Signed in with his identifier and password, the agent opens « Mon compte ».
    page.goto(url("accounts:login"))
    page.get_by_label("Identifiant").fill(agent.username)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.locator("#connected-user").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mon compte")
    page.get_by_role("button", name="Lier mon identité ProConnect").click()
    # ProConnect identified him; he confirms the link once.
    expect(page.get_by_role("heading", level=1)).to_have_text("Lier mon identité ProConnect")
    expect(page.get_by_text("anne.girard@cd.example.fr")).to_be_visible()
    check(page, "proconnect-lier")
    page.get_by_role("button", name="Lier cette identité à mon compte").click()
    expect(page.get_by_text("Votre identité ProConnect est liée")).to_be_visible()
    assert ProConnectLink.objects.get(user=agent).subject == "pc-anne-girard"
    page.get_by_role("button", name="Se déconnecter").click()

    # From now on the ProConnect button opens his account; his logout ends the ProConnect session too.
    page.goto(url("accounts:login"))
    check(page, "proconnect-connexion")
    proconnect_button(page)
    expect(page.get_by_role("heading", level=1)).to_contain_text("Bienvenue")
    expect(page.locator("#connected-user")).to_contain_text(agent.username)
    page.get_by_role("button", name="Se déconnecter").click()
    expect(page.get_by_text("Vous êtes déconnecté du portail et de ProConnect.")).to_be_visible()
    assert provider.ended_sessions and provider.ended_sessions[-1]["id_token_hint"]

    # An identity linked to no account of the portal.
    provider.identity = Identity(sub="pc-inconnu", email="inconnu@cd.example.fr")
    proconnect_button(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("Connexion avec ProConnect refusée")
    expect(page.get_by_text("Aucun compte du portail n'est lié à cette identité ProConnect")).to_be_visible()
    check(page, "proconnect-refus-identite-non-liee")

    # His account closed meanwhile.
    provider.identity = Identity(sub="pc-anne-girard")
    agent.status = "clos"
    agent.save(update_fields=["status"])
    proconnect_button(page)
    expect(page.get_by_text("Votre compte du portail n'est pas ouvert")).to_be_visible()

    # An ID token signed with a key that is not in the provider's JWKS.
    agent.status = "ouvert"
    agent.save(update_fields=["status"])
    provider.sign_with_rogue_key = True
    proconnect_button(page)
    expect(page.get_by_text("La réponse de ProConnect n'a pas pu être vérifiée")).to_be_visible()
    expect(page.get_by_role("link", name="Se connecter")).to_be_visible()  # nobody signed in
    assert not page.portal_errors, page.portal_errors
