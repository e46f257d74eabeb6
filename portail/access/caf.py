"""The Caf side: which Cafs a person supervises (his own as an agent, every one as a national administrator).

Every Caf back-office page and every Caf-wide supervision list asks here: lists filter with
`caf_filter`, single objects of another Caf answer 404 through `require_caf`.
"""
from django.db.models import Q
from django.http import Http404

from portail.conventions.models import Caf


def is_caf_side(user) -> bool:
    """An open Caf agent or national administrator."""
    return bool(
        user.is_authenticated and user.is_open and (user.caf_id is not None or getattr(user, "is_national_admin", False))
    )


def supervised_caf_ids(user) -> set[int] | None:
    """The Cafs he supervises: None means every Caf (national administrator); empty set: none."""
    if not is_caf_side(user):
        return set()
    if user.is_national_admin:
        return None
    return {user.caf_id}


def supervises_caf(user, caf_id: int | None) -> bool:
    ids = supervised_caf_ids(user)
    return caf_id is not None and (ids is None or caf_id in ids)


def caf_filter(user, field: str = "caf") -> Q:
    """A queryset filter on `field` (a Caf foreign key path) restricted to the Cafs he supervises."""
    ids = supervised_caf_ids(user)
    if ids is None:
        return Q()
    return Q(**{f"{field}__in": ids}) if ids else Q(pk__in=[])


def supervised_cafs(user):
    return Caf.objects.filter(caf_filter(user, "pk")).order_by("name")


def require_caf(user, caf_id) -> None:
    """404 when the object's Caf is not his: another Caf's objects do not exist for him."""
    if not supervises_caf(user, caf_id):
        raise Http404
