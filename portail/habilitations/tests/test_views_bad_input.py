"""Bad input through the pages: a French message next to the field and nothing saved; tampered
forms and ids in URLs answer an error or a 404, never a 500 (the test client re-raises any
exception a view lets escape)."""
from datetime import date

import pytest
from django.urls import reverse

from portail.testing import factories as f
from portail.habilitations.models import Group, GroupRole, Membership
from portail.journal.models import Action, JournalEntry

from .conftest import field_errors, page_text, snapshot

CEILING = "un sous-groupe ne peut pas avoir d'autres rôles que ceux possédés par son parent direct"
DATE_ORDER = "La date de clôture ne peut pas précéder la date d'ouverture."
AFTER_CONVENTION = "La date de clôture ne peut pas dépasser celle de la convention (31/12/2030)."
INVALID_CHOICE = "Sélectionnez un choix valide. Ce choix ne fait pas partie de ceux disponibles."


@pytest.fixture
def admin(world, act_as):
    return act_as(world.actors["administrator"])


def _url(name, world, *args):
    return reverse(f"habilitations:{name}", args=[world.inside.convention.pk, *args])


def _user_data(**over):
    values = {
        "last_name": "Durand", "first_name": "Lucie", "email": "lucie.durand@partenaire.example.fr",
        "email_confirm": "lucie.durand@partenaire.example.fr", "phone": "", "phone_confirm": "",
        "opening_date": "2024-01-01", "closing_date": "", "work_mode": "sedentaire",
    }
    values.update(over)
    return values


def _group_data(**over):
    values = {"code": "NOUVEAU", "label": "Nouveau groupe", "opening_date": "2024-01-01", "closing_date": ""}
    values.update(over)
    return values


def _refused(response, field: str, message: str, before: dict) -> None:
    assert response.status_code == 200
    assert any(message in text for text in field_errors(response, field)), field_errors(response, field)
    assert snapshot() == before


# ---------------------------------------------------------------- « Créer un utilisateur »


@pytest.mark.parametrize(
    "over, field, message",
    [
        ({"email_confirm": "lucie.dupont@partenaire.example.fr"}, "email_confirm",
         "Les deux adresses mail ne sont pas identiques."),
        ({"phone": "05 56 00 00 00", "phone_confirm": "05 56 00 00 01"}, "phone_confirm",
         "Les deux numéros de téléphone ne sont pas identiques."),
        ({"phone": "05 56 00 00 00"}, "phone_confirm", "Les deux numéros de téléphone ne sont pas identiques."),
        ({"phone": "pas un numéro", "phone_confirm": "pas un numéro"}, "phone",
         "Saisissez un numéro de téléphone valide"),
        ({"email": "lucie", "email_confirm": "lucie"}, "email", "Saisissez une adresse mail valide."),
        ({"closing_date": "2023-12-31"}, "closing_date", DATE_ORDER),
        ({"opening_date": "31/02/2024"}, "opening_date", "Saisissez une date valide"),
        ({"last_name": ""}, "last_name", "Ce champ est obligatoire."),
        ({"work_mode": "astronaute"}, "work_mode", "Sélectionnez un choix valide"),
    ],
)
def test_user_create_refuses_bad_input(world, admin, mailoutbox, django_capture_on_commit_callbacks,
                                       over, field, message):
    before = snapshot()
    with django_capture_on_commit_callbacks(execute=True):
        response = admin.post(_url("user_create", world), _user_data(**over))
    _refused(response, field, message, before)
    assert mailoutbox == []


def test_user_update_refuses_emails_that_differ(world, admin):
    member = world.inside.member
    before = snapshot()
    response = admin.post(_url("user_update", world, member.pk),
                          _user_data(email="neuve@partenaire.example.fr", email_confirm=member.email))
    _refused(response, "email_confirm", "Les deux adresses mail ne sont pas identiques.", before)


# ---------------------------------------------------------------- « Créer un groupe »


