"""The one permission module.

Every view turns (actor, object id, action) into an object through the functions here, or
gets an exception: Http404 when the object is outside the actor's scope (its existence must
not leak, R7), PermissionDenied when he may see it but not do that. Lists go through the
`*_visible_to` / `*_managed_by` querysets. Anything not granted here is refused.

Scopes:
- administrator of a convention (R6): everything in that convention;
- responsable des habilitations of a group (R7): that group and its descendants;
- agent Caf: reads the conventions of his Caf (management stays with the partner);
- everyone else: nothing here.
"""
from dataclasses import dataclass
from datetime import date
from enum import Enum

from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404

from portail.accounts.models import User
from portail.conventions.models import Convention, Role
from portail.core.clock import today

from .models import Group, GroupRole, Membership


class Do(str, Enum):
    VIEW = "view"  # read lists and detail pages
    MANAGE = "manage"  # roles, members, sub-groups, label and dates
    ADMINISTER = "administer"  # close, name the responsable: above the group itself


# ---------------------------------------------------------------- scope building blocks


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


def _is_partner_actor(actor) -> bool:
    return actor.is_authenticated and actor.organisation_id is not None and actor.is_open


def management_scope(actor, convention: Convention) -> Scope | None:
    """None when the actor manages nothing in that convention."""
    if not _is_partner_actor(actor) or actor.organisation_id != convention.organisation_id:
        return None
    # Not yet open is still writable: the partner prepares its groups before the opening date.
    writable = convention.status == Convention.Status.OPEN and (
        convention.closing_date is None or convention.closing_date >= today()
    )
    if convention.administrators.filter(pk=actor.pk).exists():
        return Scope(convention.pk, whole=True, writable=writable)
    paths = tuple(
        Group.objects.filter(convention=convention, responsable=actor).values_list("path", flat=True)
    )
    # Drop paths already covered by a shorter one.
    kept = tuple(p for p in paths if not any(p != q and p.startswith(q) for q in paths))
    return Scope(convention.pk, whole=False, paths=kept, writable=writable) if kept else None


def _reads_as_caf(actor, convention: Convention) -> bool:
    return actor.is_authenticated and actor.is_caf_agent and actor.is_open and actor.caf_id == convention.caf_id


# ---------------------------------------------------------------- lists


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
    if _reads_as_caf(actor, convention):
        return Group.objects.filter(convention=convention)
    scope = management_scope(actor, convention)
    if scope is None:
        return Group.objects.none()
    return Group.objects.filter(scope.group_filter())


def users_visible_to(actor, convention: Convention) -> QuerySet[User]:
    """Administrator and Caf agent: the partner organisation's staff. Responsable: the members of
    his groups, and staff not yet in any group of the organisation (so he can take them in)."""
    base = User.objects.filter(organisation_id=convention.organisation_id)
    if _reads_as_caf(actor, convention):
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


# ---------------------------------------------------------------- single objects


def access_convention(actor, convention_id, action: Do = Do.VIEW) -> Convention:
    try:
        convention = Convention.objects.select_related("caf", "organisation").get(pk=int(convention_id))
    except (Convention.DoesNotExist, TypeError, ValueError):
        raise Http404
    if _reads_as_caf(actor, convention):
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
    if _reads_as_caf(actor, convention):
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
    if _reads_as_caf(actor, convention):
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


# ---------------------------------------------------------------- rights (R3, R5, R8)


def role_ceiling(group: Group) -> QuerySet[Role]:
    """Roles a group may hold: its direct parent's (R3), or for a main group the convention's services'."""
    if group.parent_id is None:
        return Role.objects.filter(service__conventions=group.convention_id)
    return Role.objects.filter(group_roles__group_id=group.parent_id, group_roles__state=GroupRole.State.ACTIVE)


def open_groups_of(user: User, day: date | None = None) -> list[Group]:
    """Groups that give the user rights on `day`: open user, open groups with no closed ancestor,
    open conventions of his organisation (R1, R2, R4, R5). Two queries."""
    day = day or today()
    if not user.is_open_on(day) or user.organisation_id is None:
        return []
    open_conventions = Convention.objects.open_on(day)
    groups = list(
        Group.objects.open_on(day)
        .filter(
            memberships__user=user,
            convention__in=open_conventions,
            convention__organisation_id=user.organisation_id,
        )
        .select_related("convention", "convention__caf")
    )
    ancestor_ids = {a for g in groups for a in g.ancestor_ids}
    if ancestor_ids:
        open_ids = set(Group.objects.open_on(day).filter(pk__in=ancestor_ids).values_list("pk", flat=True))
        groups = [g for g in groups if set(g.ancestor_ids) <= open_ids]
    return groups


def roles_of(user: User, *, caf_id: int, service_code: str, day: date | None = None) -> list[tuple[Role, Group]]:
    """(role, group that gives it) for a user at a Caf for a service: the union of R5."""
    groups = [g for g in open_groups_of(user, day) if g.convention.caf_id == caf_id]
    if not groups:
        return []
    by_id = {g.pk: g for g in groups}
    grants = GroupRole.objects.filter(
        group_id__in=by_id,
        state=GroupRole.State.ACTIVE,
        role__service__code=service_code,
        group__convention__services__code=service_code,
    ).select_related("role", "role__service")
    return [(gr.role, by_id[gr.group_id]) for gr in grants]


# ---------------------------------------------------------------- consultation (R8)

CDAP = "CDAP"


