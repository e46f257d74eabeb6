"""ProConnect sign-in, link and logout against a real OpenID Connect provider (HTTP on a local port).

state, nonce, audience, signature and code replay are each refused and journaled; an unlinked identity
and a closed user are refused; the portal's own second factor follows unless the provider asserted one.
"""
import html
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from django.urls import reverse

from portail.journal.models import Action, JournalEntry
from portail.proconnect.client import ID_TOKEN_KEY
from portail.proconnect.models import ProConnectLink
from portail.testing import factories as f
from portail.testing.auth import sign_in

from .conftest import to_provider_and_back
from .provider import Identity

pytestmark = pytest.mark.django_db

LOGIN_START = reverse("proconnect:login_start")
HOME = reverse("home:index")


def link(user, provider, sub="sub-0001") -> ProConnectLink:
    return ProConnectLink.objects.create(user=user, issuer=provider.issuer + "/api/v2", subject=sub,
                                         email="agent@exemple.gouv.fr")


def refusals() -> list[dict]:
    return list(JournalEntry.objects.filter(action=Action.PROCONNECT_REFUSED).order_by("pk")
                .values_list("details", flat=True))


def body(response) -> str:
    return html.unescape(response.content.decode())


def signed_in(client) -> bool:
    return "_auth_user_id" in client.session


# ---------------------------------------------------------------- sign-in


def test_a_linked_user_signs_in(client, proconnect, partner_user):
    link(partner_user, proconnect)
    response = client.get(to_provider_and_back(client, LOGIN_START))
    assert response.status_code == 302 and response["Location"] == HOME
    assert client.session["_auth_user_id"] == str(partner_user.pk)
    assert client.session[ID_TOKEN_KEY]
    entry = JournalEntry.objects.filter(action=Action.LOGIN).latest("pk")
    assert entry.actor_id == partner_user.pk
    assert entry.details == {"method": "proconnect", "second_factor": "none", "acr": "eidas1"}
    assert ProConnectLink.objects.get(user=partner_user).last_used_at is not None


def test_an_unlinked_identity_is_refused(client, proconnect, partner_user):
    proconnect.identity = Identity(sub="inconnu-42", email="inconnu@exemple.gouv.fr")
    response = client.get(to_provider_and_back(client, LOGIN_START))
    assert response.status_code == 403
    assert "Aucun compte du portail n'est lié à cette identité ProConnect" in body(response)
    assert not signed_in(client)
    assert refusals()[-1]["reason"] == "unlinked"
    assert refusals()[-1]["sub"] == "inconnu-42" and refusals()[-1]["email"] == "inconnu@exemple.gouv.fr"


@pytest.mark.parametrize("change", [{"status": "clos"}, {"status": "suspendu"}, {"is_active": False}])
def test_a_closed_or_suspended_user_is_refused(client, proconnect, partner_user, change):
    link(partner_user, proconnect)
    for field, value in change.items():
        setattr(partner_user, field, value)
    partner_user.save()
    response = client.get(to_provider_and_back(client, LOGIN_START))
    assert response.status_code == 403 and "n'est pas ouvert" in body(response)
    assert not signed_in(client)
    entry = JournalEntry.objects.filter(action=Action.PROCONNECT_REFUSED).latest("pk")
    assert entry.details["reason"] == "closed" and entry.target_user_id == partner_user.pk


@pytest.mark.parametrize("knob,value", [("sign_with_rogue_key", True), ("audience", "un-autre-client"),
                                        ("nonce_override", "nonce-rejoue")])
def test_an_id_token_that_does_not_check_out_is_refused(client, proconnect, partner_user, knob, value):
    """Bad signature (a key outside the provider's JWKS), another audience, another nonce."""
    link(partner_user, proconnect)
    setattr(proconnect, knob, value)
    response = client.get(to_provider_and_back(client, LOGIN_START))
    assert response.status_code == 403
    assert "n'a pas pu être vérifiée" in body(response)
    assert not signed_in(client)
    assert refusals()[-1]["reason"] == "id_token"


