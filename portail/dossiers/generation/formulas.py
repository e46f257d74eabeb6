"""Monthly amounts from a scale and the household of that month (pure functions, Decimal euros).

The coherence tests call these same functions with inputs read back from the other tabs, so a
figure shown can be recomputed from the file itself.
"""
from calendar import monthrange
from datetime import date
from decimal import Decimal
from functools import lru_cache

from .scales import (
    ARS_CEILING, ARS_STEP, CF_CEILING, CF_RAISED_CEILING, CF_STEP, PAJE_FULL_CEILING, PAJE_PARTIAL_CEILING,
    PAJE_STEP, Scale, money,
)

ZERO = Decimal("0.00")
RSA_MIN = Decimal("6")  # RSA under 6 € is not paid
PPA_MIN = Decimal("15")
HOUSING_MIN = Decimal("10")
AF_AGE_LIMIT = 20


def age_in(month: date, born: date) -> int | None:
    """Age counted for a month: on the last day of the month before, None if not yet born then.

    A child born during a month counts from the month after (rights start the month after)."""
    if born >= month:
        return None
    year, prev = (month.year, month.month - 1) if month.month > 1 else (month.year - 1, 12)
    # Not yet his birthday on the last day of `prev`: born later in the year, or on 29 February of a
    # year whose February has 28 days.
    before = prev < born.month or (prev == born.month and monthrange(year, prev)[1] < born.day)
    return year - born.year - before


def children_ages(month: date, births: list[date]) -> list[int]:
    ages = []
    for born in births:
        a = age_in(month, born)
        if a is not None and a < AF_AGE_LIMIT:
            ages.append(a)
    ages.sort(reverse=True)
    return ages


def family_allowance(scale: Scale, ages: list[int], annual_income: Decimal) -> Decimal:
    n = len(ages)
    if n < 2:
        return ZERO
    base = scale.af_two if n == 2 else scale.af_three + scale.af_extra * (n - 3)
    raised = [a for a in ages if a >= 14]
    if n == 2 and raised and ages[0] >= 14:
        raised = raised[1:]  # the eldest of two children gets no raise
    amount = base + scale.af_age_raise * len(raised)
    first, second, step = scale.af_ceilings
    if annual_income > second + step * (n - 2):
        return money(amount / 4)
    if annual_income > first + step * (n - 2):
        return money(amount / 2)
    return amount


def complement_familial(scale: Scale, ages: list[int], annual_income: Decimal) -> Decimal:
    n = len(ages)
    if n < 3 or min(ages) < 3:
        return ZERO
    if annual_income <= CF_RAISED_CEILING + CF_STEP // 2 * (n - 3):
        return scale.cf_raised
    if annual_income <= CF_CEILING + CF_STEP * (n - 3):
        return scale.cf
    return ZERO


def paje_base(scale: Scale, ages: list[int], annual_income: Decimal) -> Decimal:
    if not ages or min(ages) >= 3:
        return ZERO
    n = len(ages)
    if annual_income <= PAJE_FULL_CEILING + PAJE_STEP * (n - 1):
        return scale.paje_full
    if annual_income <= PAJE_PARTIAL_CEILING + PAJE_STEP * (n - 1):
        return scale.paje_partial
    return ZERO


def asf(scale: Scale, children: int, alimony_monthly: Decimal) -> Decimal:
    """Allocation de soutien familial, différentielle: the alimony received per child is deducted."""
    if not children:
        return ZERO
    per_child = scale.asf - money(alimony_monthly / children)
    return per_child * children if per_child > 0 else ZERO


def ars(scale: Scale, ages_at_year_end: list[int], annual_income: Decimal) -> Decimal:
    """Allocation de rentrée scolaire, paid in August: children aged 6 to 18 (age on 31 December)."""
    eligible = [a for a in ages_at_year_end if 6 <= a <= 18]
    if not eligible or annual_income > ARS_CEILING + ARS_STEP * (len(ages_at_year_end) - 1):
        return ZERO
    return sum((scale.ars[0] if a <= 10 else scale.ars[1] if a <= 14 else scale.ars[2] for a in eligible), ZERO)


def aah(scale: Scale, own_monthly_income: Decimal) -> Decimal:
    """AAH: only the beneficiary's own income reduces it (no spouse's income since October 2023)."""
    return max(ZERO, scale.aah - money(own_monthly_income))


def minimum_coefficient(*, couple: bool, children: int, single_parent_raised: bool) -> Decimal:
    """Household coefficient of the RSA / prime d'activité forfait."""
    if single_parent_raised:
        return Decimal("1.28412") + Decimal("0.42804") * children
    persons = (2 if couple else 1) + children
    coefficient = Decimal("1")
    for rank in range(2, persons + 1):
        coefficient += Decimal("0.5") if rank == 2 else Decimal("0.3") if rank <= 4 else Decimal("0.4")
    return coefficient


