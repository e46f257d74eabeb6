"""The footer's pages: reachable by everyone (signed in or not), linked from every page's footer."""
import pytest
from django.urls import reverse

from portail.testing import factories as f

PAGES = {
    "pages:accessibility": "Déclaration d'accessibilité",
    "pages:personal_data": "Données personnelles",
    "pages:legal": "Mentions légales",
    "pages:site_map": "Plan du site",
}


@pytest.mark.django_db
@pytest.mark.parametrize("name, heading", PAGES.items())
def test_footer_pages_answer_200_to_anyone(client, name, heading):
    response = client.get(reverse(name))
    assert response.status_code == 200
    assert f"<h1>{heading}</h1>" in response.content.decode().replace("&#x27;", "'")


@pytest.mark.django_db
def test_every_page_footer_links_to_them(client):
    html = client.get(reverse("accounts:login")).content.decode()
    footer = html.split('id="footer"')[1]
    for name in PAGES:
        assert f'href="{reverse(name)}"' in footer, name
    assert "Accessibilité : partiellement conforme" in footer


@pytest.mark.django_db
def test_accessibility_statement_publishes_the_audit_figures(client):
    text = client.get(reverse("pages:accessibility")).content.decode()
    assert "54 critères sont respectés sur 59 critères applicables" in text
    assert "91,5 %" in text and "partiellement conforme" in text
    assert "Contenus encore non conformes" in text


@pytest.mark.django_db
def test_site_map_lists_the_pages_of_the_person(client, login_as):
    anonymous = client.get(reverse("pages:site_map")).content.decode()
    assert reverse("accounts:login") in anonymous and reverse("conventions:list") not in anonymous
    agent = f.CafAgentFactory(caf=f.CafFactory())
    html = login_as(agent).get(reverse("pages:site_map")).content.decode()
    assert reverse("dossiers:caf_attestations") in html and reverse("accounts:login") not in html.split("<main")[1]
