"""Groups of a convention: list, « Créer un groupe », edit, close."""
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils.html import format_html
from django.views.decorators.http import require_http_methods

from portail.access import Do
from portail.core.clock import today
from portail.core.errors import BusinessError, report_to_form
from portail.core.paging import paginate
from portail.core.requests import client_ip

from .. import services
from ..filters import GroupFilter
from ..forms import GroupCloseForm, GroupForm
from ..models import Group
from .common import convention_context, in_convention


@in_convention
def group_list(request, convention):
    seat = request.seat
    queryset = seat.groups().select_related("responsable").order_by("path")
    filters = GroupFilter(request.GET or None, queryset=queryset)
    page = paginate(request, filters.qs)
    context = convention_context(request, convention, "Groupes d'utilisateurs")
    context.update(filter=filters, page=page, rows=seat.group_rows(page))
    return render(request, "habilitations/group_list.html", context)


KEPT_BY_SEARCH = ("code", "label", "opening_date", "closing_date", "is_subgroup", "parent", "responsable")


def _parents(seat):
    return seat.groups().filter(status=Group.Status.OPEN).order_by("path")


def _responsables(seat):
    return seat.users().filter(status="ouvert").order_by("last_name", "first_name")


@require_http_methods(["GET", "POST"])
@in_convention
def group_create(request, convention):
    seat = request.seat
    if not seat.can_manage:
        raise PermissionDenied
    initial = {"opening_date": max(convention.opening_date, today())}
    if request.GET.get("parent"):
        initial.update(is_subgroup=True, parent=request.GET["parent"])
    # Back from a « Rechercher » step: what was entered comes back as initial values (validated on POST).
    initial.update({name: request.GET[name] for name in KEPT_BY_SEARCH if request.GET.get(name)})
    form = GroupForm(request.POST or None, initial=initial, parents=_parents(seat), responsables=_responsables(seat),
                     search=request.GET, must_be_subgroup=not seat.may_create_top_group)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        parent = data.get("parent")
        if parent is not None:
            parent = seat.group(parent.pk, Do.MANAGE)
        try:
            group = services.group_create(
                actor=request.user, convention=convention, code=data["code"], label=data["label"],
                opening_date=data["opening_date"], closing_date=data["closing_date"], parent=parent,
                responsable=data.get("responsable"), ip=client_ip(request),
            )
        except BusinessError as error:
            report_to_form(form, error)
        else:
            messages.success(request, format_html("Le groupe {} « {} » est créé.", group.code, group.label))
            return redirect("habilitations:groups", convention.pk)
    context = convention_context(request, convention, "Créer un groupe d'utilisateurs")
    context.update(form=form, submit_label="Valider")
    return render(request, "habilitations/group_form.html", context)


@require_http_methods(["GET", "POST"])
@in_convention
def group_update(request, convention, group_id):
    seat = request.seat
    group = seat.group(group_id, Do.MANAGE)
    # Dates and responsable are decided from above the group: its own responsable only sees them (R7b).
    administers = seat.can(Do.ADMINISTER, group)
    initial = {"label": group.label, "opening_date": group.opening_date, "closing_date": group.closing_date,
               "responsable": group.responsable_id}
    form = GroupForm(request.POST or None, initial=initial, parents=Group.objects.none(),
                     responsables=_responsables(seat), search=request.GET, editing=True, can_name_responsable=administers,
                     dates_locked=not administers)
    if request.method == "POST" and form.forged_locked_fields():
        raise PermissionDenied
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.group_update(
                actor=request.user, group=group, label=data["label"], opening_date=data["opening_date"],
                closing_date=data["closing_date"],
                responsable=data["responsable"] if administers else group.responsable, ip=client_ip(request),
            )
        except BusinessError as error:
            report_to_form(form, error)
        else:
            messages.success(request, format_html("Le groupe {} est modifié.", group.code))
            return redirect("habilitations:groups", convention.pk)
    context = convention_context(request, convention, f"Modifier le groupe {group.code}")
    context.update(form=form, group=group, submit_label="Enregistrer")
    return render(request, "habilitations/group_form.html", context)


@require_http_methods(["GET", "POST"])
@in_convention
def group_close(request, convention, group_id):
    group = request.seat.group(group_id, Do.ADMINISTER)
    form = GroupCloseForm(request.POST or None)
    subgroups = Group.objects.subtree_of(group).exclude(pk=group.pk).count()
    if request.method == "POST" and form.is_valid():
        try:
            services.group_close(actor=request.user, group=group, closing_date=form.cleaned_data["closing_date"],
                                 ip=client_ip(request))
        except BusinessError as error:
            report_to_form(form, error)
        else:
            messages.success(request, format_html(
                "Le groupe {} est clos ; ses sous-groupes ne donnent plus de droit.", group.code))
            return redirect("habilitations:groups", convention.pk)
    context = convention_context(request, convention, f"Clôturer le groupe {group.code}")
    context.update(form=form, group=group, subgroups=subgroups)
    return render(request, "habilitations/group_close.html", context)
