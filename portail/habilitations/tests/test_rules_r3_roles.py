"""R3: roles of a group — service of the convention, the parent's ceiling, cascading removal, Caf validation."""
import pytest

from portail.conventions.models import Role
from portail.core.errors import BusinessError
from portail.testing.factories import RoleFactory, ServiceFactory, UserFactory, make_group
from portail.habilitations import services
from portail.access import consultation_rights, role_ceiling
from portail.habilitations.models import GroupRole
from portail.journal.models import Action, JournalEntry


def held(group, state=GroupRole.State.ACTIVE):
    return sorted(GroupRole.objects.filter(group=group, state=state).values_list("role__code", flat=True))


def set_roles(*, service=None, **kwargs):
    """« Proposer les modifications » on the Cdap tab of « habilitations du groupe »."""
    return services.group_roles_set(service=service or ServiceFactory(), **kwargs)


def counts():
    return GroupRole.objects.count(), JournalEntry.objects.count()


@pytest.fixture
def role_t9(cdap):
    return RoleFactory(service=cdap, code="T9", tabs=["synthese", "creances"], requires_caf_validation=True)


@pytest.fixture
def afas_role(db):
    return RoleFactory(service=ServiceFactory(code="AFAS", label="Aides financières"), code="A1", tabs=[])


@pytest.fixture
def top(convention, role_t1, role_t18):
    return make_group(convention, "GROUPES", roles=[role_t1, role_t18])


@pytest.fixture
def sub(convention, top, role_t18):
    return make_group(convention, "SOUS1", parent=top, roles=[role_t18])


# ---------------------------------------------------------------- ceiling


def test_main_group_may_take_every_role_of_the_convention_services(convention, top, role_t1, role_t18, role_t9, afas_role):
    assert set(role_ceiling(top)) == {role_t1, role_t18, role_t9}


def test_sub_group_may_take_only_its_direct_parents_roles(convention, top, sub, role_t1, role_t18):
    assert set(role_ceiling(sub)) == {role_t1, role_t18}
    subsub = make_group(convention, "SOUS11", parent=sub)
    assert list(role_ceiling(subsub)) == [role_t18]  # the grand-parent's T1 does not count


def test_sub_group_refused_a_role_its_parent_lacks(admin_user, convention, sub, role_t1, role_t18):
    subsub = make_group(convention, "SOUS11", parent=sub, roles=[role_t18])
    before = counts()
    with pytest.raises(BusinessError) as error:
        set_roles(actor=admin_user, group=subsub, roles=[role_t18, role_t1])
    assert error.value.field == "roles"
    assert "T1" in error.value.text and "parent direct (SOUS1)" in error.value.text
    assert held(subsub) == ["T18"]
    assert counts() == before


def test_role_of_a_service_the_convention_lacks_is_refused(admin_user, top, afas_role, role_t1):
    before = counts()
    with pytest.raises(BusinessError) as error:
        set_roles(actor=admin_user, group=top, roles=[role_t1, afas_role])
    assert error.value.field == "roles"
    assert "A1" in error.value.text
    assert counts() == before


def test_role_within_the_ceiling_is_assigned_and_journaled(admin_user, convention, top, sub, role_t1, role_t18):
    added, removed = set_roles(actor=admin_user, group=sub, roles=[role_t18, role_t1], ip="10.1.1.1")
    assert (added, removed) == ([role_t1], [])
    assert held(sub) == ["T1", "T18"]
    entry = JournalEntry.objects.last()
    assert entry.action == Action.ROLE_ASSIGNED
    assert (entry.actor_id, entry.convention_id, entry.group_id, entry.role_id, entry.caf_id) == (
        admin_user.pk, convention.pk, sub.pk, role_t1.pk, convention.caf_id)
    assert entry.ip_address == "10.1.1.1"
    assert GroupRole.objects.get(group=sub, role=role_t1).granted_by == admin_user


def test_saving_the_same_roles_again_changes_nothing(admin_user, top, role_t1, role_t18):
    before = counts()
    assert set_roles(actor=admin_user, group=top, roles=[role_t1, role_t18]) == ([], [])
    assert counts() == before


# ---------------------------------------------------------------- removal cascades


@pytest.fixture
def cascade(convention, top, sub, role_t1, role_t18):
    """GROUPES (T1, T18) > SOUS1 (T18) > SOUS11 (T18); SOUS2 (T1) beside SOUS1. Members:
    a in SOUS1, b in SOUS11, c in SOUS11 and in ACCUEIL (T18, elsewhere in the convention), d in SOUS2."""
    org = convention.organisation
    a, b, c, d = (UserFactory(organisation=org, last_name=n) for n in "ABCD")
    sub.memberships.create(user=a)
    subsub = make_group(convention, "SOUS11", parent=sub, roles=[role_t18], members=[b, c])
    sous2 = make_group(convention, "SOUS2", parent=top, roles=[role_t1], members=[d])
    make_group(convention, "ACCUEIL", roles=[role_t18], members=[c])
    return subsub, sous2, (a, b, c, d)


