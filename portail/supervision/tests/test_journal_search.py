"""The Caf's journal: bounded search by user, dossier, dates, action, convention; detail; CSV; verification."""
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from portail.journal import events
from portail.journal.models import Action, JournalBatch, JournalEntry
from portail.journal.seal import journal_seal
from portail.testing import factories as f
from portail.testing.auth import sign_in


@pytest.fixture
def world(convention, partner_user, caf_agent, monkeypatch):
    """Consultations at the convention's Caf (one 40 days ago), and one at another Caf."""
    other_caf = f.CafFactory(code="999", name="Caf voisine")
    stranger = f.UserFactory()

    def consult(user, caf, number, days_ago=0):
        monkeypatch.setattr("portail.journal.services.now", lambda: timezone.now() - timedelta(days=days_ago))
        return events.dossier_consulted(actor=user, caf=caf, number=number, trace={"via": []},
                                        grant={"convention": convention.pk} if caf == convention.caf_id else None)

    recent = consult(partner_user, convention.caf_id, "1234567")
    consult(partner_user, convention.caf_id, "7654321", days_ago=3)
    old = consult(partner_user, convention.caf_id, "1234567", days_ago=40)
    elsewhere = consult(stranger, other_caf.pk, "5550001")
    monkeypatch.undo()
    return {"recent": recent, "old": old, "elsewhere": elsewhere, "other_caf": other_caf}


def _search(client, **params):
    return client.get(reverse("journal_caf:search"), params)


def _numbers(response):
    return {r["entry"].dossier_number for r in response.context["rows"]}


def test_an_agent_reads_his_caf_s_entries_only(world, caf_agent, login_as):
    response = _search(login_as(caf_agent))
    assert _numbers(response) == {"1234567", "7654321"}  # the last 7 days by default, his Caf only
    assert response.context["page"].paginator.count == 2
    assert "5550001" not in response.content.decode()
    detail = reverse("journal_caf:detail", args=[world["elsewhere"].pk])
    assert login_as(caf_agent).get(detail).status_code == 404


def test_national_administrator_reads_every_caf(world):
    national = f.UserFactory(is_national_admin=True, organisation=None)
    client = sign_in(Client(), national)
    assert _numbers(_search(client)) == {"1234567", "7654321", "5550001"}
    assert _numbers(_search(client, caf=world["other_caf"].pk)) == {"5550001"}


def test_filters(world, caf_agent, partner_user, convention, login_as):
    client = login_as(caf_agent)
    start, end = str(timezone.localdate() - timedelta(days=60)), str(timezone.localdate())
    assert _numbers(_search(client, dossier="1234567", date_from=start, date_to=end)) == {"1234567"}
    assert _search(client, dossier="1234567", date_from=start, date_to=end).context["page"].paginator.count == 2
    assert _numbers(_search(client, username=partner_user.username.lower(), date_from=start, date_to=end)) == {
        "1234567", "7654321"}
    assert _numbers(_search(client, action=Action.DOSSIER_REFUSED)) == set()
    assert _numbers(_search(client, action=Action.DOSSIER_CONSULTED, convention=convention.label[:5])) == {
        "1234567", "7654321"}


@pytest.mark.parametrize("params,field,message", [
    ({"date_from": "2025-01-01", "date_to": "2025-03-01"}, "date_to", "limitée à 31 jours"),
    ({"date_from": "2025-03-01", "date_to": "2025-01-01"}, "date_to", "ne peut pas précéder"),
    ({"username": "ZZZZ9999"}, "username", "Aucun utilisateur"),
    ({"dossier": "12ab"}, "dossier", "que des chiffres"),
    ({"convention": "inexistante"}, "convention", "Aucune convention"),
])
def test_bad_criteria_are_refused_next_to_their_field(world, caf_agent, login_as, params, field, message):
    response = _search(login_as(caf_agent), **params)
    assert response.context["page"] is None
    assert message in " ".join(response.context["form"].errors[field])


def test_csv_export_uses_the_same_filters_and_is_journaled_first(world, caf_agent, login_as):
    response = login_as(caf_agent).get(reverse("journal_caf:export"), {"dossier": "1234567"})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    body = b"".join(response.streaming_content).decode()
    lines = [line for line in body.splitlines() if line]
    assert len(lines) == 2 and "1234567" in lines[1] and "7654321" not in body
    export = JournalEntry.objects.get(action=Action.JOURNAL_EXPORTED)
    assert export.actor_id == caf_agent.pk and export.details["rows"] == 1
    assert export.details["filters"]["dossier"] == "1234567"


def test_an_entry_s_details_are_shown_escaped(convention, caf_agent, login_as):
    group = f.make_group(convention, "GRP")
    entry = events.group_measure(actor=caf_agent, group=group, action=Action.GROUP_SUSPENDED,
                                 reason="<script>alert(1)</script>")
    html = login_as(caf_agent).get(reverse("journal_caf:detail", args=[entry.pk])).content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script>alert(1)" not in html
    assert "<dt>reason</dt>" in html


def test_an_entry_says_whether_it_is_sealed_and_in_which_batch(convention, caf_agent, login_as):
    group = f.make_group(convention, "GRP")
    entry = events.group_measure(actor=caf_agent, group=group, action=Action.GROUP_SUSPENDED, reason="contrôle")
    client = login_as(caf_agent)
    url = reverse("journal_caf:detail", args=[entry.pk])
    assert "pas encore scellée" in client.get(url).content.decode()
    journal_seal(wait=0)
    batch = JournalBatch.objects.get(last_id__gte=entry.pk)
    html = client.get(url).content.decode()
    assert "pas encore scellée" not in html and f"lot n° {batch.pk} (entrées" in html


def test_verification_is_run_by_the_national_administrator_and_its_result_shown(world, caf_agent, login_as):
    url = reverse("journal_caf:verification")
    assert login_as(caf_agent).post(url).status_code == 403
    assert "lancée par l'administrateur national" in login_as(caf_agent).get(url).content.decode()
    national = f.UserFactory(is_national_admin=True, organisation=None)
    client = sign_in(Client(), national)
    assert client.post(url).status_code == 302
    entry = JournalEntry.objects.get(action=Action.JOURNAL_VERIFIED)
    assert entry.details["ok"] is True
    html = client.get(url).content.decode()
    assert "Journal intègre" in html and "Vérifier le journal maintenant" in html


def test_search_queries_do_not_grow_with_the_page(convention, partner_user, caf_agent, login_as):
    client = login_as(caf_agent)

    def add(n):
        for i in range(n):
            events.dossier_consulted(actor=partner_user, caf=convention.caf_id, number=f"{i:07d}", trace={},
                                     grant={"convention": convention.pk})

    add(3)
    with CaptureQueriesContext(connection) as three:
        _search(client)
    add(27)
    with CaptureQueriesContext(connection) as thirty:
        assert _search(client).context["page"].paginator.count == 30
    assert len(thirty) == len(three)


def test_permissions(world, convention, admin_user, partner_user):
    other_agent = f.CafAgentFactory()
    urls = [reverse("journal_caf:search"), reverse("journal_caf:export"), reverse("journal_caf:unusual"),
            reverse("journal_caf:verification"), reverse("journal_caf:detail", args=[world["recent"].pk])]
    for actor in (admin_user, partner_user):
        for url in urls:
            assert sign_in(Client(), actor).get(url).status_code == 404, (actor, url)
    for url in urls:
        assert Client().get(url).status_code == 302
    assert sign_in(Client(), other_agent).get(urls[-1]).status_code == 404
    assert sign_in(Client(), other_agent).get(urls[0]).status_code == 200
