"""« Attestations à envoyer »: the Caf side of « envoyer par courrier ».

An open Caf agent lists his Caf's postal requests (never another Caf's), filters them by status and
marks each one sent; the change is journaled and the partner then reads « Envoyée » in his own list.
"""
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from portail.accounts.models import User
from portail.core.clock import now, today
from portail.testing import factories as f
from portail.dossiers import services
from portail.dossiers.models import AttestationRequest
from portail.journal import events
from portail.journal.models import Action

from .conftest import make_dossier

CONFIRM = {"confirm": "1"}  # « Confirmer l'envoi par courrier »

LIST_URL = reverse("dossiers:caf_attestations")
MENU_LABEL = "Attestations à envoyer"


def mark_url(request) -> str:
    return reverse("dossiers:caf_attestation_mark_sent", args=[request.pk])


def make_request(dossier, user, *, minutes_ago=0, reference=None, sent=False) -> AttestationRequest:
    return AttestationRequest.objects.create(
        dossier=dossier,
        requested_by=user,
        requested_at=now() - timedelta(minutes=minutes_ago),
        reference=reference or f"ATT-TEST-{AttestationRequest.objects.count():04d}",
        status=AttestationRequest.Status.SENT if sent else AttestationRequest.Status.REQUESTED,
        sent_on=today() if sent else None,
    )


@pytest.fixture
def other_caf_dossier(db):
    return make_dossier(f.CafFactory(code="999", name="Caf du Nord"), "7654321", last_name="AUTRECAF")


@pytest.fixture
def other_caf_agent(other_caf_dossier):
    return f.CafAgentFactory(caf=other_caf_dossier.caf)


@pytest.fixture
def ours(dossier, t1_user):
    return make_request(dossier, t1_user, reference="ATT-OURS-0001")


@pytest.fixture
def theirs(other_caf_dossier, t1_user):
    return make_request(other_caf_dossier, t1_user, reference="ATT-THEI-0001")


# ---------------------------------------------------------------- who sees the page and the menu entry


