"""« Jetons d'API »: the administrator creates a token (shown once), lists and revokes it; nobody else may."""
from datetime import timedelta

import pytest
from django.urls import reverse

from portail.api.models import ApiToken
from portail.api import tokens
from portail.core.clock import now, today
from portail.journal.models import Action, JournalEntry

pytestmark = pytest.mark.django_db


def _form(**kw):
    return {"name": "Annuaire RH", "scopes": ["api", "scim"], "expires_on": str(today() + timedelta(days=60)), **kw}


def test_create_show_once_list_and_revoke(login_as, admin_user, convention):
    client = login_as(admin_user)
    listing = client.get(reverse("api_tokens:list", args=[convention.pk]))
    assert listing.status_code == 200 and "Aucun jeton" in listing.content.decode()
    response = client.post(reverse("api_tokens:create", args=[convention.pk]), _form())
    assert response.status_code == 200
    token = ApiToken.objects.get()
    html = response.content.decode()
    raw = html.split('id="jeton" type="text" readonly value="', 1)[1].split('"', 1)[0]
    assert tokens.authenticate(raw, scope="scim") == token and token.scopes == ["api", "scim"]
    assert response["Cache-Control"].startswith("no-store") or "no-store" in response["Cache-Control"]
    listing = client.get(reverse("api_tokens:list", args=[convention.pk])).content.decode()
    assert token.display_prefix in listing and raw not in listing and "Annuaire RH" in listing
    response = client.post(reverse("api_tokens:revoke", args=[convention.pk, token.pk]))
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None and token.revoked_by == admin_user
    assert tokens.authenticate(raw, scope="api") is None
    assert JournalEntry.objects.filter(action=Action.API_TOKEN_CREATED, actor=admin_user).exists()
    assert JournalEntry.objects.filter(action=Action.API_TOKEN_REVOKED, actor=admin_user).exists()


@pytest.mark.parametrize("data, field, message", [
    (_form(scopes=[]), "scopes", "Choisissez au moins une portée."),
    (_form(expires_on=str(today() + timedelta(days=400))), "expires_on", "Un jeton expire au plus tard dans un an."),
    (_form(expires_on=str(today() - timedelta(days=1))), "expires_on", "La date d'expiration ne peut pas être passée."),
    (_form(name=""), "name", "Ce champ est obligatoire."),
])
def test_refused_form_saves_nothing(login_as, admin_user, convention, data, field, message):
    response = login_as(admin_user).post(reverse("api_tokens:create", args=[convention.pk]), data)
    assert response.status_code == 200
    assert message in response.context["form"].errors[field]
    assert not ApiToken.objects.exists()


def test_others_are_refused(client, login_as, admin_user, convention, partner_user, caf_agent, make_group):
    make_group(convention, "G1", responsable=partner_user)
    assert login_as(partner_user).get(reverse("api_tokens:list", args=[convention.pk])).status_code == 403
    assert login_as(caf_agent).get(reverse("api_tokens:create", args=[convention.pk])).status_code == 403


def test_caf_takeover_stops_creation_not_revocation(login_as, admin_user, convention):
    token, _ = tokens.token_create(actor=admin_user, convention=convention, name="x", scopes=["api"],
                                   expires_on=today() + timedelta(days=1))
    convention.management_taken_back_at = now()
    convention.save(update_fields=["management_taken_back_at"])
    client = login_as(admin_user)
    page = client.get(reverse("api_tokens:list", args=[convention.pk])).content.decode()
    assert reverse("api_tokens:create", args=[convention.pk]) not in page
    assert client.post(reverse("api_tokens:create", args=[convention.pk]), _form()).status_code == 403
    assert client.post(reverse("api_tokens:revoke", args=[convention.pk, token.pk])).status_code == 302
    assert ApiToken.objects.get().revoked_at is not None


def test_groups_page_links_to_tokens_for_administrators_only(login_as, admin_user, convention, partner_user,
                                                           make_group):
    make_group(convention, "G1", responsable=partner_user)
    link = reverse("api_tokens:list", args=[convention.pk])
    groups = reverse("habilitations:groups", args=[convention.pk])
    assert link in login_as(admin_user).get(groups).content.decode()
    assert link not in login_as(partner_user).get(groups).content.decode()
