from django.http import FileResponse, Http404


def attachment_response(message) -> FileResponse:
    """The stored PDF, downloaded (never rendered inline from our origin), under the sender's name."""
    if not message.attachment:
        raise Http404
    try:
        handle = message.attachment.open("rb")
    except FileNotFoundError:
        raise Http404
    response = FileResponse(handle, as_attachment=True, filename=message.attachment_name or "piece-jointe.pdf",
                            content_type="application/pdf")
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
