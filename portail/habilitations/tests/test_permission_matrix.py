"""Permission matrix of the habilitation administration pages (R6, R7).

Every page and form action × every kind of actor × inside / outside scope → the expected status.
Inside: the objects of the convention in `world` (group CIBLE, its member, a newcomer of the
organisation). Outside: the same pages on a convention of another Caf and organisation.

- 200 / 302: allowed; a 302 after a POST must have done what it says (object, journal entry);
- FORM: the page answers 200 with an error and saves nothing (the choice is not offered);
- 403: visible but not allowed; 404: outside scope; LOGIN: anonymous, sent to the login page.

Whatever is refused (and every GET, and the draft steps of « Habilitations du groupe ») leaves the
database exactly as it was.
"""
from dataclasses import dataclass
from typing import Callable

import pytest
from django.urls import reverse

from portail.accounts.models import User
from portail.habilitations.models import Group, GroupRole, Membership
from portail.journal.models import Action, JournalEntry

from .conftest import ACTORS, Place, World, snapshot

LOGIN, FORM = "login", "form"


@dataclass(frozen=True)
class Case:
    name: str
    method: str
    url: Callable[[World, Place], str]
    data: Callable[[World, Place], dict] | None
    inside: tuple  # expected inside scope, one per actor in the order of ACTORS (anonymous excluded: LOGIN)
    check: Callable[[World, Place, User], None] | None = None  # what an allowed write must have done
    journal: tuple[Action, int] | None = None  # journal action written (and how many entries)


class _Route:
    """The URL of a page of `place`'s convention; `objects` name the Place attributes in its path."""

    def __init__(self, name: str, *objects: str):
        self.name, self.objects = name, objects

    def __call__(self, world: World, place: Place) -> str:
        args = [place.convention.pk, *(getattr(place, attr).pk for attr in self.objects)]
        return reverse(f"habilitations:{self.name}", args=args)


_conv_url = _Route


def _user_data(**over):
    values = {
        "last_name": "Durand", "first_name": "Lucie", "email": "lucie.durand@partenaire.example.fr",
        "email_confirm": "lucie.durand@partenaire.example.fr", "phone": "", "phone_confirm": "",
        "opening_date": "2024-01-01", "closing_date": "", "work_mode": "sedentaire",
    }
    values.update(over)
    return values


def _roles_post(action, roles):
    def data(w, p):
        return {"service": "CDAP", "action": action, "draft": [getattr(p, r).pk for r in roles],
                **({"role": p.extra_role.pk} if action == "assign" else {})}
    return data


# ---------------------------------------------------------------- what allowed writes must have done


def _created_subgroup(w, p, actor):
    group = Group.objects.get(convention=p.convention, code="NOUVEAU")
    assert group.parent == p.group and group.level == p.group.level + 1


def _updated_group(w, p, actor):
    p.group.refresh_from_db()
    assert p.group.label == "Libellé modifié"


def _closed_group(w, p, actor):
    p.group.refresh_from_db()
    assert p.group.status == Group.Status.CLOSED


def _assigned_role(w, p, actor):
    grant = GroupRole.objects.get(group=p.group, role=p.extra_role)
    assert grant.state == GroupRole.State.ACTIVE and grant.granted_by == actor


def _removed_role_everywhere(w, p, actor):
    assert not GroupRole.objects.filter(group__in=Group.objects.subtree_of(p.group), role=p.held_role).exists()


def _created_user(w, p, actor):
    created = User.objects.get(email="lucie.durand@partenaire.example.fr")
    assert created.organisation_id == p.convention.organisation_id and not created.has_usable_password()


def _updated_user(w, p, actor):
    p.member.refresh_from_db()
    assert p.member.last_name == "Modifié"


def _closed_user(w, p, actor):
    p.member.refresh_from_db()
    assert p.member.status == User.Status.CLOSED


def _added_member(w, p, actor):
    assert Membership.objects.filter(user=p.newcomer, group=p.group).exists()


def _removed_member(w, p, actor):
    assert not Membership.objects.filter(user=p.member, group=p.group).exists()


