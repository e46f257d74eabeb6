"""Scope of people (R7b): who may see, change, close, add to a group and take out of a group whom.

The world: one organisation, one Caf, two conventions, each with its own administrator.

    Convention 1 (administrator `admin1`)
      N1 > N2 (member `above`) > N3 (responsable `middle`, member of it) > N4 (members `two_conv`, `plain`)
         > N5 (responsable `leaf`, members `leaf`, `deep`) > N6 (empty, level 6)
      N2 > SIB (responsable `sibling`, member of it)
    Convention 2 (administrator `admin2`, in no group): G2 (member `two_conv`)

Every request goes to Convention 1's pages, from every seat, on five people: the administrator of
the other convention, the person of two conventions, a member deep below the middle responsable, a
member above him, and the actor himself.
"""
from dataclasses import dataclass

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from portail.accounts.models import User
from portail.conventions.models import Convention
from portail.habilitations.models import Group, GroupRole, Membership
from portail.testing import factories as f

from .conftest import page_text, snapshot

LOGIN = "login"


@dataclass
class Deep:
    conv1: Convention
    conv2: Convention
    groups: dict
    people: dict


@pytest.fixture
def deep(convention, admin_user, caf_agent, role_t1, role_t18) -> Deep:
    org = convention.organisation
    person = {name: f.UserFactory(organisation=org, last_name=name.capitalize())
              for name in ("admin2", "above", "middle", "two_conv", "plain", "leaf", "deep", "sibling")}
    person.update(admin1=admin_user, caf_agent=caf_agent,
                  other_caf_agent=f.CafAgentFactory(caf=f.CafFactory(name="Caf d'ailleurs")))
    g = {}
    g["N1"] = f.make_group(convention, "N1", roles=[role_t1, role_t18])
    g["N2"] = f.make_group(convention, "N2", parent=g["N1"], roles=[role_t1, role_t18], members=[person["above"]])
    g["N3"] = f.make_group(convention, "N3", parent=g["N2"], roles=[role_t18], responsable=person["middle"],
                           members=[person["middle"]])
    g["N4"] = f.make_group(convention, "N4", parent=g["N3"], roles=[role_t18],
                           members=[person["two_conv"], person["plain"]])
    g["N5"] = f.make_group(convention, "N5", parent=g["N4"], responsable=person["leaf"],
                           members=[person["leaf"], person["deep"]])
    g["N6"] = f.make_group(convention, "N6", parent=g["N5"])
    g["SIB"] = f.make_group(convention, "SIB", parent=g["N2"], responsable=person["sibling"],
                            members=[person["sibling"]])
    conv2 = f.ConventionFactory(caf=convention.caf, organisation=org, label="Convention 2")
    conv2.administrators.add(person["admin2"])
    g["G2"] = f.make_group(conv2, "G2", members=[person["two_conv"]])
    assert g["N6"].level == 6
    return Deep(convention, conv2, g, person)


# ---------------------------------------------------------------- the matrix

ACTIONS = ("view", "modify", "close", "add", "remove")
TARGETS = ("admin2", "two_conv", "deep", "above", "self")
SEATS = ("admin1", "admin2", "middle", "leaf", "sibling", "plain", "caf_agent", "other_caf_agent", "anonymous")

# seat → target → expected answer to (view, modify, close, add, remove); 302 = done.
ALL_404 = (404,) * 5
EXPECTED = {
    "admin1": {
        "admin2": (200, 403, 403, 302, 302),  # any staff may join his groups; another convention's administrator is the Caf's
        "two_conv": (200, 403, 403, 302, 302),  # a right from Convention 2: not his to change
        "deep": (200, 302, 302, 302, 302),
        "above": (200, 302, 302, 302, 302),
        "self": (200, 403, 403, 403, 403),
    },
    "admin2": dict.fromkeys(TARGETS, ALL_404),  # Convention 1 is not his
    "middle": {
        "admin2": (200, 403, 403, 302, 302),  # staff in no group: he may take him in, not change him
        "two_conv": (200, 403, 403, 302, 302),
        "deep": (200, 302, 302, 302, 302),
        "above": ALL_404,
        "self": (200, 403, 403, 403, 403),
    },
    "leaf": {
        "admin2": (200, 403, 403, 302, 302),
        "two_conv": ALL_404,
        "deep": (200, 302, 302, 302, 302),
        "above": ALL_404,
        "self": (200, 403, 403, 403, 403),
    },
    "sibling": {
        "admin2": (200, 403, 403, 302, 302),
        "two_conv": ALL_404,
        "deep": ALL_404,
        "above": ALL_404,
        "self": (200, 403, 403, 403, 403),
    },
    "plain": dict.fromkeys(TARGETS, ALL_404),
    "caf_agent": {**dict.fromkeys(TARGETS, (200, 403, 403, 403, 403)), "self": ALL_404},  # reads only
    "other_caf_agent": dict.fromkeys(TARGETS, ALL_404),
    "anonymous": dict.fromkeys(TARGETS, (LOGIN,) * 5),
}
ADD_TO = {"sibling": "SIB"}  # the group each seat tries to put people in (N6 otherwise)
OWN_GROUP = {"middle": "N3", "leaf": "N5", "sibling": "SIB", "plain": "N4"}
HOME = {"two_conv": "N4", "deep": "N5", "above": "N2"}  # the group each person is taken out of


