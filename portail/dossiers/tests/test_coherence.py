"""Coherence of generated files, tab against tab, on a seeded sweep of 2,000 files built in memory
(the rows the generator writes), each figure recomputed from the other tabs."""
from collections import defaultdict
from datetime import date
from decimal import Decimal
from functools import lru_cache

import pytest

from portail.conventions.models import Caf
from portail.dossiers.generation import Pools, built_files
from portail.dossiers.generation import formulas as fx
from portail.dossiers.generation.benefits import declared_quarter
from portail.dossiers.generation.calendar import add_months, age, month_after, month_of
from portail.dossiers.generation.debts import notice_subject
from portail.dossiers.generation.housing import ACCESSION_AID_UNTIL
from portail.dossiers.generation.rsa import MISSION_LOCALE, REFERENTS
from portail.dossiers.generation.scales import crds_of, scale_for
from portail.dossiers.models import (
    Benefit, Debt, Dossier, FamilyMember, Housing, Letter, Payment, Resource, Right, RsaInfo,
)

REF = date(2026, 6, 15)  # the window spans the April 2026 revaluation
SWEEP = 2000
ZERO = Decimal("0.00")
HOUSING = (Benefit.APL, Benefit.ALS, Benefit.ALF)


class File:
    """One built file read back tab by tab, as the pages show it."""

    def __init__(self, built):
        self.dossier = built.dossier
        rows = built.rows
        self.members = rows(FamilyMember)
        self.rights = rows(Right)
        self.payments = rows(Payment)
        self.resources = rows(Resource)
        self.letters = rows(Letter)
        self.debts = rows(Debt)
        self.housing = rows(Housing)[0]
        rsa = rows(RsaInfo)
        self.rsa = rsa[0] if rsa else None
        self.births = sorted(m["birth_date"] for m in self.members if m["relationship"] == "enfant")
        spouse = [m for m in self.members if m["relationship"] == "conjoint"]
        self.left_on = spouse[0].get("left_on") if spouse else None  # a separation: the spouse left that day
        self.couple = bool(spouse) and self.left_on is None  # today
        self.had_spouse = bool(spouse)
        self.paid = {(p["benefit"], p["month"]): p for p in self.payments}

    # The household of a month, read from the famille tab: the spouse counts until the month he left.
    def couple_in(self, month) -> bool:
        return self.had_spouse and (self.left_on is None or month <= self.left_on)

    def persons(self, month) -> tuple:
        return ("allocataire", "conjoint") if self.couple_in(month) else ("allocataire",)

    def isolated(self, month) -> bool:
        """Single parent in the twelve months after the separation: RSA and prime d'activité majorés."""
        return (self.left_on is not None and not self.couple_in(month) and bool(self.births)
                and month < add_months(month_of(self.left_on), 13))

    def gross(self, benefit, month) -> Decimal:
        p = self.paid.get((benefit, month))
        return p["gross_amount"] if p else ZERO

    def n2(self, year, month=None) -> Decimal:
        """N-2 income of the household of `month` (of today without it) from the ressources tab."""
        persons = self.persons(month) if month else (("allocataire", "conjoint") if self.couple else ("allocataire",))
        return sum((r["amount"] for r in self.resources if r["scope"] == Resource.Scope.ANNUAL
                    and r["period_start"].year == year and r["person"] in persons), ZERO)

    def alimony(self) -> Decimal:
        annual = [r["amount"] for r in self.resources if r["kind"] == Resource.Kind.ALIMONY and r["scope"] == "annuelle"]
        return annual[0] / 12 if annual else ZERO

    def declared(self, month):
        quarter = declared_quarter(month)
        earned: dict = defaultdict(lambda: ZERO)
        other = ZERO
        for r in self.resources:
            if r["scope"] == Resource.Scope.QUARTERLY and r["period_start"] == quarter \
                    and r["person"] in self.persons(month):
                if r["kind"] in (Resource.Kind.SALARY, Resource.Kind.SELF_EMPLOYED):
                    earned[r["person"]] += r["amount"] / 3
                else:
                    other += r["amount"] / 3
        return dict(earned), other


