"""One household's timeline: people, births, affiliation, separation, activity and income.

Events inside the twelve-month window change the household from their month on: a couple that
separates (the spouse leaves: a single parent from the month after), an adult who loses or finds a
job (his income of each month follows). Every monthly amount reads the household of its month
(`Household.at`), never today's."""
import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from ..models import Resource
from .calendar import add_months, add_years, age, month_of
from .scales import money

EARNED = (Resource.Kind.SALARY, Resource.Kind.SELF_EMPLOYED)


@dataclass
class Adult:
    role: str  # "allocataire" or "conjoint"
    kind: str  # a Resource.Kind before any job change (the N-2 years); NONE for AAH without income
    monthly: Decimal
    aah_since: date | None = None
    left_on: date | None = None  # the spouse who left the household (separation)
    change_on: date | None = None  # first day of the month a job was lost or found
    new_kind: str = ""
    new_monthly: Decimal = Decimal("0.00")

    @property
    def earned(self) -> bool:
        return self.kind in EARNED

    def present(self, month: date) -> bool:
        """In the household for `month`: a spouse who left counts until the month he left."""
        return self.left_on is None or month <= self.left_on

    def income_in(self, month: date) -> tuple[str, Decimal]:
        """(kind, monthly income) of a month, after a job change from its month on."""
        if self.change_on is not None and month >= self.change_on:
            return self.new_kind, self.new_monthly
        return self.kind, self.monthly

    @property
    def current_kind(self) -> str:
        return self.new_kind if self.change_on is not None else self.kind


@dataclass(frozen=True)
class MonthHousehold:
    """The household of one month: who lives there and what each adult earns that month."""

    couple: bool
    adults: tuple  # Adult present that month
    incomes: tuple  # (role, kind, monthly) of each adult present
    alimony: Decimal
    isolated: bool  # single parent within twelve months of the separation (RSA / prime majorés)

    @property
    def monthly_income(self) -> Decimal:
        return sum((m for _, _, m in self.incomes), Decimal("0")) + self.alimony


@dataclass
class Household:
    ref: date
    window: list[date]  # the twelve paid months, oldest first
    female: bool
    born: date
    opened_on: date  # affiliation
    couple: bool
    births: list[date]  # children, oldest first
    adults: list[Adult]
    alimony: Decimal  # monthly, received by a single parent
    separated_on: date | None = None
    aeeh_since: date | None = None
    spouse: tuple | None = None
    year_factors: dict = field(default_factory=dict)  # N-2 income of a year = monthly × 12 × factor
    isolated_on: date | None = None  # a separation inside the window: the day the spouse left
    _months: dict = field(default_factory=dict, repr=False)
    _n2: dict = field(default_factory=dict, repr=False)

    @property
    def single_parent(self) -> bool:
        """Today (the end of the window): no spouse, children."""
        return not self.couple and bool(self.births)

    def at(self, month: date) -> MonthHousehold:
        state = self._months.get(month)
        if state is None:
            adults = tuple(a for a in self.adults if a.present(month))
            couple = len(adults) == 2
            isolated = (self.isolated_on is not None and not couple and bool(self.births)
                        and month < add_months(month_of(self.isolated_on), 13))
            state = self._months[month] = MonthHousehold(
                couple=couple, adults=adults, incomes=tuple((a.role, *a.income_in(month)) for a in adults),
                alimony=self.alimony if not couple else Decimal("0.00"), isolated=isolated)
        return state

    @property
    def age(self) -> int:
        return age(self.born, self.ref)

    def other_monthly(self) -> Decimal:
        return sum((a.monthly for a in self.adults if not a.earned), Decimal("0")) + self.alimony


def _years_ago(day: date, years: float, r: random.Random) -> date:
    return day - timedelta(days=int(years * 365.25) + r.randrange(0, 365))


def _activity(r: random.Random, disabled_chance: float) -> tuple[str, Decimal, bool]:
    kind = r.choices(
        (Resource.Kind.SALARY, Resource.Kind.UNEMPLOYMENT, Resource.Kind.SELF_EMPLOYED, Resource.Kind.PENSION,
         Resource.Kind.SICKNESS, Resource.Kind.NONE),
        weights=(48, 14, 5, 3, 3, 27),
    )[0]
    if r.random() < disabled_chance:
        return Resource.Kind.NONE, Decimal("0.00"), True
    amount = {
        Resource.Kind.SALARY: r.choice((r.uniform(450, 1100), r.uniform(1100, 1900), r.uniform(1900, 3600))),
        Resource.Kind.UNEMPLOYMENT: r.uniform(550, 1450),
        Resource.Kind.SELF_EMPLOYED: r.uniform(300, 2200),
        Resource.Kind.PENSION: r.uniform(700, 1600),
        Resource.Kind.SICKNESS: r.uniform(500, 1300),
        Resource.Kind.NONE: 0.0,
    }[kind]
    return kind, money(amount), False


