"""No mail is lost and none goes twice: a real SMTP server (aiosmtpd) on a free local port, stopped
while mails are queued, then started."""
import socket
from datetime import timedelta
from io import StringIO

import pytest
from aiosmtpd.controller import Controller
from django.core.management import call_command
from django.db import transaction

from portail.core import clock
from portail.outbox.delivery import mail_deliver_due
from portail.outbox.models import Mail
from portail.outbox.services import mail_queue
from portail.outbox.tasks import deliver_mail

TEMPLATE = "accounts/email/password_reset.txt"


class Recorder:
    """Keeps what the SMTP server received."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(envelope)
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp(settings):
    """A local SMTP server, not started yet: `smtp.start()`, `smtp.recorder.messages`."""
    port = free_port()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", port, 5
    settings.EMAIL_USE_TLS = False
    settings.OUTBOX_RETRY_SECONDS = 60
    recorder = Recorder()
    controller = Controller(recorder, hostname="127.0.0.1", port=port)
    controller.recorder = recorder
    yield controller
    if getattr(controller, "_thread", None) is not None:
        controller.stop()


@pytest.fixture
def travel(monkeypatch):
    real_now = clock.now
    offset = {"delta": timedelta()}
    monkeypatch.setattr(clock, "now", lambda: real_now() + offset["delta"])

    def _travel(**kwargs):
        offset["delta"] += timedelta(**kwargs)

    return _travel


def queue(n: int, capture) -> list[Mail]:
    with capture(execute=True):  # the mails' transaction commits: their delivery is asked for
        with transaction.atomic():
            return [mail_queue(kind="password_reset", to=f"agent{i}@partenaire.example.fr",
                               subject="Portail Partenaires — nouveau mot de passe", template=TEMPLATE,
                               context={"user": {"first_name": "Agent", "last_name": str(i)}, "link": "http://x/"})
                    for i in range(n)]


def rows():
    return list(Mail.objects.order_by("pk").values_list("status", "attempts"))


def test_server_down_then_up_every_mail_delivered_once(db, smtp, travel, django_capture_on_commit_callbacks):
    queue(5, django_capture_on_commit_callbacks)
    # Server stopped: each delivery failed once and waits a minute.
    assert rows() == [("pending", 1)] * 5 and smtp.recorder.messages == []
    first = Mail.objects.first()
    assert "Connection refused" in first.last_error or "ConnectionRefused" in first.last_error
    assert first.next_try_at - clock.now() > timedelta(seconds=55)
    assert mail_deliver_due() == {"sent": 0, "retry": 0, "failed": 0}  # not due yet: nothing tried

    travel(seconds=61)
    assert mail_deliver_due() == {"sent": 0, "retry": 5, "failed": 0}
    second = Mail.objects.first()
    assert second.attempts == 2 and timedelta(seconds=115) < second.next_try_at - clock.now() <= timedelta(seconds=120)

    smtp.start()
    travel(seconds=121)
    assert mail_deliver_due() == {"sent": 5, "retry": 0, "failed": 0}
    assert rows() == [("sent", 3)] * 5
    # Late tasks and later sweeps send nothing again.
    for mail in Mail.objects.all():
        deliver_mail.enqueue(mail.pk)
    travel(hours=1)
    assert mail_deliver_due() == {"sent": 0, "retry": 0, "failed": 0}
    received = sorted(rcpt for message in smtp.recorder.messages for rcpt in message.rcpt_tos)
    assert received == sorted(f"agent{i}@partenaire.example.fr" for i in range(5))
    assert "Bonjour Agent 0" in smtp.recorder.messages[0].content.decode()


def test_a_rolled_back_transaction_sends_nothing(db, smtp, django_capture_on_commit_callbacks):
    smtp.start()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError):
            with transaction.atomic():
                mail_queue(kind="activation", to="x@example.fr", subject="s", template=TEMPLATE,
                           context={"user": {}, "link": "l"})
                raise RuntimeError("the cause of the mail failed")
    assert callbacks == [] and Mail.objects.count() == 0
    assert mail_deliver_due() == {"sent": 0, "retry": 0, "failed": 0} and smtp.recorder.messages == []


def test_a_mail_lost_between_commit_and_queue_is_sent_by_the_sweep(db, smtp):
    smtp.start()
    with transaction.atomic():  # never committed in this test: its delivery is never asked for
        mail_queue(kind="activation", to="y@example.fr", subject="s", template=TEMPLATE, context={"user": {}, "link": "l"})
    assert smtp.recorder.messages == []
    out = StringIO()
    call_command("outbox_send", stdout=out)
    assert "Mails envoyés : 1" in out.getvalue()
    assert [m.rcpt_tos for m in smtp.recorder.messages] == [["y@example.fr"]]
    assert rows() == [("sent", 1)]


def test_after_the_last_attempt_the_mail_is_abandoned(db, smtp, travel, settings, django_capture_on_commit_callbacks):
    settings.OUTBOX_MAX_ATTEMPTS = 3
    queue(1, django_capture_on_commit_callbacks)
    for _ in range(2):
        travel(hours=1)
        mail_deliver_due()
    assert rows() == [("failed", 3)]
    smtp.start()
    travel(days=1)
    assert mail_deliver_due()["sent"] == 0 and smtp.recorder.messages == []


def test_a_keyed_mail_is_queued_once(db):
    for _ in range(3):
        mail_queue(kind="lifecycle", to="z@example.fr", subject="s", template=TEMPLATE, context={}, key="once:1")
    assert Mail.objects.count() == 1


@pytest.mark.django_db(transaction=True)  # the worker checks its connection between tasks, as in production
def test_the_database_backend_and_its_worker_deliver(smtp, settings, django_capture_on_commit_callbacks):
    """Production's path: the send task is a row of django-tasks' database backend, run by `db_worker`."""
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
    smtp.start()
    queue(3, django_capture_on_commit_callbacks)
    assert DBTaskResult.objects.filter(status="READY").count() == 3 and smtp.recorder.messages == []
    call_command("db_worker", batch=True, interval=0, startup_delay=False, verbosity=0)
    assert DBTaskResult.objects.filter(status="SUCCESSFUL").count() == 3
    assert len(smtp.recorder.messages) == 3 and rows() == [("sent", 1)] * 3
