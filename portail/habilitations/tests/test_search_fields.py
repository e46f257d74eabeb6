"""Issue 7: no drop-down of more than 200 options. Above 200 scoped groups or people, « Créer un groupe »,
the group edit form and « Ajouter l'utilisateur au groupe » show a search (GET « Rechercher ») then radio
buttons; the POSTed value is still checked against the same scoped queryset."""
import re
from datetime import date
from html.parser import HTMLParser
from types import SimpleNamespace

import pytest
from django.db import transaction
from django.test import Client
from django.urls import reverse

from portail.accounts.models import User
from portail.habilitations.models import Group, Membership
from portail.testing import factories as f
from portail.testing.auth import sign_in

pytestmark = pytest.mark.django_db

MANY = 250


class _Selects(HTMLParser):
    """The number of <option> of each <select>, and the radio inputs by name."""

    def __init__(self):
        super().__init__()
        self.selects, self.radios, self._current = {}, {}, None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "select":
            self._current = attrs.get("name")
            self.selects[self._current] = 0
        elif tag == "option" and self._current is not None:
            self.selects[self._current] += 1
        elif tag == "input" and attrs.get("type") == "radio":
            self.radios.setdefault(attrs["name"], []).append(attrs.get("value"))

    def handle_endtag(self, tag):
        if tag == "select":
            self._current = None


def parse(response) -> _Selects:
    assert response.status_code == 200
    parser = _Selects()
    parser.feed(response.content.decode())
    return parser


def _bulk_groups(convention, prefix, count, parent=None):
    groups = Group.objects.bulk_create(
        Group(convention=convention, parent=parent, code=f"{prefix}{i:03d}", label=f"Antenne {prefix} {i:03d}",
              level=parent.level + 1 if parent else 1, opening_date=convention.opening_date)
        for i in range(count))
    if not groups[0].pk:  # SQLite before returning ids: read them back
        groups = list(Group.objects.filter(convention=convention, code__startswith=prefix))
    for group in groups:
        group.path = f"{parent.path if parent else '/'}{group.pk}/"
    Group.objects.bulk_update(groups, ["path"])
    return groups


@pytest.fixture(scope="module")
def big(django_db_setup, django_db_blocker):
    """A convention of 250+ groups and a partner of 250+ people, built once and rolled back at the end."""
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            cdap = f.ServiceFactory(code="CDAP")
            convention = f.ConventionFactory(label="Grande convention", services=[cdap])
            organisation = convention.organisation
            admin = f.UserFactory(organisation=organisation, username="ADMIN001", last_name="Martin",
                                  first_name="Claire")
            convention.administrators.add(admin)
            leader = f.UserFactory(organisation=organisation, username="RESP0001", last_name="Durand",
                                   first_name="Paul")
            root = f.make_group(convention, "SIEGE", responsable=leader)
            _bulk_groups(convention, "SUB", MANY, parent=root)  # his subtree: 251 groups
            outside = f.make_group(convention, "HORS01", label="Hors de son périmètre")
            password = f.UserFactory.build().password
            User.objects.bulk_create(
                User(username=f"AGT{i:04d}", last_name=f"Nom{i:04d}", first_name="Agent",
                     email=f"agt{i:04d}@partenaire.example.fr", organisation=organisation,
                     opening_date=date(2020, 1, 1), status=User.Status.OPEN, password=password)
                for i in range(MANY))
            target = User.objects.get(username="AGT0007")
            Membership.objects.create(user=leader, group=root)
            other = f.ConventionFactory(label="Autre convention", services=[cdap])
            stranger_group = f.make_group(other, "AILLEURS")
            stranger = f.UserFactory(organisation=other.organisation, username="ETRANGER")
            clients = {}
            for name, user in (("admin", admin), ("leader", leader)):
                clients[name] = sign_in(Client(), user)
            yield SimpleNamespace(convention=convention, admin_user=admin, leader_user=leader, root=root, outside=outside,
                                  target=target, stranger_group=stranger_group, stranger=stranger, **clients)
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


