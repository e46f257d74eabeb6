"""Bulk import benchmark: a file of 5,000 users with their groups, previewed then applied, timed.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/<migrated database> .venv/bin/python bench/import_users.py
    .venv/bin/python bench/import_users.py --lines 5000 --existing 1000      # the configured database

It builds a convention (40 groups on two levels, roles, an administrator) and `--existing` people already
placed, writes a CSV of `--lines` lines (creations with one or two groups, some time-bound, and changes of
the existing people: names, groups added and removed), then times parsing, the preview (the plan) and
« Confirmer l'import » (the same functions as the pages), with their query counts, for the whole file and
for a fifth of it: the preview's and the writes' counts do not grow with the lines (bulk reads and writes),
the journal aside (one insert per change). Everything is rolled back at the end (`--keep` commits).
Figures only; it asserts nothing (the tests check behaviour, not time).
"""
import argparse
import csv
import io
import os
import sys
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

import django

django.setup()

from django.db import connection, transaction
from django.urls import reverse

from portail.access import Seat
from portail.accounts.models import User
from portail.core.clock import today
from portail.habilitations.bulk.apply import apply_import
from portail.habilitations.bulk.models import PendingImport, content_digest
from portail.habilitations.bulk.parse import HEADERS, parse_file
from portail.habilitations.bulk.preview import as_json, counts, plan_lines
from portail.habilitations.models import Membership
from portail.testing import factories as f


class Rollback(Exception):
    pass


def build(existing: int):
    cdap = f.ServiceFactory()
    roles = [f.RoleFactory(service=cdap, code=f"B{i}") for i in range(3)]
    convention = f.ConventionFactory(label="Convention du banc d'import", services=[cdap])
    admin = f.UserFactory(organisation=convention.organisation, last_name="Banc", first_name="Admin")
    convention.administrators.add(admin)
    groups = []
    for i in range(8):
        top = f.make_group(convention, f"D{i:02d}", roles=roles)
        groups.append(top)
        groups += [f.make_group(convention, f"D{i:02d}S{j}", parent=top, roles=roles[:2]) for j in range(4)]
    people = User.objects.bulk_create([
        User(username=f"BENC{i:04d}", organisation=convention.organisation, last_name=f"Existant{i}",
             first_name="Agent", email=f"existant{i}@banc.example", password="!") for i in range(existing)])
    people = list(User.objects.filter(username__startswith="BENC").order_by("username"))
    Membership.objects.bulk_create([Membership(user=p, group=groups[i % len(groups)]) for i, p in enumerate(people)])
    return convention, admin, groups, people


def write_csv(lines: int, groups, people) -> bytes:
    out = io.StringIO(newline="")
    writer = csv.writer(out, delimiter=";")
    writer.writerow(HEADERS)
    end = f"{today() + timedelta(days=90):%d/%m/%Y}"
    updates = min(len(people), lines // 5)
    for i, person in enumerate(people[:updates]):
        codes = f"{groups[(i + 1) % len(groups)].code}"  # moved: one group added, the old one removed
        writer.writerow([person.username, f"Renommé{i}" if i % 2 else person.last_name, person.first_name,
                         person.email, "", codes, "", "update"])
    for i in range(lines - updates):
        codes = "|".join(g.code for g in (groups[i % len(groups)], groups[(i * 7 + 3) % len(groups)]))
        writer.writerow(["", f"Nouveau{i}", "Agent", f"nouveau{i}@banc.example", "05 56 00 00 00", codes,
                         end if i % 10 == 0 else "", "create"])
    return out.getvalue().encode()


class Counting:
    """Counts the queries run, and apart those of the journal's appends (savepoints around them included)."""

    def __init__(self):
        self.total = self.journal = 0

    def __call__(self, execute, sql, params, many, context):
        self.total += 1
        if "journal_journalentry" in sql or "nextval" in sql or "SAVEPOINT" in sql:
            self.journal += 1
        return execute(sql, params, many, context)


def timed(label: str, fn):
    counting = Counting()
    with connection.execute_wrapper(counting):
        start = time.perf_counter()
        result = fn()
        elapsed = time.perf_counter() - start
    print(f"{label:<44} {elapsed:8.2f} s  {counting.total:7d} queries ({counting.journal} for the journal)")
    return result, elapsed, counting


def run(lines: int, existing: int) -> float:
    convention, admin, groups, people = build(existing)
    content = write_csv(lines, groups, people)
    print(f"-- {lines} lines ({len(content) // 1024} KiB), {len(groups)} groups, {len(people)} people already placed")
    parsed, t_parse, _ = timed("parse (csv)", lambda: parse_file("banc.csv", content))
    seat = Seat(admin, convention)
    plan, t_plan, _ = timed("preview (plan of every line)", lambda: as_json(plan_lines(seat, parsed.rows)))
    print("   ", dict(counts(plan)))
    timed(f"preview of the first {lines // 5} lines", lambda: plan_lines(seat, parsed.rows[: lines // 5]))
    pending = PendingImport.objects.create(owner=admin, convention=convention, file_name="banc.csv",
                                           file_sha256=parsed.sha256, rows=parsed.rows, plan=plan,
                                           digest=content_digest(parsed.rows, plan))
    figures, t_apply, n_apply = timed("confirm (re-plan under locks, write)", lambda: apply_import(
        actor=admin, pending=pending))
    print(f"    besides the journal: {n_apply.total - n_apply.journal} queries")
    written = Counter()
    from portail.journal.models import JournalEntry

    for action in JournalEntry.objects.filter(convention_id=convention.pk).values_list("action", flat=True):
        written[action] += 1
    print("    journal:", dict(written))
    total = t_parse + t_plan + t_apply
    print(f"== total {total:.1f} s for {lines} lines (target: under 60 s)")
    return total


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=5000)
    parser.add_argument("--existing", type=int, default=1000)
    parser.add_argument("--keep", action="store_true", help="commit instead of rolling back")
    args = parser.parse_args()
    print(f"== {connection.vendor} {connection.settings_dict.get('NAME')}, {os.cpu_count()} CPU, "
          f"load {open('/proc/loadavg').read().split()[:3]}")
    reverse("home:index")  # the URLconf loaded before timing, as in a running server (activation links)
    try:
        with transaction.atomic():
            run(args.lines, args.existing)
            if not args.keep:
                raise Rollback
    except Rollback:
        print("(rolled back)")


if __name__ == "__main__":
    main()
