"""R2: groups belong to one convention, codes unique in it, dates inside it, levels, closing closes the subtree."""
import inspect
from datetime import date, timedelta

import pytest

from portail.core.clock import today
from portail.core.errors import BusinessError
from portail.testing.factories import ConventionFactory, UserFactory, make_group
from portail.habilitations import services
from portail.access import consultation_rights, open_groups_of
from portail.habilitations.models import MAX_DEPTH, Group
from portail.journal.models import Action, JournalEntry

D = date(2021, 3, 1)


def create(actor, convention, code="GROUPES", **kwargs):
    kwargs.setdefault("label", "Groupes")
    kwargs.setdefault("opening_date", D)
    return services.group_create(actor=actor, convention=convention, code=code, **kwargs)


def counts():
    return Group.objects.count(), JournalEntry.objects.count()


# ---------------------------------------------------------------- creation, levels, journal


def test_main_group_is_level_1_and_sub_group_level_2(admin_user, convention):
    top = create(admin_user, convention, "groupes ", label="  Groupes ")
    sub = create(admin_user, convention, "SOUS1", label="Sous groupe 1", parent=top)
    subsub = create(admin_user, convention, "SOUS11", label="Sous-sous groupe", parent=sub)

    assert (top.code, top.label, top.level, top.level_label) == ("GROUPES", "Groupes", 1, "groupe principal")
    assert (sub.level, sub.level_label, sub.parent) == (2, "2", top)
    assert subsub.level == 3
    assert subsub.ancestor_ids == [top.pk, sub.pk]
    assert list(Group.objects.subtree_of(top)) == [top, sub, subsub]
    assert list(Group.objects.subtree_of(sub)) == [sub, subsub]


def test_group_create_writes_its_journal_entry(admin_user, convention, partner_user):
    group = create(admin_user, convention, responsable=partner_user, ip="10.0.0.7")
    entry = JournalEntry.objects.last()
    assert entry.action == Action.GROUP_CREATED
    assert entry.actor_id == admin_user.pk
    assert entry.actor_identifier == admin_user.username
    assert (entry.caf_id, entry.convention_id, entry.group_id) == (convention.caf_id, convention.pk, group.pk)
    assert entry.target_user_id == partner_user.pk
    assert entry.ip_address == "10.0.0.7"
    assert entry.details == {"code": "GROUPES", "label": "Groupes", "parent": None}


def test_depth_is_limited(admin_user, convention):
    parent = None
    for level in range(1, MAX_DEPTH + 1):
        parent = create(admin_user, convention, f"N{level}", parent=parent)
    assert parent.level == MAX_DEPTH
    before = counts()
    with pytest.raises(BusinessError) as error:
        create(admin_user, convention, "TROP", parent=parent)
    assert error.value.field == "parent"
    assert counts() == before


# ---------------------------------------------------------------- refusals: field named, nothing saved


def test_code_already_used_in_the_convention_is_refused(admin_user, convention):
    create(admin_user, convention, "GROUPES")
    before = counts()
    with pytest.raises(BusinessError) as error:
        create(admin_user, convention, " groupes")  # same code once normalised
    assert error.value.field == "code"
    assert "déjà utilisé" in error.value.text
    assert counts() == before


def test_same_code_in_another_convention_is_fine(admin_user, convention, cdap):
    other = ConventionFactory(organisation=convention.organisation, services=[cdap])
    other.administrators.add(admin_user)
    create(admin_user, convention, "GROUPES")
    assert create(admin_user, other, "GROUPES").convention == other


def test_parent_from_another_convention_is_refused(admin_user, convention, cdap):
    other = ConventionFactory(organisation=convention.organisation, services=[cdap])
    foreign_parent = make_group(other, "AILLEURS")
    before = counts()
    with pytest.raises(BusinessError) as error:
        create(admin_user, convention, "SOUS", parent=foreign_parent)
    assert error.value.field == "parent"
    assert counts() == before


def test_a_group_cannot_become_its_own_ancestor(admin_user, convention):
    """No cycle: the parent exists before its child; if a group can ever be moved, never under itself."""
    top = create(admin_user, convention, "TOP")
    sub = create(admin_user, convention, "SUB", parent=top)
    assert sub.ancestor_ids == [top.pk] and top.ancestor_ids == []
    if "parent" in inspect.signature(services.group_update).parameters:
        with pytest.raises(BusinessError) as error:
            services.group_update(actor=admin_user, group=top, label="Top", opening_date=D, closing_date=None,
                                  responsable=None, parent=sub)
        assert error.value.field == "parent"


@pytest.mark.parametrize(
    "opening, closing, field",
    [
        (date(2019, 12, 31), None, "opening_date"),  # before the convention opens (2020-01-01)
        (D, D - timedelta(days=1), "closing_date"),  # closing before opening
    ],
)
def test_dates_outside_the_rules_are_refused_with_the_field_named(admin_user, convention, opening, closing, field):
    before = counts()
    with pytest.raises(BusinessError) as error:
        create(admin_user, convention, opening_date=opening, closing_date=closing)
    assert error.value.field == field
    assert counts() == before


@pytest.mark.parametrize(
    "opening, closing, field",
    [
        (date(2026, 1, 1), date(2026, 6, 1), "opening_date"),  # opens after the convention closes
        (D, date(2025, 12, 31), "closing_date"),  # closes after the convention
        (D, None, "closing_date"),  # never closes although the convention does
    ],
)
def test_dates_outside_a_closing_convention_are_refused(admin_user, convention, opening, closing, field, monkeypatch):
    # A day before the convention ends: afterwards nobody changes it at all (R1).
    monkeypatch.setattr("django.utils.timezone.localdate", lambda *args, **kwargs: date(2025, 1, 15))
    convention.closing_date = date(2025, 6, 30)
    convention.save()
    before = counts()
    with pytest.raises(BusinessError) as error:
        create(admin_user, convention, opening_date=opening, closing_date=closing)
    assert error.value.field == field
    assert counts() == before
    assert create(admin_user, convention, opening_date=D, closing_date=date(2025, 6, 30)).pk


