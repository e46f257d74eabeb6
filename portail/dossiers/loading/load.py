"""Loading an extract: each batch of lines validated, then written in one transaction, or refused whole.

Policy: lines are read in batches of `batch_size` (default 1000). A batch with one bad line (or one the
database refuses) is refused whole — nothing of it is written — and the load goes on with the next
batch; every error is reported with its line number. A file whose content hash is the one stored on
its dossier is skipped, so loading the same extract twice changes nothing. A changed file is replaced
(its dossier row updated, its tables rewritten); a `close` line (incremental extracts) radiates the
file and ends its running rights. Files absent from an extract are never touched, whatever its kind.
"""
from dataclasses import dataclass, field
from itertools import islice
from typing import Iterable, Iterator

from django.db import DatabaseError, transaction

from portail.conventions.models import Caf
from portail.journal import events

from ..models import Dossier, Right
from .bulk import insert_rows
from .schema import DOSSIER_FIELDS, TABLES
from .validate import Record, parse_header, parse_line

CHILD_MODELS = tuple(t.model for t in TABLES)
MAX_ERRORS_KEPT = 1000


class ExtractRefused(Exception):
    """The extract cannot be read at all (its header): nothing loaded."""


class BatchRefused(Exception):
    def __init__(self, errors: list[str]):
        super().__init__(errors[0])
        self.errors = errors


@dataclass
class LoadReport:
    extract: str = ""
    files: int = 0  # file lines of accepted batches
    created: int = 0
    replaced: int = 0
    unchanged: int = 0
    closed: int = 0
    rows: int = 0  # child rows written
    batches: int = 0
    refused_batches: int = 0
    refused_lines: int = 0  # lines of refused batches, good or bad
    errors: list[str] = field(default_factory=list)
    error_count: int = 0

    def counts(self) -> dict:
        return {k: getattr(self, k) for k in ("files", "created", "replaced", "unchanged", "closed", "rows",
                                              "batches", "refused_batches", "refused_lines", "error_count")}


def load_lines(lines: Iterable[str], *, batch_size: int = 1000, source: str = "", journal: bool = True,
               progress=None) -> LoadReport:
    """Load an extract given as its lines (header first)."""
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    report = LoadReport()
    numbered = ((n, text) for n, text in enumerate(lines, start=1) if text.strip())
    try:
        first = next(numbered, None)
        if first is None:
            raise ExtractRefused("le fichier est vide : un en-tête est attendu en ligne 1.")
        try:
            header = parse_header(first[1])
        except ValueError as exc:
            raise ExtractRefused(str(exc)) from None
        report.extract = header.extract
        cafs = dict(Caf.objects.values_list("code", "id"))
        for batch in _chunks(numbered, batch_size):
            report.batches += 1
            try:
                records = _parse_batch(batch, header.extract, cafs)
                with transaction.atomic():
                    _apply(records, report)
            except BatchRefused as exc:
                _refuse(report, batch, exc.errors)
            except DatabaseError as exc:
                _refuse(report, batch, [f"lignes {batch[0][0]} à {batch[-1][0]} : refusées par la base de données "
                                        f"({str(exc).strip().splitlines()[0]})."])
            if progress:
                progress(report)
    except ExtractRefused as exc:
        report.errors.append(str(exc))
        report.error_count += 1
        if journal:
            events.dossiers_loaded(source=source, extract=report.extract, counts=report.counts(), refused=str(exc))
        raise
    if journal:
        produced = {k: v for k, v in (("produced_at", header.produced_at), ("producer", header.producer)) if v}
        events.dossiers_loaded(source=source, extract=report.extract, counts=report.counts(), produced=produced)
    return report


def _chunks(items: Iterator, size: int) -> Iterator[list]:
    while chunk := list(islice(items, size)):
        yield chunk


def _refuse(report: LoadReport, batch, errors: list[str]) -> None:
    report.refused_batches += 1
    report.refused_lines += len(batch)
    report.error_count += len(errors)
    report.errors.extend(errors[: max(0, MAX_ERRORS_KEPT - len(report.errors))])


