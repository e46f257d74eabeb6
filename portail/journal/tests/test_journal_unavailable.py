"""R9: when the journal cannot be written, the action does not happen and the person is told so."""
import pytest
from django.urls import reverse

from portail.habilitations.models import Membership
from portail.journal import events
from portail.journal.services import JournalUnavailable
from portail.testing.journal import break_journal_inserts


def test_a_database_failure_while_journaling_is_reported_as_journal_unavailable(db, monkeypatch):
    break_journal_inserts(monkeypatch)
    with pytest.raises(JournalUnavailable):
        events.login_failed(identifier="AAAA0001")


def test_a_change_whose_journal_fails_is_not_made_and_the_page_says_so(
    convention, admin_user, partner_user, role_t18, make_group, login_as, monkeypatch
):
    group = make_group(convention, "GRP", roles=[role_t18])
    client = login_as(admin_user)

    break_journal_inserts(monkeypatch)
    response = client.post(reverse("habilitations:membership_add", args=[convention.pk, partner_user.pk]),
                           {"group": group.pk})
    assert response.status_code == 503
    assert "Votre action n'a pas été enregistrée" in response.content.decode()
    assert not Membership.objects.filter(user=partner_user, group=group).exists()
