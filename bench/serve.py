"""Consultation under load over HTTP: gunicorn (4 workers of 4 threads, config.settings.bench = production settings on the
benchmark database) and `bench/load.py` in its own process, at 1, 8 and 32 concurrent users; the minimal view of
the same size; the same load with habilitation changes (one administrator per 50 consulting users, at least one);
the memory of the workers.

Signed-in sessions are made the way the test suite makes them (`portail.testing.auth.sign_in`: second factor
verified) and stored in the database, where gunicorn's workers read them. Every consultation and tab must leave
one journal entry: the entries written during a phase are counted and compared with the requests answered.
"""
import json
import math
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path
from urllib.request import Request, urlopen

ROOT = Path(__file__).resolve().parent.parent
WORKERS = int(os.environ.get("BENCH_GUNICORN_WORKERS", 4))
# Threads keep the connections alive: the sync worker closes each one and then waits for the client to close
# its side (gunicorn's close_graceful), which py-spy showed taking most of a worker's time under load.
GUNICORN_ARGS = os.environ.get("BENCH_GUNICORN_ARGS", "--worker-class gthread --threads 4").split()
JOURNALED = ("dossier_consulted", "tab_opened")


def _loadavg() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def _pct(values, p):
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p * len(ordered)) - 1)] if ordered else None


def _dist(section, label, values, unit="ms", **extra):
    return {"section": section, "label": label, "unit": unit, "n": len(values),
            "median": round(statistics.median(values), 2) if values else None,
            "p99": round(_pct(values, 0.99), 2) if values else None, "load": _loadavg(), **extra}


def _value(section, label, value, unit, **extra):
    return {"section": section, "label": label, "unit": unit, "value": value, "load": _loadavg(), **extra}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# gunicorn's own messages (a worker restarted, a request that failed): a file, not a pipe nobody reads while the
# load runs (a full pipe would stall the workers that write to it).
GUNICORN_LOG = ROOT / "var" / "bench-gunicorn.log"


def gunicorn_log_tail() -> str:
    return GUNICORN_LOG.read_text(errors="replace")[-2000:] if GUNICORN_LOG.exists() else ""


def start_gunicorn(port: int) -> subprocess.Popen:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.bench"}
    GUNICORN_LOG.parent.mkdir(exist_ok=True)
    with GUNICORN_LOG.open("w") as log:  # gunicorn keeps its own copy of the file
        proc = subprocess.Popen([sys.executable, "-m", "gunicorn", "bench.wsgi:application", "--workers",
                                 str(WORKERS), "--bind", f"127.0.0.1:{port}", "--log-level", "warning",
                                 "--timeout", "120", "--preload", *GUNICORN_ARGS],
                                cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=log)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError("gunicorn stopped: " + gunicorn_log_tail())
        try:
            request = Request(f"http://127.0.0.1:{port}/bench/minimal/10/", headers={"X-Forwarded-Proto": "https"})
            with urlopen(request, timeout=5) as response:
                if response.status == 200:
                    return proc
        except OSError:
            time.sleep(0.3)
    proc.terminate()
    raise RuntimeError("gunicorn did not answer within 90 s")


def worker_memory(master: subprocess.Popen) -> list[dict]:
    """Peak (VmHWM) and current (VmRSS) resident memory of each gunicorn worker, in MB."""
    import psutil

    out = []
    for child in psutil.Process(master.pid).children():
        fields = {}
        for line in Path(f"/proc/{child.pid}/status").read_text().splitlines():
            key, _, value = line.partition(":")
            if key in ("VmHWM", "VmRSS"):
                fields[key] = int(value.split()[0]) / 1024
        out.append({"pid": child.pid, "peak_mb": round(fields.get("VmHWM", 0), 1),
                    "rss_mb": round(fields.get("VmRSS", 0), 1)})
    return out


def cpu_seconds(server: subprocess.Popen, load: "LoadProcess") -> dict:
    """CPU seconds used so far by the gunicorn workers, the PostgreSQL server (every process: other work on the
    machine counts too) and the load process: the cost of a request, split, whatever the load average."""
    import psutil

    def used(proc) -> float:
        try:
            t = proc.cpu_times()
            return t.user + t.system
        except psutil.Error:
            return 0.0

    postgres = {p.pid: used(p) for p in psutil.process_iter(["name"]) if (p.info["name"] or "").startswith("postgres")}
    return {"app": {c.pid: used(c) for c in psutil.Process(server.pid).children()}, "database": postgres,
            "client": {load.proc.pid: used(psutil.Process(load.proc.pid))}}


