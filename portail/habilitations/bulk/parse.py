"""Reading an uploaded file of users: the standard `csv` module for CSV, openpyxl for XLSX.

The whole file is refused (`FileRefused`, a French message) when it cannot be read as a table of users:
wrong encoding, unknown format, missing or unknown column, more than `MAX_LINES` lines. Otherwise each
line becomes a dict of stripped texts keyed by column, with its line number in the file.
"""
import csv
import hashlib
import io
import unicodedata
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime

MAX_LINES = 10_000
MAX_BYTES = 4 * 1024 * 1024  # within the page's request limit (settings.REQUEST_BODY_LIMITS)


@dataclass(frozen=True)
class Column:
    key: str
    header: str  # as written in the template
    required: bool
    help: str
    aliases: tuple[str, ...] = ()


COLUMNS = (
    Column("identifiant", "identifiant", True,
           "Vide pour créer la personne (son identifiant sera généré) ; son identifiant pour la modifier ou la "
           "clôturer."),
    Column("nom", "nom", True, "Nom de famille.", ("nom de famille",)),
    Column("prenom", "prénom", True, "Prénom(s).", ("prenoms",)),
    Column("email", "email", True, "Adresse mail : le lien d'activation y est envoyé à la création. Une adresse "
           "ne se change pas par import (« Modifier l'utilisateur » la fait confirmer).",
           ("e mail", "mail", "adresse mail", "courriel")),
    Column("telephone", "téléphone", False, "Facultatif, 10 chiffres.", ("tel", "telephone portable")),
    Column("groupes", "groupes", True,
           "Codes des groupes séparés par « | » (par exemple GROUPE01|SG2). À la modification, la personne est "
           "retirée de ceux de vos groupes qui ne sont pas cités ; ses autres groupes ne changent pas.",
           ("groupe", "codes groupes")),
    Column("date_fin", "date de fin", False,
           "Facultative, jj/mm/aaaa : dernier jour où l'appartenance aux groupes de la ligne donne des droits "
           "(remplacement, stage), pas avant aujourd'hui. Vide : sans date de fin (à la modification, celle des "
           "groupes cités est retirée).", ("fin", "date fin")),
    Column("action", "action", False,
           "Facultative : create (créer), update (modifier) ou close (clôturer). Vide : create sans identifiant, "
           "update avec un identifiant."),
)
HEADERS = tuple(c.header for c in COLUMNS)


class FileRefused(Exception):
    """The whole file is refused: nothing of it is read further."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass
class ParsedFile:
    name: str
    sha256: str
    rows: list[dict] = field(default_factory=list)  # {"line": n, "<column key>": text, …}


def _normalise(header: str) -> str:
    text = unicodedata.normalize("NFKD", str(header or "")).encode("ascii", "ignore").decode().lower()
    for sep in "_-.'’":
        text = text.replace(sep, " ")
    return " ".join(text.split())


_BY_NAME = {}
for _column in COLUMNS:
    for _name in (_column.key, _column.header, *_column.aliases):
        _BY_NAME[_normalise(_name)] = _column


def _cell(value) -> str:
    """An XLSX cell as the text a CSV would hold."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        return f"{value:%d/%m/%Y}"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _csv_rows(data: bytes):
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise FileRefused("Le fichier n'est pas encodé en UTF-8 : dans votre tableur, enregistrez-le au format "
                          "« CSV UTF-8 » (ou déposez un fichier XLSX), puis recommencez.")
    if "\x00" in text:
        raise FileRefused("Ce fichier n'est pas un fichier texte CSV : déposez un fichier CSV (UTF-8) ou XLSX.")
    first = next((line for line in text.splitlines() if line.strip()), "")
    delimiter = ";" if first.count(";") >= first.count(",") and ";" in first else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        for row in reader:
            yield [cell for cell in row]
    except csv.Error as error:
        raise FileRefused(f"Le fichier CSV est mal formé à la ligne {reader.line_num} ({error}) : vérifiez les "
                          "guillemets et les séparateurs.")


