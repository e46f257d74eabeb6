"""Effective rights of (user, Caf): ours without and with the cache, and pycasbin on the same grants.

Entry points:

- `measure(ctx) -> dict` — called by `make bench` (bench/run.py) with a `bench.context.BenchContext`: Django is set
  up on the benchmark database; `ctx.pairs` are (user id, Caf id) of open partner users holding a Cdap tab at
  that Caf, `ctx.samples` the number of timed calls per row, `ctx.quick` a short run (the test suite's smoke run).
  Returns {"rows": [...], "details": {...}} (rows: label, unit, median, p99, n — or value — and an optional note).
- `python -m bench.rights [--samples N] [--users N]` — the same table against the database of the current settings
  (DJANGO_SETTINGS_MODULE, DATABASE_URL; REDIS_URL for the Redis cache).

Rows (milliseconds, median and p99 over `samples` calls spread over the pairs):

1. ours, uncached — `rights.cdap_rights_by_caf(user, day)`: what a cache miss computes (the user's open groups
   with their convention and Caf, then the active Cdap roles of those groups and of their open ancestors: one
   statement on PostgreSQL, two indexed queries elsewhere), every Caf at once;
2. ours, before — `roles_of(user, caf_id, "CDAP")`, the former three-query path, for comparison;
3. ours, cached — `consultation_rights(user, caf_id)` with the entry warm in this process: the three version
   stamps come from the process's mirror of Redis, kept exact by pub/sub (no round trip), or from one query
   on the database's cache table when REDIS_URL is not set;
4. ours, cached in another worker — the same with this process's copy of the entry dropped: one more round trip;
5. pycasbin `enforce`, one role — RBAC with domains, one domain per Caf: `g, user, group, caf`,
   `g, group, role, caf`, `p, role, caf, role, hold`; `enforce(user, caf, role, "hold")` for one role he holds;
6. pycasbin, all five Cdap roles — `enforce` for each of the five most common Cdap roles (what our call answers
   at once: every role, hence every tab);
7. ratios: ours (uncached and cached) / pycasbin five roles.
8. the machine's pauses: how often a busy loop is held up for over 50 µs, and how long (what makes the p99 of
   calls that last tens of µs).

pycasbin is loaded with the grants as they are effective (memberships not ended, of open groups whose ancestors
are open, in open conventions; group roles active and held by every ancestor, R3): its model has no dates nor
ancestors, so it answers the same question on pre-digested grants.
"""
import argparse
import os
import random
import statistics
import time
from datetime import date
from pathlib import Path

ROLE_COUNT = 5
MODEL = """
[request_definition]
r = sub, dom, obj, act

[policy_definition]
p = sub, dom, obj, act

[role_definition]
g = _, _, _

[policy_effect]
e = some(where (p.eft == allow))

[matchers]
m = g(r.sub, p.sub, r.dom) && r.dom == p.dom && r.obj == p.obj && r.act == p.act
"""


def _timed(fn, args_list: list, samples: int) -> list[float]:
    """Milliseconds of `fn(*args)` over `samples` calls cycling through `args_list`."""
    out = []
    perf = time.perf_counter
    for i in range(samples):
        args = args_list[i % len(args_list)]
        start = perf()
        fn(*args)
        out.append((perf() - start) * 1000)
    return out


def machine_pauses(seconds: float = 2.0, threshold_us: float = 50.0) -> dict:
    """The machine's own noise: a busy loop that only reads the clock, and each gap longer than `threshold_us`
    (the process was not running: the hypervisor, an interrupt, another process). A timed call of d µs meets
    one with a probability of about rate × d: for calls of tens of µs, these pauses make the p99."""
    perf = time.perf_counter
    gaps = []
    start = last = perf()
    while last - start < seconds:
        now = perf()
        if now - last > threshold_us / 1e6:
            gaps.append((now - last) * 1e6)
        last = now
    gaps.sort()
    note = (f"{len(gaps)} in {seconds:g} s, of {statistics.median(gaps):.0f} µs median, "
            f"{gaps[int(len(gaps) * 0.99)]:.0f} µs p99" if gaps else f"none in {seconds:g} s")
    return {"label": f"machine: pauses over {threshold_us:.0f} µs seen by a busy loop", "unit": "/s",
            "value": round(len(gaps) / seconds, 1), "note": note}


def _row(label: str, values: list[float], note: str = "") -> dict:
    ordered = sorted(values)
    row = {"label": label, "unit": "ms", "median": round(statistics.median(ordered), 4),
           "p99": round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))], 4), "n": len(ordered)}
    if note:
        row["note"] = note
    return row


