"""Caf back office: conventions (list, create, detail, edit, suspend, reopen, close)."""
from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.html import format_html
from django.views.decorators.http import require_http_methods

from portail import access
from portail.conventions import services
from portail.conventions.forms import CafConventionFilter, ConventionForm, ReasonForm
from portail.core.errors import BusinessError, report_to_form
from portail.core.paging import paginate
from portail.core.requests import client_ip

from .caf_common import caf_side, convention_crumbs, crumbs, single_caf


@caf_side
def convention_list(request):
    """« Organisations et conventions »: the conventions of the Cafs he supervises."""
    queryset = (access.caf_conventions(request.user).select_related("caf", "organisation")
                .prefetch_related("services", "administrators").order_by("caf__name", "label", "pk"))
    filters = CafConventionFilter(request.GET or None, queryset=queryset)
    page = paginate(request, filters.qs)
    return render(request, "supervision/caf_conventions.html", {
        "title": "Organisations et conventions", "filter": filters, "page": page,
        "breadcrumb": [{"title": "Organisations et conventions"}],
    })


@require_http_methods(["GET", "POST"])
@caf_side
def convention_create(request, organisation_id):
    organisation = access.access_organisation(request.user, organisation_id)
    cafs = access.supervised_cafs(request.user)
    form = ConventionForm(request.POST or None, cafs=cafs)
    if request.method == "POST" and form.is_valid():
        caf = form.cleaned_data.get("caf") or single_caf(request.user)
        try:
            convention = services.convention_create(actor=request.user, caf=caf, organisation=organisation,
                                                    ip=client_ip(request), **form.service_values())
        except BusinessError as error:
            report_to_form(form, error)
        else:
            messages.success(request, format_html(
                "La convention {} est créée. Nommez maintenant son administrateur.", convention.label))
            return redirect("cafadmin:convention", convention.pk)
    return render(request, "supervision/caf_convention_form.html", {
        "title": f"Créer une convention avec {organisation.name}", "form": form, "organisation": organisation,
        "submit_label": "Créer la convention", "cancel": reverse("cafadmin:organisation", args=[organisation.pk]),
        "breadcrumb": crumbs({"title": organisation.name, "url": reverse("cafadmin:organisation",
                                                                          args=[organisation.pk])},
                             {"title": "Créer une convention"}),
    })


@caf_side
def convention_detail(request, convention_id):
    convention = access.access_caf_convention(request.user, convention_id)
    return render(request, "supervision/caf_convention.html", {
        "title": f"Convention {convention.label}", "convention": convention,
        "services": convention.services.order_by("code"),
        "administrators": convention.administrators.order_by("last_name", "first_name"),
        "max_administrators": services.MAX_ADMINISTRATORS,
        "breadcrumb": crumbs({"title": convention.label}),
    })


@require_http_methods(["GET", "POST"])
@caf_side
def convention_update(request, convention_id):
    convention = access.access_caf_convention(request.user, convention_id)
    form = ConventionForm(request.POST or None, initial=ConventionForm.initial_for(convention))
    if request.method == "POST" and form.is_valid():
        try:
            services.convention_update(actor=request.user, convention=convention, ip=client_ip(request),
                                       **form.service_values())
        except BusinessError as error:
            report_to_form(form, error)
        else:
            messages.success(request, format_html("La convention {} est modifiée.", form.cleaned_data["label"]))
            return redirect("cafadmin:convention", convention.pk)
    return render(request, "supervision/caf_convention_form.html", {
        "title": f"Modifier la convention {convention.label}", "form": form, "convention": convention,
        "organisation": convention.organisation, "submit_label": "Enregistrer",
        "cancel": reverse("cafadmin:convention", args=[convention.pk]),
        "breadcrumb": convention_crumbs(convention, {"title": "Modifier"}),
    })


MOVES = {
    "suspend": {"title": "Suspendre la convention", "button": "Suspendre la convention",
                "done": "La convention {} est suspendue : elle ne donne plus aucun droit jusqu'à sa réouverture.",
                "explain": "Suspendue, la convention ne donne plus aucun droit : ses utilisateurs ne consultent plus "
                           "de dossier et ses administrateurs ne changent plus ses habilitations. Vous pourrez la "
                           "rouvrir."},
    "reopen": {"title": "Rouvrir la convention", "button": "Rouvrir la convention",
               "done": "La convention {} est rouverte.",
               "explain": "Rouverte, la convention donne de nouveau les droits de ses groupes, dans ses dates. "
                          "Si sa date de clôture est passée, elle est effacée : fixez-en une nouvelle au besoin."},
    "close": {"title": "Clore la convention", "button": "Clore la convention",
              "done": "La convention {} est close.",
              "explain": "Close, la convention ne donne plus aucun droit ; sa date de clôture devient celle "
                         "d'aujourd'hui si elle était plus tardive. Son historique est conservé."},
}


@require_http_methods(["GET", "POST"])
@caf_side
def convention_status(request, convention_id, move):
    """Suspend, reopen or close, with a reason written to the journal."""
    convention = access.access_caf_convention(request.user, convention_id)
    text = MOVES[move]
    form = ReasonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.convention_set_status(actor=request.user, convention=convention, move=move,
                                           reason=form.cleaned_data["reason"], ip=client_ip(request))
        except BusinessError as error:
            report_to_form(form, error)
        else:
            messages.success(request, format_html(text["done"], convention.label))
            return redirect("cafadmin:convention", convention.pk)
    return render(request, "supervision/caf_convention_status.html", {
        "title": f"{text['title']} {convention.label}", "heading": text["title"], "text": text,
        "convention": convention, "form": form,
        "breadcrumb": convention_crumbs(convention, {"title": text["title"]}),
    })
