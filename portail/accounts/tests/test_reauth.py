"""Re-authentication before sensitive actions, and « Réinitialiser le second facteur » (journaled, scoped)."""
import time

import pytest
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from portail.accounts.reauth import AUTH_AT_KEY
from portail.journal.models import Action, JournalEntry
from portail.testing import factories as f
from portail.testing.factories import PASSWORD

REAUTH = reverse("accounts:reauth")


@pytest.fixture(autouse=True)
def no_throttle(settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0


def code_of(device) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time()
    return f"{totp.token():06d}"


def stale(client):
    """The session's last authentication is older than 5 minutes."""
    session = client.session
    session[AUTH_AT_KEY] -= 6 * 60
    session.save()
    return client


def reset_url(convention, user):
    return reverse("habilitations:user_second_factor_reset", args=[convention.pk, user.pk])


@pytest.fixture
def member(convention, make_group):
    """A responsable in the convention (must use a second factor), enrolled, whom the administrator may change."""
    person = f.UserFactory(organisation=convention.organisation)
    make_group(convention, "G1", responsable=person)
    TOTPDevice.objects.create(user=person, name="app", confirmed=True)
    StaticDevice.objects.create(user=person, name="secours", confirmed=True)
    return person


# ---------------------------------------------------------------- reset


@pytest.mark.django_db
def test_administrator_resets_a_second_factor_then_the_person_enrols_again(client, login_as, convention, admin_user,
                                                                         member):
    login_as(admin_user)
    page = client.get(reset_url(convention, member))
    assert page.status_code == 200 and "Réinitialiser le second facteur" in page.content.decode()
    response = client.post(reset_url(convention, member))
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=member).exists()
    assert not StaticDevice.objects.filter(user=member).exists()
    entry = JournalEntry.objects.filter(action=Action.SECOND_FACTOR_RESET).get()
    assert (entry.actor_id, entry.target_user_id, entry.convention_id) == (admin_user.pk, member.pk, convention.pk)

    client.post(reverse("accounts:logout"))
    response = client.post(reverse("accounts:login"), {"username": member.username, "password": PASSWORD})
    assert response["Location"] == reverse("accounts:second_factor_enrol")


@pytest.mark.django_db
def test_caf_agent_resets_an_administrators_second_factor(client, login_as, convention, admin_user, caf_agent):
    TOTPDevice.objects.create(user=admin_user, name="app", confirmed=True)
    login_as(caf_agent)
    assert client.post(reset_url(convention, admin_user)).status_code == 302
    assert not TOTPDevice.objects.filter(user=admin_user).exists()
    entry = JournalEntry.objects.filter(action=Action.SECOND_FACTOR_RESET).get()
    assert (entry.actor_id, entry.target_user_id) == (caf_agent.pk, admin_user.pk)


@pytest.mark.django_db
def test_reset_refused_to_others(client, login_as, convention, admin_user, member, partner_user, cdap):
    other_caf_agent = f.CafAgentFactory()
    other_admin = f.UserFactory(organisation=convention.organisation)
    f.ConventionFactory(organisation=convention.organisation, services=[cdap]).administrators.add(other_admin)
    for actor, status in ((partner_user, 404), (other_caf_agent, 404), (other_admin, 404)):
        login_as(actor)
        assert client.post(reset_url(convention, member)).status_code == status, actor
    login_as(member)  # a responsable may not change the administrator (nor himself)
    assert client.post(reset_url(convention, admin_user)).status_code in (403, 404)
    login_as(admin_user)  # an administrator never changes himself
    assert client.post(reset_url(convention, admin_user)).status_code == 403
    assert TOTPDevice.objects.filter(user=member).exists()
    assert not JournalEntry.objects.filter(action=Action.SECOND_FACTOR_RESET).exists()


# ---------------------------------------------------------------- re-authentication prompts


@pytest.mark.django_db
def test_reset_asks_for_password_and_code_then_comes_back(client, login_as, convention, admin_user, member):
    device = TOTPDevice.objects.create(user=admin_user, name="app", confirmed=True)
    stale(login_as(admin_user))
    url = reset_url(convention, member)
    response = client.get(url)
    assert response.status_code == 302 and response["Location"].startswith(REAUTH + "?next=")
    page = client.get(response["Location"]).content.decode()
    assert "Confirmer votre identité" in page and "Code de vérification" in page

    wrong = client.post(REAUTH, {"password": "mauvais", "code": code_of(device), "next": url})
    assert wrong.status_code == 200 and "Mot de passe incorrect" in wrong.content.decode()
    response = client.post(REAUTH, {"password": PASSWORD, "code": code_of(device), "next": url})
    assert response.status_code == 302 and response["Location"] == url
    assert client.get(url).status_code == 200
    assert JournalEntry.objects.filter(action=Action.REAUTHENTICATED, actor_id=admin_user.pk).count() == 1


@pytest.mark.django_db
def test_a_stale_post_is_kept_and_offered_again(client, login_as, convention, admin_user, member):
    device = TOTPDevice.objects.create(user=admin_user, name="app", confirmed=True)
    stale(login_as(admin_user))
    url = reset_url(convention, member)
    response = client.post(url)
    assert response["Location"].startswith(REAUTH)
    assert TOTPDevice.objects.filter(user=member).exists()  # nothing done yet
    page = client.post(REAUTH, {"password": PASSWORD, "code": code_of(device), "next": url})
    assert page.status_code == 200 and "Identité confirmée" in page.content.decode()
    assert f'action="{url}"' in page.content.decode()


@pytest.mark.django_db
def test_changing_an_email_asks_for_reauthentication_and_keeps_the_form(client, login_as, convention, admin_user,
                                                                        partner_user, make_group):
    make_group(convention, "G2", members=[partner_user])
    TOTPDevice.objects.create(user=admin_user, name="app", confirmed=True)
    stale(login_as(admin_user))
    url = reverse("habilitations:user_update", args=[convention.pk, partner_user.pk])
    values = {"last_name": partner_user.last_name, "first_name": "Prénom changé", "email": partner_user.email,
              "email_confirm": partner_user.email, "phone": "", "phone_confirm": "",
              "opening_date": partner_user.opening_date.isoformat(), "closing_date": "",
              "work_mode": partner_user.work_mode}
    assert client.get(url).status_code == 200  # no prompt to open the page
    assert client.post(url, values).status_code == 302  # no prompt when the address stays
    response = client.post(url, values | {"email": "nouvelle@example.fr", "email_confirm": "nouvelle@example.fr"})
    assert response.status_code == 302 and response["Location"].startswith(REAUTH)
    partner_user.refresh_from_db()
    assert partner_user.pending_email == ""
    device = TOTPDevice.objects.get(user=admin_user)
    page = client.post(REAUTH, {"password": PASSWORD, "code": code_of(device), "next": url}).content.decode()
    assert 'value="nouvelle@example.fr"' in page and "csrfmiddlewaretoken" in page


@pytest.mark.django_db
def test_naming_an_administrator_asks_for_reauthentication(client, login_as, convention, caf_agent):
    stale(login_as(caf_agent))
    url = reverse("cafadmin:administrator_name", args=[convention.pk])
    response = client.get(url)
    assert response.status_code == 302 and response["Location"].startswith(REAUTH)
    login_as(caf_agent)  # a fresh sign-in is recent enough
    assert client.get(url).status_code == 200
