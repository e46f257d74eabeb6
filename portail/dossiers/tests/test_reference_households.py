"""Amounts of reference households, computed by hand from the published scales (June 2025 unless said)."""
from datetime import date
from decimal import Decimal as D

from portail.dossiers.generation import formulas as fx
from portail.dossiers.generation.scales import crds_of, scale_for

JUNE_2025 = scale_for(date(2025, 6, 1))


def test_single_person_rsa():
    # 646.52 € for one person; with a housing aid the forfait logement is 12 % of it: 77.58 €.
    assert fx.rsa(JUNE_2025, couple=False, ages=[], resources=D(0), lump=False) == (D("646.52"), D("646.52"))
    assert fx.rsa(JUNE_2025, couple=False, ages=[], resources=D(0), lump=True)[0] == D("568.94")
    # 300 € of unemployment benefit a month: 646.52 − 300 − 77.58.
    assert fx.rsa(JUNE_2025, couple=False, ages=[], resources=D(300), lump=True)[0] == D("268.94")
    # Before 1 April 2025: 635.71 €; from 1 April 2026: 652.34 €.
    assert fx.rsa(scale_for(date(2025, 3, 1)), couple=False, ages=[], resources=D(0), lump=False)[0] == D("635.71")
    assert fx.rsa(scale_for(date(2026, 4, 1)), couple=False, ages=[], resources=D(0), lump=False)[0] == D("652.34")


def test_couple_with_two_children_af():
    # 32 % of the BMAF (472.02 €) = 151.05 €, CRDS 0.5 % = 0.76 €, 150.29 € paid.
    af = fx.family_allowance(JUNE_2025, [8, 5], D(40000))
    assert af == D("151.05") and crds_of("AF", af) == D("0.76") and af - crds_of("AF", af) == D("150.29")
    # 148.52 € before April 2025; halved above the first ceiling (78,565 € of 2023 income).
    assert fx.family_allowance(scale_for(date(2025, 3, 1)), [8, 5], D(40000)) == D("148.52")
    assert fx.family_allowance(JUNE_2025, [8, 5], D(80000)) == D("75.53")
    # RSA of the couple without income: 646.52 × 2.1 = 1,357.69 €, less AF.
    amount, forfait = fx.rsa(JUNE_2025, couple=True, ages=[8, 5], resources=D("151.05"), lump=False)
    assert forfait == D("1357.69") and amount == D("1206.64")


def test_single_parent_with_three_children_one_aged_15():
    # AF 3 children 73 % BMAF = 344.57 € + majoration 16 % = 75.52 € for the 15-year-old: 420.09 €.
    assert fx.family_allowance(JUNE_2025, [15, 10, 6], D(15000)) == D("420.09")
    # ASF 199.18 € a child, no alimony: 597.54 €; with 150 € of alimony a month: (199.18 − 50) × 3.
    assert fx.asf(JUNE_2025, 3, D(0)) == D("597.54")
    assert fx.asf(JUNE_2025, 3, D(150)) == D("447.54")
    # CRDS on each: 2.10 € and 2.99 €.
    assert crds_of("AF", D("420.09")) == D("2.10") and crds_of("ASF", D("597.54")) == D("2.99")
    # RSA not majoré (youngest is 6): 646.52 × 2.1 = 1,357.69; majoré with a child under 3:
    # 646.52 × (128.412 % + 3 × 42.804 %) = 1,660.40 €.
    assert fx.rsa(JUNE_2025, couple=False, ages=[15, 10, 6], resources=D(0), lump=False)[1] == D("1357.69")
    assert fx.rsa(JUNE_2025, couple=False, ages=[15, 10, 2], resources=D(0), lump=False)[1] == D("1660.42")


def test_household_with_aah():
    # 1,033.32 € from April 2025, 1,042.62 € from April 2026, whatever the spouse earns.
    assert fx.aah(JUNE_2025, D(0)) == D("1033.32")
    assert fx.aah(scale_for(date(2026, 5, 1)), D(0)) == D("1042.62")
    assert crds_of("AAH", D("1033.32")) == 0
    # Prime d'activité of the working spouse (1,200 €): the AAH counts among resources, so that
    # 949.82 (633.21 × 1.5) + 0.61 × 1,200 + 184.27 (full bonus, 1,200 ≥ 95 × 11.88) − (1,200 + 1,033.32) < 0.
    amount, forfait = fx.ppa(JUNE_2025, couple=True, ages=[], earnings=[D(1200)], other=D("1033.32"), lump=False)
    assert forfait == D("949.82") and amount == 0
    # Without the AAH: 949.82 + 732 + 184.27 − max(949.82, 1,200) = 666.09 €, under the ceiling
    # 0.61 × 949.82 + 184.27 = 763.66 €.
    amount, _ = fx.ppa(JUNE_2025, couple=True, ages=[], earnings=[D(1200)], other=D(0), lump=False)
    assert amount == D("666.09") and amount <= fx.ppa_ceiling(JUNE_2025, forfait, 1) == D("763.66")


def test_single_worker_prime_activite():
    # 1,000 € earned: bonus 184.27 × (1,000 − 700.92) / (1,128.60 − 700.92) = 128.86;
    # 633.21 + 610 + 128.86 − max(633.21, 1,000) = 372.07 €.
    assert fx.ppa(JUNE_2025, couple=False, ages=[], earnings=[D(1000)], other=D(0), lump=False)[0] == D("372.07")
