"""R4 at the service level: creation with a one-time activation e-mail, changes, closing — each journaled."""
import re
from datetime import date, timedelta

import pytest
from django.db import transaction

from portail.accounts.models import User
from portail.accounts.services import user_close, user_create, user_update
from portail.core.clock import today
from portail.core.errors import BusinessError
from portail.testing.factories import make_group
from portail.access import consultation_rights
from portail.habilitations.models import Membership
from portail.journal.models import Action, JournalEntry


def create(actor, organisation, **kwargs):
    values = dict(last_name=" Durand ", first_name="Sophie", email=" Sophie.Durand@CD1.example.fr ",
                  phone="05 56 00 00 00", work_mode=User.WorkMode.ITINERANT)
    values.update(kwargs)
    return user_create(actor=actor, organisation=organisation, **values)


def counts():
    return User.objects.count(), JournalEntry.objects.count()


def test_user_create_generates_the_identifier_and_journals(admin_user, convention, django_capture_on_commit_callbacks,
                                                           mailoutbox):
    with django_capture_on_commit_callbacks(execute=True):
        user = create(admin_user, convention.organisation, convention=convention, ip="10.0.0.2")

    user.refresh_from_db()
    assert re.fullmatch(r"[A-Z]{4}\d{4}", user.username)
    assert (user.last_name, user.email, user.organisation) == ("Durand", "sophie.durand@cd1.example.fr",
                                                               convention.organisation)
    assert user.opening_date == today() and user.closing_date is None
    assert user.work_mode == User.WorkMode.ITINERANT and user.status == User.Status.OPEN
    assert not user.has_usable_password()  # he chooses it himself
    entry = JournalEntry.objects.last()
    assert entry.action == Action.USER_CREATED
    assert (entry.actor_id, entry.target_user_id, entry.convention_id, entry.caf_id) == (
        admin_user.pk, user.pk, convention.pk, convention.caf_id)
    assert entry.details["username"] == user.username


def test_activation_mail_is_sent_on_commit_with_a_link_and_no_password(
    admin_user, organisation, django_capture_on_commit_callbacks, mailoutbox
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        user = create(admin_user, organisation)
    assert mailoutbox == []  # nothing leaves before the account really exists
    for callback in callbacks:
        callback()

    assert len(mailoutbox) == 1
    mail = mailoutbox[0]
    assert mail.to == ["sophie.durand@cd1.example.fr"]
    assert "activez votre compte" in mail.subject
    assert user.username in mail.body
    assert re.search(r"http://[^ ]+/compte/activer/[^/\s]+/[^/\s]+/", mail.body)
    assert "mot de passe" in mail.body.lower()
    assert not re.search(r"mot de passe\s*:", mail.body, re.IGNORECASE)


def test_no_mail_for_a_rolled_back_creation(admin_user, organisation, django_capture_on_commit_callbacks, mailoutbox):
    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(RuntimeError):
            with transaction.atomic():
                create(admin_user, organisation)
                raise RuntimeError("the surrounding change fails")
    assert mailoutbox == []
    assert not User.objects.filter(last_name="Durand").exists()


def test_closing_before_opening_is_refused_and_nothing_saved(admin_user, organisation, mailoutbox):
    before = counts()
    with pytest.raises(BusinessError) as error:
        create(admin_user, organisation, opening_date=date(2026, 3, 2), closing_date=date(2026, 3, 1))
    assert error.value.field == "closing_date"
    assert counts() == before
    assert mailoutbox == []


def test_user_update_journals_what_changed(admin_user, partner_user, convention):
    user_update(
        actor=admin_user, user=partner_user, last_name=partner_user.last_name, first_name=partner_user.first_name,
        email="NOUVELLE@example.fr", phone="", opening_date=partner_user.opening_date, closing_date=date(2030, 1, 1),
        work_mode=partner_user.work_mode, convention=convention,
    )
    old_email = partner_user.email
    partner_user.refresh_from_db()
    # The closing date applies at once; the e-mail waits for its confirmation (test_email_change.py).
    assert (partner_user.email, partner_user.pending_email, partner_user.closing_date) == (
        old_email, "nouvelle@example.fr", date(2030, 1, 1))
    entry = JournalEntry.objects.get(action=Action.USER_UPDATED)
    assert entry.details == {"closing_date": "2030-01-01"}
    assert (entry.actor_id, entry.target_user_id, entry.convention_id) == (admin_user.pk, partner_user.pk, convention.pk)


def test_user_update_without_change_writes_nothing(admin_user, partner_user):
    before = counts()
    u = partner_user
    user_update(actor=admin_user, user=u, last_name=u.last_name, first_name=u.first_name, email=u.email,
                phone=u.phone, opening_date=u.opening_date, closing_date=None, work_mode=u.work_mode)
    assert counts() == before


def test_user_update_refuses_closing_before_opening(admin_user, partner_user):
    before = counts()
    u = partner_user
    with pytest.raises(BusinessError) as error:
        user_update(actor=admin_user, user=u, last_name="Autre", first_name=u.first_name, email=u.email, phone="",
                    opening_date=date(2024, 1, 2), closing_date=date(2024, 1, 1), work_mode=u.work_mode)
    assert error.value.field == "closing_date"
    u.refresh_from_db()
    assert u.last_name != "Autre"
    assert counts() == before


def test_user_close_keeps_the_person_and_his_history_but_takes_every_right(admin_user, partner_user, convention,
                                                                          role_t1):
    group = make_group(convention, "GROUPES", roles=[role_t1], members=[partner_user])
    assert consultation_rights(partner_user, convention.caf_id).allowed

    user_close(actor=admin_user, user=partner_user, convention=convention)

    partner_user.refresh_from_db()
    assert partner_user.status == User.Status.CLOSED and partner_user.closing_date == today()
    assert not partner_user.is_open
    assert Membership.objects.filter(user=partner_user, group=group).exists()  # closed, never deleted
    assert not consultation_rights(partner_user, convention.caf_id).allowed
    entry = JournalEntry.objects.last()
    assert (entry.action, entry.actor_id, entry.target_user_id) == (Action.USER_CLOSED, admin_user.pk, partner_user.pk)


def test_user_close_keeps_an_earlier_closing_date(admin_user, partner_user):
    earlier = today() - timedelta(days=3)
    partner_user.closing_date = earlier
    partner_user.save()
    user_close(actor=admin_user, user=partner_user)
    partner_user.refresh_from_db()
    assert partner_user.closing_date == earlier


def test_nobody_closes_his_own_account(admin_user):
    before = counts()
    with pytest.raises(BusinessError):
        user_close(actor=admin_user, user=admin_user)
    admin_user.refresh_from_db()
    assert admin_user.status == User.Status.OPEN
    assert counts() == before