def _user_data(target: User, **over) -> dict:
    values = {
        "last_name": target.last_name, "first_name": target.first_name, "email": target.email,
        "email_confirm": target.email, "phone": target.phone, "phone_confirm": target.phone,
        "opening_date": target.opening_date.isoformat(),
        "closing_date": target.closing_date.isoformat() if target.closing_date else "",
        "work_mode": target.work_mode,
    }
    values.update(over)
    return values


def _request(client, w: Deep, seat: str, target: User, action: str):
    conv = w.conv1.pk
    add_group = w.groups[ADD_TO.get(seat, "N6")]
    if action == "view":
        return client.get(reverse("habilitations:memberships", args=[conv, target.pk])), None
    if action == "modify":
        url = reverse("habilitations:user_update", args=[conv, target.pk])
        return client.post(url, _user_data(target, last_name="Modifié")), None
    if action == "close":
        return client.post(reverse("habilitations:user_close", args=[conv, target.pk])), None
    if action == "add":
        url = reverse("habilitations:membership_add", args=[conv, target.pk])
        return client.post(url, {"group": add_group.pk}), add_group
    name = HOME.get(_name_of(w, target)) or OWN_GROUP.get(seat) or "N6"
    group = w.groups[name]
    return client.post(reverse("habilitations:membership_remove", args=[conv, target.pk, group.pk])), group


def _name_of(w: Deep, user: User) -> str:
    return next(k for k, v in w.people.items() if v == user)


def _done(action: str, target: User, group: Group | None) -> bool:
    target.refresh_from_db()
    return {
        "modify": lambda: target.last_name == "Modifié",
        "close": lambda: target.status == User.Status.CLOSED,
        "add": lambda: Membership.objects.filter(user=target, group=group).exists(),
        "remove": lambda: not Membership.objects.filter(user=target, group=group).exists(),
    }[action]()


MATRIX = [pytest.param(s, t, a, id=f"{s}-{t}-{a}") for s in SEATS for t in TARGETS for a in ACTIONS
          if not (s == "anonymous" and t == "self")]


@pytest.mark.parametrize("seat, target_name, action", MATRIX)
def test_who_may_see_and_change_whom(deep, act_as, seat, target_name, action):
    w = deep
    actor = w.people.get(seat)
    target = actor if target_name == "self" else w.people[target_name]
    client = act_as(actor)
    before = snapshot()

    response, group = _request(client, w, seat, target, action)

    expected = EXPECTED[seat][target_name][ACTIONS.index(action)]
    if expected == LOGIN:
        assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:login"))
    else:
        assert response.status_code == expected, page_text(response)[:500]
    if expected == 302:
        assert _done(action, target, group)
    elif action != "view":
        assert snapshot() == before, "a refused request changed the database"


# ---------------------------------------------------------------- regressions of the review


def test_administrator_of_convention_1_cannot_change_the_e_mail_of_the_administrator_of_convention_2(deep, act_as):
    w, admin2 = deep, deep.people["admin2"]
    client = act_as(w.people["admin1"])
    url = reverse("habilitations:user_update", args=[w.conv1.pk, admin2.pk])
    email = admin2.email
    before = snapshot()

    assert client.get(url).status_code == 403
    response = client.post(url, _user_data(admin2, email="pirate@evil.example", email_confirm="pirate@evil.example"))

    assert response.status_code == 403
    admin2.refresh_from_db()
    assert admin2.email == email and not getattr(admin2, "pending_email", "")
    assert snapshot() == before


