"""HTTP hardening: user text never rendered as HTML, personal pages never cached."""
from django.urls import reverse

from portail.testing import factories as f

EVIL = '<meta http-equiv="refresh" content="0;url=https://evil.example/">'


def test_a_name_made_of_html_is_shown_as_text_in_the_confirmation_message(login_as, admin_user, convention, make_group):
    group = make_group(convention, "ACCUEIL")
    target = f.UserFactory(organisation=convention.organisation, first_name=EVIL, last_name="Martin")

    response = login_as(admin_user).post(
        reverse("habilitations:membership_add", args=[convention.pk, target.pk]), {"group": group.pk}, follow=True
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert "a rejoint le groupe ACCUEIL" in html
    assert EVIL not in html
    assert "&lt;meta http-equiv=&quot;refresh&quot;" in html


def test_pages_of_a_signed_in_user_are_never_stored(login_as, admin_user, convention):
    client = login_as(admin_user)
    for url in (reverse("home:index"), reverse("habilitations:users", args=[convention.pk])):
        response = client.get(url)
        assert response.status_code == 200, url
        cache_control = response["Cache-Control"]
        assert "no-store" in cache_control and "private" in cache_control, url


def test_the_login_page_is_never_stored(client):
    response = client.get(reverse("accounts:login"))

    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]


def test_a_failed_login_answer_is_never_stored(client, partner_user):
    response = client.post(reverse("accounts:login"), {"username": partner_user.username, "password": "faux"})

    assert "no-store" in response["Cache-Control"]

