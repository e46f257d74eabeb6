"""« Statistiques d'usage »: counters aggregated from the journal (the pages never read the journal).

`UsageTotal` keeps, per dimension a page shows, one row per (grain, period, Caf, convention, organisation,
group, item, flags) with one count per column of the page (consultations, tabs, attestations, refusals):

- dimensions: the period itself (`PERIOD`), the tab (`TAB`, `code`), the role (`ROLE_DIM`, `code`), the group
  (`GROUP_DIM`, `group_id`) and the person (`PERSON`, `ref`); none of them carries the others, so a row stands
  for many journal entries (a person's day, a convention's day, a tab's day…);
- grains: `DAILY` (period = the day) and `MONTHLY` (period = the month's first day), written together: a long
  period reads its whole months from the monthly rows and only its edge days from the daily ones;
- levels: `group_id = 0` for the whole convention and the Caf; the same rows once more with the group of the
  grant (`group_id` set, convention flags only) for a responsable, who sees his subtree's groups only.

A journal entry of consultation is counted once per grant it used (`details["via"]`); `flags` say which
tables each row stands for, so no table counts an entry twice (one user may hold a role through several
groups):

- ENTRY: the entry's first grant: Caf-wide totals, per day, user and tab;
- CONVENTION: the first grant of its convention: a convention's totals, per day, user and tab;
- GROUP: the first grant through its group: per-group tables;
- CONVENTION_ROLE: the first grant of its role in its convention: a convention's per-role table;
- ROLE: the first grant of its role in the entry: the Caf-wide per-role table.

An entry without grant (refused before any right was found) counts with every flag and no convention.
Absent values are 0 or "" (never NULL) so the key is unique on every database.
"""
from django.db import models

ENTRY, CONVENTION, GROUP, CONVENTION_ROLE, ROLE = 1, 2, 4, 8, 16
ALL_FLAGS = ENTRY | CONVENTION | GROUP | CONVENTION_ROLE | ROLE

DAILY, MONTHLY = "j", "m"
PERIOD, TAB, ROLE_DIM, GROUP_DIM, PERSON = "d", "t", "r", "g", "u"
COUNT_FIELDS = ("consultations", "tabs", "attestations", "refused")


def having(flag: int) -> list[int]:
    """The `flags` values that carry `flag` (a plain IN list: the same SQL on every database)."""
    return [v for v in range(ALL_FLAGS + 1) if v & flag]


class UsageTotal(models.Model):
    grain = models.CharField(max_length=1)  # DAILY or MONTHLY
    period = models.DateField()  # the day, or the first day of the month
    dimension = models.CharField(max_length=1)
    caf_id = models.BigIntegerField(default=0)
    convention_id = models.BigIntegerField(default=0)
    organisation_id = models.BigIntegerField(default=0)  # the actor's, at aggregation time
    group_id = models.BigIntegerField(default=0)  # 0: whole convention / Caf rows
    ref = models.BigIntegerField(default=0)  # the person (PERSON)
    code = models.CharField(max_length=30, blank=True)  # the tab (TAB) or the role code (ROLE_DIM)
    flags = models.PositiveSmallIntegerField(default=ALL_FLAGS)
    consultations = models.PositiveIntegerField(default=0)
    tabs = models.PositiveIntegerField(default=0)
    attestations = models.PositiveIntegerField(default=0)
    refused = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["grain", "period", "dimension", "caf_id", "convention_id", "organisation_id", "group_id",
                        "ref", "code", "flags"],
                name="usage_total_key",
            ),
        ]
        indexes = [
            # group_id third: a whole convention or Caf reads its group_id = 0 rows only, not the per-group ones.
            models.Index(fields=["convention_id", "dimension", "group_id", "grain", "period"],
                         name="usage_total_convention_idx"),
            models.Index(fields=["caf_id", "dimension", "group_id", "grain", "period"], name="usage_total_caf_idx"),
            models.Index(fields=["group_id", "dimension", "grain", "period"], name="usage_total_group_idx"),
        ]


class UsageCursor(models.Model):
    """Single row (pk=1): the id of the last journal entry aggregated. Locked while aggregating."""

    last_id = models.BigIntegerField(default=0)
    updated_at = models.DateTimeField(null=True, blank=True)
