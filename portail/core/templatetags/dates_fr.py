"""`{{ value|jour }}` and `{{ value|mois }}`: the same text as `date:"d/m/Y"` and `date:"F Y"` (tested), without
the general date formatter's work for each value; the file tabs show hundreds of dates. A datetime (local time
zone) or anything else goes to the `date` filter itself."""
import datetime

from django import template
from django.template.defaultfilters import date as date_filter
from django.utils.dates import MONTHS

register = template.Library()


def _plain_date(value) -> bool:
    return isinstance(value, datetime.date) and not isinstance(value, datetime.datetime)


@register.filter(expects_localtime=True)
def jour(value) -> str:
    if _plain_date(value):
        return f"{value.day:02d}/{value.month:02d}/{value.year:04d}"
    return date_filter(value, "d/m/Y")


@register.filter(expects_localtime=True)
def mois(value) -> str:
    if _plain_date(value):
        return f"{MONTHS[value.month]} {value.year:04d}"
    return date_filter(value, "F Y")