def _xlsx_rows(data: bytes):
    from openpyxl import load_workbook  # read only when an XLSX file comes

    unreadable = FileRefused("Le classeur XLSX n'a pas pu être lu : enregistrez-le à nouveau depuis votre tableur "
                             "(format « Classeur Excel .xlsx »), ou déposez-le au format CSV UTF-8.")
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds on a damaged or foreign zip
        raise unreadable
    try:
        sheet = workbook.worksheets[0]
        for row in sheet.iter_rows(values_only=True):
            yield [_cell(v) for v in row]
    except FileRefused:
        raise
    except Exception:
        raise unreadable
    finally:
        workbook.close()


def parse_file(name: str, data: bytes) -> ParsedFile:
    """The file's rows, or `FileRefused`."""
    if not data:
        raise FileRefused("Le fichier est vide.")
    if len(data) > MAX_BYTES:
        raise FileRefused(f"Le fichier dépasse {MAX_BYTES // (1024 * 1024)} Mo : découpez-le en plusieurs fichiers "
                          f"de {MAX_LINES:,} lignes au plus.".replace(",", " "))
    lower = name.lower()
    if data[:4] == b"PK\x03\x04":
        rows = _xlsx_rows(data)
    elif lower.endswith((".xlsx", ".xls", ".ods", ".xlsm")):
        raise FileRefused("Format non pris en charge : déposez un fichier CSV (UTF-8) ou XLSX.")
    else:
        rows = _csv_rows(data)
    parsed = ParsedFile(name=name, sha256=hashlib.sha256(data).hexdigest())
    header = None
    line = 0
    for raw in rows:
        line += 1
        cells = [str(c).strip() for c in raw]
        if not any(cells):
            continue
        if header is None:
            header = _header(cells)
            continue
        if len(parsed.rows) >= MAX_LINES:
            raise FileRefused(f"Le fichier compte plus de {MAX_LINES:,} lignes : découpez-le en plusieurs fichiers "
                              f"de {MAX_LINES:,} lignes au plus.".replace(",", " "))
        row = {"line": line}
        for index, column in enumerate(header):
            row[column.key] = cells[index] if index < len(cells) else ""
        if any(cells[len(header):]):
            row["_error"] = "La ligne compte plus de cellules que l'en-tête : vérifiez les séparateurs."
        for column in COLUMNS:
            row.setdefault(column.key, "")
        parsed.rows.append(row)
    if header is None:
        raise FileRefused("Le fichier est vide : la première ligne doit nommer les colonnes ("
                          + ", ".join(HEADERS) + ").")
    if not parsed.rows:
        raise FileRefused("Le fichier ne contient aucune ligne sous l'en-tête.")
    return parsed


def _header(cells: list[str]) -> list[Column]:
    columns, unknown = [], []
    for cell in cells:
        column = _BY_NAME.get(_normalise(cell))
        if column is None:
            unknown.append(cell)
        elif column in columns:
            raise FileRefused(f"La colonne « {column.header} » apparaît deux fois dans l'en-tête.")
        else:
            columns.append(column)
    expected = "Les colonnes attendues sont : " + ", ".join(HEADERS) + " (téléphone, date de fin et action facultatives)."
    missing = [c.header for c in COLUMNS if c.required and c not in columns]
    if missing:
        noun = "Colonne manquante" if len(missing) == 1 else "Colonnes manquantes"
        raise FileRefused(f"{noun} : " + ", ".join(f"« {m} »" for m in missing) + ". " + expected)
    if unknown:
        noun = "Colonne inconnue" if len(unknown) == 1 else "Colonnes inconnues"
        raise FileRefused(f"{noun} : " + ", ".join(f"« {u[:40]} »" for u in unknown) + ". " + expected)
    return columns


def template_rows() -> list[list[str]]:
    """The template offered for download: the header and two example lines."""
    return [
        list(HEADERS),
        ["", "Dupont", "Marie", "marie.dupont@exemple.fr", "05 56 00 00 00", "GROUPE01|SG2", "", "create"],
        ["AAAA0001", "Durand", "Paul", "paul.durand@exemple.fr", "", "GROUPE01", "31/12/2026", "update"],
    ]
