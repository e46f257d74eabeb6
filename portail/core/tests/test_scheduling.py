"""`… --schedule` starts a periodic task that reschedules itself: started twice (`make run` again, a deployment
script run twice), it must still run as one chain, not two."""
import pytest
from django.core.management import call_command


@pytest.mark.parametrize("command, started, already", [
    ("journal_seal", "Scellement périodique du journal lancé", "Scellement périodique du journal déjà programmé"),
    ("usage_aggregate", "Comptage périodique des statistiques d'usage lancé",
     "Comptage périodique des statistiques d'usage déjà programmé"),
    ("outbox_send", "Balayage des mails programmé", "Balayage des mails déjà programmé"),
])
def test_a_periodic_task_scheduled_twice_is_queued_once(db, settings, capsys, command, started, already):
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
    call_command(command, "--schedule")
    assert started in capsys.readouterr().out
    call_command(command, "--schedule")
    assert already in capsys.readouterr().out
    assert DBTaskResult.objects.filter(status="READY").count() == 1
