"""What the journal keeps of Dialogue beyond sending and answering: the Caf opening a message (« lu »),
marking it « traité », and a partner's attempt to write about a number the Caf does not know."""
import pytest
from django.urls import reverse

from portail.dialogue import services
from portail.dialogue.models import Message
from portail.journal.models import Action, JournalEntry

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


def test_opening_a_new_message_journals_it_once(client, world, message):
    client.force_login(world.agent_a)
    assert client.get(reverse("dialogue:inbox_detail", args=[message.pk])).status_code == 200
    message.refresh_from_db()
    assert message.status == Message.Status.READ
    [entry] = _entries(Action.DIALOGUE_READ)
    _assert_caf_side_entry(entry, world, message)
    # Reading it again changes nothing and adds nothing.
    client.get(reverse("dialogue:inbox_detail", args=[message.pk]))
    assert len(_entries(Action.DIALOGUE_READ)) == 1


def test_marking_done_journals_it_once(client, world, message):
    client.force_login(world.agent_a)
    client.get(reverse("dialogue:inbox_detail", args=[message.pk]))
    assert client.post(reverse("dialogue:mark_done", args=[message.pk])).status_code == 302
    message.refresh_from_db()
    assert message.status == Message.Status.DONE and message.done_by == world.agent_a
    [entry] = _entries(Action.DIALOGUE_CLOSED)
    _assert_caf_side_entry(entry, world, message)
    client.post(reverse("dialogue:mark_done", args=[message.pk]))
    assert len(_entries(Action.DIALOGUE_CLOSED)) == 1


def test_marking_done_an_unread_message_journals_the_closing(client, world, message):
    client.force_login(world.agent_a)
    client.post(reverse("dialogue:mark_done", args=[message.pk]))
    message.refresh_from_db()
    assert message.status == Message.Status.DONE
    assert len(_entries(Action.DIALOGUE_CLOSED)) == 1


@pytest.mark.parametrize("who", ["agent_b", "partner", "other_partner"])
def test_outsiders_neither_read_nor_close_nor_journal(client, world, message, who):
    client.force_login(getattr(world, who))
    assert client.get(reverse("dialogue:inbox_detail", args=[message.pk])).status_code == 404
    assert client.post(reverse("dialogue:mark_done", args=[message.pk])).status_code == 404
    message.refresh_from_db()
    assert message.status == Message.Status.NEW
    assert not _entries(Action.DIALOGUE_READ) and not _entries(Action.DIALOGUE_CLOSED)


@pytest.mark.parametrize("step", ["open", "done"])
def test_a_failing_journal_changes_nothing(world, message, monkeypatch, step):
    def broken(**entry):
        raise RuntimeError("journal indisponible")

    monkeypatch.setattr(services, "journal_append", broken)
    with pytest.raises(RuntimeError):
        if step == "open":
            services.message_open(actor=world.agent_a, message=message)
        else:
            services.message_mark_done(actor=world.agent_a, message=message)
    message.refresh_from_db()
    assert message.status == Message.Status.NEW and message.read_at is None and message.done_by is None


# ---------------------------------------------------------------- « Écrire à la Caf » about an unknown number


@pytest.mark.parametrize("method", ["get", "post"])
def test_an_unknown_number_is_404_and_journaled_like_a_consultation(client, world, method):
    client.force_login(world.partner)
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
    client.force_login(world.partner)
    assert client.get(reverse("dialogue:new", args=[world.caf_a.code, "12AB567"])).status_code == 404
    [entry] = _entries(Action.DOSSIER_REFUSED)
    assert entry.details["reason"] == "bad_number" and entry.dossier_number == "12AB567"


def test_a_known_number_is_no_refusal(client, world):
    client.force_login(world.partner)
    assert client.get(world.new_url()).status_code == 200
    assert not _entries(Action.DOSSIER_REFUSED)


@pytest.mark.parametrize("who, status, reason", [("stranger", 404, "no_right"), ("reader", 403, "dialogue_not_allowed")])
def test_a_user_who_may_not_write_there_is_refused_and_journaled(client, world, who, status, reason):
    client.force_login(getattr(world, who))
    assert client.get(world.new_url()).status_code == status
    [entry] = _entries(Action.DOSSIER_REFUSED)
    assert entry.actor == getattr(world, who)
    assert (entry.caf_id, entry.dossier_number) == (world.caf_a.pk, world.dossier_a.number)
    assert entry.details == {"reason": reason, "page": "dialogue"}
