"""Signing a test client in: the one place that knows what a signed-in session holds."""
from portail.accounts.sessions import LAST_SEEN, LOGIN_AT
from portail.accounts.signin import session_values
from portail.core import clock

PORTAL_BACKEND = "portail.accounts.backends.PortalBackend"


def sign_in(client, user):
    """Log `client` in as `user` as the login page would, and return the client: second factor
    verified and a fresh authentication time (no re-authentication prompt for the next 5 minutes).
    The session's clocks start as the login page's request starts them (SessionLimitsMiddleware), so
    the next page, less than a minute later, records no activity.

    The first configured backend is django-axes', which cannot load a user from the session: the
    portal's own backend is named explicitly.
    """
    client.force_login(user, backend=PORTAL_BACKEND)
    session = client.session
    at = clock.now().timestamp()
    session.update({**session_values(verified=True), LOGIN_AT: at, LAST_SEEN: at})
    session.save()
    return client
