"""R7b: an e-mail change waits for the new address's confirmation, and the old address is told."""
import re

import pytest
from django.core import signing
from django.urls import reverse

from portail.accounts.email_change import SALT
from portail.accounts.models import User
from portail.journal.models import Action, JournalEntry
from portail.testing.factories import UserFactory


def form_values(user, **changes):
    values = {
        "last_name": user.last_name, "first_name": user.first_name, "email": user.email,
        "email_confirm": user.email, "phone": "", "phone_confirm": "", "opening_date": "2020-01-01",
        "closing_date": "", "work_mode": user.work_mode,
    }
    values.update(changes)
    return values


@pytest.fixture
def target(convention):
    return UserFactory(organisation=convention.organisation, last_name="O'Brien <&>", first_name="Seán",
                       email="ancienne@example.fr")


def edit(client, convention, target, **changes):
    return client.post(reverse("habilitations:user_update", args=[convention.pk, target.pk]),
                       form_values(target, **changes), follow=True)


def confirm_path(mail) -> str:
    return re.search(r"https?://[^/\s]+(/\S+)", mail.body).group(1)


def test_change_takes_effect_only_after_confirmation_and_old_address_is_told(
    client, login_as, admin_user, convention, target, mailoutbox, django_capture_on_commit_callbacks
):
    login_as(admin_user)
    with django_capture_on_commit_callbacks(execute=True):
        page = edit(client, convention, target, email="nouvelle@example.fr", email_confirm="nouvelle@example.fr",
                    first_name="Seán Patrick")
    text = page.content.decode()
    assert "ne sera prise en compte qu&#x27;après sa confirmation" in text or "ne sera prise en compte qu'après" in text
    target.refresh_from_db()
    assert target.email == "ancienne@example.fr" and target.pending_email == "nouvelle@example.fr"
    assert target.first_name == "Seán Patrick"  # other fields apply at once

    by_address = {tuple(m.to): m for m in mailoutbox}
    confirmation, notice = by_address[("nouvelle@example.fr",)], by_address[("ancienne@example.fr",)]
    assert "nouvelle@example.fr" in notice.body and "ne prendra effet" in notice.body
    for mail in (confirmation, notice):
        assert "Seán Patrick O'Brien <&>" in mail.body and "&amp;" not in mail.body and "&#x27;" not in mail.body
    assert JournalEntry.objects.filter(action=Action.EMAIL_CHANGE_REQUESTED, target_user_id=target.pk).exists()

    # « Mot de passe oublié » still writes to the old address until confirmation.
    client.post(reverse("accounts:logout"))
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("accounts:password_forgotten"), {"login": target.username})
    assert mailoutbox[0].to == ["ancienne@example.fr"]

    link = confirm_path(confirmation)
    assert client.get(link).status_code == 200  # showing the page changes nothing
    assert User.objects.get(pk=target.pk).email == "ancienne@example.fr"
    assert client.post(link).status_code == 302
    target.refresh_from_db()
    assert (target.email, target.pending_email) == ("nouvelle@example.fr", "")
    entry = JournalEntry.objects.get(action=Action.EMAIL_CHANGE_CONFIRMED)
    assert entry.target_user_id == target.pk and entry.details == {"old": "ancienne@example.fr",
                                                                    "new": "nouvelle@example.fr"}
    # The link works once.
    assert "n'est plus valable" in client.post(link).content.decode().replace("&#x27;", "'")


def test_forged_expired_or_superseded_links_are_refused(client, login_as, admin_user, convention, target, mailoutbox,
                                                        django_capture_on_commit_callbacks, settings):
    login_as(admin_user)
    with django_capture_on_commit_callbacks(execute=True):
        edit(client, convention, target, email="premiere@example.fr", email_confirm="premiere@example.fr")
    first = confirm_path(next(m for m in mailoutbox if m.to == ["premiere@example.fr"]))
    with django_capture_on_commit_callbacks(execute=True):
        edit(client, convention, target, email="seconde@example.fr", email_confirm="seconde@example.fr")
    forged = reverse("accounts:email_confirm", args=[signing.dumps({"u": target.pk, "e": "pirate@example.fr"},
                                                                   salt="autre")])
    for link in (first, forged, reverse("accounts:email_confirm", args=["n-importe-quoi"])):
        response = client.post(link)
        assert response.status_code == 200 and "Lien non valable" in response.content.decode()
    settings.PASSWORD_RESET_TIMEOUT = -1
    token = signing.dumps({"u": target.pk, "e": "seconde@example.fr"}, salt=SALT)
    assert "Lien non valable" in client.post(reverse("accounts:email_confirm", args=[token])).content.decode()
    target.refresh_from_db()
    assert (target.email, target.pending_email) == ("ancienne@example.fr", "seconde@example.fr")


def test_same_address_changes_nothing(client, login_as, admin_user, convention, target, mailoutbox,
                                      django_capture_on_commit_callbacks):
    login_as(admin_user)
    with django_capture_on_commit_callbacks(execute=True):
        edit(client, convention, target, email="ANCIENNE@example.fr", email_confirm="ancienne@example.fr")
    assert mailoutbox == []
    assert User.objects.get(pk=target.pk).pending_email == ""