@lru_cache(maxsize=1)
def sweep() -> list[File]:
    caf = Caf(id=1, code="751", name="Caf part 1")
    return [File(b) for b in built_files(caf=caf, seed=20260615, indexes=range(SWEEP), ref=REF, pools=Pools.build(7))]


@pytest.fixture(scope="module")
def files():
    return sweep()


def test_sweep_size_and_variety(files):
    benefits = {p["benefit"] for f in files for p in f.payments}
    assert len(files) == SWEEP
    assert benefits >= {Benefit.AF, Benefit.CF, Benefit.ASF, Benefit.PAJE, Benefit.ARS, Benefit.AAH, Benefit.RSA,
                        Benefit.PPA, Benefit.APL, Benefit.ALF, Benefit.ALS}
    assert sum(1 for f in files if f.debts) > 100 and sum(1 for f in files if f.rsa) > 100


def test_every_payment_is_its_right_amount_minus_crds_and_deductions(files):
    for f in files:
        rights = defaultdict(list)
        for r in f.rights:
            rights[r["benefit"]].append(r)
        for p in f.payments:
            assert p["amount"] == p["gross_amount"] - p["crds"] - p["deduction"], f.dossier.number
            assert p["crds"] == crds_of(p["benefit"], p["gross_amount"]) and p["amount"] >= 0
            right = next(r for r in rights[p["benefit"]]
                         if r["start_date"] <= p["month"] and (r["end_date"] is None or p["month"] <= r["end_date"]))
            assert right["payee"] == p["payee"]
        last = max((p["month"] for p in f.payments), default=None)
        for r in f.rights:
            if r["status"] == Right.Status.OPEN:
                assert f.gross(r["benefit"], last) == r["monthly_amount"], f.dossier.number


def test_no_right_before_its_opening_or_its_event(files):
    for f in files:
        opened = f.dossier.opened_on
        for r in f.rights:
            start = r["start_date"]
            assert start.day == 1
            if r["benefit"] in (Benefit.RSA, Benefit.PPA):
                assert start >= month_of(opened)  # due from the month of the request
            else:
                assert start >= month_after(opened)  # the opening month itself is not paid
            if r["benefit"] == Benefit.AF:
                assert start >= month_after(f.births[1])
            if r["benefit"] == Benefit.PAJE:
                assert any(month_after(b) <= start for b in f.births)
            if r["benefit"] in HOUSING:
                assert start >= month_after(f.housing["moved_in_on"])
        for p in f.payments:
            assert p["paid_on"] > p["month"]


def test_no_child_counted_before_birth_and_april_revaluation(files):
    """AF of each month from the children born before it, the N-2 income and that month's scale."""
    checked = revalued = 0
    for f in files:
        for (benefit, month), p in f.paid.items():
            if benefit != Benefit.AF:
                continue
            ages = fx.children_ages(month, f.births)
            assert p["gross_amount"] == fx.family_allowance(scale_for(month), ages, f.n2(month.year - 2, month))
            checked += 1
            march = f.paid.get((Benefit.AF, date(2026, 3, 1)))
            if month == date(2026, 4, 1) and march and march["gross_amount"] == Decimal("151.05") and len(ages) == 2 \
                    and max(ages) < 14:
                assert p["gross_amount"] == Decimal("152.41")  # two children: revalued on 1 April 2026
                revalued += 1
    assert checked > 1000 and revalued > 10