def test_a_forged_or_replayed_state_is_refused(client, proconnect, partner_user):
    link(partner_user, proconnect)
    back = to_provider_and_back(client, LOGIN_START)
    code = parse_qs(urlsplit(back).query)["code"][0]
    forged = client.get(reverse("proconnect:callback") + f"?code={code}&state=forge")
    assert forged.status_code == 403 and refusals()[-1]["reason"] == "state"
    assert client.get(back).status_code == 302  # the genuine answer still works once…
    client.logout()
    replay = client.get(back)  # …and only once
    assert replay.status_code == 403 and refusals()[-1]["reason"] == "state"
    assert not signed_in(client)


def test_a_code_used_twice_is_refused_by_the_provider(client, proconnect, partner_user):
    link(partner_user, proconnect)
    first = to_provider_and_back(client, LOGIN_START)
    assert client.get(first).status_code == 302
    client.logout()
    # A new flow (its own state), answered with the code already used: the token endpoint says no.
    second = to_provider_and_back(client, LOGIN_START)
    used_code = parse_qs(urlsplit(first).query)["code"][0]
    state = parse_qs(urlsplit(second).query)["state"][0]
    response = client.get(reverse("proconnect:callback") + f"?code={used_code}&state={state}")
    assert response.status_code == 403
    assert refusals()[-1]["reason"] == "token"
    assert proconnect.refused[-1] == "replayed code"
    assert not signed_in(client)


def test_an_error_from_the_provider_is_refused(client, proconnect):
    back = to_provider_and_back(client, LOGIN_START)
    state = parse_qs(urlsplit(back).query)["state"][0]
    response = client.get(reverse("proconnect:callback") + f"?error=access_denied&state={state}")
    assert response.status_code == 403 and refusals()[-1]["reason"] == "provider"


def test_the_flow_uses_pkce_and_a_nonce(client, proconnect):
    response = client.post(LOGIN_START)
    query = parse_qs(urlsplit(response["Location"]).query)
    assert query["code_challenge_method"] == ["S256"] and query["code_challenge"][0]
    assert query["nonce"][0] and query["state"][0]
    assert "openid" in query["scope"][0].split()


# ---------------------------------------------------------------- second factor


def test_without_a_second_factor_from_the_provider_the_portal_asks_its_own(client, proconnect, admin_user):
    link(admin_user, proconnect)  # an administrator must use a second factor
    response = client.get(to_provider_and_back(client, LOGIN_START))
    assert response["Location"] == reverse("accounts:second_factor_enrol")
    assert not signed_in(client)


@pytest.mark.parametrize("acr,amr", [("eidas2", ["pwd", "otp"]), ("eidas1", ["pwd", "mfa"]),
                                     ("https://proconnect.gouv.fr/assurance/self-asserted-2fa", [])])
def test_a_second_factor_asserted_by_the_provider_counts(client, proconnect, admin_user, acr, amr):
    link(admin_user, proconnect)
    proconnect.identity = Identity(sub="sub-0001", acr=acr, amr=amr)
    response = client.get(to_provider_and_back(client, LOGIN_START))
    assert response["Location"] == HOME and signed_in(client)
    assert JournalEntry.objects.filter(action=Action.LOGIN).latest("pk").details["second_factor"] == "provider"
    assert client.get(HOME).status_code == 200  # the second-factor middleware lets the session be


# ---------------------------------------------------------------- link, unlink


def test_link_from_my_account_then_sign_in(client, proconnect, partner_user):
    sign_in(client, partner_user)
    assert "Lier mon identité ProConnect" in body(client.get(reverse("proconnect:account")))
    back = to_provider_and_back(client, reverse("proconnect:link_start"))
    response = client.get(back)
    assert response["Location"] == reverse("proconnect:link_confirm")
    page = body(client.get(response["Location"]))
    assert "agent@exemple.gouv.fr" in page and partner_user.username in page
    assert client.post(reverse("proconnect:link_confirm")).status_code == 302
    saved = ProConnectLink.objects.get(user=partner_user)
    assert (saved.issuer, saved.subject) == (proconnect.issuer + "/api/v2", "sub-0001")
    entry = JournalEntry.objects.filter(action=Action.PROCONNECT_LINKED).get()
    assert entry.actor_id == entry.target_user_id == partner_user.pk
    client.logout()
    client.get(to_provider_and_back(client, LOGIN_START))
    assert client.session["_auth_user_id"] == str(partner_user.pk)


