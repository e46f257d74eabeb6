"""The portal's URLs plus the comparison views; mounted only by config.settings.bench.

The views are the rungs of a ladder between the minimal view and a consultation, each returning the same bytes:
- `minimal`: no session, no query, no template;
- `signed_in`: a signed-in person's request through every middleware of a real page (session, user, session
  limits, second factor…), then the same bytes: no rights, no data, no template;
- `journaled`: the same, plus what R9 asks of every consultation before the data leaves, one journal entry
  written and committed (the entry says `page: "bench"`; it exists only in the benchmark database).
"""
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpResponse
from django.urls import include, path

from portail.core.requests import client_ip
from portail.journal import events

MAX_BYTES = 1024 * 1024


def _bytes(size: int) -> HttpResponse:
    return HttpResponse(b"x" * min(size, MAX_BYTES), content_type="text/html; charset=utf-8")


def minimal(request, size: int):
    """The same number of bytes as a page, through the same middleware, with no query and no template."""
    return _bytes(size)


@login_required
def signed_in(request, size: int):
    return _bytes(size)


@login_required
def journaled(request, size: int):
    with transaction.atomic():
        events.dossier_consulted(actor=request.user, ip=client_ip(request), caf=None, number="",
                                 trace={"page": "bench"})
    return _bytes(size)


urlpatterns = [
    path("bench/minimal/<int:size>/", minimal, name="bench_minimal"),
    path("bench/signed-in/<int:size>/", signed_in, name="bench_signed_in"),
    path("bench/journaled/<int:size>/", journaled, name="bench_journaled"),
    path("", include("config.urls")),
]

handler400 = "portail.core.views.bad_request"
handler403 = "portail.core.views.permission_denied"
handler404 = "portail.core.views.page_not_found"
handler500 = "portail.core.views.server_error"
