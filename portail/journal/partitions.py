"""Monthly partitions of the journal on PostgreSQL (native declarative partitioning by `created_at`).

`convert` turns the Django-created table into a partitioned table, once, in one transaction under an
ACCESS EXCLUSIVE lock (a maintenance window: the rows are copied): same columns, same indexes, the
primary key becomes (id, created_at) as PostgreSQL requires, the id keeps its sequence (values go on),
the append-only triggers are set again on the parent (row triggers are cloned to every partition) and
the TRUNCATE trigger on each partition. `ensure_months` creates the partitions of the coming months
(run it monthly); a DEFAULT partition catches any entry outside them, so an append never fails for a
missing month. Partition bounds are months in UTC.

SQLite and an unpartitioned PostgreSQL journal work the same way: nothing in the portal depends on it.
"""
from dataclasses import dataclass, field
from datetime import date, datetime, timezone

from .models import JournalEntry

TABLE = JournalEntry._meta.db_table
DEFAULT_PARTITION = f"{TABLE}_default"
TRUNCATE_TRIGGER = ("CREATE TRIGGER journal_no_truncate BEFORE TRUNCATE ON {table} "
                    "FOR EACH STATEMENT EXECUTE FUNCTION journal_append_only()")


@dataclass
class PartitionReport:
    converted: bool = False
    copied: int = 0
    created: list[str] = field(default_factory=list)


def partition_name(month: date) -> str:
    return f"{TABLE}_y{month.year:04d}m{month.month:02d}"


def _month(value: date, shift: int = 0) -> date:
    index = value.year * 12 + value.month - 1 + shift
    return date(index // 12, index % 12 + 1, 1)


def is_partitioned(cursor) -> bool:
    cursor.execute("SELECT relkind FROM pg_class WHERE oid = to_regclass(%s)", [TABLE])
    row = cursor.fetchone()
    return bool(row) and row[0] == "p"


def partitions(cursor) -> list[str]:
    cursor.execute("SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
                   "WHERE i.inhparent = to_regclass(%s) ORDER BY c.relname", [TABLE])
    return [row[0] for row in cursor.fetchall()]


def _create_partition(cursor, month: date) -> str | None:
    name = partition_name(month)
    cursor.execute("SELECT to_regclass(%s)", [name])
    if cursor.fetchone()[0]:
        return None
    start, end = (datetime(m.year, m.month, 1, tzinfo=timezone.utc) for m in (month, _month(month, 1)))
    # Bounds written out (made here from a month, never from input): a DDL statement takes no bound parameter.
    cursor.execute(f"CREATE TABLE {name} PARTITION OF {TABLE} FOR VALUES FROM ('{start.isoformat()}') "
                   f"TO ('{end.isoformat()}')")
    cursor.execute(TRUNCATE_TRIGGER.format(table=name))
    return name


def ensure_months(cursor, *, months_ahead: int, first: date | None = None, today: date | None = None) -> list[str]:
    """Create the monthly partitions from `first` (default: this month) to `months_ahead` months after
    this month; returns those created."""
    today = today or datetime.now(timezone.utc).date()
    month, last = _month(first or today), _month(today, months_ahead)
    created = []
    while month <= last:
        name = _create_partition(cursor, month)
        if name:
            created.append(name)
        month = _month(month, 1)
    return created


def convert(cursor, *, months_ahead: int, today: date | None = None) -> PartitionReport:
    """Turn the journal into a partitioned table (once); then the months ahead."""
    report = PartitionReport()
    if is_partitioned(cursor):
        report.created = ensure_months(cursor, months_ahead=months_ahead, today=today)
        return report
    old = f"{TABLE}_unpartitioned"
    cursor.execute(f"LOCK TABLE {TABLE} IN ACCESS EXCLUSIVE MODE")
    cursor.execute("SELECT indexdef FROM pg_indexes WHERE schemaname = current_schema() AND tablename = %s "
                   "AND indexname <> %s", [TABLE, f"{TABLE}_pkey"])
    indexes = [row[0] for row in cursor.fetchall()]
    cursor.execute(f"SELECT min(created_at), max(id) FROM {TABLE}")
    oldest, last_id = cursor.fetchone()
    cursor.execute(f"ALTER TABLE {TABLE} RENAME TO {old}")
    cursor.execute(f"ALTER TABLE {old} RENAME CONSTRAINT {TABLE}_pkey TO {old}_pkey")
    cursor.execute(f"CREATE TABLE {TABLE} (LIKE {old} INCLUDING DEFAULTS INCLUDING STORAGE) "
                   "PARTITION BY RANGE (created_at)")
    cursor.execute(f"ALTER TABLE {TABLE} ADD CONSTRAINT {TABLE}_pkey PRIMARY KEY (id, created_at)")
    cursor.execute(f"CREATE TABLE {DEFAULT_PARTITION} PARTITION OF {TABLE} DEFAULT")
    cursor.execute(TRUNCATE_TRIGGER.format(table=DEFAULT_PARTITION))
    first = oldest.astimezone(timezone.utc).date() if oldest else None
    report.created = ensure_months(cursor, months_ahead=months_ahead, first=first, today=today)
    cursor.execute(f"INSERT INTO {TABLE} SELECT * FROM {old}")
    report.copied = cursor.rowcount
    cursor.execute(f"DROP TABLE {old}")  # its identity sequence goes with it; the ids go on below
    sequence = f"{TABLE}_id_seq"
    cursor.execute(f"CREATE SEQUENCE {sequence} OWNED BY {TABLE}.id")
    if last_id:
        cursor.execute("SELECT setval(%s, %s)", [sequence, last_id])
    cursor.execute(f"ALTER TABLE {TABLE} ALTER COLUMN id SET DEFAULT nextval('{sequence}')")
    for definition in indexes:
        cursor.execute(definition)
    cursor.execute(f"CREATE TRIGGER journal_no_update BEFORE UPDATE OR DELETE ON {TABLE} "
                   "FOR EACH ROW EXECUTE FUNCTION journal_append_only()")
    cursor.execute(TRUNCATE_TRIGGER.format(table=TABLE))
    cursor.execute(f"ANALYZE {TABLE}")
    report.converted = True
    return report
