"""R6 (administrators manage their whole convention) and R7 (a responsable manages his subtree, nothing else).

The world, as in the seed: « Convention 1 » administered by `admin_user`;
GROUPES (level 1, responsable `top_resp`) > SOUS1 (responsable `resp`) > SOUS11; GROUPES > SOUS2
(responsable `sibling`, the sibling subtree); ACCUEIL, another main group.
"""
import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from portail.testing.factories import ConventionFactory, UserFactory, make_group
from portail.access import (
    Do, Seat, access_convention, access_group, access_user, conventions_visible_to, groups_visible_to, management_scope,
    users_visible_to,
)


class World:
    pass


@pytest.fixture
def w(convention, admin_user, role_t1, role_t18):
    org = convention.organisation
    w = World()
    w.convention, w.admin = convention, admin_user
    w.top_resp, w.resp, w.sibling = (UserFactory(organisation=org, last_name=n) for n in ("Haut", "Bernard", "Robert"))
    w.top = make_group(convention, "GROUPES", roles=[role_t1, role_t18], responsable=w.top_resp)
    w.sub = make_group(convention, "SOUS1", parent=w.top, roles=[role_t18], responsable=w.resp, members=[w.resp])
    w.subsub = make_group(convention, "SOUS11", parent=w.sub, roles=[role_t18])
    w.sous2 = make_group(convention, "SOUS2", parent=w.top, roles=[role_t18], responsable=w.sibling)
    w.accueil = make_group(convention, "ACCUEIL", roles=[role_t18])
    w.in_subsub = UserFactory(organisation=org, last_name="Petit")
    w.subsub.memberships.create(user=w.in_subsub)
    w.in_sous2 = UserFactory(organisation=org, last_name="Sibling")
    w.sous2.memberships.create(user=w.in_sous2)
    w.newcomer = UserFactory(organisation=org, last_name="Nouveau")  # in no group yet
    w.other_convention = ConventionFactory(organisation=org)
    w.other_group = make_group(w.other_convention, "AUTRE")
    return w


def status(call):
    """What a view would answer: 200, 403 or 404."""
    try:
        call()
    except Http404:
        return 404
    except PermissionDenied:
        return 403
    return 200


# ---------------------------------------------------------------- R6


def test_administrator_manages_the_whole_convention(w):
    scope = management_scope(w.admin, w.convention)
    assert scope.whole
    assert set(groups_visible_to(w.admin, w.convention)) == {w.top, w.sub, w.subsub, w.sous2, w.accueil}
    assert set(users_visible_to(w.admin, w.convention)) >= {w.resp, w.in_subsub, w.in_sous2, w.newcomer, w.top_resp}
    assert access_convention(w.admin, w.convention.pk, Do.ADMINISTER) == w.convention
    for group in (w.top, w.sub, w.subsub, w.sous2, w.accueil):
        assert access_group(w.admin, w.convention, group.pk, Do.ADMINISTER) == group
        assert Seat(w.admin, w.convention).can(Do.ADMINISTER, group)
    for user in (w.resp, w.in_sous2, w.newcomer):
        assert access_user(w.admin, w.convention, user.pk, Do.MANAGE) == user
    assert Seat(w.admin, w.convention).may_create_top_group
    assert list(conventions_visible_to(w.admin)) == [w.convention]


def test_administrator_of_one_convention_has_nothing_in_another(w):
    """Same organisation, another convention he does not administer: it does not exist for him."""
    assert management_scope(w.admin, w.other_convention) is None
    assert status(lambda: access_convention(w.admin, w.other_convention.pk)) == 404
    assert status(lambda: access_group(w.admin, w.other_convention, w.other_group.pk)) == 404
    assert not groups_visible_to(w.admin, w.other_convention).exists()
    assert not users_visible_to(w.admin, w.other_convention).exists()
    # A group of another convention asked through his own convention is not found either.
    assert status(lambda: access_group(w.admin, w.convention, w.other_group.pk)) == 404


def test_administrator_who_is_not_open_manages_nothing(w):
    w.admin.status = w.admin.Status.SUSPENDED
    w.admin.save()
    assert management_scope(w.admin, w.convention) is None
    assert not conventions_visible_to(w.admin).exists()
    assert status(lambda: access_convention(w.admin, w.convention.pk)) == 404


def test_administrator_of_another_organisation_cannot_manage(w):
    stranger = UserFactory()
    w.convention.administrators.add(stranger)  # forced in: the organisation still has to match
    assert management_scope(stranger, w.convention) is None
    assert status(lambda: access_convention(stranger, w.convention.pk)) == 404


# ---------------------------------------------------------------- R7


def test_responsable_manages_his_group_and_its_descendants_only(w):
    scope = management_scope(w.resp, w.convention)
    assert not scope.whole
    assert set(groups_visible_to(w.resp, w.convention)) == {w.sub, w.subsub}
    assert access_group(w.resp, w.convention, w.sub.pk, Do.MANAGE) == w.sub
    assert access_group(w.resp, w.convention, w.subsub.pk, Do.MANAGE) == w.subsub
    assert access_group(w.resp, w.convention, w.subsub.pk, Do.ADMINISTER) == w.subsub  # below him: close, name
    assert list(conventions_visible_to(w.resp)) == [w.convention]
    assert access_convention(w.resp, w.convention.pk) == w.convention
    assert Seat(w.resp, w.convention).can_manage