def test_group_code_already_used_in_the_convention(world, admin):
    before = snapshot()
    response = admin.post(_url("group_create", world), _group_data(code=" cible "))
    _refused(response, "code", "Ce code de groupe est déjà utilisé dans la convention.", before)


def test_the_same_code_in_another_convention_is_fine(world, act_as):
    """Codes are unique per convention only: EXTERIEUR exists elsewhere, not here."""
    response = act_as(world.actors["administrator"]).post(_url("group_create", world), _group_data(code="EXTERIEUR"))
    assert response.status_code == 302
    assert Group.objects.filter(code="EXTERIEUR").count() == 2


def test_closing_date_before_opening_date(world, admin):
    before = snapshot()
    response = admin.post(_url("group_create", world),
                          _group_data(opening_date="2024-06-01", closing_date="2024-05-31"))
    _refused(response, "closing_date", DATE_ORDER, before)


@pytest.fixture
def closing_convention(world):
    """The world's convention, now ending on 31/12/2030."""
    convention = world.inside.convention
    convention.closing_date = date(2030, 12, 31)
    convention.save(update_fields=["closing_date"])
    return convention


@pytest.mark.parametrize(
    "over, field, message",
    [
        ({"closing_date": "2031-01-31"}, "closing_date", AFTER_CONVENTION),
        ({"closing_date": ""}, "closing_date", AFTER_CONVENTION),
        ({"opening_date": "2019-12-31", "closing_date": "2030-01-01"}, "opening_date",
         "La date d'ouverture doit être dans la période de la convention (à partir du 01/01/2020)."),
        ({"opening_date": "2031-01-01", "closing_date": "2031-02-01"}, "opening_date",
         "La date d'ouverture doit être dans la période de la convention (jusqu'au 31/12/2030)."),
    ],
)
def test_group_dates_outside_the_conventions(world, admin, closing_convention, over, field, message):
    before = snapshot()
    response = admin.post(_url("group_create", world), _group_data(**over))
    _refused(response, field, message, before)


def test_group_update_closing_date_outside_the_conventions(world, admin, closing_convention):
    group = world.inside.group
    before = snapshot()
    response = admin.post(_url("group_update", world, group.pk),
                          {"label": "Autre", "opening_date": "2024-01-01", "closing_date": "2031-01-31",
                           "responsable": ""})
    _refused(response, "closing_date", AFTER_CONVENTION, before)


def test_group_close_before_its_opening(world, admin):
    group = world.inside.group
    before = snapshot()
    response = admin.post(_url("group_close", world, group.pk), {"closing_date": "2019-01-01"})
    _refused(response, "closing_date", DATE_ORDER, before)


@pytest.mark.parametrize("actor", ["administrator", "parent_responsable", "sibling_responsable"])
@pytest.mark.parametrize("whose", ["outside", "sibling"])
def test_parent_group_posted_by_hand_from_outside_the_scope(world, act_as, actor, whose):
    """A parent from another convention, or (for a responsable) from outside his subtree."""
    parent = world.outside.group if whose == "outside" else world.groups["sibling"]
    if whose == "sibling" and actor != "parent_responsable":
        parent = world.groups["parent"] if actor == "sibling_responsable" else world.outside.group
    before = snapshot()
    response = act_as(world.actors[actor]).post(
        _url("group_create", world), _group_data(is_subgroup="on", parent=parent.pk)
    )
    assert response.status_code in (200, 404)
    if response.status_code == 200:
        assert field_errors(response, "parent") == [INVALID_CHOICE]
    assert snapshot() == before


@pytest.mark.parametrize("parent", ["abc", "-1", "99999999", "1.5", "99999999999999999999999"])
def test_parent_group_id_garbled(world, admin, parent):
    before = snapshot()
    response = admin.post(_url("group_create", world), _group_data(is_subgroup="on", parent=parent))
    assert response.status_code == 200 and field_errors(response, "parent")
    assert snapshot() == before


