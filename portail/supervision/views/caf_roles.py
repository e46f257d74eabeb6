"""Caf back office: the role catalogue per service (national administrators edit it, Caf agents read it)."""
import django_filters
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.html import format_html
from django.views.decorators.http import require_http_methods

from portail import access
from portail.conventions import services
from portail.conventions.forms import RoleForm
from portail.conventions.models import Role, Service, Tab
from portail.core.errors import BusinessError, report_to_form
from portail.core.paging import paginate
from portail.core.requests import client_ip

from .caf_common import caf_side

TAB_LABELS = dict(Tab.choices)


class RoleFilter(django_filters.FilterSet):
    service = django_filters.ModelChoiceFilter(label="Service en ligne", queryset=Service.objects.all(),
                                               empty_label="Tous")
    code = django_filters.CharFilter(label="Code", lookup_expr="istartswith")
    validation = django_filters.ChoiceFilter(label="Validation Caf requise", choices=[("oui", "Oui"), ("non", "Non")],
                                             method="filter_validation", empty_label="Tous")

    class Meta:
        model = Role
        fields: list[str] = []

    def filter_validation(self, queryset, name, value):
        return queryset.filter(requires_caf_validation=value == "oui")


def _crumbs(*items):
    return [{"title": "Catalogue des rôles", "url": reverse("cafadmin:roles")}, *items]


@caf_side
def role_list(request):
    filters = RoleFilter(request.GET or None, queryset=Role.objects.select_related("service")
                         .order_by("service__code", "code", "pk"))
    page = paginate(request, filters.qs)
    rows = [(role, [TAB_LABELS.get(t, t) for t in role.tabs]) for role in page]
    return render(request, "supervision/caf_roles.html", {
        "title": "Catalogue des rôles", "filter": filters, "page": page, "rows": rows,
        "may_edit": access.may_edit_role_catalogue(request.user), "tab_count": len(TAB_LABELS),
        "breadcrumb": [{"title": "Catalogue des rôles"}],
    })


def _require_editor(user):
    if not access.may_edit_role_catalogue(user):
        raise PermissionDenied


@require_http_methods(["GET", "POST"])
@caf_side
def role_create(request):
    _require_editor(request.user)
    form = RoleForm(request.POST or None, with_service=True, initial={"can_write_dialogue": True})
    if request.method == "POST" and form.is_valid():
        try:
            role = services.role_save(actor=request.user, service=form.cleaned_data["service"],
                                      ip=client_ip(request), **form.service_values())
        except BusinessError as error:
            report_to_form(form, error)
        else:
            messages.success(request, format_html("Le rôle {} du service {} est créé.", role.code,
                                                  role.service.label))
            return redirect("cafadmin:roles")
    return render(request, "supervision/caf_role_form.html", {
        "title": "Créer un rôle", "form": form, "breadcrumb": _crumbs({"title": "Créer un rôle"}),
    })


@require_http_methods(["GET", "POST"])
@caf_side
def role_update(request, role_id):
    role = Role.objects.select_related("service").filter(pk=role_id).first()
    if role is None:
        raise Http404
    _require_editor(request.user)
    form = RoleForm(request.POST or None, initial=RoleForm.initial_for(role))
    if request.method == "POST" and form.is_valid():
        try:
            role = services.role_save(actor=request.user, service=role.service, role=role, ip=client_ip(request),
                                      **form.service_values())
        except BusinessError as error:
            report_to_form(form, error)
        else:
            messages.success(request, format_html("Le rôle {} du service {} est modifié.", role.code,
                                                  role.service.label))
            return redirect("cafadmin:roles")
    title = f"Modifier le rôle {role.code} ({role.service.label})"
    return render(request, "supervision/caf_role_form.html", {
        "title": title, "form": form, "role": role, "breadcrumb": _crumbs({"title": title}),
    })
