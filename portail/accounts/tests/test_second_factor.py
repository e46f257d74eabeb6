"""Second factor: who must use one, enrolment at first sign-in, codes, recovery codes, lockout, middleware."""
import re
import time

import pytest
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from portail.access.second_factor import requires_second_factor
from portail.accounts import second_factor
from portail.accounts.models import User
from portail.habilitations.models import Group
from portail.journal.models import Action, JournalEntry
from portail.testing import factories as f
from portail.testing.factories import PASSWORD

LOGIN = reverse("accounts:login")
CODE = reverse("accounts:second_factor")
ENROL = reverse("accounts:second_factor_enrol")
HOME = reverse("home:index")


@pytest.fixture(autouse=True)
def no_throttle(settings):
    """django-otp's growing delay between two tries (1 s, 2 s…) would make a right code typed just after a
    wrong one wait; it stays on in production, one test below checks it."""
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    settings.OTP_STATIC_THROTTLE_FACTOR = 0


def code_of(device, *, step_offset=0) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + step_offset * device.step
    return f"{totp.token():06d}"


def enrolled(user) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="app", confirmed=True)


def with_recovery_codes(user, codes=("aaaa2222", "bbbb3333")) -> None:
    device = StaticDevice.objects.create(user=user, name="secours", confirmed=True)
    for code in codes:
        StaticToken.objects.create(device=device, token=code)


def password_step(client, user, ip="10.0.0.5"):
    return client.post(LOGIN, {"username": user.username, "password": PASSWORD}, REMOTE_ADDR=ip)


def signed_in(client) -> bool:
    return client.get(HOME).status_code == 200


# ---------------------------------------------------------------- the rule


@pytest.mark.django_db
def test_rule_per_role(convention, admin_user, partner_user, caf_agent, make_group):
    responsable = f.UserFactory(organisation=convention.organisation)
    make_group(convention, "G1", responsable=responsable, members=[partner_user])
    former = f.UserFactory(organisation=convention.organisation)
    make_group(convention, "OLD", responsable=former, status=Group.Status.CLOSED)
    national = f.UserFactory(organisation=None, is_national_admin=True)
    assert requires_second_factor(admin_user)
    assert requires_second_factor(responsable)
    assert requires_second_factor(caf_agent)
    assert requires_second_factor(national)
    assert not requires_second_factor(partner_user)  # a plain member
    assert not requires_second_factor(former)  # responsable of a closed group only


@pytest.mark.django_db
def test_rule_per_caf(convention, partner_user, make_group, cdap):
    make_group(convention, "G1", members=[partner_user])
    other = f.ConventionFactory(organisation=convention.organisation, services=[cdap])
    member_elsewhere = f.UserFactory(organisation=convention.organisation)
    make_group(other, "G2", members=[member_elsewhere])
    assert not requires_second_factor(partner_user)
    convention.caf.requires_second_factor = True
    convention.caf.save()
    assert requires_second_factor(partner_user)  # a plain user of a Caf that asks for it
    assert not requires_second_factor(member_elsewhere)  # one of a Caf that does not


# ---------------------------------------------------------------- enrolment


@pytest.mark.django_db
def test_first_sign_in_of_an_administrator_goes_through_enrolment(client, admin_user):
    response = password_step(client, admin_user)
    assert response.status_code == 302 and response["Location"] == ENROL
    assert not signed_in(client)  # the password alone opens nothing

    page = client.get(ENROL).content.decode()
    assert "Activer la double authentification" in page
    assert 'src="data:image/svg+xml;base64,' in page
    secret = re.search(r'<code id="secret">([A-Z2-7 ]+)</code>', page).group(1)
    device = TOTPDevice.objects.get(user=admin_user, confirmed=False)
    assert secret.replace(" ", "") == second_factor.secret_text(device).replace(" ", "")
    assert client.get(ENROL).content.decode().count(secret) == 1  # same secret on reload

    wrong = client.post(ENROL, {"code": "000000" if code_of(device) != "000000" else "111111"})
    assert wrong.status_code == 200 and "Code incorrect" in wrong.content.decode()
    assert not signed_in(client)

    response = client.post(ENROL, {"code": code_of(device)})
    assert response.status_code == 302 and response["Location"] == reverse("accounts:recovery_codes")
    codes_page = client.get(response["Location"]).content.decode()
    codes = re.findall(r"<li><code>([a-z2-7]{8})</code></li>", codes_page)
    assert len(codes) == 10 and "ne seront plus affichés" in codes_page
    assert client.get(reverse("accounts:recovery_codes")).status_code == 302  # shown once
    assert signed_in(client)
    actions = list(JournalEntry.objects.filter(actor_id=admin_user.pk).values_list("action", flat=True))
    assert [Action.SECOND_FACTOR_FAILED, Action.SECOND_FACTOR_ENROLLED, Action.LOGIN] == actions[-3:]


