"""« Consulter documents »: who lists, downloads and uploads a convention's documents.

Listing and downloading: whoever sees the convention (its administrators, its responsables, an agent
of its Caf, a national administrator). Uploading: the Caf side only (an agent of that Caf or a
national administrator); a partner who sees the convention gets 403, anyone else 404.
"""
from django.core.exceptions import PermissionDenied
from django.db.models import Count, QuerySet
from django.http import Http404

from portail.conventions.models import Convention
from portail.supervision.models import Document

from .habilitations import conventions_visible_to, sees_a_convention
from .seat import Seat, _as_id


def may_consult_documents(actor) -> bool:
    """The menu entry: he sees at least one convention."""
    return sees_a_convention(actor)


def document_conventions_visible_to(actor) -> QuerySet[Convention]:
    """The conventions whose documents he may read, with their number of documents (one query a page)."""
    return conventions_visible_to(actor).annotate(document_count=Count("documents", distinct=True))


def access_convention_documents(actor, convention_id, *, upload: bool = False) -> Seat:
    """The convention's seat: 404 outside scope; with `upload`, 403 unless he reads it as the Caf."""
    seat = Seat.enter(actor, convention_id)
    if upload and not may_upload_documents(seat):
        raise PermissionDenied
    return seat


def may_upload_documents(seat: Seat) -> bool:
    return seat.reads_as_caf


def documents_of(seat: Seat) -> QuerySet[Document]:
    return Document.objects.filter(convention=seat.convention).select_related("uploaded_by")


def access_document(actor, document_id) -> Document:
    """A document to download: 404 unless its convention is in his scope."""
    try:
        document = Document.objects.select_related("convention", "convention__caf").get(pk=_as_id(document_id))
    except Document.DoesNotExist:
        raise Http404
    seat = Seat.enter(actor, document.convention_id)
    document.convention = seat.convention
    return document
