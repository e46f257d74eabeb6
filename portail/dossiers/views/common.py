"""What every dossier view does with a refusal or a journal failure."""
from functools import wraps

from django.shortcuts import render

from ..services import JournalUnavailable, Refused


def refused_page(request, refusal: Refused):
    return render(
        request,
        "dossiers/refused.html",
        {"title": "Consultation refusée", "message": refusal.message,
         "breadcrumb": [{"title": "Consulter Dossiers", "url": "/dossiers/"}, {"title": "Consultation refusée"}]},
        status=refusal.status,
    )


def journal_unavailable_page(request):
    return render(request, "dossiers/journal_unavailable.html", {"title": "Service momentanément indisponible"},
                  status=503)


def consultation_view(view):
    """Refusals become a clear page with their status; a journal failure a 503 page, never the data."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except Refused as refusal:
            return refused_page(request, refusal)
        except JournalUnavailable:
            return journal_unavailable_page(request)

    return wrapper
