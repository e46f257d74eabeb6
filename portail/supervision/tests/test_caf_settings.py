"""« Paramètres de la Caf »: address and signatory of its attestations, second factor asked of all its users."""
import io
import re

import pytest
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from pypdf import PdfReader

from portail.access.second_factor import requires_second_factor
from portail.conventions.models import Caf
from portail.journal.models import Action, JournalEntry
from portail.testing import factories as f
from portail.testing.auth import sign_in
from portail.testing.world import build_world

pytestmark = pytest.mark.django_db

SETTINGS = {"address_line1": "2 avenue des Familles", "address_line2": "CS 30001", "postcode": "69003",
            "city": "Lyon", "signatory_name": "Jeanne Duval", "signatory_title": "Directrice de la Caf"}


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """The shared world plus a national administrator, built once and rolled back at the end."""
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            w = build_world()
            w.national = f.UserFactory(organisation=None, is_national_admin=True, last_name="National")
            yield w
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


def client_of(user) -> Client:
    client = Client()
    return sign_in(client, user) if user is not None else client


def url_of(caf) -> str:
    return reverse("cafadmin:caf_settings", args=[caf.pk])


def settings_entries(caf):
    return list(JournalEntry.objects.filter(action=Action.CAF_SETTINGS_UPDATED, caf_id=caf.pk).order_by("id"))


def snapshot(caf) -> dict:
    return Caf.objects.filter(pk=caf.pk).values(*SETTINGS, "requires_second_factor").get()


# ------------------------------------------------------------------------------------------ who may change

# Caf 1's settings: its agent, the national administrator; every other person finds nothing (404).
CAF1 = {"agent1": 200, "national": 200, "agent2": 404, "admin1": 404, "responsable": 404, "plain": 404,
        "t1_user": 404, "partner_b": 404}


@pytest.mark.parametrize("actor, expected", CAF1.items())
def test_who_sees_and_changes_caf_1_settings(world, actor, expected):
    user = getattr(world, actor)
    before = snapshot(world.caf1)
    client = client_of(user)
    assert client.get(url_of(world.caf1)).status_code == expected
    response = client.post(url_of(world.caf1), {**SETTINGS, "requires_second_factor": "on"})
    if expected == 200:
        assert response.status_code == 302
        assert snapshot(world.caf1)["signatory_name"] == "Jeanne Duval"
    else:
        assert response.status_code == 404
        assert snapshot(world.caf1) == before and not settings_entries(world.caf1)


def test_anonymous_is_sent_to_the_login_page(world):
    for url in (reverse("cafadmin:settings"), url_of(world.caf1)):
        response = Client().get(url)
        assert response.status_code == 302 and reverse("accounts:login") in response["Location"]


@pytest.mark.parametrize("actor", ["admin1", "responsable", "plain", "partner_b"])
def test_partners_find_no_settings_page_nor_menu_entry(world, actor):
    client = client_of(getattr(world, actor))
    assert client.get(reverse("cafadmin:settings")).status_code == 404
    assert "Paramètres de la Caf" not in client.get(reverse("home:index")).content.decode()


def test_an_agent_edits_his_own_caf_at_once_and_is_told_why(world):
    client = client_of(world.agent1)
    page = client.get(reverse("cafadmin:settings")).content.decode()
    assert "Caf matrice un" in page and "Caf matrice deux" not in page
    assert "En tant qu'agent de la Caf matrice un, vous pouvez modifier les paramètres de votre Caf" in page
    assert "Exiger la double authentification de tous les utilisateurs des conventions de cette Caf" in page
    assert "Paramètres de la Caf" in client.get(reverse("home:index")).content.decode()  # menu entry


def test_the_national_administrator_chooses_the_caf(world):
    client = client_of(world.national)
    page = client.get(reverse("cafadmin:settings")).content.decode()
    assert url_of(world.caf1) in page and url_of(world.caf2) in page
    found = client.get(reverse("cafadmin:settings"), {"name": "deux"}).content.decode()
    assert url_of(world.caf2) in found and url_of(world.caf1) not in found
    assert client.get(url_of(world.caf2)).status_code == 200
    assert client.get(reverse("cafadmin:caf_settings", args=[999999])).status_code == 404


