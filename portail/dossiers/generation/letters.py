"""Courriers: the affiliation, each right's notification when it opens, each créance's notice, and
everyday letters — never before affiliation."""
import random
from datetime import date, timedelta

from ..models import Benefit, Letter

EVERYDAY = (
    "Accusé de réception de votre déclaration de changement de situation",
    "Demande de pièces justificatives",
    "Attestation de paiement",
    "Rappel : mise à jour de vos coordonnées bancaires",
    "Contrôle de votre situation",
)
NOTICES = {
    Benefit.AF: "Notification de droit aux allocations familiales",
    Benefit.CF: "Notification de droit au complément familial",
    Benefit.ASF: "Notification de droit à l'allocation de soutien familial",
    Benefit.PAJE: "Notification de droit à la Paje",
    Benefit.AEEH: "Notification de droit à l'AEEH",
    Benefit.APL: "Notification de droit à l'aide au logement",
    Benefit.ALS: "Notification de droit à l'aide au logement",
    Benefit.ALF: "Notification de droit à l'aide au logement",
    Benefit.RSA: "Notification de droit au RSA",
    Benefit.PPA: "Notification de droit à la prime d'activité",
    Benefit.AAH: "Notification de droit à l'AAH",
    Benefit.ARS: "Notification de droit à l'allocation de rentrée scolaire",
}
CHANNELS = list(Letter.Channel)  # listed once: list(Enum) is slow and this runs for every letter
HISTORY_DAYS = 900  # the courriers tab keeps about two and a half years


def letter_rows(r: random.Random, *, ref: date, opened_on: date, rights: list[dict], notices: list[tuple]) -> list[dict]:
    """`rights`: Right rows; `notices`: (date, subject) of créances, always kept."""
    oldest = max(opened_on, ref - timedelta(days=HISTORY_DAYS))
    rows = []

    def add(day: date, subject: str):
        if oldest <= day < ref:
            rows.append(dict(sent_on=day, subject=subject, channel=r.choice(CHANNELS)))

    add(opened_on + timedelta(days=r.randint(0, 10)), "Confirmation de votre affiliation à la Caf")
    for right in rights:
        # The notification follows the opening of the right by a few days, never long before it.
        add(right["start_date"] + timedelta(days=r.randint(0, 20)), NOTICES[right["benefit"]])
    for day, subject in notices:
        rows.append(dict(sent_on=day, subject=subject, channel=Letter.Channel.POST))
    for _ in range(r.randint(1, 4)):
        span = (ref - oldest).days
        if span > 1:
            add(oldest + timedelta(days=r.randint(1, span - 1)), r.choice(EVERYDAY))
    return rows
