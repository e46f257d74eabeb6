from django.http import FileResponse

from portail.core.downloads import journaled_download
from portail.core.requests import client_ip

from .. import services


def attachment_response(request, message) -> FileResponse:
    """The stored PDF, under the sender's name, journaled before it leaves (R9)."""
    return journaled_download(
        message.attachment, filename=message.attachment_name or "piece-jointe.pdf",
        record=lambda: services.message_attachment_record(actor=request.user, message=message, ip=client_ip(request)),
    )
