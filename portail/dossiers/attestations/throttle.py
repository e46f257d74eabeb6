"""« Vérifier une attestation », limited per address and per hour so references cannot be tried in bulk.

A reference has 60 random bits: guessing one is hopeless anyway; the limit keeps the page, and the journal
it writes to, from being flooded. Answers « non valide » count more than the others.
"""
from dataclasses import dataclass

from django.conf import settings
from django.db.models import F

from portail.core.clock import now

from ..models import AttestationCheckCounter

FAILURES_PER_HOUR = 10
CHECKS_PER_HOUR = 60


@dataclass
class Window:
    counter: AttestationCheckCounter

    @property
    def exhausted(self) -> bool:
        failures = getattr(settings, "ATTESTATION_CHECK_FAILURES_PER_HOUR", FAILURES_PER_HOUR)
        checks = getattr(settings, "ATTESTATION_CHECKS_PER_HOUR", CHECKS_PER_HOUR)
        return self.counter.failures >= failures or self.counter.attempts >= checks

    def count(self, *, valid: bool) -> None:
        AttestationCheckCounter.objects.filter(pk=self.counter.pk).update(
            attempts=F("attempts") + 1, failures=F("failures") + (0 if valid else 1))

    def refuse(self) -> bool:
        """Count a refused attempt; True for the first one of the hour (the only one journaled)."""
        AttestationCheckCounter.objects.filter(pk=self.counter.pk).update(refusals=F("refusals") + 1)
        return self.counter.refusals == 0


def window_for(ip: str | None) -> Window:
    """This hour's counter of the address, locked until the caller's transaction ends."""
    address = ip or "inconnue"
    start = now().replace(minute=0, second=0, microsecond=0)
    counter, created = AttestationCheckCounter.objects.get_or_create(ip_address=address, window_start=start)
    if created:  # the address's past hours are of no use any more
        AttestationCheckCounter.objects.filter(ip_address=address, window_start__lt=start).delete()
    return Window(AttestationCheckCounter.objects.select_for_update().get(pk=counter.pk))
