"""Periodic tasks started by `manage.py … --schedule`: each reschedules itself, so starting one twice would run
two chains of it."""


def already_queued(task) -> bool:
    """A run of `task` already waiting in the database backend (another backend: nothing to look at)."""
    try:
        from django_tasks_db.models import DBTaskResult
    except ImportError:
        return False
    return DBTaskResult.objects.filter(status="READY", task_path=task.module_path).exists()


def schedule_once(task) -> bool:
    """Queue the first run of the periodic `task` (it then reschedules itself), unless one already waits: True
    when queued now."""
    if already_queued(task):
        return False
    task.enqueue(True)
    return True
