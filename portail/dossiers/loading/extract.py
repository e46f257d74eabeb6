"""Writing the format: a header line, then one line per file (what the generator and tests produce)."""
import json
from datetime import date, datetime
from decimal import Decimal

from django.utils import timezone

from .schema import DOSSIER_FIELDS, EXTRACTS, FORMAT, TABLES


def header_line(*, extract: str = "complete", producer: str = "") -> str:
    assert extract in EXTRACTS
    header = {"format": FORMAT, "extract": extract, "produced_at": timezone.now().isoformat(timespec="seconds")}
    if producer:
        header["producer"] = producer
    return dumps(header)


def dumps(obj: dict) -> str:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"))


def _value(value, kind: str):
    if value is None:
        return None
    if kind == "month":
        return value.strftime("%Y-%m")
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return value


_KINDS = {id(f): f.kind for f in DOSSIER_FIELDS} | {id(f): f.kind for t in TABLES for f in t.fields}


def _row(fields, values: dict) -> dict:
    return {f.name: _value(values[f.name] if f.name in values else f.default, _KINDS[id(f)]) for f in fields}


def file_record(*, caf_code: str, dossier, children) -> dict:
    """One file as the format writes it: `dossier` a Dossier (unsaved is fine), `children` (model, values)."""
    record = {"caf": caf_code, "number": dossier.number}
    record.update(_row(DOSSIER_FIELDS, {f.name: getattr(dossier, f.name) for f in DOSSIER_FIELDS}))
    for table in TABLES:
        rows = [_row(table.fields, values) for model, values in children if model is table.model]
        record[table.key] = rows if table.many else (rows[0] if rows else None)
    return record


def close_record(*, caf_code: str, number: str, closed_on: date, reason: str = "") -> dict:
    record = {"caf": caf_code, "number": number, "action": "close", "closed_on": closed_on.isoformat()}
    if reason:
        record["reason"] = reason
    return record
