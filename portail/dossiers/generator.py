"""Deterministic generator of realistic, coherent allocataire files (Faker fr_FR).

Dossier number i of a (seed, Caf) is always the same file: each one is drawn from its own
random stream seeded by (seed, Caf code, i), so the result does not depend on the batch size,
and numbers already present are skipped (running it twice changes nothing). Dates are offsets
from a reference day (default: today).

Rows are written with bulk_create, one transaction per batch: on PostgreSQL, 100,000 files
(about 40 rows each) take a few minutes — see bench/README.md.
"""
import random
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db import connection, transaction
from faker import Faker

from portail.conventions.models import Caf
from portail.core.clock import today

from . import rules
from .models import (
    Benefit,
    Debt,
    Dossier,
    FamilyMember,
    Housing,
    Letter,
    Payee,
    Payment,
    Resource,
    Right,
    RsaInfo,
)

NUMBER_SPACE = 10**7
NUMBER_STEP = 7_654_321  # coprime with 10**7: i -> start + i*step is a permutation of the 7-digit numbers
CHILD_MODELS = (FamilyMember, Right, Payment, Resource, RsaInfo, Letter, Housing, Debt)

SOCIAL_LANDLORDS = (
    "Paris Habitat", "Gironde Habitat", "Aquitanis", "Domofrance", "CDC Habitat", "Logement Francilien",
    "Mésolia", "ICF Habitat", "Immobilière 3F", "Clairsienne",
)
HOSTELS = ("Résidence sociale Adoma", "Foyer de jeunes travailleurs Habitat Jeunes", "Résidence Coallia")
RSA_REFERENTS = ("Conseil départemental — service insertion", "France Travail", "CCAS de la commune", "Mission locale")
DEBT_REASONS = (
    "Ressources trimestrielles déclarées en retard",
    "Changement de situation familiale signalé tardivement",
    "Déménagement non signalé",
    "Reprise d'activité non déclarée",
    "Départ d'un enfant du foyer",
)
LETTER_SUBJECTS = {
    None: (
        "Accusé de réception de votre déclaration de changement de situation",
        "Demande de pièces justificatives",
        "Attestation de paiement",
        "Rappel : mise à jour de vos coordonnées bancaires",
        "Contrôle de votre situation",
    ),
    Benefit.AF: ("Notification de droit aux allocations familiales",),
    Benefit.APL: ("Notification de droit à l'aide au logement", "Information au bailleur : versement en tiers payant"),
    Benefit.ALS: ("Notification de droit à l'aide au logement",),
    Benefit.ALF: ("Notification de droit à l'aide au logement",),
    Benefit.RSA: ("Notification de droit au RSA", "Déclaration trimestrielle de ressources RSA à compléter"),
    Benefit.PPA: ("Notification de droit à la prime d'activité", "Déclaration trimestrielle prime d'activité"),
    Benefit.AAH: ("Notification de droit à l'AAH",),
    Benefit.PAJE: ("Notification de droit à la Paje",),
}
HOUSING_BENEFITS = (Benefit.APL, Benefit.ALS, Benefit.ALF)
FAMILY_BENEFITS = (Benefit.AF, Benefit.CF, Benefit.ASF, Benefit.PAJE, Benefit.AEEH)


@dataclass
class Pools:
    """Names and places drawn once from Faker for a seed; files pick from them."""

    last_names: list[str]
    female_names: list[str]
    male_names: list[str]
    streets: list[str]
    cities: list[str]
    people: list[str]

    @classmethod
    def build(cls, seed: int) -> "Pools":
        fake = Faker("fr_FR")
        fake.seed_instance(seed)
        return cls(
            last_names=[fake.last_name() for _ in range(1500)],
            female_names=[fake.first_name_female() for _ in range(400)],
            male_names=[fake.first_name_male() for _ in range(400)],
            streets=[fake.street_address() for _ in range(3000)],
            cities=[fake.city() for _ in range(300)],
            people=[fake.name() for _ in range(500)],
        )


