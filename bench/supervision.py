"""Benchmark of the supervision and statistics pages with a large journal, on PostgreSQL.

    bench/supervision.sh [--scale small|full] [--runs 20] [--warmups 2]

Run through the wrapper (scratch database `bench_supervision_<scale>`, created and migrated if missing,
reused when already built). Run directly, it needs DATABASE_URL pointing at such a database.

Build (skipped for what is already there): national habilitations (`habilitations_data`, the largest
convention 2,001 groups and 5,000 staff at full scale), a year of journal loaded with COPY
(`supervision_data`; 100,000 entries `small`, 10,000,000 `full`), then `manage.py usage_aggregate`, timed.

Measure: every supervision and statistics page through Django's test client, DEBUG off, signed in
with `portail.testing.auth.sign_in`, `--warmups` then `--runs` requests each: median, p99 (nearest rank:
with 20 runs, the slowest) and the query count; CSV exports the same with fewer runs. Then
`EXPLAIN (ANALYZE, BUFFERS)` of every query a page sends to the journal table: the plans of
« Supervision modifier » and of the journal search are printed, and the run fails (exit 1) if any plan
holds a sequential scan of the journal. One table on stdout, JSON in bench/results/.
"""
import argparse
import json
import math
import os
import re
import statistics
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
os.environ.setdefault("ALLOWED_HOSTS", "testserver,127.0.0.1,localhost")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import reverse  # noqa: E402

from habilitations_data import Sizes, generate  # noqa: E402
from supervision_data import biggest_convention, load_journal, touch_habilitations  # noqa: E402

from portail.accounts.models import User  # noqa: E402
from portail.conventions.models import Caf, Role  # noqa: E402
from portail.core.clock import today  # noqa: E402
from portail.habilitations.models import Group  # noqa: E402
from portail.journal.models import Action, JournalEntry, JournalHead  # noqa: E402
from portail.supervision.models import UsageCursor, UsageTotal  # noqa: E402
from portail.supervision.selectors.habilitations import CHECKS  # noqa: E402
from portail.testing.auth import sign_in  # noqa: E402

SCALES = {"small": (0.1, 100_000), "full": (1.0, 10_000_000)}
JOURNAL = JournalEntry._meta.db_table
SLOW_MS = 300
PLAN_PAGES = ("Supervision modifier", "Journal")  # whose journal plans are printed in full (top lines)
BUILD_FILE = "build-{db}.json"  # the build's figures, kept for the runs that reuse the database


def load() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


# ------------------------------------------------------------------------------------------- build


def build(scale: str, seed: int, results: Path, aggregate_last: int | None) -> dict:
    hab_scale, entries = SCALES[scale]
    path = results / BUILD_FILE.format(db=connection.settings_dict["NAME"])
    figures = json.loads(path.read_text()) if path.exists() else {}
    if not Caf.objects.exists():
        sizes = Sizes.scaled(hab_scale)
        print(f"== habilitations (scale {hab_scale}, seed {seed}): {sizes}")
        started = time.perf_counter()
        counts = generate(sizes, seed)
        figures["habilitations"] = {"rows": sum(counts.rows.values()), "seconds": round(counts.seconds, 1),
                                    **touch_habilitations(seed)}
        figures["habilitations"]["seconds_with_touches"] = round(time.perf_counter() - started, 1)
        path.write_text(json.dumps(figures, indent=2))
    head = JournalHead.objects.filter(pk=1).first()
    if head is None or not head.last_id:
        print(f"== journal: {entries:,} entries over 365 days (COPY)")
        figures["journal"] = load_journal(entries, seed)
        path.write_text(json.dumps(figures, indent=2))
    elif head.last_id < entries:
        sys.exit(f"The journal holds {head.last_id:,} entries, fewer than {entries:,}: rebuild "
                 "(bench/supervision.sh --rebuild).")
    cursor, _ = UsageCursor.objects.get_or_create(pk=1)
    head = JournalHead.objects.get(pk=1)
    if aggregate_last is not None and cursor.last_id < head.last_id - aggregate_last:
        # Count only the latest entries (the most recent weeks): the cursor skips the older ones.
        UsageCursor.objects.filter(pk=1).update(last_id=head.last_id - aggregate_last)
        figures["usage_counters_from_id"] = head.last_id - aggregate_last + 1
        cursor.refresh_from_db()
    if cursor.last_id < min(head.last_id, entries):
        print(f"== manage.py usage_aggregate (entries {cursor.last_id + 1:,} to {head.last_id:,})")
        started = time.perf_counter()
        done = subprocess.run([sys.executable, "manage.py", "usage_aggregate"], cwd=ROOT, check=True,
                              capture_output=True, text=True)
        seconds = time.perf_counter() - started
        counted = int(re.match(r"(\d+)", done.stdout.strip()).group(1))
        figures["usage_aggregate"] = {"entries_read": head.last_id - cursor.last_id,
                                      "usage_entries_counted": counted, "seconds": round(seconds, 1),
                                      "entries_per_s": round((head.last_id - cursor.last_id) / seconds),
                                      "counter_rows": UsageTotal.objects.count()}
        print(f"  {done.stdout.strip()}  ({seconds:.0f} s, {figures['usage_aggregate']['entries_per_s']:,} "
              f"entries/s, {figures['usage_aggregate']['counter_rows']:,} counter rows)")
        with connection.cursor() as c:
            c.execute(f"ANALYZE {UsageTotal._meta.db_table}")
        path.write_text(json.dumps(figures, indent=2))
    return figures


