"""« Statistiques d'usage »: daily counters aggregated from the journal (the pages never read the journal).

One row per (day, Caf, convention, group, user, role, tab, kind, flags) with its count. A journal entry
of consultation is counted once per grant it used (`details["via"]`); `flags` say which tables each row
stands for, so no table counts an entry twice (one user may hold a role through several groups):

- ENTRY: the entry's first grant: Caf-wide totals, per day, user and tab;
- CONVENTION: the first grant of its convention: a convention's totals, per day, user and tab;
- GROUP: the first grant through its group: per-group tables;
- CONVENTION_ROLE: the first grant of its role in its convention: a convention's per-role table;
- ROLE: the first grant of its role in the entry: the Caf-wide per-role table.

An entry without grant (refused before any right was found) is one row with every flag.
Absent values are 0 or "" (never NULL) so the key is unique on every database.
"""
from django.db import models

ENTRY, CONVENTION, GROUP, CONVENTION_ROLE, ROLE = 1, 2, 4, 8, 16
ALL_FLAGS = ENTRY | CONVENTION | GROUP | CONVENTION_ROLE | ROLE


def having(flag: int) -> list[int]:
    """The `flags` values that carry `flag` (a plain IN list: the same SQL on every database)."""
    return [v for v in range(ALL_FLAGS + 1) if v & flag]


class UsageCounter(models.Model):
    day = models.DateField()
    caf_id = models.BigIntegerField(default=0)
    convention_id = models.BigIntegerField(default=0)
    organisation_id = models.BigIntegerField(default=0)  # the actor's, at aggregation time
    group_id = models.BigIntegerField(default=0)
    user_id = models.BigIntegerField(default=0)
    role = models.CharField(max_length=30, blank=True)  # role code, as the journal keeps it
    tab = models.CharField(max_length=30, blank=True)
    kind = models.CharField(max_length=30)  # the journal entry's action
    flags = models.PositiveSmallIntegerField(default=ALL_FLAGS)
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["day", "caf_id", "convention_id", "organisation_id", "group_id", "user_id", "role", "tab",
                        "kind", "flags"],
                name="usage_counter_key",
            ),
        ]
        indexes = [
            models.Index(fields=["convention_id", "day"], name="usage_convention_day_idx"),
            models.Index(fields=["caf_id", "day"], name="usage_caf_day_idx"),
        ]


class UsageCursor(models.Model):
    """Single row (pk=1): the id of the last journal entry aggregated. Locked while aggregating."""

    last_id = models.BigIntegerField(default=0)
    updated_at = models.DateTimeField(null=True, blank=True)
