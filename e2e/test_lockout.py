"""Lockout seen in the browser: five wrong passwords on one identifier, then even the right one is refused."""
import pytest
from django.conf import settings

from portail.journal.models import Action, JournalEntry

from .helpers import check, expect, login

pytestmark = pytest.mark.e2e

LOCKED = "Compte temporairement bloqué"


def test_five_wrong_passwords_lock_the_identifier_with_a_french_page(page, demo):
    assert settings.AXES_FAILURE_LIMIT == 5
    for attempt in range(1, 5):
        login(page, "DEMO0004", f"pas-le-bon-{attempt}", expect_success=False)
        expect(page.locator("main form")).to_contain_text("Identifiant ou mot de passe incorrect.")

    login(page, "DEMO0004", "pas-le-bon-5", expect_success=False)
    expect(page.get_by_role("heading", level=1)).to_have_text(LOCKED)
    expect(page.locator("main")).to_contain_text("Trop d'échecs de connexion pour cet identifiant")
    check(page, "connexion-bloquee")

    # The right password no longer opens the account while it is locked.
    login(page, "DEMO0004", expect_success=False)
    expect(page.get_by_role("heading", level=1)).to_have_text(LOCKED)
    expect(page.get_by_role("button", name="Se déconnecter")).to_have_count(0)

    # Another identifier from the same browser is not affected.
    login(page, "DEMO0003")

    failures = JournalEntry.objects.filter(action=Action.LOGIN_FAILED).count()
    assert failures >= 5