def cpu_note(before: dict, after: dict, requests: int) -> str:
    """Per request, each part's CPU between the two readings (a process started between them counts whole; one
    that ended is left out)."""
    if not requests:
        return ""
    per = {k: sum(t - before[k].get(pid, 0.0) for pid, t in after[k].items()) / requests * 1000 for k in before}
    return "CPU per request: " + ", ".join(f"{k} {v:.1f} ms" for k, v in per.items()) + " (database: the whole server)"


def session_cookie(user) -> str:
    from django.conf import settings
    from django.test import Client

    from portail.testing.auth import sign_in

    client = sign_in(Client(), user)
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"


def browser_cookies(user, csrf_secret: str) -> str:
    """What a browser sends after its first page: the session and the CSRF cookie the portal set then (without
    it, every page would draw and set a new one, which no browser makes it do)."""
    from django.conf import settings

    return f"{session_cookie(user)}; {settings.CSRF_COOKIE_NAME}={csrf_secret}"


def readers_for(ctx, n: int, rng: random.Random) -> list[dict]:
    from django.urls import reverse
    from django.utils.crypto import get_random_string

    from portail import access
    from portail.accounts.models import User
    from portail.conventions.models import Caf
    from portail.dossiers.models import Dossier

    readers = []
    codes = dict(Caf.objects.values_list("pk", "code"))
    for user_id, caf_id in ctx.pairs:
        user = User.objects.get(pk=user_id)
        tabs = access.consultation_rights(user, caf_id).tabs
        numbers = list(Dossier.objects.filter(caf_id=caf_id).order_by("pk").values_list("number", flat=True)[:300])
        if not tabs or not numbers:
            continue
        steps = []
        for number in rng.sample(numbers, min(4, len(numbers))):
            steps.append(reverse("dossiers:open", args=[codes[caf_id], number]))
            for tab in rng.sample(tabs, min(3, len(tabs))):
                steps.append(reverse("dossiers:tab", args=[codes[caf_id], number, tab]))
        readers.append({"user": user.username, "cookie": browser_cookies(user, get_random_string(32)),
                        "steps": steps})
        if len(readers) == n:
            break
    return readers


def writers_for(n: int, avoid: set[str], rng: random.Random) -> list[dict]:
    """Administrators of the largest conventions, each adding a person of his partner to a group and removing him."""
    from django.db.models import Count
    from django.urls import reverse
    from django.utils.crypto import get_random_string

    from portail.accounts.models import User
    from portail.conventions.models import Convention
    from portail.habilitations.models import Group

    writers = []
    conventions = (Convention.objects.filter(status=Convention.Status.OPEN, closing_date__isnull=True)
                   .annotate(n=Count("groups")).order_by("-n", "pk"))[:n * 3]
    for conv in conventions:
        admin = conv.administrators.filter(status=User.Status.OPEN, closing_date__isnull=True).order_by("pk").first()
        if admin is None or admin.username in avoid:
            continue
        admins = set(conv.administrators.values_list("pk", flat=True))
        targets = list(User.objects.filter(organisation_id=conv.organisation_id, status=User.Status.OPEN,
                                           closing_date__isnull=True).exclude(pk__in=admins)
                       .exclude(username__in=avoid).order_by("pk").values_list("pk", flat=True)[:50])
        groups = list(Group.objects.filter(convention=conv, status=Group.Status.OPEN, closing_date__isnull=True)
                      .order_by("pk").values_list("pk", flat=True)[:200])
        if not targets or not groups:
            continue
        pairs = []
        for target in rng.sample(targets, min(10, len(targets))):
            member_of = set(Group.objects.filter(memberships__user_id=target).values_list("pk", flat=True))
            free = [g for g in groups if g not in member_of]
            if free:
                group = rng.choice(free)
                pairs.append([reverse("habilitations:membership_add", args=[conv.pk, target]),
                              reverse("habilitations:membership_remove", args=[conv.pk, target, group]), group])
        secret = get_random_string(32)
        writers.append({"user": admin.username, "convention": conv.pk, "csrf": secret, "pairs": pairs,
                        "cookie": browser_cookies(admin, secret)})
        if len(writers) == n:
            break
    return writers


