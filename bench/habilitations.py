"""Habilitation benchmark at national scale, on PostgreSQL: generate the data, then print figures.

    bench/habilitations.sh [--scale 1] [--seed 42] [--samples 200]

Run through the wrapper (scratch database created, migrated and dropped). Run directly, it needs
DATABASE_URL pointing at an empty, migrated PostgreSQL database. It prints timings and query counts
of the permission functions and pages that matter, and the plans of the heaviest queries; it asserts
nothing (figures only).
"""
import argparse
import os
import random
import re
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
os.environ.setdefault("ALLOWED_HOSTS", "testserver,127.0.0.1,localhost")

import django

django.setup()

from django.db import connection
from django.db.models import Count
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from habilitations_data import Sizes, generate

from portail.accounts.models import User
from portail.conventions.models import Caf, Convention
from portail import access
from portail.habilitations.models import Group, Membership

BACKEND = "portail.accounts.backends.PortalBackend"
SLOW: dict[str, tuple[float, str, str]] = {}  # normalised SQL -> (ms, sql, where)


def _normalise(sql: str) -> str:
    return re.sub(r"\b\d+\b|'[^']*'", "?", sql)


def measure(label: str, fn, args: list, rows: list) -> None:
    times, queries = [], []
    fn(args[0])  # warm-up (connection, caches of compiled templates)
    for arg in args:
        with CaptureQueriesContext(connection) as ctx:
            started = time.perf_counter()
            fn(arg)
            times.append((time.perf_counter() - started) * 1000)
        queries.append(len(ctx.captured_queries))
        for q in ctx.captured_queries:
            key = _normalise(q["sql"])
            ms = float(q["time"]) * 1000
            if ms > SLOW.get(key, (0,))[0]:
                SLOW[key] = (ms, q["sql"], label)
    times.sort()
    p95 = times[min(len(times) - 1, round(0.95 * len(times)) - 1)]
    qmin, qmax = min(queries), max(queries)
    rows.append((label, len(args), statistics.median(times), p95, times[-1],
                 str(qmin) if qmin == qmax else f"{qmin}–{qmax}"))


def print_table(rows: list) -> None:
    width = max(len(r[0]) for r in rows)
    print(f"{'operation':<{width}}  {'n':>4}  {'median ms':>9}  {'p95 ms':>8}  {'max ms':>8}  queries")
    print("-" * (width + 48))
    for label, n, med, p95, mx, q in rows:
        print(f"{label:<{width}}  {n:>4}  {med:>9.2f}  {p95:>8.2f}  {mx:>8.2f}  {q}")


def big_tables() -> dict[str, int]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT relname, reltuples::bigint FROM pg_class WHERE relkind = 'r' AND relnamespace = "
                       "'public'::regnamespace AND reltuples >= 5000")
        return dict(cursor.fetchall())


def explain(sql: str) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
        return [r[0] for r in cursor.fetchall()]


def pick_actors(rng: random.Random):
    biggest = (Convention.objects.filter(status=Convention.Status.OPEN, closing_date__isnull=True)
               .annotate(n=Count("groups")).order_by("-n", "pk").first())
    admin = biggest.administrators.filter(status=User.Status.OPEN).order_by("pk").first()
    # A responsable of a mid-level group (level 3) with a subtree, in a big convention.
    mid = (Group.objects.filter(convention=biggest, level__gte=2, level__lte=3, status=Group.Status.OPEN,
                                closing_date__isnull=True)
           .annotate(n=Count("children")).filter(n__gt=0).order_by("-level", "-n", "pk").first())
    responsable = User.objects.filter(organisation_id=biggest.organisation_id, status=User.Status.OPEN,
                                      closing_date__isnull=True, administered_conventions=None).order_by("pk").first()
    Group.objects.filter(pk=mid.pk).update(responsable=responsable)
    mid.refresh_from_db()
    return biggest, admin, mid, responsable


