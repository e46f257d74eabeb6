"""« Jetons d'API » of a convention: its administrators list, create (the token is shown once) and revoke them."""
from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.html import format_html
from django.views.decorators.http import require_http_methods

from django.contrib.auth.decorators import login_required

from portail.access import access_api_token, access_token_creation, access_token_page, may_create_tokens, tokens_of
from portail.core.errors import BusinessError, report_to_form
from portail.core.requests import client_ip

from . import tokens
from .forms import TokenForm


def _context(request, seat, title: str, *crumbs) -> dict:
    convention = seat.convention
    return {
        "title": title,
        "page_title": f"{title} — {convention.label}",
        "convention": convention,
        "seat": seat,
        "breadcrumb": [
            {"title": "Conventions", "url": reverse("conventions:list")},
            {"title": convention.label, "url": reverse("habilitations:groups", args=[convention.pk])},
            *crumbs,
            {"title": title},
        ],
    }


def _list_crumb(convention) -> dict:
    return {"title": "Jetons d'API", "url": reverse("api_tokens:list", args=[convention.pk])}


@login_required
def token_list(request, convention_id):
    seat = access_token_page(request.user, convention_id)
    context = _context(request, seat, "Jetons d'API")
    context.update(tokens=tokens_of(seat).order_by("-created_at", "-pk"), can_create=may_create_tokens(seat))
    return render(request, "api/token_list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def token_create(request, convention_id):
    seat = access_token_creation(request.user, convention_id)
    convention = seat.convention
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            token, raw = tokens.token_create(actor=request.user, convention=convention, name=data["name"],
                                             scopes=data["scopes"], expires_on=data["expires_on"],
                                             ip=client_ip(request))
        except BusinessError as error:
            report_to_form(form, error)
        else:
            # Shown in this answer only (never stored, never in a URL; pages are not cached: no-store).
            context = _context(request, seat, "Jeton créé", _list_crumb(convention))
            context.update(token=token, raw=raw)
            return render(request, "api/token_created.html", context)
    context = _context(request, seat, "Créer un jeton d'API", _list_crumb(convention))
    context.update(form=form)
    return render(request, "api/token_form.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def token_revoke(request, convention_id, token_id):
    seat = access_token_page(request.user, convention_id)
    token = access_api_token(seat, token_id)
    if request.method == "POST":
        tokens.token_revoke(actor=request.user, token=token, ip=client_ip(request))
        messages.success(request, format_html("Le jeton « {} » ({}) est révoqué : il ne fonctionne plus.",
                                              token.name, token.display_prefix))
        return redirect("api_tokens:list", seat.convention.pk)
    context = _context(request, seat, f"Révoquer le jeton « {token.name} »", _list_crumb(seat.convention))
    context.update(token=token)
    return render(request, "api/token_revoke.html", context)
