"""Simplified benefit scales (monthly amounts, euros), enough to make generated files coherent.

Not the legal computation: the same order of magnitude and the same dependencies (number and
age of children, household resources, rent), so that a file reads like a real one.
"""
from decimal import ROUND_HALF_UP, Decimal

RSA_BASE = 635.71
PPA_BASE = 622.63
AAH_FULL = 1016.05
AF_TWO = 148.52
AF_THREE = 338.81
AF_EXTRA = 190.29
AF_AGE_RAISE = 74.26
CF_AMOUNT = 198.45
PAJE_BASE = 184.81
ASF_PER_CHILD = 195.85
AEEH_BASE = 142.70
ARS_BY_AGE = ((6, 10, 416.40), (11, 14, 439.38), (15, 18, 454.60))


def money(value: float) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def family_allowance(child_ages: list[int], monthly_income: float) -> float:
    """AF: from the second dependent child, raised at 14, modulated by resources."""
    ages = sorted((a for a in child_ages if a < 20), reverse=True)
    n = len(ages)
    if n < 2:
        return 0.0
    amount = AF_TWO if n == 2 else AF_THREE + AF_EXTRA * (n - 3)
    raised = [a for a in ages if a >= 14]
    if n == 2 and raised and raised[0] == ages[0]:
        raised = raised[1:]  # with two children the eldest gets no raise
    amount += AF_AGE_RAISE * len(raised)
    if monthly_income > 6500:
        amount /= 4
    elif monthly_income > 4800:
        amount /= 2
    return amount


def consumption_units(*, couple: bool, children: int) -> float:
    """RSA/PPA household scale."""
    units = 1.5 if couple else 1.0
    for rank in range(children):
        if not couple and rank == 0:
            units += 0.5
        elif rank < 2:
            units += 0.3
        else:
            units += 0.4
    return units


def housing_lump(*, people: int) -> float:
    """Forfait logement deducted from RSA/PPA when a housing aid is paid."""
    return RSA_BASE * (0.12 if people == 1 else 0.16 if people == 2 else 0.165)


def housing_aid(*, rent: float, couple: bool, children: int, monthly_income: float) -> float:
    ceiling = (300 if not couple else 365) + 62 * children
    base = min(rent, ceiling) + 55 + 12 * children  # rent within the ceiling plus the charges lump
    allowance = 600 + 180 * children + (250 if couple else 0)
    participation = 36 + 0.3 * max(0.0, monthly_income - allowance)
    return max(0.0, min(rent, base - participation))


def family_parts(*, children: int) -> float:
    """Parts of the Caf's quotient familial: two for the parent(s), then the children."""
    parts = 2.0
    for rank in range(children):
        parts += 1.0 if rank == 2 else 0.5
    return parts


def family_quotient(*, annual_income: float, family_benefits: float, children: int) -> int:
    return int((annual_income / 12 + family_benefits) / family_parts(children=children))
