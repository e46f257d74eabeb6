"""« Supervision modifier »: pending and refused roles, and the history of changes read from the journal."""
from django import forms
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.shortcuts import render
from django.views.decorators.http import require_GET

from portail.core.clock import today
from portail.core.forms import DateInput
from portail.core.paging import paginate
from portail.core.requests import client_ip
from portail.journal import events

from ..selectors import changes as sel
from .partner_common import (EXPORT_CHUNK, CafWideForm, FilterForm, caf_scope, chooser, convention_scope,
                             csv_response, export_filters, filters_of, scope_context)

TITLE = "Supervision modifier"
VIEWS = [("historique", "Historique des modifications"), ("attente", "Demandes en attente de validation Caf")] + (
    [("refusees", "Demandes refusées par la Caf")] if sel.REFUSED is not None else [])
EXPORT_LIMIT = 100_000


class HistoryFilterForm(FilterForm):
    du = forms.DateField(label="Du", required=False, widget=DateInput(),
                         error_messages={"invalid": "Saisissez une date valide, par exemple 14/07/2026."})
    au = forms.DateField(label="Au", required=False, widget=DateInput(),
                         error_messages={"invalid": "Saisissez une date valide, par exemple 14/07/2026."})
    action = forms.ChoiceField(label="Action", required=False)
    utilisateur = forms.CharField(label="Utilisateur (identifiant exact, auteur ou personne concernée)",
                                  required=False, max_length=20)
    groupe = forms.CharField(label="Groupe (code exact)", required=False, max_length=20)

    def __init__(self, *args, scope, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["action"].choices = [("", "Toutes")] + [(a.value, a.label) for a in sel.CHANGE_ACTIONS]
        if scope.is_caf_wide:
            self.fields.update(CafWideForm(actor=scope.actor).fields)

    def clean(self):
        data = super().clean()
        start, end = data.get("du"), data.get("au")
        if start and end and start > end:
            self.add_error("au", "La date de fin doit être postérieure ou égale à la date de début.")
        elif start and end and end - start > sel.MAX_PERIOD:
            self.add_error("du", "Choisissez une période d'un an au plus.")
        return data

    def period(self) -> tuple:
        """The period asked, or the last three months; a bad one falls back to the default (errors shown)."""
        data = self.cleaned_data if self.is_valid() else {}
        end = data.get("au") or today()
        start = data.get("du") or end - sel.DEFAULT_PERIOD
        if end - start > sel.MAX_PERIOD:
            start = end - sel.MAX_PERIOD
        return start, end

    def values(self) -> dict:
        data = self.cleaned_data if self.is_valid() else {}
        start, end = self.period()
        return {"start": start, "end": end, "action": data.get("action", ""), "person": data.get("utilisateur", ""),
                "group": data.get("groupe", "")}


@login_required
@require_GET
def changes_home(request):
    return chooser(request, page_name="changes", title=TITLE)


@require_GET
@convention_scope
def changes_convention(request, scope):
    return _page(request, scope)


@require_GET
@caf_scope
def changes_caf(request, scope):
    return _page(request, scope)


def _page(request, scope):
    view = request.GET.get("vue", "historique")
    if view not in dict(VIEWS):
        view = "historique"
    form = HistoryFilterForm(request.GET or None, scope=scope)
    context = scope_context(request, scope, TITLE, "changes")
    context.update(views=VIEWS, view=view, view_title=dict(VIEWS)[view], filter=filters_of(form),
                   export_query=request.GET.urlencode())
    if view == "historique":
        values = form.values()
        window = sel.window(sel.history(scope, **values), request.GET.get("page"))
        context.update(window=window, rows=sel.change_rows(window.rows), start=values["start"], end=values["end"])
    else:
        queryset = sel.pending_roles(scope) if view == "attente" else sel.refused_roles(scope)
        page = paginate(request, queryset)
        context.update(page=page, rows=page)
    return render(request, "supervision/changes.html", context)


@require_GET
@convention_scope
def changes_convention_csv(request, scope):
    return _csv(request, scope)


@require_GET
@caf_scope
def changes_caf_csv(request, scope):
    return _csv(request, scope)


def _csv(request, scope):
    form = HistoryFilterForm(request.GET or None, scope=scope)
    queryset = sel.history(scope, **form.values())
    total = min(queryset.count(), EXPORT_LIMIT)
    with transaction.atomic():  # journaled before the file leaves (R9)
        events.supervision_exported(actor=request.user, page="modifications", filters=export_filters(form),
                                    rows=total, convention=scope.convention, ip=client_ip(request))
    name = f"supervision-modifications-{scope.convention.pk if scope.convention else 'caf'}.csv"
    return csv_response(name, sel.EXPORT_HEADER, sel.export_rows(queryset, total, chunk_size=EXPORT_CHUNK))
