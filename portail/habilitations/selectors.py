"""Reads for the « habilitations du groupe » page: what it shows for one group and one service."""
from dataclasses import dataclass, field

from portail.access import role_ceiling
from portail.conventions.models import Role, Service

from .models import Group, GroupRole


@dataclass
class RolesDraft:
    """The service's catalogue, the ceiling (R3), the saved grants and the draft being edited.

    The draft (roles assigned but not yet saved) travels in the form, so the page works without
    JavaScript and nothing is saved before the person confirms."""

    group: Group
    service: Service | None
    catalogue: dict[int, Role]
    ceiling: set[int]
    grants: dict[int, GroupRole]
    draft: list[Role] = field(default_factory=list)

    @property
    def saved(self) -> list[Role]:
        return [self.catalogue[pk] for pk in self.grants if pk in self.catalogue]

    @property
    def removed(self) -> list[Role]:
        """Saved roles the draft drops: their removal cascades and must be confirmed."""
        return [r for r in self.saved if r not in self.draft]

    @property
    def rows(self) -> list[dict]:
        return [
            {"role": r, "saved": r.pk in self.grants,
             "pending": r.pk in self.grants and self.grants[r.pk].state == GroupRole.State.PENDING,
             "refused": self.grants[r.pk] if r.pk in self.grants and self.grants[r.pk].state == GroupRole.State.REFUSED
             else None}
            for r in self.draft
        ]

    @property
    def available_in(self) -> list[Role]:
        """What « Profil à assigner » offers: roles not in the draft that the group may hold."""
        return [r for r in self.catalogue.values() if r not in self.draft and r.pk in self.ceiling]

    @property
    def available_out(self) -> list[Role]:
        """Roles of the service the parent lacks: listed for information, never offered."""
        return [r for r in self.catalogue.values() if r not in self.draft and r.pk not in self.ceiling]

    @property
    def dirty(self) -> bool:
        return {r.pk for r in self.draft} != set(self.grants)


def group_roles_draft(*, group: Group, service: Service | None, posted: list[str] | None = None) -> RolesDraft:
    """The page for `service`; `posted`: the draft's role ids as posted (None: start from the saved roles).

    Posted ids outside the service's catalogue are dropped. Three queries whatever the draft's size."""
    if service is None:
        return RolesDraft(group=group, service=None, catalogue={}, ceiling=set(), grants={})
    catalogue = {r.pk: r for r in Role.objects.filter(service=service).order_by("code")}
    ceiling = set(role_ceiling(group).filter(service=service).values_list("pk", flat=True))
    grants = {gr.role_id: gr for gr in GroupRole.objects.filter(group=group, role__service=service)}
    page = RolesDraft(group=group, service=service, catalogue=catalogue, ceiling=ceiling, grants=grants)
    if posted is None:
        page.draft = sorted(page.saved, key=lambda r: r.code)
    else:
        for raw in posted:
            role = catalogue.get(int(raw)) if raw.isascii() and raw.isdigit() else None
            if role is not None and role not in page.draft:
                page.draft.append(role)
    return page