@dataclass
class Built:
    dossier: Dossier
    children: list = field(default_factory=list)


def dossier_number(seed: int, caf_code: str, index: int) -> str:
    start = random.Random(f"start:{seed}:{caf_code}").randrange(NUMBER_SPACE)
    return f"{(start + index * NUMBER_STEP) % NUMBER_SPACE:07d}"


def _years_ago(day: date, years: float, r: random.Random) -> date:
    return day - timedelta(days=int(years * 365.25) + r.randrange(0, 365))


def _month_start(day: date, back: int) -> date:
    m = day.year * 12 + day.month - 1 - back
    return date(m // 12, m % 12 + 1, 1)


def _add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def _age(born: date, day: date) -> int:
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def _postcode_city(caf: Caf, r: random.Random, pools: Pools) -> tuple[str, str]:
    dept = caf.code[:2]
    if dept == "75":
        arr = r.randint(1, 20)
        return f"750{arr:02d}", "Paris"
    return f"{dept}{r.randrange(0, 99):02d}0", r.choice(pools.cities)


def build_dossier(*, caf: Caf, number: str, r: random.Random, pools: Pools, ref: date) -> Built:
    """One coherent file: household, resources, then the rights they open, then payments and letters."""
    household = r.choices(("single", "single_parent", "couple", "couple_children"), weights=(25, 25, 15, 35))[0]
    couple = household.startswith("couple")
    n_children = 0
    if household == "single_parent":
        n_children = r.choices((1, 2, 3, 4), weights=(45, 35, 15, 5))[0]
    elif household == "couple_children":
        n_children = r.choices((1, 2, 3, 4, 5), weights=(30, 38, 20, 9, 3))[0]

    female = r.random() < (0.8 if household == "single_parent" else 0.5)
    last_name = r.choice(pools.last_names)
    first_name = r.choice(pools.female_names if female else pools.male_names)
    age = r.randint(19 + 2 * n_children, 62) if n_children else r.randint(19, 64)
    born = _years_ago(ref, age, r)
    opened_on = max(_years_ago(ref, r.uniform(0.3, max(0.5, age - 18)), r), date(1990, 1, 1))

    # Activity and resources of the adults (monthly, euros).
    def activity(disabled_chance: float) -> tuple[str, float]:
        kind = r.choices(
            (Resource.Kind.SALARY, Resource.Kind.UNEMPLOYMENT, Resource.Kind.SELF_EMPLOYED, Resource.Kind.PENSION,
             Resource.Kind.SICKNESS, Resource.Kind.NONE),
            weights=(48, 14, 5, 3, 3, 27),
        )[0]
        if r.random() < disabled_chance:
            return "aah", 0.0
        amount = {
            Resource.Kind.SALARY: r.choice((r.uniform(450, 1100), r.uniform(1100, 1900), r.uniform(1900, 3600))),
            Resource.Kind.UNEMPLOYMENT: r.uniform(550, 1450),
            Resource.Kind.SELF_EMPLOYED: r.uniform(300, 2200),
            Resource.Kind.PENSION: r.uniform(700, 1600),
            Resource.Kind.SICKNESS: r.uniform(500, 1300),
            Resource.Kind.NONE: 0.0,
        }[kind]
        return kind, round(amount, 2)

    adults = [("allocataire", *activity(0.06))]
    spouse = None
    if couple:
        s_female = not female if r.random() < 0.95 else female
        spouse = (
            r.choice(pools.last_names) if r.random() < 0.4 else last_name,
            r.choice(pools.female_names if s_female else pools.male_names),
            "F" if s_female else "M",
            _years_ago(ref, max(18, age + r.randint(-6, 6)), r),
        )
        adults.append(("conjoint", *activity(0.03)))
    alimony = 0.0
    if household == "single_parent" and r.random() < 0.5:
        alimony = round(r.uniform(80, 180) * n_children, 2)
    earned = sum(a for _, k, a in adults if k in (Resource.Kind.SALARY, Resource.Kind.SELF_EMPLOYED))
    other = sum(a for _, k, a in adults if k not in (Resource.Kind.SALARY, Resource.Kind.SELF_EMPLOYED, "aah"))
    income = earned + other + alimony

    child_births = []
    for _ in range(n_children):
        max_age = min(19, age - 18)
        child_births.append(_years_ago(ref, r.randint(0, max(0, max_age)), r))
    child_births.sort()
    child_ages = [_age(b, ref) for b in child_births]

    # Housing.
    kind = r.choices(
        (Housing.Kind.SOCIAL_RENT, Housing.Kind.PRIVATE_RENT, Housing.Kind.OWNER, Housing.Kind.HOSTEL, Housing.Kind.HOSTED),
        weights=(40, 35, 9, 6 if not n_children else 1, 10),
    )[0]
    people = 1 + couple + n_children
    rooms = max(1, min(6, people - (1 if couple else 0) + r.randint(0, 1)))
    surface = 12 + rooms * r.randint(14, 22)
    rent = {
        Housing.Kind.SOCIAL_RENT: 180 + 6.5 * surface,
        Housing.Kind.PRIVATE_RENT: 250 + 12 * surface,
        Housing.Kind.OWNER: 300 + 9 * surface,
        Housing.Kind.HOSTEL: r.uniform(380, 520),
        Housing.Kind.HOSTED: 0.0,
    }[kind]
    rent = round(rent * r.uniform(0.85, 1.2), 2) if rent else 0.0
    if kind == Housing.Kind.SOCIAL_RENT:
        landlord = r.choice(SOCIAL_LANDLORDS)
    elif kind == Housing.Kind.HOSTEL:
        landlord = r.choice(HOSTELS)
    elif kind == Housing.Kind.PRIVATE_RENT:
        landlord = r.choice(pools.people)
    elif kind == Housing.Kind.OWNER:
        landlord = r.choice(("Crédit Agricole", "Banque Populaire", "Caisse d'Épargne", "LCL"))
    else:
        landlord = ""
    third_party = kind in (Housing.Kind.SOCIAL_RENT, Housing.Kind.HOSTEL) or (
        kind == Housing.Kind.PRIVATE_RENT and r.random() < 0.3
    )
    postcode, city = _postcode_city(caf, r, pools)
    moved_in = max(opened_on, _years_ago(ref, r.uniform(0, 12), r))

    # Rights the household opens, monthly amounts.
    amounts: dict[str, float] = {}
    af = rules.family_allowance(child_ages, income)
    if af:
        amounts[Benefit.AF] = af
    if n_children >= 3 and min(child_ages) >= 3 and income < 3500:
        amounts[Benefit.CF] = rules.CF_AMOUNT * (1.5 if income < 1800 else 1)
    if child_ages and min(child_ages) < 3 and income < 4000:
        amounts[Benefit.PAJE] = rules.PAJE_BASE if income < 3000 else rules.PAJE_BASE / 2
    if household == "single_parent" and not alimony:
        amounts[Benefit.ASF] = rules.ASF_PER_CHILD * n_children
    if n_children and r.random() < 0.03:
        amounts[Benefit.AEEH] = rules.AEEH_BASE
    for who, k, _ in adults:
        if k == "aah":
            amounts[Benefit.AAH] = round(rules.AAH_FULL - 0.3 * max(0, income - 600), 2)
    if kind not in (Housing.Kind.HOSTED,) and rent:
        aid = rules.housing_aid(rent=rent, couple=couple, children=n_children, monthly_income=income)
        if aid >= 15:
            benefit = (
                Benefit.APL if kind in (Housing.Kind.SOCIAL_RENT, Housing.Kind.HOSTEL, Housing.Kind.OWNER)
                else Benefit.ALF if n_children or couple else Benefit.ALS
            )
            amounts[benefit] = aid
    housing_paid = any(b in amounts for b in HOUSING_BENEFITS)
    units = rules.consumption_units(couple=couple, children=n_children)
    lump = rules.housing_lump(people=people) if housing_paid or kind == Housing.Kind.HOSTED else 0.0
    family = sum(amounts.get(b, 0) for b in (Benefit.AF, Benefit.CF, Benefit.ASF))
    rsa = rules.RSA_BASE * units - income - family - lump
    if rsa >= 6 and Benefit.AAH not in amounts:
        amounts[Benefit.RSA] = rsa
    if earned >= 600:
        ppa = rules.PPA_BASE * units + 0.61 * earned + min(173.0, max(0.0, (earned - 700) * 0.3)) - income - family - lump
        if ppa >= 15:
            amounts[Benefit.PPA] = ppa
    ars_total = sum(amount for a in child_ages for lo, hi, amount in rules.ARS_BY_AGE if lo <= a <= hi)
    if ars_total and income < 2800:
        amounts[Benefit.ARS] = ars_total

    fq = rules.family_quotient(
        annual_income=income * 12,
        family_benefits=sum(amounts.get(b, 0) for b in FAMILY_BENEFITS),
        children=n_children,
    )
    situation = (
        r.choice((Dossier.FamilySituation.MARRIED, Dossier.FamilySituation.PACS, Dossier.FamilySituation.COHABITING))
        if couple
        else r.choice((Dossier.FamilySituation.SINGLE, Dossier.FamilySituation.SEPARATED, Dossier.FamilySituation.DIVORCED))
        if household == "single_parent"
        else r.choices((Dossier.FamilySituation.SINGLE, Dossier.FamilySituation.WIDOWED), weights=(92, 8))[0]
    )
    status = Dossier.Status.ACTIVE if amounts else Dossier.Status.SUSPENDED
    slug = f"{first_name}.{last_name}".lower().replace(" ", "-").replace("'", "")
    dossier = Dossier(
        caf=caf,
        number=number,
        title="Mme" if female else "M.",
        last_name=last_name.upper(),
        first_name=first_name,
        birth_date=born,
        family_situation=situation,
        status=status,
        opened_on=opened_on,
        family_quotient=fq,
        email=f"{slug}@example.fr" if r.random() < 0.8 else "",
        phone=f"0{r.choice((6, 7))} {r.randint(10, 99)} {r.randint(10, 99)} {r.randint(10, 99)} {r.randint(10, 99)}",
        last_change_on=ref - timedelta(days=r.randint(3, 200)),
    )
    out = Built(dossier)

    def add(model, **values):
        out.children.append((model, values))

    # Family.
    add(FamilyMember, position=0, relationship=FamilyMember.Relationship.ALLOCATAIRE,
                     last_name=dossier.last_name, first_name=first_name, sex="F" if female else "M", birth_date=born)
    if spouse:
        add(FamilyMember, position=1, relationship=FamilyMember.Relationship.SPOUSE,
                         last_name=spouse[0].upper(), first_name=spouse[1], sex=spouse[2], birth_date=spouse[3])
    for i, b in enumerate(child_births):
        sex = r.choice("FM")
        add(FamilyMember, position=2 + i, relationship=FamilyMember.Relationship.CHILD,
                         last_name=dossier.last_name, first_name=r.choice(pools.female_names if sex == "F" else pools.male_names),
                         sex=sex, birth_date=b, dependent=_age(b, ref) < 20)

    # Housing.
    add(Housing, street=r.choice(pools.streets), postcode=postcode, city=city, kind=kind, rooms=rooms,
                surface=surface, rent=rules.money(rent), charges=rules.money(rent * 0.12 if rent else 0),
                landlord=landlord, third_party_payment=third_party and housing_paid, moved_in_on=moved_in)

    # Rights and the last twelve months of payments.
    last_paid = _month_start(ref, 1)
    # The right's amount is the current quarter's; earlier quarters differ a little.
    quarter_factors: dict[tuple[int, int], float] = {(last_paid.year, (last_paid.month - 1) // 3): 1.0}
    for benefit, monthly in amounts.items():
        start = max(opened_on, _years_ago(ref, r.uniform(0, 6), r))
        if benefit == Benefit.PAJE:
            start = max(opened_on, child_births[-1])
        if benefit in (Benefit.AF, Benefit.CF) and len(child_births) >= 2:
            start = max(start, child_births[1])
        payee = Payee.BAILLEUR if benefit in HOUSING_BENEFITS and third_party else Payee.ALLOCATAIRE
        if benefit == Benefit.ARS:
            august = date(ref.year if ref.month >= 9 else ref.year - 1, 8, 1)
            add(Right, benefit=benefit, start_date=august, end_date=date(august.year, 8, 31),
                      monthly_amount=rules.money(monthly), status=Right.Status.CLOSED, payee=payee)
            add(Payment, month=august, benefit=benefit, amount=rules.money(monthly), payee=payee,
                        paid_on=date(august.year, 8, 20))
            continue
        add(Right, benefit=benefit, start_date=start, monthly_amount=rules.money(monthly), payee=payee)
        quarterly = benefit in (Benefit.RSA, Benefit.PPA)
        for back in range(12, 0, -1):
            month = _month_start(ref, back)
            if month < _month_start(start, 0):
                continue
            factor = 1.0
            if quarterly:  # RSA and prime d'activité are reviewed each quarter, constant within it
                quarter = (month.year, (month.month - 1) // 3)
                factor = quarter_factors.setdefault(quarter, r.uniform(0.94, 1.06))
            paid = _month_start(month, -1).replace(day=5)
            add(Payment, month=month, benefit=benefit, amount=rules.money(monthly * factor),
                        payee=payee, paid_on=paid)
    if child_ages and min(child_ages) >= 3 and max(child_ages) < 12 and r.random() < 0.6:
        end = _add_years(child_births[-1], 3)
        if end > opened_on:
            add(Right, benefit=Benefit.PAJE, start_date=max(opened_on, child_births[-1]), end_date=end,
                      monthly_amount=rules.money(rules.PAJE_BASE), status=Right.Status.CLOSED)

    # Resources: annual (N-2) for every adult, quarterly declarations for RSA/PPA.
    n2 = ref.year - 2
    for who, k, amount in adults:
        if k == "aah":
            k, amount = Resource.Kind.NONE, 0.0
        add(Resource, person=who, scope=Resource.Scope.ANNUAL, period_start=date(n2, 1, 1),
                     period_end=date(n2, 12, 31), kind=k, amount=rules.money(amount * 12 * r.uniform(0.9, 1.1)))
    if alimony:
        add(Resource, person="allocataire", scope=Resource.Scope.ANNUAL, period_start=date(n2, 1, 1),
                     period_end=date(n2, 12, 31), kind=Resource.Kind.ALIMONY, amount=rules.money(alimony * 12))
    if Benefit.RSA in amounts or Benefit.PPA in amounts:
        for q in range(1, 5):
            q_start = _month_start(ref, 3 * q + ((ref.month - 1) % 3))
            q_end = _month_start(q_start, -3) - timedelta(days=1)
            for who, k, amount in adults:
                if k == "aah":
                    continue
                add(Resource, person=who, scope=Resource.Scope.QUARTERLY, period_start=q_start,
                             period_end=q_end, kind=k, amount=rules.money(amount * 3 * r.uniform(0.92, 1.08)))

    # RSA.
    if Benefit.RSA in amounts:
        requested = max(opened_on, _years_ago(ref, r.uniform(0, 4), r))
        orientation = r.choices(list(RsaInfo.Orientation), weights=(40, 40, 12, 8))[0]
        oriented = orientation != RsaInfo.Orientation.PENDING
        last_decl = _month_start(ref, (ref.month - 1) % 3)
        add(RsaInfo, orientation=orientation,
            referent=r.choice(RSA_REFERENTS) if oriented else "",
            monthly_amount=rules.money(amounts[Benefit.RSA]), flat_amount=rules.money(rules.RSA_BASE * units),
            requested_on=requested, opened_on=requested + timedelta(days=r.randint(10, 40)),
            orientation_on=requested + timedelta(days=r.randint(45, 120)) if oriented else None,
            contract_end_on=ref + timedelta(days=r.randint(30, 360)) if oriented else None,
            last_declaration_on=last_decl, next_declaration_on=_month_start(last_decl, -3),
        )

    # Letters.
    subjects = list(LETTER_SUBJECTS[None])
    for benefit in amounts:
        subjects.extend(LETTER_SUBJECTS.get(benefit, ()))
    for _ in range(r.randint(2, 7)):
        add(Letter, sent_on=ref - timedelta(days=r.randint(1, 900)), subject=r.choice(subjects),
                   channel=r.choice(list(Letter.Channel)))

    # Debts.
    if amounts and r.random() < 0.18:
        benefits = [b for b in amounts if b != Benefit.ARS] or list(amounts)
        for _ in range(r.choices((1, 2), weights=(85, 15))[0]):
            amount = round(r.uniform(60, 2800), 2)
            settled = r.random() < 0.25
            remaining = 0.0 if settled else round(amount * r.uniform(0.1, 1.0), 2)
            mode = r.choice(list(Debt.Mode))
            add(Debt, benefit=r.choice(benefits), reason=r.choice(DEBT_REASONS),
                     created_on=ref - timedelta(days=r.randint(20, 700)), amount=rules.money(amount),
                     remaining=rules.money(remaining), mode=mode,
                     monthly_repayment=rules.money(max(20.0, min(amount, amount / r.randint(3, 24)))),
                     status=Debt.Status.SETTLED if settled else r.choices(
                         (Debt.Status.ONGOING, Debt.Status.DISPUTED), weights=(92, 8))[0])
    return out


@dataclass
class Report:
    created: int = 0
    skipped: int = 0
    rows: int = 0


def generate_dossiers(
    *,
    caf: Caf,
    count: int,
    seed: int,
    reference: date | None = None,
    batch_size: int = 1000,
    pools: Pools | None = None,
    progress=None,
) -> Report:
    """Create `count` files numbered from the (seed, Caf) sequence; numbers already present are skipped."""
    ref = reference or today()
    pools = pools or Pools.build(seed)
    report = Report()
    for first in range(0, count, batch_size):
        indexes = range(first, min(count, first + batch_size))
        numbers = {i: dossier_number(seed, caf.code, i) for i in indexes}
        existing = set(Dossier.objects.filter(caf=caf, number__in=list(numbers.values())).values_list("number", flat=True))
        built = [
            build_dossier(caf=caf, number=n, r=random.Random(f"{seed}:{caf.code}:{i}"), pools=pools, ref=ref)
            for i, n in numbers.items()
            if n not in existing
        ]
        report.skipped += len(existing)
        if built:
            report.rows += _write(built)
            report.created += len(built)
        if progress:
            progress(report)
    return report


def _columns(model) -> list:
    """Concrete fields written for a child row, foreign key to the dossier first."""
    return [f for f in model._meta.concrete_fields if not f.primary_key]


def _write(built: list[Built]) -> int:
    """Dossiers by bulk_create (their ids come back), then child rows: COPY on PostgreSQL, bulk_create elsewhere."""
    with transaction.atomic():
        Dossier.objects.bulk_create([b.dossier for b in built])
        by_model: dict[type, list] = {m: [] for m in CHILD_MODELS}
        for b in built:
            for model, values in b.children:
                values["dossier_id"] = b.dossier.pk
                by_model[model].append(values)
        rows = len(built)
        for model, items in by_model.items():
            if items:
                _insert(model, items)
                rows += len(items)
    return rows


def _insert(model, items: list[dict]) -> None:
    fields = _columns(model)
    defaults = {f.attname: f.get_default() for f in fields}
    names = [f.attname for f in fields]
    if connection.vendor == "postgresql":
        table = connection.ops.quote_name(model._meta.db_table)
        columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
        with connection.cursor() as cursor, cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
            for values in items:
                copy.write_row([values.get(n, defaults[n]) for n in names])
        return
    model.objects.bulk_create([model(**values) for values in items], batch_size=2000)
