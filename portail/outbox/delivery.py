"""Send one outbox row, exactly once.

The row is locked (skip_locked on PostgreSQL: another worker passes over it), sent, and marked sent in
the same transaction: two workers never both send it, and a row marked sent was handed to the SMTP
server. A failed attempt is counted and the next one pushed back exponentially (OUTBOX_RETRY_SECONDS,
doubled each time, at most OUTBOX_RETRY_MAX_SECONDS); after OUTBOX_MAX_ATTEMPTS the row is abandoned.
"""
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import connection, transaction

from portail.core import clock

from .models import Mail

SWEEP_BATCH = 200


def retry_delay(attempts: int) -> timedelta:
    """Wait after the `attempts`-th failure: base, 2×base, 4×base… capped."""
    seconds = settings.OUTBOX_RETRY_SECONDS * 2 ** max(attempts - 1, 0)
    return timedelta(seconds=min(seconds, settings.OUTBOX_RETRY_MAX_SECONDS))


def _claim(mail_id: int) -> Mail | None:
    due = Mail.objects.filter(pk=mail_id, status=Mail.Status.PENDING, next_try_at__lte=clock.now())
    if connection.features.has_select_for_update_skip_locked:
        due = due.select_for_update(skip_locked=True)
    # SQLite: no row locks, but our transactions are IMMEDIATE (one writer at a time), same effect.
    return due.first()


def mail_deliver(*, mail_id: int) -> Mail | None:
    """Try to send the row if it is due; None when it is not (sent, abandoned, later, or being sent)."""
    with transaction.atomic():
        mail = _claim(mail_id)
        if mail is None:
            return None
        mail.attempts += 1
        try:
            EmailMessage(subject=mail.subject, body=mail.body, from_email=settings.DEFAULT_FROM_EMAIL,
                         to=[mail.to]).send()
        except Exception as exc:  # any failure of the SMTP exchange: try again later
            mail.last_error = f"{type(exc).__name__}: {exc}"[:1000]
            if mail.attempts >= settings.OUTBOX_MAX_ATTEMPTS:
                mail.status = Mail.Status.FAILED
            else:
                mail.next_try_at = clock.now() + retry_delay(mail.attempts)
        else:
            mail.status, mail.sent_at, mail.last_error = Mail.Status.SENT, clock.now(), ""
        mail.save(update_fields=["attempts", "status", "sent_at", "next_try_at", "last_error"])
    return mail


def mail_deliver_due() -> dict:
    """Send every row that is due, oldest first, in batches; returns the figures of the run."""
    figures = {"sent": 0, "retry": 0, "failed": 0}
    done: set[int] = set()
    while True:
        ids = list(Mail.objects.filter(status=Mail.Status.PENDING, next_try_at__lte=clock.now())
                   .exclude(pk__in=done).order_by("next_try_at", "id").values_list("pk", flat=True)[:SWEEP_BATCH])
        if not ids:
            return figures
        for mail_id in ids:
            done.add(mail_id)
            mail = mail_deliver(mail_id=mail_id)
            if mail is not None:
                key = {Mail.Status.SENT: "sent", Mail.Status.FAILED: "failed"}.get(mail.status, "retry")
                figures[key] += 1
