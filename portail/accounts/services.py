"""Writes on user accounts: creation with a one-time activation link, changes, closing (R4)."""
from datetime import date

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from portail.conventions.models import Organisation
from portail.core.clock import today
from portail.core.errors import BusinessError
from portail.journal.models import Action
from portail.journal.services import journal_append

from .identifiers import next_identifier
from .models import User


def activation_link(user: User, *, url_name: str = "accounts:activate") -> str:
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    return settings.PORTAL_BASE_URL.rstrip("/") + reverse(url_name, args=[uid, token])


def send_activation_email(user: User) -> None:
    """The link lets the user choose his password; no password ever travels by e-mail."""
    context = {"user": user, "link": activation_link(user), "days": settings.PASSWORD_RESET_TIMEOUT // 86400}
    send_mail(
        subject="Portail Partenaires — activez votre compte",
        message=render_to_string("accounts/email/activation.txt", context),
        from_email=None,
        recipient_list=[user.email],
    )


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
    _check_dates(opening_date, closing_date)
    with transaction.atomic():
        user = User(
            username=next_identifier(),
            organisation=organisation,
            last_name=last_name.strip(),
            first_name=first_name.strip(),
            email=email.strip().lower(),
            phone=phone.strip(),
            opening_date=opening_date,
            closing_date=closing_date,
            work_mode=work_mode,
        )
        user.set_unusable_password()
        user.save()
        journal_append(
            action=Action.USER_CREATED, actor=actor, ip=ip, convention=convention, target_user=user,
            caf=convention.caf_id if convention else None,
            details={"username": user.username, "organisation": organisation.pk},
        )
        # Sent once the account really exists, never for a rolled-back creation.
        transaction.on_commit(lambda: send_activation_email(user))
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
    _check_dates(opening_date, closing_date)
    values = {
        "last_name": last_name.strip(),
        "first_name": first_name.strip(),
        "email": email.strip().lower(),
        "phone": phone.strip(),
        "opening_date": opening_date,
        "closing_date": closing_date,
        "work_mode": work_mode,
    }
    changes = {k: str(v) if v is not None else None for k, v in values.items() if getattr(user, k) != v}
    if not changes:
        return user
    with transaction.atomic():
        for key, value in values.items():
            setattr(user, key, value)
        user.save()
        journal_append(
            action=Action.USER_UPDATED, actor=actor, ip=ip, convention=convention, target_user=user,
            caf=convention.caf_id if convention else None, details=changes,
        )
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
        journal_append(
            action=Action.USER_CLOSED, actor=actor, ip=ip, convention=convention, target_user=user,
            caf=convention.caf_id if convention else None, details={"username": user.username},
        )
    return user
