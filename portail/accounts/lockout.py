"""Login lockout, on top of django-axes.

- Per identifier, whatever the address: AXES_FAILURE_LIMIT failures lock it. The cool-off doubles
  with each lockout of that identifier in the last day (15 min, 30 min, 1 h… up to a day), so a slow
  guesser gains little by waiting.
- Per address, over all identifiers: AXES_ADDRESS_FAILURE_LIMIT failures within an hour stop that
  address, so trying one password on every sequential identifier is limited too.
An administrator of the user's convention or an agent of its Caf lifts an identifier's lockout
(`services.account_unlock`).
"""
from dataclasses import dataclass
from datetime import datetime, timedelta

from axes.handlers.database import AxesDatabaseHandler
from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_failure_limit
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth.signals import user_login_failed
from django.db.models import Max, Sum
from django.shortcuts import render

from portail.core.clock import now

from .models import Lockout
from .signin import PENDING_KEY

BASE_COOL_OFF = timedelta(minutes=15)
MAX_COOL_OFF = timedelta(hours=24)
LOCKOUT_MEMORY = timedelta(hours=24)
ADDRESS_WINDOW = timedelta(hours=1)


def cool_off_for(username: str | None) -> timedelta:
    if not username:
        return BASE_COOL_OFF
    recent = Lockout.objects.filter(username=username, locked_at__gte=now() - LOCKOUT_MEMORY).count()
    return min(BASE_COOL_OFF * 2 ** min(max(recent - 1, 0), 8), MAX_COOL_OFF)


def _username(request) -> str | None:
    if request is None:
        return None
    credentials = getattr(request, "axes_credentials", None) or {}
    return credentials.get("username") or request.POST.get("username")


def cool_off(request=None) -> timedelta:
    """AXES_COOLOFF_TIME: the identifier's current cool-off."""
    return cool_off_for(_username(request))


def address_failures(ip_address: str | None, at: datetime | None = None) -> int:
    if not ip_address:
        return 0
    since = (at or now()) - ADDRESS_WINDOW
    rows = AccessAttempt.objects.filter(ip_address=ip_address, attempt_time__gte=since)
    return rows.aggregate(total=Sum("failures_since_start"))["total"] or 0


def _record_lockout(username: str) -> None:
    """One row per lockout, not per refused try during it."""
    last = Lockout.objects.filter(username=username).aggregate(last=Max("locked_at"))["last"]
    if last is None or last + cool_off_for(username) < now():
        Lockout.objects.create(username=username, locked_at=now())


class PortalAxesHandler(AxesDatabaseHandler):
    def get_failures(self, request, credentials=None) -> int:
        by_identifier = super().get_failures(request, credentials)
        request.portal_identifier_failures = by_identifier
        limit = get_failure_limit(request, credentials)
        if address_failures(request.axes_ip_address, request.axes_attempt_time) >= settings.AXES_ADDRESS_FAILURE_LIMIT:
            request.portal_address_limited = True
            return max(by_identifier, limit)
        return by_identifier

    def user_login_failed(self, sender, credentials: dict, request=None, **kwargs):
        super().user_login_failed(sender, credentials, request=request, **kwargs)
        username = _username(request)
        if (username and getattr(request, "axes_locked_out", False)
                and getattr(request, "portal_identifier_failures", 0) >= get_failure_limit(request, credentials)):
            _record_lockout(username)


@dataclass(frozen=True)
class LockoutState:
    failures: int
    until: datetime


def lockout_state(username: str) -> LockoutState | None:
    """Whether this identifier is locked now (for the administration pages), and until when."""
    delay = cool_off_for(username)
    rows = AccessAttempt.objects.filter(username=username, attempt_time__gte=now() - delay)
    found = rows.aggregate(failures=Sum("failures_since_start"), last=Max("attempt_time"))
    if (found["failures"] or 0) < settings.AXES_FAILURE_LIMIT:
        return None
    return LockoutState(failures=found["failures"], until=found["last"] + delay)


def lockout_response(request, original_response=None, credentials=None):
    """AXES_LOCKOUT_CALLABLE: the French page, saying which limit was hit and for how long."""
    by_address = getattr(request, "portal_address_limited", False)
    delay = ADDRESS_WINDOW if by_address else cool_off(request)
    context = {"title": "Compte temporairement bloqué", "by_address": by_address,
               "minutes": int(delay.total_seconds() // 60)}
    return render(request, "accounts/locked.html", context, status=settings.AXES_HTTP_RESPONSE_CODE)


def clear_lockout(username: str) -> int:
    """Forget the identifier's failed attempts (its lockout history stays, so a new lockout still grows)."""
    return AccessAttempt.objects.filter(username=username).delete()[0]


# ---------------------------------------------------------------- codes of the second factor


def code_step_allowed(request, user) -> bool:
    """Before checking a code: the identifier must not be locked. When it is, the request is flagged so
    the axes middleware answers with the lockout page."""
    credentials = {"username": user.username}
    if AxesProxyHandler.is_allowed(request, credentials):
        return True
    request.axes_locked_out = True
    request.axes_credentials = credentials
    return False


def code_failed(request, user) -> None:
    """A wrong second-factor code counts as a failed sign-in of that identifier (same limit, same delay)."""
    credentials = {"username": user.username}
    AxesProxyHandler.update_request(request)
    request.axes_credentials = credentials
    user_login_failed.send(sender=__name__, credentials=credentials, request=request)
    if getattr(request, "axes_locked_out", False):
        request.session.pop(PENDING_KEY, None)  # locked: the sign-in starts again from the password