def effective_grants(day: date, caf_ids: set[int] | None = None) -> tuple[list, list]:
    """(user → group, Caf) and (group → role code, Caf) links as the portal's rules make them effective on `day`."""
    from django.db.models import Q

    from portail.access.rights import CDAP
    from portail.conventions.models import Convention
    from portail.core.periods import open_on_q
    from portail.habilitations.models import Group, GroupRole, Membership

    conventions = Convention.objects.open_on(day).filter(services__code=CDAP)
    if caf_ids is not None:
        conventions = conventions.filter(caf_id__in=caf_ids)
    groups = {g: (path, caf) for g, path, caf in Group.objects.filter(open_on_q(day), convention__in=conventions)
              .values_list("pk", "path", "convention__caf_id")}
    held: dict[int, set[str]] = {}
    for group_id, code in (GroupRole.objects.filter(group_id__in=list(groups), state=GroupRole.State.ACTIVE,
                                                   role__service__code=CDAP)
                           .values_list("group_id", "role__code").iterator(chunk_size=20_000)):
        held.setdefault(group_id, set()).add(code)
    group_links = []
    for group_id, (path, caf) in groups.items():
        ancestors = [int(p) for p in path.strip("/").split("/") if p][:-1]
        for code in held.get(group_id, ()):
            if all(a in groups and code in held.get(a, ()) for a in ancestors):
                group_links.append((f"group:{group_id}", f"role:{code}", f"caf:{caf}"))
    user_links = []
    for user_id, group_id, organisation_id, group_org in (
        Membership.objects.filter(Q(ends_on__isnull=True) | Q(ends_on__gte=day), group_id__in=list(groups),
                                  user__status="ouvert", user__is_active=True, user__opening_date__lte=day)
        .filter(Q(user__closing_date__isnull=True) | Q(user__closing_date__gte=day))
        .values_list("user_id", "group_id", "user__organisation_id", "group__convention__organisation_id")
        .iterator(chunk_size=20_000)
    ):
        if organisation_id == group_org:
            user_links.append((f"user:{user_id}", f"group:{group_id}", f"caf:{groups[group_id][1]}"))
    return user_links, group_links


def casbin_enforcer(user_links: list, group_links: list):
    """pycasbin loaded from its file adapter (its `add_policies` checks each rule against the others: minutes for
    160,000 links; the adapter reads them as its own CSV policy, in about a second)."""
    import tempfile

    import casbin

    policies = sorted({(role, caf, role, "hold") for _, role, caf in group_links})
    with tempfile.TemporaryDirectory() as folder:
        model, policy = Path(folder) / "model.conf", Path(folder) / "policy.csv"
        model.write_text(MODEL)
        with policy.open("w") as out:
            for rule in policies:
                out.write("p, " + ", ".join(rule) + "\n")
            for link in user_links + group_links:
                out.write("g, " + ", ".join(link) + "\n")
        return casbin.Enforcer(str(model), str(policy))


def _cached_backend() -> str:
    from django.conf import settings

    return settings.CACHES[getattr(settings, "RIGHTS_CACHE", "default")]["BACKEND"].rsplit(".", 1)[-1]


def _uncached_note() -> str:
    from django.db import connection

    return "1 statement (PostgreSQL)" if connection.vendor == "postgresql" else "2 queries"


def _cached_note() -> str:
    if _cached_backend() == "RedisCache":
        return "stamps from the process's mirror (pub/sub): no round trip"
    return "stamps: 1 query"


