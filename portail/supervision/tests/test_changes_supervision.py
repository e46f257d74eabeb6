"""« Supervision modifier »: pending and refused roles, the history read from the journal, its filters and CSV."""
import csv
import io
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from portail.core.clock import today
from portail.habilitations.models import GroupRole
from portail.journal import events
from portail.journal.models import Action, JournalEntry
from portail.supervision.selectors import changes as sel
from portail.testing import factories as f
from portail.testing.auth import sign_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def tree(convention, admin_user, role_t1, role_t18):
    """MAIN (T1, T18) > SUB (T1, led by `lead`) > LEAF; OTHER (T18) beside; `member` in LEAF."""
    lead = f.UserFactory(organisation=convention.organisation, last_name="Chef")
    member = f.UserFactory(organisation=convention.organisation, last_name="Membre")
    main = f.make_group(convention, "MAIN", roles=[role_t1, role_t18])
    sub = f.make_group(convention, "SUB", parent=main, roles=[role_t1], responsable=lead)
    leaf = f.make_group(convention, "LEAF", parent=sub, members=[member])
    other = f.make_group(convention, "OTHER", roles=[role_t18])
    return {"lead": lead, "member": member, "main": main, "sub": sub, "leaf": leaf, "other": other}


def page(user, convention, query=""):
    return sign_in(Client(), user).get(reverse("supervision:changes_convention", args=[convention.pk]) + query)


def table(user, convention, query=""):
    """The history table only (the action filter lists every action's name)."""
    return page(user, convention, query).content.decode().split('id="table-historique"')[1]


def test_history_shows_who_changed_what_and_a_responsable_sees_his_subtree_only(tree, convention, admin_user):
    events.membership_added(actor=admin_user, group=tree["leaf"], user=tree["member"])
    events.group_created(actor=admin_user, group=tree["other"])
    events.login(user=admin_user)  # not a change of habilitations
    body = table(admin_user, convention)
    assert "Ajout au groupe" in body and "Création de groupe" in body and "Connexion" not in body
    assert admin_user.username in body and tree["member"].username in body
    body = table(tree["lead"], convention)
    assert "Ajout au groupe" in body and "Création de groupe" not in body


def test_history_filters_by_action_person_group_and_period(tree, convention, admin_user):
    events.membership_added(actor=admin_user, group=tree["leaf"], user=tree["member"])
    events.group_created(actor=admin_user, group=tree["other"])
    body = table(admin_user, convention, f"?action={Action.GROUP_CREATED.value}")
    assert "Création de groupe" in body and "Ajout au groupe" not in body
    body = table(admin_user, convention, f"?utilisateur={tree['member'].username.lower()}")
    assert "Ajout au groupe" in body and "Création de groupe" not in body
    body = table(admin_user, convention, "?groupe=other")
    assert "Création de groupe" in body and "Ajout au groupe" not in body
    old = (today() - timedelta(days=30)).isoformat()
    body = page(admin_user, convention, f"?du={old}&au={old}").content.decode()
    assert "Aucune modification sur cette période." in body


def test_a_bad_period_is_explained_next_to_its_field(tree, convention, admin_user):
    response = page(admin_user, convention, "?du=2026-05-02&au=2026-05-01")
    body = response.content.decode()
    assert response.status_code == 200
    assert 'id="id_au-desc-error">La date de fin doit être postérieure ou égale à la date de début.' in body
    assert 'aria-describedby="id_au-desc-error"' in body
    body = page(admin_user, convention, "?du=pas-une-date").content.decode()
    assert "Saisissez une date valide" in body
    body = page(admin_user, convention, "?du=2020-01-01&au=2026-01-01").content.decode()
    assert "Choisissez une période d&#x27;un an au plus." in body or "Choisissez une période d'un an au plus." in body


