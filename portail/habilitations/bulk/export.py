"""Export of one's scope: users (in the import's columns, so a file exported, edited and imported again
round-trips), groups, roles of the groups and memberships, as CSV (one table) or XLSX (one sheet each).

Everything comes from the actor's `Seat`: the people and groups the lists show him, nothing else."""
import csv
import io

from django.db.models import Prefetch

from portail.access import Seat
from portail.accounts.forms_partner import PHONE_RE
from portail.habilitations.models import GroupRole, Membership

from .parse import HEADERS

TABLES = {
    "utilisateurs": "Utilisateurs",
    "groupes": "Groupes",
    "roles": "Rôles des groupes",
    "appartenances": "Appartenances",
}


def safe(value) -> str:
    """A cell a spreadsheet would take for a formula gets an apostrophe first (CSV injection); a telephone
    number such as +33 5 56 00 00 00 stays as it is."""
    text = "" if value is None else str(value)
    if text[:1] in ("=", "@", "\t", "\r") or (text[:1] in ("+", "-") and not PHONE_RE.match(text)):
        return "'" + text
    return text


def _day(value) -> str:
    return f"{value:%d/%m/%Y}" if value else ""


def export_tables(seat: Seat) -> dict[str, list[list[str]]]:
    """The four tables of the actor's scope, header first. Five queries whatever the sizes."""
    groups = list(seat.groups().select_related("parent", "responsable").order_by("path"))
    in_scope = Membership.objects.filter(group__in=seat.groups()).select_related("group").order_by("group__path")
    people = list(seat.users().order_by("last_name", "first_name", "username")
                  .prefetch_related(Prefetch("memberships", queryset=in_scope, to_attr="scoped")))
    users = [list(HEADERS)]
    memberships = [["identifiant", "nom", "prénom", "statut de la personne", "groupe", "depuis le", "date de fin"]]
    for person in people:
        ends = {m.ends_on for m in person.scoped}
        users.append([person.username, person.last_name, person.first_name, person.email, person.phone,
                      "|".join(m.group.code for m in person.scoped),
                      _day(ends.pop()) if len(ends) == 1 else "", "update"])
        for m in person.scoped:
            memberships.append([person.username, person.last_name, person.first_name,
                                person.get_status_display().lower(), m.group.code, _day(m.added_at),
                                _day(m.ends_on)])
    group_rows = [["code", "libellé", "niveau", "groupe parent", "responsable des habilitations", "date d'ouverture",
                   "date de clôture", "statut"]]
    for g in groups:
        group_rows.append([g.code, g.label, str(g.level), g.parent.code if g.parent else "",
                           g.responsable.username if g.responsable else "", _day(g.opening_date),
                           _day(g.closing_date), g.get_status_display().lower()])
    roles = [["groupe", "rôle", "libellé du rôle", "service", "état"]]
    for gr in (GroupRole.objects.filter(group__in=seat.groups()).select_related("group", "role", "role__service")
               .order_by("group__path", "role__code")):
        roles.append([gr.group.code, gr.role.code, gr.role.label, gr.role.service.code, gr.get_state_display()])
    return {"utilisateurs": users, "groupes": group_rows, "roles": roles, "appartenances": memberships}


def counts_of(tables: dict[str, list[list[str]]]) -> dict[str, int]:
    return {name: len(rows) - 1 for name, rows in tables.items()}


def as_csv(rows: list[list[str]]) -> bytes:
    """UTF-8 with a BOM and `;`, as French spreadsheets open it."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    for row in rows:
        writer.writerow([safe(v) for v in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def as_xlsx(tables: dict[str, list[list[str]]]) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    for name, rows in tables.items():
        sheet = workbook.create_sheet(TABLES[name][:31])
        for row in rows:
            sheet.append([safe(v) for v in row])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