def test_agent_sees_his_cafs_requests_only(login_as, caf_agent, ours, theirs):
    response = login_as(caf_agent).get(LIST_URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1>Attestations à envoyer</h1>" in html
    assert "ATT-OURS-0001" in html and ours.dossier.number in html
    assert "Mme Léa DURAND" in html and "12 rue des Lilas, 33000 Bordeaux" in html  # where the letter goes
    assert "Conseil départemental 1" in html  # the requesting organisation
    assert "ATT-THEI-0001" not in html and "AUTRECAF" not in html
    assert "Marquer comme envoyée" in html
    assert MENU_LABEL in html


def test_agent_of_another_caf_sees_only_his(login_as, other_caf_agent, ours, theirs):
    html = login_as(other_caf_agent).get(LIST_URL).content.decode()
    assert "ATT-THEI-0001" in html
    assert "ATT-OURS-0001" not in html and ours.dossier.number not in html


@pytest.mark.parametrize("who", ["t1_user", "admin_user", "partner_user"])
def test_partner_users_get_404_and_no_menu_entry(request, login_as, who, ours):
    client = login_as(request.getfixturevalue(who))
    assert client.get(LIST_URL).status_code == 404
    assert MENU_LABEL not in client.get(reverse("home:index")).content.decode()


@pytest.mark.parametrize("status", [User.Status.SUSPENDED, User.Status.CLOSED])
def test_a_suspended_or_closed_agent_gets_404(login_as, caf_agent, ours, status):
    client = login_as(caf_agent)
    User.objects.filter(pk=caf_agent.pk).update(status=status)
    assert client.get(LIST_URL).status_code in (302, 404)  # logged out or refused, never the list
    response = client.post(mark_url(ours))
    assert response.status_code in (302, 404)
    ours.refresh_from_db()
    assert ours.status == AttestationRequest.Status.REQUESTED


def test_anonymous_goes_to_login(client, ours, journal):
    for response in (client.get(LIST_URL), client.post(mark_url(ours))):
        assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:login"))
    ours.refresh_from_db()
    assert ours.status == AttestationRequest.Status.REQUESTED and not journal(action=Action.ATTESTATION_SENT)


# ---------------------------------------------------------------- « Marquer comme envoyée »


def test_marking_sent_changes_the_status_and_journals_it(login_as, caf_agent, ours, journal):
    response = login_as(caf_agent).post(mark_url(ours), follow=True)
    assert response.redirect_chain[-1] == (LIST_URL, 302)
    html = response.content.decode()
    assert "ATT-OURS-0001" in html and "est marquée comme envoyée" in html
    assert f"Envoyée le {today():%d/%m/%Y}" in html
    ours.refresh_from_db()
    assert ours.status == AttestationRequest.Status.SENT and ours.sent_on == today()

    [entry] = journal(action=Action.ATTESTATION_SENT)
    assert entry.actor == caf_agent and entry.ip_address == "127.0.0.1"
    assert (entry.caf_id, entry.dossier_number, entry.target_user_id) == (ours.dossier.caf_id, "1234567", ours.requested_by_id)
    assert entry.details == {"request": ours.pk, "reference": "ATT-OURS-0001", "sent_on": today().isoformat()}


def test_marking_twice_is_reported_and_journaled_once(login_as, caf_agent, ours, journal):
    client = login_as(caf_agent)
    client.post(mark_url(ours))
    html = client.post(mark_url(ours), follow=True).content.decode()
    assert "est déjà marquée comme envoyée" in html
    assert len(journal(action=Action.ATTESTATION_SENT)) == 1


def test_marking_needs_post(login_as, caf_agent, ours):
    assert login_as(caf_agent).get(mark_url(ours)).status_code == 405
    ours.refresh_from_db()
    assert ours.status == AttestationRequest.Status.REQUESTED


@pytest.mark.parametrize("who", ["other_caf_agent", "t1_user", "admin_user"])
def test_nobody_outside_the_caf_may_mark_it_sent(request, login_as, who, ours, journal):
    response = login_as(request.getfixturevalue(who)).post(mark_url(ours))
    assert response.status_code == 404
    ours.refresh_from_db()
    assert ours.status == AttestationRequest.Status.REQUESTED and not journal(action=Action.ATTESTATION_SENT)


def test_a_forged_id_is_404(login_as, caf_agent, ours):
    client = login_as(caf_agent)
    assert client.post(reverse("dossiers:caf_attestation_mark_sent", args=[ours.pk + 1000])).status_code == 404
    assert client.post("/dossiers/caf/attestations/99999999999999999999/envoyee/").status_code == 404


def test_the_service_refuses_an_agent_of_another_caf(other_caf_agent, ours, journal):
    from portail.core.errors import BusinessError

    with pytest.raises(BusinessError):
        services.attestation_request_mark_sent(actor=other_caf_agent, request=ours)
    ours.refresh_from_db()
    assert ours.status == AttestationRequest.Status.REQUESTED and not journal(action=Action.ATTESTATION_SENT)


def test_a_failing_journal_leaves_the_request_pending(monkeypatch, caf_agent, ours):
    def broken(**entry):
        raise RuntimeError("journal indisponible")

    monkeypatch.setattr(events, "_append", broken)
    with pytest.raises(RuntimeError):
        services.attestation_request_mark_sent(actor=caf_agent, request=ours)
    ours.refresh_from_db()
    assert ours.status == AttestationRequest.Status.REQUESTED and ours.sent_on is None


def test_the_partner_then_reads_envoyee_in_his_list(client, login_as, t1_user, caf_agent, dossier):
    # The partner asks for the letter from the « Attestation » page…
    login_as(t1_user).post(reverse("dossiers:attestation_post", args=[dossier.caf.code, dossier.number]), CONFIRM)
    request = AttestationRequest.objects.get()
    assert "Demandée" in client.get(reverse("dossiers:attestation_requests")).content.decode()
    # … the Caf posts it…
    client.logout()
    login_as(caf_agent).post(mark_url(request))
    # … and the partner sees it sent.
    client.logout()
    html = login_as(t1_user).get(reverse("dossiers:attestation_requests")).content.decode()
    assert f"Envoyée le {today():%d/%m/%Y}" in html


# ---------------------------------------------------------------- order, filter, pages, queries


def test_newest_first_and_filter_by_status(login_as, caf_agent, dossier, t1_user):
    make_request(dossier, t1_user, minutes_ago=30, reference="ATT-OLD0-0001")
    make_request(dossier, t1_user, minutes_ago=10, reference="ATT-SENT-0001", sent=True)
    make_request(dossier, t1_user, minutes_ago=1, reference="ATT-NEW0-0001")
    client = login_as(caf_agent)
    html = client.get(LIST_URL).content.decode()
    assert html.index("ATT-NEW0-0001") < html.index("ATT-SENT-0001") < html.index("ATT-OLD0-0001")
    assert "3 demandes d'envoi" in html

    html = client.get(LIST_URL, {"status": "demandee"}).content.decode()
    assert "ATT-NEW0-0001" in html and "ATT-OLD0-0001" in html and "ATT-SENT-0001" not in html
    assert "au statut « Demandée »" in html
    html = client.get(LIST_URL, {"status": "envoyee"}).content.decode()
    assert "ATT-SENT-0001" in html and "ATT-NEW0-0001" not in html
    # a forged status is a form error, not a 500, and filters nothing
    response = client.get(LIST_URL, {"status": "perdue"})
    assert response.status_code == 200


def test_pages_of_25_and_back_to_the_same_page_after_marking(login_as, caf_agent, dossier, t1_user):
    for i in range(30):
        make_request(dossier, t1_user, minutes_ago=i, reference=f"ATT-PAGE-{i:04d}")
    client = login_as(caf_agent)
    first = client.get(LIST_URL).content.decode()
    assert "ATT-PAGE-0000" in first and "ATT-PAGE-0024" in first and "ATT-PAGE-0025" not in first
    assert "Page 1 sur 2" in first
    second = client.get(LIST_URL, {"page": 2, "status": "demandee"}).content.decode()
    assert "ATT-PAGE-0029" in second and "ATT-PAGE-0000" not in second
    oldest = AttestationRequest.objects.get(reference="ATT-PAGE-0029")
    response = client.post(mark_url(oldest), {"page": "2", "status": "demandee"})
    assert response["Location"] == f"{LIST_URL}?status=demandee&page=2"
    # only the filter and page come back, and only when they make sense
    other = AttestationRequest.objects.get(reference="ATT-PAGE-0028")
    response = client.post(mark_url(other), {"page": "x", "status": "https://example.org/"})
    assert response["Location"] == LIST_URL


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx)


def test_query_count_does_not_grow_with_rows(login_as, caf_agent, dossier, t1_user, django_assert_num_queries):
    client = login_as(caf_agent)
    other_dossier = make_dossier(dossier.caf, "2222222", last_name="SANSLOGEMENT")
    other_dossier.housing.delete()
    for i in range(3):
        make_request(dossier if i % 2 else other_dossier, t1_user, minutes_ago=i, sent=i == 1)
    client.get(LIST_URL)  # the first page after the login records the activity in the session
    few = _queries(client, LIST_URL)
    for i in range(3, 30):
        requester = f.UserFactory(organisation=t1_user.organisation)
        make_request(dossier if i % 2 else other_dossier, requester, minutes_ago=i, sent=i % 3 == 0)
    with django_assert_num_queries(few):
        html = client.get(LIST_URL).content.decode()
    assert html.count("Marquer comme envoyée<") == 16  # the pending ones among the 25 shown
