"""« Mot de passe oublié » tells nothing about the account: same answer for every identifier."""
import pytest
from django.urls import reverse

from portail.accounts.models import User
from portail.testing.factories import UserFactory

FORGOTTEN = reverse("accounts:password_forgotten")
SENT = reverse("accounts:password_forgotten_sent")


def answer(client, typed):
    response = client.post(FORGOTTEN, {"login": typed})
    return response.status_code, response.get("Location"), response.content


def test_known_unknown_closed_and_malformed_identifiers_get_the_same_answer(client, partner_user, mailoutbox,
                                                                           django_capture_on_commit_callbacks):
    closed = UserFactory(status=User.Status.CLOSED, organisation=partner_user.organisation)
    with django_capture_on_commit_callbacks(execute=True):  # mails leave once their transaction commits
        answers = {
            typed: answer(client, typed)
            for typed in (partner_user.username, "ZZZZ9999", closed.username, partner_user.username + "\x00",
                          "\x00", "inconnu@example.fr", closed.email, "x" * 5000, "<script>", partner_user.email)
        }
    assert set(answers.values()) == {(302, SENT, b"")}
    # Only the open account's owner got a link (once by identifier, once by address).
    assert [m.to for m in mailoutbox] == [[partner_user.email], [partner_user.email]]


def test_the_sent_page_is_the_same_whatever_was_typed(client, partner_user):
    page = client.get(SENT)
    assert page.status_code == 200
    assert "Si un compte ouvert correspond" in page.content.decode()


@pytest.mark.parametrize("typed", ["", "   "])
def test_an_empty_field_is_asked_again(client, db, typed):
    response = client.post(FORGOTTEN, {"login": typed})
    assert response.status_code == 200
    assert "Ce champ est obligatoire." in response.content.decode()


def test_the_mail_names_the_user_without_html_escaping(client, partner_user, mailoutbox, django_capture_on_commit_callbacks):
    User.objects.filter(pk=partner_user.pk).update(last_name="O'Brien <&>", first_name="Seán")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(FORGOTTEN, {"login": partner_user.username})
    body = mailoutbox[0].body
    assert "Bonjour Seán O'Brien <&>," in body
    assert "&amp;" not in body and "&#x27;" not in body and "&lt;" not in body
