"""The scales as data: the file follows its schema, every April's revaluation is there, and the module
reads the figures of the file (no figure left in code)."""
import tomllib
from datetime import date
from decimal import Decimal

import pytest

from portail.dossiers.generation import scales
from portail.dossiers.generation.scales import SCALES, SCALES_FILE, ScalesFileError, parse_scales, scale_for


def raw() -> dict:
    with open(SCALES_FILE, "rb") as fh:
        return tomllib.load(fh)


def test_the_file_follows_its_schema():
    parsed, other = parse_scales(raw())
    assert parsed == SCALES and other["crds"] == Decimal("0.005")
    assert other["crds_benefits"] == {"AF", "CF", "ASF", "PAJE", "ARS", "AEEH"}


def test_each_april_revaluation_is_present():
    """One period per year, each from 1 April, none missing between the first and the last."""
    sinces = [s.since for s in SCALES]
    assert all((d.month, d.day) == (4, 1) for d in sinces)
    assert [d.year for d in sinces] == list(range(sinces[0].year, sinces[-1].year + 1))
    # Every amount is revalued each April (never lower than the year before).
    for before, after in zip(SCALES, SCALES[1:]):
        for name in ("bmaf", "rsa", "ppa", "aah", "asf", "paje_full", "paje_partial", "smic_hourly"):
            assert getattr(after, name) >= getattr(before, name), (after.since, name)
        assert all(a >= b for a, b in zip(after.ars, before.ars))


def test_a_month_uses_the_scale_of_its_april():
    assert scale_for(date(2025, 3, 1)).since == date(2024, 4, 1)
    assert scale_for(date(2025, 4, 1)).since == date(2025, 4, 1)
    assert scale_for(date(2023, 1, 1)) is SCALES[0]
    # Figures come from the file: BMAF shares and ceilings.
    june = scale_for(date(2025, 6, 1))
    assert (june.af_two, june.af_three, june.cf, june.aeeh) == (
        Decimal("151.05"), Decimal("344.57"), Decimal("196.60"), Decimal("151.05"))
    assert june.af_ceilings == (78565, 104719, 6546)
    assert (scales.PAJE_FULL_CEILING, scales.CF_RAISED_CEILING, scales.ARS_STEP) == (35000, 15000, 6500)


@pytest.mark.parametrize("breakage, message", [
    (lambda d: d.update(format="autre/1"), "format"),
    (lambda d: d["period"][1].pop("rsa"), "period[1]"),
    (lambda d: d["period"][0].update(rsa=635.71), "period[0].rsa"),
    (lambda d: d["period"][2].update(ars=["1.00", "2.00"]), "period[2].ars"),
    (lambda d: d["period"][0]["af_ceilings"].update(two_children=[99922, 74966]), "af_ceilings"),
    (lambda d: d["period"].reverse(), "date order"),
    (lambda d: d["rates"].pop("crds"), "rates"),
    (lambda d: d["ceilings"]["cf"].update(step="4000"), "ceilings.cf.step"),
])
def test_a_file_that_breaks_the_schema_is_refused(breakage, message):
    data = raw()
    breakage(data)
    with pytest.raises(ScalesFileError, match=message.replace("[", r"\[").replace("]", r"\]")):
        parse_scales(data)