CASES = [
    Case("groupes", "get", _conv_url("groups"), None, (200, 200, 200, 200, 404, 200, 404, 404)),
    Case("créer un groupe (page)", "get", _conv_url("group_create"), None, (200, 200, 200, 200, 404, 403, 404, 404)),
    Case(
        "créer un sous-groupe", "post", _conv_url("group_create"),
        lambda w, p: {"code": "nouveau", "label": "Nouveau sous-groupe", "opening_date": "2024-01-01",
                      "is_subgroup": "on", "parent": p.group.pk},
        (302, 302, FORM, 302, 404, 403, 404, 404), _created_subgroup, (Action.GROUP_CREATED, 1),
    ),
    Case("modifier le groupe (page)", "get", _conv_url("group_update", "group"), None,
         (200, 200, 404, 200, 404, 403, 404, 404)),
    Case(
        "modifier le groupe", "post", _conv_url("group_update", "group"),
        lambda w, p: {"label": "Libellé modifié", "opening_date": p.group.opening_date.isoformat(),
                      "closing_date": "", "responsable": p.group.responsable_id or ""},
        (302, 302, 404, 302, 404, 403, 404, 404), _updated_group, (Action.GROUP_UPDATED, 1),
    ),
    Case("clôturer le groupe (page)", "get", _conv_url("group_close", "group"), None,
         (200, 200, 404, 403, 404, 403, 404, 404)),
    Case(
        "clôturer le groupe", "post", _conv_url("group_close", "group"),
        lambda w, p: {"closing_date": "2025-06-30"},
        (302, 302, 404, 403, 404, 403, 404, 404), _closed_group, (Action.GROUP_CLOSED, 1),
    ),
    Case("habilitations du groupe", "get", _conv_url("group_roles", "group"), None,
         (200, 200, 404, 200, 404, 200, 404, 404)),
    Case("assigner rôle (brouillon)", "post", _conv_url("group_roles", "group"), _roles_post("assign", ["held_role"]),
         (200, 200, 404, 403, 404, 403, 404, 404)),
    Case("retirer (brouillon)", "post", _conv_url("group_roles", "group"),
         lambda w, p: {"service": "CDAP", "action": f"remove:{p.held_role.pk}", "draft": [p.held_role.pk]},
         (200, 200, 404, 403, 404, 403, 404, 404)),
    Case(
        "proposer les modifications (ajout)", "post", _conv_url("group_roles", "group"),
        _roles_post("save", ["held_role", "extra_role"]),
        (302, 302, 404, 403, 404, 403, 404, 404), _assigned_role, (Action.ROLE_ASSIGNED, 1),
    ),
    Case("proposer les modifications (retrait à confirmer)", "post", _conv_url("group_roles", "group"),
         _roles_post("save", []), (200, 200, 404, 403, 404, 403, 404, 404)),
    Case(
        "confirmer le retrait", "post", _conv_url("group_roles", "group"), _roles_post("confirm", []),
        (302, 302, 404, 403, 404, 403, 404, 404), _removed_role_everywhere, (Action.ROLE_REMOVED, 2),
    ),
    Case("utilisateurs", "get", _conv_url("users"), None, (200, 200, 200, 200, 404, 200, 404, 404)),
    Case("créer un utilisateur (page)", "get", _conv_url("user_create"), None,
         (200, 200, 200, 200, 404, 403, 404, 404)),
    Case(
        "créer un utilisateur", "post", _conv_url("user_create"), lambda w, p: _user_data(),
        (302, 302, 302, 302, 404, 403, 404, 404), _created_user, (Action.USER_CREATED, 1),
    ),
    Case("modifier l'utilisateur (page)", "get", _conv_url("user_update", "member"), None,
         (200, 200, 404, 200, 404, 403, 404, 404)),
    Case(
        "modifier l'utilisateur", "post", _conv_url("user_update", "member"),
        lambda w, p: _user_data(last_name="Modifié", email=p.member.email, email_confirm=p.member.email),
        (302, 302, 404, 302, 404, 403, 404, 404), _updated_user, (Action.USER_UPDATED, 1),
    ),
    Case("clôturer l'utilisateur (page)", "get", _conv_url("user_close", "member"), None,
         (200, 200, 404, 200, 404, 403, 404, 404)),
    Case(
        "clôturer l'utilisateur", "post", _conv_url("user_close", "member"), lambda w, p: {},
        (302, 302, 404, 302, 404, 403, 404, 404), _closed_user, (Action.USER_CLOSED, 1),
    ),
    Case("ajouter l'utilisateur au groupe (page)", "get", _conv_url("membership_add", "newcomer"), None,
         (200, 200, 200, 200, 404, 403, 404, 404)),
    Case(
        "ajouter au groupe", "post", _conv_url("membership_add", "newcomer"), lambda w, p: {"group": p.group.pk},
        (302, 302, FORM, 302, 404, 403, 404, 404), _added_member, (Action.MEMBERSHIP_ADDED, 1),
    ),
    Case("gérer l'appartenance", "get", _conv_url("memberships", "member"), None,
         (200, 200, 404, 200, 404, 200, 404, 404)),
    Case(
        "retirer du groupe", "post", _conv_url("membership_remove", "member", "group"), lambda w, p: {},
        (302, 302, 404, 302, 404, 403, 404, 404), _removed_member, (Action.MEMBERSHIP_REMOVED, 1),
    ),
]

MATRIX = [
    pytest.param(case, actor, scope, id=f"{case.name}-{actor}-{scope}")
    for case in CASES
    for actor in ACTORS
    for scope in ("inside", "outside")
]


def expected_for(case: Case, actor: str, scope: str):
    if actor == "anonymous":
        return LOGIN
    if scope == "outside":
        return 404
    return case.inside[ACTORS.index(actor)]


