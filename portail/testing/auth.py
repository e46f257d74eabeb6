"""Signing a test client in: the one place that knows what a signed-in session holds."""
from portail.accounts.signin import session_values

PORTAL_BACKEND = "portail.accounts.backends.PortalBackend"


def sign_in(client, user):
    """Log `client` in as `user` as the login page would, and return the client: second factor
    verified and a fresh authentication time (no re-authentication prompt for the next 5 minutes).

    The first configured backend is django-axes', which cannot load a user from the session: the
    portal's own backend is named explicitly.
    """
    client.force_login(user, backend=PORTAL_BACKEND)
    session = client.session
    session.update(session_values(verified=True))
    session.save()
    return client
