"""One decision API for the pages of a convention: the actor's `Seat`, computed once per request.

`in_convention` builds it from (actor, convention) and puts it on the request; views ask it for
the objects they act on (`seat.group(id, Do.X)`, `seat.user(id, Do.X)`: 404 outside, 403 visible
but not allowed) and templates ask it what to offer (`seat.can_manage`, row flags from
`seat.group_rows(page)` / `seat.user_rows(page)`, `seat.may_create_subgroup(group)`). The rule it
applies is written in scope.py.
"""
from dataclasses import dataclass
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404

from portail.accounts.models import User
from portail.conventions.models import Convention
from portail.habilitations.models import MAX_DEPTH, Group, Membership

from .scope import Do, Scope, management_scope, reads_as_caf


def _as_id(raw) -> int:
    try:
        return int(raw)
    except (TypeError, ValueError):
        raise Http404


@dataclass(frozen=True)
class GroupRow:
    group: Group
    can_modify: bool
    can_close: bool
    can_create_subgroup: bool


@dataclass(frozen=True)
class UserRow:
    person: User
    can_modify: bool
    can_close: bool
    can_manage_membership: bool
    can_add_to_group: bool
    can_unlock: bool


class Seat:
    """What one actor may see and do in one convention."""

    def __init__(self, actor, convention: Convention):
        self.actor = actor
        self.convention = convention
        self.reads_as_caf = reads_as_caf(actor, convention)
        self.scope: Scope | None = None if self.reads_as_caf else management_scope(actor, convention)

    @classmethod
    def enter(cls, actor, convention_id) -> "Seat":
        """The seat of a convention page: 404 when the actor has no business in that convention."""
        try:
            convention = Convention.objects.select_related("caf", "organisation").get(pk=_as_id(convention_id))
        except Convention.DoesNotExist:
            raise Http404
        seat = cls(actor, convention)
        if not seat.sees_convention:
            raise Http404
        return seat

    # ------------------------------------------------------------ the convention

    @property
    def sees_convention(self) -> bool:
        return self.reads_as_caf or self.scope is not None

    @property
    def can_manage(self) -> bool:
        """Management buttons at all (« Créer un utilisateur », « Créer un groupe »)."""
        return self.scope is not None and self.scope.writable

    @property
    def may_create_top_group(self) -> bool:
        return self.can_manage and self.scope.whole

    def may_create_subgroup(self, group: Group) -> bool:
        return self.can(Do.MANAGE, group) and group.status == Group.Status.OPEN and group.level < MAX_DEPTH

    # ------------------------------------------------------------ groups

    def groups(self) -> QuerySet[Group]:
        if self.reads_as_caf:
            return Group.objects.filter(convention=self.convention)
        if self.scope is None:
            return Group.objects.none()
        return Group.objects.filter(self.scope.group_filter())

    def group(self, group_id, action: Do = Do.VIEW) -> Group:
        try:
            group = Group.objects.select_related("parent", "responsable").get(
                pk=_as_id(group_id), convention=self.convention
            )
        except Group.DoesNotExist:
            raise Http404
        if not self.can(Do.VIEW, group):
            raise Http404
        if not self.can(action, group):
            raise PermissionDenied
        return group

    def _can_group(self, action: Do, group: Group) -> bool:
        if group.convention_id != self.convention.pk:
            return False
        if self.reads_as_caf:
            return action is Do.VIEW
        scope = self.scope
        if scope is None or not scope.covers(group):
            return False
        if action is Do.VIEW:
            return True
        if not scope.writable:
            return False
        if action is Do.ADMINISTER:
            return scope.covers_strictly(group)
        return action is Do.MANAGE

    def group_rows(self, groups) -> list[GroupRow]:
        """List pages: what each row offers, with no query."""
        return [
            GroupRow(
                group=g,
                can_modify=self.can(Do.MANAGE, g),
                can_close=self.can(Do.ADMINISTER, g) and g.status == Group.Status.OPEN,
                can_create_subgroup=self.may_create_subgroup(g),
            )
            for g in groups
        ]

    def addable_groups(self) -> QuerySet[Group]:
        """Groups the actor may put people in (« Ajouter au groupe »)."""
        if not self.can_manage:
            return Group.objects.none()
        return self.groups().filter(status=Group.Status.OPEN).order_by("path")

    # ------------------------------------------------------------ people

    def users(self) -> QuerySet[User]:
        """Administrator and Caf agent: the partner organisation's staff. Responsable: the members of
        his subtree, and staff in no group of the organisation (so he can take them in)."""
        base = User.objects.filter(organisation_id=self.convention.organisation_id)
        if self.reads_as_caf:
            return base
        if self.scope is None:
            return User.objects.none()
        if self.scope.whole:
            return base
        # Two uncorrelated id sets rather than OR'ed correlated EXISTS: PostgreSQL hashes each once,
        # and its cost estimate stays proportionate on a large partner's staff.
        in_scope = Membership.objects.filter(group__in=self.groups()).values("user_id")
        placed = Membership.objects.filter(
            group__convention__organisation_id=self.convention.organisation_id
        ).values("user_id")
        return base.filter(Q(pk__in=in_scope) | ~Q(pk__in=placed))

    def user(self, user_id, action: Do = Do.VIEW) -> User:
        try:
            target = self.users().get(pk=_as_id(user_id))
        except User.DoesNotExist:
            raise Http404
        if action is Do.VIEW:
            return target
        if action is Do.ENROL and self.may_enrol(target):
            return target
        if action in (Do.UNLOCK, Do.RESET_2FA) and self.reads_as_caf:
            return target  # the Caf may lift any lockout, or reset any second factor, of its partners' staff
        if action in (Do.MANAGE, Do.UNLOCK, Do.RESET_2FA) and target.pk in self._changeable_ids([target.pk]):
            return target
        raise PermissionDenied

    def may_enrol(self, target: User) -> bool:
        """Memberships of a visible person: a writable scope, and never oneself (no one widens his own rights)."""
        return self.can_manage and target.pk != self.actor.pk

    def _changeable_ids(self, user_ids) -> set[int]:
        """Among `user_ids` (visible, not the actor), those every right of whom comes from this scope.
        One query whatever the number of ids."""
        if not self.can_manage or not user_ids:
            return set()
        managed = self.groups()
        # Groups whose responsable he may name: below his own groups (a whole scope: the convention's).
        nameable = managed if self.scope.whole else managed.exclude(path__in=self.scope.paths)
        administrators = Convention.administrators.through.objects.filter(user_id=OuterRef("pk"))
        # NOT EXISTS (the group in the scope) per membership, not `group NOT IN (scope)`: with the latter PostgreSQL
        # hashed every membership of the country (135,000) for the 50 people of a page (176 ms; 8 ms this way).
        member_outside = Membership.objects.filter(user_id=OuterRef("pk")).filter(
            ~Exists(managed.filter(pk=OuterRef("group_id"))))
        leads_outside = Group.objects.filter(responsable_id=OuterRef("pk")).exclude(pk__in=nameable)
        rows = (
            User.objects.filter(pk__in=user_ids)
            .exclude(pk=self.actor.pk)
            .filter(~Exists(administrators), ~Exists(member_outside), ~Exists(leads_outside))
            .values_list("pk", flat=True)
        )
        return set(rows)

    def user_rows(self, people) -> list[UserRow]:
        """List pages: what each row offers, in one query for the whole page."""
        people = list(people)
        changeable = self._changeable_ids([p.pk for p in people])
        rows = []
        for p in people:
            enrol = self.may_enrol(p)
            rows.append(UserRow(
                person=p,
                can_modify=p.pk in changeable,
                can_close=p.pk in changeable and p.status != User.Status.CLOSED,
                can_manage_membership=enrol,
                can_add_to_group=enrol and p.status == User.Status.OPEN,
                can_unlock=self.reads_as_caf or p.pk in changeable,
            ))
        return rows

    def membership_rows(self, target: User, memberships) -> list[dict]:
        """« Gérer l'appartenance »: which of the person's groups the actor may take him out of."""
        enrol = self.may_enrol(target)
        return [{"membership": m, "can_remove": enrol and self.can(Do.MANAGE, m.group)} for m in memberships]

    # ------------------------------------------------------------ one question, any object

    def can(self, action: Do, obj) -> bool:
        """For one object; list pages use the `*_rows` batch answers instead (no query per row)."""
        if isinstance(obj, Group):
            return self._can_group(action, obj)
        if isinstance(obj, User):
            try:
                self.user(obj.pk, action)
            except (Http404, PermissionDenied):
                return False
            return True
        raise TypeError(f"no rule for {type(obj).__name__}")
