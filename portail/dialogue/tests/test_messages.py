"""Writing, answering, closing: what is saved, journaled and mailed, and what bad input gets."""
import pytest
from django.core.files.storage import default_storage
from django.urls import reverse

from portail.dialogue import services
from portail.dialogue.forms import MAX_ATTACHMENT_BYTES
from portail.dialogue.models import Message
from portail.access import consultation_rights
from portail.journal import events
from portail.journal.models import Action, JournalEntry

from .conftest import PDF, pdf_upload
from portail.testing.auth import sign_in

pytestmark = pytest.mark.django_db


def _stored_files() -> list[str]:
    try:
        dirs, _ = default_storage.listdir("dialogue")
    except FileNotFoundError:
        return []
    return [f for d in dirs for f in default_storage.listdir(f"dialogue/{d}")[1]]


def _errors(response) -> str:
    return response.content.decode()


def test_sending_saves_the_message_and_its_pdf_and_journals_it(world, send):
    response = send(world, world.partner, subject="Changement d'adresse", body="La famille a déménagé.",
                    attachment=pdf_upload("Bail signé.pdf"))
    message = Message.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("dialogue:detail", args=[message.pk])
    assert (message.caf, message.dossier, message.author, message.organisation) == (
        world.caf_a, world.dossier_a, world.partner, world.partner.organisation
    )
    assert message.status == Message.Status.NEW
    assert message.attachment_name == "Bail_signé.pdf" and message.attachment_size == len(PDF)
    assert message.attachment.name.startswith(f"dialogue/{world.caf_a.pk}/") and "Bail" not in message.attachment.name
    assert message.attachment.read() == PDF

    entry = JournalEntry.objects.get(action=Action.DIALOGUE_SENT)
    assert entry.actor == world.partner
    assert (entry.caf_id, entry.dossier_number) == (world.caf_a.pk, "1234567")
    assert (entry.convention_id, entry.group_id, entry.role_id) == (world.convention.pk, world.group.pk, world.role.pk)
    assert entry.details["via"] == [
        {"convention": world.convention.pk, "group": world.group.pk, "group_code": "G1", "role": "T1"}
    ]
    assert entry.details["message"] == message.pk and entry.details["attachment"] is True
    assert entry.ip_address == "127.0.0.1"


def test_a_message_without_attachment_is_fine(world, send):
    assert send(world, world.partner).status_code == 302
    assert not Message.objects.get().attachment


@pytest.mark.parametrize("body", ["", "   \n  "])
def test_an_empty_message_is_refused(world, send, body):
    response = send(world, world.partner, body=body)
    assert response.status_code == 400
    assert "Le message ne peut pas être vide." in _errors(response)
    assert not Message.objects.exists() and not JournalEntry.objects.filter(action=Action.DIALOGUE_SENT).exists()


def test_a_missing_subject_is_refused(world, send):
    response = send(world, world.partner, subject="")
    assert response.status_code == 400 and "Indiquez l&#x27;objet de votre message." in _errors(response)


@pytest.mark.parametrize(
    "upload, error",
    [
        (pdf_upload("notes.txt", b"juste du texte", "text/plain"), "doit être un document PDF"),
        (pdf_upload("faux.pdf", b"MZ\x90\x00 not a pdf"), "n&#x27;est pas un vrai document PDF"),
        (pdf_upload("image.pdf", PDF, "image/png"), "doit être un document PDF"),
        (pdf_upload("vide.pdf", b""), "Le fichier joint est vide."),
    ],
)
def test_an_attachment_that_is_not_a_pdf_is_refused(world, send, upload, error):
    response = send(world, world.partner, attachment=upload)
    assert response.status_code == 400
    assert error in _errors(response)
    assert not Message.objects.exists() and _stored_files() == []


def test_an_attachment_over_5_mo_is_refused(world, send):
    big = pdf_upload("gros.pdf", PDF + b"0" * (MAX_ATTACHMENT_BYTES + 1 - len(PDF)))
    response = send(world, world.partner, attachment=big)
    assert response.status_code == 400
    assert "dépasse la taille maximale de 5 Mo" in _errors(response)
    assert not Message.objects.exists() and _stored_files() == []


