"""What a social worker looks for in a file, derived from the household's timeline once the rights,
payments and tabs are built: activity and France Travail, handicap, résidence alternée, grossesse,
protection; rappels and next payment; quarterly declaration and RSA sanction; rent retained, unpaid
rent, non-decent housing; control, missing documents, pending request.

It draws from its own generator (seeded from the file's), so adding it changed no other figure."""
import random
from datetime import date, timedelta
from decimal import Decimal

from ..models import Benefit, FamilyMember, Housing, Letter, Payment, Resource, Right, RsaInfo
from . import formulas as fx
from .calendar import add_months, age, quarter_of
from .scales import money

ZERO = Decimal("0.00")
ACTIVITY = {
    Resource.Kind.SALARY: FamilyMember.Activity.EMPLOYED,
    Resource.Kind.SELF_EMPLOYED: FamilyMember.Activity.SELF_EMPLOYED,
    Resource.Kind.UNEMPLOYMENT: FamilyMember.Activity.JOBSEEKER,
    Resource.Kind.PENSION: FamilyMember.Activity.RETIRED,
    Resource.Kind.SICKNESS: FamilyMember.Activity.SICK_LEAVE,
    Resource.Kind.NONE: FamilyMember.Activity.INACTIVE,
}
REQUEST_PAID = (Benefit.RSA, Benefit.PPA)  # opened on request: the first months may be paid as a rappel
SANCTION = "Réduction de 30 % du RSA : non-respect du contrat d'engagement"
DOCUMENTS = ("Avis d'imposition", "Justificatif de domicile", "Relevé d'identité bancaire", "Attestation de loyer",
             "Justificatif de ressources du trimestre")
REQUESTS = ("Déclaration de changement de situation", "Demande de prime d'activité", "Demande d'aide au logement",
            "Déclaration de grossesse")
HOUSING = (Benefit.APL, Benefit.ALS, Benefit.ALF)


def _rows(out, model):
    return [v for m, v in out.children if m is model]


