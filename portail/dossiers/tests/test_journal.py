"""R9: each consultation and each tab journaled before the data leaves; refusals journaled; no journal, no data."""
import pytest
from django.urls import reverse

from portail.journal import events
from portail.journal.models import Action
from portail.journal.services import JournalUnavailable
from portail.testing.journal import break_journal_inserts

CONFIRM = {"confirm": "1"}  # « Confirmer l'envoi par courrier »


def test_one_entry_for_the_consultation_and_one_per_tab(login_as, t1_user, t1_group, dossier, tab_url, journal):
    client = login_as(t1_user)
    response = client.post(reverse("dossiers:search"), {"caf": dossier.caf.code, "number": dossier.number}, follow=True)
    assert response.status_code == 200
    client.get(tab_url(dossier, "paiements"))
    client.get(tab_url(dossier, "creances"))
    entries = journal()
    assert [e.action for e in entries] == [Action.DOSSIER_CONSULTED, Action.TAB_OPENED, Action.TAB_OPENED,
                                          Action.TAB_OPENED]
    assert [e.details.get("tab") for e in entries[1:]] == ["synthese", "paiements", "creances"]
    for entry in entries:
        assert entry.actor_id == t1_user.pk
        assert entry.caf_id == dossier.caf_id
        assert entry.dossier_number == dossier.number
        assert entry.ip_address == "127.0.0.1"
        assert entry.convention_id == t1_group.convention_id
        assert entry.group_id == t1_group.pk
        assert entry.details["via"] == [{"convention": t1_group.convention_id, "group": t1_group.pk,
                                         "group_code": "GROUPES", "role": "T1"}]


@pytest.mark.parametrize("url, reason", [
    ("/dossiers/{caf}/{number}/rsa/", "tab_not_allowed"),
    ("/dossiers/{caf}/{number}/onglet-secret/", "unknown_tab"),
    ("/dossiers/{caf}/7777777/synthese/", "unknown_number"),
    ("/dossiers/{caf}/12345/synthese/", "bad_number"),
    ("/dossiers/999/{number}/synthese/", "unknown_caf"),
    ("/dossiers/{caf}/{number}/attestation/pdf/", "attestation_not_allowed"),
])
def test_refused_attempts_are_journaled(login_as, t18_user, dossier, journal, url, reason):
    response = login_as(t18_user).get(url.format(caf=dossier.caf.code, number=dossier.number))
    assert response.status_code in (403, 404)
    assert "DURAND" not in response.content.decode()
    entries = journal()
    assert [(e.action, e.details["reason"]) for e in entries] == [(Action.DOSSIER_REFUSED, reason)]
    assert entries[0].actor_id == t18_user.pk


def test_unknown_number_in_the_form_is_journaled_and_explained(login_as, t1_user, dossier, journal):
    response = login_as(t1_user).post(reverse("dossiers:search"), {"caf": dossier.caf.code, "number": "7777777"})
    assert response.status_code == 200
    assert "Aucun dossier ne porte le numéro allocataire 7777777" in response.content.decode()
    assert [(e.action, e.details["reason"]) for e in journal()] == [(Action.DOSSIER_REFUSED, "unknown_number")]


def _broken_journal(**kwargs):
    raise JournalUnavailable("journal indisponible")


@pytest.mark.parametrize("path", ["synthese/", "paiements/", "attestation/", "attestation/pdf/", ""])
def test_no_journal_no_data(login_as, t1_user, dossier, monkeypatch, path, journal):
    monkeypatch.setattr(events, "_append", _broken_journal)
    response = login_as(t1_user).get(f"/dossiers/{dossier.caf.code}/{dossier.number}/{path}")
    assert response.status_code == 503
    body = response.content.decode()
    assert "Le journal des consultations n'a pas pu être écrit" in body
    assert "DURAND" not in body and "148,52" not in body
    assert response["Content-Type"].startswith("text/html")
    assert journal() == []


def test_no_journal_no_consultation_from_the_form(login_as, t1_user, dossier, monkeypatch):
    monkeypatch.setattr(events, "_append", _broken_journal)
    response = login_as(t1_user).post(reverse("dossiers:search"), {"caf": dossier.caf.code, "number": dossier.number})
    assert response.status_code == 503
    assert "DURAND" not in response.content.decode()


def test_no_journal_no_postal_request(login_as, t1_user, dossier, monkeypatch):
    monkeypatch.setattr(events, "_append", _broken_journal)
    response = login_as(t1_user).post(reverse("dossiers:attestation_post", args=[dossier.caf.code, dossier.number]), CONFIRM)
    assert response.status_code == 503
    assert not dossier.attestation_requests.exists()


def test_a_failing_database_write_in_the_journal_shows_no_data(login_as, t1_user, dossier, monkeypatch):
    """The journal's own INSERT fails in the database layer (not our wrapper): same outcome."""
    break_journal_inserts(monkeypatch)
    response = login_as(t1_user).get(f"/dossiers/{dossier.caf.code}/{dossier.number}/famille/")
    assert response.status_code == 503
    assert "Enfant0" not in response.content.decode()
