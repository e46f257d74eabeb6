"""The Caf side: which Cafs a person supervises (his own as an agent, every one as a national administrator).

Every Caf back-office page and every Caf-wide supervision list asks here: lists filter with
`caf_filter`, single objects of another Caf answer 404 through `require_caf`.
"""
from django.db.models import Q
from django.http import Http404

from portail.conventions.models import Caf, Convention, Organisation


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


# ---------------------------------------------------------------- Caf back office (organisations, conventions, roles)


def organisations_visible_to(user):
    """Partner organisations a Caf-side person sees: those with a convention of a Caf he supervises, or
    registered by one (an organisation may sign with several Cafs; another Caf's partners do not exist for him)."""
    if not is_caf_side(user):
        return Organisation.objects.none()
    ids = supervised_caf_ids(user)
    if ids is None:
        return Organisation.objects.all()
    return Organisation.objects.filter(
        Q(registered_by_id__in=ids) | Q(pk__in=Convention.objects.filter(caf_id__in=ids).values("organisation_id"))
    )


def access_organisation(user, organisation_id):
    """An organisation he sees, or 404."""
    organisation = organisations_visible_to(user).filter(pk=organisation_id).first()
    if organisation is None:
        raise Http404
    return organisation


def caf_conventions(user):
    """Conventions of the Cafs he supervises (the back office's list)."""
    if not is_caf_side(user):
        return Convention.objects.none()
    return Convention.objects.filter(caf_filter(user, "caf"))


def access_caf_convention(user, convention_id):
    """A convention of a Caf he supervises, or 404 (another Caf's convention does not exist for him)."""
    convention = caf_conventions(user).select_related("caf", "organisation").filter(pk=convention_id).first()
    if convention is None:
        raise Http404
    return convention


def may_read_role_catalogue(user) -> bool:
    return is_caf_side(user)


def may_edit_role_catalogue(user) -> bool:
    """The catalogue is national data: national administrators change it, Caf agents read it."""
    return is_caf_side(user) and bool(user.is_national_admin)


# ---------------------------------------------------------------- the Caf's own settings (address, signatory, 2FA)


def may_edit_caf_settings(user) -> bool:
    """« Paramètres de la Caf »: an agent changes his own Caf's, a national administrator any Caf's."""
    return is_caf_side(user)


def access_caf_settings(user, caf_id) -> Caf:
    """The Caf whose settings he may change, or 404 (another Caf's settings do not exist for him)."""
    require_caf(user, caf_id)
    caf = Caf.objects.filter(pk=caf_id).first()
    if caf is None:
        raise Http404
    return caf