def add_cdap_fields(out, *, household, home, ref: date, seed) -> None:
    r = random.Random(f"cdap:{seed}")
    window = household.window
    last = window[-1]
    rights = _rows(out, Right)
    open_benefits = {v["benefit"] for v in rights if v["status"] == Right.Status.OPEN}
    members = _rows(out, FamilyMember)
    rsa = next(iter(_rows(out, RsaInfo)), None)

    # Famille: each adult's activity from the timeline's income kind; France Travail for job seekers
    # and every RSA beneficiary (automatic registration since 2025).
    for adult, row in zip(household.adults, [m for m in members if m["relationship"] != FamilyMember.Relationship.CHILD]):
        kind = adult.current_kind
        row["activity"] = ACTIVITY[kind]
        row["activity_since"] = adult.change_on  # a job lost or found in the window: the day it changed
        if adult.change_on and kind == Resource.Kind.UNEMPLOYMENT:
            registered = adult.change_on + timedelta(days=r.randint(0, 10))
            row["france_travail_since"] = min(ref - timedelta(days=1), registered)
        elif kind == Resource.Kind.UNEMPLOYMENT or (rsa and adult.role == "allocataire"):
            row["france_travail_since"] = max(household.opened_on, ref - timedelta(days=r.randint(40, 900)))
        if adult.aah_since:
            row["disabled"] = True
            if r.random() < 0.25:
                row["protection"] = r.choice(list(FamilyMember.Protection))
        elif r.random() < 0.005:
            row["protection"] = FamilyMember.Protection.CURATORSHIP
        if row["sex"] == "F" and not adult.left_on and age(row["birth_date"], ref) < 43 and r.random() < 0.04:
            row["expected_birth_on"] = ref + timedelta(days=r.randint(30, 200))
    children = [m for m in members if m["relationship"] == FamilyMember.Relationship.CHILD]
    paid = {p["benefit"] for p in _rows(out, Payment)}
    if Benefit.AEEH in paid:
        # The AEEH is paid for a child under 20 whose handicap was recognised: the youngest such child.
        eligible = [c for c in children if age(c["birth_date"], last) < fx.AF_AGE_LIMIT
                    and c["birth_date"] < household.aeeh_since]
        (eligible or children)[-1]["disabled"] = True
    if household.single_parent and len(children) == 1 and Benefit.ASF not in paid and r.random() < 0.3:
        children[0]["shared_custody"] = True  # alternating residence: no ASF, one child

    # Paiements: rappels for a right opened on request (first months paid with a later one).
    payments = _rows(out, Payment)
    for benefit in REQUEST_PAID:
        months = sorted(p["month"] for p in payments if p["benefit"] == benefit)
        if len(months) >= 3 and months[0] > window[0] and r.random() < 0.35:
            k = r.randint(1, 2)
            by_month = {p["month"]: p for p in payments if p["benefit"] == benefit}
            for m in months[:k]:
                by_month[m]["paid_on"] = by_month[months[k]]["paid_on"]
                by_month[m]["arrear"] = True
    dossier = out.dossier
    nxt = [p for p in payments if p["month"] == last and p["benefit"] in open_benefits and p["benefit"] != Benefit.ARS]
    if nxt:
        amount = sum((p["amount"] for p in nxt), ZERO)
        if rsa and rsa["referent"] and r.random() < 0.05:
            # A sanction decided this month: the next RSA payment is reduced by 30 %.
            rsa["sanction"], rsa["sanction_since"] = SANCTION, ref.replace(day=1)
            rsa_net = sum((p["amount"] for p in nxt if p["benefit"] == Benefit.RSA), ZERO)
            amount -= money(rsa_net * Decimal("0.3"))
        dossier.next_payment_on = add_months(last, 2).replace(day=5)
        dossier.next_payment_amount = amount

    # RSA / prime d'activité: the quarter just ended is declared during the current one.
    if open_benefits & {Benefit.RSA, Benefit.PPA}:
        quarter = add_months(quarter_of(ref), -3)
        dossier.declaration_quarter = quarter
        elapsed = (ref - quarter_of(ref)).days
        if r.random() < 0.85 and elapsed > 0:
            dossier.declaration_received_on = quarter_of(ref) + timedelta(days=r.randint(0, min(elapsed, 25) - 1))

    # Logement: the rent the aid is computed on; unpaid rent and its plan only with a housing aid.
    housing = _rows(out, Housing)[0]
    housing.update(rent_retained=ZERO, unpaid_rent_amount=ZERO, repayment_plan_monthly=ZERO)
    aid = [b for b in open_benefits if b in HOUSING]
    if aid:
        kids = len(fx.children_ages(last, household.births))
        housing["rent_retained"] = min(home.rent, fx.housing_rent_ceiling(couple=household.couple, children=kids))
        if home.kind != Housing.Kind.OWNER and r.random() < 0.05:
            since = max(home.moved_in, ref - timedelta(days=r.randint(60, 300)))
            terms = max(1, (ref - since).days // 30)
            housing["unpaid_rent_since"] = since
            housing["unpaid_rent_amount"] = money(home.rent * min(terms, 3))
            if r.random() < 0.6:
                housing["repayment_plan_monthly"] = money(housing["unpaid_rent_amount"] / r.choice((6, 12, 18)))
        if home.kind == Housing.Kind.PRIVATE_RENT and r.random() < 0.03:
            housing["non_decent_since"] = max(home.moved_in, ref - timedelta(days=r.randint(0, 10)))

    # Résumé: control, missing documents, pending request, each announced by its letter.
    def since(low, high):
        return max(household.opened_on, ref - timedelta(days=r.randint(low, high)))

    def letter(day, subject):
        if day < ref:
            out.children.append((Letter, dict(sent_on=day, subject=subject, channel=Letter.Channel.POST)))

    if r.random() < 0.04:
        dossier.control_since = since(10, 120)
        letter(dossier.control_since, "Contrôle de votre situation")
    if r.random() < 0.08:
        dossier.missing_documents = r.choice(DOCUMENTS)
        dossier.missing_documents_since = since(5, 90)
        letter(dossier.missing_documents_since, "Demande de pièces justificatives")
    if r.random() < 0.1:
        dossier.pending_request = r.choice(REQUESTS)
        dossier.pending_request_since = since(2, 60)