def test_a_responsable_cannot_create_a_main_group(world, act_as):
    before = snapshot()
    response = act_as(world.actors["parent_responsable"]).post(_url("group_create", world), _group_data())
    _refused(response, "parent", "Choisissez le groupe parent du sous-groupe.", before)


def test_group_update_ignores_a_posted_parent(world, admin):
    """The parent is not editable: posting one by hand does not move the group (no cycle possible)."""
    group = world.groups["parent"]
    response = admin.post(_url("group_update", world, group.pk),
                          {"label": "Parent", "opening_date": "2020-01-01", "closing_date": "",
                           "parent": world.groups["below"].pk, "code": "AUTRE", "responsable": ""})
    assert response.status_code == 302
    group.refresh_from_db()
    assert group.parent == world.groups["top"] and group.code == "PARENT" and group.path.count("/") == 3


# ---------------------------------------------------------------- « Habilitations du groupe »


@pytest.fixture
def foreign_role(db):
    """A role of a service the convention does not open."""
    return f.RoleFactory(service=f.ServiceFactory(code="AUTRE", label="Autre service"), code="A1")


def test_role_of_a_service_the_convention_lacks_assigned_by_hand(world, admin, foreign_role):
    group = world.groups["top"]
    before = snapshot()
    response = admin.post(_url("group_roles", world, group.pk),
                          {"service": "CDAP", "action": "assign", "role": foreign_role.pk})
    _refused(response, "role", "Sélectionnez un choix valide.", before)


@pytest.mark.parametrize("service", ["AUTRE", "CDAP", "", "inconnu"])
@pytest.mark.parametrize("action", ["save", "confirm"])
def test_role_of_a_service_the_convention_lacks_saved_by_hand(world, admin, foreign_role, service, action):
    """A tampered draft: the foreign role is never saved, whatever the posted service says; a service
    the convention lacks makes the whole post a forgery (404)."""
    group = world.groups["top"]
    held = sorted(GroupRole.objects.filter(group=group).values_list("role_id", flat=True))
    response = admin.post(_url("group_roles", world, group.pk),
                          {"service": service, "action": action, "draft": [*held, foreign_role.pk]})
    assert response.status_code in ((200, 302) if service == "CDAP" else (404,))
    assert not GroupRole.objects.filter(role=foreign_role).exists()
    assert sorted(GroupRole.objects.filter(group=group).values_list("role_id", flat=True)) == held


def test_a_service_the_convention_lacks_in_the_url(world, admin, foreign_role):
    response = admin.get(_url("group_roles", world, world.groups["top"].pk) + "?service=AUTRE")
    assert response.status_code == 200
    assert response.context["service"].code == "CDAP"
    assert "A1" not in {r["role"].code for r in response.context["rows"]}


@pytest.fixture
def subgroup_of_sibling(world):
    """VOISIN holds T1 only; its sub-group may hold T1, never T18."""
    return f.make_group(world.inside.convention, "SOUSVOISIN", parent=world.groups["sibling"])


@pytest.mark.parametrize("actor", ["administrator", "sibling_responsable"])
def test_role_above_the_parents_ceiling_assigned(world, act_as, subgroup_of_sibling, role_t18, actor):
    before = snapshot()
    response = act_as(world.actors[actor]).post(
        _url("group_roles", world, subgroup_of_sibling.pk), {"service": "CDAP", "action": "assign", "role": role_t18.pk}
    )
    _refused(response, "role", CEILING, before)
    assert "T18" in field_errors(response, "role")[0] and "(VOISIN)" in field_errors(response, "role")[0]
    assert response.context["rows"] == []


def test_role_above_the_parents_ceiling_saved_by_hand(world, admin, subgroup_of_sibling, role_t18):
    before = snapshot()
    response = admin.post(_url("group_roles", world, subgroup_of_sibling.pk),
                          {"service": "CDAP", "action": "save", "draft": [role_t18.pk]})
    _refused(response, "role", CEILING, before)