def test_administrator_of_convention_2_cannot_change_the_administrator_of_convention_1_nor_the_person_of_both(
    deep, act_as
):
    """Seen from Convention 2, the same organisation's staff is visible, but their rights come from elsewhere."""
    w = deep
    client = act_as(w.people["admin2"])
    for name in ("admin1", "two_conv", "deep"):
        url = reverse("habilitations:user_update", args=[w.conv2.pk, w.people[name].pk])
        assert client.get(url).status_code == 403, name
    # Taking the person of two conventions out of Convention 2's group stays his to do.
    two_conv = w.people["two_conv"]
    response = client.post(reverse("habilitations:membership_remove", args=[w.conv2.pk, two_conv.pk, w.groups["G2"].pk]))
    assert response.status_code == 302
    assert not Membership.objects.filter(user=two_conv, group=w.groups["G2"]).exists()


def test_responsable_cannot_clear_the_closing_date_of_his_own_group(deep, act_as, admin_user):
    from datetime import date

    w = deep
    n3 = w.groups["N3"]
    Group.objects.filter(pk=n3.pk).update(closing_date=date(2030, 12, 31))
    client = act_as(w.people["middle"])
    url = reverse("habilitations:group_update", args=[w.conv1.pk, n3.pk])
    before = snapshot()

    forged = {"label": "N3", "opening_date": n3.opening_date.isoformat(), "closing_date": ""}
    assert client.post(url, forged).status_code == 403
    assert snapshot() == before

    # What his browser sends (dates are shown, not editable): the label only, the dates stay.
    page = client.get(url)
    assert page.context["form"].fields["closing_date"].disabled
    assert client.post(url, {"label": "Libellé changé"}).status_code == 302
    n3.refresh_from_db()
    assert (n3.label, n3.closing_date) == ("Libellé changé", date(2030, 12, 31))

    # His administrator may clear it.
    response = act_as(admin_user).post(url, {"label": "N3", "opening_date": n3.opening_date.isoformat(),
                                             "closing_date": ""})
    assert response.status_code == 302
    n3.refresh_from_db()
    assert n3.closing_date is None


def test_responsable_cannot_give_his_own_group_a_role_of_its_parent(deep, act_as, role_t1):
    """N2 holds T1, N3 does not: its responsable may not take it; the responsable of N3 may give it below him."""
    w = deep
    n3, n4 = w.groups["N3"], w.groups["N4"]
    client = act_as(w.people["middle"])
    before = snapshot()
    for step in ("assign", "save"):
        data = {"service": "CDAP", "action": step, "draft": [role_t1.pk], "role": role_t1.pk}
        assert client.post(reverse("habilitations:group_roles", args=[w.conv1.pk, n3.pk]), data).status_code == 403
    assert snapshot() == before
    assert not GroupRole.objects.filter(group=n3, role=role_t1).exists()
    page = client.get(reverse("habilitations:group_roles", args=[w.conv1.pk, n3.pk]))
    assert page.status_code == 200 and "Assigner rôle" not in page.content.decode()
    # Below his own group he still manages roles (within R3's ceiling).
    page = client.get(reverse("habilitations:group_roles", args=[w.conv1.pk, n4.pk]))
    assert "Assigner rôle" in page.content.decode()


def test_responsable_cannot_close_his_own_group_but_may_create_a_subgroup_below_it(deep, act_as):
    w = deep
    client = act_as(w.people["middle"])
    n3 = w.groups["N3"]
    assert client.post(reverse("habilitations:group_close", args=[w.conv1.pk, n3.pk]),
                       {"closing_date": "2030-01-01"}).status_code == 403
    response = client.post(reverse("habilitations:group_create", args=[w.conv1.pk]), {
        "code": "N3BIS", "label": "Sous N3", "opening_date": "2024-01-01", "is_subgroup": "on", "parent": n3.pk})
    assert response.status_code == 302
    assert Group.objects.get(code="N3BIS").parent == n3


@pytest.mark.parametrize("seat, target, expected", [
    ("admin1", "deep", 200), ("admin1", "admin2", 403), ("admin1", "two_conv", 403), ("admin1", "admin1", 403),
    ("middle", "deep", 200), ("middle", "two_conv", 403), ("leaf", "two_conv", 404),
    ("caf_agent", "admin2", 200), ("caf_agent", "two_conv", 200), ("plain", "deep", 404),
])
def test_unlocking_an_account_follows_the_rule_of_changing_a_person(deep, act_as, seat, target, expected):
    """« Débloquer le compte » is a change of the person; the Caf may lift any lockout of its partners."""
    w = deep
    url = reverse("habilitations:user_unlock", args=[w.conv1.pk, w.people[target].pk])
    assert act_as(w.people[seat]).get(url).status_code == expected


# ---------------------------------------------------------------- list pages offer only what is allowed


def _links(html: str, verb: str, name: str) -> bool:
    return f'aria-label="{verb} {name}"' in html


