"""Defects seen on the habilitation screens (issue 7): a parent chosen without « Sous-groupe de… », page
titles that name their object, the accessible names of the users list, focus and status after
« Assigner rôle », the service kept after « Proposer les modifications »."""
import re
from html import unescape

import pytest
from django.urls import reverse

from portail.habilitations.models import Group, GroupRole

from .conftest import field_errors, page_text, snapshot
from .test_views_bad_input import _group_data


def _url(name, world, *args):
    return reverse(f"habilitations:{name}", args=[world.inside.convention.pk, *args])


def _title(response) -> str:
    return unescape(re.search(r"<title>(.*?)</title>", response.content.decode(), re.S).group(1).strip())


@pytest.fixture
def admin(world, act_as):
    return act_as(world.actors["administrator"])


def test_a_parent_chosen_without_ticking_sous_groupe_de_is_refused(world, admin):
    before = snapshot()
    parent = world.groups["parent"]
    response = admin.post(_url("group_create", world), _group_data(parent=parent.pk))
    assert response.status_code == 200
    assert field_errors(response, "is_subgroup") == [
        "Vous avez choisi un groupe parent : cochez « Sous-groupe de… » pour créer un sous-groupe, ou retirez le "
        "groupe parent pour créer un groupe principal."]
    assert snapshot() == before
    assert not Group.objects.filter(code="NOUVEAU").exists()


def test_ticked_with_a_parent_creates_the_subgroup_and_no_parent_a_main_group(world, admin):
    parent = world.groups["parent"]
    admin.post(_url("group_create", world), _group_data(is_subgroup="on", parent=parent.pk))
    assert Group.objects.get(code="NOUVEAU").parent == parent
    admin.post(_url("group_create", world), _group_data(code="PRINCIPAL"))
    assert Group.objects.get(code="PRINCIPAL").parent is None


def test_failed_submit_has_an_error_summary_and_a_title_starting_with_erreur(world, admin):
    response = admin.post(_url("group_create", world), _group_data(code="", label=""))
    html = response.content.decode()
    assert _title(response).startswith("Erreur : Créer un groupe d'utilisateurs")
    assert 'id="resume-erreurs"' in html and "data-pp-focus" in html
    assert '<a href="#id_code">Code : Ce champ est obligatoire.</a>' in html
    assert "Les champs marqués d'un astérisque (*) sont obligatoires." in page_text(response)
    assert not _title(admin.get(_url("group_create", world))).startswith("Erreur")


def test_page_titles_name_their_object(world, admin):
    inside = world.inside
    other = world.groups["sibling"] if "sibling" in world.groups else world.groups["below"]
    titles = {
        _title(admin.get(_url("group_roles", world, inside.group.pk))),
        _title(admin.get(_url("group_roles", world, other.pk))),
        _title(admin.get(_url("memberships", world, inside.member.pk))),
        _title(admin.get(_url("memberships", world, inside.newcomer.pk))),
        _title(admin.get(_url("membership_add", world, inside.member.pk))),
        _title(admin.get(_url("membership_add", world, inside.newcomer.pk))),
    }
    assert len(titles) == 6, titles
    roles_title = _title(admin.get(_url("group_roles", world, inside.group.pk)))
    assert inside.group.code in roles_title and inside.convention.label in roles_title


def test_users_list_link_names_start_with_their_visible_text(world, admin):
    html = admin.get(_url("users", world)).content.decode()
    newcomer = world.inside.newcomer.username
    assert f'aria-label="Ajouter l\'utilisateur au groupe ({newcomer})">Ajouter l\'utilisateur au groupe</a>' in html


def test_assigner_role_focuses_proposer_and_announces_non_enregistre(world, act_as):
    inside = world.inside
    client = act_as(world.actors["administrator"])
    draft = list(GroupRole.objects.filter(group=inside.group).values_list("role_id", flat=True))
    response = client.post(_url("group_roles", world, inside.group.pk), {
        "service": inside.extra_role.service.code, "action": "assign", "role": inside.extra_role.pk, "draft": draft})
    html = response.content.decode()
    status = re.search(r'<p[^>]*role="status"[^>]*>(.*?)</p>', html, re.S).group(1)
    assert "Non enregistré" in status and f"{inside.extra_role.code} assigné" in status
    button = re.search(r'<button[^>]*value="save"[^>]*>', html).group(0)
    assert "autofocus" in button and 'aria-describedby="etat-brouillon"' in button

    # A refused step (no profile chosen): the error summary takes the focus, not the button.
    response = client.post(_url("group_roles", world, inside.group.pk), {
        "service": inside.extra_role.service.code, "action": "assign", "role": "", "draft": draft})
    html = response.content.decode()
    assert 'id="resume-erreurs"' in html and "autofocus" not in html
    assert _title(response).startswith("Erreur : ")


def test_proposer_les_modifications_comes_back_on_the_service_worked_on(world, act_as):
    inside = world.inside
    client = act_as(world.actors["administrator"])
    service = inside.extra_role.service
    draft = [*GroupRole.objects.filter(group=inside.group).values_list("role_id", flat=True), inside.extra_role.pk]
    response = client.post(_url("group_roles", world, inside.group.pk),
                           {"service": service.code, "action": "save", "draft": draft})
    assert response.status_code == 302 and response.url.endswith(f"?service={service.code}")


def test_the_service_choice_submits_itself_and_keeps_its_button(world, admin):
    html = admin.get(_url("group_roles", world, world.inside.group.pk)).content.decode()
    assert re.search(r'<select[^>]*id="id_service"[^>]*data-pp-autosubmit', html)
    assert "Afficher les rôles du service" in html  # without JavaScript
    assert "core/js/portail.js" in html