def test_the_page_says_which_roles_the_parent_lacks(world, admin, subgroup_of_sibling):
    response = admin.get(_url("group_roles", world, subgroup_of_sibling.pk))
    assert [r.code for r in response.context["available_in"]] == ["T1"]
    assert [r.code for r in response.context["available_out"]] == ["T18"]
    text = page_text(response)
    assert "Un sous-groupe ne peut pas avoir d'autres rôles que ceux possédés par son parent direct (VOISIN)." in text


@pytest.mark.parametrize("step", ["remove:abc", "remove:", "remove:999999", "inconnu", ""])
@pytest.mark.parametrize("draft", [["abc"], ["-1"], ["99999999999999999999"], []])
def test_garbled_draft_steps_never_fail(world, admin, step, draft):
    before = snapshot()
    response = admin.post(_url("group_roles", world, world.inside.group.pk),
                          {"service": "CDAP", "action": step, "draft": draft})
    assert response.status_code == 200
    assert snapshot() == before


@pytest.mark.parametrize("role", ["abc", "99999999", "-3"])
def test_garbled_role_to_assign(world, admin, role):
    before = snapshot()
    response = admin.post(_url("group_roles", world, world.inside.group.pk),
                          {"service": "CDAP", "action": "assign", "role": role})
    _refused(response, "role", "Sélectionnez un choix valide.", before)


# ---------------------------------------------------------------- memberships


@pytest.mark.parametrize("page, method", [("membership_add", "get"), ("membership_add", "post"),
                                          ("memberships", "get"), ("user_update", "get"), ("user_close", "post")])
def test_a_user_of_another_organisation_is_not_found(world, admin, page, method):
    stranger = world.outside.newcomer
    before = snapshot()
    url = _url(page, world, stranger.pk)
    response = admin.post(url, {"group": world.inside.group.pk}) if method == "post" else admin.get(url)
    assert response.status_code == 404
    assert snapshot() == before
    assert not Membership.objects.filter(user=stranger).exclude(group=world.outside.group).exists()


def test_a_caf_agent_cannot_be_added_to_a_group(world, admin):
    before = snapshot()
    response = admin.post(_url("membership_add", world, world.actors["caf_agent"].pk),
                          {"group": world.inside.group.pk})
    assert response.status_code == 404
    assert snapshot() == before


def test_membership_remove_of_a_user_of_another_organisation(world, admin):
    before = snapshot()
    response = admin.post(_url("membership_remove", world, world.outside.member.pk, world.inside.group.pk))
    assert response.status_code == 404
    assert snapshot() == before


@pytest.mark.parametrize("group", ["outside", "closed", "abc", "", "99999999"])
def test_membership_add_with_a_group_posted_by_hand(world, admin, group):
    if group == "closed":
        closed = f.make_group(world.inside.convention, "CLOS", status=Group.Status.CLOSED, closing_date=date(2024, 1, 1))
        value = closed.pk
    elif group == "outside":
        value = world.outside.group.pk
    else:
        value = group
    before = snapshot()
    response = admin.post(_url("membership_add", world, world.inside.newcomer.pk), {"group": value})
    assert response.status_code == 200
    assert field_errors(response, "group")
    assert snapshot() == before


def test_membership_add_twice(world, admin):
    before = snapshot()
    response = admin.post(_url("membership_add", world, world.inside.member.pk), {"group": world.inside.group.pk})
    _refused(response, "group", "L'utilisateur appartient déjà à ce groupe.", before)


# ---------------------------------------------------------------- ids in URLs


