"""Sessions end when they should: idle 15 minutes, 10 hours after the login, when the account is suspended
or closed, when the password changes (every session of the user)."""
import os
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse

from portail.accounts import sessions
from portail.accounts.models import User
from portail.core import clock
from portail.testing.auth import sign_in

HOME = reverse("home:index")
LOGIN = reverse("accounts:login")
KEEP_ALIVE = reverse("accounts:keep_alive")


@pytest.fixture
def travel(monkeypatch):
    """`travel(minutes=…)` moves the portal's clock forward (cumulative)."""
    real_now = clock.now
    offset = {"delta": timedelta()}
    monkeypatch.setattr(clock, "now", lambda: real_now() + offset["delta"])

    def _travel(**kwargs):
        offset["delta"] += timedelta(**kwargs)

    return _travel


def signed_in(user) -> Client:
    client = sign_in(Client(), user)
    assert client.get(HOME).status_code == 200
    return client


def ended(response) -> bool:
    return response.status_code == 302 and response["Location"].startswith(LOGIN)


def test_activity_keeps_the_session_and_15_idle_minutes_end_it(partner_user, travel):
    client = signed_in(partner_user)
    for _ in range(5):  # an hour of work, a page every 14 minutes
        travel(minutes=14)
        assert client.get(HOME).status_code == 200
    travel(minutes=15, seconds=1)
    response = client.get(HOME + "?page=2")
    assert ended(response) and response["Location"] == LOGIN + "?next=%2F%3Fpage%3D2"
    page = client.get(response["Location"])
    assert "Votre session a pris fin après 15 minutes sans activité" in page.content.decode()
    assert ended(client.get(HOME))  # really gone, not only redirected once


def test_rester_connecte_counts_as_activity(partner_user, travel, client):
    browser = signed_in(partner_user)
    travel(minutes=14)
    assert browser.post(KEEP_ALIVE).status_code == 204
    travel(minutes=14)
    assert browser.get(HOME).status_code == 200
    assert client.post(KEEP_ALIVE).status_code == 401  # nobody signed in
    assert browser.get(KEEP_ALIVE).status_code == 405
    travel(minutes=16)
    assert browser.post(KEEP_ALIVE).status_code == 401  # too late: the session ended


def test_ten_hours_after_the_login_the_session_ends_whatever_the_activity(partner_user, travel):
    client = signed_in(partner_user)
    for _ in range(42):  # 9 h 48 of steady work
        travel(minutes=14)
        assert client.get(HOME).status_code == 200
    travel(minutes=14)
    response = client.get(HOME)
    assert ended(response)
    assert "elle durait depuis plus de 10 heures" in client.get(response["Location"]).content.decode()


@pytest.mark.parametrize("change", ["suspended", "closed", "closing_date_passed"])
def test_every_session_ends_when_the_account_is_suspended_or_closed(partner_user, change):
    office, laptop = signed_in(partner_user), signed_in(partner_user)
    if change == "closing_date_passed":
        User.objects.filter(pk=partner_user.pk).update(opening_date=clock.today() - timedelta(days=30),
                                                       closing_date=clock.today() - timedelta(days=1))
    else:
        User.objects.filter(pk=partner_user.pk).update(
            status=User.Status.SUSPENDED if change == "suspended" else User.Status.CLOSED)
    for client in (office, laptop):
        response = client.get(HOME)
        assert ended(response)
        assert "Votre compte n&#x27;est plus ouvert" in client.get(response["Location"]).content.decode()
        assert ended(client.get(HOME))
    User.objects.filter(pk=partner_user.pk).update(status=User.Status.OPEN, closing_date=None)
    assert ended(office.get(HOME))  # reopened later: the old sessions stay ended


def test_end_sessions_ends_them_at_once_even_for_an_account_still_open(partner_user):
    office, laptop = signed_in(partner_user), signed_in(partner_user)
    sessions.end_sessions(partner_user)
    assert ended(office.get(HOME)) and ended(laptop.get(HOME))
    assert signed_in(partner_user)  # a new sign-in works again


