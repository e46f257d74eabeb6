"""The idle timeout seen in the browser: the warning a moment before the end, « Rester connecté »,
then, nobody answering, the login page with the reason. The page's timer is sped up (one browser
second = 100 seconds of session) and the server's clock moved forward."""
from datetime import timedelta

import pytest

from e2e.helpers import check, expect, login
from portail.core import clock

pytestmark = pytest.mark.e2e


def test_idle_session_warns_then_sends_to_the_login_page(page, demo, settings, monkeypatch):
    settings.SESSION_TIMER_SPEED = 100  # 15 minutes pass in 9 seconds
    settings.SESSION_WARNING_SECONDS = 10 * 60  # a longer warning, so the sped-up one stays 6 s: time to click
    login(page, "DEMO0003")
    warning = page.get_by_role("alertdialog", name="Votre session va prendre fin")
    expect(warning).to_be_hidden()
    expect(warning).to_be_visible(timeout=20_000)
    expect(warning).to_contain_text("vous serez déconnecté dans")
    check(page, "session-avertissement")

    warning.get_by_role("button", name="Rester connecté").click()
    expect(warning).to_be_hidden()
    expect(page.get_by_role("heading", name="Bienvenue, Sophie Durand")).to_be_visible()  # still there, still signed in

    # Second warning; this time nobody answers, and the server's clock says 16 minutes have passed.
    expect(warning).to_be_visible(timeout=20_000)
    real_now = clock.now
    monkeypatch.setattr(clock, "now", lambda: real_now() + timedelta(minutes=16))
    expect(page.get_by_role("heading", name="Connexion à Mon Compte Partenaire")).to_be_visible(timeout=20_000)
    expect(page.get_by_text("Votre session a pris fin après 15 minutes sans activité")).to_be_visible()
    check(page, "session-expiree")
    # Back to the portal: the session is really gone.
    page.goto("/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Connexion à Mon Compte Partenaire")
