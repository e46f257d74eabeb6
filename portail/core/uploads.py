"""A request body limit enforced before anything reads the body.

Django reads a whole multipart body (spooling files to disk) before a form can say « trop gros »;
a 60 Mo upload would cost its full transfer and disk space each time. This middleware answers 413
from the declared Content-Length alone: the body is never read. The limit is
`REQUEST_BODY_MAX_BYTES`, raised for the few views named in `REQUEST_BODY_LIMITS`
(« namespace:name » → bytes), e.g. a form with an attachment.
"""
import json

from django.conf import settings
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.urls import Resolver404, resolve

from .links import page_links


def declared_length(request) -> int:
    try:
        return max(0, int(request.META.get("CONTENT_LENGTH") or 0))
    except ValueError:
        return 0  # Django reads no body it cannot size


def too_large_response(limit: int, content_type: str = "") -> HttpResponse:
    """Rendered without the request: no session, menu or database is touched for a refused body.

    A JSON body is refused in the format its client reads: a SCIM error (RFC 7644 § 3.12) for
    `application/scim+json`, a problem (RFC 9457) for other JSON; a page for a browser."""
    limit_mo = max(1, limit // (1024 * 1024))
    detail = f"Envoi trop volumineux : {limit_mo} Mo au plus."
    media_type = content_type.split(";")[0].strip().lower()
    if media_type == "application/scim+json":
        body = {"schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"], "status": "413", "detail": detail}
        return HttpResponse(json.dumps(body, ensure_ascii=False), status=413, content_type="application/scim+json")
    if media_type == "application/json" or media_type.endswith("+json"):
        body = {"type": "about:blank", "title": "Envoi trop volumineux", "status": 413, "detail": detail}
        return HttpResponse(json.dumps(body, ensure_ascii=False), status=413, content_type="application/problem+json")
    html = render_to_string("413.html", {"title": "Envoi trop volumineux", "limit_mo": limit_mo,
                                         "portal_links": page_links()})
    return HttpResponse(html, status=413)


class RequestBodyLimitMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.default = settings.REQUEST_BODY_MAX_BYTES
        self.by_view = dict(getattr(settings, "REQUEST_BODY_LIMITS", {}))

    def limit_for(self, request) -> int:
        try:
            match = resolve(request.path_info)
        except Resolver404:
            return self.default
        return self.by_view.get(match.view_name, self.default)

    def __call__(self, request):
        length = declared_length(request)
        if length > self.default:  # resolve only for the rare large body
            limit = self.limit_for(request)
            if length > limit:
                return too_large_response(limit, request.META.get("CONTENT_TYPE", ""))
        return self.get_response(request)
