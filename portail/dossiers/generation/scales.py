"""Benefit scales (barèmes) per period, monthly amounts in euros before CRDS.

Each scale applies from its date (revaluation on 1 April, art. L161-25 CSS) until the next one.
Sources, as published for each period:
- 1 April 2024 (+4.6 %): BMAF 464.13 € (AF 2 enfants 148.52 €); RSA 635.71 €; prime d'activité 622.63 €;
  AAH 1,016.05 €; ASF 195.85 €; Paje allocation de base 184.81 €; ARS 416.40 / 439.38 / 454.60 €.
- 1 April 2025 (+1.7 %): BMAF 472.02 € (AF 2 enfants 151.05 €); RSA 646.52 €; prime d'activité 633.21 €;
  AAH 1,033.32 €; ASF 199.18 €; Paje 187.95 €; ARS 423.48 / 446.85 / 462.33 €.
- 1 April 2026 (+0.9 %): the 2025 amounts revalued by 0.9 % (BMAF 476.27 €, RSA 652.34 €, AAH 1,042.62 €).
Family benefits that are a share of the BMAF (CSS D521-1, D522-2, D541-1): AF 32 % (2 children),
73 % (3), +41 % per further child, +16 % per child aged 14 or more (not the eldest of two);
complément familial 41.65 % (62.48 % majoré); AEEH 32 %.
RSA (CASF R262-1): +50 % for the 2nd person, +30 % for the 3rd and 4th, +40 % from the 5th; majoré
for a single parent (L262-9): 128.412 % + 42.804 % per child. Forfait logement: 12 % of the
one-person amount, 16 % of the two-person amount, 16.5 % of the three-person amount.
Prime d'activité (CSS L842-3, D843-1, D843-2): forfait + 61 % of earnings + bonification per worker
(0 under 59 × SMIC horaire, rising to 29.101 % of the forfait at 95 × SMIC horaire)
− max(forfait, household resources) − forfait logement; not paid under 15 €.
AF income ceilings (N-2 income): 2024 74,966 € / 99,922 € for two children, + 6,246 € per further
child; 2025 78,565 € / 104,719 €, + 6,546 € (the 2025 ceilings also serve 2026 here).
The ceilings of the Paje, complément familial and ARS and the housing aid formula are simplified
(same order of magnitude, same dependencies), not the legal tables.
CRDS: 0.5 % withheld from family benefits (AF, CF, ASF, Paje, ARS, AEEH).
"""
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
CRDS_RATE = Decimal("0.005")
CRDS_BENEFITS = frozenset({"AF", "CF", "ASF", "PAJE", "ARS", "AEEH"})


def money(value) -> Decimal:
    return Decimal(str(value)).quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Scale:
    since: date
    bmaf: Decimal
    rsa: Decimal
    ppa: Decimal
    aah: Decimal
    asf: Decimal
    paje_full: Decimal
    paje_partial: Decimal
    ars: tuple  # (6-10, 11-14, 15-18)
    smic_hourly: Decimal
    af_ceilings: tuple  # (first, second) ceiling for two children, step per further child

    def of_bmaf(self, percent: str) -> Decimal:
        return money(self.bmaf * Decimal(percent) / 100)

    @property
    def af_two(self) -> Decimal:
        return self.of_bmaf("32")

    @property
    def af_three(self) -> Decimal:
        return self.of_bmaf("73")

    @property
    def af_extra(self) -> Decimal:
        return self.of_bmaf("41")

    @property
    def af_age_raise(self) -> Decimal:
        return self.of_bmaf("16")

    @property
    def cf(self) -> Decimal:
        return self.of_bmaf("41.65")

    @property
    def cf_raised(self) -> Decimal:
        return self.of_bmaf("62.48")

    @property
    def aeeh(self) -> Decimal:
        return self.of_bmaf("32")

    @property
    def ppa_bonus_max(self) -> Decimal:
        return money(self.ppa * Decimal("0.29101"))


SCALES = (
    Scale(
        since=date(2024, 4, 1), bmaf=Decimal("464.13"), rsa=Decimal("635.71"), ppa=Decimal("622.63"),
        aah=Decimal("1016.05"), asf=Decimal("195.85"), paje_full=Decimal("184.81"), paje_partial=Decimal("92.41"),
        ars=(Decimal("416.40"), Decimal("439.38"), Decimal("454.60")), smic_hourly=Decimal("11.65"),
        af_ceilings=(74966, 99922, 6246),
    ),
    Scale(
        since=date(2025, 4, 1), bmaf=Decimal("472.02"), rsa=Decimal("646.52"), ppa=Decimal("633.21"),
        aah=Decimal("1033.32"), asf=Decimal("199.18"), paje_full=Decimal("187.95"), paje_partial=Decimal("93.98"),
        ars=(Decimal("423.48"), Decimal("446.85"), Decimal("462.33")), smic_hourly=Decimal("11.88"),
        af_ceilings=(78565, 104719, 6546),
    ),
    Scale(
        since=date(2026, 4, 1), bmaf=Decimal("476.27"), rsa=Decimal("652.34"), ppa=Decimal("638.91"),
        aah=Decimal("1042.62"), asf=Decimal("200.97"), paje_full=Decimal("189.64"), paje_partial=Decimal("94.82"),
        ars=(Decimal("427.29"), Decimal("450.87"), Decimal("466.49")), smic_hourly=Decimal("12.02"),
        af_ceilings=(78565, 104719, 6546),
    ),
)


def scale_for(month: date) -> Scale:
    """The scale in force for a month; months before the first scale use the first one."""
    current = SCALES[0]
    for scale in SCALES:
        if scale.since <= month:
            current = scale
    return current


def crds_of(benefit: str, gross: Decimal) -> Decimal:
    return money(gross * CRDS_RATE) if benefit in CRDS_BENEFITS else Decimal("0.00")


# Simplified ceilings (annual N-2 income), see the module docstring.
PAJE_FULL_CEILING, PAJE_PARTIAL_CEILING, PAJE_STEP = 35000, 42000, 7000
CF_CEILING, CF_RAISED_CEILING, CF_STEP = 30000, 15000, 4000
ARS_CEILING, ARS_STEP = 28000, 6500
