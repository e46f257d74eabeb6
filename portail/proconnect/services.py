"""Writes of the ProConnect app: link and unlink an identity (each with its journal entry)."""
from django.db import IntegrityError, transaction

from portail.accounts.models import User
from portail.core import clock
from portail.core.errors import BusinessError
from portail.journal import events

from .client import Identity
from .models import ProConnectLink

ALREADY_LINKED = ("Cette identité ProConnect est déjà liée à un autre compte du portail. Si c'est une erreur, "
                  "demandez à l'administrateur de votre convention de retirer ce lien.")
HAS_LINK = "Votre compte est déjà lié à une identité ProConnect : retirez d'abord ce lien."
NOT_OPEN = "Ce compte n'est pas ouvert : il ne peut pas être lié à une identité ProConnect."


def proconnect_link(*, actor: User, identity: Identity, ip: str | None = None) -> ProConnectLink:
    """Tie `identity` to the signed-in `actor`'s own account (he confirmed it); one identity per user and
    one user per identity."""
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=actor.pk)
        if not user.is_open:
            raise BusinessError(NOT_OPEN)
        if ProConnectLink.objects.filter(user=user).exists():
            raise BusinessError(HAS_LINK)
        taken = ProConnectLink.objects.filter(issuer=identity.issuer, subject=identity.subject).exists()
        if not taken:
            try:
                with transaction.atomic():
                    link = ProConnectLink.objects.create(user=user, issuer=identity.issuer,
                                                         subject=identity.subject, email=identity.email[:254])
            except IntegrityError:  # the same identity linked meanwhile by another request
                taken = True
            else:
                events.proconnect_linked(actor=actor, user=user, issuer=identity.issuer, email=identity.email,
                                         ip=ip)
    if taken:
        events.proconnect_refused(reason="already_linked", user=actor, subject=identity.subject,
                                  email=identity.email, ip=ip)
        raise BusinessError(ALREADY_LINKED)
    return link


def proconnect_unlink(*, actor: User, user: User, convention=None, ip: str | None = None) -> bool:
    """Remove `user`'s link (by himself, or by whoever may change him); False when there was none."""
    with transaction.atomic():
        User.objects.select_for_update().get(pk=user.pk)
        deleted, _ = ProConnectLink.objects.filter(user=user).delete()
        if deleted:
            events.proconnect_unlinked(actor=actor, user=user, convention=convention, ip=ip)
    return bool(deleted)


def proconnect_used(*, link: ProConnectLink) -> None:
    ProConnectLink.objects.filter(pk=link.pk).update(last_used_at=clock.now())
