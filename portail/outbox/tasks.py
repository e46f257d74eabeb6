"""Background work of the outbox, through Django's tasks API (django-tasks; database backend in
production, run by `manage.py db_worker`)."""
import logging
from datetime import timedelta

from django.conf import settings
from django_tasks import task

from portail.core import clock

from .delivery import mail_deliver, mail_deliver_due
from .models import Mail

logger = logging.getLogger(__name__)


def _can_defer(task_obj) -> bool:
    return task_obj.get_backend().supports_defer


@task()
def deliver_mail(mail_id: int) -> str | None:
    """Send one mail; after a failure, come back when its next try is due (if the backend can wait;
    otherwise the sweep will)."""
    mail = mail_deliver(mail_id=mail_id)
    if mail is None:
        return None
    if mail.status == Mail.Status.PENDING and _can_defer(deliver_mail):
        deliver_mail.using(run_after=mail.next_try_at).enqueue(mail_id)
    return mail.status


@task()
def sweep_outbox(reschedule: bool = True) -> dict:
    """Send every pending mail that is due (those whose task was lost, or that wait for a retry), then
    come back in OUTBOX_SWEEP_SECONDS: started once (`manage.py outbox_send --schedule`), it repeats."""
    figures = mail_deliver_due()
    if reschedule and _can_defer(sweep_outbox):
        later = clock.now() + timedelta(seconds=settings.OUTBOX_SWEEP_SECONDS)
        sweep_outbox.using(run_after=later).enqueue(True)
    if any(figures.values()):
        logger.info("Outbox sweep: %s", figures)
    return figures
