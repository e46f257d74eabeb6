"""Periodic counting of the journal's new entries into the usage counters, through Django's tasks API (run by
`manage.py db_worker`). Started once by `manage.py usage_aggregate --schedule`, the task counts what the seal
task has sealed and comes back in USAGE_AGGREGATE_SECONDS: a statistics page then has at most the last few
seconds' entries to count itself (`usage_catch_up`), not everything since the last manual run."""
import logging
from datetime import timedelta

from django.conf import settings
from django_tasks import task

from portail.core import clock

from .aggregates import usage_aggregate

logger = logging.getLogger(__name__)


def aggregate_interval() -> int:
    return int(getattr(settings, "USAGE_AGGREGATE_SECONDS", 10))


@task()
def count_usage(reschedule: bool = True) -> dict:
    if reschedule and count_usage.get_backend().supports_defer:
        # Scheduled first: a failed run does not stop the counting.
        count_usage.using(run_after=clock.now() + timedelta(seconds=aggregate_interval())).enqueue(True)
    # Up to the sealed head: the seal task seals (waiting for the appends in flight is its job, not this one's).
    result = usage_aggregate(skip_locked=True, seal=False)
    return {"entries": result.entries, "last_id": result.last_id, "caught_up": result.caught_up,
            "skipped": result.skipped}
