"""The sign-in in steps: password, then (for whoever needs one) the second factor, then the session.

Between the two steps the session only holds a pending sign-in (whose password was right, when);
Django's `login()` runs only once the code is accepted, so no page treats a half-signed-in person
as signed in.
"""
from django.conf import settings
from django.contrib.auth import login as auth_login
from django.shortcuts import resolve_url

from portail.core import clock
from portail.core.requests import client_ip
from portail.journal import events

from . import second_factor
from .models import User
from .reauth import AUTH_AT_KEY

PENDING_KEY = "portail_signin_pending"
PENDING_SECONDS = 15 * 60  # time to find one's phone, or to install an app at enrolment


def start_pending(request, user, *, next_url: str, via: dict | None = None, keep: dict | None = None) -> None:
    """`via`: how an identity provider signed him in (journaled with the login: method, mfa, acr); `keep`:
    values the signed-in session keeps (e.g. the provider's ID token, for its logout)."""
    request.session.cycle_key()
    request.session[PENDING_KEY] = {"user": user.pk, "backend": user.backend, "at": clock.now().timestamp(),
                                    "next": next_url, "via": via, "keep": keep}


def pending(request) -> dict | None:
    state = request.session.get(PENDING_KEY)
    if not state or not 0 <= clock.now().timestamp() - state["at"] <= PENDING_SECONDS:
        return None
    return state


def pending_user(request) -> User | None:
    """The person whose password was right, if he is still allowed to sign in."""
    state = pending(request)
    if state is None:
        return None
    user = User.objects.filter(pk=state["user"]).first()
    if user is None or not user.is_open:
        return None
    user.backend = state["backend"]
    return user


def clear_pending(request) -> None:
    request.session.pop(PENDING_KEY, None)


def session_values(*, verified: bool) -> dict:
    """What a signed-in session holds besides Django's own keys (also used by the test helper)."""
    stamp = clock.now().timestamp()
    return {
        second_factor.STATE_KEY: second_factor.VERIFIED if verified else second_factor.NOT_REQUIRED,
        second_factor.CHECKED_AT_KEY: stamp,
        AUTH_AT_KEY: stamp,
    }


def complete_sign_in(request, user, *, verified: bool) -> None:
    """Open the session (Django's login), remember how, and journal the login."""
    state = request.session.pop(PENDING_KEY, None) or {}
    target = state.get("next")
    auth_login(request, user, backend=getattr(user, "backend", None))
    request.session.update(session_values(verified=verified))
    request.session.update(state.get("keep") or {})
    if target:
        request.session[NEXT_KEY] = target
    via = state.get("via")
    if via:
        second = "provider" if via.get("mfa") else ("portal" if verified else "none")
        events.login_via(user=user, method=via["method"], second_factor=second, acr=via.get("acr") or "",
                         ip=client_ip(request))
    else:
        events.login(user=user, ip=client_ip(request))


NEXT_KEY = "portail_signin_next"


def next_url(request, *, keep: bool = False) -> str:
    """Where the sign-in leads (the page asked for before it, else the home page)."""
    target = request.session.get(NEXT_KEY) if keep else request.session.pop(NEXT_KEY, None)
    return target or resolve_url(settings.LOGIN_REDIRECT_URL)
