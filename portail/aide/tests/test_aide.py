import pytest
from django.urls import reverse

from portail.accounts.models import User
from portail.aide import markup
from portail.aide.pages import SECTIONS, all_pages, get_page
from portail.aide.search import normalise, search
from portail.conventions.models import Tab
from portail.testing.auth import sign_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def reader(client):
    user = User.objects.create_user("AIDE0001", "x", last_name="Martin", first_name="Lou", email="lou@example.fr")
    sign_in(client, user)
    return client


def test_anonymous_is_sent_to_login(client):
    for url in (reverse("aide:index"), reverse("aide:page", args=["attestation"])):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:login"))


def test_index_lists_every_page_by_section(reader):
    response = reader.get(reverse("aide:index"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Aide en ligne" in html
    for label in SECTIONS.values():
        assert label in html
    for page in all_pages():
        assert page.url in html


def test_menu_offers_the_help_to_any_logged_in_user(reader):
    html = reader.get(reverse("home:index")).content.decode()
    assert f'href="{reverse("aide:index")}"' in html and "Aide en ligne" in html


def test_every_page_renders(reader):
    for page in all_pages():
        response = reader.get(page.url)
        assert response.status_code == 200, page.slug
        html = response.content.decode()
        assert f"<h1>{page.title}</h1>".replace("'", "&#x27;").replace('"', "&quot;") in html


def test_required_fiches_exist():
    slugs = {p.slug for p in all_pages()}
    expected = {
        "administrateur-convention", "responsable-habilitations", "utilisateur-partenaire", "agent-caf",
        "habiliter-un-utilisateur", "creer-un-sous-groupe", "consulter-un-dossier", "attestation", "dialogue",
    } | {f"onglet-{tab}" for tab in Tab.values}
    assert expected <= slugs


def test_internal_links_point_to_existing_pages(reader):
    for page in all_pages():
        page.html()  # an unknown slug in [texte](page:slug) raises Http404 here


def test_unknown_page_is_404(reader):
    assert reader.get(reverse("aide:page", args=["nexiste-pas"])).status_code == 404


def test_search_finds_a_fiche_by_a_word_without_accents(reader):
    response = reader.get(reverse("aide:index"), {"q": "creances"})
    html = response.content.decode()
    assert response.status_code == 200
    assert get_page("onglet-creances").url in html
    assert get_page("onglet-famille").url not in html


def test_search_needs_every_word_and_ranks_title_first():
    found = search(all_pages(), "Sous-groupe parent")
    assert found[0].slug == "creer-un-sous-groupe"
    assert all("parent" in p.text_words | p.title_words for p in found)
    assert search(all_pages(), "zzzinconnu") == []
    assert search(all_pages(), "le la de") == []  # nothing but common words: no result, no error


def test_search_with_no_result_says_so(reader):
    html = reader.get(reverse("aide:index"), {"q": "xylophone"}).content.decode()
    assert "Aucune page ne contient « xylophone »" in html


def test_normalise_drops_accents_and_case():
    assert normalise("Créances À RÉGLER, cœur") == "creances a regler coeur"


def test_markup_escapes_html_and_renders_lists():
    html = markup.render("## Titre\n\n1. un **deux**\n2. <script>\n\n> note", lambda slug: f"/aide/{slug}/")
    assert "<h2" in html and "<ol><li>un <strong>deux</strong></li><li>&lt;script&gt;</li></ol>" in html
    assert "<script>" not in html and "fr-callout" in html
