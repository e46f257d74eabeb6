"""Sign-in lockout: per identifier whatever the address, growing delay, per-address limit, unlock."""
import re
from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.urls import reverse

from portail.accounts.models import Lockout
from portail.accounts.lockout import BASE_COOL_OFF, cool_off_for, lockout_state
from portail.journal.models import Action, JournalEntry
from portail.testing.factories import PASSWORD, CafAgentFactory, ConventionFactory, UserFactory

LOGIN = reverse("accounts:login")


def login(client, username, password=PASSWORD, ip="10.0.0.5"):
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=ip)


def fail_five_times(client, username):
    for n in range(5):
        login(client, username, "mauvais", ip=f"192.0.2.{n + 1}")


def test_five_failures_from_five_addresses_lock_the_identifier(client, partner_user):
    fail_five_times(client, partner_user.username)
    response = login(client, partner_user.username, ip="198.51.100.77")  # right password, new address
    assert response.status_code == 429
    page = response.content.decode()
    assert "Compte temporairement bloqué" in page and "Trop d'échecs de connexion pour cet identifiant" in page
    assert "15 minutes" in page and "débloquer votre compte" in page
    assert "_auth_user_id" not in client.session


def test_the_delay_doubles_with_each_recent_lockout(client, partner_user, settings):
    name = partner_user.username
    assert cool_off_for(name) == BASE_COOL_OFF
    fail_five_times(client, name)
    assert cool_off_for(name) == BASE_COOL_OFF
    # The first lockout is over (its attempts aged out); five more failures lock for twice as long.
    AccessAttempt.objects.update(attempt_time=AccessAttempt.objects.first().attempt_time - timedelta(hours=1))
    Lockout.objects.update(locked_at=Lockout.objects.first().locked_at - timedelta(hours=1))
    assert lockout_state(name) is None
    fail_five_times(client, name)
    assert cool_off_for(name) == 2 * BASE_COOL_OFF
    assert "30 minutes" in login(client, name).content.decode()


def test_one_password_sprayed_over_21_identifiers_is_stopped_by_the_address_limit(client, convention):
    users = [UserFactory(organisation=convention.organisation) for _ in range(21)]
    statuses = [login(client, user.username, "Printemps2026!", ip="203.0.113.9").status_code for user in users]
    assert statuses[:19] == [200] * 19
    assert statuses[19:] == [429, 429]
    blocked = login(client, users[-1].username, ip="203.0.113.9")  # even a right password, from that address
    assert blocked.status_code == 429
    assert "depuis votre réseau" in blocked.content.decode()
    # The identifiers themselves are not locked: their owners log in from elsewhere.
    assert login(client, users[0].username, ip="198.51.100.1").status_code == 302


def test_nul_in_the_identifier_is_journaled_and_not_an_error(client, db):
    response = login(client, "AAAA\x000001", "mauvais")
    assert response.status_code == 200
    entry = JournalEntry.objects.filter(action=Action.LOGIN_FAILED).last()
    assert entry is not None and "\x00" not in entry.details["identifiant"]


# ---------------------------------------------------------------- unlock


def unlock_url(convention, user):
    return reverse("habilitations:user_unlock", args=[convention.pk, user.pk])


@pytest.fixture
def locked_member(client, convention, make_group):
    user = UserFactory(organisation=convention.organisation)
    make_group(convention, "A", members=[user])
    fail_five_times(client, user.username)
    assert lockout_state(user.username) is not None
    return user


def test_administrator_sees_the_lockout_and_unlocks_by_post(client, login_as, admin_user, convention, locked_member):
    login_as(admin_user)
    edit = client.get(reverse("habilitations:user_update", args=[convention.pk, locked_member.pk]))
    assert "Compte bloqué" in edit.content.decode() and "Débloquer le compte" in edit.content.decode()
    response = client.post(unlock_url(convention, locked_member))
    assert response.status_code == 302
    assert lockout_state(locked_member.username) is None
    entry = JournalEntry.objects.get(action=Action.ACCOUNT_UNLOCKED)
    assert (entry.actor_id, entry.target_user_id, entry.convention_id) == (admin_user.pk, locked_member.pk,
                                                                           convention.pk)
    client.post(reverse("accounts:logout"))
    assert login(client, locked_member.username).status_code == 302


def test_a_get_does_not_unlock(client, login_as, admin_user, convention, locked_member):
    login_as(admin_user)
    assert client.get(unlock_url(convention, locked_member)).status_code == 200
    assert lockout_state(locked_member.username) is not None


def test_caf_agent_of_the_convention_unlocks(client, login_as, caf_agent, convention, locked_member):
    login_as(caf_agent)
    assert "Débloquer le compte" in client.get(unlock_url(convention, locked_member)).content.decode()
    assert client.post(unlock_url(convention, locked_member)).status_code == 302
    assert lockout_state(locked_member.username) is None
    assert JournalEntry.objects.filter(action=Action.ACCOUNT_UNLOCKED, actor=caf_agent).exists()


def test_others_may_not_unlock(client, login_as, convention, locked_member, make_group):
    other_branch = UserFactory(organisation=convention.organisation)
    make_group(convention, "B", responsable=other_branch)
    other_admin = UserFactory(organisation=convention.organisation)
    ConventionFactory(organisation=convention.organisation, caf=convention.caf, administrators=[other_admin])
    plain = UserFactory(organisation=convention.organisation)
    other_caf_agent = CafAgentFactory()
    for actor in (other_branch, other_admin, plain, other_caf_agent, locked_member):
        login_as(actor)
        response = client.post(unlock_url(convention, locked_member))
        assert response.status_code in (403, 404), actor
    assert lockout_state(locked_member.username) is not None
    assert not JournalEntry.objects.filter(action=Action.ACCOUNT_UNLOCKED).exists()


def test_password_reset_ends_the_lockout(client, locked_member, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):  # mails leave once their transaction commits
        client.post(reverse("accounts:password_forgotten"), {"login": locked_member.username})
    link = re.search(r"https?://[^/\s]+(/\S+)", mailoutbox[0].body).group(1)
    page = client.get(link, follow=True)
    client.post(page.redirect_chain[-1][0], {"new_password1": "Vert-Tomate-9-Lundi!",
                                             "new_password2": "Vert-Tomate-9-Lundi!"})
    assert login(client, locked_member.username, "Vert-Tomate-9-Lundi!").status_code == 302
