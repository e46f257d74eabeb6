"""The one place that says what day it is, so tests can move time."""
import contextvars
import time as system_time
from datetime import date, datetime, time, timedelta

from django.utils import timezone

# (time zone, Django's localdate, local date, its first second and the next day's first, in seconds since the
# epoch): today() is asked on every access check, and working it out from the clock and the zone cost more than
# the check. A test that moves the day by replacing `timezone.localdate` is followed.
_day: tuple = (None, None, None, 0.0, 0.0)


# The context variable behind Django's `timezone.activate()` (asgiref's Local, pinned in pyproject.toml). Where no
# zone was activated, which is every request of the portal, the public reader raises and formats an AttributeError
# inside asgiref: 7 µs, more than the rest of today(). An empty variable says the same in a lookup. Any other shape
# of asgiref leaves this None, and the public reader answers.
_activated = getattr(getattr(timezone._active, "_storage", None), "_data", None)
if not isinstance(_activated, contextvars.ContextVar):
    _activated = None


def current_zone():
    """`timezone.get_current_timezone()`, without its cost where no zone was activated."""
    if _activated is not None and _activated.get(None) is None:
        return timezone.get_default_timezone()
    return timezone.get_current_timezone()


def today() -> date:
    """The local date in the current time zone, worked out again whenever the clock is outside the day it was
    worked out for (past midnight, or set back) or the zone is another."""
    global _day
    zone, localdate, day, start, end = _day
    moment = system_time.time()
    current = current_zone()
    if start <= moment < end and zone is current and localdate is timezone.localdate:
        return day
    day = timezone.localdate()
    first = datetime.combine(day, time.min, tzinfo=current).timestamp()
    following = datetime.combine(day + timedelta(days=1), time.min, tzinfo=current).timestamp()
    if first <= moment < following:  # the clock did not cross midnight while the day was worked out
        _day = (current, timezone.localdate, day, first, following)
    return day


def now():
    return timezone.now()
