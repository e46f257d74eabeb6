"""`make bench BENCH_SCALE=tiny|small|national`: build (once) a PostgreSQL benchmark database, then measure.

    .venv/bin/python bench/run.py --scale small [--rebuild] [--database-url URL] [--only load,pages]

Build: the database `portail_bench_<scale>` (or BENCH_DATABASE_URL / --database-url) is created with the
PostgreSQL superuser if missing, migrated, then filled with bulk loading: habilitations
(`habilitations_data.generate`), a year of journal (`supervision_data.load_journal`, COPY), the usage counters
of the latest entries (`manage.py usage_aggregate`) and the allocataire files through the project's own
generator and loader (`manage.py generate_dossiers`, COPY, one worker process per core, started alongside the
journal's sealing and the usage counters); at the national scale a distinct base of 50,000 files, multiplied
in PostgreSQL up to the million (`replicate_dossiers.py`). A marker table (`bench_marker`) records the scale
and a hash of the schema and of the generators: the next run reuses the database as long as both match, and
rebuilds it otherwise.

Measure, each figure as median and p99, with the core count and the load average beside:
rights (`bench/rights.py`), consultation under load over HTTP (gunicorn, 4 workers, production settings;
`bench/load.py` in its own process at 1, 8 and 32 concurrent users; the minimal view of the same size; the same
load with habilitation changes), pages at scale with their query counts (`bench/pages.py`), the journal
(`bench/journal.py`), the memory of a gunicorn worker and the generator's time and memory.
One table on stdout, the JSON in bench/results/<date>-<scale>.json.
"""
import argparse
import hashlib
import importlib
import json
import math
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import traceback
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(1, str(ROOT / "bench"))

SCALES = {
    # habilitations: the factor of habilitations_data.Sizes.scaled (1.0 = 100,000 users, 50,000 groups…)
    "tiny": {"habilitations": 0.002, "dossiers": 200, "journal": 3_000, "aggregate": 500, "samples": 40,
             "duration": 0.3, "page_runs": 1, "warmups": 1, "levels": (1, 8, 32), "readers": 8},
    "small": {"habilitations": 0.1, "dossiers": 20_000, "journal": 300_000, "aggregate": 30_000, "samples": 300,
              "duration": 6.0, "page_runs": 10, "warmups": 2, "levels": (1, 8, 32)},
    # dossiers_base: distinct files made by the generator, then multiplied in PostgreSQL (replicate_dossiers.py)
    "national": {"habilitations": 1.0, "dossiers": 1_000_000, "dossiers_base": 50_000, "journal": 10_000_000,
                 "aggregate": 200_000,
                 "samples": 1000, "duration": 15.0, "page_runs": 20, "warmups": 2, "levels": (1, 8, 32)},
}
SEED = 42
VERSION_FILES = ["bench/habilitations_data.py", "bench/supervision_data.py", "bench/replicate_dossiers.py"]
VERSION_GLOBS = ["portail/*/migrations/*.py", "portail/dossiers/generation/*.py", "portail/dossiers/loading/*.py"]
SECTIONS = ("rights", "load", "pages", "journal", "memory")


def log(message: str) -> None:
    print(message, flush=True)


def loadavg() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p * len(ordered)) - 1)] if ordered else float("nan")


def dist_row(section: str, label: str, values: list[float], unit: str = "ms", **extra) -> dict:
    return {"section": section, "label": label, "unit": unit, "n": len(values),
            "median": round(statistics.median(values), 3) if values else None,
            "p99": round(percentile(values, 0.99), 3) if values else None, "load": loadavg(), **extra}


def value_row(section: str, label: str, value, unit: str, **extra) -> dict:
    return {"section": section, "label": label, "unit": unit, "value": value, "load": loadavg(), **extra}


# ------------------------------------------------------------------------------------------- database


def default_url(scale: str) -> str:
    return os.environ.get("BENCH_DATABASE_URL") or f"postgres://postgres@127.0.0.1:5432/portail_bench_{scale}"


def admin_connection(url: str):
    """A psycopg connection to the server's maintenance database, autocommit (CREATE/DROP DATABASE)."""
    import psycopg

    parts = urlsplit(url)
    return psycopg.connect(urlunsplit(parts._replace(path="/postgres")), autocommit=True)


def database_exists(url: str) -> bool:
    name = urlsplit(url).path.lstrip("/")
    with admin_connection(url) as conn:
        return conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is not None


