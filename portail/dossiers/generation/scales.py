"""Benefit scales (barèmes) per period, read from the data file `portail/dossiers/data/scales.toml`.

The figures (amounts per period revalued each April, shares of the BMAF, CRDS, income ceilings per
family size) live in that file with their sources; this module only reads and checks it, and keeps
the same names for its callers: `Scale`, `SCALES`, `scale_for`, `crds_of`, `money` and the ceilings.
Rules (how an amount is computed from a scale) stay in formulas.py.
"""
import tomllib
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

CENT = Decimal("0.01")
SCALES_FILE = Path(__file__).resolve().parent.parent / "data" / "scales.toml"
SCALES_FORMAT = "portail-scales/1"
PERIOD_KEYS = {"since": date, "bmaf": str, "rsa": str, "ppa": str, "aah": str, "asf": str, "paje_full": str,
               "paje_partial": str, "ars": list, "smic_hourly": str, "af_ceilings": dict}
RATE_KEYS = ("af_two_children", "af_three_children", "af_per_further_child", "af_age_raise", "cf", "cf_raised",
             "aeeh", "ppa_bonus_max", "crds")


class ScalesFileError(ValueError):
    """The scales file does not follow its schema."""


def money(value) -> Decimal:
    return Decimal(str(value)).quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Rates:
    af_two: Decimal
    af_three: Decimal
    af_extra: Decimal
    af_age_raise: Decimal
    cf: Decimal
    cf_raised: Decimal
    aeeh: Decimal
    ppa_bonus_max: Decimal


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
    rates: Rates

    def of_bmaf(self, percent) -> Decimal:
        return money(self.bmaf * Decimal(percent) / 100)

    # Shares of the BMAF, computed once per scale (they are read for every month of every file).
    def __post_init__(self):
        r = self.rates
        for name, percent in (("af_two", r.af_two), ("af_three", r.af_three), ("af_extra", r.af_extra),
                              ("af_age_raise", r.af_age_raise), ("cf", r.cf), ("cf_raised", r.cf_raised),
                              ("aeeh", r.aeeh)):
            object.__setattr__(self, name, self.of_bmaf(percent))
        object.__setattr__(self, "ppa_bonus_max", money(self.ppa * r.ppa_bonus_max))


def _decimal(value, where: str) -> Decimal:
    if not isinstance(value, str):
        raise ScalesFileError(f"{where}: a decimal written as a string is expected, not {value!r}")
    try:
        return Decimal(value)
    except ArithmeticError:
        raise ScalesFileError(f"{where}: {value!r} is not a decimal") from None


def _int(value, where: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
        raise ScalesFileError(f"{where}: a positive whole number of euros is expected, not {value!r}")
    return value


def parse_scales(data: dict) -> tuple[tuple[Scale, ...], dict]:
    """(scales oldest first, other figures) from the parsed file; ScalesFileError when it breaks the schema."""
    if data.get("format") != SCALES_FORMAT:
        raise ScalesFileError(f"format: {SCALES_FORMAT!r} expected")
    rates_in = data.get("rates", {})
    missing = [k for k in (*RATE_KEYS, "crds_benefits") if k not in rates_in]
    if missing:
        raise ScalesFileError(f"rates: missing {', '.join(missing)}")
    rates = Rates(*(_decimal(rates_in[k], f"rates.{k}") for k in RATE_KEYS[:-1]))
    crds_benefits = rates_in["crds_benefits"]
    if not isinstance(crds_benefits, list) or not all(isinstance(b, str) for b in crds_benefits):
        raise ScalesFileError("rates.crds_benefits: a list of benefit codes is expected")
    ceilings = data.get("ceilings", {})
    shape = {"paje": ("full", "partial", "step"), "cf": ("full", "raised", "step"), "ars": ("full", "step")}
    for benefit, keys in shape.items():
        for key in keys:
            _int(ceilings.get(benefit, {}).get(key), f"ceilings.{benefit}.{key}")
    periods = data.get("period")
    if not isinstance(periods, list) or not periods:
        raise ScalesFileError("period: at least one [[period]] is expected")
    scales = []
    for i, p in enumerate(periods):
        where = f"period[{i}]"
        if set(p) != set(PERIOD_KEYS):
            raise ScalesFileError(f"{where}: keys {sorted(PERIOD_KEYS)} expected, found {sorted(p)}")
        for key, kind in PERIOD_KEYS.items():
            if not isinstance(p[key], kind) or (kind is date and type(p[key]) is not date):
                raise ScalesFileError(f"{where}.{key}: {kind.__name__} expected")
        if len(p["ars"]) != 3:
            raise ScalesFileError(f"{where}.ars: three amounts expected (6-10, 11-14, 15-18)")
        af = p["af_ceilings"]
        two = af.get("two_children")
        if set(af) != {"two_children", "per_further_child"} or not isinstance(two, list) or len(two) != 2:
            raise ScalesFileError(f"{where}.af_ceilings: two_children = [first, second] and per_further_child expected")
        first, second = (_int(v, f"{where}.af_ceilings.two_children") for v in two)
        step = _int(af["per_further_child"], f"{where}.af_ceilings.per_further_child")
        if not first < second:
            raise ScalesFileError(f"{where}.af_ceilings: the first ceiling is below the second")
        scales.append(Scale(
            since=p["since"], **{k: _decimal(p[k], f"{where}.{k}") for k in
                                 ("bmaf", "rsa", "ppa", "aah", "asf", "paje_full", "paje_partial", "smic_hourly")},
            ars=tuple(_decimal(v, f"{where}.ars") for v in p["ars"]), af_ceilings=(first, second, step), rates=rates,
        ))
    if [s.since for s in scales] != sorted({s.since for s in scales}):
        raise ScalesFileError("period: periods in date order, one per date")
    other = {"crds": _decimal(rates_in["crds"], "rates.crds"), "crds_benefits": frozenset(crds_benefits),
             "ceilings": ceilings}
    return tuple(scales), other


def load_scales(path: Path = SCALES_FILE) -> tuple[tuple[Scale, ...], dict]:
    with open(path, "rb") as fh:
        return parse_scales(tomllib.load(fh))


SCALES, _OTHER = load_scales()
CRDS_RATE: Decimal = _OTHER["crds"]
CRDS_BENEFITS: frozenset = _OTHER["crds_benefits"]
_CEILINGS = _OTHER["ceilings"]
PAJE_FULL_CEILING, PAJE_PARTIAL_CEILING, PAJE_STEP = (_CEILINGS["paje"][k] for k in ("full", "partial", "step"))
CF_CEILING, CF_RAISED_CEILING, CF_STEP = (_CEILINGS["cf"][k] for k in ("full", "raised", "step"))
ARS_CEILING, ARS_STEP = (_CEILINGS["ars"][k] for k in ("full", "step"))
_BY_MONTH: dict = {}


def scale_for(month: date) -> Scale:
    """The scale in force for a month; months before the first scale use the first one."""
    scale = _BY_MONTH.get(month)
    if scale is None:
        scale = SCALES[0]
        for candidate in SCALES:
            if candidate.since <= month:
                scale = candidate
        _BY_MONTH[month] = scale
    return scale


def crds_of(benefit: str, gross: Decimal) -> Decimal:
    return money(gross * CRDS_RATE) if benefit in CRDS_BENEFITS else Decimal("0.00")
