from functools import wraps

from django.contrib.auth.decorators import login_required
from django.urls import reverse

from portail.access import Do, access_convention, may_manage


def in_convention(view):
    """Every page under /conventions/<id>/: the convention must be in the actor's scope (else 404)."""

    @login_required
    @wraps(view)
    def wrapper(request, convention_id, *args, **kwargs):
        convention = access_convention(request.user, convention_id, Do.VIEW)
        return view(request, convention, *args, **kwargs)

    return wrapper


def convention_context(request, convention, title: str, *crumbs: dict) -> dict:
    return {
        "title": title,
        "convention": convention,
        "can_manage": may_manage(request.user, convention),
        "breadcrumb": [
            {"title": "Conventions", "url": reverse("conventions:list")},
            {"title": convention.label, "url": reverse("habilitations:groups", args=[convention.pk])},
            *crumbs,
            {"title": title},
        ],
    }
