"""When a session ends: idle too long, too old since the login, or its owner no longer open.

A password change ends every other session by itself: Django keeps a hash of the password in the
session (`get_session_auth_hash`) and `AuthenticationMiddleware` refuses a session whose hash no
longer matches. A suspended or closed user is logged out by the middleware below on his next
request; `end_sessions(user)` ends them at once (« suspendre immédiatement »).
"""
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import SESSION_KEY, logout
from django.contrib.auth.middleware import get_user
from django.db.models import F
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_POST

from portail.core import clock
from portail.core.links import cached_reverse

from .models import User

LOGIN_AT = "portail_login_at"
LAST_SEEN = "portail_last_seen"

IDLE_MESSAGE = ("Votre session a pris fin après {minutes} minutes sans activité. "
                "Reconnectez-vous pour continuer.")
ABSOLUTE_MESSAGE = "Votre session a pris fin : elle durait depuis plus de {hours} heures. Reconnectez-vous pour continuer."
CLOSED_MESSAGE = "Votre compte n'est plus ouvert : votre session a pris fin."


def _why_ended(request, at: float) -> str | None:
    session = request.session
    if not request.user.is_open:
        return CLOSED_MESSAGE
    login_at, last_seen = session.get(LOGIN_AT), session.get(LAST_SEEN)
    if login_at is not None and at - login_at > settings.SESSION_ABSOLUTE_SECONDS:
        return ABSOLUTE_MESSAGE.format(hours=settings.SESSION_ABSOLUTE_SECONDS // 3600)
    if last_seen is not None and at - last_seen > settings.SESSION_IDLE_SECONDS:
        return IDLE_MESSAGE.format(minutes=settings.SESSION_IDLE_SECONDS // 60)
    return None


class SessionLimitsMiddleware:
    """Every request of a signed-in user counts as activity; one that comes too late ends the session
    and leads to the login page (which brings him back where he was), the reason shown there."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        # The user itself in place of AuthenticationMiddleware's lazy proxy (the same object, read once): a page
        # reads `request.user` hundreds of times, each read through the proxy costs a call.
        request.user = get_user(request)
        if not request.user.is_authenticated and SESSION_KEY in request.session:
            # The session names a user the backend no longer accepts (suspended, closed, past his closing
            # date): end it for good, so it does not come back to life if the account is reopened.
            request.session.flush()
            messages.warning(request, CLOSED_MESSAGE)
        elif request.user.is_authenticated:
            at = clock.now().timestamp()
            reason = _why_ended(request, at)
            if reason is not None:
                logout(request)
                messages.warning(request, reason)
                if request.path == cached_reverse("accounts:keep_alive"):
                    return HttpResponse(status=401)
                login_url = reverse(settings.LOGIN_URL)
                if request.method == "GET":
                    login_url += "?" + urlencode({"next": request.get_full_path()})
                return redirect(login_url)
            request.session.setdefault(LOGIN_AT, at)
            last_seen = request.session.get(LAST_SEEN)
            # Activity is recorded to the ACTIVITY_RESOLUTION: a page every second does not rewrite the session
            # row every second. The idle limit counts from the recorded moment (never later than the truth), and
            # the page's timer is given what is left of it (`session_timer`), so both end together.
            if last_seen is None or at - last_seen >= settings.SESSION_ACTIVITY_RESOLUTION_SECONDS \
                    or request.path == cached_reverse("accounts:keep_alive"):
                request.session[LAST_SEEN] = at
        response = self.get_response(request)
        # Signed in by this very request (login page): the clocks start now.
        if getattr(request, "user", None) is not None and request.user.is_authenticated \
                and LOGIN_AT not in request.session:
            at = clock.now().timestamp()
            request.session[LOGIN_AT] = at
            request.session[LAST_SEEN] = at
        return response


@require_POST
def keep_alive(request):
    """« Rester connecté » : the request itself counts as activity (middleware); nothing else to do."""
    if not request.user.is_authenticated:
        return HttpResponse(status=401)
    return HttpResponse(status=204)


def session_timer(request) -> dict:
    """Context processor: what the page's timer needs (data attributes of <body>), signed-in users only."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"session_timer": None}
    last_seen = request.session.get(LAST_SEEN)
    idle = settings.SESSION_IDLE_SECONDS
    if last_seen is not None:  # what is left since the recorded activity (see SessionLimitsMiddleware)
        idle = max(1, round(idle - max(0.0, clock.now().timestamp() - last_seen)))
    return {"session_timer": {
        "idle": idle,
        "warning": settings.SESSION_WARNING_SECONDS,
        "speed": settings.SESSION_TIMER_SPEED,
        "keep_alive_url": cached_reverse("accounts:keep_alive"),
    }}


def end_sessions(user) -> None:
    """End every session of `user` at once (suspension, closing): his `session_version` is part of the
    session's auth hash (User._get_session_auth_hash), so each session fails Django's check on its next
    request, wherever it is stored, without reading the sessions table."""
    User.objects.filter(pk=user.pk).update(session_version=F("session_version") + 1)
    user.refresh_from_db(fields=["session_version"])
