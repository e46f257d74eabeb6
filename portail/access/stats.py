"""« Statistiques d'usage »: whose usage counters an actor may read.

- partner administrator: his convention; responsable: the counters of the groups of his subtree;
- agent Caf: his Caf (and any convention of it); national administrator: every Caf, or one.

The answer is a `UsageScope`, a filter on `supervision.UsageTotal` the pages apply as is.
"""
from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.http import Http404

from portail.conventions.models import Convention
from portail.supervision.models import usage

from .caf import is_caf_side, require_caf, supervised_caf_ids
from .habilitations import conventions_visible_to, sees_a_convention
from .seat import Seat, _as_id


@dataclass(frozen=True)
class UsageScope:
    """`caf_ids` None: every Caf. `group_ids`: a queryset of group ids (responsable), None: no group limit."""

    caf_ids: frozenset | None = None
    convention: Convention | None = None
    group_ids: QuerySet | None = None
    whole_convention: bool = True

    @property
    def entry_flag(self) -> int:
        """The counters that stand for whole entries: Caf-wide, once each; in a convention, once per convention."""
        return usage.CONVENTION if self.convention is not None else usage.ENTRY

    @property
    def role_flag(self) -> int:
        return usage.CONVENTION_ROLE if self.convention is not None else usage.ROLE

    def counter_filter(self) -> Q:
        if self.convention is None:
            return Q() if self.caf_ids is None else Q(caf_id__in=self.caf_ids)
        conv = self.convention
        q = Q(convention_id=conv.pk)
        if self.group_ids is not None:
            return q & Q(group_id__in=self.group_ids)
        # Attempts refused before any grant was found: the organisation's staff at the convention's Caf.
        return q | Q(convention_id=0, organisation_id=conv.organisation_id, caf_id=conv.caf_id)


def may_see_usage(actor) -> bool:
    """The menu entry: the Caf side, or a partner who administers or supervises a convention."""
    return is_caf_side(actor) or sees_a_convention(actor)


def usage_conventions(actor) -> QuerySet[Convention]:
    return conventions_visible_to(actor)


def usage_scope_for_convention(actor, convention_id) -> UsageScope:
    """404 when the convention is outside his scope; a responsable reads his subtree only."""
    seat = Seat.enter(actor, convention_id)
    if seat.reads_as_caf or seat.scope.whole:
        return UsageScope(convention=seat.convention)
    return UsageScope(convention=seat.convention, group_ids=seat.groups().values("pk"), whole_convention=False)


def usage_scope_for_cafs(actor, caf_id=None) -> UsageScope:
    """The Caf side's page: his Caf; a national administrator every Caf, or `caf_id`. 404 for anyone else."""
    if not is_caf_side(actor):
        raise Http404
    if caf_id not in (None, ""):
        caf_id = _as_id(caf_id)
        require_caf(actor, caf_id)
        return UsageScope(caf_ids=frozenset({caf_id}))
    ids = supervised_caf_ids(actor)
    return UsageScope(caf_ids=None if ids is None else frozenset(ids))
