"""What `bench/run.py` hands to the measuring modules (bench/rights.py, bench/journal.py): `measure(ctx) -> dict`.

When `measure` runs, Django is set up (settings `config.settings.bench`) and its `default` alias is the benchmark
database, built and analysed. `measure` returns {"rows": [row, …], "details": {…}} where a row is
{"label": str, "unit": str, "median": float, "p99": float, "n": int} for a distribution, or
{"label": str, "unit": str, "value": float} for one figure, with an optional short "note".
"""
from dataclasses import dataclass, field
from typing import Callable


@dataclass
class BenchContext:
    scale: str  # "tiny", "small" or "national"
    quick: bool  # True for tiny (the test suite's smoke run): a few seconds at most
    database_url: str  # the benchmark database, for subprocesses and extra connections
    seed: int = 42
    samples: int = 100
    alias: str = "default"
    pairs: list[tuple[int, int]] = field(default_factory=list)  # (user id, Caf id): open users with a Cdap grant there
    sizes: dict = field(default_factory=dict)  # rows built: cafs, conventions, groups, users, dossiers, journal…
    log: Callable[[str], None] = print

    @property
    def user_ids(self) -> list[int]:
        return sorted({user_id for user_id, _ in self.pairs})