def test_pending_and_refused_roles_are_listed_with_the_cafs_reason(tree, convention, admin_user, role_t18):
    t9 = f.RoleFactory(service=role_t18.service, code="T9", requires_caf_validation=True)
    GroupRole.objects.create(group=tree["sub"], role=t9, state=GroupRole.State.PENDING, granted_by=admin_user)
    body = page(admin_user, convention, "?vue=attente").content.decode()
    assert "T9" in body and "En attente de validation Caf" in body
    if sel.REFUSED is None:
        pytest.skip("no refusal state yet")
    GroupRole.objects.create(group=tree["leaf"], role=role_t18, state=sel.REFUSED, decision_reason="Pas de finalité")
    body = page(admin_user, convention, "?vue=refusees").content.decode()
    assert "Pas de finalité" in body and "T18" in body
    body = page(tree["lead"], convention, "?vue=attente").content.decode()
    assert "T9" in body


def test_history_reads_a_constant_number_of_queries(tree, convention, admin_user):
    counts = []
    for n in (3, 30):
        for _ in range(n):
            events.membership_added(actor=admin_user, group=tree["leaf"], user=tree["member"])
        with CaptureQueriesContext(connection) as queries:
            assert page(admin_user, convention).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1], counts


def test_history_query_uses_the_indexed_columns(tree, convention, admin_user):
    sql = str(sel.history(
        __import__("portail.access", fromlist=["x"]).supervision_of_convention(admin_user, convention.pk),
        start=today(), end=today()).query)
    assert '"convention_id" = ' in sql and '"created_at" >=' in sql and '"action" IN' in sql


def test_csv_export_of_the_history_is_journaled_first(tree, convention, admin_user):
    events.membership_added(actor=admin_user, group=tree["leaf"], user=tree["member"])
    response = sign_in(Client(), admin_user).get(
        reverse("supervision:changes_convention_csv", args=[convention.pk]) + "?action=membership_added")
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert rows[0] == sel_header()
    assert len(rows) == 2
    assert rows[1][1] == "Ajout au groupe" and rows[1][2] == admin_user.username and rows[1][3] == convention.label
    assert rows[1][4] == "LEAF" and rows[1][6] == tree["member"].username
    entry = JournalEntry.objects.filter(action=Action.SUPERVISION_EXPORTED).get()
    assert entry.details == {"page": "modifications", "filters": {"action": "membership_added"}, "rows": 1}


def sel_header():
    from portail.supervision.selectors.changes import EXPORT_HEADER
    return EXPORT_HEADER


def test_caf_wide_history_covers_the_cafs_conventions_only(tree, convention, admin_user, caf_agent):
    elsewhere = f.ConventionFactory()
    other_group = f.make_group(elsewhere, "AILLEURS")
    events.group_created(actor=admin_user, group=tree["other"])
    events.group_created(actor=admin_user, group=other_group)
    body = sign_in(Client(), caf_agent).get(reverse("supervision:changes_caf")).content.decode()
    assert convention.label in body and elsewhere.label not in body


def test_csv_export_of_a_long_history_reads_a_constant_number_of_queries(tree, convention, admin_user, monkeypatch):
    """The names an export shows are read once: 6 entries or 60 (read 10 at a time), the same queries."""
    from portail.supervision.views import partner_changes

    monkeypatch.setattr(partner_changes, "EXPORT_CHUNK", 10)
    client = sign_in(Client(), admin_user)
    url = reverse("supervision:changes_convention_csv", args=[convention.pk])
    client.get(url)
    counts, lines = [], []
    for n in (6, 54):
        people = [f.UserFactory(organisation=convention.organisation) for _ in range(3)]
        for i in range(n):
            events.membership_added(actor=admin_user, group=(tree["leaf"], tree["sub"])[i % 2], user=people[i % 3])
        with CaptureQueriesContext(connection) as queries:
            text = b"".join(client.get(url).streaming_content).decode("utf-8-sig")
        counts.append(len(queries))
        lines.append(list(csv.reader(io.StringIO(text), delimiter=";"))[1:])
    assert counts[0] == counts[1], counts
    assert len(lines[1]) == 60
    newest = lines[1][0]
    assert newest[1] == "Ajout au groupe" and newest[3] == convention.label and newest[4] in ("LEAF", "SUB")
    assert newest[6] in {p.username for p in people}
