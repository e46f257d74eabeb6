"""Who manages what in one convention: all of it (administrator, R6) or some subtrees (responsable, R7).

The rule of people and groups (R7b), decided by `Seat` (seat.py) and nowhere else:

- Seeing. An administrator sees his convention's groups and the organisation's whole staff (he may
  put any of them in his groups); a responsable sees his subtree, its members and the staff placed
  in no group. A Caf agent of the convention's Caf reads all of it. Anything else answers 404.
- Adding or removing a membership (`Do.ENROL`): on groups in one's scope, for any person one sees.
- Changing a person (`Do.MANAGE` on a user: name, e-mail, phone, dates, status, closing, unlock):
  only when every right that person holds comes from one's scope. For an administrator, all the
  person's memberships are in this convention's groups and the person is responsable of no group
  elsewhere; for a responsable, all of them are in his subtree and the person is responsable of no
  group outside it, at or above his own. Never an administrator of any convention (the Caf names and
  changes them), never oneself.
- Groups. `Do.MANAGE`: label, members, sub-groups, for any group in one's scope. `Do.ADMINISTER`:
  dates, status, closing, roles and responsable, decided from above the group, so a responsable
  never widens the group he is responsable of; his administrator or a parent responsable does.
"""
from dataclasses import dataclass
from enum import Enum

from django.db.models import Q

from portail.conventions.models import Convention
from portail.core.clock import today
from portail.habilitations.models import Group

from .caf import supervises_caf


class Do(str, Enum):
    VIEW = "view"  # read lists and detail pages
    MANAGE = "manage"  # a group: label, members, sub-groups; a person: change him (every right he holds is ours)
    ADMINISTER = "administer"  # a group: dates, status, close, roles, responsable: decided from above it
    ENROL = "enrol"  # a person: put him in, or take him out of, groups of one's scope
    UNLOCK = "unlock"  # a person: lift his sign-in lockout (as MANAGE, and any agent of the convention's Caf)
    RESET_2FA = "reset_2fa"  # a person: remove his second factor so he enrols again (as UNLOCK)


@dataclass(frozen=True)
class Scope:
    """What an actor manages in one convention: all of it, or some subtrees."""

    convention_id: int
    whole: bool
    paths: tuple[str, ...] = ()
    # R1: a suspended, closed or expired convention is kept for reading; nobody changes it.
    writable: bool = True

    def covers(self, group: Group) -> bool:
        return self.whole or any(group.path.startswith(p) for p in self.paths)

    def covers_strictly(self, group: Group) -> bool:
        """Below the actor's own groups: he may close them or name their responsable."""
        return self.whole or any(group.path.startswith(p) and group.path != p for p in self.paths)

    def group_filter(self) -> Q:
        if self.whole:
            return Q(convention_id=self.convention_id)
        q = Q(pk__in=[])
        for p in self.paths:
            q |= Q(path__startswith=p)
        return Q(convention_id=self.convention_id) & q


def is_partner_actor(actor) -> bool:
    return actor.is_authenticated and actor.organisation_id is not None and actor.is_open


def management_scope(actor, convention: Convention) -> Scope | None:
    """None when the actor manages nothing in that convention."""
    if not is_partner_actor(actor) or actor.organisation_id != convention.organisation_id:
        return None
    # Not yet open is still writable: the partner prepares its groups before the opening date.
    # Nor while the Caf has taken back the convention's habilitation management (a measure).
    writable = convention.status == Convention.Status.OPEN and (
        convention.closing_date is None or convention.closing_date >= today()
    ) and convention.management_taken_back_at is None
    if convention.administrators.filter(pk=actor.pk).exists():
        return Scope(convention.pk, whole=True, writable=writable)
    paths = tuple(
        Group.objects.filter(convention=convention, responsable=actor).values_list("path", flat=True)
    )
    # Drop paths already covered by a shorter one.
    kept = tuple(p for p in paths if not any(p != q and p.startswith(q) for q in paths))
    return Scope(convention.pk, whole=False, paths=kept, writable=writable) if kept else None


def reads_as_caf(actor, convention: Convention) -> bool:
    """An agent of the convention's Caf, or a national administrator: reads, never manages as a partner."""
    return supervises_caf(actor, convention.caf_id)
