"""CSV export of each table of « Statistiques d'usage » (semicolon-separated, UTF-8 with BOM for spreadsheets)."""
import csv

from django.http import HttpResponse

from .stats_data import COLUMNS, label_conventions, label_groups, label_users

HEADS = {
    "periodes": ["Période"],
    "onglets": ["Onglet"],
    "roles": ["Rôle"],
    "groupes": ["Groupe", "Convention"],
    "utilisateurs": ["Identifiant", "Nom"],
    "conventions": ["Convention", "Organisation partenaire"],
}


def _safe(value) -> str:
    """A cell a spreadsheet would take for a formula is prefixed by an apostrophe (CSV injection)."""
    text = str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def csv_response(table: str, tables, scope, data) -> HttpResponse:
    if table == "periodes":
        rows = [([r.label], r) for r in tables.periods()]
    elif table == "onglets":
        rows = [([r.label], r) for r in tables.tabs()]
    elif table == "roles":
        rows = [([r.key], r) for r in tables.roles()]
    elif table == "groupes":
        rows = [([r.label, r.detail], r) for r in label_groups(tables.groups())]
    elif table == "utilisateurs":
        rows = [([r.label, r.detail], r) for r in label_users(tables.users())]
    else:
        rows = [([r.label, r.detail], r) for r in label_conventions(tables.conventions())]
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    name = f"statistiques-{table}-{data['start']:%Y%m%d}-{data['end']:%Y%m%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "private, no-store"
    response.write("\ufeff")
    writer = csv.writer(response, delimiter=";")
    writer.writerow(HEADS[table] + [label for _, label in COLUMNS])
    for head, row in rows:
        writer.writerow([_safe(v) for v in head] + row.cells)
    return response