class LoadProcess:
    """`bench/load.py` in its own process, kept for every phase: one spec line in, one result line out."""

    def __init__(self):
        self.proc = subprocess.Popen([sys.executable, str(ROOT / "bench" / "load.py")], cwd=ROOT, text=True,
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)

    def __call__(self, spec: dict) -> dict:
        started = time.perf_counter()
        self.proc.stdin.write(json.dumps(spec) + "\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError("load process failed: " + self.proc.stderr.read()[-2000:]
                               + "\n-- gunicorn (" + str(GUNICORN_LOG) + "):\n" + gunicorn_log_tail())
        result = json.loads(line)
        result["wall"] = time.perf_counter() - started
        return result

    def close(self) -> None:
        self.proc.stdin.close()
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def journal_mark() -> int:
    from django.db.models import Max

    from portail.journal.models import JournalEntry

    return JournalEntry.objects.aggregate(m=Max("id"))["m"] or 0


def journaled_since(mark: int) -> int:
    from portail.journal.models import JournalEntry

    return JournalEntry.objects.filter(id__gt=mark, action__in=JOURNALED).count()


def retried_note(result: dict) -> str:
    n = result.get("retried", 0)
    return f"; {n} GET(s) sent again, their connection closed by the server" if n else ""


def ok(kind_stats: dict) -> int:
    return sum(n for status, n in kind_stats["statuses"].items() if status in ("200", "302"))


def _phase(duration: float) -> float:
    """One alternated phase: at least 3 s at a real scale; the smoke run's own short phases at tiny."""
    return duration if duration < 1 else max(3.0, duration / 2)


def _minimal_rate(run_load, spec: dict, size: int, phase: float) -> float:
    """Requests per second of the minimal view at 8 users, for `phase` seconds."""
    result = run_load({**spec, "duration": phase, "concurrency": 8,
                       "readers": [{"kind": "minimal", "steps": [f"/bench/minimal/{size}/"]}]})
    return result["kinds"]["minimal"]["count"] / result["elapsed"]


def alternated_ratio(run_load, spec: dict, readers: list, size: int, duration: float, details: dict,
                     rounds: int = 3) -> dict:
    """Consultation ÷ minimal view at 8 users, phases alternated (C, M, C, M, …) so that the machine's own drift
    (its speed varies by tens of percent from one minute to the next) weighs on both sides: the median of the
    rounds' ratios, each round's shown beside it."""
    phase = _phase(duration)
    ratios, journal_ok = [], True
    for _ in range(rounds):
        mark = journal_mark()
        consult = run_load({**spec, "duration": phase, "concurrency": 8, "readers": readers})
        kinds = consult["kinds"]
        answered = sum(ok(kinds[k]) for k in ("consultation", "tab") if k in kinds)
        journal_ok &= journaled_since(mark) == answered
        c_rate = sum(kinds[k]["count"] for k in kinds) / consult["elapsed"]
        ratios.append((c_rate, _minimal_rate(run_load, spec, size, phase)))
    details["alternated_8"] = [{"consultation": round(c, 1), "minimal": round(m, 1)} for c, m in ratios]
    shown = ", ".join(f"{c:.0f}/{m:.0f}/s = {c / m * 100:.0f} %" for c, m in ratios)
    return _value("load", f"consultation / minimal view, 8 users, alternated ({rounds} × {phase:.0f} s each)",
                  round(statistics.median(c / m for c, m in ratios) * 100, 1), "%",
                  note=f"median of {shown}; " + ("all journaled" if journal_ok else "✗ JOURNAL MISMATCH")
                  + "; target ≥ 40 %")


# (view, label): the view of bench/urls.py (URL name `bench_<view>`) and its row's label, printed whole.
RUNGS = (("signed_in", "signed in, same bytes"), ("journaled", "signed in + 1 journal entry"))


