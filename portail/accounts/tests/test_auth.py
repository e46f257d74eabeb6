"""Login, activation, password reset and lockout through the real pages (R4, R9)."""
import re
from datetime import timedelta

import pytest
from django.urls import reverse

from portail.accounts.models import User
from portail.accounts.services import user_create
from portail.core.clock import today
from portail.testing.factories import PASSWORD, UserFactory
from portail.journal.models import Action, JournalEntry

LOGIN = reverse("accounts:login")
HOME = reverse("home:index")
NEW_PASSWORD = "Un-Nouveau-Mot-2026!"


def login(client, username, password=PASSWORD, ip="10.0.0.5"):
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=ip)


def link_in(mail) -> str:
    return re.search(r"https?://[^/\s]+(/\S+)", mail.body).group(1)


def test_login_with_identifier_and_password(client, partner_user):
    response = login(client, partner_user.username)
    assert response.status_code == 302 and response["Location"] == HOME
    assert client.get(HOME).status_code == 200
    entry = JournalEntry.objects.last()
    assert (entry.action, entry.actor_id, entry.ip_address) == (Action.LOGIN, partner_user.pk, "10.0.0.5")


def test_wrong_password_is_refused_and_journaled(client, partner_user):
    response = login(client, partner_user.username, "mauvais")
    assert response.status_code == 200
    assert "Identifiant ou mot de passe incorrect" in response.content.decode()
    assert client.get(HOME).status_code == 302
    entry = JournalEntry.objects.last()
    assert entry.action == Action.LOGIN_FAILED and entry.details == {"identifiant": partner_user.username}
    assert entry.actor_id is None


@pytest.mark.parametrize(
    "change",
    [
        {"status": User.Status.SUSPENDED},
        {"status": User.Status.CLOSED},
        {"opening_date": today() - timedelta(days=30), "closing_date": today() - timedelta(days=1)},
        {"opening_date": today() + timedelta(days=1)},
    ],
    ids=["suspended", "closed", "past-closing-date", "not-yet-open"],
)
def test_user_not_open_cannot_log_in(client, partner_user, change):
    User.objects.filter(pk=partner_user.pk).update(**change)
    response = login(client, partner_user.username)
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    assert client.get(HOME).status_code == 302
    assert not JournalEntry.objects.filter(action=Action.LOGIN).exists()


def test_suspended_users_open_session_stops_at_the_next_request(client, partner_user):
    login(client, partner_user.username)
    assert client.get(HOME).status_code == 200
    User.objects.filter(pk=partner_user.pk).update(status=User.Status.SUSPENDED)
    response = client.get(HOME)
    assert response.status_code == 302 and response["Location"].startswith(LOGIN)


def test_logout(client, partner_user):
    login(client, partner_user.username)
    response = client.post(reverse("accounts:logout"))
    assert response.status_code == 302
    assert client.get(HOME).status_code == 302
    assert JournalEntry.objects.filter(action=Action.LOGOUT, actor=partner_user).exists()


def test_lockout_after_five_failures(client, partner_user):
    for _ in range(5):
        login(client, partner_user.username, "mauvais")
    response = login(client, partner_user.username)  # even the right password is refused now
    assert response.status_code == 429
    assert "Compte temporairement bloqué" in response.content.decode()
    assert client.get(HOME).status_code == 302
    # The lockout is per identifier: another address is locked out too.
    assert login(client, partner_user.username, ip="10.9.9.9").status_code == 429


def test_activation_link_lets_the_new_user_choose_his_password_once(
    client, admin_user, organisation, django_capture_on_commit_callbacks, mailoutbox
):
    with django_capture_on_commit_callbacks(execute=True):
        user = user_create(actor=admin_user, organisation=organisation, last_name="Durand", first_name="Sophie",
                           email="sophie@example.fr")
    link = link_in(mailoutbox[0])
    assert login(client, user.username, "nimporte").status_code == 200  # no password yet

    form_page = client.get(link, follow=True)
    assert form_page.status_code == 200
    assert user.username in form_page.content.decode()
    response = client.post(form_page.redirect_chain[-1][0],
                           {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert response.status_code == 302 and response["Location"] == LOGIN
    assert JournalEntry.objects.filter(action=Action.ACTIVATION, actor=user).exists()
    assert login(client, user.username, NEW_PASSWORD).status_code == 302

    client.post(reverse("accounts:logout"))
    again = client.get(link, follow=True)
    assert "Lien expiré ou déjà utilisé" in again.content.decode()
    for mail in mailoutbox:
        assert NEW_PASSWORD not in mail.body


def test_activation_refuses_a_weak_password_with_a_message(client, admin_user, organisation,
                                                           django_capture_on_commit_callbacks, mailoutbox):
    with django_capture_on_commit_callbacks(execute=True):
        user = user_create(actor=admin_user, organisation=organisation, last_name="Durand", first_name="Sophie",
                           email="sophie@example.fr")
    page = client.get(link_in(mailoutbox[0]), follow=True)
    response = client.post(page.redirect_chain[-1][0], {"new_password1": "12345678", "new_password2": "12345678"})
    assert response.status_code == 200
    user.refresh_from_db()
    assert not user.has_usable_password()


def test_forged_activation_link_is_refused(client, partner_user):
    response = client.get(reverse("accounts:activate", args=["MTIz", "faux-jeton"]), follow=True)
    assert response.status_code == 200
    assert "Lien expiré ou déjà utilisé" in response.content.decode()


def test_forgotten_password_sends_a_one_time_link_and_no_password(client, partner_user, mailoutbox,
                                                                 django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):  # mails leave once their transaction commits
        response = client.post(reverse("accounts:password_forgotten"), {"login": partner_user.email})
    assert response.status_code == 302 and response["Location"] == reverse("accounts:password_forgotten_sent")
    assert len(mailoutbox) == 1
    mail = mailoutbox[0]
    assert mail.to == [partner_user.email] and partner_user.username in mail.body
    assert PASSWORD not in mail.body

    link = link_in(mail)
    page = client.get(link, follow=True)
    response = client.post(page.redirect_chain[-1][0], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert response.status_code == 302
    assert JournalEntry.objects.filter(action=Action.PASSWORD_RESET, actor=partner_user).exists()
    assert login(client, partner_user.username, PASSWORD).status_code == 200  # the old one is gone
    assert login(client, partner_user.username, NEW_PASSWORD).status_code == 302
    client.post(reverse("accounts:logout"))
    assert "Lien expiré ou déjà utilisé" in client.get(link, follow=True).content.decode()


def test_forgotten_password_says_nothing_about_unknown_or_closed_accounts(db, client, mailoutbox):
    closed = UserFactory(status=User.Status.CLOSED)
    for email in ("inconnu@example.fr", closed.email):
        response = client.post(reverse("accounts:password_forgotten"), {"login": email})
        assert response.status_code == 302 and response["Location"] == reverse("accounts:password_forgotten_sent")
    assert mailoutbox == []