def _no_long_select(page: _Selects):
    assert all(count <= 200 for count in page.selects.values()), page.selects


def _labels(response) -> list[str]:
    return re.findall(r'<label class="fr-label" for="id_\w+_\d+">\s*([^<]+?)\s*</label>', response.content.decode())


# ---------------------------------------------------------------- « Créer un groupe »


def test_create_group_page_has_searches_instead_of_long_lists(big):
    response = big.admin.get(reverse("habilitations:group_create", args=[big.convention.pk]))
    page = parse(response)
    _no_long_select(page)
    assert "parent" not in page.selects and "responsable" not in page.selects
    body = response.content.decode()
    assert 'name="parent_recherche"' in body and 'name="responsable_recherche"' in body
    assert body.count('form="pp-recherche"') == 4 and '<form id="pp-recherche" method="get"' in body
    assert page.radios == {"responsable": [""]}  # « Aucun responsable » until a search is made


def test_search_finds_groups_by_code_and_label_and_people_by_identifier_and_name(big):
    url = reverse("habilitations:group_create", args=[big.convention.pk])
    by_code = big.admin.get(url, {"parent_recherche": "sub12"})
    assert _labels(by_code)[:10] == [f"SUB12{i} — Antenne SUB 12{i} (niveau 2)" for i in range(10)]
    by_label = big.admin.get(url, {"parent_recherche": "périmètre"})
    assert _labels(by_label) == ["HORS01 — Hors de son périmètre (niveau 1)"]
    by_identifier = big.admin.get(url, {"responsable_recherche": "agt0042"})
    assert _labels(by_identifier) == ["Nom0042 Agent (AGT0042)"]
    by_name = big.admin.get(url, {"responsable_recherche": "durand"})
    assert _labels(by_name) == ["Durand Paul (RESP0001)"]
    both = parse(big.admin.get(url, {"parent_recherche": "SIEGE", "responsable_recherche": "AGT000"}))
    assert both.radios["parent"] == [str(big.root.pk)] and len(both.radios["responsable"]) == 1 + 10


def test_results_are_limited_to_twenty(big):
    response = big.admin.get(reverse("habilitations:group_create", args=[big.convention.pk]),
                             {"parent_recherche": "antenne"})
    assert len(parse(response).radios["parent"]) == 20
    assert "Seuls les 20 premiers résultats sont affichés" in response.content.decode()
    nothing = big.admin.get(reverse("habilitations:group_create", args=[big.convention.pk]),
                            {"parent_recherche": "zzz"})
    assert "Aucun résultat pour « zzz »." in nothing.content.decode()


def test_search_stays_in_the_actors_scope(big):
    url = reverse("habilitations:group_create", args=[big.convention.pk])
    assert _labels(big.leader.get(url, {"parent_recherche": "HORS"})) == []
    assert _labels(big.leader.get(url, {"parent_recherche": "AILLEURS"})) == []
    assert _labels(big.admin.get(url, {"responsable_recherche": "ETRANGER"})) == []


def test_chosen_results_post_and_create_the_group(big):
    sub = Group.objects.get(convention=big.convention, code="SUB042")
    url = reverse("habilitations:group_create", args=[big.convention.pk])
    response = big.admin.post(url, {"code": "NOUVEAU", "label": "Nouveau", "opening_date": "2030-01-01",
                                    "is_subgroup": "on", "parent": sub.pk, "responsable": big.target.pk})
    assert response.status_code == 302
    created = Group.objects.get(convention=big.convention, code="NOUVEAU")
    assert created.parent == sub and created.responsable == big.target


def test_a_chosen_parent_stays_chosen_after_a_failed_submit(big):
    sub = Group.objects.get(convention=big.convention, code="SUB042")
    url = reverse("habilitations:group_create", args=[big.convention.pk])
    response = big.admin.post(url, {"code": "", "label": "Nouveau", "opening_date": "2030-01-01",
                                    "is_subgroup": "on", "parent": sub.pk})
    assert 'value="%d" checked' % sub.pk in response.content.decode()
    assert not Group.objects.filter(label="Nouveau").exists()