def ladder(run_load, spec: dict, readers: list, size: int, duration: float, details: dict,
           rounds: int = 3) -> list[dict]:
    """Where the ceiling of any journaled page lies (bench/urls.py): each rung ÷ the minimal view at 8 users,
    phases alternated (M, rung 1, rung 2, M, …), the median of the rounds' ratios."""
    phase = _phase(duration)
    cookies = [r["cookie"] for r in readers]
    rates: dict[str, list[tuple[float, float]]] = {name: [] for name, _ in RUNGS}
    journal_ok = True
    from django.urls import reverse

    for _ in range(rounds):
        m_rate = _minimal_rate(run_load, spec, size, phase)
        for name, _ in RUNGS:
            mark = journal_mark()
            url = reverse(f"bench_{name}", args=[size])
            result = run_load({**spec, "duration": phase, "concurrency": 8,
                               "readers": [{"kind": name, "cookie": c, "steps": [url]} for c in cookies]})
            kind = result["kinds"][name]
            if set(kind["statuses"]) != {"200"}:
                raise RuntimeError(f"ladder rung {name}: statuses {kind['statuses']}")
            if name == "journaled":
                journal_ok &= journaled_since(mark) == kind["count"]
            rates[name].append((kind["count"] / result["elapsed"], m_rate))
    details["ladder_8"] = {name: [{"rung": round(r, 1), "minimal": round(m, 1)} for r, m in pairs]
                           for name, pairs in rates.items()}
    rows = []
    for name, label in RUNGS:
        pairs = rates[name]
        shown = ", ".join(f"{r:.0f}/{m:.0f}/s" for r, m in pairs)
        note = f"median of {shown}"
        if name == "journaled":
            note += "; " + ("all journaled" if journal_ok else "✗ JOURNAL MISMATCH")
        rows.append(_value("load", f"ceiling: {label} / minimal view, 8 users",
                           round(statistics.median(r / m for r, m in pairs) * 100, 1), "%", note=note))
    return rows