@pytest.mark.parametrize("name", ["top", "sous2", "accueil"])
def test_groups_outside_his_subtree_do_not_exist_for_him(w, name):
    """Parent, sibling subtree, another main group: 404 whatever the action."""
    group = getattr(w, name)
    for action in Do:
        assert status(lambda: access_group(w.resp, w.convention, group.pk, action)) == 404


def test_responsable_cannot_close_or_rename_the_responsable_of_his_own_top_group(w):
    assert status(lambda: access_group(w.resp, w.convention, w.sub.pk, Do.ADMINISTER)) == 403
    assert not Seat(w.resp, w.convention).can(Do.ADMINISTER, w.sub)
    assert status(lambda: access_group(w.top_resp, w.convention, w.top.pk, Do.ADMINISTER)) == 403
    assert status(lambda: access_group(w.top_resp, w.convention, w.sub.pk, Do.ADMINISTER)) == 200


def test_responsable_cannot_administer_the_convention_nor_create_main_groups(w):
    assert status(lambda: access_convention(w.resp, w.convention.pk, Do.ADMINISTER)) == 403
    assert not Seat(w.resp, w.convention).may_create_top_group


def test_responsable_sees_his_members_and_newcomers_not_the_sibling_subtrees(w):
    visible = set(users_visible_to(w.resp, w.convention))
    assert {w.resp, w.in_subsub, w.newcomer} <= visible
    assert w.in_sous2 not in visible
    assert status(lambda: access_user(w.resp, w.convention, w.in_sous2.pk)) == 404
    assert status(lambda: access_user(w.resp, w.convention, w.in_sous2.pk, Do.MANAGE)) == 404
    assert access_user(w.resp, w.convention, w.in_subsub.pk, Do.MANAGE) == w.in_subsub


def test_responsable_cannot_change_a_person_who_also_belongs_elsewhere(w):
    w.accueil.memberships.create(user=w.in_subsub)
    assert access_user(w.resp, w.convention, w.in_subsub.pk) == w.in_subsub
    assert status(lambda: access_user(w.resp, w.convention, w.in_subsub.pk, Do.MANAGE)) == 403


@pytest.mark.parametrize("name", ["admin", "top_resp", "sibling"])
def test_responsable_cannot_change_the_people_above_or_beside_him(w, name):
    """The administrator and the responsables of other subtrees (even in no group) are not his to manage."""
    target = getattr(w, name)
    assert status(lambda: access_user(w.resp, w.convention, target.pk, Do.MANAGE)) in (403, 404)


def test_top_responsable_may_change_the_responsable_below_him(w):
    w.sub.memberships.filter(user=w.resp).delete()
    assert access_user(w.top_resp, w.convention, w.resp.pk, Do.MANAGE) == w.resp
    assert access_user(w.top_resp, w.convention, w.sibling.pk, Do.MANAGE) == w.sibling


def test_plain_user_and_other_organisations_have_no_scope(w):
    for actor in (w.in_subsub, UserFactory()):
        assert management_scope(actor, w.convention) is None
        assert not conventions_visible_to(actor).exists()
        assert status(lambda: access_convention(actor, w.convention.pk)) == 404
        assert status(lambda: access_group(actor, w.convention, w.sub.pk)) == 404
        assert status(lambda: access_user(actor, w.convention, w.resp.pk)) == 404


def test_responsable_of_two_subtrees_manages_both(w):
    w.accueil.responsable = w.resp
    w.accueil.save()
    assert set(groups_visible_to(w.resp, w.convention)) == {w.sub, w.subsub, w.accueil}
    assert status(lambda: access_group(w.resp, w.convention, w.sous2.pk)) == 404


def test_subtree_prefix_does_not_leak_to_groups_with_a_longer_id(convention, role_t18):
    """Paths end with a slash: the responsable of group 901 sees nothing of group 9012."""
    resp = UserFactory(organisation=convention.organisation)
    mine = make_group(convention, "G901", id=901, responsable=resp)
    other = make_group(convention, "G9012", id=9012)
    assert (mine.path, other.path) == ("/901/", "/9012/")
    assert list(groups_visible_to(resp, convention)) == [mine]
    assert status(lambda: access_group(resp, convention, other.pk)) == 404


def test_responsable_sees_exactly_his_members_and_the_staff_in_no_group(w):
    """Someone placed only in another convention of the same partner is not a newcomer; other partners' staff never show."""
    from portail.accounts.models import User

    placed_elsewhere = UserFactory(organisation=w.convention.organisation, last_name="Ailleurs")
    w.other_group.memberships.create(user=placed_elsewhere)
    stranger = UserFactory(last_name="Etranger")
    unplaced = {u for u in User.objects.filter(organisation=w.convention.organisation) if not u.memberships.exists()}
    visible = set(users_visible_to(w.resp, w.convention))
    assert visible == {w.resp, w.in_subsub} | unplaced
    assert w.newcomer in visible and placed_elsewhere not in visible and stranger not in visible
    assert users_visible_to(w.resp, w.convention).count() == len(visible)
