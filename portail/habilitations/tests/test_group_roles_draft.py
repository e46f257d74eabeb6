"""« Habilitations du groupe »: the draft page (selector), its steps (services) and what a person sees.

World (conftest): GROUPES (T1, T18) > PARENT (T1, T18) > CIBLE (T18, led by own_responsable) > DESSOUS (T18);
VOISIN (T1) beside PARENT.
"""
import re

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from portail.core.errors import BusinessError

from portail.habilitations import services
from portail.habilitations.models import GroupRole
from portail.habilitations.selectors import group_roles_draft
from portail.journal.models import Action, JournalEntry
from portail.testing import factories as f

from .conftest import field_errors, page_text, snapshot


def _url(world, group) -> str:
    return reverse("habilitations:group_roles", args=[world.inside.convention.pk, group.pk])


def _held(group) -> list[str]:
    return sorted(GroupRole.objects.filter(group=group).values_list("role__code", flat=True))


def _offered(response) -> list[str]:
    """The profiles of the « Profil à assigner » choice, as a person reads them."""
    select = re.search(r'<select[^>]*id="id_role".*?</select>', response.content.decode(), re.S).group(0)
    return [label.strip() for value, label in re.findall(r'<option value="(\d*)">([^<]*)</option>', select) if value]


@pytest.fixture
def admin(world, act_as):
    return act_as(world.actors["administrator"])


@pytest.fixture
def below_voisin(world):
    """A sub-group of VOISIN, which holds T1 only."""
    return f.make_group(world.inside.convention, "SOUSVOISIN", parent=world.groups["sibling"])


# ---------------------------------------------------------------- the ceiling on screen


def test_a_sub_group_is_offered_only_the_roles_its_parent_holds(world, admin, below_voisin):
    response = admin.get(_url(world, below_voisin))
    assert _offered(response) == ["T1 Travailleur social"]
    assert "Non proposés, car le groupe parent ne les détient pas : T18 Agent de service." in page_text(response)


def test_a_forged_role_above_the_ceiling_gets_the_one_r3_message(world, admin, below_voisin, role_t18, cdap):
    before = snapshot()
    response = admin.post(_url(world, below_voisin), {"service": "CDAP", "action": "assign", "role": role_t18.pk})
    message = ("Le rôle T18 ne peut pas être assigné : un sous-groupe ne peut pas avoir d'autres rôles "
               "que ceux possédés par son parent direct (VOISIN).")
    assert field_errors(response, "role") == [message]
    assert response.context["rows"] == [] and snapshot() == before
    # Saving says the same, word for word: one message for both steps.
    with pytest.raises(BusinessError) as error:
        services.group_roles_set(actor=world.actors["administrator"], group=below_voisin, service=cdap,
                                 roles=[role_t18])
    assert error.value.text == message


def test_a_draft_refused_at_saving_when_the_parent_lost_the_role_meanwhile(world, admin, role_t1):
    """Assigned in the draft while PARENT held T1; PARENT loses it before « Proposer les modifications »."""
    group = f.make_group(world.inside.convention, "NOUVEAU", parent=world.groups["parent"])
    url = _url(world, group)
    response = admin.post(url, {"service": "CDAP", "action": "assign", "role": role_t1.pk})
    assert [row["role"].code for row in response.context["rows"]] == ["T1"]
    GroupRole.objects.filter(group=world.groups["parent"], role=role_t1).delete()
    before = snapshot()

    response = admin.post(url, {"service": "CDAP", "action": "save", "draft": [role_t1.pk]})

    assert response.status_code == 200
    assert "parent direct (PARENT)" in field_errors(response, "role")[0]
    assert snapshot() == before and _held(group) == []


# ---------------------------------------------------------------- who may change them (R7b)


def test_a_responsable_reads_but_does_not_change_the_roles_of_his_own_group(world, act_as, role_t1, role_t18):
    group, own = world.inside.group, world.actors["own_responsable"]
    client = act_as(own)
    response = client.get(_url(world, group))
    assert response.status_code == 200
    assert "T18 Agent de service" in page_text(response)
    assert "Assigner rôle" not in page_text(response) and "Proposer les modifications" not in page_text(response)
    before = snapshot()
    for data in ({"service": "CDAP", "action": "save", "draft": [role_t18.pk, role_t1.pk]},
                 {"service": "CDAP", "action": "assign", "role": role_t1.pk, "draft": [role_t18.pk]}):
        assert client.post(_url(world, group), data).status_code == 403
    assert snapshot() == before and _held(group) == ["T18"]


