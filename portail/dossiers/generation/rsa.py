"""The RSA tab, derived from the RSA right: same opening, referent fitting the orientation."""
import random
from datetime import date, timedelta

from ..models import RsaInfo
from .calendar import add_months, age, quarter_of

REFERENTS = {
    RsaInfo.Orientation.SOCIAL: ("Conseil départemental — service insertion", "CCAS de la commune"),
    RsaInfo.Orientation.SOCIO_PRO: ("Conseil départemental — service insertion",),
    RsaInfo.Orientation.PROFESSIONAL: ("France Travail",),
}
MISSION_LOCALE = "Mission locale"  # young people only: under 26


def rsa_row(r: random.Random, *, ref: date, born: date, requested_on: date, opened_on: date, amount, forfait) -> dict:
    orientation = r.choices(list(RsaInfo.Orientation), weights=(40, 40, 12, 8))[0]
    oriented_on = requested_on + timedelta(days=r.randint(45, 120))
    if oriented_on >= ref:
        orientation = RsaInfo.Orientation.PENDING
    referent = ""
    if orientation != RsaInfo.Orientation.PENDING:
        choices = REFERENTS[orientation]
        if orientation == RsaInfo.Orientation.PROFESSIONAL and age(born, ref) < 26:
            choices = (*choices, MISSION_LOCALE)
        referent = r.choice(choices)
    last_declaration = quarter_of(ref)
    return dict(
        orientation=orientation, referent=referent, monthly_amount=amount, flat_amount=forfait,
        requested_on=requested_on, opened_on=opened_on,
        orientation_on=oriented_on if referent else None,
        contract_end_on=oriented_on + timedelta(days=r.choice((365, 548, 730))) if referent else None,
        last_declaration_on=last_declaration, next_declaration_on=add_months(last_declaration, 3),
    )
