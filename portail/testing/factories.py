"""Test factories shared by every app (factory_boy).

Defaults describe the common case: an open convention between a Caf and a partner organisation,
opening on 1 January 2020, with the Cdap service. Every partner user belongs to an organisation,
every Caf agent to a Caf; all of them can log in with `PASSWORD`.

Groups: prefer `make_group(...)`, which sets `level` and the materialised `path` from the parent
and can give roles, a responsable and members in one call. `GroupFactory` does the same for the
tree fields when called directly.
"""
from datetime import date

import factory
from factory.django import DjangoModelFactory

from portail.accounts.models import User
from portail.conventions.models import TAB_ORDER, Caf, Convention, Organisation, Role, Service
from portail.habilitations.models import Group, GroupRole, Membership

PASSWORD = "Portail-Test-2026!"
OPENING = date(2020, 1, 1)


class CafFactory(DjangoModelFactory):
    class Meta:
        model = Caf
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"{100 + n % 900:03d}")
    name = factory.Sequence(lambda n: f"Caf test {n}")


class OrganisationFactory(DjangoModelFactory):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"Organisation partenaire {n}")
    kind = Organisation.Kind.DEPARTMENT


class ServiceFactory(DjangoModelFactory):
    """The Cdap service by default (one row, shared)."""

    class Meta:
        model = Service
        django_get_or_create = ("code",)

    code = "CDAP"
    label = "Cdap"


class RoleFactory(DjangoModelFactory):
    """A Cdap role seeing every tab; pass `tabs=[...]` or flags to narrow it."""

    class Meta:
        model = Role
        django_get_or_create = ("service", "code")

    service = factory.SubFactory(ServiceFactory)
    code = factory.Sequence(lambda n: f"R{n}")
    label = factory.LazyAttribute(lambda o: f"Rôle {o.code}")
    tabs = factory.LazyFunction(lambda: list(TAB_ORDER))
    can_print_attestation = False
    can_post_attestation = False
    can_write_dialogue = True
    requires_caf_validation = False


class ConventionFactory(DjangoModelFactory):
    """An open convention with the Cdap service. `services=[...]` and `administrators=[...]` override."""

    class Meta:
        model = Convention
        skip_postgeneration_save = True

    caf = factory.SubFactory(CafFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    label = factory.Sequence(lambda n: f"Convention {n}")
    opening_date = OPENING
    closing_date = None
    status = Convention.Status.OPEN

    @factory.post_generation
    def services(self, create, extracted, **kwargs):
        if create:
            self.services.set(extracted if extracted is not None else [ServiceFactory()])

    @factory.post_generation
    def administrators(self, create, extracted, **kwargs):
        if create and extracted:
            self.administrators.set(extracted)


class UserFactory(DjangoModelFactory):
    """A partner staff member (organisation set), open since 2020, password `PASSWORD`."""

    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"TEST{n % 10000:04d}" if n < 10000 else f"TESU{n % 10000:04d}")
    last_name = factory.Faker("last_name", locale="fr_FR")
    first_name = factory.Faker("first_name", locale="fr_FR")
    email = factory.LazyAttribute(lambda o: f"{o.username.lower()}@partenaire.example.fr")
    organisation = factory.SubFactory(OrganisationFactory)
    caf = None
    opening_date = OPENING
    status = User.Status.OPEN

    @factory.post_generation
    def password(self, create, extracted, **kwargs):
        self.set_password(extracted or PASSWORD)
        if create:
            self.save(update_fields=["password"])


class CafAgentFactory(UserFactory):
    """A Caf agent: `caf` set, no organisation."""

    username = factory.Sequence(lambda n: f"CAFT{n % 10000:04d}")
    email = factory.LazyAttribute(lambda o: f"{o.username.lower()}@caf.example.fr")
    organisation = None
    caf = factory.SubFactory(CafFactory)


class GroupFactory(DjangoModelFactory):
    """A group whose `level` and `path` follow its parent (same convention as the parent by default)."""

    class Meta:
        model = Group

    convention = factory.LazyAttribute(lambda o: o.parent.convention if o.parent else ConventionFactory())
    parent = None
    code = factory.Sequence(lambda n: f"G{n}")
    label = factory.LazyAttribute(lambda o: f"Groupe {o.code}")
    level = factory.LazyAttribute(lambda o: o.parent.level + 1 if o.parent else 1)
    opening_date = factory.LazyAttribute(lambda o: o.convention.opening_date)
    status = Group.Status.OPEN
    responsable = None

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        group = super()._create(model_class, *args, **kwargs)
        parent = group.parent
        group.path = f"{parent.path if parent else '/'}{group.pk}/"
        group.save(update_fields=["path"])
        return group


class GroupRoleFactory(DjangoModelFactory):
    class Meta:
        model = GroupRole

    group = factory.SubFactory(GroupFactory)
    role = factory.SubFactory(RoleFactory)
    state = GroupRole.State.ACTIVE


class MembershipFactory(DjangoModelFactory):
    """`user` defaults to a new member of the group's partner organisation."""

    class Meta:
        model = Membership

    group = factory.SubFactory(GroupFactory)
    user = factory.LazyAttribute(lambda o: UserFactory(organisation=o.group.convention.organisation))


def make_group(
    convention: Convention | None = None,
    code: str | None = None,
    *,
    parent: Group | None = None,
    roles=(),
    responsable: User | None = None,
    members=(),
    **fields,
) -> Group:
    """A group (or sub-group of `parent`) holding `roles` (active), led by `responsable`, with `members`.

    Bypasses the services (no journal entry): use it to arrange a test, and call the services for
    the behaviour under test.
    """
    values = dict(fields, parent=parent, responsable=responsable)
    if convention is not None:
        values["convention"] = convention
    if code is not None:
        values["code"] = code
    group = GroupFactory(**values)
    for role in roles:
        GroupRole.objects.create(group=group, role=role)
    for user in members:
        Membership.objects.create(user=user, group=group)
    return group
