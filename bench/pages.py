"""Pages at scale, in process (Django's test client over the benchmark database, production settings, HTTPS):
first page and a filtered page of each screen a large partner's administrator, a responsable and a Caf agent use,
each with its median, p99 and query count (which must not grow with the data; target p99 < 150 ms)."""
import math
import random
import statistics
import time

TARGET_MS = 150


def _pct(values, p):
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p * len(ordered)) - 1)]


def actors():
    from django.db.models import Count

    from portail.accounts.models import User
    from portail.conventions.models import Convention
    from portail.habilitations.models import Group

    big = (Convention.objects.filter(status=Convention.Status.OPEN, closing_date__isnull=True)
           .annotate(n=Count("groups")).order_by("-n", "pk").first())
    admin = big.administrators.filter(status=User.Status.OPEN, closing_date__isnull=True).order_by("pk").first()
    led = (Group.objects.filter(convention=big, level__in=(2, 3), status=Group.Status.OPEN, closing_date__isnull=True,
                                responsable__status=User.Status.OPEN, responsable__closing_date__isnull=True)
           .annotate(n=Count("children")).filter(n__gt=0).order_by("-n", "pk").select_related("responsable").first())
    mid = led or (Group.objects.filter(convention=big, status=Group.Status.OPEN).annotate(n=Count("children"))
                  .order_by("-n", "pk").first())
    agent = User.objects.filter(caf_id=big.caf_id, status=User.Status.OPEN).order_by("pk").first()
    return big, admin, mid, (led.responsable if led else None), agent


def page_list(big, admin, mid, responsable, agent) -> list[tuple[str, object, str]]:
    from datetime import timedelta

    from django.urls import NoReverseMatch, reverse

    from portail.core.clock import today
    from portail.habilitations.models import Membership

    day = today()
    member = (Membership.objects.filter(group=mid).exclude(user_id=admin.pk).values_list("user_id", flat=True)
              .order_by("user_id").first()) or (responsable.pk if responsable else admin.pk)
    wanted = [
        ("Consulter les conventions, 1re page", admin, "conventions:list", [], ""),
        ("Consulter les conventions, filtrée (ouvertes, partenaire)", admin, "conventions:list", [],
         "?state=ouvert&partner=a"),
        ("Consulter les conventions, 1re page [agent Caf]", agent, "conventions:list", [], ""),
        ("Consulter les conventions, filtrée [agent Caf]", agent, "conventions:list", [], "?partner=a&status=open"),
        ("groupes de la plus grande convention, 1re page", admin, "habilitations:groups", [big.pk], ""),
        ("groupes, filtrée (libellé « Service »)", admin, "habilitations:groups", [big.pk], "?label=Service"),
        ("groupes, page 10", admin, "habilitations:groups", [big.pk], "?page=10"),
        ("utilisateurs du partenaire, 1re page", admin, "habilitations:users", [big.pk], ""),
        ("utilisateurs, filtrée (nom « mar »)", admin, "habilitations:users", [big.pk], "?last_name=mar"),
        ("habilitations du groupe", admin, "habilitations:group_roles", [big.pk, mid.pk], ""),
        ("Gérer l'appartenance de l'utilisateur", admin, "habilitations:memberships", [big.pk, member], ""),
        ("Gérer l'appartenance, recherche d'un groupe", admin, "habilitations:memberships", [big.pk, member],
         "?group_search=Service"),
        ("Créer un groupe", admin, "habilitations:group_create", [big.pk], ""),
        ("Créer un groupe, recherche du groupe parent", admin, "habilitations:group_create", [big.pk],
         "?is_subgroup=on&parent_recherche=Service"),
        ("accueil, administrateur", admin, "home:index", [], ""),
        ("Supervision habilitations, 1re page", admin, "supervision:habilitations_convention", [big.pk], ""),
        ("Supervision habilitations, filtrée", admin, "supervision:habilitations_convention", [big.pk],
         "?groupe=Service&etat=actif"),
        ("Supervision modifier, historique", admin, "supervision:changes_convention", [big.pk], ""),
        ("Supervision modifier, CSV de l'historique", admin, "supervision:changes_convention_csv", [big.pk], ""),
        ("Statistiques d'usage, période par défaut", admin, "statistiques:convention", [big.pk], ""),
        ("Statistiques d'usage, 12 mois par mois", admin, "statistiques:convention", [big.pk],
         f"?start={day - timedelta(days=364)}&end={day}&unit=mois"),
        ("Supervision habilitations, toute la Caf [agent Caf]", agent, "supervision:habilitations_caf", [], ""),
        ("Supervision habilitations, CSV de la convention", admin, "supervision:habilitations_convention_csv",
         [big.pk], ""),
        ("Supervision habilitations, CSV de la Caf [agent Caf]", agent, "supervision:habilitations_caf_csv", [], ""),
        ("Statistiques d'usage de la Caf [agent Caf]", agent, "statistiques:index", [], ""),
        ("journal, recherche 7 jours [agent Caf]", agent, "journal_caf:search", [], ""),
        ("journal, 31 jours [agent Caf]", agent, "journal_caf:search", [],
         f"?date_from={day - timedelta(days=30)}&date_to={day}"),
    ]
    if responsable is not None:
        wanted += [
            ("groupes, 1re page [responsable]", responsable, "habilitations:groups", [big.pk], ""),
            ("utilisateurs, 1re page [responsable]", responsable, "habilitations:users", [big.pk], ""),
            ("habilitations du groupe [responsable]", responsable, "habilitations:group_roles", [big.pk, mid.pk], ""),
            ("Créer un groupe [responsable]", responsable, "habilitations:group_create", [big.pk], ""),
            ("Supervision habilitations [responsable]", responsable, "supervision:habilitations_convention",
             [big.pk], ""),
            ("Supervision modifier, historique [responsable]", responsable, "supervision:changes_convention",
             [big.pk], ""),
        ]
    out = []
    for label, actor, name, args, query in wanted:
        if actor is None:
            continue
        try:
            out.append((label, actor, reverse(name, args=args) + query))
        except NoReverseMatch:
            continue
    return out


