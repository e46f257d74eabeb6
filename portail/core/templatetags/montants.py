"""`{{ value|montant }}`: an amount the French way, two decimals, grouped by thousands: the same text as
`floatformat:"2g"` under the French locale (tested), at a fraction of its cost; the payments tab shows
hundreds of amounts."""
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django import template

register = template.Library()
CENT = Decimal("0.01")


@register.filter(is_safe=True)
def montant(value) -> str:
    if value is None or value == "":
        return ""
    try:
        number = value if isinstance(value, Decimal) else Decimal(repr(value) if isinstance(value, float) else value)
        rounded = number.quantize(CENT, rounding=ROUND_HALF_UP)
    except (InvalidOperation, TypeError, ValueError):
        return ""
    if rounded == 0:
        rounded = abs(rounded)  # never « -0,00 »
    return f"{rounded:,.2f}".replace(",", "\xa0").replace(".", ",")
