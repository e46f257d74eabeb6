"""The Caf's validation queue, immediate measures and journal: who may act, on which objects.

An agent acts on his own Caf's objects, a national administrator on every Caf's (`caf.py`); another
Caf's object answers 404 (it does not exist for him). Partners and anonymous people have none of it.
"""
from django.db.models import Exists, OuterRef, QuerySet
from django.http import Http404

from portail.accounts.models import User
from portail.conventions.models import Convention
from portail.habilitations.models import Group, GroupRole
from portail.journal.models import JournalEntry

from .caf import caf_filter, is_caf_side, supervised_caf_ids


def _as_id(raw) -> int:
    try:
        return int(raw)
    except (TypeError, ValueError):
        raise Http404


def may_take_measures(user) -> bool:
    """« Validation des rôles », « Mesures », « Journal »: an open Caf agent or national administrator."""
    return is_caf_side(user)


def may_verify_journal(user) -> bool:
    """Running the chain's verification from the page: the national administrator only (it reads every Caf)."""
    return is_caf_side(user) and bool(user.is_national_admin)


def management_taken_back(convention: Convention) -> bool:
    """The Caf took back the convention's habilitation management: its partner changes nothing meanwhile."""
    return convention.management_taken_back_at is not None


# ---------------------------------------------------------------- validation of roles


def group_roles_supervised_by(user) -> QuerySet[GroupRole]:
    """Every state: a decision already taken is shown as such, not as a 404."""
    if not is_caf_side(user):
        return GroupRole.objects.none()
    return GroupRole.objects.filter(caf_filter(user, "group__convention__caf"))


def pending_roles_visible_to(user) -> QuerySet[GroupRole]:
    return group_roles_supervised_by(user).filter(state=GroupRole.State.PENDING)


def access_group_role(user, grant_id) -> GroupRole:
    try:
        return group_roles_supervised_by(user).select_related(
            "group", "group__convention", "group__convention__caf", "group__convention__organisation", "role",
            "role__service", "granted_by", "decided_by",
        ).get(pk=_as_id(grant_id))
    except GroupRole.DoesNotExist:
        raise Http404


# ---------------------------------------------------------------- measures


def users_under_measures_of(user) -> QuerySet[User]:
    """Partner staff of an organisation that holds a convention with a Caf he supervises (never himself)."""
    if not is_caf_side(user):
        return User.objects.none()
    conventions = Convention.objects.filter(caf_filter(user, "caf"), organisation_id=OuterRef("organisation_id"))
    return User.objects.filter(organisation__isnull=False).filter(Exists(conventions)).exclude(pk=user.pk)


def access_measure_user(user, user_id) -> User:
    try:
        return users_under_measures_of(user).select_related("organisation").get(pk=_as_id(user_id))
    except User.DoesNotExist:
        raise Http404


def groups_under_measures_of(user) -> QuerySet[Group]:
    if not is_caf_side(user):
        return Group.objects.none()
    return Group.objects.filter(caf_filter(user, "convention__caf"))


def access_measure_group(user, group_id) -> Group:
    try:
        return groups_under_measures_of(user).select_related(
            "convention", "convention__caf", "convention__organisation", "parent").get(pk=_as_id(group_id))
    except Group.DoesNotExist:
        raise Http404


def conventions_under_measures_of(user) -> QuerySet[Convention]:
    if not is_caf_side(user):
        return Convention.objects.none()
    return Convention.objects.filter(caf_filter(user, "caf"))


def access_measure_convention(user, convention_id) -> Convention:
    try:
        return conventions_under_measures_of(user).select_related(
            "caf", "organisation", "management_taken_back_by").get(pk=_as_id(convention_id))
    except Convention.DoesNotExist:
        raise Http404


# ---------------------------------------------------------------- the journal


def journal_entries_visible_to(user) -> QuerySet[JournalEntry]:
    """An agent reads his Caf's entries (caf_id); the national administrator every entry."""
    if not is_caf_side(user):
        return JournalEntry.objects.none()
    ids = supervised_caf_ids(user)
    return JournalEntry.objects.all() if ids is None else JournalEntry.objects.filter(caf_id__in=ids)


def access_journal_entry(user, entry_id) -> JournalEntry:
    try:
        return journal_entries_visible_to(user).get(pk=_as_id(entry_id))
    except JournalEntry.DoesNotExist:
        raise Http404
