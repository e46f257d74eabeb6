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


# Per field, once: (name, kind, the default already written), so a line costs one pass over its values.
def _writer(fields) -> tuple:
    return tuple((f.name, f.kind, _value(f.default, f.kind)) for f in fields)


_ABSENT = object()
_DOSSIER_WRITER = _writer(DOSSIER_FIELDS)
_TABLE_WRITERS = tuple((t.key, t.model, t.many, _writer(t.fields)) for t in TABLES)


def _row(writer, values: dict) -> dict:
    row = {}
    for name, kind, default in writer:
        value = values.get(name, _ABSENT)
        row[name] = default if value is _ABSENT else _value(value, kind)
    return row


def file_record(*, caf_code: str, dossier, children) -> dict:
    """One file as the format writes it: `dossier` a Dossier (unsaved is fine), `children` (model, values)."""
    record = {"caf": caf_code, "number": dossier.number}
    record.update(_row(_DOSSIER_WRITER, {name: getattr(dossier, name) for name, _, _ in _DOSSIER_WRITER}))
    by_model: dict = {}
    for model, values in children:
        by_model.setdefault(model, []).append(values)
    for key, model, many, writer in _TABLE_WRITERS:
        rows = [_row(writer, values) for values in by_model.get(model, ())]
        record[key] = rows if many else (rows[0] if rows else None)
    return record


def close_record(*, caf_code: str, number: str, closed_on: date, reason: str = "") -> dict:
    record = {"caf": caf_code, "number": number, "action": "close", "closed_on": closed_on.isoformat()}
    if reason:
        record["reason"] = reason
    return record