@pytest.mark.parametrize("field, forged", [("parent", "stranger_group"), ("parent", "outside"),
                                           ("responsable", "stranger")])
def test_an_id_outside_scope_is_refused(big, field, forged):
    data = {"code": "FORGE", "label": "Forgé", "opening_date": "2030-01-01", "is_subgroup": "on",
            "parent": big.root.pk, field: getattr(big, forged).pk}
    response = big.leader.post(reverse("habilitations:group_create", args=[big.convention.pk]), data)
    assert response.status_code == 200
    assert "Sélectionnez un choix valide" in response.content.decode() or "de la liste" in response.content.decode()
    assert not Group.objects.filter(code="FORGE").exists()


def test_group_edit_searches_the_responsable(big):
    sub = Group.objects.get(convention=big.convention, code="SUB001")
    url = reverse("habilitations:group_update", args=[big.convention.pk, sub.pk])
    page = parse(big.leader.get(url, {"responsable_recherche": "AGT0100"}))
    _no_long_select(page)
    assert page.radios["responsable"] == ["", str(User.objects.get(username="AGT0100").pk)]
    response = big.leader.post(url, {"label": sub.label, "opening_date": sub.opening_date.isoformat(),
                                     "responsable": big.target.pk})
    assert response.status_code == 302
    sub.refresh_from_db()
    assert sub.responsable == big.target


# ---------------------------------------------------------------- « Ajouter l'utilisateur au groupe »


def test_membership_pages_search_the_group(big):
    for name in ("membership_add", "memberships"):
        url = reverse(f"habilitations:{name}", args=[big.convention.pk, big.target.pk])
        page = parse(big.admin.get(url))
        _no_long_select(page)
        assert "group" not in page.radios
        found = big.admin.get(url, {"group_recherche": "SUB199"})
        assert _labels(found) == ["SUB199 — Antenne SUB 199 (niveau 2)"]


def test_membership_add_posts_the_chosen_group_and_refuses_a_forged_one(big):
    url = reverse("habilitations:membership_add", args=[big.convention.pk, big.target.pk])
    sub = Group.objects.get(convention=big.convention, code="SUB199")
    refused = big.leader.post(url, {"group": big.outside.pk})
    assert refused.status_code == 200 and "Choisissez un groupe de la liste." in refused.content.decode()
    assert big.leader.post(url, {"group": big.stranger_group.pk}).status_code == 200
    assert not Membership.objects.filter(user=big.target).exists()
    assert big.leader.post(url, {"group": sub.pk}).status_code == 302
    assert Membership.objects.filter(user=big.target, group=sub).exists()


def test_few_choices_keep_the_select(login_as, convention, admin_user, partner_user):
    f.make_group(convention, "GROUPE01")
    page = parse(login_as(admin_user).get(reverse("habilitations:group_create", args=[convention.pk])))
    assert page.selects["parent"] == 2 and page.selects["responsable"] >= 3
    assert page.radios == {}


def test_entries_carried_by_the_search_step_come_back_filled(big):
    """search-step.js copies what was entered into the GET search: the page comes back filled, nothing saved."""
    response = big.admin.get(reverse("habilitations:group_create", args=[big.convention.pk]),
                             {"code": "SG09", "label": "Sous groupe 9", "is_subgroup": "on",
                              "parent": big.root.pk, "responsable_recherche": "AGT0042"})
    body = response.content.decode()
    assert 'name="code" value="SG09"' in body and 'value="Sous groupe 9"' in body
    assert 'value="%d" checked' % big.root.pk in body
    assert 'data-pp-keep="pp-formulaire-groupe"' in body and "core/js/search-step" in body
    assert not Group.objects.filter(code="SG09").exists()
