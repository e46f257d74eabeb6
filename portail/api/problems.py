"""Errors as RFC 9457 problem details (`application/problem+json`), `detail` in French.

{"type": "https://…/problemes/<code>", "title": "…", "status": 404, "detail": "…", "instance": "/api/v1/…"}
plus `errors` ({field: [messages]}) for a refused body. The same shape for every error of the API,
DRF's own (authentication, throttling, parsing) and the portal's (BusinessError, Http404, PermissionDenied).
"""
from django.core.exceptions import PermissionDenied
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from portail.core.errors import BusinessError
from portail.core.requests import client_ip

from . import tokens
from .models import ApiToken

PROBLEM_TYPE_BASE = "https://portail-partenaires.caf.fr/api/v1/problemes/"
CONTENT_TYPE = "application/problem+json"

TITLES = {
    400: ("requete-invalide", "Requête invalide"),
    401: ("non-authentifie", "Authentification requise"),
    403: ("interdit", "Action non autorisée"),
    404: ("introuvable", "Ressource introuvable"),
    405: ("methode-non-autorisee", "Méthode non autorisée"),
    406: ("format-non-accepte", "Format de réponse non disponible"),
    409: ("conflit", "Conflit"),
    413: ("requete-trop-grande", "Requête trop grande"),
    415: ("format-non-pris-en-charge", "Format de la requête non pris en charge"),
    422: ("regle-non-respectee", "Règle non respectée"),
    429: ("trop-de-requetes", "Trop de requêtes"),
}

DETAILS = {
    exceptions.NotAuthenticated: "Un jeton d'API valide est requis (en-tête « Authorization: Bearer … »).",
    exceptions.AuthenticationFailed: "Jeton absent, invalide, expiré ou révoqué.",
    exceptions.PermissionDenied: "Vous ne pouvez pas faire cette action sur cet objet.",
    exceptions.NotFound: "Cet objet n'existe pas ou n'est pas dans le périmètre du jeton.",
    exceptions.ParseError: "Le corps de la requête n'est pas un JSON valide.",
    exceptions.UnsupportedMediaType: "Le corps de la requête doit être en JSON (Content-Type: application/json).",
    exceptions.MethodNotAllowed: "Cette méthode n'est pas autorisée sur cette adresse.",
    exceptions.NotAcceptable: "Cette adresse répond en JSON seulement.",
}


def problem(status_code: int, detail: str, *, instance: str = "", errors: dict | None = None,
            headers: dict | None = None) -> Response:
    slug, title = TITLES.get(status_code, ("erreur", "Erreur"))
    body = {"type": PROBLEM_TYPE_BASE + slug, "title": title, "status": status_code, "detail": detail}
    if instance:
        body["instance"] = instance
    if errors:
        body["errors"] = errors
    response = Response(body, status=status_code, headers=headers, content_type=CONTENT_TYPE)
    return response


def _field_errors(data) -> dict:
    """DRF's nested validation errors as {field: [messages]} (non-field errors under "_")."""
    if isinstance(data, list):
        return {"_": [str(m) for m in data]}
    out = {}
    for field, messages in (data or {}).items():
        key = "_" if field == "non_field_errors" else field
        if isinstance(messages, dict):
            for sub, sub_messages in _field_errors(messages).items():
                out[f"{key}.{sub}"] = sub_messages
        elif isinstance(messages, list):
            out[key] = [str(m) if not isinstance(m, dict) else str(m) for m in messages]
        else:
            out[key] = [str(messages)]
    return out


REFUSAL_REASONS = {400: "invalid", 403: "forbidden", 404: "not_found", 405: "method", 409: "conflict",
                   415: "media_type", 422: "rule"}


def exception_handler(exc, context):
    request = context.get("request")
    response = _problem_for(exc, context, request.path if request is not None else "")
    token = getattr(request, "_auth", None) if request is not None else None
    if response is not None and isinstance(token, ApiToken) and response.status_code in REFUSAL_REASONS:
        # A recognised token refused (401s are journaled when the token is checked; 429s are not, by design).
        tokens.refuse(reason=REFUSAL_REASONS[response.status_code], channel="api", token=token, path=request.path,
                      message=response.data.get("detail", ""), ip=client_ip(request))
    return response


def _problem_for(exc, context, instance: str):
    if isinstance(exc, BusinessError):
        field = exc.field or "_"
        return problem(422, exc.text, instance=instance, errors={field: [exc.text]})
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None  # an unexpected fault: the server's 500 page, logged
    headers = {k: v for k, v in response.items() if k in ("WWW-Authenticate", "Retry-After", "Allow")}
    if isinstance(exc, exceptions.ValidationError):
        errors = _field_errors(exc.detail)
        whole = errors.get("_", []) if set(errors) == {"_"} else []
        detail = whole[0] if len(whole) == 1 else "Les données envoyées ne sont pas valides."
        return problem(400, detail, instance=instance, errors=errors, headers=headers)
    if isinstance(exc, exceptions.Throttled):
        wait = exc.wait
        detail = "Trop de requêtes pour ce jeton : réessayez plus tard."
        if wait:
            detail = f"Trop de requêtes pour ce jeton : réessayez dans {int(wait) + 1} secondes."
        return problem(429, detail, instance=instance, headers=headers)
    detail = DETAILS.get(type(exc))
    if detail is None:
        detail = str(exc.detail) if isinstance(exc.detail, str) else TITLES.get(response.status_code, ("", "Erreur"))[1]
    return problem(response.status_code, detail, instance=instance, headers=headers)
