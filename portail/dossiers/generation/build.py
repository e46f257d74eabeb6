"""One coherent file: household timeline → home → declarations → rights and monthly amounts →
créances and deductions → payments, RSA tab, resources, letters, quotient familial."""
import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.db.models.base import ModelState

from ..models import (
    Benefit, Debt, Dossier, FamilyMember, Housing, Letter, Payee, Payment, Resource, Right, RsaInfo,
)
from . import formulas as fx
from .benefits import (
    HOUSING, QF_BENEFITS, draw_declarations, event_starts, minimum_amounts, month_base, n2_income, request_starts,
)
from .calendar import add_months, age, month_end, month_of
from .cdap import add_cdap_fields
from .debts import apply_debts, debt_row, draw_debts, notice_subject
from .household import annual_income, draw_household
from .housing import draw_home
from .letters import letter_rows
from .rsa import rsa_row
from .scales import crds_of, money, scale_for

ZERO = Decimal("0.00")
END_REASONS = {
    Benefit.PAJE: "Le plus jeune enfant a atteint 3 ans",
    Benefit.AF: "Moins de deux enfants à charge",
    Benefit.RSA: "Ressources du trimestre supérieures au montant forfaitaire",
    Benefit.PPA: "Ressources du trimestre supérieures au seuil de versement",
}
NO_RIGHT_REASON = "Aucune prestation due : ressources ou situation hors des conditions d'ouverture"
CHANGE_LETTER = "Accusé de réception de votre déclaration de changement de situation"


def event_days(household) -> list[date]:
    """The days of the window's events: a separation, each job lost or found."""
    days = [household.isolated_on] if household.isolated_on else []
    return days + [a.change_on for a in household.adults if a.change_on]


_DOSSIER_DEFAULTS = {f.attname: f.get_default() for f in Dossier._meta.concrete_fields}


def _new_dossier(*, caf, **values) -> Dossier:
    """An unsaved Dossier with its defaults, without Model.__init__'s per-field work (one per file built)."""
    dossier = Dossier.__new__(Dossier)
    dossier.__dict__.update(_DOSSIER_DEFAULTS)
    dossier.__dict__.update(values)
    dossier._state = ModelState()
    dossier.caf = caf
    return dossier


@dataclass
class Built:
    dossier: Dossier
    children: list = field(default_factory=list)  # (model, values)

    def rows(self, model) -> list[dict]:
        return [values for m, values in self.children if m is model]