# ------------------------------------------------------------------------------------------- pages


def actors():
    big = biggest_convention()
    admin = big.administrators.filter(status=User.Status.OPEN).order_by("pk").first()
    # A responsable of a level-2 or 3 group with sub-groups, still open, who is no administrator.
    led = (Group.objects.filter(convention=big, level__in=(2, 3), status=Group.Status.OPEN, closing_date__isnull=True,
                                responsable__status=User.Status.OPEN, responsable__administered_conventions=None,
                                children__isnull=False)
           .order_by("level", "pk").first())
    agent = User.objects.filter(caf_id=big.caf_id, status=User.Status.OPEN).order_by("pk").first()
    return big, admin, (led.responsable if led else None), agent


def pages(big, admin, responsable, agent) -> list[tuple[str, str, User, str, bool]]:
    """(page family, label, actor, url, is_csv)."""
    day = today()
    year_ago = day - timedelta(days=365)
    month_ago = day - timedelta(days=30)
    t1 = Role.objects.filter(code="T1", service__code="CDAP").first()
    consulted = (JournalEntry.objects.filter(caf_id=big.caf_id, action=Action.DOSSIER_CONSULTED, convention_id=big.pk)
                 .order_by("-id").values("dossier_number", "actor_identifier").first())
    hab = reverse("supervision:habilitations_convention", args=[big.pk])
    chg = reverse("supervision:changes_convention", args=[big.pk])
    sta = reverse("statistiques:convention", args=[big.pk])
    hab_caf = reverse("supervision:habilitations_caf")
    chg_caf = reverse("supervision:changes_caf")
    journal = reverse("journal_caf:search")
    twelve = f"start={year_ago + timedelta(days=1)}&end={day}&unit=mois"
    by_action = f"action=membership_added&du={year_ago + timedelta(days=1)}&au={day}"
    out = [
        ("Supervision habilitations", "administrateur : 1re page", admin, hab, False),
        ("Supervision habilitations", "administrateur : filtrée (rôle T1, groupe « Service », actif)", admin,
         f"{hab}?role={t1.pk if t1 else ''}&groupe=Service&etat=actif", False),
        ("Supervision habilitations", "administrateur : triée par groupe, page 20", admin, f"{hab}?tri=groupe&page=20",
         False),
        ("Supervision habilitations", "administrateur : arborescence des groupes", admin, f"{hab}?vue=groupes", False),
        ("Supervision habilitations", "administrateur : arborescence, page 30", admin, f"{hab}?vue=groupes&page=30",
         False),
    ]
    out += [("Supervision habilitations", f"administrateur : {c.title}", admin, f"{hab}?vue={c.key}", False)
            for c in CHECKS]
    out += [
        ("Supervision modifier", "administrateur : historique, 1re page (90 jours)", admin, chg, False),
        ("Supervision modifier", "administrateur : historique, page 10", admin, f"{chg}?page=10", False),
        ("Supervision modifier", "administrateur : par action (ajout au groupe), 12 mois", admin, f"{chg}?{by_action}",
         False),
        ("Supervision modifier", "administrateur : en attente de validation", admin, f"{chg}?vue=attente", False),
        ("Supervision modifier", "administrateur : refusées", admin, f"{chg}?vue=refusees", False),
        ("Statistiques d'usage", "administrateur : période par défaut (30 jours)", admin, sta, False),
        ("Statistiques d'usage", "administrateur : 12 mois par mois", admin, f"{sta}?{twelve}", False),
    ]
    if responsable is not None:
        out += [
            ("Supervision habilitations", "responsable : 1re page", responsable, hab, False),
            ("Supervision modifier", "responsable : historique, 1re page", responsable, chg, False),
            ("Statistiques d'usage", "responsable : 12 mois par mois", responsable, f"{sta}?{twelve}", False),
        ]
    out += [
        ("Supervision habilitations", "agent Caf : toute la Caf, 1re page", agent, hab_caf, False),
        ("Supervision habilitations", "agent Caf : arborescence", agent, f"{hab_caf}?vue=groupes", False),
    ]
    out += [("Supervision habilitations", f"agent Caf : {c.title}", agent, f"{hab_caf}?vue={c.key}", False)
            for c in CHECKS]
    out += [
        ("Supervision modifier", "agent Caf : historique, 1re page (90 jours)", agent, chg_caf, False),
        ("Supervision modifier", "agent Caf : par action (ajout au groupe), 12 mois", agent, f"{chg_caf}?{by_action}",
         False),
        ("Supervision modifier", "agent Caf : en attente de validation", agent, f"{chg_caf}?vue=attente", False),
        ("Statistiques d'usage", "agent Caf : sa Caf, période par défaut", agent, reverse("statistiques:index"), False),
        ("Statistiques d'usage", "agent Caf : sa Caf, 12 mois par mois", agent,
         f"{reverse('statistiques:index')}?{twelve}", False),
        ("Journal", "agent Caf : recherche, 7 derniers jours (défaut)", agent, journal, False),
        ("Journal", "agent Caf : recherche, 31 jours", agent, f"{journal}?date_from={month_ago}&date_to={day}", False),
        ("Journal", "agent Caf : 31 jours, page 100", agent,
         f"{journal}?date_from={month_ago}&date_to={day}&page=100", False),
    ]
    if consulted:
        out += [
            ("Journal", "agent Caf : par numéro allocataire, 12 mois", agent,
             f"{journal}?dossier={consulted['dossier_number']}&date_from={year_ago + timedelta(days=1)}&date_to={day}",
             False),
            ("Journal", "agent Caf : par personne, 12 mois", agent,
             f"{journal}?username={consulted['actor_identifier']}&date_from={year_ago + timedelta(days=1)}"
             f"&date_to={day}", False),
        ]
    last_weekday = day - timedelta(days=1)
    while last_weekday.weekday() >= 5:
        last_weekday -= timedelta(days=1)
    out += [
        ("Journal", "agent Caf : usages inhabituels, aujourd'hui", agent, reverse("journal_caf:unusual"), False),
        ("Journal", f"agent Caf : usages inhabituels, {last_weekday}", agent,
         f"{reverse('journal_caf:unusual')}?jour={last_weekday}", False),
        # CSV exports: time only.
        ("CSV", "administrateur : habilitations", admin,
         reverse("supervision:habilitations_convention_csv", args=[big.pk]), True),
        ("CSV", "administrateur : modifications (90 jours)", admin,
         reverse("supervision:changes_convention_csv", args=[big.pk]), True),
        ("CSV", "administrateur : statistiques par utilisateur, 12 mois", admin,
         reverse("statistiques:convention_export", args=[big.pk, "utilisateurs"]) + f"?{twelve}", True),
        ("CSV", "agent Caf : habilitations de la Caf", agent, reverse("supervision:habilitations_caf_csv"), True),
        ("CSV", "agent Caf : modifications de la Caf (90 jours)", agent, reverse("supervision:changes_caf_csv"), True),
        ("CSV", "agent Caf : statistiques par convention, 12 mois", agent,
         reverse("statistiques:export", args=["conventions"]) + f"?{twelve}", True),
    ]
    if consulted:
        out.append(("CSV", "agent Caf : journal d'une personne, 12 mois", agent,
                    f"{reverse('journal_caf:export')}?username={consulted['actor_identifier']}"
                    f"&date_from={year_ago + timedelta(days=1)}&date_to={day}", True))
    return out