def _parse_batch(batch, extract: str, cafs: dict) -> list[Record]:
    records, errors, seen = [], [], {}
    for line, text in batch:
        record, problems = parse_line(text, line=line, extract=extract, cafs=cafs)
        if problems:
            errors.extend(problems)
            continue
        key = (record.caf_id, record.number)
        if key in seen:
            errors.append(f"ligne {line}, champ « number » : le dossier {record.caf_code}/{record.number} figure "
                          f"déjà ligne {seen[key]} de ce lot.")
            continue
        seen[key] = line
        records.append(record)
    if errors:
        raise BatchRefused(errors)
    return records


def _apply(records: list[Record], report: LoadReport) -> None:
    """Write one batch (inside its transaction); BatchRefused rolls it back."""
    existing = {
        (d.caf_id, d.number): d
        for d in Dossier.objects.select_for_update().filter(
            caf_id__in={r.caf_id for r in records}, number__in=[r.number for r in records]
        ).only("id", "caf_id", "number", "content_hash")
    }
    unknown = [r for r in records if r.action == "close" and (r.caf_id, r.number) not in existing]
    if unknown:
        raise BatchRefused([f"ligne {r.line}, champ « number » : dossier {r.caf_code}/{r.number} inconnu du portail, "
                            f"il ne peut pas être radié." for r in unknown])
    created, replaced, closing, unchanged = [], [], [], 0
    for record in records:
        current = existing.get((record.caf_id, record.number))
        if current is not None and current.content_hash == record.digest:
            unchanged += 1
        elif record.action == "close":
            closing.append((current, record))
        elif current is None:
            created.append(record)
        else:
            replaced.append((current, record))
    if replaced:
        ids = [d.pk for d, _ in replaced]
        for model in CHILD_MODELS:
            model.objects.filter(dossier_id__in=ids).delete()
        names = [f.name for f in DOSSIER_FIELDS]
        for dossier, record in replaced:
            for name, value in record.values.items():
                setattr(dossier, name, value)
            dossier.content_hash = record.digest
        Dossier.objects.bulk_update([d for d, _ in replaced], [*names, "content_hash"], batch_size=500)
    if created:
        rows = [Dossier(caf_id=r.caf_id, number=r.number, content_hash=r.digest, **r.values) for r in created]
        Dossier.objects.bulk_create(rows)
        for row, record in zip(rows, created):
            record.dossier_id = row.pk
    for dossier, record in replaced:
        record.dossier_id = dossier.pk
    by_model: dict[type, list] = {m: [] for m in CHILD_MODELS}
    for record in [*created, *(r for _, r in replaced)]:
        for model, values in record.children:
            values["dossier_id"] = record.dossier_id
            by_model[model].append(values)
    for model, items in by_model.items():
        if items:
            insert_rows(model, items)
    for dossier, record in closing:
        _close(dossier, record)
    # Counted once the batch is written: a refused batch counts nothing but its refusal.
    report.rows += sum(len(items) for items in by_model.values())
    report.files += len(records)
    report.created += len(created)
    report.replaced += len(replaced)
    report.closed += len(closing)
    report.unchanged += unchanged


def _close(dossier: Dossier, record: Record) -> None:
    """Radiation: the file's status and reason, its running rights ended on the day."""
    Dossier.objects.filter(pk=dossier.pk).update(
        status=Dossier.Status.CLOSED, status_reason=record.reason, last_change_on=record.closed_on,
        content_hash=record.digest,
    )
    running = Right.objects.filter(dossier_id=dossier.pk).exclude(status=Right.Status.CLOSED)
    running.filter(end_date__isnull=True).update(end_date=record.closed_on)
    running.filter(end_date__gt=record.closed_on).update(end_date=record.closed_on)
    running.update(status=Right.Status.CLOSED, status_reason=record.reason)