def create_database(url: str, template: str | None) -> None:
    name = urlsplit(url).path.lstrip("/")
    with admin_connection(url) as conn:
        if template:
            conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
        else:
            conn.execute(f'CREATE DATABASE "{name}"')
    log(f"== created database {name}" + (f" from {template}" if template else ""))


def drop_database(url: str) -> None:
    name = urlsplit(url).path.lstrip("/")
    with admin_connection(url) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    log(f"== dropped database {name}")


def _digest(paths, seed: bytes = b"") -> str:
    digest = hashlib.sha256(seed)
    for path in paths:
        digest.update(str(path.relative_to(ROOT)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def version_hash(scale: str) -> str:
    """« data:schema »: the data part (the scale's sizes, the generators and loaders) changing means rebuilding;
    the schema part (the migrations) alone changing means migrating the data already there."""
    data = _digest([ROOT / f for f in VERSION_FILES] + sorted(p for g in VERSION_GLOBS[1:] for p in ROOT.glob(g)),
                   json.dumps(SCALES[scale], sort_keys=True).encode())
    schema = _digest(sorted(ROOT.glob(VERSION_GLOBS[0])))
    return f"{data}:{schema}"


def read_marker() -> dict | None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass('bench_marker')")
        if cursor.fetchone()[0] is None:
            return None
        cursor.execute("SELECT scale, version, built_at, figures FROM bench_marker ORDER BY built_at DESC LIMIT 1")
        row = cursor.fetchone()
    if row is None:
        return None
    figures = row[3] if isinstance(row[3], dict) else json.loads(row[3])
    return {"scale": row[0], "version": row[1], "built_at": str(row[2]), "figures": figures}


def write_marker(scale: str, version: str, figures: dict) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE IF NOT EXISTS bench_marker (scale text NOT NULL, version text NOT NULL, "
                       "built_at timestamptz NOT NULL DEFAULT now(), figures jsonb NOT NULL)")
        cursor.execute("DELETE FROM bench_marker")
        cursor.execute("INSERT INTO bench_marker (scale, version, figures) VALUES (%s, %s, %s)",
                       [scale, version, json.dumps(figures)])


# ------------------------------------------------------------------------------------------- build


def manage(*args: str, env: dict | None = None, check: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env or os.environ.copy(),
                          check=check, capture_output=True, text=True)


def start_generator(total: int, workers: int) -> dict | None:
    """Start the generator's processes (one per share of the Cafs) in the background; None with one worker
    (it then runs in this process, in `build_dossiers`)."""
    from portail.conventions.models import Caf

    if workers == 1:
        return None
    codes = list(Caf.objects.order_by("code").values_list("code", flat=True))
    shares = [codes[i::workers] for i in range(workers) if codes[i::workers]]
    procs = []
    for share in shares:
        count = round(total * len(share) / len(codes))
        cmd = [sys.executable, "manage.py", "generate_dossiers", "--dossiers", str(count), "--seed", str(SEED)]
        for code in share:
            cmd += ["--caf", code]
        out = tempfile.TemporaryFile("w+")  # a file, not a pipe: nobody reads while it runs
        procs.append((subprocess.Popen(cmd, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, text=True), out))
    return {"total": total, "procs": procs, "started": time.perf_counter()}


def build_dossiers(total: int, workers: int, base: int | None = None, running: dict | None = None) -> dict:
    """The project's generator and loader, one process per share of the Cafs; time and peak memory of each.
    With `base`, only that many distinct files are generated, then copied in PostgreSQL up to `total`.
    `running`: the generator already started by `start_generator` (for `base` files when given)."""
    if base and base < total:
        from replicate_dossiers import replicate

        figures = build_dossiers(base, workers, running=running)
        log(f"== dossiers: {base:,} generated, copied in PostgreSQL up to {total:,} (replicate_dossiers)")
        figures["replication"] = replicate(total, SEED, log=log)
        return figures
    if running is None and workers == 1:  # in this process (the smoke test's scale): no second Django start-up
        from django.core.management import call_command

        started, before = time.perf_counter(), time.process_time()
        call_command("generate_dossiers", dossiers=total, seed=SEED, verbosity=0, stdout=open(os.devnull, "w"))
        seconds, cpu = time.perf_counter() - started, time.process_time() - before
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        log(f"  {total:,} dossiers in {seconds:.0f} s in this process (CPU {cpu:.0f} s, peak {peak:.0f} MB)")
        return {"dossiers": total, "processes": 1, "seconds": round(seconds, 1), "cpu_s": round(cpu, 1),
                "peak_rss_mb": round(peak, 1), "files_per_s": round(total / seconds) if seconds else None}
    running = running or start_generator(total, workers)
    peak_kb, cpu = 0, 0.0
    for proc, out in running["procs"]:
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        output = out.read().strip()
        peak_kb = max(peak_kb, usage.ru_maxrss)
        cpu += usage.ru_utime + usage.ru_stime
        if proc.returncode:
            raise RuntimeError(f"generate_dossiers failed: {output[-2000:]}")
    seconds = time.perf_counter() - running["started"]
    log(f"  {total:,} dossiers in {seconds:.0f} s by {len(running['procs'])} processes (CPU {cpu:.0f} s, peak "
        f"{peak_kb / 1024:.0f} MB per process)")
    return {"dossiers": total, "processes": len(running["procs"]), "seconds": round(seconds, 1),
            "cpu_s": round(cpu, 1), "peak_rss_mb": round(peak_kb / 1024, 1),
            "files_per_s": round(total / seconds) if seconds else None}


def build(scale: str, workers: int) -> dict:
    from django.db import connection

    from habilitations_data import Sizes, generate
    from supervision_data import load_journal, touch_habilitations

    cfg = SCALES[scale]
    figures: dict = {"scale": scale, "workers": workers}
    from django.core.cache import cache

    cache.clear()  # a rebuilt database starts with no cached rights (Redis: the benchmark's own database 5)
    started = time.perf_counter()
    sizes = Sizes.scaled(cfg["habilitations"])
    log(f"== habilitations: {sizes}")
    counts = generate(sizes, SEED, log=log)
    figures["habilitations"] = {"rows": sum(counts.rows.values()), "seconds": round(counts.seconds, 1),
                                **touch_habilitations(SEED, log=log)}
    log(f"== journal: {cfg['journal']:,} entries over 365 days (COPY)")
    figures["journal"] = load_journal(cfg["journal"], SEED, log=log)
    # The generator's processes run alongside the journal's sealing and the usage counters (the journal is
    # loaded: the entries of their loads come after it); only the distinct base when the files are then copied.
    generated = cfg.get("dossiers_base") or cfg["dossiers"]
    running = start_generator(generated, workers)
    if running:
        log(f"== dossiers: generate_dossiers started ({generated:,} files, {workers} processes), alongside the "
            "sealing and the usage counters")
    try:
        hook = importlib.import_module("bench.journal")
    except ImportError:
        hook = None
    if hook is not None and hasattr(hook, "prepare"):
        from bench.context import BenchContext

        figures["journal"]["prepare"] = hook.prepare(BenchContext(scale=scale, quick=scale == "tiny", log=log,
                                                                  database_url=os.environ["DATABASE_URL"]))
    # The usage counters of the latest entries (the aggregator reads about 6,000 entries/s).
    from portail.supervision.models import UsageCursor

    last = cfg["journal"]
    UsageCursor.objects.update_or_create(pk=1, defaults={"last_id": max(0, last - cfg["aggregate"])})
    t0 = time.perf_counter()
    from django.core.management import call_command

    call_command("usage_aggregate", stdout=open(os.devnull, "w"))
    figures["usage_aggregate"] = {"entries": cfg["aggregate"], "seconds": round(time.perf_counter() - t0, 1)}
    log(f"== usage counters of the latest {cfg['aggregate']:,} entries: {figures['usage_aggregate']['seconds']} s")
    log(f"== dossiers: {cfg['dossiers']:,} with a year of payments (generate_dossiers, {workers} processes)")
    figures["generator"] = build_dossiers(cfg["dossiers"], workers, cfg.get("dossiers_base"), running)
    t0 = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE") if connection.get_autocommit() else cursor.execute("ANALYZE")
    figures["analyze_s"] = round(time.perf_counter() - t0, 1)
    log(f"== VACUUM ANALYZE: {figures['analyze_s']} s")
    figures["seconds"] = round(time.perf_counter() - started, 1)
    figures["sizes"] = table_sizes()
    gen = figures["generator"]
    phases = {"habilitations": figures["habilitations"]["seconds"], "journal": figures["journal"]["total_s"],
              "journal.prepare": (figures["journal"].get("prepare") or {}).get("seconds"),
              "usage_aggregate": figures["usage_aggregate"]["seconds"], "generate_dossiers": gen["seconds"],
              "replicate_dossiers": (gen.get("replication") or {}).get("seconds"),
              "VACUUM ANALYZE": figures["analyze_s"]}
    log(f"== built in {figures['seconds']:.0f} s: " + ", ".join(f"{k} {v:.0f} s" for k, v in phases.items()
                                                              if v is not None))
    return figures


def table_sizes() -> dict:
    from django.db import connection

    from portail.accounts.models import User
    from portail.conventions.models import Caf, Convention
    from portail.dossiers.models import Dossier
    from portail.habilitations.models import Group, Membership
    from portail.journal.models import JournalEntry

    def estimate(model) -> int:
        with connection.cursor() as cursor:
            cursor.execute("SELECT reltuples::bigint FROM pg_class WHERE oid = %s::regclass", [model._meta.db_table])
            n = cursor.fetchone()[0]
        return n if n and n > 100_000 else model.objects.count()

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_database_size(current_database())")
        size = cursor.fetchone()[0]
    return {"cafs": Caf.objects.count(), "conventions": Convention.objects.count(), "groups": Group.objects.count(),
            "users": estimate(User), "memberships": estimate(Membership), "dossiers": estimate(Dossier),
            "journal_entries": estimate(JournalEntry), "database_mb": round(size / 2**20)}


def _holds_rows() -> bool:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass('conventions_caf')")
        if cursor.fetchone()[0] is None:
            return False
        cursor.execute("SELECT EXISTS (SELECT 1 FROM conventions_caf) OR EXISTS (SELECT 1 FROM accounts_user)")
        return cursor.fetchone()[0]


def prepare_database(args) -> dict:
    """Create, check the marker, rebuild when the scale or the version changed; return the build's figures."""
    url = args.database_url
    version = version_hash(args.scale)
    if args.rebuild and database_exists(url):
        drop_database(url)
    if not database_exists(url):
        create_database(url, args.template)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connections

    if args.template and _holds_rows():
        log(f"== the template {args.template} holds rows: a fresh database instead")
        connections.close_all()
        drop_database(url)
        create_database(url, None)

    marker = read_marker()
    if marker and marker["scale"] == args.scale and marker["version"].split(":")[0] == version.split(":")[0]:
        log(f"== reusing {urlsplit(url).path.lstrip('/')} (scale {args.scale}, version {version}, built "
            f"{marker['built_at']})")
        if marker["version"] != version:
            t0 = time.perf_counter()
            call_command("migrate", verbosity=0, interactive=False)
            log(f"== new migrations applied to the data already there in {time.perf_counter() - t0:.0f} s")
            write_marker(args.scale, version, marker["figures"])
        return {**marker["figures"], "reused": True}
    from portail.conventions.models import Caf

    try:
        has_data = marker is not None or Caf.objects.exists()
    except Exception:  # not migrated yet
        has_data = False
    if has_data:
        log(f"== {urlsplit(url).path.lstrip('/')} was built for "
            f"{(marker or {}).get('scale')}/{(marker or {}).get('version')}: rebuilding")
        connections.close_all()
        drop_database(url)
        create_database(url, args.template)
    t0 = time.perf_counter()
    call_command("migrate", verbosity=0, interactive=False)
    log(f"== migrated in {time.perf_counter() - t0:.0f} s")
    figures = build(args.scale, args.workers)
    write_marker(args.scale, version, figures)
    return {**figures, "reused": False}


# ------------------------------------------------------------------------------------------- context


def consultation_pairs(n: int, rng: random.Random) -> list[tuple[int, int]]:
    """(user id, Caf id) of open partner users who really hold a Cdap tab at that Caf (checked by access)."""
    from portail import access
    from portail.accounts.models import User
    from portail.conventions.models import Convention
    from portail.habilitations.models import Group, GroupRole, Membership

    candidates = list(
        Membership.objects.filter(user__status=User.Status.OPEN, user__closing_date__isnull=True,
                                  user__organisation__isnull=False, group__status=Group.Status.OPEN,
                                  group__convention__status=Convention.Status.OPEN,
                                  group__group_roles__state=GroupRole.State.ACTIVE,
                                  group__group_roles__role__service__code="CDAP")
        .values_list("user_id", "group__convention__caf_id").distinct().order_by("user_id", "group__convention__caf_id"))
    rng.shuffle(candidates)
    users = {u.pk: u for u in User.objects.filter(pk__in=[u for u, _ in candidates[:n * 3]])}
    pairs, seen = [], set()
    for user_id, caf_id in candidates[:n * 3]:
        if user_id in seen:
            continue
        if access.consultation_rights(users[user_id], caf_id).tabs:
            pairs.append((user_id, caf_id))
            seen.add(user_id)
        if len(pairs) == n:
            break
    return pairs


def call_measure(module_name: str, ctx, section: str) -> tuple[list[dict], dict]:
    try:
        module = importlib.import_module(module_name)
    except ImportError as error:
        return [value_row(section, f"{section}: not measured", None, "", note=f"{module_name} absent ({error})")], {}
    if not hasattr(module, "measure"):
        return [value_row(section, f"{section}: not measured", None, "", note=f"{module_name}.measure missing")], {}
    started = time.perf_counter()
    try:
        result = module.measure(ctx) or {}
    except Exception as error:  # a failing part must not hide the others
        traceback.print_exc()
        return [value_row(section, f"{section}: failed", None, "", note=f"{type(error).__name__}: {error}"[:200])], {}
    rows = []
    for row in result.get("rows", []):
        rows.append({"section": section, "load": loadavg(), **row})
    log(f"== {section}: {len(rows)} figures in {time.perf_counter() - started:.1f} s")
    return rows, result.get("details", {})


# ------------------------------------------------------------------------------------------- output


def fmt(value, unit: str) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        if abs(value) >= 100:
            return f"{value:,.0f}"
        if abs(value) >= 10:
            return f"{value:.1f}"
        return f"{value:.3g}" if abs(value) < 1 else f"{value:.2f}"
    return f"{value:,}" if isinstance(value, int) else str(value)


def print_table(rows: list[dict], header: str) -> str:
    lines = [header]
    width = min(78, max(len(r["label"]) for r in rows))
    lines.append(f"{'measure':<{width}}  {'median':>9}  {'p99/value':>10}  {'unit':<4}  {'load 1/5/15':<15}  note")
    lines.append("-" * (width + 60))
    section = None
    for r in rows:
        if r["section"] != section:
            section = r["section"]
            lines.append(f"[{section}]")
        label = r["label"] if len(r["label"]) <= width else r["label"][:width - 1] + "…"
        if "value" in r:
            median, second = "", fmt(r["value"], r["unit"])
        else:
            median, second = fmt(r.get("median"), r["unit"]), fmt(r.get("p99"), r["unit"])
        note = r.get("note", "")
        if r.get("queries") not in (None, ""):
            note = f"{r['queries']} q" + (f"; {note}" if note else "")
        lines.append(f"{label:<{width}}  {median:>9}  {second:>10}  {r['unit']:<4}  {r.get('load', ''):<15}  {note}")
    text = "\n".join(lines)
    print(text, flush=True)
    return text


# ------------------------------------------------------------------------------------------- main


def use_redis(args) -> None:
    """The shared cache of production: Redis when it answers on 127.0.0.1:6379 (unless REDIS_URL is given),
    its keys prefixed by the database and its version (a rebuilt database reuses no entry)."""
    import socket

    if os.environ.get("REDIS_URL") is None:
        try:
            with socket.create_connection(("127.0.0.1", 6379), timeout=1) as sock:
                sock.sendall(b"PING\r\n")
                if not sock.recv(16).startswith(b"+PONG"):
                    return
        except OSError:
            return
        os.environ["REDIS_URL"] = "redis://127.0.0.1:6379/5"
    name = urlsplit(args.database_url).path.lstrip("/")
    os.environ.setdefault("CACHE_KEY_PREFIX", f"bench-{name}-{version_hash(args.scale).replace(':', '-')}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", choices=SCALES, default=os.environ.get("BENCH_SCALE", "small"))
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--template", default=None, help="create the database from this (migrated) one")
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--build-only", action="store_true")
    parser.add_argument("--only", default=",".join(SECTIONS), help=f"sections to measure: {','.join(SECTIONS)}")
    parser.add_argument("--results-dir", default=str(ROOT / "bench" / "results"))
    parser.add_argument("--workers", type=int, default=int(os.environ.get("BENCH_WORKERS", os.cpu_count() or 1)))
    parser.add_argument("--port", type=int, default=int(os.environ.get("BENCH_PORT", 0)))
    args = parser.parse_args(argv)
    args.database_url = args.database_url or default_url(args.scale)
    if not args.database_url.startswith(("postgres://", "postgresql://")):
        sys.exit("PostgreSQL only: --database-url postgres://…")
    os.environ["DATABASE_URL"] = args.database_url
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.bench"
    os.environ.setdefault("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
    os.environ.setdefault("DB_CONN_MAX_AGE", "600")
    # One anchor file per database: building one scale must not replace the anchor of another's journal.
    os.environ.setdefault("JOURNAL_ANCHOR_FILE", str(
        ROOT / "var" / f"bench-journal-anchors-{urlsplit(args.database_url).path.lstrip('/')}.jsonl"))
    use_redis(args)
    cfg = SCALES[args.scale]
    started = time.perf_counter()
    log(f"== make bench, scale {args.scale}: {os.cpu_count()} CPU, load {loadavg()}, "
        f"database {urlsplit(args.database_url).path.lstrip('/')}, cache "
        f"{os.environ.get('REDIS_URL') or 'database'}")
    build_figures = prepare_database(args)
    if args.build_only:
        return 0

    from django.conf import settings
    from django.db import connection

    from bench.context import BenchContext

    rng = random.Random(SEED + 1)
    sections = [s.strip() for s in args.only.split(",") if s.strip()]
    ctx = BenchContext(scale=args.scale, quick=args.scale == "tiny", database_url=args.database_url, seed=SEED,
                       samples=cfg["samples"], pairs=consultation_pairs(cfg["samples"], rng),
                       sizes=build_figures.get("sizes") or table_sizes(), log=log)
    log(f"== {len(ctx.pairs)} (user, Caf) pairs with Cdap rights; sizes {ctx.sizes}")
    rows: list[dict] = []
    details: dict = {"build": build_figures}
    if "rights" in sections:
        got, details["rights"] = call_measure("bench.rights", ctx, "rights")
        rows += got
    if "load" in sections or "memory" in sections:
        from bench import serve

        t0 = time.perf_counter()
        got, details["load"] = serve.measure(ctx, cfg, port=args.port, with_load="load" in sections)
        rows += got
        log(f"== load: {len(got)} figures in {time.perf_counter() - t0:.1f} s")
    if "pages" in sections:
        from bench import pages

        t0 = time.perf_counter()
        got, details["pages"] = pages.measure(ctx, cfg)
        rows += got
        log(f"== pages: {len(got)} figures in {time.perf_counter() - t0:.1f} s")
    if "journal" in sections:
        got, details["journal"] = call_measure("bench.journal", ctx, "journal")
        rows += got
    gen = build_figures.get("generator") or {}
    if gen:
        rows.append(value_row("generator", f"generate_dossiers: {gen['dossiers']:,} files, {gen['processes']} "
                              "processes, wall time", gen["seconds"], "s",
                              note=f"{gen.get('files_per_s')} files/s, CPU {gen.get('cpu_s')} s"
                              + (" (built earlier, reused)" if build_figures.get("reused") else "")))
        rows.append(value_row("generator", "generate_dossiers: peak memory of one process", gen["peak_rss_mb"], "MB"))
    if build_figures.get("seconds") is not None:
        rows.append(value_row("generator", f"whole build ({args.scale})", build_figures["seconds"], "s",
                              note="reused this run" if build_figures.get("reused") else ""))

    stamp = time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime())
    header = (f"make bench — scale {args.scale} — {stamp} — {os.cpu_count()} CPU, "
              f"load {loadavg()} — PostgreSQL {connection.cursor().connection.info.server_version}, "
              f"database {connection.settings_dict['NAME']}, settings {settings.SETTINGS_MODULE}")
    print()
    table = print_table(rows, header)
    results = Path(args.results_dir)
    results.mkdir(parents=True, exist_ok=True)
    target = results / f"{stamp[:10]}-{args.scale}.json"
    target.write_text(json.dumps({
        "date": stamp, "scale": args.scale, "cpu_count": os.cpu_count(),
        "loadavg_end": os.getloadavg(), "database": connection.settings_dict["NAME"],
        "seconds": round(time.perf_counter() - started, 1), "rows": rows, "details": details, "table": table,
    }, indent=2, ensure_ascii=False, default=str))
    log(f"\n{len(rows)} figures in {time.perf_counter() - started:.0f} s; JSON: {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
