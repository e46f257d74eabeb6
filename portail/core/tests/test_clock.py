"""`clock.today()` keeps the day it worked out only while the clock is inside that day and the zone is the same."""
import zoneinfo
from datetime import datetime, timedelta
from datetime import timezone as utc_zone
from unittest import mock

import pytest
from django.utils import timezone

from portail.core import clock


def _at(moment: datetime):
    """The clock (as time.time and Django's now) set at `moment`."""
    return (mock.patch("time.time", lambda: moment.timestamp()),
            mock.patch("django.utils.timezone.now", lambda: moment.astimezone(utc_zone.utc)))


@pytest.mark.parametrize("moments", [
    # Paris: one second before and at midnight, then back again (a clock set back).
    ["2026-03-28T23:59:59+01:00", "2026-03-29T00:00:00+01:00", "2026-03-28T23:59:59+01:00"],
    # Around the spring change of hour and a week later.
    ["2026-03-29T01:59:59+01:00", "2026-03-29T03:00:00+02:00", "2026-04-05T12:00:00+02:00"],
])
def test_today_follows_the_clock_across_midnight_both_ways(moments):
    for text in moments:
        moment = datetime.fromisoformat(text)
        first, second = _at(moment)
        with first, second:
            assert clock.today() == moment.astimezone(zoneinfo.ZoneInfo("Europe/Paris")).date()
            assert clock.today() == timezone.localdate()


def test_today_is_the_day_of_the_zone_in_force():
    moment = datetime(2026, 11, 28, 10, 30, tzinfo=utc_zone.utc)  # the 28th in Paris, the 29th in Kiritimati
    first, second = _at(moment)
    with first, second:
        paris = clock.today()
        with timezone.override(zoneinfo.ZoneInfo("Pacific/Kiritimati")):
            assert clock.today() == paris + timedelta(days=1)
        assert clock.today() == paris


def test_the_current_zone_is_django_s_wherever_a_zone_is_activated_or_not():
    """The quick reader answers what `timezone.get_current_timezone()` answers: nothing activated, activated,
    overridden, deactivated, and in another thread while this one has a zone."""
    import threading

    kiritimati = zoneinfo.ZoneInfo("Pacific/Kiritimati")
    assert clock._activated is not None  # the quick path is the one taken with the pinned asgiref
    assert clock.current_zone() is timezone.get_current_timezone() is timezone.get_default_timezone()
    with timezone.override(kiritimati):
        assert clock.current_zone() is timezone.get_current_timezone() is kiritimati
        seen = []
        thread = threading.Thread(target=lambda: seen.append(clock.current_zone()))
        thread.start()
        thread.join()
        assert seen == [timezone.get_default_timezone()]
    assert clock.current_zone() is timezone.get_default_timezone()
    timezone.activate(kiritimati)
    try:
        assert clock.current_zone() is kiritimati
    finally:
        timezone.deactivate()
    assert clock.current_zone() is timezone.get_current_timezone() is timezone.get_default_timezone()
