"""The client address: X-Forwarded-For is believed only from our own proxies (TRUSTED_PROXIES)."""
import pytest
from axes.models import AccessAttempt
from django.test import RequestFactory
from django.urls import reverse

from portail.core.requests import client_ip
from portail.journal.models import Action, JournalEntry

rf = RequestFactory()


def ip(remote, forwarded=None):
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return client_ip(rf.get("/", **extra))


def test_spoofed_header_is_ignored_without_trusted_proxy(settings):
    settings.TRUSTED_PROXIES = []
    assert ip("203.0.113.7", "10.1.2.3") == "203.0.113.7"


def test_spoofed_header_is_ignored_when_the_peer_is_not_our_proxy(settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    assert ip("203.0.113.7", "198.51.100.1") == "203.0.113.7"


@pytest.mark.parametrize("forwarded, expected", [
    ("198.51.100.9", "198.51.100.9"),
    # The client wrote « 1.1.1.1 » himself; our proxy appended what it saw.
    ("1.1.1.1, 198.51.100.9", "198.51.100.9"),
    # Two of our proxies in a row: the right-most untrusted address is the client.
    ("1.1.1.1, 198.51.100.9, 10.0.0.2", "198.51.100.9"),
    ("garbage", "10.0.0.1"),
    ("", "10.0.0.1"),
])
def test_right_most_untrusted_address_behind_trusted_proxies(settings, forwarded, expected):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    assert ip("10.0.0.1", forwarded) == expected


def test_missing_or_malformed_remote_address():
    assert ip("") is None
    assert ip("not-an-ip") is None


def test_login_journal_and_lockout_use_the_same_address(client, partner_user, settings):
    settings.TRUSTED_PROXIES = []
    client.post(reverse("accounts:login"), {"username": partner_user.username, "password": "mauvais"},
                REMOTE_ADDR="203.0.113.7", HTTP_X_FORWARDED_FOR="10.9.9.9")
    entry = JournalEntry.objects.filter(action=Action.LOGIN_FAILED).last()
    assert entry.ip_address == "203.0.113.7"
    assert list(AccessAttempt.objects.values_list("ip_address", flat=True)) == ["203.0.113.7"]