def fetch(client: Client, url: str):
    response = client.get(url)
    size = len(b"".join(response.streaming_content)) if response.streaming else len(response.content)
    return response, size


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p * len(ordered)) - 1)]


def measure(client: Client, url: str, runs: int, warmups: int) -> dict:
    response, size = fetch(client, url)
    if response.status_code != 200:
        return {"status": response.status_code, "location": response.get("Location", "")}
    for _ in range(warmups - 1):
        fetch(client, url)
    times, queries = [], []
    for _ in range(runs):
        with CaptureQueriesContext(connection) as ctx:
            started = time.perf_counter()
            fetch(client, url)
            times.append((time.perf_counter() - started) * 1000)
        queries.append(len(ctx.captured_queries))
    return {"status": 200, "bytes": size, "median_ms": round(statistics.median(times), 1),
            "p99_ms": round(percentile(times, 0.99), 1), "min_ms": round(min(times), 1),
            "queries": min(queries) if min(queries) == max(queries) else f"{min(queries)}–{max(queries)}"}


# ------------------------------------------------------------------------------------------- plans


def journal_queries(client: Client, url: str) -> list[str]:
    """The SELECTs one request sends to the journal table."""
    with CaptureQueriesContext(connection) as ctx:
        fetch(client, url)
    found = []
    for q in ctx.captured_queries:
        sql = q["sql"]
        if sql.lstrip().upper().startswith("SELECT") and f'"{JOURNAL}"' in sql and sql not in found:
            found.append(sql)
    return found