def test_an_identity_linked_to_someone_else_is_not_linked_again(client, proconnect, partner_user, convention):
    other = f.UserFactory(organisation=convention.organisation)
    link(other, proconnect)
    sign_in(client, partner_user)
    client.get(to_provider_and_back(client, reverse("proconnect:link_start")))
    response = client.post(reverse("proconnect:link_confirm"), follow=True)
    assert "déjà liée à un autre compte" in body(response)
    assert not ProConnectLink.objects.filter(user=partner_user).exists()
    assert refusals()[-1]["reason"] == "already_linked"


def test_a_link_answer_opened_in_another_session_is_refused(client, proconnect, partner_user):
    sign_in(client, partner_user)
    back = to_provider_and_back(client, reverse("proconnect:link_start"))
    client.logout()
    response = client.get(back)
    assert response.status_code == 403
    assert not ProConnectLink.objects.exists()


def test_link_needs_a_recent_authentication(client, proconnect, partner_user, settings):
    sign_in(client, partner_user)
    settings.REAUTH_MAX_AGE_SECONDS = -1
    response = client.post(reverse("proconnect:link_start"))
    assert response["Location"].startswith(reverse("accounts:reauth"))


def test_unlink_by_oneself_and_by_the_administrator(client, proconnect, partner_user, admin_user, convention):
    link(partner_user, proconnect)
    sign_in(client, partner_user)
    client.post(reverse("proconnect:unlink"))
    assert not ProConnectLink.objects.exists()
    link(partner_user, proconnect)
    sign_in(client, admin_user)
    page = reverse("proconnect_admin:user_link", args=[convention.pk, partner_user.pk])
    assert "agent@exemple.gouv.fr" in body(client.get(page))
    assert client.post(page).status_code == 302
    assert not ProConnectLink.objects.exists()
    actors = list(JournalEntry.objects.filter(action=Action.PROCONNECT_UNLINKED).values_list("actor_id", flat=True))
    assert actors == [partner_user.pk, admin_user.pk]


# ---------------------------------------------------------------- logout, page security


def test_logout_also_ends_the_provider_session(client, proconnect, partner_user):
    link(partner_user, proconnect)
    client.get(to_provider_and_back(client, LOGIN_START))
    response = client.post(reverse("accounts:logout"))
    assert response["Location"].startswith(proconnect.issuer + "/api/v2/session/end")
    assert not signed_in(client)
    answer = requests.get(response["Location"], allow_redirects=False, timeout=5)
    assert proconnect.ended_sessions[-1]["id_token_hint"]
    back = urlsplit(answer.headers["Location"])
    assert client.get(f"{back.path}?{back.query}")["Location"] == reverse("accounts:login")
    assert JournalEntry.objects.filter(action=Action.LOGOUT, actor=partner_user).exists()


def test_password_sign_in_logout_does_not_go_to_the_provider(client, proconnect, partner_user):
    sign_in(client, partner_user)
    assert client.post(reverse("accounts:logout"))["Location"] == reverse("accounts:login")


def test_login_page_shows_the_button_and_lets_forms_reach_the_provider(client, proconnect):
    response = client.get(reverse("accounts:login"))
    assert "S’identifier avec" in body(response) and "ProConnect" in body(response)
    form_action = [part for part in response["Content-Security-Policy"].split(";") if "form-action" in part][0]
    assert proconnect.issuer in form_action


def test_without_configuration_there_is_no_button_and_no_flow(client, settings):
    settings.PROCONNECT_DISCOVERY_URL = ""
    assert "fr-connect" not in body(client.get(reverse("accounts:login")))
    response = client.post(LOGIN_START)
    assert response.status_code == 503 and "n'est pas proposée" in body(response)


def test_an_unreachable_provider_is_a_clear_refusal(client, settings):
    settings.PROCONNECT_DISCOVERY_URL = "http://127.0.0.1:9/.well-known/openid-configuration"
    settings.PROCONNECT_CLIENT_ID = "x"
    response = client.post(LOGIN_START)
    assert response.status_code == 503 and "ne répond pas" in body(response)
