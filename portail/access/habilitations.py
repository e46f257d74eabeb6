"""Conventions, groups and users a person may see or change (R6, R7): 404 outside scope, 403 when visible only."""
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404

from portail.accounts.models import User
from portail.conventions.models import Convention
from portail.habilitations.models import Group, Membership

from .scope import Do, Scope, is_partner_actor, management_scope, reads_as_caf


def conventions_visible_to(actor) -> QuerySet[Convention]:
    """« Consulter les conventions »: those the actor administers, holds a responsable role in, or (Caf agent) supervises."""
    if not actor.is_authenticated or not actor.is_open:
        return Convention.objects.none()
    if actor.is_caf_agent:
        return Convention.objects.filter(caf_id=actor.caf_id)
    if actor.organisation_id is None:
        return Convention.objects.none()
    responsible = Group.objects.filter(convention=OuterRef("pk"), responsable=actor)
    return Convention.objects.filter(organisation_id=actor.organisation_id).filter(
        Q(administrators=actor) | Exists(responsible)
    ).distinct()


def groups_visible_to(actor, convention: Convention) -> QuerySet[Group]:
    if reads_as_caf(actor, convention):
        return Group.objects.filter(convention=convention)
    scope = management_scope(actor, convention)
    if scope is None:
        return Group.objects.none()
    return Group.objects.filter(scope.group_filter())


def users_visible_to(actor, convention: Convention) -> QuerySet[User]:
    """Administrator and Caf agent: the partner organisation's staff. Responsable: the members of
    his groups, and staff not yet in any group of the organisation (so he can take them in)."""
    base = User.objects.filter(organisation_id=convention.organisation_id)
    if reads_as_caf(actor, convention):
        return base
    scope = management_scope(actor, convention)
    if scope is None:
        return User.objects.none()
    if scope.whole:
        return base
    # Two uncorrelated id sets rather than OR'ed correlated EXISTS: PostgreSQL hashes each once,
    # and its cost estimate stays proportionate (the EXISTS form was costed per row of a large
    # partner's staff, high enough to trigger JIT compilation on every page).
    in_scope = Membership.objects.filter(group__in=Group.objects.filter(scope.group_filter())).values("user_id")
    placed = Membership.objects.filter(group__convention__organisation_id=convention.organisation_id).values("user_id")
    return base.filter(Q(pk__in=in_scope) | ~Q(pk__in=placed))


def access_convention(actor, convention_id, action: Do = Do.VIEW) -> Convention:
    try:
        convention = Convention.objects.select_related("caf", "organisation").get(pk=int(convention_id))
    except (Convention.DoesNotExist, TypeError, ValueError):
        raise Http404
    if reads_as_caf(actor, convention):
        if action is not Do.VIEW:
            raise PermissionDenied
        return convention
    scope = management_scope(actor, convention)
    if scope is None:
        raise Http404
    if action is not Do.VIEW and not scope.writable:
        raise PermissionDenied
    if action is Do.ADMINISTER and not scope.whole:
        raise PermissionDenied
    return convention


def access_group(actor, convention: Convention, group_id, action: Do = Do.VIEW) -> Group:
    try:
        group = Group.objects.select_related("parent", "responsable").get(pk=int(group_id), convention=convention)
    except (Group.DoesNotExist, TypeError, ValueError):
        raise Http404
    if reads_as_caf(actor, convention):
        if action is not Do.VIEW:
            raise PermissionDenied
        return group
    scope = management_scope(actor, convention)
    if scope is None or not scope.covers(group):
        raise Http404
    if action is not Do.VIEW and not scope.writable:
        raise PermissionDenied
    if action is Do.ADMINISTER and not scope.covers_strictly(group):
        raise PermissionDenied
    return group


def access_user(actor, convention: Convention, user_id, action: Do = Do.VIEW) -> User:
    try:
        target = users_visible_to(actor, convention).get(pk=int(user_id))
    except (User.DoesNotExist, TypeError, ValueError):
        raise Http404
    if action is Do.VIEW:
        return target
    if reads_as_caf(actor, convention):
        raise PermissionDenied
    scope = management_scope(actor, convention)
    if not scope.writable:
        raise PermissionDenied
    if not scope.whole:
        # A responsable may change a person only if every group the person is in is his to manage,
        # and the person is neither an administrator nor a responsable at or above his own level.
        managed = Group.objects.filter(scope.group_filter())
        outside = Membership.objects.filter(user=target).exclude(group__in=managed)
        leads_elsewhere = Group.objects.filter(responsable=target).exclude(pk__in=managed.exclude(path__in=scope.paths))
        if outside.exists() or leads_elsewhere.exists() or target.administered_conventions.exists():
            raise PermissionDenied
    return target


def require_manager(actor, convention: Convention) -> Scope:
    """For creation pages: the actor must manage something in the convention (a Caf agent reads only)."""
    scope = management_scope(actor, convention)
    if scope is None or not scope.writable:
        raise PermissionDenied
    return scope


def access_user_for_membership(actor, convention: Convention, user_id) -> User:
    """Putting a person in a group grants rights inside the actor's groups only: seeing the person is enough."""
    target = access_user(actor, convention, user_id, Do.VIEW)
    require_manager(actor, convention)
    return target


def may_manage(actor, convention: Convention) -> bool:
    """Whether management buttons are shown at all in this convention."""
    scope = management_scope(actor, convention)
    return scope is not None and scope.writable


def may_administer_group(actor, convention: Convention, group: Group) -> bool:
    scope = management_scope(actor, convention)
    return scope is not None and scope.writable and scope.covers_strictly(group)


def may_create_top_group(actor, convention: Convention) -> bool:
    scope = management_scope(actor, convention)
    return scope is not None and scope.writable and scope.whole
