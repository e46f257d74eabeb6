"""« Statistiques d'usage »: figures equal to counts made directly from the journal, per scope; aggregation
incremental and idempotent; permissions; CSV; constant query counts.

One world for the module (portail.testing.world), with consultations written through the real services
on three days, then aggregated once.
"""
import csv
import io
from collections import Counter
from datetime import datetime, timedelta

import pytest
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from portail import access
from portail.dossiers import services as dossiers
from portail.dossiers.services import Refused
from portail.journal import services as journal_services
from portail.journal.models import Action, JournalEntry
from portail.supervision.aggregates import USAGE_ACTIONS, usage_aggregate
from portail.supervision.models import UsageCursor, UsageTotal
from portail.supervision.views.stats_data import UsageTables
from portail.testing import factories as f
from portail.testing.auth import sign_in
from portail.testing.world import build_world

pytestmark = pytest.mark.django_db

DAY0 = timezone.localdate() - timedelta(days=3)
DAYS = [DAY0 + timedelta(days=i) for i in range(3)]
KIND_COLUMN = {Action.DOSSIER_CONSULTED: "consultations", Action.TAB_OPENED: "tabs",
               Action.ATTESTATION_PRINTED: "attestations", Action.ATTESTATION_POSTED: "attestations",
               Action.DOSSIER_REFUSED: "refused"}


def _at(day, hour=10):
    return timezone.make_aware(datetime(day.year, day.month, day.day, hour, 0))


def _try(fn, **kwargs):
    try:
        fn(ip="127.0.0.1", **kwargs)
    except Refused:
        pass


def write_usage(w, monkeypatch):
    """Consultations through the real services, on DAYS[0..2] (10:00, and 23:30 on the last day)."""
    def on(day, hour=10):
        monkeypatch.setattr(journal_services, "now", lambda: _at(day, hour))

    on(DAYS[0])
    for _ in range(2):
        _try(dossiers.dossier_consult, actor=w.t1_user, caf_code="601", number="1110001")
    _try(dossiers.dossier_tab_open, actor=w.t1_user, caf_code="601", number="1110001", tab="paiements")
    _try(dossiers.dossier_tab_open, actor=w.t1_user, caf_code="601", number="1110001", tab="synthese")
    on(DAYS[1])
    # Grants in Convention 1 (N4: T1 and T18) and Convention 2 (C2: T1): one entry, two conventions.
    _try(dossiers.dossier_consult, actor=w.two_conventions, caf_code="601", number="1110001")
    _try(dossiers.dossier_tab_open, actor=w.two_conventions, caf_code="601", number="1110001", tab="famille")
    _try(dossiers.dossier_consult, actor=w.t18_user, caf_code="601", number="1110001")
    _try(dossiers.dossier_tab_open, actor=w.t18_user, caf_code="601", number="1110001", tab="paiements")  # refused
    _try(dossiers.dossier_consult, actor=w.plain, caf_code="601", number="1110001")  # refused, no grant
    _try(dossiers.dossier_consult, actor=w.partner_b, caf_code="602", number="9990001")
    on(DAYS[2], 23)
    _try(dossiers.dossier_tab_open, actor=w.t1_user, caf_code="601", number="1110001", tab="droits")
    _try(dossiers.dossier_consult, actor=w.t1_user, caf_code="601", number="1119999")  # refused, unknown number


@pytest.fixture(scope="module")
def usage(django_db_setup, django_db_blocker):
    mp = pytest.MonkeyPatch()
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            w = build_world()
            w.national = f.UserFactory(organisation=None, caf=None, is_national_admin=True, last_name="National")
            write_usage(w, mp)
            mp.undo()
            first = usage_aggregate(batch_size=3)  # several batches
            yield w, first
        finally:
            mp.undo()
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


# ------------------------------------------------------------------------------- counts from the journal


def journal_counts(keep):
    """Per (dimension, value, column) from the journal itself: `keep(entry, grants)` gives the grants of the
    entry that fall in the scope ([] = out of scope, [None] = in scope with no grant)."""
    out = Counter()
    for e in JournalEntry.objects.filter(action__in=USAGE_ACTIONS).order_by("id"):
        column = KIND_COLUMN.get(e.action)
        grants = keep(e, e.details.get("via") or [])
        if column is None or not grants:
            continue
        day = timezone.localtime(e.created_at).date()
        out[("day", day, column)] += 1
        out[("user", e.actor_id, column)] += 1
        if e.action == Action.TAB_OPENED:
            out[("tab", e.details["tab"], column)] += 1
        for group in {g["group"] for g in grants if g}:
            out[("group", group, column)] += 1
        for role in {g["role"] for g in grants if g}:
            out[("role", role, column)] += 1
    return out