@pytest.mark.django_db
def test_plain_user_signs_in_with_password_only(client, partner_user):
    response = password_step(client, partner_user)
    assert response.status_code == 302 and response["Location"] == HOME
    assert signed_in(client)


@pytest.mark.django_db
def test_plain_user_of_a_caf_that_asks_for_it_must_enrol(client, convention, partner_user, make_group):
    make_group(convention, "G1", members=[partner_user])
    convention.caf.requires_second_factor = True
    convention.caf.save()
    assert password_step(client, partner_user)["Location"] == ENROL


# ---------------------------------------------------------------- codes at sign-in


@pytest.mark.django_db
def test_sign_in_with_a_code_and_the_page_asked_for(client, admin_user):
    device = enrolled(admin_user)
    target = reverse("conventions:list")
    response = client.post(LOGIN, {"username": admin_user.username, "password": PASSWORD, "next": target})
    assert response["Location"] == CODE
    assert "Code de vérification" in client.get(CODE).content.decode()
    response = client.post(CODE, {"code": code_of(device)})
    assert response.status_code == 302 and response["Location"] == target
    assert signed_in(client)
    assert JournalEntry.objects.filter(action=Action.LOGIN, actor_id=admin_user.pk).count() == 1


@pytest.mark.django_db
def test_wrong_and_replayed_codes_are_refused(client, admin_user):
    device = enrolled(admin_user)
    password_step(client, admin_user)
    code = code_of(device)
    wrong = client.post(CODE, {"code": "12345" + str((int(code[-1]) + 1) % 10)})
    assert wrong.status_code == 200 and "Code incorrect ou déjà utilisé" in wrong.content.decode()
    assert not signed_in(client)
    assert client.post(CODE, {"code": code}).status_code == 302
    client.post(reverse("accounts:logout"))

    password_step(client, admin_user)
    replay = client.post(CODE, {"code": code})
    assert replay.status_code == 200 and "déjà utilisé" in replay.content.decode()
    assert not signed_in(client)
    failures = JournalEntry.objects.filter(action=Action.SECOND_FACTOR_FAILED, actor_id=admin_user.pk)
    assert [e.details for e in failures] == [{"step": "login"}, {"step": "login"}]


@pytest.mark.django_db
def test_recovery_code_works_once(client, admin_user):
    enrolled(admin_user)
    with_recovery_codes(admin_user)
    password_step(client, admin_user)
    response = client.post(CODE, {"code": "AAAA 2222"}, follow=True)  # as printed, any case or spacing
    assert response.redirect_chain[-1][0] == HOME
    assert "Il vous en reste 1" in response.content.decode()
    assert JournalEntry.objects.filter(action=Action.RECOVERY_CODE_USED, actor_id=admin_user.pk).get().details == {
        "remaining": 1}
    client.post(reverse("accounts:logout"))

    password_step(client, admin_user)
    again = client.post(CODE, {"code": "aaaa2222"})
    assert again.status_code == 200 and "Code de secours incorrect ou déjà utilisé" in again.content.decode()
    assert not signed_in(client)


@pytest.mark.django_db
def test_five_wrong_codes_lock_the_identifier(client, admin_user):
    device = enrolled(admin_user)
    password_step(client, admin_user)
    for n in range(4):
        assert client.post(CODE, {"code": "abcdefgh"}).status_code == 200
    assert client.post(CODE, {"code": "abcdefgh"}).status_code == 429
    # Even the right password and code are refused now.
    assert password_step(client, admin_user).status_code == 429
    assert client.post(CODE, {"code": code_of(device)})["Location"] == LOGIN  # no pending sign-in any more
    assert not signed_in(client)


@pytest.mark.django_db
def test_throttle_between_tries(client, admin_user, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 60
    device = enrolled(admin_user)
    password_step(client, admin_user)
    client.post(CODE, {"code": "000000" if code_of(device) != "000000" else "111111"})
    response = client.post(CODE, {"code": code_of(device)})
    assert "patientez quelques secondes" in response.content.decode()
    assert not signed_in(client)


@pytest.mark.django_db
def test_code_step_without_password_step_goes_back_to_login(client, admin_user):
    enrolled(admin_user)
    assert client.get(CODE)["Location"] == LOGIN
    assert client.get(ENROL)["Location"] == LOGIN


# ---------------------------------------------------------------- sessions opened without a code


@pytest.mark.django_db
def test_a_session_without_code_ends_when_its_owner_is_named_administrator(client, convention, partner_user):
    password_step(client, partner_user)
    assert signed_in(client)
    convention.administrators.add(partner_user)
    session = client.session
    session[second_factor.CHECKED_AT_KEY] -= second_factor.RECHECK_SECONDS + 1
    session.save()
    response = client.get(HOME)
    assert response.status_code == 302 and response["Location"] == LOGIN
    assert not signed_in(client)
