"""What the journal keeps of Dialogue beyond sending and answering: every reading of a message or of
its attachment (both sides), « Marquer comme lu » and « traité », and every attempt at « Écrire à la
Caf » about a dossier, refused or not (R9)."""
import re

import pytest
from django.urls import reverse

from portail.dialogue import services
from portail.dialogue.models import Message
from portail.journal import events
from portail.journal.models import Action, JournalEntry
from portail.testing.auth import sign_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def message(world, send):
    assert send(world, world.partner, subject="Question APL").status_code == 302
    return Message.objects.get()


def _entries(action) -> list[JournalEntry]:
    return list(JournalEntry.objects.filter(action=action).order_by("id"))


def _assert_caf_side_entry(entry, world, message):
    """Same fields as the answer's entry: who, which Caf and file, which partner, which message."""
    assert entry.actor == world.agent_a and entry.ip_address == "127.0.0.1"
    assert (entry.caf_id, entry.dossier_number, entry.target_user_id) == (world.caf_a.pk, "1234567", world.partner.pk)
    assert entry.details == {"message": message.pk, "organisation": world.partner.organisation_id}


def test_every_opening_is_journaled_and_get_changes_no_state(client, world, message):
    sign_in(client, world.agent_a)
    for _ in range(2):
        assert client.get(reverse("dialogue:inbox_detail", args=[message.pk])).status_code == 200
    message.refresh_from_db()
    assert message.status == Message.Status.NEW and message.read_at is None
    first, second = _entries(Action.DIALOGUE_READ)
    _assert_caf_side_entry(first, world, message)
    _assert_caf_side_entry(second, world, message)
    assert not _entries(Action.DIALOGUE_MARKED_READ)


def test_marking_read_is_a_post_journaled_once(client, world, message):
    sign_in(client, world.agent_a)
    page = client.get(reverse("dialogue:inbox_detail", args=[message.pk])).content.decode()
    assert "Marquer comme lu" in page
    response = client.post(reverse("dialogue:inbox_detail", args=[message.pk]))
    assert response.status_code == 302
    message.refresh_from_db()
    assert message.status == Message.Status.READ and message.read_at is not None
    [entry] = _entries(Action.DIALOGUE_MARKED_READ)
    _assert_caf_side_entry(entry, world, message)
    client.post(reverse("dialogue:inbox_detail", args=[message.pk]))
    assert len(_entries(Action.DIALOGUE_MARKED_READ)) == 1
    assert "Marquer comme lu" not in client.get(reverse("dialogue:inbox_detail", args=[message.pk])).content.decode()


def test_the_partner_reading_his_message_again_is_journaled(client, world, message):
    sign_in(client, world.partner)
    for _ in range(2):
        assert client.get(reverse("dialogue:detail", args=[message.pk])).status_code == 200
    entries = _entries(Action.DIALOGUE_VIEWED)
    assert len(entries) == 2
    assert (entries[0].actor, entries[0].caf_id, entries[0].dossier_number) == (world.partner, world.caf_a.pk, "1234567")


def test_marking_done_journals_it_once(client, world, message):
    sign_in(client, world.agent_a)
    client.get(reverse("dialogue:inbox_detail", args=[message.pk]))
    assert client.post(reverse("dialogue:mark_done", args=[message.pk])).status_code == 302
    message.refresh_from_db()
    assert message.status == Message.Status.DONE and message.done_by == world.agent_a
    [entry] = _entries(Action.DIALOGUE_CLOSED)
    _assert_caf_side_entry(entry, world, message)
    client.post(reverse("dialogue:mark_done", args=[message.pk]))
    assert len(_entries(Action.DIALOGUE_CLOSED)) == 1


def test_marking_done_an_unread_message_journals_the_closing(client, world, message):
    sign_in(client, world.agent_a)
    client.post(reverse("dialogue:mark_done", args=[message.pk]))
    message.refresh_from_db()
    assert message.status == Message.Status.DONE
    assert len(_entries(Action.DIALOGUE_CLOSED)) == 1