def _timed(client, url):
    """One request: its time and its queries on every database alias (the supervision, statistics and journal
    pages read from `replica` when one is configured; counting `default` alone would undercount them)."""
    from contextlib import ExitStack

    from django.db import connections
    from django.test.utils import CaptureQueriesContext

    with ExitStack() as stack:
        captures = [stack.enter_context(CaptureQueriesContext(connections[alias])) for alias in connections]
        started = time.perf_counter()
        response = client.get(url, secure=True)
        # A streamed CSV reads its rows as it is consumed: the time is the whole download's; the time to its
        # first bytes (what the person waits for before the browser shows the download) is kept beside it.
        if response.streaming:
            chunks = iter(response.streaming_content)
            first = next(chunks, b"")
            response.bench_first_ms = (time.perf_counter() - started) * 1000
            body = first + b"".join(chunks)
        else:
            body = response.content
        elapsed = (time.perf_counter() - started) * 1000
    response.bench_size = len(body)
    return response, elapsed, sum(len(c.captured_queries) for c in captures)


def measure(ctx, cfg: dict) -> tuple[list[dict], dict]:
    import os

    from django.test import Client

    from portail.accounts.models import User
    from portail.testing.auth import sign_in

    import gc

    # The measuring process holds what the other sections built (pairs, pycasbin's grants): not a page's cost.
    # Frozen, as a gunicorn worker's loaded code is (config/wsgi.py), its full collections stay short.
    gc.collect()
    gc.freeze()
    runs, warmups = cfg["page_runs"], cfg["warmups"]
    big, admin, mid, responsable, agent = actors()
    # The load phases journaled thousands of consultations, which the worker's periodic tasks (`journal_seal` and
    # `usage_aggregate --schedule`) would have sealed and counted as they came: done here before the pages, so
    # that a statistics page counts what a page counts in production (the last seconds' entries), not the load's.
    from portail.journal.seal import journal_seal
    from portail.supervision.aggregates import usage_aggregate

    started = time.perf_counter()
    journal_seal()
    counted = usage_aggregate(seal=False).entries
    ctx.log(f"== pages: journal sealed and {counted:,} entries counted for the statistics first "
            f"({time.perf_counter() - started:.1f} s), as the worker's periodic tasks do")
    clients = {}
    rows, details = [], {"convention": big.pk, "groups": big.groups.count(),
                         "staff": User.objects.filter(organisation_id=big.organisation_id).count(),
                         "admin": admin.username, "responsable": responsable.username if responsable else None,
                         "agent": agent.username if agent else None, "pages": []}
    ctx.log(f"== pages: convention #{big.pk} ({details['groups']:,} groups, {details['staff']:,} staff), "
            f"{warmups} warm-up(s) then {runs} runs each")

    def add_row(label, times, queries, size, status, extra=""):
        load = " ".join(f"{x:.2f}" for x in os.getloadavg())
        qs = f"{min(queries)}" if min(queries) == max(queries) else f"{min(queries)}–{max(queries)}"
        p99 = _pct(times, 0.99)
        note = f"{size / 1024:.0f} KB" + (f"; {extra}" if extra else "") + (
            f"; ← p99 > {TARGET_MS} ms" if p99 > TARGET_MS else "")
        rows.append({"section": "pages", "label": label, "unit": "ms", "n": len(times),
                     "median": round(statistics.median(times), 1), "p99": round(p99, 1), "queries": qs,
                     "load": load, "note": note})
        details["pages"].append({"label": label, "status": status, "queries": queries, "times_ms": times})

    for label, actor, url in page_list(big, admin, mid, responsable, agent):
        client = clients.get(actor.pk) or clients.setdefault(actor.pk, sign_in(Client(), actor))
        response, _, _ = _timed(client, url)
        if response.status_code != 200:
            rows.append({"section": "pages", "label": label, "unit": "ms", "value": None,
                         "note": f"HTTP {response.status_code} {response.get('Location', '')}"})
            continue
        for _ in range(warmups - 1):
            _timed(client, url)
        times, queries, size, firsts = [], [], response.bench_size, []
        for _ in range(runs):
            timed, elapsed, n = _timed(client, url)
            times.append(elapsed)
            queries.append(n)
            if timed.streaming:
                firsts.append(timed.bench_first_ms)
        add_row(label, times, queries, size, 200,
                f"download, the whole file; its first bytes p99 {_pct(firsts, 0.99):.0f} ms" if firsts else "")
    # The home page of partner users (the left menu's rights), one signed-in client each.
    from django.urls import reverse

    rng = random.Random(ctx.seed + 3)
    users = list(User.objects.filter(pk__in=rng.sample(ctx.user_ids, min(len(ctx.user_ids), runs * 2))))
    times, queries, size = [], [], 0
    home = reverse("home:index")
    for user in users:
        client = sign_in(Client(), user)
        _timed(client, home)
        response, elapsed, n = _timed(client, home)
        times.append(elapsed)
        queries.append(n)
        size = response.bench_size
    if times:
        add_row(f"accueil, {len(users)} utilisateurs partenaires (droits du menu)", times, queries, size, 200)
    return rows, details
