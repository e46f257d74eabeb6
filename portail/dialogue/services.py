"""Writes of Dialogue: send a message, read it, mark it read, answer it, mark it done. Each owns its
transaction and its journal entry (R9), written in that transaction; every reading of a message, its
attachment or the « Écrire à la Caf » page about a dossier is journaled before the data leaves."""
from django.conf import settings
from django.db import transaction
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.urls import reverse
from django.utils.text import get_valid_filename

from portail.core.clock import now
from portail.core.errors import BusinessError
from portail.core.text import clean_text
from portail import access
from portail.dossiers import selectors as dossier_selectors
from portail.dossiers.services import dossier_refusal_record
from portail.journal import events
from portail.outbox.services import mail_queue

from . import selectors
from .models import Answer, Message, attachment_path

BODY_MAX_LENGTH = 5000  # the forms' limit; the service holds it too


def _dialogue_trace(rights) -> tuple[dict, tuple]:
    """Journal details and the (role, group) of the first grant that allows Dialogue."""
    writers = [(role, group) for role, group in rights.grants if role.can_write_dialogue]
    codes = {role.code for role, _ in writers}
    via = [v for v in rights.trace()["via"] if v["role"] in codes]
    return {"via": via}, writers[0]


def message_caf(*, actor, caf_code: str, number: str, ip: str | None = None):
    """The Caf of « Écrire à la Caf »: an unknown or forged code (NUL…) is a refused attempt, journaled,
    then 404; it never reaches the database as it came."""
    caf = dossier_selectors.caf_by_code(caf_code)
    if caf is None:
        dossier_refusal_record(actor=actor, ip=ip, caf=None, number=number, reason="unknown_caf", page="dialogue")
        raise Http404
    return caf


def message_form_record(*, actor, rights, dossier, ip: str | None = None) -> None:
    """« Écrire à la Caf » shows the dossier's number: journaled as a consultation of that page (R9),
    like any other page about a dossier."""
    details, (role, group) = _dialogue_trace(rights)
    with transaction.atomic():
        events.dossier_consulted(actor=actor, ip=ip, caf=dossier.caf_id, number=dossier.number,
                                 trace={"page": "dialogue", **details},
                                 grant={"convention": group.convention_id, "group": group, "role": role})


def message_rights(*, actor, caf, number: str, ip: str | None = None):
    """May the actor write to `caf` about a dossier? A refusal (no right there: 404; roles that forbid
    Dialogue: 403) is journaled like a consultation's before it is raised (R9)."""
    try:
        return access.dialogue_write_rights(actor, caf.pk)
    except (Http404, PermissionDenied) as refusal:
        reason = "no_right" if isinstance(refusal, Http404) else "dialogue_not_allowed"
        dossier_refusal_record(actor=actor, ip=ip, caf=caf, number=number, reason=reason, page="dialogue")
        raise


def message_dossier(*, actor, rights, caf, number: str, ip: str | None = None):
    """The dossier a message is about, at a Caf where the actor may write (`rights` checked before).
    An unknown or malformed number is a refused attempt, journaled as a consultation's is (R9), then 404."""
    dossier = selectors.dossier_or_none(caf, number)
    if dossier is None:
        reason = "unknown_number" if selectors.NUMBER.fullmatch(number or "") else "bad_number"
        dossier_refusal_record(actor=actor, ip=ip, caf=caf, number=number, reason=reason, rights=rights, page="dialogue")
        raise Http404
    return dossier