def page_counts(tables: UsageTables):
    out = Counter()
    for name, rows in (("day", tables.periods()), ("user", tables.users()), ("group", tables.groups()),
                       ("role", tables.roles()), ("tab", tables.tabs())):
        for row in rows:
            for column, value in row.values.items():
                if value:
                    out[(name, row.key, column)] += value
    return out


def in_convention(w, convention, *, whole=True, groups=None):
    def keep(e, via):
        grants = [g for g in via if g["convention"] == convention.pk and (groups is None or g["group"] in groups)]
        if grants:
            return grants
        no_grant = not via and e.caf_id == convention.caf_id and whole
        if no_grant and e.actor and e.actor.organisation_id == convention.organisation_id:
            return [None]
        return []
    return keep


def in_caf(caf_id):
    return lambda e, via: (via or [None]) if e.caf_id == caf_id else []


def tables_for(scope):
    return UsageTables(scope, DAYS[0], DAYS[2], "jour")


def test_administrator_figures_equal_the_journal(usage):
    w, _ = usage
    expected = journal_counts(in_convention(w, w.conv1))
    assert page_counts(tables_for(access.usage_scope_for_convention(w.admin1, w.conv1.pk))) == expected
    # The figures are the ones written above: 4 consultations (2 + 1 + 1), the T18 and no-grant refusals, …
    assert expected[("day", DAYS[0], "consultations")] == 2
    assert expected[("day", DAYS[1], "refused")] == 2
    assert expected[("day", DAYS[2], "refused")] == 1
    assert expected[("group", w.group_n4.pk, "consultations")] == 1  # T1 and T18 through N4: once for N4
    assert expected[("role", "T1", "consultations")] == 3


def test_responsable_sees_his_subtree_only(usage):
    w, _ = usage
    subtree = {g.pk for g in w.tree[2:]}
    scope = access.usage_scope_for_convention(w.responsable, w.conv1.pk)
    got = page_counts(tables_for(scope))
    assert got == journal_counts(in_convention(w, w.conv1, whole=False, groups=subtree))
    assert ("user", w.t18_user.pk, "consultations") not in got  # Accueil is outside his subtree
    assert ("user", w.plain.pk, "refused") not in got


def test_second_convention_counts_the_shared_consultation(usage):
    w, _ = usage
    got = page_counts(tables_for(access.usage_scope_for_convention(w.admin2, w.conv2.pk)))
    assert got == journal_counts(in_convention(w, w.conv2))
    assert got[("day", DAYS[1], "consultations")] == 1


@pytest.mark.parametrize("who, caf", [("agent1", "caf1"), ("agent2", "caf2")])
def test_caf_agent_figures_equal_the_journal(usage, who, caf):
    w, _ = usage
    caf_id = getattr(w, caf).pk
    got = page_counts(tables_for(access.usage_scope_for_cafs(getattr(w, who))))
    assert got == journal_counts(in_caf(caf_id))
    if who == "agent1":  # the consultation through two conventions counts once Caf-wide
        assert got[("day", DAYS[1], "consultations")] == 2
        assert got[("role", "T1", "consultations")] == 3


def test_national_administrator_every_caf_or_one(usage):
    w, _ = usage
    every = tables_for(access.usage_scope_for_cafs(w.national))
    assert every.totals(every.periods()).values["consultations"] == 5
    one = tables_for(access.usage_scope_for_cafs(w.national, w.caf2.pk))
    assert page_counts(one) == journal_counts(in_caf(w.caf2.pk))


# ------------------------------------------------------------------------------- aggregation


def test_aggregation_is_incremental_and_idempotent(usage):
    w, first = usage
    assert first.caught_up
    fields = ("grain", "period", "dimension", "convention_id", "group_id", "ref", "code", "flags", "consultations",
              "tabs", "attestations", "refused")
    before = sorted(UsageTotal.objects.values_list(*fields))
    again = usage_aggregate()
    assert again.entries == 0
    after = sorted(UsageTotal.objects.values_list(*fields))
    assert after == before
    # A new consultation is added to the counters, and only it.
    with transaction.atomic():
        cursor = UsageCursor.objects.get(pk=1).last_id
        dossiers.dossier_consult(actor=w.t1_user, ip="127.0.0.1", caf_code="601", number="1110001")
        result = usage_aggregate()
        assert result.entries == 1 and result.last_id > cursor
        scope = access.usage_scope_for_convention(w.admin1, w.conv1.pk)
        today = UsageTables(scope, timezone.localdate(), timezone.localdate(), "jour")
        assert today.totals(today.periods()).values["consultations"] == 1
        transaction.set_rollback(True)