def measure(ctx) -> dict:
    from portail.access import consultation_rights, rights, rights_cache, roles_of
    from portail.accounts.models import User
    from portail.core.clock import today

    log = getattr(ctx, "log", print)
    day = today()
    pairs = list(ctx.pairs)
    if not pairs:
        return {"rows": [{"label": "rights", "unit": "", "value": 0, "note": "no (user, Caf) pair with Cdap rights"}],
                "details": {}}
    samples = max(ctx.samples, 20)
    users = User.objects.in_bulk([u for u, _ in pairs])
    calls = [(users[u], c) for u, c in pairs]
    rng = random.Random(getattr(ctx, "seed", 42))
    rng.shuffle(calls)

    # A database built before the cache table existed gets it (the database cache; Redis needs nothing), and
    # whatever a previous build of this database left in a shared cache is stale: start clean.
    from django.core.management import call_command

    call_command("createcachetable", verbosity=0)
    rights_cache.invalidate_everything()
    rights_cache.forget_local()

    # What the process built so far is frozen, as a gunicorn worker's loaded code is (bench/wsgi.py): its full
    # collections stay short, and a timed call does not pay for them.
    import gc

    gc.collect()
    gc.freeze()
    uncached = _timed(lambda user, caf: rights.cdap_rights_by_caf(user, day), calls, samples)
    before = _timed(lambda user, caf: roles_of(user, caf_id=caf, service_code=rights.CDAP), calls, samples)
    for user, caf in calls:
        consultation_rights(user, caf)  # warm
    cached = _timed(lambda user, caf: consultation_rights(user, caf), calls, samples)

    def other_worker(user, caf):
        rights_cache._entries.pop((user.pk, day), None)
        consultation_rights(user, caf)

    cached_elsewhere = _timed(other_worker, calls, samples)

    t0 = time.perf_counter()
    caf_ids = None if not ctx.quick else {c for _, c in pairs}
    user_links, group_links = effective_grants(day, caf_ids)
    read_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    enforcer = casbin_enforcer(user_links, group_links)
    load_s = time.perf_counter() - t0
    log(f"rights: pycasbin loaded with {len(user_links)} user→group and {len(group_links)} group→role links "
        f"in {load_s:.1f} s (read in {read_s:.1f} s)")

    held = {}
    for user, caf in calls:
        roles = consultation_rights(user, caf).grants
        held[(user.pk, caf)] = sorted({role.code for role, _ in roles})
    common = [code for code, _ in sorted(
        ((c, sum(c in codes for codes in held.values())) for c in {c for codes in held.values() for c in codes}),
        key=lambda item: -item[1])][:ROLE_COUNT]
    one = [(f"user:{u.pk}", f"caf:{c}", f"role:{held[(u.pk, c)][0]}", "hold") for u, c in calls if held[(u.pk, c)]]
    mismatch = sum(not enforcer.enforce(*args) for args in one)
    five = [(f"user:{u.pk}", f"caf:{c}") for u, c in calls]

    def all_five(sub, dom):
        return [enforcer.enforce(sub, dom, f"role:{code}", "hold") for code in common]

    casbin_one = _timed(lambda *args: enforcer.enforce(*args), one, samples)
    casbin_five = _timed(all_five, five, samples)

    rows = [
        _row("rights: ours uncached (user, every Caf)", uncached, _uncached_note()),
        _row("rights: ours before (roles_of, one Caf)", before, "3 queries, former path"),
        _row(f"rights: ours cached ({_cached_backend()})", cached, _cached_note()),
        _row("rights: ours cached, entry from another worker", cached_elsewhere, "+ the entry: 1 round trip"),
        _row("rights: pycasbin enforce, one role", casbin_one),
        _row(f"rights: pycasbin enforce, all {len(common)} Cdap roles", casbin_five),
    ]
    rows.append(machine_pauses(0.3 if ctx.quick else 2.0))
    casbin_median = statistics.median(casbin_five)
    rows.append({"label": "rights: ours uncached / pycasbin (medians)", "unit": "×",
                 "value": round(statistics.median(uncached) / casbin_median, 4),
                 "note": "target: ours ≥ 10× faster, i.e. ≤ 0.1"})
    rows.append({"label": "rights: ours cached / pycasbin (medians)", "unit": "×",
                 "value": round(statistics.median(cached) / casbin_median, 4)})
    if mismatch:
        rows.append({"label": "rights: pycasbin disagrees with ours", "unit": "", "value": mismatch,
                     "note": "grants held by ours and refused by pycasbin"})
    return {"rows": rows, "details": {
        "pairs": len(calls), "samples": samples, "cache_backend": _cached_backend(),
        "casbin_links": {"user_group": len(user_links), "group_role": len(group_links)},
        "casbin_load_s": round(load_s, 2), "grants_read_s": round(read_s, 2), "roles": common,
        "pycasbin_disagreements": mismatch,
    }}


def _pairs(n: int, rng: random.Random) -> list[tuple[int, int]]:
    from portail.access import consultation_rights
    from portail.accounts.models import User
    from portail.habilitations.models import Membership

    candidates = list(Membership.objects.filter(user__status=User.Status.OPEN, user__organisation__isnull=False)
                      .values_list("user_id", "group__convention__caf_id").distinct()[: n * 20])
    rng.shuffle(candidates)
    users = User.objects.in_bulk([u for u, _ in candidates])
    pairs = []
    for user_id, caf_id in candidates:
        if consultation_rights(users[user_id], caf_id).tabs and (user_id, caf_id) not in pairs:
            pairs.append((user_id, caf_id))
        if len(pairs) == n:
            break
    return pairs


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
    import django

    django.setup()
    from types import SimpleNamespace

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=1000)
    parser.add_argument("--users", type=int, default=200)
    args = parser.parse_args()
    ctx = SimpleNamespace(pairs=_pairs(args.users, random.Random(42)), samples=args.samples, quick=False, seed=42,
                          log=print)
    result = measure(ctx)
    print(f"cores {os.cpu_count()}, load {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    for row in result["rows"]:
        if "median" in row:
            print(f"{row['label']:<52} median {row['median']:>9.4f} {row['unit']}  p99 {row['p99']:>9.4f} "
                  f"{row['unit']}  n={row['n']}  {row.get('note', '')}")
        else:
            print(f"{row['label']:<52} {row['value']} {row['unit']}  {row.get('note', '')}")


if __name__ == "__main__":
    main()