def draw_household(r: random.Random, ref: date, pools) -> Household:
    kind = r.choices(("single", "single_parent", "couple", "couple_children"), weights=(25, 25, 15, 35))[0]
    couple = kind.startswith("couple")
    n_children = 0
    if kind == "single_parent":
        n_children = r.choices((1, 2, 3, 4), weights=(45, 35, 15, 5))[0]
    elif kind == "couple_children":
        n_children = r.choices((1, 2, 3, 4, 5), weights=(30, 38, 20, 9, 3))[0]
    female = r.random() < (0.8 if kind == "single_parent" else 0.5)
    years = r.randint(19 + 2 * n_children, 62) if n_children else r.randint(19, 64)
    born = _years_ago(ref, years, r)
    opened_on = max(_years_ago(ref, r.uniform(0.3, max(0.5, years - 18)), r), date(1990, 1, 1), add_years(born, 18))
    window = [add_months(month_of(ref), -back) for back in range(12, 0, -1)]

    adults = []
    for role, chance in (("allocataire", 0.06), ("conjoint", 0.03))[: 1 + couple]:
        activity, monthly, disabled = _activity(r, chance)
        aah_since = max(opened_on, _years_ago(ref, r.uniform(0, 8), r)) if disabled else None
        adults.append(Adult(role, activity, monthly, aah_since))
    spouse = None
    if couple:
        s_female = not female if r.random() < 0.95 else female
        spouse = (
            r.choice(pools.last_names) if r.random() < 0.4 else None,
            r.choice(pools.female_names if s_female else pools.male_names),
            "F" if s_female else "M",
            _years_ago(ref, max(18, years + r.randint(-6, 6)), r),
        )

    births = []
    adult_since = add_years(born, 18)
    for _ in range(n_children):
        if r.random() < 0.06:  # a birth during the last year: counted from the month after
            births.append(ref - timedelta(days=r.randint(20, 360)))
        else:
            births.append(max(adult_since, _years_ago(ref, r.randint(0, min(19, max(0, years - 18))), r)))
    births.sort()
    alimony = Decimal("0.00")
    separated_on = None
    if kind == "single_parent":
        separated_on = max(births[0], _years_ago(ref, r.uniform(0, 6), r))
        if r.random() < 0.5:
            alimony = money(r.uniform(60, 260) * n_children)
    aeeh_since = None
    if births and r.random() < 0.03:
        aeeh_since = max(births[0] + timedelta(days=400), _years_ago(ref, r.uniform(0, 4), r))
        aeeh_since = aeeh_since if aeeh_since < ref - timedelta(days=40) else None
    household = Household(
        ref=ref, window=window, female=female, born=born, opened_on=opened_on, couple=couple, births=births,
        adults=adults, alimony=alimony, separated_on=separated_on, aeeh_since=aeeh_since, spouse=spouse,
    )
    for year in range(ref.year - 4, ref.year):
        household.year_factors[year] = Decimal(str(round(r.uniform(0.9, 1.1), 3)))
    _draw_events(r, household)
    return household


JOB_CHANGE_CHANCE = 0.1
SEPARATION_CHANCE = 0.1  # of couples with children


def _draw_events(r: random.Random, household: Household) -> None:
    """Job changes and separations inside the window, each from the first day of its month."""
    window = household.window
    for adult in household.adults:
        if adult.aah_since or r.random() >= JOB_CHANGE_CHANCE:
            continue
        if adult.kind == Resource.Kind.SALARY:  # a job lost: unemployment benefit from that month
            share = Decimal(str(round(r.uniform(0.57, 0.75), 3)))
            new_kind, new_monthly = Resource.Kind.UNEMPLOYMENT, money(adult.monthly * share)
        elif adult.kind in (Resource.Kind.UNEMPLOYMENT, Resource.Kind.NONE):  # a job found
            new_kind, new_monthly = Resource.Kind.SALARY, money(r.uniform(600, 2200))
        else:
            continue
        adult.change_on = window[r.randint(1, len(window) - 1)]
        adult.new_kind, adult.new_monthly = new_kind, new_monthly
    if household.couple and household.births and r.random() < SEPARATION_CHANCE:
        spouse = household.adults[1]
        left_on = household.ref - timedelta(days=r.randint(20, 330))
        if (spouse.change_on is None and spouse.aah_since is None
                and left_on > household.opened_on + timedelta(days=60) and left_on > household.births[0]):
            spouse.left_on = left_on
            household.couple = False
            household.separated_on = household.isolated_on = left_on


def annual_income(household: Household, year: int, adult: Adult) -> Decimal:
    """The N-2 income of one adult as the ressources tab shows it."""
    return money(adult.monthly * 12 * household.year_factors.get(year, Decimal("1")))