def test_cursor_passes_entries_the_statistics_do_not_count(usage):
    w, _ = usage
    with transaction.atomic():
        from portail.journal import events
        entry = events.login(user=w.t1_user, ip="127.0.0.1")
        result = usage_aggregate()
        assert result.entries == 0 and result.last_id == entry.pk
        transaction.set_rollback(True)


def test_command_reports_progress(usage):
    from django.core.management import call_command
    out = io.StringIO()
    call_command("usage_aggregate", stdout=out)
    assert "0 entrées comptées" in out.getvalue()


def test_the_periodic_task_counts_what_the_seal_task_sealed(usage):
    """The worker's task (`usage_aggregate --schedule`) keeps the counters current, so that a statistics page
    has only the last seconds' entries to count itself; it counts sealed entries only."""
    from django.core.management import call_command

    from portail.journal.seal import journal_seal
    from portail.supervision.tasks import count_usage

    w, _ = usage
    with transaction.atomic():
        dossiers.dossier_consult(actor=w.t1_user, ip="127.0.0.1", caf_code="601", number="1110001")
        assert count_usage.enqueue(False).return_value["entries"] == 0  # not sealed yet
        journal_seal(skip_locked=True, wait=0.5)
        done = count_usage.enqueue(False).return_value
        assert done["entries"] == 1 and done["caught_up"]
        scope = access.usage_scope_for_convention(w.admin1, w.conv1.pk)
        today = UsageTables(scope, timezone.localdate(), timezone.localdate(), "jour")
        assert today.totals(today.periods()).values["consultations"] == 1
        out = io.StringIO()
        call_command("usage_aggregate", "--schedule", stdout=out)  # the test backend runs it at once
        assert "Comptage périodique des statistiques d'usage lancé (toutes les 10 s)" in out.getvalue()
        transaction.set_rollback(True)


# ------------------------------------------------------------------------------- pages


def client_for(user):
    return sign_in(Client(), user)


def period(**extra):
    return {"start": DAYS[0].isoformat(), "end": DAYS[2].isoformat(), "unit": "jour", **extra}


@pytest.mark.parametrize("who, url, expected", [
    ("admin1", "conv1", 200), ("responsable", "conv1", 200), ("agent1", "conv1", 200), ("national", "conv1", 200),
    ("agent2", "conv1", 404), ("admin2", "conv1", 404), ("t1_user", "conv1", 404), ("plain", "conv1", 404),
    ("agent1", "caf", 200), ("agent2", "caf", 200), ("national", "caf", 200),
    ("admin1", "caf", 302), ("responsable", "caf", 302), ("t1_user", "caf", 404), ("plain", "caf", 404),
])
def test_permission_matrix(usage, who, url, expected):
    w, _ = usage
    target = reverse("statistiques:index") if url == "caf" else reverse("statistiques:convention", args=[w.conv1.pk])
    assert client_for(getattr(w, who)).get(target, period()).status_code == expected


def test_anonymous_goes_to_login(usage):
    w, _ = usage
    for url in (reverse("statistiques:index"), reverse("statistiques:convention", args=[w.conv1.pk]),
                reverse("statistiques:export", args=["periodes"])):
        response = Client().get(url)
        assert response.status_code == 302 and reverse("accounts:login") in response.url


def test_page_shows_the_figures_with_charts_and_tables(usage):
    w, _ = usage
    response = client_for(w.admin1).get(reverse("statistiques:convention", args=[w.conv1.pk]), period())
    html = response.content.decode()
    assert response.status_code == 200
    assert html.count('role="img"') == 3 and html.count("<table>") >= 5
    assert "style=" not in html.split('id="contenu"')[-1] and "<script>" not in html
    assert w.t1_user.username in html and "Composition de la famille" in html
    assert "usage_aggregate" in html  # the help text says where the figures come from


def test_a_responsable_cannot_widen_his_scope_by_a_parameter(usage):
    w, _ = usage
    response = client_for(w.responsable).get(reverse("statistiques:convention", args=[w.conv1.pk]),
                                             period(caf=w.caf1.pk, caf_id=w.caf1.pk))
    assert w.t18_user.username not in response.content.decode()


def test_agent_cannot_choose_another_caf(usage):
    w, _ = usage
    response = client_for(w.agent1).get(reverse("statistiques:index"), period(caf=w.caf2.pk))
    assert w.partner_b.username not in response.content.decode()


