"""« Jetons d'API » then the API, as the administrator DEMO0001: he creates a token (shown once), his tool lists his
groups with it (as `curl` would), he reads the API's documentation page, then revokes the token, which stops
working at once. axe-core on every page reached."""
import json
import re
import urllib.error
import urllib.request

import pytest

from .helpers import check, expect, field, login, menu, row, tick

pytestmark = pytest.mark.e2e


def _get(base: str, path: str, token: str):
    request = urllib.request.Request(base + path, headers={"Authorization": f"Bearer {token}"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_administrator_creates_uses_and_revokes_a_token(page, demo, live_server):
    login(page, "DEMO0001")
    menu(page, "Consulter les conventions")
    row(page, "Convention 1").get_by_role("link", name=re.compile(r"^groupes")).click()
    page.get_by_role("link", name="Jetons d'API").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Jetons d'API")
    check(page, "api-01-jetons")

    page.get_by_role("link", name="Créer un jeton").click()
    field(page, "Nom du jeton").fill("Annuaire RH")
    tick(page, "Approvisionnement SCIM")
    check(page, "api-02-creer")
    page.get_by_role("button", name="Créer le jeton").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Jeton créé")
    check(page, "api-03-jeton-affiche-une-fois")
    token = page.get_by_label("Jeton").input_value()
    assert token.startswith("ppt_")

    status, groups = _get(live_server.url, "/api/v1/groups/", token)
    assert status == 200 and "GROUPES" in {g["code"] for g in groups["results"]}

    page.get_by_role("link", name="J'ai copié le jeton").click()
    expect(row(page, "Annuaire RH")).to_contain_text("API REST, Approvisionnement SCIM")
    assert token not in page.content()
    page.get_by_role("link", name="API").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Documentation de l'API")
    expect(page.get_by_role("heading", name="GET /api/v1/groups/", exact=True)).to_be_visible()
    check(page, "api-04-documentation")

    page.go_back()
    row(page, "Annuaire RH").get_by_role("link", name=re.compile("^Révoquer")).click()
    check(page, "api-05-revoquer")
    page.get_by_role("button", name="Révoquer le jeton").click()
    expect(page.locator(".fr-alert--success")).to_contain_text("est révoqué")
    expect(row(page, "Annuaire RH")).to_contain_text("révoqué")
    status, problem = _get(live_server.url, "/api/v1/groups/", token)
    assert status == 401 and problem["status"] == 401