def test_a_failing_journal_saves_nothing_and_keeps_no_file(world, monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("journal indisponible")

    monkeypatch.setattr(events, "_append", broken)
    with pytest.raises(RuntimeError):
        services.message_send(
            actor=world.partner, rights=consultation_rights(world.partner, world.caf_a.pk), dossier=world.dossier_a,
            subject="Objet", body="Texte", attachment=pdf_upload(),
        )
    assert not Message.objects.exists() and _stored_files() == []


def test_answering_marks_read_mails_the_author_and_journals(
    client, world, send, mailoutbox, django_capture_on_commit_callbacks
):
    send(world, world.partner, subject="Question APL")
    message = Message.objects.get()
    sign_in(client, world.agent_a)
    page = client.get(reverse("dialogue:inbox_detail", args=[message.pk]))
    assert page.status_code == 200 and "Question APL" in page.content.decode()
    message.refresh_from_db()
    assert message.status == Message.Status.NEW  # reading by GET changes no state

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("dialogue:answer", args=[message.pk]), {"body": "Le dossier est à jour depuis le 3."}
        )
    assert response.status_code == 302
    answer = message.answers.get()
    assert answer.author == world.agent_a
    message.refresh_from_db()
    assert message.status == Message.Status.READ and message.read_at is not None

    assert len(mailoutbox) == 1
    mail = mailoutbox[0]
    assert mail.to == [world.partner.email]
    assert reverse("dialogue:detail", args=[message.pk]) in mail.body
    assert "à jour depuis le 3" not in mail.body and "1234567" not in mail.body and not mail.attachments

    entry = JournalEntry.objects.get(action=Action.DIALOGUE_ANSWERED)
    assert (entry.actor, entry.caf_id, entry.dossier_number) == (world.agent_a, world.caf_a.pk, "1234567")
    assert entry.target_user_id == world.partner.pk and entry.details["message"] == message.pk

    # The partner reads the answer on his side.
    sign_in(client, world.partner)
    assert "à jour depuis le 3" in client.get(reverse("dialogue:detail", args=[message.pk])).content.decode()


def test_an_empty_answer_is_refused_and_mails_nothing(client, world, send, mailoutbox, django_capture_on_commit_callbacks):
    send(world, world.partner)
    message = Message.objects.get()
    sign_in(client, world.agent_a)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("dialogue:answer", args=[message.pk]), {"body": "  "})
    assert response.status_code == 400 and "La réponse ne peut pas être vide." in response.content.decode()
    assert not message.answers.exists() and mailoutbox == []
    assert not JournalEntry.objects.filter(action=Action.DIALOGUE_ANSWERED).exists()


def test_marking_done_and_filtering_the_inbox_by_status(client, world, send):
    send(world, world.partner, subject="Premier sujet")
    send(world, world.partner, subject="Second sujet")
    first = Message.objects.get(subject="Premier sujet")
    sign_in(client, world.agent_a)
    assert client.post(reverse("dialogue:mark_done", args=[first.pk])).status_code == 302
    first.refresh_from_db()
    assert first.status == Message.Status.DONE and first.done_by == world.agent_a

    done = client.get(reverse("dialogue:inbox"), {"status": "traite"}).content.decode()
    assert "Premier sujet" in done and "Second sujet" not in done
    new = client.get(reverse("dialogue:inbox"), {"status": "nouveau"}).content.decode()
    assert "Second sujet" in new and "Premier sujet" not in new
    everything = client.get(reverse("dialogue:inbox"), {"status": "n-importe-quoi"})
    assert everything.status_code == 200


def test_partner_list_shows_status_and_answers(client, world, send):
    send(world, world.partner, subject="Suivi RSA")
    message = Message.objects.get()
    services.message_answer(actor=world.agent_a, message=message, body="Vu.")
    sign_in(client, world.partner)
    html = client.get(reverse("dialogue:mine")).content.decode()
    assert "Suivi RSA" in html and ">Lu<" in html and "1 (dernière le" in html
