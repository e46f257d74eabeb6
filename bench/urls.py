"""The portal's URLs plus the minimal comparison view; mounted only by config.settings.bench."""
from django.http import HttpResponse
from django.urls import include, path

MAX_BYTES = 1024 * 1024


def minimal(request, size: int):
    """The same number of bytes as a page, through the same middleware, with no query and no template."""
    return HttpResponse(b"x" * min(size, MAX_BYTES), content_type="text/html; charset=utf-8")


urlpatterns = [
    path("bench/minimal/<int:size>/", minimal, name="bench_minimal"),
    path("", include("config.urls")),
]

handler400 = "portail.core.views.bad_request"
handler403 = "portail.core.views.permission_denied"
handler404 = "portail.core.views.page_not_found"
handler500 = "portail.core.views.server_error"