@dataclass(frozen=True)
class ConsultationRights:
    """What a user may do on the dossiers of one Caf, and through which grants (for the journal)."""

    caf_id: int
    grants: tuple[tuple[Role, Group], ...]

    @property
    def allowed(self) -> bool:
        return bool(self.grants)

    @property
    def tabs(self) -> list[str]:
        from portail.conventions.models import TAB_ORDER

        held = {tab for role, _ in self.grants for tab in role.tabs}
        return [t for t in TAB_ORDER if t in held]

    @property
    def can_print_attestation(self) -> bool:
        return any(role.can_print_attestation for role, _ in self.grants)

    @property
    def can_post_attestation(self) -> bool:
        return any(role.can_post_attestation for role, _ in self.grants)

    @property
    def can_write_dialogue(self) -> bool:
        return any(role.can_write_dialogue for role, _ in self.grants)

    @property
    def conventions(self) -> list[Convention]:
        """The conventions that grant these rights: their finalités stay on screen with the file."""
        seen: dict[int, Convention] = {}
        for _, group in self.grants:
            seen.setdefault(group.convention_id, group.convention)
        return list(seen.values())

    def grants_for_tab(self, tab: str) -> list[tuple[Role, Group]]:
        return [(r, g) for r, g in self.grants if tab in r.tabs]

    def trace(self, tab: str | None = None) -> dict:
        """Journal details: through which convention/group/role the access was granted."""
        grants = self.grants_for_tab(tab) if tab else list(self.grants)
        return {
            "via": [
                {"convention": g.convention_id, "group": g.pk, "group_code": g.code, "role": r.code}
                for r, g in grants
            ]
        }


def consultation_rights(user, caf_id: int, day: date | None = None) -> ConsultationRights:
    return ConsultationRights(caf_id=caf_id, grants=tuple(roles_of(user, caf_id=caf_id, service_code=CDAP, day=day)))


def cafs_for_consultation(user, day: date | None = None) -> list:
    """The Cafs where the user holds at least one active Cdap role (the « Caf » list of Consulter Dossiers)."""
    groups = open_groups_of(user, day)
    if not groups:
        return []
    with_cdap = set(
        GroupRole.objects.filter(
            group_id__in=[g.pk for g in groups],
            state=GroupRole.State.ACTIVE,
            role__service__code=CDAP,
            group__convention__services__code=CDAP,
        ).values_list("group_id", flat=True)
    )
    cafs = {g.convention.caf_id: g.convention.caf for g in groups if g.pk in with_cdap}
    return sorted(cafs.values(), key=lambda caf: caf.name)


# ---------------------------------------------------------------- Dialogue


def dialogue_write_rights(user, caf_id: int) -> ConsultationRights:
    """May the user write to this Caf about one of its dossiers? 404 without any consultation
    right at that Caf (its dossiers are outside his scope), 403 when his roles there all forbid
    Dialogue. Returns the rights, for the journal trace."""
    rights = consultation_rights(user, caf_id)
    if not rights.allowed:
        raise Http404
    if not rights.can_write_dialogue:
        raise PermissionDenied
    return rights


def may_use_dialogue(user, cafs: list | None = None) -> bool:
    """The partner's « Dialogue » menu: an open partner user with consultation rights somewhere
    (`cafs`: his consultation Cafs when the caller already has them)."""
    return _is_partner_actor(user) and bool(cafs if cafs is not None else cafs_for_consultation(user))


def may_answer_dialogue(user) -> bool:
    """The Caf's « Messages des partenaires »: an open Caf agent."""
    return user.is_authenticated and user.is_caf_agent and user.is_open


def dialogue_messages_visible_to(user, *, caf_side: bool) -> QuerySet:
    """Caf side: an agent's Caf's messages. Partner side: his own messages, at the Cafs where he
    may still consult (losing the right hides them). Anyone else: nothing."""
    from portail.dialogue.models import Message

    if caf_side:
        return Message.objects.filter(caf_id=user.caf_id) if may_answer_dialogue(user) else Message.objects.none()
    if _is_partner_actor(user):
        return Message.objects.filter(author=user, caf_id__in=[caf.pk for caf in cafs_for_consultation(user)])
    return Message.objects.none()


def access_dialogue_message(user, message_id, *, caf_side: bool):
    """One message for the Caf's inbox (caf_side) or the partner's own list; 404 outside scope."""
    from portail.dialogue.models import Message

    if caf_side and not may_answer_dialogue(user):
        raise Http404
    if not caf_side and (not _is_partner_actor(user) or user.is_caf_agent):
        raise Http404
    try:
        message = Message.objects.select_related("caf", "dossier", "author", "organisation").get(pk=int(message_id))
    except (Message.DoesNotExist, TypeError, ValueError):
        raise Http404
    if caf_side:
        if message.caf_id != user.caf_id:
            raise Http404
    elif message.author_id != user.pk or not consultation_rights(user, message.caf_id).allowed:
        raise Http404
    return message


# ---------------------------------------------------------------- postal attestations (Caf side)


def may_send_attestations(user) -> bool:
    """The Caf's « Attestations à envoyer »: an open Caf agent."""
    return user.is_authenticated and user.is_caf_agent and user.is_open


def attestation_requests_visible_to(agent) -> QuerySet:
    """The postal attestation requests about his Caf's dossiers; nothing for anyone else."""
    from portail.dossiers.models import AttestationRequest

    if not may_send_attestations(agent):
        return AttestationRequest.objects.none()
    return AttestationRequest.objects.filter(dossier__caf_id=agent.caf_id)


def access_attestation_request(agent, request_id):
    """One request of the agent's Caf (to mark it sent); 404 outside it, for a partner or a forged id."""
    from portail.dossiers.models import AttestationRequest

    try:
        return attestation_requests_visible_to(agent).select_related("dossier").get(pk=int(request_id))
    except (AttestationRequest.DoesNotExist, TypeError, ValueError):
        raise Http404
