"""Reading one line of an extract: a header, or a file turned into model values, or French errors.

Each error names its line and its field (`payments[3].amount`), so a Caf can fix its extract. The
converters are built once per field from the format (schema.py), not per line: a national extract
has millions of rows.
"""
import hashlib
import json
import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from portail.core.errors import BusinessError
from portail.core.text import clean_text

from ..models import NUMBER_VALIDATOR
from .schema import ACTIONS, DOSSIER_FIELDS, EXTRACTS, FORMAT, READ_FORMATS, TABLE_BY_KEY, TABLES, Field

DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
MONTH_RE = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")  # category Cc but tab and line breaks
NUMBER_RE = re.compile(NUMBER_VALIDATOR.regex.pattern)
CAF_RE = re.compile(r"^\d{3}$")


class Invalid(Exception):
    """One field's problem, in French."""


@dataclass
class Header:
    extract: str
    produced_at: str = ""
    producer: str = ""


@dataclass
class Record:
    line: int
    caf_id: int
    caf_code: str
    number: str
    action: str  # upsert | close
    digest: str  # sha256 of the canonical line: the file's content hash
    values: dict = field(default_factory=dict)  # Dossier columns
    children: list = field(default_factory=list)  # (model, values)
    closed_on: date | None = None
    reason: str = ""
    dossier_id: int | None = None  # set when written


def canonical_digest(obj: dict) -> str:
    text = json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


# ---------------------------------------------------------------- one converter per field


def _converter(f: Field):
    column, kind, name = f.column, f.kind, f.name
    if kind == "text":
        limit, required = column.max_length, f.required

        def text(value):
            if not isinstance(value, str):
                raise Invalid("texte attendu.")
            if len(value) <= limit and not CONTROL_RE.search(value) and (value.strip() or not required):
                return value.strip()
            try:
                return clean_text(value, field=name, max_length=limit, required=required)
            except BusinessError as exc:
                raise Invalid(exc.text) from None
        return text
    if kind == "choice":
        allowed = set(f.choices)
        shown = ", ".join(f.choices)

        def choice(value):
            if value not in allowed:
                raise Invalid(f"valeur {json.dumps(value, ensure_ascii=False)} inconnue ; valeurs possibles : {shown}.")
            return value
        return choice
    if kind == "date":
        return _date
    if kind == "month":
        return _month
    if kind == "decimal":
        whole, places = column.max_digits - column.decimal_places, column.decimal_places
        pattern = re.compile(rf"^-?\d{{1,{whole}}}\.\d{{{places}}}$")

        def decimal(value):
            if not isinstance(value, str) or not pattern.match(value):
                raise Invalid(f"montant attendu en texte, point décimal et {places} décimales, au plus {whole} "
                              f"chiffres avant le point (ex. « 412.42 »).")
            return Decimal(value)
        return decimal
    if kind == "integer":
        top = 32767 if column.get_internal_type() == "PositiveSmallIntegerField" else 2147483647

        def integer(value):
            if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= top:
                raise Invalid(f"nombre entier de 0 à {top} attendu.")
            return value
        return integer

    def boolean(value):
        if not isinstance(value, bool):
            raise Invalid("true ou false attendu.")
        return value
    return boolean


def _date(value):
    if not isinstance(value, str) or not DATE_RE.match(value):
        raise Invalid("date attendue au format AAAA-MM-JJ.")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise Invalid(f"la date {value} n'existe pas.") from None


def _month(value):
    match = MONTH_RE.match(value) if isinstance(value, str) else None
    if not match:
        raise Invalid("mois attendu au format AAAA-MM.")
    return date(int(match[1]), int(match[2]), 1)


@dataclass(frozen=True)
class Compiled:
    names: frozenset
    fields: tuple  # (name, converter, required, nullable, default)


def _compile(fields) -> Compiled:
    return Compiled(frozenset(f.name for f in fields),
                    tuple((f.name, _converter(f), f.required, f.nullable, f.default) for f in fields))


DOSSIER = _compile(DOSSIER_FIELDS)
COMPILED = {t.key: _compile(t.fields) for t in TABLES}
KEY_OF = {t.model: t.key for t in TABLES}
FILE_KEYS = {"caf", "number", "action"} | set(TABLE_BY_KEY) | DOSSIER.names
CLOSE_KEYS = {"caf", "number", "action", "closed_on", "reason"}


_ABSENT = object()


def _convert(obj, compiled: Compiled, path: str, errors: list) -> dict:
    if not isinstance(obj, dict):
        errors.append((path.rstrip("."), "objet JSON attendu."))
        return {}
    for key in obj.keys() - compiled.names:
        errors.append((f"{path}{key}", "champ inconnu du format."))
    out = {}
    for name, convert, required, nullable, default in compiled.fields:
        value = obj.get(name, _ABSENT)
        if value is _ABSENT or value is None:
            if required or (value is None and not nullable):
                errors.append((f"{path}{name}", "champ obligatoire." if value is _ABSENT else "null n'est pas permis."))
            else:
                out[name] = default
            continue
        try:
            out[name] = convert(value)
        except Invalid as exc:
            errors.append((f"{path}{name}", str(exc)))
    return out