def measure(ctx, cfg: dict, *, port: int = 0, with_load: bool = True) -> tuple[list[dict], dict]:
    rng = random.Random(ctx.seed + 7)
    # BENCH_LEVELS=8 and BENCH_DURATION=5: a quicker run while profiling (the table says which were used).
    levels = tuple(int(x) for x in os.environ["BENCH_LEVELS"].split(",")) if os.environ.get("BENCH_LEVELS") \
        else cfg["levels"]
    duration = float(os.environ.get("BENCH_DURATION") or cfg["duration"])
    t0 = time.perf_counter()
    readers = readers_for(ctx, cfg.get("readers", max(levels)), rng)  # more users than readers: they share
    if not readers:
        return [_value("load", "consultation under load: not measured", None, "", note="no reader with dossiers")], {}
    n_writers = max(1, math.ceil(max(levels) / 50))
    writers = writers_for(n_writers, {r["user"] for r in readers}, rng)
    port = port or free_port()
    base = f"http://127.0.0.1:{port}"
    headers = {"X-Forwarded-Proto": "https"}
    details: dict = {"workers": WORKERS, "gunicorn_args": GUNICORN_ARGS, "readers": len(readers), "writers": [w["user"] for w in writers],
                     "duration_s": duration, "phases": {}}
    rows: list[dict] = []
    from django.db import connections

    connections.close_all()
    t1 = time.perf_counter()
    server = start_gunicorn(port)
    run_load = LoadProcess()
    details["sessions_s"], details["gunicorn_start_s"] = round(t1 - t0, 1), round(time.perf_counter() - t1, 1)
    try:
        spec = {"base": base, "origin": f"https://127.0.0.1:{port}", "headers": headers}
        ctx.log(f"== load: gunicorn {WORKERS} workers on {base}; {len(readers)} signed-in readers, "
                f"{len(writers)} writer(s); {duration} s per phase (sessions {details['sessions_s']} s, "
                f"gunicorn up in {details['gunicorn_start_s']} s)")
        warm = run_load({**spec, "duration": min(2.0, duration), "concurrency": 8, "readers": readers})  # warm-up
        ctx.log(f"  warm-up: {warm['wall']:.1f} s")
        if not with_load:
            levels = ()
        throughput, page_bytes = {}, []
        for c in levels:
            mark = journal_mark()
            cpu_before = cpu_seconds(server, run_load)
            result = run_load({**spec, "duration": duration, "concurrency": c, "readers": readers})
            cpu_after = cpu_seconds(server, run_load)
            kinds = result["kinds"]
            lat = [x for k in ("consultation", "tab") if k in kinds for x in kinds[k]["latencies_ms"]]
            answered = sum(ok(kinds[k]) for k in ("consultation", "tab") if k in kinds)
            total = sum(kinds[k]["count"] for k in kinds)
            journaled = journaled_since(mark)
            rate = total / result["elapsed"]
            throughput[c] = rate
            if "tab" in kinds:
                page_bytes += [b for b, s in zip(kinds["tab"]["bytes"], kinds["tab"]["latencies_ms"])]
            statuses = {k: v["statuses"] for k, v in kinds.items()}
            details["phases"][f"consultation_{c}"] = {"requests": total, "answered": answered, "journaled": journaled,
                                                      "elapsed": result["elapsed"], "statuses": statuses}
            cpu = cpu_note(cpu_before, cpu_after, total)
            details["phases"][f"consultation_{c}"]["cpu"] = cpu
            details["phases"][f"consultation_{c}"]["retried"] = result.get("retried", 0)
            rows.append(_value("load", f"consultation, {c} user(s): throughput", round(rate, 1), "/s",
                               note=f"{total} requests; {cpu}" + retried_note(result)))
            rows.append(_dist("load", f"consultation, {c} user(s): latency", lat,
                              note=f"journal +{journaled} for {answered} answered"
                              + (" ✓ all journaled" if journaled == answered else " ✗ MISMATCH")))
            ctx.log(f"  {c} users: {rate:.0f} req/s, p50 {statistics.median(lat):.0f} ms, "
                    f"p99 {_pct(lat, 0.99):.0f} ms; journal +{journaled} / {answered}")
        size = int(statistics.median(page_bytes)) if page_bytes else 20_000
        details["page_bytes"] = size
        for c in levels:
            cpu_before = cpu_seconds(server, run_load)
            result = run_load({**spec, "duration": duration, "concurrency": c,
                               "readers": [{"kind": "minimal", "steps": [f"/bench/minimal/{size}/"]}]})
            cpu_after = cpu_seconds(server, run_load)
            kind = result["kinds"]["minimal"]
            rate = kind["count"] / result["elapsed"]
            ratio = throughput[c] / rate if rate else None
            details["phases"][f"minimal_{c}"] = {"requests": kind["count"], "statuses": kind["statuses"]}
            rows.append(_value("load", f"minimal view ({size:,} bytes), {c} user(s): throughput", round(rate, 1), "/s",
                               note=cpu_note(cpu_before, cpu_after, kind["count"])))
            rows.append(_dist("load", f"minimal view, {c} user(s): latency", kind["latencies_ms"]))
            rows.append(_value("load", f"consultation / minimal view, {c} user(s)", round(ratio * 100, 1) if ratio
                               else None, "%", note="target ≥ 40 % at 8 users"))
        if 8 in levels:
            rows.append(alternated_ratio(run_load, spec, readers, size, duration, details))
            rows += ladder(run_load, spec, readers, size, duration, details)
        if levels and writers:
            c = max(levels)
            mark = journal_mark()
            result = run_load({**spec, "duration": duration, "concurrency": c, "readers": readers,
                               "writers": writers})
            kinds = result["kinds"]
            lat = [x for k in ("consultation", "tab") if k in kinds for x in kinds[k]["latencies_ms"]]
            answered = sum(ok(kinds[k]) for k in ("consultation", "tab") if k in kinds)
            journaled = journaled_since(mark)
            reads = sum(kinds[k]["count"] for k in ("consultation", "tab") if k in kinds)
            writes = kinds.get("habilitation change", {"count": 0, "latencies_ms": [], "statuses": {}})
            rate = reads / result["elapsed"]
            details["phases"][f"mixed_{c}"] = {"reads": reads, "answered": answered, "journaled": journaled,
                                               "writes": writes["count"], "write_statuses": writes["statuses"]}
            rows.append(_value("load", f"mixed: {c} readers + {len(writers)} administrator(s), reads throughput",
                               round(rate, 1), "/s", note=f"{round(rate / throughput[c] * 100)} % of the reads alone"))
            rows.append(_dist("load", f"mixed: {c} readers, read latency", lat,
                              note=f"journal +{journaled} for {answered} answered"))
            from portail.journal.models import JournalEntry

            changes = JournalEntry.objects.filter(id__gt=mark, action__in=("membership_added", "membership_removed"))
            details["phases"][f"mixed_{c}"]["changes_journaled"] = changes.count()
            rows.append(_dist("load", "mixed: habilitation change (add / remove a member)", writes["latencies_ms"],
                              note=f"{writes['count']} requests, statuses {dict(writes['statuses'])}, "
                                   f"{details['phases'][f'mixed_{c}']['changes_journaled']} changes journaled"))
        memory = worker_memory(server)
        details["worker_memory"] = memory
        if memory:
            rows.append(_value("memory", f"gunicorn worker peak memory (max of {len(memory)}, VmHWM)",
                               max(m["peak_mb"] for m in memory), "MB",
                               note="RSS now " + ", ".join(f"{m['rss_mb']:.0f}" for m in memory) + " MB"))
    finally:
        run_load.close()
        server.send_signal(signal.SIGINT)  # quick shutdown: the load is over
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
    return rows, details
