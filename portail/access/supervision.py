"""« Supervision habilitations » and « Supervision modifier »: who supervises what.

- a partner administrator: his convention; a responsable: his group and everything below it (the
  convention's `Seat` decides, so the pages show exactly what the habilitation pages show him);
- an agent Caf: the conventions of his Caf; a national administrator: every Caf (one Caf or all);
- anyone else: nothing. A convention outside one's scope answers 404 (its existence must not leak).

A `SupervisionScope` is what one page covers: one convention, or (Caf side) every convention of the
supervised Cafs. Pages read its querysets and its journal filter; they never decide anything themselves.
"""
from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.http import Http404

from portail.accounts.models import User
from portail.conventions.models import Caf, Convention
from portail.habilitations.models import Group

from .caf import caf_filter, is_caf_side, require_caf
from .habilitations import conventions_visible_to, sees_a_convention
from .seat import Seat, _as_id


def supervised_conventions(actor) -> QuerySet[Convention]:
    """The conventions whose habilitations the actor supervises (the same as « Consulter les conventions »)."""
    return conventions_visible_to(actor)


def may_supervise(actor) -> bool:
    """The menu entries « Supervision habilitations » and « Supervision modifier »."""
    return sees_a_convention(actor)


def may_supervise_cafs(actor) -> bool:
    """The Caf-wide view: agents Caf and national administrators."""
    return is_caf_side(actor)


@dataclass(frozen=True)
class SupervisionScope:
    """One convention (`seat` set) or every convention of some Cafs (`cafs`: None means every Caf)."""

    actor: User
    seat: Seat | None = None
    cafs: tuple[int, ...] | None = None
    convention_search: str = ""  # Caf-wide: only conventions whose libellé contains it

    @property
    def convention(self) -> Convention | None:
        return self.seat.convention if self.seat else None

    @property
    def is_caf_wide(self) -> bool:
        return self.seat is None

    @property
    def whole_conventions(self) -> bool:
        """Every group of the covered conventions (administrator, Caf); False for a responsable's subtrees."""
        return self.seat is None or self.seat.reads_as_caf or self.seat.scope.whole

    def conventions(self) -> QuerySet[Convention]:
        if self.seat is not None:
            return Convention.objects.filter(pk=self.seat.convention.pk)
        queryset = Convention.objects.filter(caf_filter(self.actor, "caf"))
        if self.convention_search:
            queryset = queryset.filter(label__icontains=self.convention_search)
        return queryset.filter(caf_id__in=self.cafs) if self.cafs is not None else queryset

    def groups(self) -> QuerySet[Group]:
        if self.seat is not None:
            return self.seat.groups()
        return Group.objects.filter(convention__in=self.conventions())

    def users(self) -> QuerySet[User]:
        """The people the scope shows: as on « Liste des utilisateurs » (a Caf: its partners' staff)."""
        if self.seat is not None:
            return self.seat.users()
        return User.objects.filter(organisation_id__in=self.conventions().values("organisation_id"))

    def journal_filter(self) -> Q:
        """Journal entries of this scope, on the indexed columns (convention_id, then created_at/action).

        A responsable reads the events of his groups, and those about people he sees that name no group."""
        if self.seat is not None:
            q = Q(convention_id=self.seat.convention.pk)
            if not self.whole_conventions:
                q &= Q(group_id__in=self.groups().values("pk")) | Q(
                    group_id__isnull=True, target_user_id__in=self.users().values("pk"))
            return q
        ids = self.cafs if self.cafs is not None else None
        agent_cafs = None if self.actor.is_national_admin else {self.actor.caf_id}
        q = Q(convention_id__isnull=False)
        for allowed in (ids, agent_cafs):
            if allowed is not None:
                q &= Q(caf_id__in=allowed)
        if self.convention_search:
            q &= Q(convention_id__in=self.conventions().values("pk"))
        return q


def supervision_of_convention(actor, convention_id) -> SupervisionScope:
    """One convention: 404 when the actor supervises nothing there."""
    return SupervisionScope(actor=actor, seat=Seat.enter(actor, convention_id))


def supervision_of_cafs(actor, caf_id=None, convention_search: str = "") -> SupervisionScope:
    """Caf side: his Caf, or (national administrator) every Caf or the one chosen; 404 for anyone else."""
    if not may_supervise_cafs(actor):
        raise Http404
    if caf_id in (None, ""):
        return SupervisionScope(actor=actor, cafs=None, convention_search=convention_search)
    caf_id = _as_id(caf_id)
    require_caf(actor, caf_id)
    return SupervisionScope(actor=actor, cafs=(caf_id,), convention_search=convention_search)


def cafs_to_choose(actor) -> QuerySet[Caf]:
    """The Caf filter of the Caf-wide view: only a national administrator chooses (about a hundred Cafs)."""
    if not (is_caf_side(actor) and actor.is_national_admin):
        return Caf.objects.none()
    return Caf.objects.order_by("name")
