"""« Supervision habilitations »: rights with their « why », the group tree and the monthly checks; CSV export."""
from django import forms
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.shortcuts import render
from django.views.decorators.http import require_GET

from portail.core.paging import paginate
from portail.core.requests import client_ip
from portail.journal import events

from ..selectors import habilitations as sel
from .partner_common import (EXPORT_CHUNK, CafWideForm, FilterForm, caf_scope, chooser, convention_scope,
                             csv_response, export_filters, filters_of, scope_context)

TITLE = "Supervision habilitations"
VIEWS = [("droits", "Droits et leur origine"), ("groupes", "Arborescence des groupes")] + [
    (check.key, check.title) for check in sel.CHECKS]
SORT_COLUMNS = [("utilisateur", "Utilisateur"), ("groupe", "Groupe"), ("role", "Rôle"), ("etat", "État")]


class RightsFilterForm(FilterForm):
    groupe = forms.CharField(label="Groupe (code ou libellé contient)", required=False, max_length=120)
    role = forms.ModelChoiceField(label="Rôle", required=False, queryset=None, empty_label="Tous")
    utilisateur = forms.CharField(label="Utilisateur (identifiant ou nom contient)", required=False, max_length=100)
    etat = forms.ChoiceField(label="État", required=False, choices=[("", "Tous")] + sel.STATE_CHOICES)

    def __init__(self, *args, scope, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].queryset = sel.roles_to_filter(scope)
        self.fields["role"].label_from_instance = lambda r: f"{r.code} — {r.label} ({r.service.code})"
        if scope.is_caf_wide:
            self.fields.update(CafWideForm(actor=scope.actor).fields)

    def values(self) -> dict:
        data = self.cleaned_data if self.is_valid() else {}
        return {"group": data.get("groupe", ""), "role": data.get("role"), "user": data.get("utilisateur", ""),
                "state": data.get("etat", "")}


@login_required
@require_GET
def habilitations_home(request):
    return chooser(request, page_name="habilitations", title=TITLE)


@require_GET
@convention_scope
def habilitations_convention(request, scope):
    return _page(request, scope)


@require_GET
@caf_scope
def habilitations_caf(request, scope):
    return _page(request, scope)


def _page(request, scope):
    view = request.GET.get("vue", "droits")
    if view not in dict(VIEWS):
        view = "droits"
    form = RightsFilterForm(request.GET or None, scope=scope)
    context = scope_context(request, scope, TITLE, "habilitations")
    context.update(views=VIEWS, view=view, view_title=dict(VIEWS)[view], filter=filters_of(form),
                   export_query=request.GET.urlencode())
    if view == "droits":
        sort = request.GET.get("tri", "utilisateur")
        filters = form.values()
        rows = sel.right_rows_queryset(scope, sort=sort, **filters)
        page = paginate(request, sel.Counted(rows, lambda: sel.right_rows_count(scope, **filters)))
        context.update(page=page, rows=sel.right_rows(page), sort=sort, sort_columns=SORT_COLUMNS)
    elif view == "groupes":
        page = paginate(request, sel.group_tree(scope))
        context.update(page=page, rows=sel.count_members(page))
    else:
        check = next(c for c in sel.CHECKS if c.key == view)
        page = paginate(request, sel.CHECK_QUERIES[view](scope))
        context.update(page=page, rows=page, check=check)
    return render(request, "supervision/habilitations.html", context)


# ------------------------------------------------------------------------------------------ CSV


@require_GET
@convention_scope
def habilitations_convention_csv(request, scope):
    return _csv(request, scope)


@require_GET
@caf_scope
def habilitations_caf_csv(request, scope):
    return _csv(request, scope)


def _csv(request, scope):
    form = RightsFilterForm(request.GET or None, scope=scope)
    filters = form.values()
    queryset = sel.right_rows_queryset(scope, sort=request.GET.get("tri", "utilisateur"), **filters)
    total = sel.right_rows_count(scope, **filters)
    with transaction.atomic():  # journaled before the file leaves (R9)
        events.supervision_exported(actor=request.user, page="habilitations", filters=export_filters(form),
                                    rows=total, convention=scope.convention, ip=client_ip(request))
    name = f"supervision-habilitations-{scope.convention.pk if scope.convention else 'caf'}.csv"
    return csv_response(name, sel.EXPORT_HEADER, sel.export_rows(queryset, chunk_size=EXPORT_CHUNK))
