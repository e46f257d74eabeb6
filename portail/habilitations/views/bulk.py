"""« Importer des utilisateurs » (file, preview, « Confirmer l'import », error report) and « Exporter »."""
import csv
import hashlib
import io

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.html import format_html
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from portail.core.clock import now
from portail.core.forms import PortalForm
from portail.core.requests import client_ip
from portail.journal import events

from ..bulk import export
from ..bulk.apply import ImportRefused, apply_import, refuse_import
from ..bulk.models import PendingImport, content_digest
from ..bulk.parse import COLUMNS, MAX_BYTES, MAX_LINES, FileRefused, parse_file, template_rows
from ..bulk.preview import KIND_LABELS, REFUSED, as_json, counts, plan_lines
from .common import convention_context, in_convention

PREVIEW_PAGE = 100
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV = "text/csv; charset=utf-8"


class ImportForm(PortalForm):
    file = forms.FileField(
        label="Fichier des utilisateurs",
        help_text=f"CSV (UTF-8, séparateur « ; » ou « , ») ou XLSX, {MAX_LINES:,} lignes au plus.".replace(
            f"{MAX_LINES:,}", f"{MAX_LINES:,}".replace(",", " ")),
        widget=forms.FileInput(attrs={"class": "fr-upload", "accept": ".csv,.xlsx,text/csv," + XLSX}),
        error_messages={"required": "Choisissez le fichier à importer.",
                        "empty": "Le fichier est vide."},
    )


def _attachment(content: bytes, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


def _require_manager(request):
    if not request.seat.can_manage:
        raise PermissionDenied


def _import_context(request, convention, form):
    context = convention_context(request, convention, "Importer des utilisateurs")
    context.update(form=form, columns=COLUMNS, max_lines=f"{MAX_LINES:,}".replace(",", " "))
    return context


@require_http_methods(["GET", "POST"])
@in_convention
def users_import(request, convention):
    _require_manager(request)
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        name = (upload.name or "fichier")[:200]
        data = upload.read(MAX_BYTES + 1)
        try:
            parsed = parse_file(name, data)
        except FileRefused as refusal:
            form.add_error("file", refusal.message)
            with transaction.atomic():
                events.import_refused(actor=request.user, convention=convention, file=name,
                                      sha256=_sha256(data), reason=refusal.message, ip=client_ip(request))
        else:
            pending = _keep(request, convention, parsed)
            return redirect("habilitations:users_import_preview", convention.pk, pending.pk)
    return render(request, "habilitations/users_import.html", _import_context(request, convention, form))


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _keep(request, convention, parsed) -> PendingImport:
    """The preview, stored for its owner; a file with a refused line is refused at once (journaled)."""
    plan = as_json(plan_lines(request.seat, parsed.rows))
    refused = sum(1 for line in plan if line["kind"] == REFUSED)
    with transaction.atomic():
        PendingImport.objects.filter(owner=request.user, expires_at__lt=now()).delete()
        pending = PendingImport.objects.create(
            owner=request.user, convention=convention, file_name=parsed.name, file_sha256=parsed.sha256,
            rows=parsed.rows, plan=plan, digest=content_digest(parsed.rows, plan),
            state=PendingImport.State.REFUSED if refused else PendingImport.State.PENDING,
        )
        if refused:
            events.import_refused(actor=request.user, convention=convention, file=parsed.name, sha256=parsed.sha256,
                                  reason="lignes refusées à l'aperçu", lines=refused, ip=client_ip(request))
    return pending


def _pending(request, convention, import_id) -> PendingImport:
    """Only its owner sees a pending import, in its convention: 404 for anyone else."""
    try:
        return PendingImport.objects.get(pk=int(import_id), owner_id=request.user.pk, convention=convention)
    except (PendingImport.DoesNotExist, ValueError, TypeError):
        raise Http404


@require_GET
@in_convention
def users_import_preview(request, convention, import_id):
    pending = _pending(request, convention, import_id)
    figures = counts(pending.plan)
    page = Paginator(pending.plan, PREVIEW_PAGE).get_page(request.GET.get("page"))
    context = convention_context(request, convention, "Aperçu de l'import", subject=pending.file_name)
    context.update(
        pending=pending, page=page, figures=figures, labels=KIND_LABELS,
        summary=[(KIND_LABELS[k], figures[k]) for k in KIND_LABELS],
        confirmable=(pending.state == PendingImport.State.PENDING and not pending.expired and request.seat.can_manage
                     and not figures[REFUSED]),
    )
    return render(request, "habilitations/users_import_preview.html", context)


@require_POST
@in_convention
def users_import_confirm(request, convention, import_id):
    pending = _pending(request, convention, import_id)
    _require_manager(request)
    try:
        figures = apply_import(actor=request.user, pending=pending, ip=client_ip(request))
    except ImportRefused as refusal:
        refuse_import(actor=request.user, pending=pending, reason=refusal.message, lines=refusal.lines,
                      ip=client_ip(request))
        messages.error(request, refusal.message)
        return redirect("habilitations:users_import_preview", convention.pk, pending.pk)
    messages.success(request, format_html(
        "Import du fichier {} terminé : {} création(s), {} modification(s), {} clôture(s), {} ligne(s) inchangée(s). "
        "Chaque personne créée reçoit un lien d'activation.", pending.file_name, figures["create"], figures["update"],
        figures["close"], figures["unchanged"]))
    return redirect("habilitations:users", convention.pk)


@require_GET
@in_convention
def users_import_errors(request, convention, import_id):
    """The refused lines and their reasons, as CSV."""
    pending = _pending(request, convention, import_id)
    out = io.StringIO(newline="")
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(["ligne", "identifiant", "nom", "résultat", "motifs du refus"])
    for line in pending.plan:
        if line["kind"] == REFUSED:
            writer.writerow([line["line"], export.safe(line["identifiant"]), export.safe(line["name"]),
                             KIND_LABELS[line["kind"]], export.safe(" ; ".join(line["errors"]))])
    return _attachment(("\ufeff" + out.getvalue()).encode(), CSV, f"import-erreurs-{pending.pk}.csv")


@require_GET
@in_convention
def users_import_template(request, convention, file_format):
    _require_manager(request)
    if file_format == "csv":
        return _attachment(export.as_csv(template_rows()), CSV, "modele-import-utilisateurs.csv")
    if file_format == "xlsx":
        return _attachment(export.as_xlsx({"utilisateurs": template_rows()}), XLSX, "modele-import-utilisateurs.xlsx")
    raise Http404


@require_GET
@in_convention
def users_export(request, convention, file_format):
    """Users, groups, roles and memberships of the actor's scope; journaled before the file leaves (R9)."""
    table = request.GET.get("contenu", "utilisateurs")
    if file_format not in ("csv", "xlsx") or (file_format == "csv" and table not in export.TABLES):
        raise Http404
    tables = export.export_tables(request.seat)
    if file_format == "csv":
        tables = {table: tables[table]}
    with transaction.atomic():
        events.scope_exported(actor=request.user, convention=convention, file_format=file_format,
                              counts=export.counts_of(tables), ip=client_ip(request))
    stamp = f"{now():%Y%m%d}"
    if file_format == "csv":
        return _attachment(export.as_csv(tables[table]), CSV, f"{table}-convention-{convention.pk}-{stamp}.csv")
    return _attachment(export.as_xlsx(tables), XLSX, f"perimetre-convention-{convention.pk}-{stamp}.xlsx")