def test_removal_impact_lists_sub_groups_and_users_losing_the_role(top, sub, role_t18, cascade):
    subsub, sous2, (a, b, c, d) = cascade
    impact = services.role_removal_impact(group=top, role=role_t18)
    assert impact.role == role_t18
    assert impact.subgroups == [sub, subsub]  # SOUS2 does not hold T18; the group itself is not listed
    assert impact.users_losing == 2  # a and b; c keeps T18 through ACCUEIL; d never had it


def test_removal_impact_of_a_leaf_group(sub, role_t18, cascade):
    subsub = cascade[0]
    impact = services.role_removal_impact(group=subsub, role=role_t18)
    assert impact.subgroups == []
    assert impact.users_losing == 1  # b


def test_removing_a_role_removes_it_from_every_descendant(admin_user, convention, top, sub, role_t1, role_t18, cascade):
    subsub, sous2, (a, b, c, d) = cascade
    before = JournalEntry.objects.count()

    added, removed = set_roles(actor=admin_user, group=top, roles=[role_t1])

    assert (added, removed) == ([], [role_t18])
    assert held(top) == ["T1"]
    assert held(sub) == [] and held(subsub) == []
    assert held(sous2) == ["T1"]
    assert not consultation_rights(a, convention.caf_id).allowed
    assert not consultation_rights(b, convention.caf_id).allowed
    assert [r.code for r, _ in consultation_rights(c, convention.caf_id).grants] == ["T18"]  # via ACCUEIL
    assert consultation_rights(d, convention.caf_id).allowed

    entries = list(JournalEntry.objects.order_by("id")[before:])
    assert [e.action for e in entries] == [Action.ROLE_REMOVED] * 3
    assert {e.group_id for e in entries} == {top.pk, sub.pk, subsub.pk}
    assert all(e.role_id == role_t18.pk and e.actor_id == admin_user.pk for e in entries)
    assert all(e.convention_id == convention.pk for e in entries)
    cascades = {e.group_id: e.details["cascade_from"] for e in entries}
    assert cascades == {top.pk: None, sub.pk: "GROUPES", subsub.pk: "GROUPES"}


def test_a_refused_save_removes_nothing(admin_user, convention, sub, role_t1, role_t18, cascade):
    """Removal and a refused addition in one save: the whole save is refused."""
    subsub = cascade[0]
    before = counts()
    with pytest.raises(BusinessError):
        set_roles(actor=admin_user, group=sub, roles=[role_t1, role_t18, RoleFactory(
            service=ServiceFactory(code="AUTRE"), code="X1")])
    assert held(sub) == ["T18"] and held(subsub) == ["T18"]
    assert counts() == before


# ---------------------------------------------------------------- validation Caf requise


def test_role_needing_caf_validation_is_saved_pending_and_gives_no_right(admin_user, convention, top, role_t1, role_t9):
    member = UserFactory(organisation=convention.organisation)
    top.memberships.create(user=member)
    GroupRole.objects.filter(group=top).exclude(role=role_t1).delete()

    added, _ = set_roles(actor=admin_user, group=top, roles=[role_t1, role_t9])

    assert added == [role_t9]
    assert held(top, GroupRole.State.PENDING) == ["T9"]
    assert held(top) == ["T1"]
    entry = JournalEntry.objects.last()
    assert (entry.action, entry.role_id, entry.group_id) == (Action.ROLE_REQUESTED, role_t9.pk, top.pk)
    rights = consultation_rights(member, convention.caf_id)
    assert [r.code for r, _ in rights.grants] == ["T1"]
    assert "creances" in rights.tabs  # from T1 only; T9 adds nothing while pending


def test_pending_role_of_a_parent_is_not_in_its_sub_groups_ceiling(admin_user, convention, top, role_t9):
    GroupRole.objects.create(group=top, role=role_t9, state=GroupRole.State.PENDING)
    child = make_group(convention, "SOUS9", parent=top)
    assert role_t9 not in role_ceiling(child)
    with pytest.raises(BusinessError) as error:
        set_roles(actor=admin_user, group=child, roles=[role_t9])
    assert error.value.field == "roles"


def test_roles_are_catalogue_data(role_t1):
    """The catalogue is data: a new role is a row, not code."""
    assert Role.objects.filter(code="T1", service__code="CDAP").get() == role_t1


def test_service_the_convention_lacks_is_refused(admin_user, top, afas_role):
    before = counts()
    with pytest.raises(BusinessError) as error:
        set_roles(actor=admin_user, group=top, service=afas_role.service, roles=[afas_role])
    assert error.value.field == "service"
    assert counts() == before


def test_saving_one_services_roles_leaves_the_other_services_roles(admin_user, convention, top, afas_role, role_t1):
    convention.services.add(afas_role.service)
    GroupRole.objects.create(group=top, role=afas_role)
    set_roles(actor=admin_user, group=top, roles=[role_t1])  # Cdap: T18 removed
    assert held(top) == ["A1", "T1"]
    with pytest.raises(BusinessError) as error:  # a Cdap role posted on the AFAS tab
        set_roles(actor=admin_user, group=top, service=afas_role.service, roles=[afas_role, role_t1])
    assert error.value.field == "roles"
    assert held(top) == ["A1", "T1"]
