"""Creating, revoking and checking API tokens.

A token reads `ppt_<prefix>_<secret>`: the prefix (8 hex characters) finds the row, the secret (43
URL-safe characters, 256 bits) is compared in constant time with the stored SHA-256. The token acts
as its creator (`token.created_by`), limited to its convention, and only while the creator is an open
administrator of that convention: a token outlives neither its expiry, nor its revocation, nor its
creator's seat. Every refusal is journaled (API_REFUSED, details: reason and channel).
"""
import hashlib
import hmac
import secrets
from datetime import date, datetime, time, timedelta

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone
from rest_framework import authentication, exceptions

from portail.access import management_scope, token_creator_may_act
from portail.accounts.models import User
from portail.conventions.models import Convention
from portail.core.clock import now, today
from portail.core.errors import BusinessError
from portail.core.requests import client_ip
from portail.core.text import clean_text
from portail.journal import events

from .models import TOKEN_MARK, ApiToken, Scope
from .throttling import AddressFailureThrottle

MAX_LIFETIME_DAYS = 365
LAST_USED_STEP = timedelta(minutes=1)  # last_used_at is written at most once a minute per token

# Reasons of a refusal, in the journal's details (API_REFUSED).
MALFORMED = "malformed"
UNKNOWN = "unknown"
BAD_SECRET = "bad_secret"
REVOKED = "revoked"
EXPIRED = "expired"
WRONG_SCOPE = "scope"
CREATOR_NOT_ADMINISTRATOR = "creator_not_administrator"
OTHER_CONVENTION = "other_convention"


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _split(raw: str) -> tuple[str, str] | None:
    if not isinstance(raw, str) or not raw.startswith(TOKEN_MARK) or len(raw) > 200:
        return None
    parts = raw[len(TOKEN_MARK):].split("_", 1)
    if len(parts) != 2 or len(parts[0]) != 8 or not parts[1]:
        return None
    return parts[0], parts[1]


def _end_of(day: date) -> datetime:
    """A token « valid until the 31/12 » works through that whole day, local time."""
    return timezone.make_aware(datetime.combine(day + timedelta(days=1), time.min))


def token_create(
    *, actor: User, convention: Convention, name: str, scopes: list[str], expires_on: date, ip: str | None = None
) -> tuple[ApiToken, str]:
    """A new token for `convention`; returns it and the raw token, shown once and never stored."""
    name = clean_text(name, field="name", max_length=80)
    scopes = sorted(set(scopes or []))
    if not scopes:
        raise BusinessError("Choisissez au moins une portée.", field="scopes")
    if any(s not in Scope.values for s in scopes):
        raise BusinessError("Portée inconnue.", field="scopes")
    if expires_on is None or expires_on < today():
        raise BusinessError("La date d'expiration ne peut pas être passée.", field="expires_on")
    if expires_on > today() + timedelta(days=MAX_LIFETIME_DAYS):
        raise BusinessError("Un jeton expire au plus tard dans un an.", field="expires_on")
    secret = secrets.token_urlsafe(32)
    for _ in range(5):
        prefix = secrets.token_hex(4)
        try:
            with transaction.atomic():
                current = Convention.objects.select_for_update().select_related("caf").get(pk=convention.pk)
                scope = management_scope(User.objects.get(pk=actor.pk), current)  # under the lock: still him?
                if scope is None or not scope.whole or not scope.writable:
                    raise PermissionDenied
                token = ApiToken.objects.create(
                    convention=current, created_by=actor, name=name, scopes=scopes, prefix=prefix,
                    secret_hash=_hash(secret), created_at=now(), expires_at=_end_of(expires_on),
                )
                events.api_token_created(actor=actor, token=token, ip=ip)
                return token, f"{TOKEN_MARK}{prefix}_{secret}"
        except IntegrityError:
            if not ApiToken.objects.filter(prefix=prefix).exists():
                raise
    raise BusinessError("Le jeton n'a pas pu être créé, réessayez.")


def token_revoke(*, actor: User, token: ApiToken, ip: str | None = None) -> ApiToken:
    """Revoked at once; revoking twice changes nothing. Any administrator of the convention may revoke."""
    with transaction.atomic():
        current = ApiToken.objects.select_for_update().select_related("convention__caf").get(pk=token.pk)
        if not token_creator_may_act(User.objects.get(pk=actor.pk), current.convention):
            raise PermissionDenied
        if current.revoked_at is not None:
            return current
        current.revoked_at, current.revoked_by = now(), actor
        current.save(update_fields=["revoked_at", "revoked_by"])
        events.api_token_revoked(actor=actor, token=current, ip=ip)
    return current


def check(raw: str, *, scope: str) -> tuple[ApiToken | None, str]:
    """(token, "") when `raw` is a working token with `scope`; else (the token if recognised, reason)."""
    parts = _split(raw)
    if parts is None:
        return None, MALFORMED
    prefix, secret = parts
    token = ApiToken.objects.select_related("convention__caf", "created_by").filter(prefix=prefix).first()
    if token is None:
        _hash(secret)  # same work as a known prefix
        return None, UNKNOWN
    if not hmac.compare_digest(token.secret_hash, _hash(secret)):
        return None, BAD_SECRET
    if token.revoked_at is not None:
        return token, REVOKED
    if token.expires_at <= now():
        return token, EXPIRED
    if not token.has_scope(scope):
        return token, WRONG_SCOPE
    if not token_creator_may_act(token.created_by, token.convention):
        return token, CREATOR_NOT_ADMINISTRATOR
    moment = now()
    if token.last_used_at is None or token.last_used_at < moment - LAST_USED_STEP:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=moment)
        token.last_used_at = moment
    return token, ""


def refuse(*, reason: str, channel: str, token: ApiToken | None = None, convention=None, path: str = "",
           message: str = "", ip: str | None = None) -> None:
    """Journal a refused call (its own transaction: the refusal stays even though the call did nothing)."""
    with transaction.atomic():
        events.api_refused(reason=reason, channel=channel, token=token, convention=convention, path=path,
                           message=message, ip=ip)


def authenticate(raw: str, *, scope: str, ip: str | None = None, path: str = "") -> ApiToken | None:
    """The working token, or None (the refusal journaled, channel = `scope`)."""
    token, reason = check(raw, scope=scope)
    if reason:
        refuse(reason=reason, channel=scope, token=token, path=path, ip=ip)
        return None
    return token


def bearer(request) -> str | None:
    """The token of an `Authorization: Bearer …` header, or None when there is no such header."""
    header = request.META.get("HTTP_AUTHORIZATION", "")
    kind, _, value = header.partition(" ")
    if kind.lower() != "bearer":
        return None
    return value.strip()


class ApiTokenAuthentication(authentication.BaseAuthentication):
    """DRF: `Authorization: Bearer ppt_…`; request.user is the token's creator, request.auth the token."""

    scope = Scope.API.value
    keyword = "Bearer"

    def authenticate(self, request):
        raw = bearer(request)
        if raw is None:
            return None
        guard = AddressFailureThrottle()
        if guard.blocked(request):
            raise exceptions.Throttled(wait=guard.wait())
        token = authenticate(raw, scope=self.scope, ip=client_ip(request), path=request.path)
        if token is None:
            guard.record_failure()
            raise exceptions.AuthenticationFailed("Jeton absent, invalide, expiré ou révoqué.")
        return token.created_by, token

    def authenticate_header(self, request):
        return f'{self.keyword} realm="api"'
