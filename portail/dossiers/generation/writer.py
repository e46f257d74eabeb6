"""Generated files go out in the interchange format and come in through the loader, as a Caf's would.

Dossier number i of a (seed, Caf) is always the same file: each one is drawn from its own random
stream seeded by (seed, Caf code, i), so the result does not depend on the batch size, and numbers
already present are not even built (running it twice changes nothing).
"""
import random
from dataclasses import dataclass
from datetime import date
from typing import Iterable, Iterator

from portail.core.clock import today

from ..loading import dumps, file_record, header_line, load_lines
from ..models import Dossier
from .build import Built, build_dossier
from .pools import Pools, dossier_number

PRODUCER = "générateur de démonstration du portail"


@dataclass
class Report:
    created: int = 0
    skipped: int = 0
    rows: int = 0


def built_files(*, caf, seed: int, indexes, ref: date, pools: Pools) -> list[Built]:
    """Files of the (seed, Caf) sequence, in memory (nothing written)."""
    return [
        build_dossier(caf=caf, number=dossier_number(seed, caf.code, i), r=random.Random(f"{seed}:{caf.code}:{i}"),
                      pools=pools, ref=ref)
        for i in indexes
    ]


def file_lines(built: Iterable[Built], caf_code: str) -> Iterator[str]:
    for b in built:
        yield dumps(file_record(caf_code=caf_code, dossier=b.dossier, children=b.children))


def extract_lines(*, caf, count: int, seed: int, ref: date, pools: Pools, first: int = 0,
                  chunk: int = 1000) -> Iterator[str]:
    """The `count` files of the (seed, Caf) sequence from index `first`, as format lines (no header)."""
    for start in range(first, first + count, chunk):
        yield from file_lines(built_files(caf=caf, seed=seed, indexes=range(start, min(first + count, start + chunk)),
                                          ref=ref, pools=pools), caf.code)


def generate_dossiers(*, caf, count: int, seed: int, reference: date | None = None, batch_size: int = 1000,
                      pools: Pools | None = None, progress=None) -> Report:
    """Create `count` files numbered from the (seed, Caf) sequence through the loader (`dossiers_load`'s
    path: format, validation, bulk load, one journal entry); numbers already present are skipped."""
    ref = reference or today()
    pools = pools or Pools.build(seed)
    report = Report()

    def lines() -> Iterator[str]:
        yield header_line(extract="complete", producer=PRODUCER)
        for first in range(0, count, batch_size):
            numbers = {i: dossier_number(seed, caf.code, i) for i in range(first, min(count, first + batch_size))}
            existing = set(Dossier.objects.filter(caf=caf, number__in=list(numbers.values()))
                           .values_list("number", flat=True))
            report.skipped += len(existing)
            yield from file_lines(built_files(caf=caf, seed=seed, indexes=[i for i, n in numbers.items()
                                                                           if n not in existing],
                                              ref=ref, pools=pools), caf.code)

    def loaded(load) -> None:
        report.created, report.rows = load.created, load.created + load.rows
        if progress:
            progress(report)

    load = load_lines(lines(), batch_size=batch_size, progress=loaded,
                      source=f"generate_dossiers caf={caf.code} seed={seed} count={count}")
    if load.error_count:  # the generator's own output must always load: a refusal is a bug, say it loudly
        raise RuntimeError("generated files refused by the loader: " + " | ".join(load.errors[:5]))
    loaded(load)
    return report
