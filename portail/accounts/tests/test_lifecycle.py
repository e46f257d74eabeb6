"""The daily lifecycle with the clock moved: warnings a month before, closing at the date, suspension after
6 months unused (never before a month's warning), administrators told, journaled, idempotent."""
from datetime import timedelta
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from portail.accounts.lifecycle import months_after, run_lifecycle
from portail.accounts.models import User
from portail.core import clock
from portail.journal.models import Action, JournalEntry
from portail.testing import factories as f

START = timezone.now().replace(microsecond=0)


@pytest.fixture
def at(monkeypatch):
    """`at(days=…)`: the portal's clock that many days after START."""
    def _at(**kwargs):
        moment = START + timedelta(**kwargs)
        monkeypatch.setattr(clock, "now", lambda: moment)
        return moment
    return _at


@pytest.fixture
def member(convention, admin_user, make_group):
    """A member of a group of `convention` (administrator: admin_user), last seen at START."""
    user = f.UserFactory(organisation=convention.organisation, last_name="Dormeur", first_name="Jean")
    make_group(convention, "ACC", members=[user])
    User.objects.filter(pk=user.pk).update(last_login=START)
    User.objects.filter(pk=admin_user.pk).update(last_login=START + timedelta(days=1000))  # an active administrator
    return user


def run(capture) -> str:
    out = StringIO()
    with capture(execute=True):
        call_command("accounts_lifecycle", stdout=out)
    return out.getvalue()


def sent_to(address):
    return [m for m in mail.outbox if address in m.to]


def test_dormant_account_is_warned_a_month_before_then_suspended(member, admin_user, at,
                                                                 django_capture_on_commit_callbacks):
    six_months = (months_after(START, 6) - START).days  # 181 to 184 days
    at(days=six_months - 31)
    assert "Avertissements de suspension prochaine envoyés : 0" in run(django_capture_on_commit_callbacks)

    at(days=six_months - 29)
    out = run(django_capture_on_commit_callbacks)
    assert "Avertissements de suspension prochaine envoyés : 1" in out
    [warning] = sent_to(member.email)
    assert "sera suspendu" in warning.subject and member.username in warning.body
    assert JournalEntry.objects.filter(action=Action.ACCOUNT_DORMANCY_WARNED, target_user_id=member.pk).count() == 1
    run(django_capture_on_commit_callbacks)  # the next day's run changes nothing
    assert len(sent_to(member.email)) == 1

    at(days=six_months + 2)  # six months passed, the warning left 31 days ago
    out = run(django_capture_on_commit_callbacks)
    assert "Comptes suspendus après 6 mois sans connexion : 1" in out
    assert "Mails aux administrateurs des conventions : 1" in out
    assert User.objects.get(pk=member.pk).status == User.Status.SUSPENDED
    [notice] = sent_to(admin_user.email)
    assert "Jean Dormeur" in notice.body and "suspendu" in notice.body
    entry = JournalEntry.objects.get(action=Action.ACCOUNT_DORMANT_SUSPENDED)
    assert entry.target_user_id == member.pk and entry.actor_id is None

    out = run(django_capture_on_commit_callbacks)  # idempotent
    assert "Comptes suspendus après 6 mois sans connexion : 0" in out and len(mail.outbox) == 2
    assert JournalEntry.objects.filter(action=Action.ACCOUNT_DORMANT_SUSPENDED).count() == 1


def test_an_account_found_dormant_gets_its_month_before_suspension(member, at, django_capture_on_commit_callbacks):
    at(days=400)  # first run long after: warned now, suspended a month later, not today
    out = run(django_capture_on_commit_callbacks)
    assert "Comptes suspendus après 6 mois sans connexion : 0" in out
    assert "Avertissements de suspension prochaine envoyés : 1" in out
    at(days=429)
    run(django_capture_on_commit_callbacks)
    assert User.objects.get(pk=member.pk).status == User.Status.OPEN
    at(days=431)
    run(django_capture_on_commit_callbacks)
    assert User.objects.get(pk=member.pk).status == User.Status.SUSPENDED


def test_signing_in_after_the_warning_keeps_the_account(member, at, django_capture_on_commit_callbacks):
    at(days=170)
    run(django_capture_on_commit_callbacks)
    User.objects.filter(pk=member.pk).update(last_login=START + timedelta(days=175))
    at(days=215)
    run(django_capture_on_commit_callbacks)
    assert User.objects.get(pk=member.pk).status == User.Status.OPEN


def test_never_used_accounts_count_from_their_creation(convention, at, django_capture_on_commit_callbacks):
    never = f.UserFactory(organisation=convention.organisation)
    User.objects.filter(pk=never.pk).update(date_joined=START, last_login=None)
    at(days=100)
    assert "Avertissements de suspension prochaine envoyés : 0" in run(django_capture_on_commit_callbacks)
    at(days=160)
    assert "Avertissements de suspension prochaine envoyés : 1" in run(django_capture_on_commit_callbacks)


def test_closing_date_warning_then_closing(member, admin_user, at, django_capture_on_commit_callbacks):
    User.objects.filter(pk=member.pk).update(closing_date=timezone.localdate(START) + timedelta(days=40))
    at(days=5)
    assert "Avertissements de clôture prochaine envoyés : 0" in run(django_capture_on_commit_callbacks)
    at(days=12)
    assert "Avertissements de clôture prochaine envoyés : 1" in run(django_capture_on_commit_callbacks)
    at(days=13)
    assert "Avertissements de clôture prochaine envoyés : 0" in run(django_capture_on_commit_callbacks)
    [warning] = sent_to(member.email)
    assert "sera bientôt clos" in warning.subject

    at(days=40)  # its last day: still open
    assert "Comptes clos à leur date de clôture : 0" in run(django_capture_on_commit_callbacks)
    at(days=41)
    out = run(django_capture_on_commit_callbacks)
    assert "Comptes clos à leur date de clôture : 1" in out
    assert User.objects.get(pk=member.pk).status == User.Status.CLOSED
    assert "a été clos" in sent_to(admin_user.email)[0].body
    assert JournalEntry.objects.filter(action=Action.ACCOUNT_CLOSED_AT_DATE, target_user_id=member.pk).count() == 1
    assert "Comptes clos à leur date de clôture : 0" in run(django_capture_on_commit_callbacks)


def test_technical_and_national_administrators_are_left_alone(db, at, django_capture_on_commit_callbacks):
    national = User.objects.create_user("NATI0001", email="n@example.fr", is_national_admin=True,
                                        last_name="N", first_name="N")
    User.objects.filter(pk=national.pk).update(date_joined=START)
    at(days=800)
    figures = run_lifecycle()
    assert figures.suspended == figures.dormancy_warned == 0
