"""Groups of a convention: list, « Créer un groupe », edit, close."""
from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from portail.core.clock import today
from portail.core.errors import BusinessError, report_to_form
from portail.core.paging import paginate
from portail.core.requests import client_ip

from .. import services
from portail.access import (Do, access_group, groups_visible_to, management_scope, may_administer_group, may_create_top_group,
                      require_manager, users_visible_to)
from ..filters import GroupFilter
from ..forms import GroupCloseForm, GroupForm
from ..models import Group
from .common import convention_context, in_convention


@in_convention
def group_list(request, convention):
    queryset = groups_visible_to(request.user, convention).select_related("responsable").order_by("path")
    filters = GroupFilter(request.GET or None, queryset=queryset)
    page = paginate(request, filters.qs)
    scope = management_scope(request.user, convention)
    rows = [
        {"group": g, "can_administer": scope is not None and scope.writable and scope.covers_strictly(g)} for g in page
    ]
    context = convention_context(request, convention, "Groupes d'utilisateurs")
    context.update(filter=filters, page=page, rows=rows, can_create=context["can_manage"])
    return render(request, "habilitations/group_list.html", context)


def _parents(actor, convention):
    return groups_visible_to(actor, convention).filter(status=Group.Status.OPEN).order_by("path")


def _responsables(actor, convention):
    return users_visible_to(actor, convention).filter(status="ouvert").order_by("last_name", "first_name")


@require_http_methods(["GET", "POST"])
@in_convention
def group_create(request, convention):
    require_manager(request.user, convention)
    must_be_subgroup = not may_create_top_group(request.user, convention)
    initial = {"opening_date": max(convention.opening_date, today())}
    if request.GET.get("parent"):
        initial.update(is_subgroup=True, parent=request.GET["parent"])
    form = GroupForm(request.POST or None, initial=initial, parents=_parents(request.user, convention),
                     responsables=_responsables(request.user, convention), must_be_subgroup=must_be_subgroup)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        parent = data.get("parent")
        if parent is not None:
            parent = access_group(request.user, convention, parent.pk, Do.MANAGE)
        try:
            group = services.group_create(
                actor=request.user, convention=convention, code=data["code"], label=data["label"],
                opening_date=data["opening_date"], closing_date=data["closing_date"], parent=parent,
                responsable=data.get("responsable"), ip=client_ip(request),
            )
        except BusinessError as error:
            report_to_form(form, error)
        else:
            messages.success(request, f"Le groupe {group.code} « {group.label} » est créé.")
            return redirect("habilitations:groups", convention.pk)
    context = convention_context(request, convention, "Créer un groupe d'utilisateurs")
    context.update(form=form, submit_label="Valider")
    return render(request, "habilitations/group_form.html", context)


@require_http_methods(["GET", "POST"])
@in_convention
def group_update(request, convention, group_id):
    group = access_group(request.user, convention, group_id, Do.MANAGE)
    can_name = may_administer_group(request.user, convention, group)
    initial = {"label": group.label, "opening_date": group.opening_date, "closing_date": group.closing_date,
               "responsable": group.responsable_id}
    form = GroupForm(request.POST or None, initial=initial, parents=Group.objects.none(),
                     responsables=_responsables(request.user, convention), editing=True,
                     can_name_responsable=can_name)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.group_update(
                actor=request.user, group=group, label=data["label"], opening_date=data["opening_date"],
                closing_date=data["closing_date"],
                responsable=data["responsable"] if can_name else group.responsable, ip=client_ip(request),
            )
        except BusinessError as error:
            report_to_form(form, error)
        else:
            messages.success(request, f"Le groupe {group.code} est modifié.")
            return redirect("habilitations:groups", convention.pk)
    context = convention_context(request, convention, f"Modifier le groupe {group.code}")
    context.update(form=form, group=group, submit_label="Enregistrer")
    return render(request, "habilitations/group_form.html", context)


@require_http_methods(["GET", "POST"])
@in_convention
def group_close(request, convention, group_id):
    group = access_group(request.user, convention, group_id, Do.ADMINISTER)
    form = GroupCloseForm(request.POST or None)
    subgroups = Group.objects.subtree_of(group).exclude(pk=group.pk).count()
    if request.method == "POST" and form.is_valid():
        try:
            services.group_close(actor=request.user, group=group, closing_date=form.cleaned_data["closing_date"],
                                 ip=client_ip(request))
        except BusinessError as error:
            report_to_form(form, error)
        else:
            messages.success(request, f"Le groupe {group.code} est clos ; ses sous-groupes ne donnent plus de droit.")
            return redirect("habilitations:groups", convention.pk)
    context = convention_context(request, convention, f"Clôturer le groupe {group.code}")
    context.update(form=form, group=group, subgroups=subgroups)
    return render(request, "habilitations/group_close.html", context)