# ---------------------------------------------------------------- lines


def parse_header(text: str) -> Header:
    """The first line; a ValueError (French) when it is not a header of this format."""
    try:
        obj = json.loads(text)
    except ValueError:
        raise ValueError("ligne 1 : l'en-tête n'est pas un objet JSON valide.") from None
    if not isinstance(obj, dict) or obj.get("format") not in READ_FORMATS:
        raise ValueError(f"ligne 1 : en-tête attendu avec \"format\": \"{FORMAT}\" (format inconnu ou absent).")
    if obj.get("extract") not in EXTRACTS:
        raise ValueError("ligne 1, champ « extract » : « complete » ou « incremental » attendu.")
    unknown = obj.keys() - {"format", "extract", "produced_at", "producer"}
    if unknown:
        raise ValueError(f"ligne 1 : champ inconnu de l'en-tête : {', '.join(sorted(unknown))}.")
    return Header(extract=obj["extract"], produced_at=str(obj.get("produced_at", "")),
                  producer=str(obj.get("producer", ""))[:200])


def parse_line(text: str, *, line: int, extract: str, cafs: dict[str, int]) -> tuple[Record | None, list[str]]:
    """A file line → (Record, []) or (None, errors « ligne N, champ « x » : … »)."""
    errors: list[tuple[str, str]] = []
    try:
        obj = json.loads(text)
    except ValueError as exc:
        return None, [f"ligne {line} : JSON invalide ({exc.msg}, colonne {exc.colno})."]
    if not isinstance(obj, dict):
        return None, [f"ligne {line} : un objet JSON (un dossier) est attendu."]
    caf, number, action = obj.get("caf"), obj.get("number"), obj.get("action", "upsert")
    if not isinstance(caf, str) or not CAF_RE.match(caf):
        errors.append(("caf", "code de Caf à 3 chiffres attendu."))
    elif caf not in cafs:
        errors.append(("caf", f"Caf {caf} inconnue du portail."))
    if not isinstance(number, str) or not NUMBER_RE.match(number):
        errors.append(("number", "numéro allocataire à 7 chiffres attendu."))
    if action not in ACTIONS:
        errors.append(("action", "« upsert » ou « close » attendu."))
    elif action == "close" and extract != "incremental":
        errors.append(("action", "une radiation (« close ») n'est permise que dans un extrait incrémental."))
    record = Record(line=line, caf_id=cafs.get(caf, 0), caf_code=caf, number=number, action=action, digest="")
    if action == "close":
        for key in obj.keys() - CLOSE_KEYS:
            errors.append((key, "champ inconnu pour une radiation."))
        try:
            record.closed_on = _date(obj.get("closed_on"))
        except Invalid as exc:
            errors.append(("closed_on", str(exc)))
        reason = obj.get("reason", "Radiation du dossier")
        try:
            record.reason = clean_text(reason if isinstance(reason, str) else "", field="reason", max_length=200)
        except BusinessError as exc:
            errors.append(("reason", exc.text))
    elif action == "upsert":
        for key in obj.keys() - FILE_KEYS:
            errors.append((key, "champ inconnu du format."))
        record.values = _convert({k: v for k, v in obj.items() if k in DOSSIER.names}, DOSSIER, "", errors)
        for key, table in TABLE_BY_KEY.items():
            rows = obj.get(key)
            if rows is None:
                continue
            if table.many:
                if not isinstance(rows, list):
                    errors.append((key, "liste JSON attendue."))
                    continue
                for i, row in enumerate(rows):
                    record.children.append((table.model, _convert(row, COMPILED[key], f"{key}[{i}].", errors)))
            else:
                record.children.append((table.model, _convert(rows, COMPILED[key], f"{key}.", errors)))
        if not errors:
            errors.extend(_coherence(record))
    if errors:
        return None, [f"ligne {line}, champ « {name} » : {message}" for name, message in errors]
    record.digest = canonical_digest(obj)
    return record, []


def _coherence(record: Record) -> list[tuple[str, str]]:
    """What a column type cannot say: periods in order, net = gross − CRDS − deduction."""
    problems = []
    seen: dict[type, int] = {}
    for model, values in record.children:
        i = seen[model] = seen.get(model, -1) + 1
        key = KEY_OF[model]
        where = f"{key}[{i}]" if TABLE_BY_KEY[key].many else key
        for start, end in (("start_date", "end_date"), ("period_start", "period_end")):
            if values.get(start) and values.get(end) and values[end] < values[start]:
                problems.append((f"{where}.{end}", f"la fin précède le début ({values[start].isoformat()})."))
        if key == "payments" and values["gross_amount"]:
            net = values["gross_amount"] - values["crds"] - values["deduction"]
            if values["amount"] != net:
                problems.append((f"{where}.amount", f"le net versé doit être brut − CRDS − retenue, soit {net:.2f}."))
        if key == "debts" and values["remaining"] > values["amount"]:
            problems.append((f"{where}.remaining", "le reste dû dépasse le montant de la créance."))
    return problems

