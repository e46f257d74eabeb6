"""Caf: the journal — search, an entry's detail, CSV export, the chain's verification, unusual use."""
import csv
from datetime import timedelta
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date

from portail import access
from portail.core.clock import today
from portail.core.decorators import allowed_if
from portail.core.paging import paginate
from portail.core.requests import client_ip
from portail.journal import events
from portail.journal.anchor import AnchorError, last_anchor
from portail.journal.models import Action, JournalEntry, JournalHead
from portail.journal.verify import journal_verify

from ..selectors import journal as selectors
from ..selectors.unusual import unusual_use
from .journal_forms import JournalSearchForm
from .partner_common import batches

caf_side = allowed_if(access.may_take_measures)
TITLE = "Journal"


def _crumbs(*items):
    return [{"title": TITLE, "url": reverse("journal_caf:search")}, *items]


def _rows(entries):
    labels = selectors.labels_for(entries)
    return [{"entry": e, "action": selectors.action_label(e.action),
             "convention": labels["conventions"].get(e.convention_id, e.convention_id or ""),
             "group": labels["groups"].get(e.group_id, ""), "role": labels["roles"].get(e.role_id, ""),
             "target": labels["users"].get(e.target_user_id, "")} for e in entries]


@caf_side
def search(request):
    form = JournalSearchForm(request.GET, user=request.user)
    page = rows = None
    if form.is_valid():
        page = paginate(request, selectors.search(request.user, form.query()))
        rows = _rows(page.object_list)
    kept = {k: v for k, v in request.GET.items() if k != "page" and v}
    return render(request, "supervision/journal_search.html", {
        "title": TITLE, "form": form, "page": page, "rows": rows, "query": urlencode(kept),
        "breadcrumb": [{"title": TITLE}],
    })


def _cell(value) -> str:
    """A spreadsheet must not read a cell as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


class _Echo:
    def write(self, value):
        return value


@caf_side
def export(request):
    form = JournalSearchForm(request.GET, user=request.user)
    if not form.is_valid():
        messages.error(request, "L'export reprend les critères de la recherche : corrigez-les d'abord.")
        return redirect(f"{reverse('journal_caf:search')}?{urlencode(request.GET)}")
    query = form.query()
    entries = selectors.search(request.user, query)
    count = min(entries.count(), selectors.EXPORT_MAX_ROWS)
    # R9: the export is journaled before a single row leaves.
    events.journal_exported(actor=request.user, caf=request.user.caf_id, filters=query.filters, rows=count,
                            ip=client_ip(request))
    writer = csv.writer(_Echo(), delimiter=";")
    header = ["date", "action", "libellé de l'action", "identifiant de l'auteur", "adresse IP", "Caf", "convention",
              "groupe", "rôle", "utilisateur concerné", "numéro allocataire", "détails"]

    def lines():
        yield "\ufeff" + writer.writerow(header)
        for chunk in batches(entries[:count], 2000):
            for row in _rows(chunk):
                e = row["entry"]
                details = " | ".join(f"{k} : {v}" for k, v in selectors.detail_items(e.details))
                yield writer.writerow([_cell(v) for v in (
                    timezone.localtime(e.created_at).strftime("%d/%m/%Y %H:%M:%S"), e.action, row["action"],
                    e.actor_identifier, e.ip_address, e.caf_id, row["convention"], row["group"], row["role"],
                    row["target"], e.dossier_number, details)])

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="journal-{query.date_from}-{query.date_to}.csv"'
    return response


@caf_side
def detail(request, pk: int):
    entry = access.access_journal_entry(request.user, pk)
    row = _rows([entry])[0]
    return render(request, "supervision/journal_detail.html", {
        "title": f"Entrée n° {entry.pk} du journal", "row": row, "entry": entry,
        "details": selectors.detail_items(entry.details),
        "batch": selectors.sealing_batch(entry),
        "breadcrumb": _crumbs({"title": f"Entrée n° {entry.pk}"}),
    })


@caf_side
def verification(request):
    if request.method == "POST":
        if not access.may_verify_journal(request.user):
            raise PermissionDenied
        result = journal_verify()
        events.journal_verified(actor=request.user, ok=result.ok, count=result.count, checked=result.checked,
                                problems=result.problems, ip=client_ip(request))
        if result.ok:
            messages.success(request, f"Journal intègre : {result.count} entrée(s), {result.checked} vérifiée(s) "
                                      "depuis la dernière ancre ; la tête est ancrée.")
        else:
            messages.error(request, f"Journal altéré : {len(result.problems)} anomalie(s). Le détail est ci-dessous "
                                    "et dans l'entrée de vérification du journal.")
        return redirect("journal_caf:verification")
    anchor_error = None
    try:
        anchor = last_anchor()
    except AnchorError as error:
        anchor, anchor_error = None, str(error)
    # The status of the chain is not Caf data: every Caf-side person reads the last verification's result.
    last = JournalEntry.objects.filter(action=Action.JOURNAL_VERIFIED).order_by("-created_at", "-id").first()
    return render(request, "supervision/journal_verification.html", {
        "title": "Vérification du journal", "anchor": anchor, "anchor_error": anchor_error, "last": last,
        "head": JournalHead.objects.filter(pk=1).first(), "may_verify": access.may_verify_journal(request.user),
        "breadcrumb": _crumbs({"title": "Vérification du journal"}),
    })


@caf_side
def unusual(request):
    raw = request.GET.get("jour", "")
    try:
        day = parse_date(raw) if raw else today()
    except ValueError:
        day = None
    error = None
    if day is None or day > today():
        error, day = "Saisissez un jour passé ou aujourd'hui (jj/mm/aaaa).", today()
    return render(request, "supervision/journal_unusual.html", {
        "title": "Usages inhabituels", "use": unusual_use(request.user, day), "day": day, "error": error,
        "previous": day - timedelta(days=1), "next": day + timedelta(days=1) if day < today() else None,
        "breadcrumb": _crumbs({"title": "Usages inhabituels"}),
    })
