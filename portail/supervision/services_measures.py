"""The Caf's immediate measures on people and on a convention's management. Each one has a reason, is
journaled and is reversible. (Group measures and role decisions lock the group chain: habilitations/services.py;
a convention's status: conventions/services.py `convention_set_status`.)"""
from django.core.exceptions import PermissionDenied
from django.db import transaction

from portail.access import supervises_caf
from portail.access.measures import users_under_measures_of
from portail.accounts.models import User
from portail.accounts.sessions import end_sessions
from portail.conventions.models import Convention
from portail.core.clock import now
from portail.core.errors import BusinessError
from portail.core.text import clean_text
from portail.habilitations.models import Group
from portail.journal import events
from portail.journal.models import Action

REASON_MAX = 1000


def _reason(reason: str) -> str:
    return clean_text(reason, field="reason", max_length=REASON_MAX)


def _lock_person(actor: User, user: User) -> User:
    """The person locked and read again; the actor must still supervise him (an open Caf-side person)."""
    actor = User.objects.get(pk=actor.pk)
    if not users_under_measures_of(actor).filter(pk=user.pk).exists():
        raise PermissionDenied
    return User.objects.select_for_update(no_key=True).get(pk=user.pk)


USER_MOVES = {
    # move: (required status, new status, journal action, refusal)
    "suspend": (User.Status.OPEN, User.Status.SUSPENDED, Action.USER_SUSPENDED,
                "Ce compte n'est pas ouvert : il ne peut pas être suspendu"),
    "reinstate": (User.Status.SUSPENDED, User.Status.OPEN, Action.USER_REINSTATED,
                  "Ce compte n'est pas suspendu : il n'y a rien à rétablir"),
}


def user_set_suspension(*, actor: User, user: User, move: str, reason: str, ip: str | None = None) -> User:
    """Suspend: the person's very next request is refused (he is no longer open) and his sessions end.
    Reinstate: he may sign in again (his former sessions stay ended)."""
    reason = _reason(reason)
    required, new_status, action, refusal = USER_MOVES[move]
    with transaction.atomic():
        person = _lock_person(actor, user)
        if person.status != required:
            raise BusinessError(f"{refusal} ; rien n'a été modifié.")
        person.status = new_status
        person.save(update_fields=["status"])
        if move == "suspend":
            end_sessions(person)
        events.user_measure(actor=actor, user=person, action=action, reason=reason, caf=actor.caf_id, ip=ip)
    return person


def user_set_password_change(*, actor: User, user: User, required: bool, reason: str,
                             ip: str | None = None) -> User:
    """Require a new password before anything else (his sessions end now), or cancel that demand."""
    reason = _reason(reason)
    with transaction.atomic():
        person = _lock_person(actor, user)
        if person.must_change_password == required:
            raise BusinessError("Un changement de mot de passe est déjà exigé pour ce compte ; rien n'a été modifié."
                                if required else
                                "Aucun changement de mot de passe n'est exigé pour ce compte ; rien n'a été modifié.")
        person.must_change_password = required
        person.save(update_fields=["must_change_password"])
        if required:
            end_sessions(person)
        events.user_measure(actor=actor, user=person,
                            action=Action.PASSWORD_CHANGE_REQUIRED if required else Action.PASSWORD_CHANGE_CANCELLED,
                            reason=reason, caf=actor.caf_id, ip=ip)
    return person


def convention_set_management(*, actor: User, convention: Convention, take_back: bool, reason: str,
                              ip: str | None = None) -> Convention:
    """Take back the convention's habilitation management (its administrators and responsables change
    nothing until it is given back), or give it back.

    The convention and every group of it are locked: a partner's write in progress (each locks the chain
    of the group it touches) ends first, and any later one sees the measure when it checks its scope."""
    reason = _reason(reason)
    with transaction.atomic():
        current = Convention.objects.select_for_update(no_key=True).get(pk=convention.pk)
        if not supervises_caf(User.objects.get(pk=actor.pk), current.caf_id):
            raise PermissionDenied
        list(Group.objects.select_for_update(no_key=True).filter(convention_id=current.pk).order_by("level", "pk")
             .values_list("pk", flat=True))
        if (current.management_taken_back_at is not None) == take_back:
            raise BusinessError("La Caf a déjà repris la gestion des habilitations de cette convention ; rien n'a été "
                                "modifié." if take_back else
                                "La gestion des habilitations de cette convention est déjà entre les mains du "
                                "partenaire ; rien n'a été modifié.")
        if take_back:
            current.management_taken_back_at, current.management_taken_back_by = now(), actor
            current.management_taken_back_reason = reason
        else:
            current.management_taken_back_at, current.management_taken_back_by = None, None
            current.management_taken_back_reason = ""
        current.save(update_fields=["management_taken_back_at", "management_taken_back_by",
                                    "management_taken_back_reason"])
        events.management_measure(actor=actor, convention=current, reason=reason, ip=ip,
                                  action=Action.MANAGEMENT_TAKEN_BACK if take_back else Action.MANAGEMENT_GIVEN_BACK)
    return current