def test_users_list_shows_modifier_and_cloturer_only_where_allowed(deep, act_as):
    w = deep
    html = act_as(w.people["middle"]).get(reverse("habilitations:users", args=[w.conv1.pk])).content.decode()
    shown = {name: w.people[name].username for name in ("deep", "two_conv", "admin2", "middle", "admin1")}
    for name, username in shown.items():
        assert username in html, name
        allowed = name == "deep"
        assert _links(html, "Modifier", username) is allowed, name
        assert _links(html, "Clôturer", username) is allowed, name
    assert w.people["above"].username not in html


def test_users_list_of_the_administrator(deep, act_as):
    w = deep
    html = act_as(w.people["admin1"]).get(reverse("habilitations:users", args=[w.conv1.pk])).content.decode()
    for name, allowed in {"deep": True, "above": True, "middle": True, "two_conv": False, "admin2": False,
                          "admin1": False}.items():
        assert _links(html, "Modifier", w.people[name].username) is allowed, name
        assert _links(html, "Clôturer", w.people[name].username) is allowed, name


def test_groups_list_shows_modifier_cloturer_and_subgroup_only_where_allowed(deep, act_as):
    w = deep
    html = act_as(w.people["middle"]).get(reverse("habilitations:groups", args=[w.conv1.pk])).content.decode()
    for code in ("N3", "N4", "N5", "N6"):
        assert f'aria-label="Modifier le groupe {code}"' in html
    assert 'aria-label="Clôturer le groupe N3"' not in html  # his own group: decided above him
    for code in ("N4", "N5", "N6"):
        assert f'aria-label="Clôturer le groupe {code}"' in html
    for code in ("N3", "N4", "N5"):
        assert f'aria-label="Créer un sous-groupe de {code}"' in html
    assert 'aria-label="Créer un sous-groupe de N6"' not in html  # sixth level: the deepest
    assert "N2" not in page_text(act_as(w.people["middle"]).get(reverse("habilitations:groups", args=[w.conv1.pk])))


def test_caf_agent_sees_the_lists_without_any_change_link(deep, act_as):
    w = deep
    client = act_as(w.people["caf_agent"])
    html = client.get(reverse("habilitations:users", args=[w.conv1.pk])).content.decode()
    assert 'aria-label="Modifier ' not in html and 'aria-label="Clôturer ' not in html
    assert 'aria-label="Ajouter l\'utilisateur' not in html
    html = client.get(reverse("habilitations:groups", args=[w.conv1.pk])).content.decode()
    assert 'aria-label="Modifier le groupe' not in html and "Créer un sous-groupe" not in html


# ---------------------------------------------------------------- constant queries per list page


@pytest.mark.parametrize("seat", ["admin1", "middle", "caf_agent"])
@pytest.mark.parametrize("page", ["users", "groups"])
def test_list_pages_run_as_many_queries_for_3_rows_as_for_30(deep, act_as, seat, page):
    w = deep
    client = act_as(w.people[seat])
    url = reverse(f"habilitations:{page}", args=[w.conv1.pk])
    org = w.conv1.organisation

    def grow(start, stop):
        for i in range(start, stop):
            person = f.UserFactory(organisation=org)
            group = f.make_group(w.conv1, f"X{i:02d}", parent=w.groups["N4"], responsable=person if i % 3 else None)
            Membership.objects.create(user=person, group=group)
            if i % 2:  # half of them also hold a right in Convention 2: not changeable
                Membership.objects.create(user=person, group=w.groups["G2"])

    def count():
        assert client.get(url).status_code == 200
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    grow(0, 3)
    few = count()
    grow(3, 30)
    assert count() == few


@pytest.mark.parametrize("page", ["groups", "users", "memberships", "membership_add", "group_update", "group_roles",
                                  "user_update"])
def test_each_page_computes_the_actors_scope_once(deep, act_as, monkeypatch, page):
    from portail.access import seat as seat_module

    calls = []
    real = seat_module.management_scope

    def counted(actor, convention):
        calls.append(convention.pk)
        return real(actor, convention)

    monkeypatch.setattr(seat_module, "management_scope", counted)
    w = deep
    args = {"groups": [], "users": [], "memberships": [w.people["deep"].pk], "membership_add": [w.people["deep"].pk],
            "group_update": [w.groups["N4"].pk], "group_roles": [w.groups["N4"].pk],
            "user_update": [w.people["deep"].pk]}[page]
    response = act_as(w.people["middle"]).get(reverse(f"habilitations:{page}", args=[w.conv1.pk, *args]))
    assert response.status_code == 200
    assert calls == [w.conv1.pk]