def raised_single_parent(*, couple: bool, ages: list[int], isolated: bool = False) -> bool:
    """RSA / prime d'activité majorés (CASF L262-9, CSS L842-7): a single parent while the youngest
    child is under 3, or during the twelve months after the separation (`isolated`)."""
    return not couple and bool(ages) and (isolated or min(ages) < 3)


@lru_cache(maxsize=1024)
def _forfait(base: Decimal, couple: bool, children: int, raised: bool) -> Decimal:
    return money(base * minimum_coefficient(couple=couple, children=children, single_parent_raised=raised))


@lru_cache(maxsize=1024)
def housing_lump(base: Decimal, *, persons: int) -> Decimal:
    if persons == 1:
        return money(base * Decimal("0.12"))
    if persons == 2:
        return money(base * Decimal("1.5") * Decimal("0.16"))
    return money(base * Decimal("1.8") * Decimal("0.165"))


def rsa(scale: Scale, *, couple: bool, ages: list[int], resources: Decimal, lump: bool,
        isolated: bool = False) -> tuple[Decimal, Decimal]:
    """(amount, forfait): forfait − monthly resources (incl. family benefits) − forfait logement."""
    raised = raised_single_parent(couple=couple, ages=ages, isolated=isolated)
    forfait = _forfait(scale.rsa, couple, len(ages), raised)
    persons = (2 if couple else 1) + len(ages)
    amount = money(forfait - resources - (housing_lump(scale.rsa, persons=persons) if lump else ZERO))
    return (amount if amount >= RSA_MIN else ZERO), forfait


def ppa_bonus(scale: Scale, earnings: Decimal) -> Decimal:
    low, high = scale.smic_hourly * 59, scale.smic_hourly * 95
    if earnings < low:
        return ZERO
    if earnings >= high:
        return scale.ppa_bonus_max
    return money(scale.ppa_bonus_max * (earnings - low) / (high - low))


def ppa(scale: Scale, *, couple: bool, ages: list[int], earnings: list[Decimal], other: Decimal,
        lump: bool, isolated: bool = False) -> tuple[Decimal, Decimal]:
    """(amount, forfait) of the prime d'activité. `other`: every non-earned resource, family benefits
    (Paje included) and AAH included."""
    raised = raised_single_parent(couple=couple, ages=ages, isolated=isolated)
    forfait = _forfait(scale.ppa, couple, len(ages), raised)
    earned = sum(earnings, ZERO)
    bonus = sum((ppa_bonus(scale, e) for e in earnings), ZERO)
    persons = (2 if couple else 1) + len(ages)
    amount = forfait + earned * Decimal("0.61") + bonus - max(forfait, earned + other)
    amount = money(amount - (housing_lump(scale.ppa, persons=persons) if lump else ZERO))
    return (amount if amount >= PPA_MIN else ZERO), forfait


def ppa_ceiling(scale: Scale, forfait: Decimal, workers: int) -> Decimal:
    """The most the formula can give: 61 % of the forfait plus every worker's full bonification."""
    return money(forfait * Decimal("0.61") + scale.ppa_bonus_max * workers)


def housing_rent_ceiling(*, couple: bool, children: int) -> Decimal:
    """The rent taken into account (loyer retenu) is the rent within this ceiling."""
    return Decimal(300 if not couple else 365) + 62 * children


def housing_aid(*, rent: Decimal, couple: bool, children: int, monthly_income: Decimal) -> Decimal:
    """Simplified housing aid (not the legal formula): rent within a ceiling, minus a participation."""
    ceiling = housing_rent_ceiling(couple=couple, children=children)
    base = min(rent, ceiling) + 55 + 12 * children
    allowance = Decimal(600 + 180 * children + (250 if couple else 0))
    participation = 36 + Decimal("0.3") * max(ZERO, monthly_income - allowance)
    amount = money(max(ZERO, min(rent, base - participation)))
    return amount if amount >= HOUSING_MIN else ZERO


def family_parts(children: int, *, disabled_children: int = 0) -> Decimal:
    """Parts of the Caf's quotient familial: two for the parent(s), ½ for each of the first two
    children, 1 for the third, ½ for each further one, ½ more per disabled child."""
    parts = Decimal("2")
    for rank in range(children):
        parts += Decimal("1") if rank == 2 else Decimal("0.5")
    return parts + Decimal("0.5") * disabled_children


def family_quotient(*, annual_income: Decimal, family_benefits: Decimal, children: int, disabled_children: int = 0) -> int:
    """(N-2 income / 12 + the month's family benefits) / parts, in whole euros."""
    return int((annual_income / 12 + family_benefits) / family_parts(children, disabled_children=disabled_children))