def test_responsable_of_another_organisation_is_refused(admin_user, convention):
    outsider = UserFactory()
    before = counts()
    with pytest.raises(BusinessError) as error:
        create(admin_user, convention, responsable=outsider)
    assert error.value.field == "responsable"
    assert counts() == before


# ---------------------------------------------------------------- update


def test_group_update_journals_changes_and_the_new_responsable(admin_user, convention, partner_user):
    group = create(admin_user, convention)
    before = JournalEntry.objects.count()
    services.group_update(
        actor=admin_user, group=group, label="Groupes du pôle", opening_date=D, closing_date=None,
        responsable=partner_user,
    )
    group.refresh_from_db()
    assert (group.label, group.responsable) == ("Groupes du pôle", partner_user)
    updated, named = JournalEntry.objects.order_by("id")[before:]
    assert updated.action == Action.GROUP_UPDATED and updated.details == {"label": "Groupes du pôle"}
    assert named.action == Action.RESPONSABLE_NAMED and named.target_user_id == partner_user.pk
    assert (named.group_id, named.convention_id, named.actor_id) == (group.pk, convention.pk, admin_user.pk)


def test_group_update_without_change_writes_nothing(admin_user, convention):
    group = create(admin_user, convention)
    before = JournalEntry.objects.count()
    services.group_update(actor=admin_user, group=group, label="Groupes", opening_date=D, closing_date=None,
                          responsable=None)
    assert JournalEntry.objects.count() == before


def test_group_update_refuses_bad_dates_and_saves_nothing(admin_user, convention):
    group = create(admin_user, convention)
    before = counts()
    with pytest.raises(BusinessError) as error:
        services.group_update(actor=admin_user, group=group, label="Autre libellé", opening_date=D,
                              closing_date=D - timedelta(days=1), responsable=None)
    assert error.value.field == "closing_date"
    group.refresh_from_db()
    assert group.label == "Groupes" and group.closing_date is None
    assert counts() == before


# ---------------------------------------------------------------- closing closes the subtree


@pytest.fixture
def tree(convention, role_t1):
    """GROUPES (T1) > SOUS1 (T1) > SOUS11 (T1), one member in each sub-group."""
    top = make_group(convention, "GROUPES", roles=[role_t1])
    sub = make_group(convention, "SOUS1", parent=top, roles=[role_t1])
    subsub = make_group(convention, "SOUS11", parent=sub, roles=[role_t1])
    member_sub = UserFactory(organisation=convention.organisation)
    member_subsub = UserFactory(organisation=convention.organisation)
    sub.memberships.create(user=member_sub)
    subsub.memberships.create(user=member_subsub)
    return top, sub, subsub, member_sub, member_subsub


def test_closing_a_group_closes_its_whole_subtree_for_rights(admin_user, convention, tree):
    top, sub, subsub, member_sub, member_subsub = tree
    assert consultation_rights(member_subsub, convention.caf_id).allowed

    services.group_close(actor=admin_user, group=top, closing_date=today())
    # Closed today by status: the subtree is closed at once, though its own rows still say « ouvert ».
    sub.refresh_from_db()
    assert sub.status == Group.Status.OPEN
    for member in (member_sub, member_subsub):
        assert open_groups_of(member) == []
        assert not consultation_rights(member, convention.caf_id).allowed


def test_a_group_past_its_closing_date_closes_its_subtree(convention, tree):
    top, sub, subsub, member_sub, member_subsub = tree
    Group.objects.filter(pk=sub.pk).update(closing_date=today() - timedelta(days=1))
    assert not consultation_rights(member_sub, convention.caf_id).allowed
    assert not consultation_rights(member_subsub, convention.caf_id).allowed


def test_closing_a_sub_group_leaves_its_parent_and_siblings_open(admin_user, convention, role_t1, tree):
    top, sub, subsub, member_sub, member_subsub = tree
    sibling_member = UserFactory(organisation=convention.organisation)
    make_group(convention, "SOUS2", parent=top, roles=[role_t1], members=[sibling_member])

    services.group_close(actor=admin_user, group=subsub, closing_date=today())
    assert consultation_rights(member_sub, convention.caf_id).allowed
    assert consultation_rights(sibling_member, convention.caf_id).allowed
    assert not consultation_rights(member_subsub, convention.caf_id).allowed


def test_group_close_is_journaled(admin_user, convention, tree):
    top = tree[0]
    services.group_close(actor=admin_user, group=top, closing_date=today(), ip="10.0.0.8")
    top.refresh_from_db()
    assert (top.status, top.closing_date) == (Group.Status.CLOSED, today())
    entry = JournalEntry.objects.last()
    assert entry.action == Action.GROUP_CLOSED
    assert (entry.actor_id, entry.convention_id, entry.group_id, entry.caf_id) == (
        admin_user.pk, convention.pk, top.pk, convention.caf_id)
    assert entry.details == {"closing_date": str(today())}


def test_group_close_before_its_opening_is_refused(admin_user, convention, tree):
    top = tree[0]
    before = counts()
    with pytest.raises(BusinessError) as error:
        services.group_close(actor=admin_user, group=top, closing_date=top.opening_date - timedelta(days=1))
    assert error.value.field == "closing_date"
    top.refresh_from_db()
    assert top.status == Group.Status.OPEN
    assert counts() == before
