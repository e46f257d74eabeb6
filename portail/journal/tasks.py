"""Periodic sealing of the journal, through Django's tasks API (django-tasks; database backend in
production, run by `manage.py db_worker`). Started once by `manage.py journal_seal --schedule`, the
task seals what is final and comes back in JOURNAL_SEAL_SECONDS."""
import logging
from datetime import timedelta

from django.conf import settings
from django_tasks import task

from portail.core import clock

from .seal import journal_seal

logger = logging.getLogger(__name__)


def seal_interval() -> int:
    return int(getattr(settings, "JOURNAL_SEAL_SECONDS", 10))


@task()
def seal_journal(reschedule: bool = True) -> dict:
    result = journal_seal(skip_locked=True)
    if reschedule and seal_journal.get_backend().supports_defer:
        seal_journal.using(run_after=clock.now() + timedelta(seconds=seal_interval())).enqueue(True)
    if result.refused:
        logger.error("Journal non scellé : %s (lancer journal_verify)", result.refused)
    return {"batches": result.batches, "entries": result.entries, "last_id": result.last_id,
            "deferred": result.deferred, "skipped": result.skipped, "refused": result.refused}
