"""The one place that says what day it is, so tests can move time."""
from datetime import date

from django.utils import timezone


def today() -> date:
    return timezone.localdate()


def now():
    return timezone.now()