def test_every_benefit_respects_its_scale_for_that_month(files):
    for f in files:
        for (benefit, month), p in f.paid.items():
            scale = scale_for(month)
            ages = fx.children_ages(month, f.births)
            income = f.n2(month.year - 2, month)
            couple, isolated = f.couple_in(month), f.isolated(month)
            gross = p["gross_amount"]
            if benefit == Benefit.ASF:
                assert gross == fx.asf(scale, len(ages), f.alimony())
            elif benefit == Benefit.PAJE:
                assert gross == fx.paje_base(scale, ages, income) and min(ages) < 3
            elif benefit == Benefit.CF:
                assert gross == fx.complement_familial(scale, ages, income)
            elif benefit == Benefit.AAH:
                assert gross % scale.aah == 0  # one or two full AAH: the spouse's income is not counted
            elif benefit == Benefit.AEEH:
                assert gross == scale.aeeh
            elif benefit == Benefit.ARS:
                year_end = date(month.year, 12, 31)
                ends = [age(b, year_end) for b in f.births if b < month and age(b, year_end) < 20]
                assert month.month == 8 and gross == fx.ars(scale, ends, income)
            elif benefit in (Benefit.RSA, Benefit.PPA):
                earned, other = f.declared(month)
                lump = any((b, month) in f.paid for b in HOUSING) or f.housing["kind"] == Housing.Kind.HOSTED
                aah_paid = f.gross(Benefit.AAH, month)
                family = sum((f.gross(b, month) for b in (Benefit.AF, Benefit.CF, Benefit.ASF)), ZERO)
                if benefit == Benefit.RSA:
                    resources = sum(earned.values(), ZERO) + other + aah_paid + family
                    assert gross == fx.rsa(scale, couple=couple, ages=ages, resources=resources, lump=lump,
                                           isolated=isolated)[0]
                else:
                    others = other + aah_paid + family + f.gross(Benefit.PAJE, month) + f.gross(Benefit.RSA, month)
                    amount, forfait = fx.ppa(scale, couple=couple, ages=ages, earnings=list(earned.values()),
                                             other=others, lump=lump, isolated=isolated)
                    assert gross == amount, f.dossier.number
                    assert gross <= fx.ppa_ceiling(scale, forfait, len(earned))


def test_no_letter_before_affiliation_nor_long_before_its_right(files):
    for f in files:
        assert all(letter["sent_on"] >= f.dossier.opened_on for letter in f.letters)
        for letter in f.letters:
            if letter["subject"].startswith("Notification de droit"):
                assert any(0 <= (letter["sent_on"] - r["start_date"]).days <= 31 for r in f.rights), f.dossier.number


def test_every_debt_has_its_notice_and_its_deductions_in_payments(files):
    deducted = 0
    for f in files:
        for d in f.debts:
            assert any(letter["sent_on"] == d["created_on"] and letter["subject"] == notice_subject(d["benefit"])
                       for letter in f.letters), f.dossier.number
            overpaid = sum((p["gross_amount"] for p in f.payments if p["benefit"] == d["benefit"]
                            and d["period_start"] <= p["month"] <= d["period_end"]), ZERO)
            assert ZERO < d["amount"] <= overpaid
            cuts = sum((p["deduction"] for p in f.payments if p["benefit"] == d["benefit"]
                        and p["month"] > d["created_on"]), ZERO)
            if d["mode"] == Debt.Mode.DEDUCTION and d["status"] != Debt.Status.DISPUTED:
                assert d["remaining"] == d["amount"] - cuts  # the amount still owed accounts for repayments
                deducted += cuts > 0
            else:
                assert cuts == 0
            assert (d["status"] == Debt.Status.SETTLED) == (d["remaining"] == 0 and d["status"] != "contestee")
        # Every deduction in a payment belongs to a créance of that benefit.
        for p in f.payments:
            if p["deduction"]:
                assert any(d["benefit"] == p["benefit"] and d["mode"] == Debt.Mode.DEDUCTION for d in f.debts)
    assert deducted > 20


