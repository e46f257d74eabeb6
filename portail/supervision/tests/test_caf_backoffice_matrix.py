"""Caf back office: every page and action × each kind of actor (agent of this Caf, of another Caf, national
administrator, partner administrator, responsable, plain user, anonymous), on the shared world
(`portail.testing.world`) built once for the module; each POST runs in a savepoint rolled back afterwards."""
import pytest
from django.db import transaction
from django.test import Client
from django.urls import reverse

from portail.accounts.models import User
from portail.journal.models import JournalEntry
from portail.testing import factories as f
from portail.testing.auth import sign_in
from portail.testing.world import build_world

pytestmark = pytest.mark.django_db

ACTORS = ("anonymous", "agent1", "agent2", "national", "admin1", "responsable", "plain")


def _national():
    return User.objects.create_user("NATI0001", f.PASSWORD, last_name="National", first_name="Anne",
                                    email="nat@cnaf.example.fr", is_national_admin=True)


@pytest.fixture(scope="module")
def matrix(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            world = build_world()
            users = {"agent1": world.agent1, "agent2": world.agent2, "national": _national(),
                     "admin1": world.admin1, "responsable": world.responsable, "plain": world.plain}
            clients = {"anonymous": Client()}
            for name, user in users.items():
                clients[name] = sign_in(Client(), user)
            yield world, clients
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


def _status(response) -> str:
    if response.status_code in (301, 302):
        return "L" if response.url.startswith(reverse("accounts:login")) else "R"
    return str(response.status_code)


# Columns: anonymous, agent of Caf 1, agent of Caf 2, national administrator, partner administrator, responsable,
# plain user. Convention 1 and organisation A belong to Caf 1.
CAF1 = "L 200 404 200 404 404 404"
CAF_ALL = "L 200 200 200 404 404 404"
EDITOR = "L 403 403 200 404 404 404"
PAGES = [
    ("cafadmin:conventions", lambda w: [], CAF_ALL),
    ("cafadmin:convention", lambda w: [w.conv1.pk], CAF1),
    ("cafadmin:convention", lambda w: [w.conv_b.pk], "L 404 200 200 404 404 404"),
    ("cafadmin:convention", lambda w: [999999], "L 404 404 404 404 404 404"),
    ("cafadmin:convention_update", lambda w: [w.conv1.pk], CAF1),
    ("cafadmin:convention_suspend", lambda w: [w.conv1.pk], CAF1),
    ("cafadmin:convention_reopen", lambda w: [w.conv1.pk], CAF1),
    ("cafadmin:convention_close", lambda w: [w.conv1.pk], CAF1),
    ("cafadmin:administrator_name", lambda w: [w.conv1.pk], CAF1),
    ("cafadmin:administrator_create", lambda w: [w.conv1.pk], CAF1),
    ("cafadmin:administrator_remove", lambda w: [w.conv1.pk, w.admin1.pk], CAF1),
    ("cafadmin:administrator_remove", lambda w: [w.conv1.pk, w.plain.pk], "L 404 404 404 404 404 404"),
    ("cafadmin:organisations", lambda w: [], CAF_ALL),
    ("cafadmin:organisation_create", lambda w: [], CAF_ALL),
    ("cafadmin:organisation", lambda w: [w.org_a.pk], CAF1),
    ("cafadmin:organisation", lambda w: [w.org_b.pk], "L 404 200 200 404 404 404"),
    ("cafadmin:organisation_update", lambda w: [w.org_a.pk], CAF1),
    ("cafadmin:convention_create", lambda w: [w.org_a.pk], CAF1),
    ("cafadmin:convention_create", lambda w: [w.org_b.pk], "L 404 200 200 404 404 404"),
    ("cafadmin:roles", lambda w: [], CAF_ALL),
    ("cafadmin:role_create", lambda w: [], EDITOR),
    ("cafadmin:role_update", lambda w: [w.t1.pk], EDITOR),
]


def test_every_page_answers_each_kind_of_actor(matrix):
    world, clients = matrix
    failures = []
    for name, args, spec in PAGES:
        url = reverse(name, args=args(world))
        for actor, expected in zip(ACTORS, spec.split()):
            got = _status(clients[actor].get(url))
            if got != expected:
                failures.append(f"GET {url} as {actor}: {got}, expected {expected}")
    assert not failures, "\n".join(failures)


# POST with a valid body: the same refusals as GET; allowed actors are redirected (the change is rolled back).
def _posts(w):
    convention = {"label": "Convention pirate", "services": [w.t1.service_id], "opening_date": "2020-01-01",
                  "purposes": "Accompagnement social"}
    return [
        ("cafadmin:convention_update", [w.conv1.pk], convention, CAF1),
        ("cafadmin:convention_suspend", [w.conv1.pk], {"reason": "Contrôle"}, CAF1),
        ("cafadmin:convention_close", [w.conv1.pk], {"reason": "Fin du partenariat"}, CAF1),
        ("cafadmin:administrator_name", [w.conv1.pk], {"username": w.plain.username}, CAF1),
        ("cafadmin:administrator_remove", [w.conv1.pk, w.admin1.pk], {}, CAF1),
        ("cafadmin:organisation_update", [w.org_a.pk], {"name": "Nouveau nom", "kind": "cd", "siret": ""}, CAF1),
        ("cafadmin:convention_create", [w.org_a.pk], convention | {"caf": w.caf1.pk}, CAF1),
        ("cafadmin:convention_create", [w.org_b.pk], convention | {"caf": w.caf2.pk}, "L 404 200 200 404 404 404"),
        ("cafadmin:role_update", [w.t18.pk], {"code": "T18", "label": "Agent", "tabs": ["synthese"],
                                              "can_write_dialogue": "on"}, EDITOR),
    ]


def test_every_action_refuses_whoever_may_not_and_writes_nothing(matrix):
    world, clients = matrix
    failures = []
    for name, args, data, spec in _posts(world):
        url = reverse(name, args=args)
        for actor, expected in zip(ACTORS, spec.split()):
            expected = {"200": "R"}.get(expected, expected)
            with transaction.atomic():
                before = JournalEntry.objects.count()
                got = _status(clients[actor].post(url, data))
                written = JournalEntry.objects.count() - before
                transaction.set_rollback(True)
            if got != expected:
                failures.append(f"POST {url} as {actor}: {got}, expected {expected}")
            if got != "R" and written:
                failures.append(f"POST {url} as {actor}: refused, yet {written} journal entries")
    assert not failures, "\n".join(failures)


def test_lists_show_only_the_supervised_cafs(matrix):
    world, clients = matrix
    body = clients["agent1"].get(reverse("cafadmin:conventions")).content.decode()
    assert "CONVUNZ Convention 1" in body and "EXTERIEURZ" not in body
    body = clients["agent1"].get(reverse("cafadmin:organisations")).content.decode()
    assert "Conseil départemental matrice" in body and "EXTERIEURZ" not in body
    body = clients["national"].get(reverse("cafadmin:conventions")).content.decode()
    assert "CONVUNZ Convention 1" in body and "EXTERIEURZ Convention" in body


def test_menu_offers_the_back_office_to_the_caf_side_only(matrix):
    world, clients = matrix
    for actor in ("agent1", "national"):
        body = clients[actor].get(reverse("home:index")).content.decode()
        assert "Organisations et conventions" in body and "Catalogue des rôles" in body
    for actor in ("admin1", "responsable", "plain"):
        body = clients[actor].get(reverse("home:index")).content.decode()
        assert "Organisations et conventions" not in body and "Catalogue des rôles" not in body