def message_send(*, actor, rights, dossier, subject: str, body: str, attachment=None, ip: str | None = None) -> Message:
    """`rights` come from access.dialogue_write_rights for the dossier's Caf."""
    if not (body or "").strip():
        raise BusinessError("Le message ne peut pas être vide.", field="body")
    if not (subject or "").strip():
        raise BusinessError("Indiquez l'objet de votre message.", field="subject")
    subject = clean_text(subject, field="subject", max_length=150)
    body = clean_text(body, field="body", max_length=BODY_MAX_LENGTH)
    if rights.caf_id != dossier.caf_id or not rights.can_write_dialogue:
        raise BusinessError("Vous ne pouvez pas écrire à cette Caf.")
    details, (role, group) = _dialogue_trace(rights)
    storage = Message._meta.get_field("attachment").storage
    # The file is stored first under a random name, and removed again if nothing is committed.
    stored = storage.save(attachment_path(dossier, attachment.name), attachment) if attachment else ""
    try:
        with transaction.atomic():
            message = Message.objects.create(
                caf_id=dossier.caf_id,
                dossier=dossier,
                author=actor,
                organisation_id=actor.organisation_id,
                subject=subject,
                body=body,
                attachment=stored,
                attachment_name=(get_valid_filename(attachment.name)[-120:] if attachment else ""),
                attachment_size=attachment.size if attachment else 0,
                created_at=now(),
            )
            events.dialogue_sent(actor=actor, message=message, role=role, group=group, via=details["via"], ip=ip)
    except BaseException:
        if stored:
            storage.delete(stored)
        raise
    return message


def message_read_record(*, actor, message: Message, ip: str | None = None) -> None:
    """A Caf agent opens a message (GET): each opening journaled, the message's state untouched."""
    with transaction.atomic():
        events.dialogue_read(actor=actor, message=message, ip=ip)


def message_view_record(*, actor, message: Message, ip: str | None = None) -> None:
    """The partner reads his own message again, with the Caf's answers: journaled each time."""
    with transaction.atomic():
        events.dialogue_viewed(actor=actor, message=message, ip=ip)


def message_attachment_record(*, actor, message: Message, ip: str | None = None) -> None:
    """An attachment is about an allocataire: each download journaled before the file is sent."""
    with transaction.atomic():
        events.dialogue_attachment(actor=actor, message=message, ip=ip)


def message_mark_read(*, actor, message: Message, ip: str | None = None) -> Message:
    """« Marquer comme lu » (POST): a new message becomes « lu », journaled in the same transaction;
    a message already read or done stays as it was."""
    if message.status == Message.Status.NEW:
        read_at = now()
        with transaction.atomic():
            updated = Message.objects.filter(pk=message.pk, status=Message.Status.NEW).update(
                status=Message.Status.READ, read_at=read_at
            )
            if updated:
                events.dialogue_marked_read(actor=actor, message=message, ip=ip)
        if updated:
            message.status, message.read_at = Message.Status.READ, read_at
    return message


def message_answer(*, actor, message: Message, body: str, ip: str | None = None) -> Answer:
    if not (body or "").strip():
        raise BusinessError("La réponse ne peut pas être vide.", field="body")
    body = clean_text(body, field="body", max_length=BODY_MAX_LENGTH)
    with transaction.atomic():
        events.dialogue_answered(actor=actor, message=message, ip=ip)
        answer = Answer.objects.create(message=message, author=actor, body=body, created_at=now())
        if message.status == Message.Status.NEW:
            message.status, message.read_at = Message.Status.READ, now()
            message.save(update_fields=["status", "read_at"])
        author = message.author
        send_answer_notice(author, message)  # queued with the answer (portail/outbox)
    return answer


def message_mark_done(*, actor, message: Message, ip: str | None = None) -> Message:
    """« Marquer comme traité »: journaled in the same transaction; a message already done stays as it was."""
    if message.status != Message.Status.DONE:
        done_at = now()
        with transaction.atomic():
            updated = Message.objects.filter(pk=message.pk).exclude(status=Message.Status.DONE).update(
                status=Message.Status.DONE, done_at=done_at, done_by=actor
            )
            if updated:
                events.dialogue_closed(actor=actor, message=message, ip=ip)
        if updated:
            message.status, message.done_at, message.done_by = Message.Status.DONE, done_at, actor
    return message


def send_answer_notice(author, message: Message) -> None:
    """Tells the partner an answer is waiting on the portal: no answer text, no attachment, no
    allocataire data in the e-mail, only a link that requires logging in."""
    if not author.email:
        return
    link = settings.PORTAL_BASE_URL.rstrip("/") + reverse("dialogue:detail", args=[message.pk])
    context = {"author": author, "message": message, "link": link}
    mail_queue(kind="dialogue_answer", to=author.email, subject="Portail Partenaires — la Caf a répondu à votre message",
               template="dialogue/email/answer_notice.txt", context=context)
