"""A stored file handed to one person: journaled first, downloaded, never cached."""
from collections.abc import Callable

from django.http import FileResponse, Http404


def journaled_download(field_file, *, filename: str, record: Callable[[], object],
                       content_type: str = "application/pdf") -> FileResponse:
    """Open the file (404 if missing), run `record` (the journal entry, R9) and only then hand the file over.

    Downloaded as an attachment, never rendered inline from our origin, never kept by a browser or proxy cache.
    """
    if not field_file:
        raise Http404
    try:
        handle = field_file.open("rb")
    except FileNotFoundError:
        raise Http404
    try:
        record()
    except BaseException:
        handle.close()
        raise
    response = FileResponse(handle, as_attachment=True, filename=filename, content_type=content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