def explain(sql: str) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
        return [row[0] for row in cursor.fetchall()]


def scans_journal(plan: list[str]) -> list[str]:
    return [line.strip() for line in plan if re.search(rf"Seq Scan on {JOURNAL}\b", line)]


# ------------------------------------------------------------------------------------------- main


def print_table(rows: list[dict]) -> None:
    width = max(len(f"{r['family']} — {r['label']}") for r in rows)
    print(f"{'page':<{width}}  {'median ms':>9}  {'p99 ms':>8}  queries")
    print("-" * (width + 32))
    for r in rows:
        name = f"{r['family']} — {r['label']}"
        if r["status"] != 200:
            print(f"{name:<{width}}  HTTP {r['status']} {r.get('location', '')}")
            continue
        flag = "  ← p99 > 300 ms" if r["p99_ms"] > SLOW_MS else ""
        print(f"{name:<{width}}  {r['median_ms']:>9.1f}  {r['p99_ms']:>8.1f}  {r['queries']}{flag}")


def run(args, figures: dict, results: Path) -> int:
    big, admin, responsable, agent = actors()
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT pg_size_pretty(pg_total_relation_size('{JOURNAL}')), "
                       f"(SELECT reltuples::bigint FROM pg_class WHERE relname = '{JOURNAL}')")
        journal_size, journal_rows = cursor.fetchone()
    in_big = JournalEntry.objects.filter(convention_id=big.pk).count()
    print(f"\n== largest convention #{big.pk}: {big.groups.count():,} groups, "
          f"{User.objects.filter(organisation_id=big.organisation_id).count():,} staff, {in_big:,} journal entries; "
          f"journal {journal_rows:,} rows, {journal_size}; administrator {admin.username}, "
          f"responsable {responsable.username if responsable else '—'}, agent Caf {agent.username}")
    clients = {}
    for actor in filter(None, (admin, responsable, agent)):
        clients[actor.pk] = sign_in(Client(), actor)
    rows = []
    load_start = load()
    print(f"== pages: {args.warmups} warm-ups then {args.runs} runs each (CSV: 1 then {args.csv_runs}); "
          f"{os.cpu_count()} CPU, load {load_start}, DEBUG={settings.DEBUG}")
    for family, label, actor, url, is_csv in pages(big, admin, responsable, agent):
        client = clients[actor.pk]
        result = measure(client, url, args.csv_runs if is_csv else args.runs, 1 if is_csv else args.warmups)
        rows.append({"family": family, "label": label, "url": url, **result})
        shown = f"{result['median_ms']:.0f} / {result['p99_ms']:.0f} ms, {result['queries']} q" \
            if result["status"] == 200 else f"HTTP {result['status']}"
        print(f"  {family} — {label}: {shown}", flush=True)
    load_end = load()
    print()
    print_table(rows)

    print("\n== plans of the queries sent to the journal (EXPLAIN (ANALYZE, BUFFERS))")
    plans, violations = [], []
    for family, label, actor, url, _ in pages(big, admin, responsable, agent):
        row = next(r for r in rows if r["label"] == label and r["family"] == family)
        if row["status"] != 200:
            continue
        for sql in journal_queries(clients[actor.pk], url):
            plan = explain(sql)
            seq = scans_journal(plan)
            timing = next((line for line in plan if line.startswith("Execution Time")), "")
            plans.append({"page": f"{family} — {label}", "sql": sql, "plan": plan, "seq_scan": seq})
            violations += [f"{family} — {label}: {line}" for line in seq]
            if family in PLAN_PAGES or seq:
                print(f"\n-- {family} — {label}  ({timing})\n   {sql[:400]}{' …' if len(sql) > 400 else ''}")
                print("\n".join("   " + line for line in plan[:12]))
    print(f"\n{len(plans)} journal queries explained over {len(rows)} pages; "
          f"sequential scans of {JOURNAL}: {len(violations)}")
    for line in violations:
        print(f"  SEQ SCAN  {line}")

    slow = [f"{r['family']} — {r['label']}" for r in rows if r["status"] == 200 and r["p99_ms"] > SLOW_MS]
    failed = [f"{r['family']} — {r['label']}: HTTP {r['status']}" for r in rows if r["status"] != 200]
    out = {
        "date": time.strftime("%Y-%m-%d %H:%M:%S"), "scale": args.scale, "cpus": os.cpu_count(),
        "load_start": load_start, "load_end": load_end, "database": connection.settings_dict["NAME"],
        "postgresql": connection.cursor().connection.info.server_version, "runs": args.runs,
        "warmups": args.warmups, "build": figures, "largest_convention": big.pk, "journal_rows": journal_rows,
        "journal_size": journal_size, "journal_entries_of_largest_convention": in_big, "pages": rows,
        "slow": slow, "failed": failed, "journal_seq_scans": violations, "plans": plans,
    }
    target = results / f"supervision-{time.strftime('%Y-%m-%d')}-{args.scale}.json"
    target.write_text(json.dumps(out, indent=2, ensure_ascii=False, default=str))
    print(f"\nload {load_start} at the start, {load_end} at the end; results in {target.relative_to(ROOT)}")
    if slow:
        print("p99 above 300 ms: " + "; ".join(slow))
    if failed:
        print("not measured: " + "; ".join(failed))
    assert not violations, f"{len(violations)} plan(s) scan the journal sequentially"
    print("OK: no plan scans the journal sequentially.")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", choices=SCALES, default="small")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--warmups", type=int, default=2)
    parser.add_argument("--csv-runs", type=int, default=5)
    parser.add_argument("--build-only", action="store_true")
    parser.add_argument("--aggregate-last", type=int, default=None,
                        help="aggregate only the latest N journal entries (the statistics then cover their weeks)")
    args = parser.parse_args()
    if connection.vendor != "postgresql" or connection.settings_dict["NAME"] in ("test", "postgres"):
        sys.exit("PostgreSQL scratch database only: run bench/supervision.sh.")
    results = ROOT / "bench" / "results"
    results.mkdir(exist_ok=True)
    started = time.perf_counter()
    figures = build(args.scale, args.seed, results, args.aggregate_last)
    print(f"== build ready ({time.perf_counter() - started:.0f} s in this run): {json.dumps(figures)}")
    if args.build_only:
        return 0
    return run(args, figures, results)


if __name__ == "__main__":
    sys.exit(main())