@pytest.mark.parametrize("who", ["agent_b", "partner", "other_partner"])
def test_outsiders_neither_read_nor_close_nor_journal(client, world, message, who):
    sign_in(client, getattr(world, who))
    assert client.get(reverse("dialogue:inbox_detail", args=[message.pk])).status_code == 404
    assert client.post(reverse("dialogue:inbox_detail", args=[message.pk])).status_code == 404
    assert client.post(reverse("dialogue:mark_done", args=[message.pk])).status_code == 404
    message.refresh_from_db()
    assert message.status == Message.Status.NEW
    assert not _entries(Action.DIALOGUE_READ) and not _entries(Action.DIALOGUE_CLOSED)
    assert not _entries(Action.DIALOGUE_MARKED_READ)


@pytest.mark.parametrize("step", ["read", "done"])
def test_a_failing_journal_changes_nothing(world, message, monkeypatch, step):
    def broken(**entry):
        raise RuntimeError("journal indisponible")

    monkeypatch.setattr(events, "_append", broken)
    with pytest.raises(RuntimeError):
        if step == "read":
            services.message_mark_read(actor=world.agent_a, message=message)
        else:
            services.message_mark_done(actor=world.agent_a, message=message)
    message.refresh_from_db()
    assert message.status == Message.Status.NEW and message.read_at is None and message.done_by is None


# ---------------------------------------------------------------- « Écrire à la Caf » about an unknown number


@pytest.mark.parametrize("method", ["get", "post"])
def test_an_unknown_number_is_404_and_journaled_like_a_consultation(client, world, method):
    sign_in(client, world.partner)
    url = reverse("dialogue:new", args=[world.caf_a.code, "7777777"])
    response = getattr(client, method)(url, {"subject": "Objet", "body": "Texte"} if method == "post" else None)
    assert response.status_code == 404
    assert not Message.objects.exists()
    [entry] = _entries(Action.DOSSIER_REFUSED)
    assert entry.actor == world.partner and entry.ip_address == "127.0.0.1"
    assert (entry.caf_id, entry.dossier_number) == (world.caf_a.pk, "7777777")
    assert entry.details == {
        "reason": "unknown_number",
        "page": "dialogue",
        "via": [{"convention": world.convention.pk, "group": world.group.pk, "group_code": "G1", "role": "T1"}],
    }


def test_a_malformed_number_is_404_and_journaled(client, world):
    sign_in(client, world.partner)
    assert client.get(reverse("dialogue:new", args=[world.caf_a.code, "12AB567"])).status_code == 404
    [entry] = _entries(Action.DOSSIER_REFUSED)
    assert entry.details["reason"] == "bad_number" and entry.dossier_number == "12AB567"


def test_a_known_number_is_no_refusal_but_a_journaled_consultation(client, world):
    sign_in(client, world.partner)
    assert client.get(world.new_url()).status_code == 200
    assert not _entries(Action.DOSSIER_REFUSED)
    [entry] = _entries(Action.DOSSIER_CONSULTED)
    assert (entry.actor, entry.caf_id, entry.dossier_number) == (world.partner, world.caf_a.pk, "1234567")
    assert (entry.group_id, entry.convention_id) == (world.group.pk, world.convention.pk)
    assert entry.details == {
        "page": "dialogue",
        "via": [{"convention": world.convention.pk, "group": world.group.pk, "group_code": "G1", "role": "T1"}],
    }


def test_a_form_sent_back_with_errors_is_journaled_too(client, world):
    sign_in(client, world.partner)
    assert client.post(world.new_url(), {"subject": "", "body": ""}).status_code == 400
    assert len(_entries(Action.DOSSIER_CONSULTED)) == 1 and not Message.objects.exists()


