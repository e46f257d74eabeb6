"""A user's e-mail changes only once the new address confirms it, and the old one is told (R7b).

The link carries the user and the new address, signed and timed (PASSWORD_RESET_TIMEOUT); it works
once and only for the latest pending request.
"""
from django.conf import settings
from django.core import signing
from django.db import transaction
from django.urls import reverse

from portail.core.errors import BusinessError
from portail.journal import events
from portail.outbox.services import mail_queue

from .models import User

SALT = "portail.accounts.email_change"
INVALID_LINK = "Ce lien de confirmation n'est plus valable : il a expiré, a déjà servi ou a été remplacé par une demande plus récente."


def email_change_link(user: User, new_email: str) -> str:
    token = signing.dumps({"u": user.pk, "e": new_email}, salt=SALT)
    return settings.PORTAL_BASE_URL.rstrip("/") + reverse("accounts:email_confirm", args=[token])


def _send(template: str, subject: str, to: str, context: dict) -> None:
    mail_queue(kind="email_change", to=to, subject=subject, template=template, context=context)


def _send_request_mails(user: User, old_email: str, new_email: str, actor: User) -> None:
    days = settings.PASSWORD_RESET_TIMEOUT // 86400
    context = {"user": user, "actor": actor, "old_email": old_email, "new_email": new_email, "days": days,
               "link": email_change_link(user, new_email)}
    _send("accounts/email/email_change_confirm.txt", "Portail Partenaires — confirmez votre nouvelle adresse mail",
          new_email, context)
    _send("accounts/email/email_change_notice.txt", "Portail Partenaires — changement de votre adresse mail demandé",
          old_email, context)


def email_change_request(*, actor: User, user: User, new_email: str, convention=None, ip: str | None = None) -> User:
    """Keep `new_email` as pending; mail a confirmation link to it and a notice to the current address."""
    new_email = new_email.strip().lower()
    with transaction.atomic():
        user.pending_email = new_email
        user.save(update_fields=["pending_email"])
        events.email_change_requested(actor=actor, user=user, new_email=new_email, convention=convention, ip=ip)
        old_email = user.email
        _send_request_mails(user, old_email, new_email, actor)  # queued in this transaction (portail/outbox)
    return user


def pending_change(token: str) -> tuple[User, str]:
    """The user and new address a link stands for, or BusinessError when it is no longer valid."""
    try:
        data = signing.loads(token, salt=SALT, max_age=settings.PASSWORD_RESET_TIMEOUT)
        user = User.objects.get(pk=int(data["u"]))
        new_email = str(data["e"])
    except (signing.BadSignature, User.DoesNotExist, KeyError, TypeError, ValueError):
        raise BusinessError(INVALID_LINK)
    if not new_email or user.pending_email != new_email:
        raise BusinessError(INVALID_LINK)
    return user, new_email


def email_change_confirm(*, token: str, ip: str | None = None) -> User:
    with transaction.atomic():
        user, new_email = pending_change(token)
        user = User.objects.select_for_update().get(pk=user.pk)
        if user.pending_email != new_email:  # confirmed or replaced meanwhile
            raise BusinessError(INVALID_LINK)
        old_email = user.email
        user.email, user.pending_email = new_email, ""
        user.save(update_fields=["email", "pending_email"])
        events.email_change_confirmed(user=user, old_email=old_email, ip=ip)
    return user