def build_dossier(*, caf, number: str, r: random.Random, pools, ref: date) -> Built:
    household = draw_household(r, ref, pools)
    home = draw_home(r, household, caf, pools)
    declarations = draw_declarations(r, household)
    starts = event_starts(household, home)
    window = household.window
    # Each month's household, scale and benefits other than RSA / prime d'activité, computed once.
    bases = [month_base(household, home, declarations, month, starts) for month in window]
    requests = request_starts(r, household, bases)
    starts.update({b: month_of(d) for b, d in requests.items()})
    rsa_from, ppa_from = starts.get(Benefit.RSA), starts.get(Benefit.PPA)
    gross: dict = {}
    for base in bases:
        for benefit, amount in minimum_amounts(base, rsa_from=rsa_from, ppa_from=ppa_from).items():
            gross[(benefit, base.month)] = amount

    # Créances before payments: their deductions lower the net paid.
    crds = {key: crds_of(key[0], amount) for key, amount in gross.items()}
    plans = draw_debts(r, gross, window)
    deductions = apply_debts(plans, {k: gross[k] - crds[k] for k in gross}, window)

    female = household.female
    last_name = r.choice(pools.last_names).upper()
    first_name = r.choice(pools.female_names if female else pools.male_names)
    out = Built(_new_dossier(
        caf=caf, number=number, title="Mme" if female else "M.", last_name=last_name, first_name=first_name,
        birth_date=household.born, opened_on=household.opened_on,
    ))

    def add(model, **values):
        out.children.append((model, values))

    # Rights: one per benefit, from its opening; its amount is that of the last month due.
    third_party = home.third_party
    payee_of = {b: Payee.BAILLEUR if b in HOUSING and third_party else Payee.ALLOCATAIRE for b, _ in gross}
    for benefit in sorted({b for b, _ in gross}):
        months = sorted(m for b, m in gross if b == benefit)
        if benefit == Benefit.ARS:
            for m in months:
                add(Right, benefit=benefit, start_date=m, end_date=month_end(m), monthly_amount=gross[(benefit, m)],
                    status=Right.Status.CLOSED, payee=payee_of[benefit], status_reason="Versement annuel de la rentrée")
            continue
        # Paid since the window's first month: open since its event; otherwise since its first month paid.
        start = starts[benefit] if months[0] == window[0] else months[0]
        is_open = months[-1] == window[-1]
        add(Right, benefit=benefit, start_date=start, end_date=None if is_open else month_end(months[-1]),
            monthly_amount=gross[(benefit, months[-1])], status=Right.Status.OPEN if is_open else Right.Status.CLOSED,
            payee=payee_of[benefit], status_reason="" if is_open else END_REASONS.get(benefit, "Conditions d'ouverture non remplies"))
    for (benefit, month), amount in sorted(gross.items(), key=lambda kv: (kv[0][1], kv[0][0])):
        cut = deductions.get((benefit, month), ZERO)
        paid_on = date(month.year, 8, 20) if benefit == Benefit.ARS else add_months(month, 1).replace(day=5)
        add(Payment, month=month, benefit=benefit, gross_amount=amount, crds=crds[(benefit, month)], deduction=cut,
            amount=amount - crds[(benefit, month)] - cut, payee=payee_of[benefit], paid_on=paid_on)
    for plan in plans:
        add(Debt, **debt_row(plan))

    # Family.
    add(FamilyMember, position=0, relationship=FamilyMember.Relationship.ALLOCATAIRE, last_name=last_name,
        first_name=first_name, sex="F" if female else "M", birth_date=household.born)
    if household.spouse:
        s_last, s_first, s_sex, s_born = household.spouse
        add(FamilyMember, position=1, relationship=FamilyMember.Relationship.SPOUSE,
            last_name=(s_last or last_name).upper(), first_name=s_first, sex=s_sex, birth_date=s_born,
            left_on=household.adults[1].left_on)
    for i, born in enumerate(household.births):
        sex = r.choice("FM")
        add(FamilyMember, position=2 + i, relationship=FamilyMember.Relationship.CHILD, last_name=last_name,
            first_name=r.choice(pools.female_names if sex == "F" else pools.male_names), sex=sex, birth_date=born,
            dependent=age(born, ref) < fx.AF_AGE_LIMIT)

    # Housing.
    housing_paid = any(b in HOUSING for b, _ in gross)
    add(Housing, street=home.street, postcode=home.postcode, city=home.city, kind=home.kind, rooms=home.rooms,
        surface=home.surface, rent=home.rent, charges=money(home.rent * Decimal("0.12")), landlord=home.landlord,
        third_party_payment=third_party and housing_paid, moved_in_on=home.moved_in)

    # Resources: N-2 income of every year the window's months use, quarterly declarations for RSA/PPA.
    for year in sorted({m.year - 2 for m in window}):
        for adult in household.adults:
            add(Resource, person=adult.role, scope=Resource.Scope.ANNUAL, period_start=date(year, 1, 1),
                period_end=date(year, 12, 31), kind=adult.kind, amount=annual_income(household, year, adult))
        if household.alimony:
            add(Resource, person="allocataire", scope=Resource.Scope.ANNUAL, period_start=date(year, 1, 1),
                period_end=date(year, 12, 31), kind=Resource.Kind.ALIMONY, amount=money(household.alimony * 12))
    if any(b in (Benefit.RSA, Benefit.PPA) for b, _ in gross):
        for (quarter, person, kind), amount in sorted(declarations.rows.items()):
            add(Resource, person=person, scope=Resource.Scope.QUARTERLY, period_start=quarter,
                period_end=add_months(quarter, 3) - timedelta(days=1), kind=kind, amount=amount)

    # RSA tab: only while the RSA right is open, with the right's opening and amount.
    rsa_right = next((v for m, v in out.children if m is Right and v["benefit"] == Benefit.RSA), None)
    if rsa_right and rsa_right["status"] == Right.Status.OPEN:
        last = window[-1]
        scale = scale_for(last)
        state = household.at(last)
        _, forfait = fx.rsa(scale, couple=state.couple, ages=fx.children_ages(last, household.births),
                            resources=ZERO, lump=False, isolated=state.isolated)
        requested = requests.get(Benefit.RSA) or rsa_right["start_date"]
        add(RsaInfo, **rsa_row(r, ref=ref, born=household.born, requested_on=requested,
                               opened_on=rsa_right["start_date"], amount=rsa_right["monthly_amount"], forfait=forfait))

    # Letters.
    rights = [v for m, v in out.children if m is Right]
    notices = [(p.created_on, notice_subject(p.benefit)) for p in plans]
    for values in letter_rows(r, ref=ref, opened_on=household.opened_on, rights=rights, notices=notices):
        add(Letter, **values)
    # Each event of the window was declared by the allocataire: the Caf acknowledged it.
    for day in event_days(household):
        sent_on = day + timedelta(days=r.randint(3, 15))
        if household.opened_on <= sent_on < ref:
            add(Letter, sent_on=sent_on, subject=CHANGE_LETTER, channel=Letter.Channel.ONLINE)

    # The file: status with its reason, quotient familial recomputable from the ressources tab.
    dossier = out.dossier
    last = window[-1]
    children = len(fx.children_ages(last, household.births))
    family = sum((gross.get((b, last), ZERO) for b in QF_BENEFITS), ZERO)
    # A child for whom the AEEH is paid that month counts ½ part more (he is the one marked disabled).
    disabled = 1 if gross.get((Benefit.AEEH, last), ZERO) > 0 else 0
    dossier.family_quotient = fx.family_quotient(
        annual_income=n2_income(household, last.year - 2, last), family_benefits=family, children=children,
        disabled_children=disabled)
    dossier.family_quotient_month = last
    dossier.family_quotient_income_year = last.year - 2
    if any(v["status"] == Right.Status.OPEN for v in rights):
        dossier.status, dossier.status_reason = Dossier.Status.ACTIVE, ""
    else:
        dossier.status, dossier.status_reason = Dossier.Status.SUSPENDED, NO_RIGHT_REASON
    couple = household.couple
    dossier.family_situation = (
        r.choice((Dossier.FamilySituation.MARRIED, Dossier.FamilySituation.PACS, Dossier.FamilySituation.COHABITING))
        if couple else Dossier.FamilySituation.SEPARATED if household.isolated_on else
        r.choice((Dossier.FamilySituation.SEPARATED, Dossier.FamilySituation.DIVORCED)) if household.single_parent
        else r.choices((Dossier.FamilySituation.SINGLE, Dossier.FamilySituation.WIDOWED), weights=(92, 8))[0]
    )
    slug = f"{first_name}.{last_name}".lower().replace(" ", "-").replace("'", "")
    dossier.email = f"{slug}@example.fr" if r.random() < 0.8 else ""
    dossier.phone = f"0{r.choice((6, 7))} {r.randint(10, 99)} {r.randint(10, 99)} {r.randint(10, 99)} {r.randint(10, 99)}"
    dossier.last_change_on = ref - timedelta(days=r.randint(3, 200))
    add_cdap_fields(out, household=household, home=home, ref=ref, seed=r.getrandbits(64))
    return out
