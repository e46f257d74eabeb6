"""Caf back office: partner organisations (list, create, detail, edit)."""
from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.html import format_html
from django.views.decorators.http import require_http_methods

from portail import access
from portail.conventions import services
from portail.conventions.forms import OrganisationFilter, OrganisationForm
from portail.core.errors import BusinessError, report_to_form
from portail.core.paging import paginate
from portail.core.requests import client_ip

from .caf_common import caf_side, crumbs, single_caf


@caf_side
def organisation_list(request):
    queryset = access.organisations_visible_to(request.user).order_by("name", "pk")
    filters = OrganisationFilter(request.GET or None, queryset=queryset)
    page = paginate(request, filters.qs)
    return render(request, "supervision/caf_organisations.html", {
        "title": "Organisations partenaires", "filter": filters, "page": page,
        "breadcrumb": crumbs({"title": "Organisations partenaires"}),
    })


@require_http_methods(["GET", "POST"])
@caf_side
def organisation_create(request):
    cafs = access.supervised_cafs(request.user)
    form = OrganisationForm(request.POST or None, cafs=cafs)
    if request.method == "POST" and form.is_valid():
        caf = form.cleaned_data.get("caf") or single_caf(request.user)
        try:
            organisation = services.organisation_create(actor=request.user, caf=caf, ip=client_ip(request),
                                                        **{k: form.cleaned_data[k] for k in ("name", "kind", "siret")})
        except BusinessError as error:
            report_to_form(form, error)
        else:
            messages.success(request, format_html("L'organisation {} est enregistrée. Vous pouvez créer sa "
                                                  "convention.", organisation.name))
            return redirect("cafadmin:organisation", organisation.pk)
    return render(request, "supervision/caf_organisation_form.html", {
        "title": "Créer une organisation partenaire", "form": form, "submit_label": "Enregistrer",
        "breadcrumb": crumbs({"title": "Créer une organisation partenaire"}),
    })


@caf_side
def organisation_detail(request, organisation_id):
    organisation = access.access_organisation(request.user, organisation_id)
    conventions = (access.caf_conventions(request.user).filter(organisation=organisation)
                   .select_related("caf").prefetch_related("services").order_by("label", "pk"))
    page = paginate(request, conventions)
    return render(request, "supervision/caf_organisation.html", {
        "title": f"Organisation {organisation.name}", "organisation": organisation, "page": page,
        "breadcrumb": crumbs({"title": organisation.name}),
    })


@require_http_methods(["GET", "POST"])
@caf_side
def organisation_update(request, organisation_id):
    organisation = access.access_organisation(request.user, organisation_id)
    form = OrganisationForm(request.POST or None, initial=OrganisationForm.initial_for(organisation))
    if request.method == "POST" and form.is_valid():
        try:
            services.organisation_update(actor=request.user, organisation=organisation, ip=client_ip(request),
                                         **form.cleaned_data)
        except BusinessError as error:
            report_to_form(form, error)
        else:
            messages.success(request, format_html("L'organisation {} est modifiée.", form.cleaned_data["name"]))
            return redirect("cafadmin:organisation", organisation.pk)
    return render(request, "supervision/caf_organisation_form.html", {
        "title": f"Modifier l'organisation {organisation.name}", "form": form, "submit_label": "Enregistrer",
        "organisation": organisation,
        "breadcrumb": crumbs({"title": organisation.name}, {"title": "Modifier"}),
    })
