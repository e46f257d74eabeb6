"""The generator: deterministic for a seed, idempotent, coherent amounts."""
from datetime import date
from decimal import Decimal

from django.core.management import call_command

from portail.testing import factories as f
from portail.dossiers.generation import dossier_number, generate_dossiers
from portail.dossiers.generation import formulas as fx
from portail.dossiers.generation.scales import money, scale_for
from portail.dossiers.models import Benefit, Dossier, Payment, Right

REF = date(2026, 6, 15)


def snapshot(caf):
    return [
        (d.number, d.last_name, d.first_name, d.birth_date, d.family_quotient,
         sorted((r.benefit, r.monthly_amount) for r in d.rights.all()))
        for d in Dossier.objects.filter(caf=caf).prefetch_related("rights").order_by("number")
    ]


def test_same_seed_same_files_whatever_the_batch_size(db):
    caf = f.CafFactory(code="751", name="Caf part 1")
    generate_dossiers(caf=caf, count=40, seed=3, reference=REF, batch_size=7)
    first = snapshot(caf)
    Dossier.objects.all().delete()
    generate_dossiers(caf=caf, count=40, seed=3, reference=REF, batch_size=40)
    assert snapshot(caf) == first
    assert len(first) == 40 and len({row[0] for row in first}) == 40
    assert all(len(row[0]) == 7 and row[0].isdigit() for row in first)


def test_another_seed_other_files(db):
    caf = f.CafFactory(code="751", name="Caf part 1")
    assert [dossier_number(1, "751", i) for i in range(5)] != [dossier_number(2, "751", i) for i in range(5)]


def test_rerun_skips_existing_numbers(db):
    caf = f.CafFactory(code="751", name="Caf part 1")
    assert generate_dossiers(caf=caf, count=20, seed=5, reference=REF).created == 20
    report = generate_dossiers(caf=caf, count=25, seed=5, reference=REF)
    assert (report.created, report.skipped) == (5, 20)
    assert Dossier.objects.count() == 25


def test_amounts_are_coherent(db):
    caf = f.CafFactory(code="330", name="Caf de la Gironde")
    generate_dossiers(caf=caf, count=300, seed=11, reference=REF)
    for dossier in Dossier.objects.prefetch_related("members", "rights", "payments", "housing"):
        kids = [m for m in dossier.members.all() if m.relationship == "enfant" and m.dependent]
        benefits = {r.benefit: r for r in dossier.rights.all() if r.status == Right.Status.OPEN}
        if Benefit.AF in benefits:
            assert len(kids) >= 2, dossier.number
        if len(kids) < 2:
            assert Benefit.AF not in benefits
        if Benefit.PAJE in benefits:
            assert any((REF - m.birth_date).days < 3 * 366 + 365 for m in kids)
        housing = dossier.housing
        for b in (Benefit.APL, Benefit.ALS, Benefit.ALF):
            if b in benefits:
                assert benefits[b].monthly_amount <= housing.rent
                assert (benefits[b].payee == "bailleur") == housing.third_party_payment
        for p in dossier.payments.all():
            right = benefits.get(p.benefit)
            if right and p.month == max(q.month for q in dossier.payments.all()):
                assert p.gross_amount == right.monthly_amount
                assert p.payee == right.payee
            assert p.amount == p.gross_amount - p.crds - p.deduction
        if Benefit.RSA in benefits:
            assert hasattr(dossier, "rsa")
    assert Payment.objects.exists()
    assert Dossier.objects.filter(rights__benefit=Benefit.RSA).exists()
    assert Dossier.objects.filter(debts__isnull=False).exists()


def test_family_scales():
    june = scale_for(date(2025, 6, 1))
    assert fx.family_allowance(june, [8, 5], Decimal(30000)) == Decimal("151.05")
    assert fx.family_allowance(june, [15, 8, 5], Decimal(30000)) == Decimal("344.57") + Decimal("75.52")
    assert fx.family_allowance(june, [5], Decimal(30000)) == 0
    assert fx.family_parts(3) == 4
    assert fx.family_quotient(annual_income=Decimal(24000), family_benefits=Decimal(300), children=2) == 766
    assert money(1.005) == Decimal("1.01")


def test_command(db, capsys):
    f.CafFactory(code="751", name="Caf part 1")
    f.CafFactory(code="330", name="Caf de la Gironde")
    call_command("generate_dossiers", "--dossiers", "9", "--seed", "1", "--reference-date", "2026-06-15")
    assert Dossier.objects.filter(caf__code="330").count() == 5
    assert Dossier.objects.filter(caf__code="751").count() == 4
    assert "9 dossiers créés" in capsys.readouterr().out
    call_command("generate_dossiers", "--dossiers", "4", "--seed", "1", "--caf", "751")
    assert Dossier.objects.count() == 9 + 0  # same numbers: skipped