def test_national_administrator_filters_by_caf(usage):
    w, _ = usage
    client = client_for(w.national)
    both = client.get(reverse("statistiques:index"), period()).content.decode()
    assert w.partner_b.username in both and w.t1_user.username in both
    only_b = client.get(reverse("statistiques:index"), period(caf=w.caf2.pk)).content.decode()
    assert w.partner_b.username in only_b and w.t1_user.username not in only_b


@pytest.mark.parametrize("params, field, message", [
    ({"end": (DAYS[0] - timedelta(days=1)).isoformat()}, "end", "postérieure à la date de début"),
    ({"start": (DAYS[0] - timedelta(days=400)).isoformat()}, "start", "366 jours au plus"),
    ({"start": (DAYS[0] - timedelta(days=100)).isoformat()}, "unit", "Par semaine"),
    ({"start": "31/02/2025"}, "start", "Saisissez une date valide"),
])
def test_bad_period_is_explained_next_to_the_field(usage, params, field, message):
    w, _ = usage
    response = client_for(w.admin1).get(reverse("statistiques:convention", args=[w.conv1.pk]), period(**params))
    assert response.status_code == 400
    assert message in str(response.context["form"].errors[field])


def test_csv_export(usage):
    w, _ = usage
    client = client_for(w.admin1)
    response = client.get(reverse("statistiques:convention_export", args=[w.conv1.pk, "utilisateurs"]), period())
    assert response["Content-Type"].startswith("text/csv") and "attachment" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == ["Identifiant", "Nom", "Consultations de dossier", "Onglets consultés", "Attestations",
                       "Tentatives refusées"]
    by_user = {r[0]: r for r in rows[1:]}
    t1 = by_user[w.t1_user.username]
    assert t1[1] == f"{w.t1_user.first_name} {w.t1_user.last_name}"
    assert t1[2:] == ["2", "3", "0", "1"]  # 2 consultations, 3 tabs, 1 refusal (unknown number)
    periods = client.get(reverse("statistiques:convention_export", args=[w.conv1.pk, "periodes"]), period())
    lines = list(csv.reader(io.StringIO(periods.content.decode("utf-8-sig")), delimiter=";"))
    assert [r[0] for r in lines[1:]] == [f"{d:%d/%m/%Y}" for d in DAYS]


def test_csv_cells_cannot_be_formulas(usage):
    from portail.supervision.views.stats_csv import _safe
    assert _safe("=HYPERLINK(1)") == "'=HYPERLINK(1)" and _safe("Groupe") == "Groupe"


def test_query_count_is_constant(usage):
    """3 more people consulting (more rows in every table) costs no query more."""
    w, _ = usage
    url = reverse("statistiques:convention", args=[w.conv1.pk])
    client = client_for(w.admin1)
    client.get(url, period())
    with CaptureQueriesContext(connection) as few:
        client.get(url, period())
    with transaction.atomic():
        for i in range(3):
            person = f.UserFactory(organisation=w.org_a, last_name=f"Lecteur{i}")
            f.MembershipFactory(user=person, group=w.group_n5)
            dossiers.dossier_consult(actor=person, ip="127.0.0.1", caf_code="601", number="1110001")
        client.get(url, period(end=timezone.localdate().isoformat()))
        with CaptureQueriesContext(connection) as many:
            client.get(url, period(end=timezone.localdate().isoformat()))
        transaction.set_rollback(True)
    assert len(many) == len(few)


@pytest.mark.parametrize("who, unit", [("admin1", "mois"), ("admin1", "jour"), ("responsable", "mois"),
                                       ("agent1", "mois")])
def test_whole_months_read_from_the_monthly_counters_give_the_same_figures(usage, who, unit):
    """A period of edge days plus whole months: the months come from the monthly rows, the rest from the daily."""
    from portail.supervision.models.usage import MONTHLY
    from portail.supervision.views.stats_data import bucket_of, next_month

    w, _ = usage
    start = DAYS[0].replace(day=1) - timedelta(days=45)
    end = next_month(DAYS[2]) - timedelta(days=1)
    actor = getattr(w, who)
    if who == "agent1":
        scope, keep = access.usage_scope_for_cafs(actor), in_caf(w.caf1.pk)
    else:
        scope = access.usage_scope_for_convention(actor, w.conv1.pk)
        keep = in_convention(w, w.conv1) if who == "admin1" else in_convention(
            w, w.conv1, whole=False, groups={g.pk for g in w.tree[2:]})
    expected = Counter()
    for (name, key, column), n in journal_counts(keep).items():
        expected[(name, bucket_of(key, unit) if name == "day" else key, column)] += n
    assert UsageTotal.objects.filter(grain=MONTHLY).exists()
    assert page_counts(UsageTables(scope, start, end, unit)) == expected
