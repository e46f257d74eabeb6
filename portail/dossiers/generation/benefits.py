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
    _monthly: dict = field(default_factory=dict, repr=False)

    def monthly(self, quarter: date, persons=("allocataire", "conjoint")) -> tuple[dict, Decimal]:
        """(earnings per person, other resources) as monthly averages of a quarter, for the persons in
        the household of the month computed (a spouse who left no longer counts)."""
        key = (quarter, tuple(persons))
        cached = self._monthly.get(key)
        if cached is not None:
            return cached
        earned: dict = {}
        other = ZERO
        for (q, person, kind), amount in self.rows.items():
            if q != quarter or person not in persons:
                continue
            if kind in ("salaires", "independant"):
                earned[person] = earned.get(person, ZERO) + amount / 3
            else:
                other += amount / 3
        self._monthly[key] = (earned, other)
        return earned, other


def n2_income(household: Household, year: int, month: date | None = None) -> Decimal:
    """N-2 income of the household of `month` (today's without it): a spouse who left no longer counts."""
    adults = household.at(month).adults if month else tuple(a for a in household.adults if a.left_on is None)
    key = (year, len(adults))
    income = household._n2.get(key)
    if income is None:
        total = sum((annual_income(household, year, a) for a in adults), ZERO)
        income = household._n2[key] = total + money(household.alimony * 12)
    return income


def declared_quarter(month: date) -> date:
    """RSA and prime d'activité of a month are computed on the quarter declared before it."""
    return add_months(quarter_of(month), -3)


def draw_declarations(r: random.Random, household: Household) -> Declarations:
    """Each adult declares, per quarter, the income of its three months (both kinds around a job
    change); a spouse who left declares only the quarters ended before he left."""
    declarations = Declarations()
    quarters = sorted({declared_quarter(m) for m in household.window})
    for q in quarters:
        months = (q, add_months(q, 1), add_months(q, 2))
        for adult in household.adults:
            if adult.left_on is not None and add_months(q, 3) > adult.left_on:
                continue
            by_kind: dict = {}
            for m in months:
                kind, monthly = adult.income_in(m)
                if monthly:
                    by_kind[kind] = by_kind.get(kind, ZERO) + monthly
            for kind, amount in by_kind.items():
                amount = money(amount * Decimal(str(round(r.uniform(0.9, 1.1), 3))))
                declarations.rows[(q, adult.role, kind)] = amount
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


@dataclass
class MonthBase:
    """What a month's RSA and prime d'activité are computed from: the other benefits due that month
    and the household's declared resources. Computed once per month, whatever RSA/PPA starts are tried."""

    month: date
    scale: object
    ages: list
    couple: bool
    isolated: bool
    lump: bool
    earned: dict
    other: Decimal
    due: dict
    # Sums the RSA and the prime d'activité read, fixed for the month whatever their starts.
    rsa_resources: Decimal = ZERO  # earnings, other resources, AAH and family benefits
    ppa_other: Decimal = ZERO  # other resources, AAH and family benefits (Paje included), RSA excluded
    _amounts: dict = field(default_factory=dict, repr=False)  # (RSA open, PPA open) -> amounts


def month_base(household: Household, home: Home, declarations: Declarations, month: date, starts: dict) -> MonthBase:
    scale = scale_for(month)
    ages = fx.children_ages(month, household.births)
    state = household.at(month)
    couple = state.couple
    income = n2_income(household, month.year - 2, month)
    due: dict = {}

    def put(benefit, amount):
        if amount > 0 and benefit in starts and month >= starts[benefit]:
            due[benefit] = amount

    put(Benefit.AF, fx.family_allowance(scale, ages, income))
    put(Benefit.CF, fx.complement_familial(scale, ages, income))
    put(Benefit.PAJE, fx.paje_base(scale, ages, income))
    if not couple and household.births:
        put(Benefit.ASF, fx.asf(scale, len(ages), state.alimony))
    put(Benefit.AEEH, scale.aeeh if ages else ZERO)
    aah_people = [a for a in state.adults if a.aah_since and month >= month_after(a.aah_since)]
    if aah_people:
        put(Benefit.AAH, sum((fx.aah(scale, a.monthly) for a in aah_people), ZERO))
    if month.month == 8 and Benefit.ARS in starts:
        year_end = date(month.year, 12, 31)
        ages_end = [age(b, year_end) for b in household.births if b < month]
        put(Benefit.ARS, fx.ars(scale, [a for a in ages_end if a < 20], income))
    aid = housing_benefit(home, couple=couple, children=len(ages))
    if aid and aid in starts:
        put(aid, fx.housing_aid(rent=home.rent, couple=couple, children=len(ages), monthly_income=state.monthly_income))
    lump = any(b in due for b in HOUSING) or home.kind == Housing.Kind.HOSTED
    earned, other = declarations.monthly(declared_quarter(month), tuple(a.role for a in state.adults))
    aah_paid = due.get(Benefit.AAH, ZERO)
    family_rsa = sum((due[b] for b in FAMILY_FOR_RSA if b in due), ZERO)
    paje = due.get(Benefit.PAJE, ZERO)
    return MonthBase(month, scale, ages, couple, state.isolated, lump, earned, other, due,
                     rsa_resources=sum(earned.values(), ZERO) + other + aah_paid + family_rsa,
                     ppa_other=other + aah_paid + family_rsa + paje)


def minimum_amounts(base: MonthBase, *, rsa_from: date | None, ppa_from: date | None) -> dict:
    """The month's gross amounts: the base's benefits, plus RSA and prime d'activité if open by then
    (the same dict for the same two answers: callers do not modify it)."""
    month = base.month
    key = (rsa_from is not None and month >= rsa_from, ppa_from is not None and month >= ppa_from)
    cached = base._amounts.get(key)
    if cached is not None:
        return cached
    due = base._amounts[key] = dict(base.due)
    scale = base.scale
    rsa_paid = ZERO
    if key[0]:
        rsa_paid = fx.rsa(scale, couple=base.couple, ages=base.ages, resources=base.rsa_resources, lump=base.lump,
                          isolated=base.isolated)[0]
        if rsa_paid > 0:
            due[Benefit.RSA] = rsa_paid
    if base.earned and key[1]:
        amount = fx.ppa(scale, couple=base.couple, ages=base.ages, earnings=list(base.earned.values()),
                        other=base.ppa_other + rsa_paid, lump=base.lump, isolated=base.isolated)[0]
        if amount > 0:
            due[Benefit.PPA] = amount
    return due


def month_amounts(household: Household, home: Home, declarations: Declarations, month: date, starts: dict) -> dict:
    """Gross amount of each benefit due for `month` (absent: nothing due)."""
    base = month_base(household, home, declarations, month, starts)
    return minimum_amounts(base, rsa_from=starts.get(Benefit.RSA), ppa_from=starts.get(Benefit.PPA))


def request_starts(r: random.Random, household: Household, bases: list[MonthBase]) -> dict:
    """RSA and prime d'activité open the month of the request: a request date for each one that the
    household's declarations make due in the window (RSA from 25, or younger with a child)."""
    requests = {}
    probe = {}
    window = household.window
    for benefit in (Benefit.RSA, Benefit.PPA):
        if benefit == Benefit.RSA and age(household.born, window[0]) < 25 and not household.births:
            continue
        probe[benefit] = window[0]
        due_months = [b.month for b in bases if benefit in minimum_amounts(
            b, rsa_from=probe.get(Benefit.RSA), ppa_from=probe.get(Benefit.PPA))]
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