def test_the_responsable_above_changes_them(world, act_as, role_t1, role_t18):
    group = world.inside.group
    response = act_as(world.actors["parent_responsable"]).post(
        _url(world, group), {"service": "CDAP", "action": "save", "draft": [role_t18.pk, role_t1.pk]})
    assert response.status_code == 302
    assert _held(group) == ["T1", "T18"]


def test_the_service_refuses_a_responsable_on_his_own_group(world, role_t1, role_t18, cdap):
    with pytest.raises(PermissionDenied):
        services.group_roles_set(actor=world.actors["own_responsable"], group=world.inside.group, service=cdap,
                                 roles=[role_t18, role_t1])
    assert _held(world.inside.group) == ["T18"]


# ---------------------------------------------------------------- saving, confirming, coming back


def test_after_saving_the_page_comes_back_on_the_service_being_edited(world, admin):
    convention, group = world.inside.convention, world.groups["top"]
    afas = f.ServiceFactory(code="AFAS", label="Aides financières")
    convention.services.add(afas)
    a1 = f.RoleFactory(service=afas, code="A1", label="Gestionnaire d'aides", tabs=[])

    response = admin.post(_url(world, group), {"service": "AFAS", "action": "save", "draft": [a1.pk]}, follow=True)

    assert response.redirect_chain[-1][0] == _url(world, group) + "?service=AFAS"
    assert response.context["service"] == afas
    assert "Les habilitations du groupe sont enregistrées." in page_text(response)
    assert [row["role"].code for row in response.context["rows"]] == ["A1"]


def test_removal_is_confirmed_with_the_sub_groups_and_users_who_lose_it(world, admin, role_t1, role_t18):
    url, parent = _url(world, world.groups["parent"]), world.groups["parent"]
    response = admin.post(url, {"service": "CDAP", "action": "save", "draft": [role_t1.pk]})
    text = page_text(response)
    assert "Confirmer le retrait de rôles" in text
    assert "CIBLE" in text and "DESSOUS" in text and "2 utilisateurs perdront ce rôle" in text
    assert _held(world.inside.group) == ["T18"]  # nothing removed before confirming

    response = admin.post(url, {"service": "CDAP", "action": "confirm", "draft": [role_t1.pk]})
    assert response.status_code == 302 and response["Location"].endswith("?service=CDAP")
    assert _held(parent) == ["T1"] and _held(world.inside.group) == [] and _held(world.groups["below"]) == []
    assert JournalEntry.objects.filter(action=Action.ROLE_REMOVED).count() == 3


def test_the_saved_message_escapes_role_codes(world, admin, cdap):
    odd = f.RoleFactory(service=cdap, code="<i>T9</i>", label="Rôle", requires_caf_validation=True)
    group = world.groups["top"]
    held = list(GroupRole.objects.filter(group=group).values_list("role_id", flat=True))
    response = admin.post(_url(world, group), {"service": "CDAP", "action": "save", "draft": [*held, odd.pk]},
                          follow=True)
    html = response.content.decode()
    assert "En attente de validation par la Caf : &lt;i&gt;T9&lt;/i&gt;." in html
    assert "<i>T9</i>" not in html


# ---------------------------------------------------------------- the selector


def test_the_draft_keeps_only_roles_of_the_services_catalogue_once(world, role_t1, role_t18, cdap):
    foreign = f.RoleFactory(service=f.ServiceFactory(code="AUTRE"), code="X1")
    page = group_roles_draft(group=world.inside.group, service=cdap,
                             posted=["abc", "²", "-1", str(foreign.pk), str(role_t1.pk), str(role_t1.pk), ""])
    assert page.draft == [role_t1]
    assert page.removed == [role_t18] and page.dirty
    assert [r.code for r in page.available_in] == ["T18"]  # CIBLE's parent holds T1 and T18
    assert page.available_out == []


def test_the_draft_starts_from_the_saved_roles(world, cdap):
    page = group_roles_draft(group=world.inside.group, service=cdap)
    assert [row["role"].code for row in page.rows] == ["T18"] and all(row["saved"] for row in page.rows)
    assert not page.dirty and page.removed == []
