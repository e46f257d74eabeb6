"""Caf back office: name, replace and remove a convention's one or two administrators (R6)."""
from django.contrib import messages
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.html import format_html
from django.views.decorators.http import require_http_methods

from portail import access
from portail.accounts.forms_partner import PartnerUserForm
from portail.accounts.models import User
from portail.accounts.reauth import require_recent_auth
from portail.conventions import services
from portail.conventions.forms import AdministratorNameForm, ReplacingMixin
from portail.core.errors import BusinessError, report_to_form
from portail.core.requests import client_ip

from .caf_common import caf_side, convention_crumbs

SEARCH_LIMIT = 20

# Naming an administrator asks for a recent password and second factor (« Confirmer votre identité »).
_reauth = require_recent_auth


def _search(convention, query: str) -> list[User]:
    """Open staff of the convention's organisation matching `query` (name or identifier), a few at most."""
    query = (query or "").strip()[:100]
    if not query:
        return []
    terms = Q(username__iexact=query) | Q(last_name__icontains=query) | Q(first_name__icontains=query)
    return list(User.objects.filter(organisation_id=convention.organisation_id, status=User.Status.OPEN)
                .filter(terms).exclude(administered_conventions=convention)
                .order_by("last_name", "first_name", "username")[:SEARCH_LIMIT])


@require_http_methods(["GET", "POST"])
@caf_side
@_reauth
def administrator_name(request, convention_id):
    """« Nommer un administrateur »: a person of the partner organisation, found by name or identifier."""
    convention = access.access_caf_convention(request.user, convention_id)
    administrators = convention.administrators.order_by("pk")
    form = AdministratorNameForm(request.POST or None, administrators=administrators,
                                 initial={"username": request.GET.get("identifiant", "")})
    if request.method == "POST" and form.is_valid():
        person = User.objects.filter(username__iexact=form.cleaned_data["username"].strip()).first()
        if person is None or person.organisation_id != convention.organisation_id:
            # Someone of another organisation is named as unknown: nothing leaks about other partners.
            form.add_error("username", format_html("Aucune personne de {} n'a cet identifiant.",
                                                   convention.organisation.name))
        else:
            try:
                services.administrator_add(actor=request.user, convention=convention, user=person,
                                           replacing=form.replacing(), ip=client_ip(request))
            except BusinessError as error:
                report_to_form(form, error if error.field != "user" else BusinessError(error.text, field="username"))
            else:
                messages.success(request, format_html(
                    "{} ({}) est administrateur de la convention « {} » ; un mail l'en informe.",
                    person.get_full_name(), person.username, convention.label))
                return redirect("cafadmin:convention", convention.pk)
    query = request.GET.get("q", "")
    return render(request, "supervision/caf_administrator_name.html", {
        "title": f"Nommer un administrateur de {convention.label}", "convention": convention, "form": form,
        "administrators": administrators, "query": query, "results": _search(convention, query),
        "search_limit": SEARCH_LIMIT,
        "breadcrumb": convention_crumbs(convention, {"title": "Nommer un administrateur"}),
    })


class AdministratorCreateForm(ReplacingMixin, PartnerUserForm):
    def __init__(self, *args, administrators=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.add_replacing(administrators)


@require_http_methods(["GET", "POST"])
@caf_side
@_reauth
def administrator_create(request, convention_id):
    """« Créer un utilisateur » of the partner organisation, named administrator at once."""
    convention = access.access_caf_convention(request.user, convention_id)
    administrators = convention.administrators.order_by("pk")
    form = AdministratorCreateForm(request.POST or None, administrators=administrators)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.administrator_create(actor=request.user, convention=convention,
                                                 replacing=form.replacing(), ip=client_ip(request),
                                                 **form.service_values())
        except BusinessError as error:
            report_to_form(form, error)
        else:
            messages.success(request, format_html(
                "{} {} a l'identifiant {} et est nommé administrateur de la convention « {} ». Un lien "
                "d'activation a été envoyé à {} pour qu'il choisisse son mot de passe.",
                user.first_name, user.last_name, user.username, convention.label, user.email))
            return redirect("cafadmin:convention", convention.pk)
    return render(request, "supervision/caf_administrator_create.html", {
        "title": f"Créer un utilisateur administrateur de {convention.label}", "convention": convention,
        "form": form, "administrators": administrators,
        "breadcrumb": convention_crumbs(convention, {"title": "Créer un utilisateur"}),
    })


@require_http_methods(["GET", "POST"])
@caf_side
def administrator_remove(request, convention_id, user_id):
    convention = access.access_caf_convention(request.user, convention_id)
    person = convention.administrators.filter(pk=user_id).first()
    if person is None:
        raise Http404
    error = None
    if request.method == "POST":
        try:
            services.administrator_remove(actor=request.user, convention=convention, user=person,
                                          ip=client_ip(request))
        except BusinessError as exc:
            error = exc.text
        else:
            messages.success(request, format_html("{} ({}) n'est plus administrateur de la convention {}.",
                                                  person.get_full_name(), person.username, convention.label))
            return redirect("cafadmin:convention", convention.pk)
    return render(request, "supervision/caf_administrator_remove.html", {
        "title": f"Retirer l'administrateur {person.username}", "convention": convention, "person": person,
        "error": error, "last": convention.administrators.count() == 1,
        "cancel": reverse("cafadmin:convention", args=[convention.pk]),
        "breadcrumb": convention_crumbs(convention, {"title": "Retirer un administrateur"}),
    })