def test_rsa_tab_agrees_with_droits(files):
    for f in files:
        rsa_rights = [r for r in f.rights if r["benefit"] == Benefit.RSA and r["status"] == Right.Status.OPEN]
        assert bool(f.rsa) == bool(rsa_rights), f.dossier.number
        if not f.rsa:
            continue
        right = rsa_rights[0]
        assert f.rsa["opened_on"] == right["start_date"] == month_of(f.rsa["requested_on"])
        assert f.rsa["monthly_amount"] == right["monthly_amount"]
        assert all(p["month"] >= f.rsa["opened_on"] for p in f.payments if p["benefit"] == Benefit.RSA)
        orientation, referent = f.rsa["orientation"], f.rsa["referent"]
        if orientation == RsaInfo.Orientation.PENDING:
            assert referent == ""
        elif referent == MISSION_LOCALE:
            assert orientation == RsaInfo.Orientation.PROFESSIONAL and age(f.dossier.birth_date, REF) < 26
        else:
            assert referent in REFERENTS[orientation]


def test_family_quotient_recomputes_from_ressources_tab(files):
    for f in files:
        d = f.dossier
        month = d.family_quotient_month
        assert d.family_quotient_income_year == month.year - 2
        family = sum((f.gross(b, month) for b in (Benefit.AF, Benefit.CF, Benefit.ASF, Benefit.PAJE, Benefit.AEEH)), ZERO)
        children = len(fx.children_ages(month, f.births))
        disabled = 1 if f.gross(Benefit.AEEH, month) > 0 else 0  # the AEEH child: ½ part more
        assert d.family_quotient == fx.family_quotient(
            annual_income=f.n2(d.family_quotient_income_year, month), family_benefits=family, children=children,
            disabled_children=disabled)


def test_housing_aid_only_after_moving_in_and_of_the_right_kind(files):
    for f in files:
        home = f.housing
        children = bool(f.births)
        for r in f.rights:
            if r["benefit"] not in HOUSING:
                continue
            assert r["start_date"] >= month_after(home["moved_in_on"])
            if home["kind"] == Housing.Kind.OWNER:
                assert home["moved_in_on"] < ACCESSION_AID_UNTIL  # no APL for a home bought from 2020
            if r["benefit"] == Benefit.ALF:
                assert children  # never for a childless couple
        assert (home["third_party_payment"]) == any(
            p["payee"] == "bailleur" for p in f.payments if p["benefit"] in HOUSING)


def test_suspended_and_closed_always_have_a_reason(files):
    for f in files:
        if f.dossier.status == Dossier.Status.SUSPENDED:
            assert f.dossier.status_reason
        for r in f.rights:
            if r["status"] != Right.Status.OPEN:
                assert r["status_reason"] and r["end_date"]


def test_single_parent_rsa_is_raised_and_asf_differential(files):
    raised = differential = 0
    for f in files:
        single_parent = not f.couple and f.births
        for (benefit, month), p in f.paid.items():
            ages = fx.children_ages(month, f.births)
            if benefit == Benefit.ASF:
                assert single_parent
                alimony = f.alimony()
                if alimony:
                    assert p["gross_amount"] < scale_for(month).asf * len(ages)
                    differential += 1
            if benefit == Benefit.RSA and single_parent and ages and min(ages) < 3:
                _, forfait = fx.rsa(scale_for(month), couple=False, ages=ages, resources=ZERO, lump=False)
                assert forfait > scale_for(month).rsa * Decimal("1.28")
                raised += 1
    assert raised > 5 and differential > 20


def test_written_files_read_back_the_same(db):
    """The same rows through the database: what the tabs read is what the sweep checked."""
    from portail.dossiers.generation import generate_dossiers
    from portail.testing import factories as fa

    caf = fa.CafFactory(code="751", name="Caf part 1")
    generate_dossiers(caf=caf, count=30, seed=20260615, reference=REF, pools=Pools.build(7))
    for f in sweep()[:30]:
        stored = Dossier.objects.get(caf=caf, number=f.dossier.number)
        assert stored.family_quotient == f.dossier.family_quotient
        assert sorted((p.benefit, p.month, p.amount, p.deduction) for p in stored.payments.all()) == sorted(
            (p["benefit"], p["month"], p["amount"], p["deduction"]) for p in f.payments)