def test_the_list_of_cafs_costs_the_same_for_3_or_30(world):
    client = client_of(world.national)
    client.get(reverse("cafadmin:settings"))  # warm up (session, menu)

    def queries() -> int:
        with CaptureQueriesContext(connection) as context:
            assert client.get(reverse("cafadmin:settings")).status_code == 200
        return len(context)

    f.CafFactory.create_batch(1)
    few = queries()
    f.CafFactory.create_batch(27)
    assert queries() == few


# ------------------------------------------------------------------------------------------ the change itself


def test_a_change_is_saved_and_journaled_with_before_and_after(world):
    caf = Caf.objects.get(pk=world.caf1.pk)
    caf.city, caf.signatory_name = "Paris", "Ancien Signataire"
    caf.save()
    response = client_of(world.agent1).post(url_of(caf), {**SETTINGS, "requires_second_factor": "on"}, follow=True)
    assert "Les paramètres de la Caf matrice un sont enregistrés." in response.content.decode()
    assert snapshot(caf) == {**SETTINGS, "requires_second_factor": True}
    [entry] = settings_entries(caf)
    assert entry.actor_id == world.agent1.pk
    changes = entry.details["changes"]
    assert changes["city"] == ["Paris", "Lyon"] and changes["signatory_name"] == ["Ancien Signataire", "Jeanne Duval"]
    assert changes["requires_second_factor"] == [False, True]
    # the same form saved again: nothing changed, nothing journaled
    client_of(world.agent1).post(url_of(caf), {**SETTINGS, "requires_second_factor": "on"})
    assert len(settings_entries(caf)) == 1


@pytest.mark.parametrize("field, value, message", [
    ("postcode", "69A03", "Le code postal compte 5 chiffres."),
    ("signatory_name", "   ", "Ce champ est obligatoire."),
    ("city", "", "Ce champ est obligatoire."),
    ("signatory_title", "x" * 161, "160 caractères"),
    ("address_line1", "rue\x07", "caractères non autorisés"),
])
def test_bad_input_is_explained_next_to_the_field_and_nothing_is_saved(world, field, value, message):
    before = snapshot(world.caf1)
    response = client_of(world.agent1).post(url_of(world.caf1), {**SETTINGS, field: value,
                                                                  "requires_second_factor": "on"})
    assert response.status_code in (200, 400)
    assert message in response.context["form"].errors[field][0]
    assert snapshot(world.caf1) == before and not settings_entries(world.caf1)


# ------------------------------------------------------------------------------------------ what follows from it


def pdf_text(content: bytes) -> str:
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)
    return re.sub(r"[\s\u00a0\u202f]+", " ", text)


def test_a_freshly_printed_attestation_names_the_new_signatory_and_address(world):
    client_of(world.national).post(url_of(world.caf1), SETTINGS)
    pdf = client_of(world.t1_user).get(reverse("dossiers:attestation_pdf", args=["601", "1110001"]) + "?kind=droits")
    assert pdf.status_code == 200
    text = pdf_text(pdf.content)
    assert "Jeanne Duval" in text and "Directrice de la Caf" in text
    assert "2 avenue des Familles" in text and "69003 Lyon" in text


def test_the_second_factor_rule_follows_the_checkbox(world):
    member, elsewhere = world.t18_user, world.member_b  # plain members at Caf 1 and at Caf 2
    assert not requires_second_factor(member) and not requires_second_factor(elsewhere)
    client_of(world.agent1).post(url_of(world.caf1), {**SETTINGS, "requires_second_factor": "on"})
    assert requires_second_factor(member) and not requires_second_factor(elsewhere)
    client_of(world.agent1).post(url_of(world.caf1), SETTINGS)  # unticked
    assert not requires_second_factor(member)