def run(samples: int, seed: int) -> None:
    rng = random.Random(seed + 1)
    biggest, admin, mid, responsable = pick_actors(rng)
    subtree = Group.objects.subtree_of(mid).count()
    mid_child = mid.children.order_by("pk").first()
    print(f"biggest convention #{biggest.pk}: {biggest.groups.count()} groups, "
          f"{User.objects.filter(organisation_id=biggest.organisation_id).count()} staff in its organisation; "
          f"responsable {responsable.username} of group {mid.code} (level {mid.level}, subtree of {subtree} groups)")

    member_ids = list(Membership.objects.values_list("user_id", flat=True).distinct().order_by("user_id"))
    users = list(User.objects.filter(pk__in=rng.sample(member_ids, min(samples, len(member_ids)))))
    pairs = []
    for user in users:
        caf_ids = list(Convention.objects.filter(groups__memberships__user=user).values_list("caf_id", flat=True))
        pairs.append((user, rng.choice(caf_ids)))
    conv_sample = list(Convention.objects.filter(pk__in=rng.sample(range(1, Convention.objects.count() + 1),
                                                                    min(samples, 50))))
    admins_sample = [(c.administrators.first(), c) for c in conv_sample]
    caf_agent = User.objects.filter(caf_id=biggest.caf_id).first()
    reps = [None] * max(20, samples // 4)

    rows: list = []
    print(f"\n== permission functions ({samples} random partner users with memberships)")
    measure("roles_of(user, caf, CDAP)", lambda p: access.roles_of(p[0], caf_id=p[1], service_code="CDAP"), pairs, rows)
    measure("consultation_rights(user, caf)", lambda p: access.consultation_rights(p[0], p[1]), pairs, rows)
    measure("cafs_for_consultation(user)", lambda p: access.cafs_for_consultation(p[0]), pairs, rows)
    measure("management_scope, admins of random conventions", lambda p: access.management_scope(p[0], p[1]),
            admins_sample, rows)
    for who, actor in (("admin big conv.", admin), ("responsable mid group", responsable)):
        measure(f"management_scope [{who}]", lambda _, actor=actor: access.management_scope(actor, biggest), reps, rows)
        measure(f"conventions_visible_to[:50] [{who}]",
                lambda _, actor=actor: list(access.conventions_visible_to(actor).select_related("caf", "organisation")[:50]),
                reps, rows)
        measure(f"groups_visible_to page 1 [{who}]",
                lambda _, actor=actor: list(access.groups_visible_to(actor, biggest).order_by("path")[:50]), reps, rows)
        measure(f"users_visible_to page 1 [{who}]",
                lambda _, actor=actor: list(access.users_visible_to(actor, biggest)
                               .order_by("last_name", "first_name", "username")[:50]), reps, rows)
    print_table(rows)

    rows = []
    print("\n== rendered pages (Django test client, force_login)")
    pages = [
        ("conventions list", reverse("conventions:list")),
        ("groups list (biggest conv.)", reverse("habilitations:groups", args=[biggest.pk])),
        ("groups list page 10", reverse("habilitations:groups", args=[biggest.pk]) + "?page=10"),
        ("users list (biggest conv.)", reverse("habilitations:users", args=[biggest.pk])),
        ("users list, filter nom", reverse("habilitations:users", args=[biggest.pk]) + "?last_name=mar"),
        ("group roles page (mid group)", reverse("habilitations:group_roles", args=[biggest.pk, mid.pk])),
        ("« Créer un groupe » form", reverse("habilitations:group_create", args=[biggest.pk])),
        ("edit form of a sub-group", reverse("habilitations:group_update", args=[biggest.pk, mid_child.pk])),
        ("memberships of a user", reverse("habilitations:memberships",
                                          args=[biggest.pk, Membership.objects.filter(group=mid).values_list(
                                              "user_id", flat=True).first() or responsable.pk])),
    ]
    for who, actor in (("admin", admin), ("responsable", responsable), ("agent Caf", caf_agent)):
        client = Client()
        client.force_login(actor, backend=BACKEND)
        for name, url in pages:
            if who == "agent Caf" and not name.startswith(("conventions", "groups", "users", "group roles")):
                continue
            status = client.get(url).status_code
            if status != 200:
                print(f"  {name} [{who}]: HTTP {status} (skipped)")
                continue
            measure(f"{name} [{who}]", lambda _, client=client, url=url: client.get(url), reps, rows)
    client = Client()
    home = reverse("home:index")
    logged = []
    for user, _ in pairs[:50]:
        logged.append(user)
    measure("home page, random partner users (menu rights)",
            lambda u: (client.force_login(u, backend=BACKEND), client.get(home)), logged, rows)
    print_table(rows)

    print("\n== plans of the heaviest queries")
    big = big_tables()
    print("tables ≥ 5,000 rows: " + ", ".join(f"{t} ({n:,})" for t, n in sorted(big.items(), key=lambda x: -x[1])))
    heaviest = sorted(SLOW.values(), key=lambda x: -x[0])
    shown = 0
    for ms, sql, where in heaviest:
        if not sql.lstrip().upper().startswith("SELECT") or "django_session" in sql:
            continue
        plan = explain(sql)
        seq = [line.strip() for line in plan if "Seq Scan on" in line
               and re.search(r"Seq Scan on (\w+)", line).group(1) in big]
        print(f"\n-- {ms:.1f} ms max, in « {where} »\n{sql[:1500]}")
        print("\n".join(plan))
        print("sequential scans of big tables: " + ("; ".join(seq) if seq else "none"))
        shown += 1
        if shown == 3:
            break


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument("--skip-generate", action="store_true", help="reuse the data already in the database")
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("PostgreSQL only: set DATABASE_URL (bench/habilitations.sh does it).")
    if not args.skip_generate:
        if Caf.objects.exists():
            sys.exit("The database already holds data: use a scratch database (bench/habilitations.sh).")
        sizes = Sizes.scaled(args.scale)
        print(f"== generate (scale {args.scale}, seed {args.seed}): {sizes}")
        generate(sizes, args.seed)
    run(args.samples, args.seed)


if __name__ == "__main__":
    main()
