"""Queue a mail: one row in the caller's transaction, its delivery asked for once that commits.

A rolled-back transaction leaves no row and asks for nothing; a crash between the commit and the
request to the worker leaves a pending row that the periodic sweep sends (tasks.sweep_outbox).
"""
import logging
from functools import partial

from django.db import transaction
from django.template.loader import render_to_string

from portail.core import clock
from portail.core.text import clean_text

from . import tasks
from .models import Mail

logger = logging.getLogger(__name__)


def _ask_delivery(mail_id: int) -> None:
    tasks.deliver_mail.enqueue(mail_id)


def mail_queue(*, kind: str, to: str, subject: str, template: str, context: dict, key: str | None = None) -> Mail | None:
    """Store the mail rendered from `template` (plain text) for `to`; None when `to` is empty or a mail
    with the same `key` was already queued (such mails go once, whatever the number of calls)."""
    if not to:
        return None
    body = clean_text(render_to_string(template, context), field="body", max_length=20000)
    with transaction.atomic():
        if key is not None and Mail.objects.filter(key=key).exists():
            return None
        at = clock.now()
        mail = Mail.objects.create(kind=kind, key=key, to=to, subject=clean_text(subject, field="subject", max_length=255),
                                   body=body, created_at=at, next_try_at=at)
        # robust: if the task queue is unreachable the mail stays pending for the sweep; the caller's
        # work (already committed) is not reported as failed.
        transaction.on_commit(partial(_ask_delivery, mail.pk), robust=True)
    return mail