def test_a_password_change_ends_every_session(partner_user):
    office, laptop = signed_in(partner_user), signed_in(partner_user)
    user = User.objects.get(pk=partner_user.pk)
    user.set_password("Un-Nouveau-Mot-2026!")
    user.save()
    assert ended(office.get(HOME)) and ended(laptop.get(HOME))


def test_the_timer_is_on_the_pages_of_signed_in_people_only(partner_user, client):
    text = signed_in(partner_user).get(HOME).content.decode()
    assert 'data-session-idle="900"' in text and 'data-session-warning="60"' in text
    assert "core/js/session-timeout.js" in text and f'action="{KEEP_ALIVE}"' in text
    assert "<script>" not in text  # CSP: no inline script
    anonymous = client.get(LOGIN).content.decode()
    assert "data-session-idle" not in anonymous and "session-timeout.js" not in anonymous


def _session_row(client):
    from django.conf import settings
    from django.contrib.sessions.models import Session

    return Session.objects.get(session_key=client.cookies[settings.SESSION_COOKIE_NAME].value)


def test_activity_is_recorded_once_a_minute_and_the_timer_counts_from_the_record(partner_user, travel):
    """Pages seconds apart do not rewrite the session; the page's timer is told what the server will allow."""
    client = signed_in(partner_user)
    recorded = _session_row(client).get_decoded()[sessions.LAST_SEEN]
    travel(seconds=20)
    page = client.get(HOME).content.decode()
    assert _session_row(client).get_decoded()[sessions.LAST_SEEN] == recorded  # not rewritten
    assert 'data-session-idle="880"' in page  # 15 minutes from the recorded activity, 20 s ago
    travel(seconds=41)
    page = client.get(HOME).content.decode()
    assert _session_row(client).get_decoded()[sessions.LAST_SEEN] > recorded  # a minute later: recorded
    assert 'data-session-idle="900"' in page
    # The idle limit counts from the record: 15 minutes after it, the session ends even though a page was seen
    # 20 s after it (the page's timer said so).
    travel(seconds=20)
    client.get(HOME)
    travel(minutes=14, seconds=41)
    assert ended(client.get(HOME))


def test_rester_connecte_is_always_recorded(partner_user, travel):
    browser = signed_in(partner_user)
    recorded = _session_row(browser).get_decoded()[sessions.LAST_SEEN]
    travel(seconds=5)
    assert browser.post(KEEP_ALIVE).status_code == 204
    assert _session_row(browser).get_decoded()[sessions.LAST_SEEN] == pytest.approx(recorded + 5, abs=1)


def _redis_cache() -> dict | None:
    try:
        import redis

        redis.Redis.from_url("redis://127.0.0.1:6379/0", socket_connect_timeout=0.2).ping()
    except Exception:
        return None
    return {"BACKEND": "portail.core.redis_cache.RedisCache", "LOCATION": "redis://127.0.0.1:6379/6",
            "KEY_PREFIX": f"test-sessions-{os.getpid()}"}


def test_with_redis_sessions_are_read_there_and_kept_in_the_database(partner_user, travel, settings):
    """Production with REDIS_URL: `cached_db` sessions. A page reads the session from Redis (no query for it);
    the database keeps every session; logging out and the idle limit end it in both places."""
    from django.contrib.sessions.models import Session
    from django.core.cache import caches
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    cache = _redis_cache()
    if cache is None:
        pytest.skip("Redis n'est pas joignable")
    settings.CACHES = {**settings.CACHES, "default": cache}
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
    try:
        client = signed_in(partner_user)
        key = client.cookies[settings.SESSION_COOKIE_NAME].value
        assert Session.objects.filter(session_key=key).exists()
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(HOME).status_code == 200
        assert not any("django_session" in q["sql"] for q in ctx.captured_queries)
        travel(minutes=15, seconds=1)
        assert ended(client.get(HOME))
        assert not Session.objects.filter(session_key=key).exists()
        again = signed_in(partner_user)
        key = again.cookies[settings.SESSION_COOKIE_NAME].value
        again.post(reverse("accounts:logout"))
        assert not Session.objects.filter(session_key=key).exists()
        assert ended(again.get(HOME))
    finally:
        from portail.access import rights_cache

        caches["default"].clear()
        rights_cache.forget_local()  # the rights read meanwhile were Redis's