def _bad_paths(world):
    c = world.inside.convention.pk
    g = world.inside.group.pk
    u = world.inside.member.pk
    outside_group, outside_user = world.outside.group.pk, world.outside.member.pk
    huge = "99999999999999999999999"
    return [
        "/conventions/abc/groupes/", "/conventions/999999/groupes/", f"/conventions/{huge}/groupes/",
        "/conventions/-1/utilisateurs/", f"/conventions/{world.outside.convention.pk}/groupes/",
        f"/conventions/{c}/groupes/abc/modifier/", f"/conventions/{c}/groupes/999999/modifier/",
        f"/conventions/{c}/groupes/{huge}/cloturer/", f"/conventions/{c}/groupes/{outside_group}/habilitations/",
        f"/conventions/{c}/groupes/{g}x/habilitations/", f"/conventions/{c}/utilisateurs/abc/modifier/",
        f"/conventions/{c}/utilisateurs/999999/cloturer/", f"/conventions/{c}/utilisateurs/{huge}/appartenance/",
        f"/conventions/{c}/utilisateurs/{outside_user}/appartenance/",
        f"/conventions/{c}/utilisateurs/{outside_user}/ajouter-au-groupe/",
        f"/conventions/{c}/utilisateurs/{u}/appartenance/999999/retirer/",
        f"/conventions/{c}/utilisateurs/{u}/appartenance/{outside_group}/retirer/",
        f"/conventions/{c}/utilisateurs/{u}/appartenance/{huge}/retirer/",
    ]


@pytest.mark.parametrize("method", ["get", "post"])
def test_unknown_or_garbled_ids_in_urls_are_not_found(world, admin, method):
    before = snapshot()
    for path in _bad_paths(world):
        response = getattr(admin, method)(path)
        expected = {405} if method == "get" and path.endswith("/retirer/") else {404}
        assert response.status_code in expected, path
    assert snapshot() == before


@pytest.mark.parametrize(
    "name, query",
    [
        ("groups", "?page=abc&level=x&opening_date=31/13/2024&status=bidon&code=%00"),
        ("groups", "?page=99999"),
        ("users", "?page=-1&opening_date=hier&status=autre"),
        ("group_create", "?parent=abc"),
        ("group_create", "?parent=999999"),
        ("group_roles", "?service=%27%22"),
    ],
)
def test_garbled_query_strings_never_fail(world, admin, name, query):
    args = [world.inside.group.pk] if name == "group_roles" else []
    response = admin.get(_url(name, world, *args) + query)
    assert response.status_code in (200, 400)


def test_garbled_conventions_filters_never_fail(world, admin):
    response = admin.get(reverse("conventions:list") + "?caf=abc&service=zz&state=x&opening_from=demain&page=z")
    assert response.status_code == 200


def test_a_responsable_cannot_name_the_responsable_of_his_own_group_by_hand(world, act_as):
    """The field is not offered to him; a posted value is ignored, the rest of the change is saved."""
    group, own = world.inside.group, world.actors["own_responsable"]
    response = act_as(own).post(_url("group_update", world, group.pk),
                                {"label": "Cible renommée", "opening_date": "2020-01-01", "closing_date": "",
                                 "responsable": world.inside.newcomer.pk})
    assert response.status_code == 302
    group.refresh_from_db()
    assert group.responsable == own and group.label == "Cible renommée"


def test_the_parents_responsable_names_the_responsable_below_him(world, act_as):
    group, newcomer = world.inside.group, world.inside.newcomer
    response = act_as(world.actors["parent_responsable"]).post(
        _url("group_update", world, group.pk),
        {"label": group.label, "opening_date": "2020-01-01", "closing_date": "", "responsable": newcomer.pk},
    )
    assert response.status_code == 302
    group.refresh_from_db()
    assert group.responsable == newcomer
    assert JournalEntry.objects.get(action=Action.RESPONSABLE_NAMED).target_user_id == newcomer.pk


def test_a_responsable_cannot_name_someone_he_does_not_see(world, act_as):
    """A member of another subtree is not in his list: posting his id is refused next to the field."""
    group = world.groups["below"]
    stranger = f.UserFactory(organisation=world.inside.convention.organisation)
    Membership.objects.create(user=stranger, group=world.groups["sibling"])
    before = snapshot()
    response = act_as(world.actors["own_responsable"]).post(
        _url("group_update", world, group.pk),
        {"label": "x", "opening_date": "2020-01-01", "closing_date": "", "responsable": stranger.pk},
    )
    _refused(response, "responsable", "Sélectionnez un choix valide.", before)
