"""Time-bound membership: an end date set when adding a member or afterwards, validated, journaled, shown in
« Gérer l'appartenance » and « Supervision habilitations », and no right after that day."""
from datetime import timedelta

import pytest
from django.db import transaction
from django.test import Client
from django.urls import reverse

from portail.access import CDAP, roles_of
from portail.core.clock import today
from portail.habilitations.models import Membership
from portail.journal.models import Action, JournalEntry
from portail.testing.auth import sign_in
from portail.testing.world import build_world, rolled_back

from .conftest import field_errors, page_text

pytestmark = pytest.mark.django_db

ACTORS = ("admin1", "admin2", "responsable", "agent1", "partner_b", "t1_user")


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), rolled_back():
        w = build_world()
        # One signed-in client per actor, kept for the module (sessions live in the module's transaction).
        w.clients = {name: sign_in(Client(), getattr(w, name)) for name in ACTORS}
        yield w


def _end_url(w, user, group):
    return reverse("habilitations:membership_end", args=[w.conv1.pk, user.pk, group.pk])


def test_adding_a_member_until_a_date(world):
    w = world
    end = today() + timedelta(days=10)
    client = w.clients["responsable"]
    url = reverse("habilitations:membership_add", args=[w.conv1.pk, w.plain.pk])
    response = client.post(url, {"group": w.group_n4.pk, "ends_on": f"{end:%Y-%m-%d}"}, follow=True)
    assert f"a rejoint le groupe N4 jusqu'au {end:%d/%m/%Y}." in page_text(response)
    assert f"Jusqu'au {end:%d/%m/%Y}" in page_text(response)
    assert Membership.objects.get(user=w.plain, group=w.group_n4).ends_on == end
    entry = JournalEntry.objects.get(action=Action.MEMBERSHIP_ADDED)
    assert entry.details["ends_on"] == end.isoformat()


def test_an_end_date_in_the_past_is_refused_next_to_the_field(world):
    w = world
    client = w.clients["admin1"]
    response = client.post(reverse("habilitations:membership_add", args=[w.conv1.pk, w.plain.pk]),
                           {"group": w.group_n4.pk, "ends_on": f"{today() - timedelta(days=1):%Y-%m-%d}"})
    message = f"La date de fin ne peut pas être passée : choisissez le {today():%d/%m/%Y} ou plus tard."
    assert field_errors(response, "ends_on") == [message]
    response = client.post(_end_url(w, w.t1_user, w.group_n5), {"ends_on": "2001-01-01"})
    assert field_errors(response, "ends_on") == [message]
    response = client.post(_end_url(w, w.t1_user, w.group_n5), {"ends_on": "31/31/2030"})
    assert field_errors(response, "ends_on") == ["Saisissez une date valide, par exemple 14/07/2026."]
    assert not Membership.objects.filter(user=w.plain).exists()
    assert Membership.objects.get(user=w.t1_user, group=w.group_n5).ends_on is None
    assert not JournalEntry.objects.filter(action__startswith="membership_").exists()


def test_setting_changing_and_removing_the_end_then_no_right_after_it(world):
    w = world
    client = w.clients["responsable"]
    end = today() + timedelta(days=3)
    response = client.post(_end_url(w, w.t1_user, w.group_n5), {"ends_on": f"{end:%Y-%m-%d}"}, follow=True)
    assert f"reste membre du groupe N5 jusqu'au {end:%d/%m/%Y}." in page_text(response)
    entry = JournalEntry.objects.get(action=Action.MEMBERSHIP_UPDATED)
    assert entry.details == {"group": "N5", "user": w.t1_user.username, "ends_on": end.isoformat(), "before": None}
    assert entry.actor_id == w.responsable.pk and entry.target_user_id == w.t1_user.pk
    assert roles_of(w.t1_user, caf_id=w.caf1.pk, service_code=CDAP, day=end)
    assert not roles_of(w.t1_user, caf_id=w.caf1.pk, service_code=CDAP, day=end + timedelta(days=1))

    # Once past: « terminée le », on the page and in « Supervision habilitations ».
    Membership.objects.filter(user=w.t1_user, group=w.group_n5).update(ends_on=today() - timedelta(days=2))
    past = f"{today() - timedelta(days=2):%d/%m/%Y}"
    page = client.get(reverse("habilitations:memberships", args=[w.conv1.pk, w.t1_user.pk]))
    assert f"Terminée le {past}" in page_text(page)
    supervision = w.clients["admin1"].get(
        reverse("supervision:habilitations_convention", args=[w.conv1.pk]) + f"?utilisateur={w.t1_user.username}")
    assert f"Appartenance terminée le {past}" in page_text(supervision)

    response = client.post(_end_url(w, w.t1_user, w.group_n5), {"ends_on": ""}, follow=True)
    assert "n'a plus de date de fin" in page_text(response)
    assert Membership.objects.get(user=w.t1_user, group=w.group_n5).ends_on is None
    assert JournalEntry.objects.filter(action=Action.MEMBERSHIP_UPDATED).count() == 2


def test_who_may_set_an_end_date(world):
    w = world
    cases = {
        # (actor, person, group): status of GET
        ("responsable", "t18_user", "accueil"): 404,  # another branch: neither the person nor the group exist for him
        ("admin1", "t18_user", "accueil"): 200,
        ("agent1", "t18_user", "accueil"): 403,  # the Caf reads, never manages as a partner
        ("admin2", "t1_user", "group_n5"): 404,
        ("responsable", "responsable", "group_n3"): 403,  # himself: nobody changes his own memberships
        ("admin1", "two_conventions", "conv2_group"): 404,  # convention 2's group under convention 1
    }
    found = {}
    for (actor, person, group), _ in cases.items():
        url = _end_url(w, getattr(w, person), getattr(w, group))
        found[(actor, person, group)] = w.clients[actor].get(url).status_code
    assert found == cases
