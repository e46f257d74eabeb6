"""« Statistiques d'usage »: the Caf-wide page, a convention's page (partner scope or Caf), their CSV."""
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse

from portail import access

from ..aggregates import usage_catch_up
from ..models import UsageCursor
from . import stats_charts as charts
from .stats_csv import csv_response
from .stats_data import (COLUMNS, UNITS, UsageTables, active_users, label_conventions, label_groups, label_users,
                         short_label)
from .stats_forms import PeriodForm

TITLE = "Statistiques d'usage"
PAGE_SIZE = 20
TABLES = ("periodes", "onglets", "roles", "groupes", "utilisateurs", "conventions")


@login_required
def index(request):
    """The Caf side reads its Caf (or every Caf); a partner goes to his convention, or chooses among them."""
    if access.is_caf_side(request.user):
        return _page(request, caf_side=True)
    conventions = list(access.usage_conventions(request.user).select_related("caf")[:201])
    if not conventions:
        raise Http404
    if len(conventions) == 1:
        return redirect("statistiques:convention", conventions[0].pk)
    return render(request, "supervision/stats_choose.html", {
        "title": TITLE, "conventions": conventions[:200], "breadcrumb": [{"title": TITLE}]})


@login_required
def convention(request, convention_id: int):
    return _page(request, caf_side=False, convention_id=convention_id)


@login_required
def export(request, table: str):
    return _page(request, caf_side=True, table=table)


@login_required
def convention_export(request, convention_id: int, table: str):
    return _page(request, caf_side=False, convention_id=convention_id, table=table)


def _page(request, *, caf_side: bool, convention_id=None, table: str | None = None):
    # The access answer comes first: a form is never shown to someone with no business here.
    scope = access.usage_scope_for_cafs(request.user) if caf_side else access.usage_scope_for_convention(
        request.user, convention_id)
    if table is not None and table not in TABLES:
        raise Http404
    national = caf_side and scope.caf_ids is None
    form = PeriodForm(request.GET or None, cafs=access.supervised_cafs(request.user) if national else None)
    if form.is_valid() and national and form.cleaned_data.get("caf"):
        scope = access.usage_scope_for_cafs(request.user, form.cleaned_data["caf"].pk)
    context = {"title": TITLE, "form": form, "scope": scope, "caf_side": caf_side, "columns": COLUMNS,
               "breadcrumb": _crumbs(scope, caf_side)}
    if not form.is_valid():
        if table is not None:
            raise Http404
        return render(request, "supervision/stats.html", context, status=400)
    catch_up = usage_catch_up()
    data = form.cleaned_data
    tables = UsageTables(scope, data["start"], data["end"], data["unit"])
    if table is not None:
        return csv_response(table, tables, scope, data)
    context.update(_tables(request, tables, scope, caf_side, data["unit"]))
    context.update({"catch_up": catch_up, "cursor": UsageCursor.objects.filter(pk=1).first(),
                    "query": request.GET.urlencode(), "exports": _exports(scope, caf_side)})
    return render(request, "supervision/stats.html", context)


def _tables(request, tables: UsageTables, scope, caf_side: bool, unit: str) -> dict:
    periods = tables.periods()
    users = tables.users()
    tabs = tables.tabs()
    roles = tables.roles()
    group_page = Paginator(tables.groups(), PAGE_SIZE).get_page(request.GET.get("page_groupes"))
    user_page = Paginator(users, PAGE_SIZE).get_page(request.GET.get("page_utilisateurs"))
    label_groups(group_page.object_list)
    label_users(user_page.object_list)
    out = {
        "unit_label": UNITS[unit].lower(),
        "periods": periods,
        "totals": tables.totals(periods),
        "active_users": active_users(users),
        "period_chart": charts.column_chart([(short_label(r.key, unit), r.values["consultations"])
                                            for r in periods]),
        "tabs": tabs,
        "tab_chart": charts.bar_chart([(r.label, r.values["tabs"]) for r in tabs]),
        "roles": roles,
        "role_chart": charts.bar_chart([(r.key, r.values["consultations"]) for r in roles[:15]]),
        "group_page": group_page,
        "user_page": user_page,
    }
    if caf_side:
        out["convention_page"] = Paginator(tables.conventions(), PAGE_SIZE).get_page(request.GET.get("page_conventions"))
        label_conventions(out["convention_page"].object_list)
    return out


def _crumbs(scope, caf_side: bool) -> list[dict]:
    if caf_side or scope.convention is None:
        return [{"title": TITLE}]
    return [{"title": TITLE, "url": reverse("statistiques:index")}, {"title": scope.convention.label}]


def _exports(scope, caf_side: bool) -> dict[str, str]:
    if caf_side:
        return {t: reverse("statistiques:export", args=[t]) for t in TABLES}
    return {t: reverse("statistiques:convention_export", args=[scope.convention.pk, t]) for t in TABLES}
