"""Conventions, groups and users share one rule: open = status « ouvert » and today within [opening, closing]."""
from datetime import date

from django.db.models import Q

OPEN = "ouvert"


def is_open_on(obj, day: date) -> bool:
    return (
        obj.status == OPEN
        and obj.opening_date <= day
        and (obj.closing_date is None or obj.closing_date >= day)
    )


def open_on_q(day: date, prefix: str = "") -> Q:
    """The same rule as a filter; `prefix` reaches it through a relation ("convention__")."""
    return (
        Q(**{f"{prefix}status": OPEN, f"{prefix}opening_date__lte": day})
        & (Q(**{f"{prefix}closing_date__isnull": True}) | Q(**{f"{prefix}closing_date__gte": day}))
    )
