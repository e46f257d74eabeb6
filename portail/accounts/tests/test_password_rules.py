"""Password rules (issue: `aaaaaaaaaaaa` was accepted): length, patterns, personal data, last 5, on every page."""
import re

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.urls import reverse

from portail.accounts.models import User
from portail.accounts.password_validation import is_single_pattern
from portail.accounts.services import send_password_reset_email, user_create
from portail.testing.factories import UserFactory


def errors_for(password, user=None) -> list[str]:
    try:
        validate_password(password, user)
    except ValidationError as error:
        return error.messages
    return []


@pytest.mark.parametrize("password", [
    "aaaaaaaaaaaa", "abcabcabcabc", "123456789012", "azertyuiopqs", "qwertyuiopas", "abcdefghijkl",
    "lkjihgfedcba", "121212121212", "AAAAAAAAAAAA", "098765432109", "éééééééééééé", "2468024680246",
])
def test_single_patterns_are_refused(db, password):
    assert is_single_pattern(password)
    messages = errors_for(password, UserFactory.build(last_name="Durand", first_name="Sophie", username="AAAG0001"))
    assert any("répétition ou une suite" in m for m in messages), messages


@pytest.mark.parametrize("password", ["Portail-Test-2026!", "Un-Nouveau-Mot-2026!", "vert tomate 42 lundi"])
def test_ordinary_passwords_pass(db, password):
    assert not is_single_pattern(password)
    assert errors_for(password, UserFactory.build(last_name="Durand", first_name="Sophie", username="AAAG0001")) == []


def test_short_and_common_passwords_are_refused_in_french(db):
    assert any("trop court" in m for m in errors_for("Ab1!xyz"))
    assert any("trop courant" in m for m in errors_for("password1234"))


@pytest.mark.parametrize("password", ["Durand-2026-Bleu!", "sophie-vert-42!!", "x-aaag0001-y-Z9", "ÉLOÏSE bleu 1234"])
def test_name_first_name_or_identifier_are_refused_whatever_case_and_accents(db, password):
    user = UserFactory.build(last_name="Durand", first_name="Sophie Éloïse", username="AAAG0001")
    assert any("ni votre nom, ni votre prénom, ni votre identifiant" in m for m in errors_for(password, user))


def test_the_last_five_passwords_are_refused_and_the_sixth_is_allowed_again(db):
    user = UserFactory()
    passwords = [f"Vert-Tomate-{n}-Lundi!" for n in range(6)]
    for password in passwords:
        assert errors_for(password, user) == []
        user.set_password(password)
        user.save()
    for password in passwords[1:]:
        assert any("déjà été utilisé" in m for m in errors_for(password, user)), password
    assert errors_for(passwords[0], user) == []


def _link(mail) -> str:
    return re.search(r"https?://[^/\s]+(/\S+)", mail.body).group(1)


def test_activation_page_refuses_a_repeated_pattern_next_to_the_field(
    client, admin_user, organisation, django_capture_on_commit_callbacks, mailoutbox
):
    with django_capture_on_commit_callbacks(execute=True):
        user = user_create(actor=admin_user, organisation=organisation, last_name="Durand", first_name="Sophie",
                           email="sophie@example.fr")
    page = client.get(_link(mailoutbox[0]), follow=True)
    response = client.post(page.redirect_chain[-1][0],
                           {"new_password1": "aaaaaaaaaaaa", "new_password2": "aaaaaaaaaaaa"})
    assert response.status_code == 200
    assert "simple répétition ou une suite" in response.content.decode()
    assert response.context["form"].errors["new_password2"]
    user.refresh_from_db()
    assert not user.has_usable_password()


def test_reset_page_refuses_the_current_password(client, partner_user, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):  # mails leave once their transaction commits
        send_password_reset_email(partner_user)
    page = client.get(_link(mailoutbox[0]), follow=True)
    response = client.post(page.redirect_chain[-1][0],
                           {"new_password1": "Portail-Test-2026!", "new_password2": "Portail-Test-2026!"})
    assert response.status_code == 200
    assert "déjà été utilisé" in response.content.decode()
    assert User.objects.get(pk=partner_user.pk).password == partner_user.password
