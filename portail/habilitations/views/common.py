from functools import wraps

from django.contrib.auth.decorators import login_required
from django.urls import reverse

from portail.access import Seat


def in_convention(view):
    """Every page under /conventions/<id>/: the convention must be in the actor's scope (else 404).

    The actor's `Seat` is computed here, once, and put on the request: the view and its template
    ask it every question about what the actor may see and do.
    """

    @login_required
    @wraps(view)
    def wrapper(request, convention_id, *args, **kwargs):
        request.seat = Seat.enter(request.user, convention_id)
        return view(request, request.seat.convention, *args, **kwargs)

    return wrapper


def convention_context(request, convention, title: str, *crumbs: dict, subject: str = "") -> dict:
    """`subject` (a group's code, a person's identifier) and the convention make the page's <title> unique."""
    seat = request.seat
    return {
        "title": title,
        "page_title": " — ".join(part for part in (title, subject, convention.label) if part),
        "convention": convention,
        "seat": seat,
        "breadcrumb": [
            {"title": "Conventions", "url": reverse("conventions:list")},
            {"title": convention.label, "url": reverse("habilitations:groups", args=[convention.pk])},
            *crumbs,
            {"title": title},
        ],
    }