@pytest.mark.parametrize("caf_code", ["999", "%00", "1%000", "ab-"])
def test_an_unknown_or_forged_caf_is_404_and_journaled(client, world, caf_code):
    sign_in(client, world.partner)
    response = client.get(f"/dialogue/nouveau/{caf_code}/1234567/")
    assert response.status_code == 404
    assert "Page introuvable" in response.content.decode()
    [entry] = _entries(Action.DOSSIER_REFUSED)
    assert entry.actor == world.partner and entry.caf_id is None and entry.dossier_number == "1234567"
    assert entry.details == {"reason": "unknown_caf", "page": "dialogue"}


@pytest.mark.parametrize("number", ["%00", "123%00567", "1234567%00"])
def test_a_nul_in_the_number_is_404_and_journaled(client, world, number):
    sign_in(client, world.partner)
    assert client.get(f"/dialogue/nouveau/{world.caf_a.code}/{number}/").status_code == 404
    [entry] = _entries(Action.DOSSIER_REFUSED)
    assert entry.details["reason"] == "bad_number" and "\x00" not in entry.dossier_number


def _page(response, number) -> str:
    """The page as a user reads it: without the number typed and the per-request CSRF token."""
    return re.sub(r'value="[A-Za-z0-9]{64}"', "", response.content.decode().replace(number, "N"))


def test_without_right_an_existing_and_an_unknown_number_answer_alike(client, world):
    """Existence does not leak: the same status and the same page for both, each attempt journaled."""
    sign_in(client, world.stranger)
    known = client.get(world.new_url())
    unknown = client.get(reverse("dialogue:new", args=[world.caf_a.code, "7777777"]))
    assert known.status_code == unknown.status_code == 404
    assert _page(known, "1234567") == _page(unknown, "7777777")
    assert [e.dossier_number for e in _entries(Action.DOSSIER_REFUSED)] == ["1234567", "7777777"]
    assert {e.details["reason"] for e in _entries(Action.DOSSIER_REFUSED)} == {"no_right"}


# ---------------------------------------------------------------- attachments


@pytest.fixture
def with_attachment(world, client):
    from .conftest import pdf_upload

    sign_in(client, world.partner)
    assert client.post(world.new_url(), {"subject": "Bail", "body": "Ci-joint", "attachment": pdf_upload()}).status_code == 302
    return Message.objects.get()


@pytest.mark.parametrize("who, url_name", [("partner", "dialogue:attachment"), ("agent_a", "dialogue:inbox_attachment")])
def test_every_attachment_download_is_journaled_and_not_cached(client, world, with_attachment, who, url_name):
    user = getattr(world, who)
    sign_in(client, user)
    for _ in range(2):
        response = client.get(reverse(url_name, args=[with_attachment.pk]))
        assert response.status_code == 200
        assert "no-store" in response["Cache-Control"]
        b"".join(response.streaming_content)
    entries = _entries(Action.DIALOGUE_ATTACHMENT)
    assert len(entries) == 2
    assert (entries[0].actor, entries[0].caf_id, entries[0].dossier_number) == (user, world.caf_a.pk, "1234567")
    assert entries[0].details == {"message": with_attachment.pk, "organisation": world.partner.organisation_id}


def test_a_failing_journal_sends_no_attachment(client, world, with_attachment, monkeypatch):
    def broken(**entry):
        raise RuntimeError("journal indisponible")

    monkeypatch.setattr(events, "_append", broken)
    sign_in(client, world.agent_a)
    client.raise_request_exception = False
    response = client.get(reverse("dialogue:inbox_attachment", args=[with_attachment.pk]))
    assert response.status_code >= 500 and response.get("Content-Type") != "application/pdf"


@pytest.mark.parametrize("who, status, reason", [("stranger", 404, "no_right"), ("reader", 403, "dialogue_not_allowed")])
def test_a_user_who_may_not_write_there_is_refused_and_journaled(client, world, who, status, reason):
    sign_in(client, getattr(world, who))
    assert client.get(world.new_url()).status_code == status
    [entry] = _entries(Action.DOSSIER_REFUSED)
    assert entry.actor == getattr(world, who)
    assert (entry.caf_id, entry.dossier_number) == (world.caf_a.pk, world.dossier_a.number)
    assert entry.details == {"reason": reason, "page": "dialogue"}