def test_every_page_and_action_is_in_the_matrix():
    routed = {
        "groups", "group_create", "group_update", "group_close", "group_roles", "users", "user_create",
        "user_update", "user_close", "membership_add", "memberships", "membership_remove",
    }
    covered = {case.url.name for case in CASES}
    assert covered == routed
    for case in CASES:
        assert len(case.inside) == len(ACTORS) - 1


@pytest.mark.parametrize("case, actor, scope", MATRIX)
def test_permission_matrix(world, act_as, case, actor, scope):
    place = world.inside if scope == "inside" else world.outside
    person = world.actors[actor]
    client = act_as(person)
    url = case.url(world, place)
    data = case.data(world, place) if case.data else None
    before = snapshot()
    journal_before = JournalEntry.objects.filter(action=case.journal[0]).count() if case.journal else 0

    response = client.post(url, data) if case.method == "post" else client.get(url)

    expected = expected_for(case, actor, scope)
    if expected == LOGIN:
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:login") + "?next=")
    elif expected == FORM:
        assert response.status_code == 200
        assert response.context["form"].errors, "the refused choice must be reported on the form"
    else:
        assert response.status_code == expected, response.content.decode()[:2000]

    writes = case.method == "post" and expected == 302
    if not writes:
        assert snapshot() == before, "a refused or read-only request changed the database"
        return
    case.check(world, place, person)
    action, entries = case.journal
    assert JournalEntry.objects.filter(action=action).count() == journal_before + entries
    last = JournalEntry.objects.order_by("-pk").first()
    assert last.actor_id == person.pk and last.convention_id == place.convention.pk


# ---------------------------------------------------------------- « Consulter les conventions »

LISTED = {
    "administrator": True, "parent_responsable": True, "sibling_responsable": True, "own_responsable": True,
    "plain_user": False, "caf_agent": True, "other_caf_agent": False, "other_administrator": False,
}


@pytest.mark.parametrize("actor", ACTORS)
def test_conventions_list_shows_only_the_conventions_in_scope(world, act_as, actor):
    response = act_as(world.actors[actor]).get(reverse("conventions:list"))
    if actor == "anonymous":
        assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:login"))
        return
    assert response.status_code == 200
    shown = list(response.context["page"])
    assert (world.inside.convention in shown) is LISTED[actor]
    assert world.outside.convention not in shown
    if actor == "other_administrator":
        assert [c.label for c in shown] == ["Convention voisine"]


# ---------------------------------------------------------------- lists never leak outside the scope


@pytest.mark.parametrize(
    "actor, codes",
    [
        ("administrator", ["GROUPES", "PARENT", "CIBLE", "DESSOUS", "VOISIN"]),
        ("caf_agent", ["GROUPES", "PARENT", "CIBLE", "DESSOUS", "VOISIN"]),
        ("parent_responsable", ["PARENT", "CIBLE", "DESSOUS"]),
        ("own_responsable", ["CIBLE", "DESSOUS"]),
        ("sibling_responsable", ["VOISIN"]),
    ],
)
def test_groups_list_shows_the_actors_subtree_only(world, act_as, actor, codes):
    response = act_as(world.actors[actor]).get(reverse("habilitations:groups", args=[world.inside.convention.pk]))
    assert sorted(row.group.code for row in response.context["rows"]) == sorted(codes)


def test_users_list_of_a_sibling_responsable_hides_the_members_of_other_subtrees(world, act_as):
    response = act_as(world.actors["sibling_responsable"]).get(
        reverse("habilitations:users", args=[world.inside.convention.pk])
    )
    shown = set(response.context["page"])
    assert world.inside.member not in shown
    assert world.inside.newcomer in shown  # not in any group yet: he may take him in
    assert world.outside.member not in shown


def test_close_link_is_offered_only_where_the_actor_may_close(world, act_as):
    """The responsable of CIBLE sees « Clôturer » on DESSOUS, not on his own group (403 if forced)."""
    response = act_as(world.actors["own_responsable"]).get(
        reverse("habilitations:groups", args=[world.inside.convention.pk])
    )
    html = response.content.decode()
    assert "Clôturer le groupe DESSOUS" in html
    assert "Clôturer le groupe CIBLE" not in html


def test_caf_agent_sees_no_management_button(world, act_as):
    client = act_as(world.actors["caf_agent"])
    for name in ("groups", "users"):
        html = client.get(reverse(f"habilitations:{name}", args=[world.inside.convention.pk])).content.decode()
        assert "Créer un groupe" not in html and "Créer un utilisateur" not in html and ">Modifier<" not in html
    html = client.get(
        reverse("habilitations:group_roles", args=[world.inside.convention.pk, world.inside.group.pk])
    ).content.decode()
    assert "Assigner rôle" not in html and "Proposer les modifications" not in html


@pytest.mark.parametrize("actor", ["administrator", "caf_agent", "anonymous"])
def test_membership_remove_answers_only_to_post(world, act_as, actor):
    p = world.inside
    before = snapshot()
    response = act_as(world.actors[actor]).get(
        reverse("habilitations:membership_remove", args=[p.convention.pk, p.member.pk, p.group.pk])
    )
    assert response.status_code == 405
    assert snapshot() == before
