"""Second factor: a TOTP authenticator app (django-otp) and single-use recovery codes.

Who must use one is decided in `portail.access.second_factor.requires_second_factor`; whoever has
enrolled a device is asked for a code too. The writes here lock the user's row, so two requests
carrying the same code are serialised and the second one is refused as a replay (the TOTP device
keeps the last time step it accepted, a recovery code is deleted when used).
"""
import base64
import io
from base64 import b32encode

import segno
from django.contrib import messages
from django.contrib.auth import logout
from django.db import transaction
from django.shortcuts import redirect
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from portail.access.second_factor import requires_second_factor
from portail.core import clock
from portail.core.errors import BusinessError
from portail.journal import events

from .models import User

TOTP_NAME = "Application d'authentification"
RECOVERY_NAME = "Codes de secours"
RECOVERY_COUNT = 10

WRONG_CODE = "Code incorrect ou déjà utilisé. Saisissez le code affiché en ce moment par votre application."
WRONG_RECOVERY = "Code de secours incorrect ou déjà utilisé."
THROTTLED = "Trop d'essais rapprochés : patientez quelques secondes avant de saisir un nouveau code."


def has_second_factor(user) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def must_use_code(user) -> bool:
    """After the password: a code is asked of whoever must use one, and of whoever enrolled one."""
    return has_second_factor(user) or requires_second_factor(user)


# ---------------------------------------------------------------- enrolment


def enrolment_device(user) -> TOTPDevice:
    """The device being enrolled: kept between page loads, so the QR code stays the same until confirmed."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    return device or TOTPDevice.objects.create(user=user, name=TOTP_NAME, confirmed=False)


def secret_text(device: TOTPDevice) -> str:
    """The secret as people type it in an app: base32, in groups of four."""
    raw = b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(raw[i:i + 4] for i in range(0, len(raw), 4))


def qr_code_data_uri(device: TOTPDevice) -> str:
    """The otpauth:// address as an SVG QR code, drawn here (no third-party service sees the secret)."""
    out = io.BytesIO()
    segno.make(device.config_url, error="m").save(out, kind="svg", scale=5, border=2, dark="#161616",
                                                   light="#ffffff", xmldecl=False)
    return "data:image/svg+xml;base64," + base64.b64encode(out.getvalue()).decode()


def _normalised(code: str) -> str:
    return "".join((code or "").split()).lower()


def _lock(user) -> User:
    return User.objects.select_for_update().get(pk=user.pk)


def second_factor_enrol(*, user, code: str, ip: str | None = None) -> list[str]:
    """Confirm the device being enrolled with its first code; return the new recovery codes (shown once)."""
    code = _normalised(code)
    with transaction.atomic():
        _lock(user)
        device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
        if device is None:
            raise BusinessError("L'enregistrement a expiré : rechargez la page pour recommencer.")
        allowed, _ = device.verify_is_allowed()
        ok = allowed and device.verify_token(code)
        if ok:
            TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            codes = _new_recovery_codes(user)
            events.second_factor_enrolled(user=user, ip=ip)
        elif allowed:
            events.second_factor_failed(user=user, step="enrolment", ip=ip)
    if not ok:
        raise BusinessError(WRONG_CODE if allowed else THROTTLED, field="code")
    return codes


def _new_recovery_codes(user) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=RECOVERY_NAME, confirmed=True)
    codes = [StaticToken.random_token() for _ in range(RECOVERY_COUNT)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=c) for c in codes])
    return codes


# ---------------------------------------------------------------- sign-in and re-authentication


def second_factor_verify(*, user, code: str, step: str, ip: str | None = None) -> str:
    """Check a code typed at sign-in or re-authentication: « totp », or « recovery » (then used up).

    Six digits are tried as a TOTP code, anything else as a recovery code. A refusal is journaled and
    raises BusinessError (the caller counts it as a failed sign-in for the lockout)."""
    code = _normalised(code)
    is_totp = code.isdigit() and len(code) == 6
    with transaction.atomic():
        _lock(user)
        model = TOTPDevice if is_totp else StaticDevice
        device = model.objects.filter(user=user, confirmed=True).order_by("pk").first()
        allowed = device is not None and device.verify_is_allowed()[0]
        ok = allowed and device.verify_token(code)
        if ok and not is_totp:
            events.recovery_code_used(user=user, remaining=device.token_set.count(), ip=ip)
        elif not ok and (allowed or device is None):
            events.second_factor_failed(user=user, step=step, ip=ip)
    if not ok:
        if device is not None and not allowed:
            raise BusinessError(THROTTLED, field="code")
        raise BusinessError(WRONG_CODE if is_totp else WRONG_RECOVERY, field="code")
    return "totp" if is_totp else "recovery"


def recovery_codes_left(user) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


# ---------------------------------------------------------------- reset


def second_factor_reset(*, actor, user, convention=None, ip: str | None = None) -> None:
    """Remove the person's app and recovery codes: he enrols again at his next sign-in (journaled)."""
    with transaction.atomic():
        _lock(user)
        TOTPDevice.objects.filter(user=user).delete()
        StaticDevice.objects.filter(user=user).delete()
        events.second_factor_reset(actor=actor, user=user, convention=convention, ip=ip)


# ---------------------------------------------------------------- sessions

# What a signed-in session holds about its second factor (set by signin.complete_sign_in):
STATE_KEY = "portail_second_factor"
VERIFIED = "verified"  # a code was typed at sign-in
NOT_REQUIRED = "none"  # none was needed; checked again every RECHECK_SECONDS
CHECKED_AT_KEY = "portail_second_factor_checked_at"
RECHECK_SECONDS = 5 * 60


class SecondFactorMiddleware:
    """A session opened without a code, whose owner has since become someone who needs one (named
    administrator or responsable, his Caf now asks for it), ends: he signs in again with a code.
    Verified sessions cost nothing; others are checked at most every RECHECK_SECONDS."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "_auth_user_id" in request.session and request.session.get(STATE_KEY) != VERIFIED:
            response = self._check(request)
            if response is not None:
                return response
        return self.get_response(request)

    def _check(self, request):
        stamp = clock.now().timestamp()
        checked = request.session.get(CHECKED_AT_KEY) or 0
        if request.session.get(STATE_KEY) == NOT_REQUIRED and 0 <= stamp - checked < RECHECK_SECONDS:
            return None
        user = request.user
        if not user.is_authenticated:
            return None
        if must_use_code(user):
            logout(request)
            messages.info(request, "Votre compte demande désormais un second facteur (code de vérification) : "
                                   "reconnectez-vous pour l'utiliser.")
            return redirect("accounts:login")
        request.session[STATE_KEY] = NOT_REQUIRED
        request.session[CHECKED_AT_KEY] = stamp
        return None
