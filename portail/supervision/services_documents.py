"""Writes of « Consulter documents »: the Caf uploads a convention's document; each download is journaled."""
from django.core.exceptions import PermissionDenied
from django.db import transaction

from portail.access import reads_as_caf
from portail.accounts.models import User
from portail.conventions.models import Convention
from portail.core.clock import now
from portail.core.errors import BusinessError
from portail.core.text import clean_text
from portail.journal import events

from .models import Document


def document_upload(*, actor, convention: Convention, kind: str, title: str, upload, ip: str | None = None) -> Document:
    """Store the (already checked) PDF and journal it. The convention's row is locked so the actor's right,
    checked again here, holds until commit; a closed or moved agent is refused."""
    title = clean_text(title, field="title", max_length=150)
    if kind not in Document.Kind.values:
        raise BusinessError("Choisissez le type de document.", field="kind")
    document = Document(kind=kind, title=title, size=upload.size, uploaded_by=actor, uploaded_at=now())
    document.convention_id = convention.pk
    document.file.save("document.pdf", upload, save=False)
    try:
        with transaction.atomic():
            locked = Convention.objects.select_for_update(of=("self",)).select_related("caf").get(pk=convention.pk)
            if not reads_as_caf(User.objects.get(pk=actor.pk), locked):
                raise PermissionDenied
            document.convention = locked
            document.save()
            events.document_uploaded(actor=actor, document=document, ip=ip)
    except BaseException:
        document.file.delete(save=False)  # nothing half-saved: no file without its row
        raise
    return document


def document_download_record(*, actor, document: Document, ip: str | None = None) -> None:
    """Journal a download before the file is sent (R9): if the journal cannot be written, nothing leaves."""
    with transaction.atomic():
        events.document_downloaded(actor=actor, document=document, ip=ip)
