"""Re-authentication: password and second factor typed again shortly before a sensitive action
(naming an administrator, resetting a second factor, changing an e-mail address).

The session keeps the time of its last full authentication (sign-in or re-authentication). Older
than REAUTH_MAX_AGE_SECONDS, the action first sends the person to « Confirmer votre identité »,
then back. A form posted meanwhile is kept in the session and offered again after the
confirmation (one click, with a fresh CSRF token), so nothing typed is lost.
"""
from functools import wraps
from urllib.parse import urlencode

from django.conf import settings
from django.shortcuts import redirect
from django.urls import reverse

from portail.core import clock

AUTH_AT_KEY = "portail_auth_at"
REPLAY_KEY = "portail_reauth_replay"
NOT_REPLAYED = {"csrfmiddlewaretoken", "password", "new_password1", "new_password2"}


def mark_authenticated(request) -> None:
    request.session[AUTH_AT_KEY] = clock.now().timestamp()


def is_recent(request) -> bool:
    at = request.session.get(AUTH_AT_KEY)
    return at is not None and 0 <= clock.now().timestamp() - at <= settings.REAUTH_MAX_AGE_SECONDS


def prompt(request):
    """Redirect to « Confirmer votre identité », keeping a posted form to offer it again afterwards."""
    path = request.get_full_path()
    if request.method == "POST":
        data = [[k, v] for k, values in request.POST.lists() if k not in NOT_REPLAYED for v in values]
        request.session[REPLAY_KEY] = {"path": path, "data": data}
    return redirect(reverse("accounts:reauth") + "?" + urlencode({"next": path}))


def prompt_unless_recent(request):
    """None when the last authentication is recent enough, else the redirect to the confirmation page."""
    return None if is_recent(request) else prompt(request)


def take_replay(request, path: str) -> list | None:
    """The form posted to `path` before the confirmation, once."""
    saved = request.session.pop(REPLAY_KEY, None)
    return saved["data"] if saved and saved["path"] == path else None


def require_recent_auth(view):
    """Decorator for a signed-in view (put it under the login/scope decorator): the whole page asks
    for a recent authentication, GET included, so the person confirms before filling the form."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.user.is_authenticated and not is_recent(request):
            return prompt(request)
        return view(request, *args, **kwargs)

    return wrapper


reauth_required = require_recent_auth  # the name some views import
