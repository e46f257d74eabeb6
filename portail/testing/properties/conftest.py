"""Property-based tests (hypothesis): arbitrary text into every form, service and page taking text.

The world is built once per module inside a transaction rolled back at the end; every example runs
in a savepoint rolled back after it, so examples never see each other's rows.
"""
from contextlib import contextmanager

import pytest
from django.db import transaction
from django.test import Client
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from portail.testing.world import build_world
from portail.testing.auth import sign_in

settings.register_profile(
    "portail", max_examples=30, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.function_scoped_fixture]
)
settings.load_profile("portail")

PORTAL_BACKEND = "portail.accounts.backends.PortalBackend"
HUGE = 10**5

# What a hostile or clumsy user may type. Surrogates are left out: they cannot travel in UTF-8, so no
# request can carry them.
_chars = st.characters(exclude_categories=("Cs",))
_controls = st.characters(min_codepoint=0, max_codepoint=0x1F) | st.sampled_from(["\x7f", "\x85", "\u2028", "\ufeff", "\u200b"])
TEXT = st.one_of(
    st.text(_chars, max_size=200),  # any unicode: accents, emoji, right-to-left, combining marks
    st.text(_controls, min_size=1, max_size=20),  # NUL and control characters only
    st.builds(lambda a, c, b: a + c + b, st.text(_chars, max_size=20), _controls, st.text(_chars, max_size=20)),
    st.sampled_from(["", " ", "\t\n", "\x00", "A\x00B", "<script>alert(1)</script>", "' OR 1=1 --", "%00", "..\\..",
                     '<meta http-equiv="refresh" content="0;url=https://evil.example/">']),
    st.sampled_from(["x" * HUGE, "é" * HUGE, "\x00" * HUGE, "GROUPE " * (HUGE // 7)]),  # huge
)


class _Rollback(Exception):
    pass


@contextmanager
def rolled_back():
    """Run one example in a savepoint and undo whatever it wrote."""
    try:
        with transaction.atomic():
            yield
            raise _Rollback
    except _Rollback:
        pass


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        with transaction.atomic():
            yield build_world()
            transaction.set_rollback(True)


@pytest.fixture(scope="module")
def client_of(world):
    """`client_of(user)`: a test client logged in as `user`, answering 500 pages instead of raising."""
    clients = {}

    def _client(user):
        if user.pk not in clients:
            client = Client()
            client.raise_request_exception = False
            sign_in(client, user)
            clients[user.pk] = client
        return clients[user.pk]

    return _client
