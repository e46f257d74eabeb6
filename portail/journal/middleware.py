from django.shortcuts import render

from .services import JournalUnavailable


class JournalUnavailableMiddleware:
    """An action whose journal entry cannot be written did not happen (R9): say so plainly, with a 503."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, JournalUnavailable):
            return render(request, "journal_unavailable.html", {"title": "Service momentanément indisponible"},
                          status=503)
        return None
