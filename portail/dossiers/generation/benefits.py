"""Rights and gross monthly amounts, month by month, from the household of that month.

Each right opens on the first day of the month after the event that opens it (birth, moving in,
separation, recognition of a handicap, affiliation), RSA and prime d'activité on the first day of
the month of the request. Each month's amount uses that month's scale and household.
"""
import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from ..models import Benefit, Housing
from . import formulas as fx
from .calendar import add_months, add_years, age, month_after, month_of, quarter_of
from .household import Household, annual_income
from .housing import Home, housing_benefit
from .scales import money, scale_for

ZERO = Decimal("0.00")
FAMILY_FOR_RSA = (Benefit.AF, Benefit.CF, Benefit.ASF)
FAMILY_FOR_PPA = (Benefit.AF, Benefit.CF, Benefit.ASF, Benefit.PAJE)
QF_BENEFITS = (Benefit.AF, Benefit.CF, Benefit.ASF, Benefit.PAJE, Benefit.AEEH)
HOUSING = (Benefit.APL, Benefit.ALS, Benefit.ALF)


@dataclass
class Declarations:
    """Quarterly declarations (RSA, prime d'activité): amounts of a quarter per person and kind."""

    rows: dict = field(default_factory=dict)  # (quarter start, person, kind) -> amount for the quarter

    def monthly(self, quarter: date) -> tuple[dict, Decimal]:
        """(earnings per person, other resources) as monthly averages of a quarter."""
        earned: dict = {}
        other = ZERO
        for (q, person, kind), amount in self.rows.items():
            if q != quarter:
                continue
            if kind in ("salaires", "independant"):
                earned[person] = earned.get(person, ZERO) + amount / 3
            else:
                other += amount / 3
        return earned, other


def n2_income(household: Household, year: int) -> Decimal:
    total = sum((annual_income(household, year, a) for a in household.adults), ZERO)
    return total + money(household.alimony * 12)


def declared_quarter(month: date) -> date:
    """RSA and prime d'activité of a month are computed on the quarter declared before it."""
    return add_months(quarter_of(month), -3)


def draw_declarations(r: random.Random, household: Household) -> Declarations:
    declarations = Declarations()
    quarters = sorted({declared_quarter(m) for m in household.window})
    for q in quarters:
        for adult in household.adults:
            if adult.monthly:
                amount = money(adult.monthly * 3 * Decimal(str(round(r.uniform(0.9, 1.1), 3))))
                declarations.rows[(q, adult.role, adult.kind)] = amount
        if household.alimony:
            declarations.rows[(q, "allocataire", "pension_alimentaire")] = money(household.alimony * 3)
    return declarations


def event_starts(household: Household, home: Home) -> dict:
    """The first month each benefit can be due, from the event that opens it."""
    affiliation = month_after(household.opened_on)
    births = household.births
    starts = {}
    if len(births) >= 2:
        starts[Benefit.AF] = month_after(births[1])
    if len(births) >= 3:
        starts[Benefit.CF] = month_after(max(births[2], add_years(births[-1], 3)))
    if births:
        starts[Benefit.PAJE] = month_after(births[-1])
        starts[Benefit.ARS] = month_after(births[0])
    if household.single_parent:
        starts[Benefit.ASF] = month_after(household.separated_on)
    if household.aeeh_since:
        starts[Benefit.AEEH] = month_after(household.aeeh_since)
    aah = [a.aah_since for a in household.adults if a.aah_since]
    if aah:
        starts[Benefit.AAH] = month_after(min(aah))
    aid = housing_benefit(home, couple=household.couple, children=len(births))
    if aid:
        starts[aid] = month_after(home.moved_in)
    return {b: max(s, affiliation) for b, s in starts.items()}


def month_amounts(household: Household, home: Home, declarations: Declarations, month: date, starts: dict) -> dict:
    """Gross amount of each benefit due for `month` (absent: nothing due)."""
    scale = scale_for(month)
    ages = fx.children_ages(month, household.births)
    income = n2_income(household, month.year - 2)
    due: dict = {}

    def put(benefit, amount):
        if benefit in starts and month >= starts[benefit] and amount > 0:
            due[benefit] = amount

    put(Benefit.AF, fx.family_allowance(scale, ages, income))
    put(Benefit.CF, fx.complement_familial(scale, ages, income))
    put(Benefit.PAJE, fx.paje_base(scale, ages, income))
    if household.single_parent:
        put(Benefit.ASF, fx.asf(scale, len(ages), household.alimony))
    put(Benefit.AEEH, scale.aeeh if ages else ZERO)
    aah_people = [a for a in household.adults if a.aah_since and month >= month_after(a.aah_since)]
    put(Benefit.AAH, sum((fx.aah(scale, a.monthly) for a in aah_people), ZERO))
    if month.month == 8 and Benefit.ARS in starts:
        year_end = date(month.year, 12, 31)
        ages_end = [age(b, year_end) for b in household.births if b < month]
        put(Benefit.ARS, fx.ars(scale, [a for a in ages_end if a < 20], income))
    aid = housing_benefit(home, couple=household.couple, children=len(ages))
    if aid and aid in starts:
        monthly_income = sum((a.monthly for a in household.adults), ZERO) + household.alimony
        put(aid, fx.housing_aid(rent=home.rent, couple=household.couple, children=len(ages), monthly_income=monthly_income))
    lump = any(b in due for b in HOUSING) or home.kind == Housing.Kind.HOSTED
    earned, other = declarations.monthly(declared_quarter(month))
    aah_paid = due.get(Benefit.AAH, ZERO)
    rsa_resources = sum(earned.values(), ZERO) + other + aah_paid + sum((due.get(b, ZERO) for b in FAMILY_FOR_RSA), ZERO)
    put(Benefit.RSA, fx.rsa(scale, couple=household.couple, ages=ages, resources=rsa_resources, lump=lump)[0])
    if earned:
        ppa_other = other + aah_paid + due.get(Benefit.RSA, ZERO) + sum((due.get(b, ZERO) for b in FAMILY_FOR_PPA), ZERO)
        put(Benefit.PPA, fx.ppa(scale, couple=household.couple, ages=ages, earnings=list(earned.values()),
                                other=ppa_other, lump=lump)[0])
    return due


def request_starts(r: random.Random, household: Household, home: Home, declarations: Declarations, starts: dict) -> dict:
    """RSA and prime d'activité open the month of the request: a request date for each one that the
    household's declarations make due in the window (RSA from 25, or younger with a child)."""
    requests = {}
    probe = dict(starts)
    window = household.window
    for benefit in (Benefit.RSA, Benefit.PPA):
        if benefit == Benefit.RSA and age(household.born, window[0]) < 25 and not household.births:
            continue
        probe[benefit] = window[0]
        due_months = [m for m in window if benefit in month_amounts(household, home, declarations, m, probe)]
        if not due_months:
            probe.pop(benefit)
            continue
        if due_months[0] == window[0] and r.random() < 0.7:
            request = max(household.opened_on, household.ref - timedelta(days=int(r.uniform(1, 4) * 365)))
        else:
            month = r.choice(due_months)
            request = max(household.opened_on, month + timedelta(days=r.randint(0, 27)))
        request = min(request, household.ref - timedelta(days=1))
        start = month_of(request)
        first_due = next((m for m in due_months if m >= start), None)
        if first_due is None:
            probe.pop(benefit)
            continue
        if first_due > start:  # nothing due the month of the request: the request is that of the first month due
            request = first_due + timedelta(days=r.randint(0, 20))
            start = first_due
        probe[benefit] = start
        requests[benefit] = request
    return requests
