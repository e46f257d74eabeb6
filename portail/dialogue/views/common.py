from django.http import FileResponse, Http404

from portail.core.requests import client_ip

from .. import services


def attachment_response(request, message) -> FileResponse:
    """The stored PDF, downloaded (never rendered inline from our origin), under the sender's name.
    Journaled before the file leaves (R9); never kept by a browser or proxy cache."""
    if not message.attachment:
        raise Http404
    try:
        handle = message.attachment.open("rb")
    except FileNotFoundError:
        raise Http404
    try:
        services.message_attachment_record(actor=request.user, message=message, ip=client_ip(request))
    except BaseException:
        handle.close()
        raise
    response = FileResponse(handle, as_attachment=True, filename=message.attachment_name or "piece-jointe.pdf",
                            content_type="application/pdf")
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
