"""Unusual use, one day at a time: night and non-working days, volume, repeated refusals."""
from datetime import date, datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from portail.journal import events
from portail.supervision.selectors.unusual import easter, non_working_reason, unusual_use
from portail.testing import factories as f

WEDNESDAY = date(2025, 3, 12)


def test_french_public_holidays_and_week_ends():
    assert easter(2025) == date(2025, 4, 20) and easter(2024) == date(2024, 3, 31)
    assert non_working_reason(date(2025, 4, 21)) == "jour férié (lundi de Pâques)"
    assert non_working_reason(date(2025, 5, 29)) == "jour férié (Ascension)"
    assert non_working_reason(date(2025, 6, 9)) == "jour férié (lundi de Pentecôte)"
    assert non_working_reason(date(2025, 7, 14)) == "jour férié (fête nationale)"
    assert non_working_reason(date(2025, 3, 15)) == "samedi"
    assert non_working_reason(WEDNESDAY) == ""


@pytest.fixture
def at(monkeypatch):
    def consult(user, caf_id, when: datetime, refused=False, n=1):
        monkeypatch.setattr("portail.journal.services.now", lambda: timezone.make_aware(when))
        for _ in range(n):
            if refused:
                events.dossier_refused(actor=user, caf=caf_id, number="1234567", trace={"reason": "no_right"})
            else:
                events.dossier_consulted(actor=user, caf=caf_id, number="1234567", trace={})
    return consult


def test_night_and_non_working_day_consultations(convention, caf_agent, at):
    owl, day_worker = f.UserFactory(), f.UserFactory()
    caf = convention.caf_id
    at(owl, caf, datetime(2025, 3, 12, 22, 15))
    at(owl, caf, datetime(2025, 3, 12, 6, 30))
    at(day_worker, caf, datetime(2025, 3, 12, 10, 0), n=3)
    at(day_worker, caf, datetime(2025, 3, 15, 10, 0))  # a Saturday
    use = unusual_use(caf_agent, WEDNESDAY)
    assert [(a.identifier, a.count) for a in use.off_hours] == [(owl.username, 2)]
    saturday = unusual_use(caf_agent, date(2025, 3, 15))
    assert [(a.identifier, a.why) for a in saturday.off_hours] == [(day_worker.username, "consultations un samedi")]


def test_volume_far_above_his_median_or_his_group_s(convention, caf_agent, at, role_t1, make_group):
    steady, burst, peer = f.UserFactory(), f.UserFactory(), f.UserFactory()
    make_group(convention, "EQ", roles=[role_t1], members=[burst, peer])
    caf = convention.caf_id
    for days in (1, 2, 3):
        at(steady, caf, datetime(2025, 3, 12 - days, 10, 0), n=25)
        at(burst, caf, datetime(2025, 3, 12 - days, 10, 0), n=5)
    at(steady, caf, datetime(2025, 3, 12, 10, 0), n=30)  # 30 ≤ 3 × 25: his usual volume
    at(burst, caf, datetime(2025, 3, 12, 10, 0), n=40)  # 40 > 3 × 5
    at(peer, caf, datetime(2025, 3, 12, 11, 0), n=4)
    use = unusual_use(caf_agent, WEDNESDAY)
    assert [a.identifier for a in use.volume] == [burst.username]
    assert "médiane quotidienne" in use.volume[0].why and "médiane de son groupe" in use.volume[0].why


def test_repeated_refusals_and_another_caf_s_entries(convention, caf_agent, at):
    prober, elsewhere = f.UserFactory(), f.UserFactory()
    at(prober, convention.caf_id, datetime(2025, 3, 12, 9, 0), refused=True, n=5)
    at(elsewhere, f.CafFactory(code="998").pk, datetime(2025, 3, 12, 23, 0), refused=True, n=9)
    use = unusual_use(caf_agent, WEDNESDAY)
    assert [(a.identifier, a.count) for a in use.refusals] == [(prober.username, 5)]
    assert use.off_hours == []


def test_the_page(convention, caf_agent, at, login_as):
    owl = f.UserFactory()
    at(owl, convention.caf_id, datetime(2025, 3, 12, 23, 0))
    client = login_as(caf_agent)
    html = client.get(reverse("journal_caf:unusual"), {"jour": "2025-03-12"}).content.decode()
    assert owl.username in html and "entre 20 h et 7 h" in html
    bad = client.get(reverse("journal_caf:unusual"), {"jour": "2999-01-01"}).content.decode()
    assert "Saisissez un jour passé" in bad
