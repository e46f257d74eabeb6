"""Writes on user accounts: creation with a one-time activation link, changes, closing (R4)."""
from datetime import date

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from portail.conventions.models import Organisation
from portail.core.clock import today
from portail.core.errors import BusinessError
from portail.core.text import clean_text
from portail.journal import events
from portail.outbox.services import mail_queue

from .email_change import email_change_request
from .identifiers import next_identifier
from .lockout import clear_lockout
from .models import User


def activation_link(user: User, *, url_name: str = "accounts:activate") -> str:
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    return settings.PORTAL_BASE_URL.rstrip("/") + reverse(url_name, args=[uid, token])


def send_activation_email(user: User) -> None:
    """The link lets the user choose his password; no password ever travels by e-mail."""
    context = {"user": user, "link": activation_link(user), "days": settings.PASSWORD_RESET_TIMEOUT // 86400}
    mail_queue(kind="activation", to=user.email, subject="Portail Partenaires — activez votre compte",
               template="accounts/email/activation.txt", context=context)


def send_password_reset_email(user: User) -> None:
    """« Mot de passe oublié »: a one-time link to choose a new password, to the account's address."""
    context = {"user": user, "link": activation_link(user, url_name="accounts:password_reset_confirm")}
    mail_queue(kind="password_reset", to=user.email, subject="Portail Partenaires — nouveau mot de passe",
               template="accounts/email/password_reset.txt", context=context)


def password_reset_completed(*, user: User, ip: str | None = None) -> None:
    """The link proved the mailbox is the user's: his sign-in lockout ends with the new password."""
    with transaction.atomic():
        clear_lockout(user.username)
        events.password_reset(user=user, ip=ip)


def account_unlock(*, actor: User, user: User, convention=None, ip: str | None = None) -> None:
    """Lift a sign-in lockout (administrator of the user's convention, or an agent of its Caf)."""
    with transaction.atomic():
        clear_lockout(user.username)
        events.account_unlocked(actor=actor, user=user, convention=convention, ip=ip)


def _identity(last_name: str, first_name: str, email: str, phone: str) -> dict:
    """The person's free texts, checked as the form does (a service may be called without it)."""
    email = clean_text(email, field="email", max_length=254).lower()
    try:
        validate_email(email)
    except ValidationError:
        raise BusinessError("Saisissez une adresse mail valide.", field="email")
    return {
        "last_name": clean_text(last_name, field="last_name", max_length=100),
        "first_name": clean_text(first_name, field="first_name", max_length=150),
        "email": email,
        "phone": clean_text(phone, field="phone", max_length=20, required=False),
    }


def _check_dates(opening: date, closing: date | None) -> None:
    if closing is not None and closing < opening:
        raise BusinessError("La date de clôture ne peut pas précéder la date d'ouverture.", field="closing_date")


def user_create(
    *,
    actor: User,
    organisation: Organisation,
    last_name: str,
    first_name: str,
    email: str,
    phone: str = "",
    opening_date: date | None = None,
    closing_date: date | None = None,
    work_mode: str = User.WorkMode.SEDENTARY,
    convention=None,
    ip: str | None = None,
) -> User:
    opening_date = opening_date or today()
    identity = _identity(last_name, first_name, email, phone)
    _check_dates(opening_date, closing_date)
    with transaction.atomic():
        user = User(
            username=next_identifier(),
            organisation=organisation,
            **identity,
            opening_date=opening_date,
            closing_date=closing_date,
            work_mode=work_mode,
        )
        user.set_unusable_password()
        user.save()
        events.user_created(actor=actor, user=user, convention=convention, ip=ip)
        # Queued with the account: a rolled-back creation sends nothing (portail/outbox).
        send_activation_email(user)
    return user


def user_update(
    *,
    actor: User,
    user: User,
    last_name: str,
    first_name: str,
    email: str,
    phone: str,
    opening_date: date,
    closing_date: date | None,
    work_mode: str,
    convention=None,
    ip: str | None = None,
) -> User:
    identity = _identity(last_name, first_name, email, phone)
    _check_dates(opening_date, closing_date)
    # The e-mail is not in here: a new address waits for its owner's confirmation (R7b).
    new_email = identity.pop("email")
    values = {
        **identity,
        "opening_date": opening_date,
        "closing_date": closing_date,
        "work_mode": work_mode,
    }
    changes = {k: str(v) if v is not None else None for k, v in values.items() if getattr(user, k) != v}
    email_requested = new_email not in (user.email, user.pending_email)
    if not changes and not email_requested:
        return user
    with transaction.atomic():
        if changes:
            for key, value in values.items():
                setattr(user, key, value)
            user.save(update_fields=list(values))
            events.user_updated(actor=actor, user=user, changes=changes, convention=convention, ip=ip)
        if email_requested:
            email_change_request(actor=actor, user=user, new_email=new_email, convention=convention, ip=ip)
    return user


def user_close(*, actor: User, user: User, convention=None, ip: str | None = None) -> User:
    """Closed, never deleted: the journal and memberships keep their history (R4)."""
    if user.pk == actor.pk:
        raise BusinessError("Vous ne pouvez pas clôturer votre propre compte.")
    with transaction.atomic():
        user.status = User.Status.CLOSED
        if user.closing_date is None or user.closing_date > today():
            user.closing_date = max(today(), user.opening_date)
        user.save(update_fields=["status", "closing_date"])
        events.user_closed(actor=actor, user=user, convention=convention, ip=ip)
    return user
