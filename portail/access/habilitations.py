"""Conventions, groups and users a person may see or change (R6, R7, R7b): 404 outside scope, 403 when visible only.

Pages under /conventions/<id>/ ask the request's `Seat` (seat.py), computed once. The functions
below are the same decisions for one call outside those pages (tests, benchmarks, other apps):
each builds a seat, so they answer exactly what the pages answer.
"""
from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet

from portail.accounts.models import User
from portail.conventions.models import Convention
from portail.habilitations.models import Group

from . import rights_cache
from .rights import cached_partner_facts
from .scope import Do
from .caf import caf_filter, is_caf_side
from .seat import Seat


def conventions_visible_to(actor) -> QuerySet[Convention]:
    """« Consulter les conventions »: those the actor administers, holds a responsable role in, or (Caf agent) supervises."""
    if not actor.is_authenticated or not actor.is_open:
        return Convention.objects.none()
    if is_caf_side(actor):
        return Convention.objects.filter(caf_filter(actor, "caf"))
    if actor.organisation_id is None:
        return Convention.objects.none()
    # Two indexed id lists (his administrator seats, the groups he leads), not a join on the administrators
    # table OR'ed with a correlated EXISTS, which scans that table.
    administered = Convention.administrators.through.objects.filter(user_id=actor.pk).values("convention_id")
    led = Group.objects.filter(responsable_id=actor.pk).values("convention_id")
    return Convention.objects.filter(organisation_id=actor.organisation_id).filter(
        Q(pk__in=administered) | Q(pk__in=led)
    )


def sees_a_convention(actor) -> bool:
    """He sees at least one convention (the menus « Consulter les conventions », supervision, documents,
    usage): one query, asked once per request."""
    if not actor.is_authenticated:
        return False
    if actor.organisation_id is not None:
        facts = cached_partner_facts(actor)  # kept with his rights in the shared cache
        return facts is not None and facts.sees_a_convention
    return rights_cache.request_memo(("sees_a_convention", actor.pk),
                                     lambda: conventions_visible_to(actor).exists())


def groups_visible_to(actor, convention: Convention) -> QuerySet[Group]:
    return Seat(actor, convention).groups()


def users_visible_to(actor, convention: Convention) -> QuerySet[User]:
    return Seat(actor, convention).users()


def access_convention(actor, convention_id, action: Do = Do.VIEW) -> Convention:
    seat = Seat.enter(actor, convention_id)
    allowed = {
        Do.VIEW: True,
        Do.MANAGE: seat.can_manage,
        Do.ADMINISTER: seat.may_create_top_group,  # the whole convention
    }.get(action, False)
    if not allowed:
        raise PermissionDenied
    return seat.convention


def access_group(actor, convention: Convention, group_id, action: Do = Do.VIEW) -> Group:
    return Seat(actor, convention).group(group_id, action)


def access_user(actor, convention: Convention, user_id, action: Do = Do.VIEW) -> User:
    return Seat(actor, convention).user(user_id, action)


def access_user_lockout(actor, convention: Convention, user_id) -> User:
    """« Débloquer le compte »: an agent of the convention's Caf, or whoever may change the person (R7b)."""
    return Seat(actor, convention).user(user_id, Do.UNLOCK)
