import time, threading
import pytest
from django.core.management import call_command
from django.db import connections
from portail.habilitations.tests.test_concurrency_sqlite import _on_file, _in_thread

pytestmark = pytest.mark.django_db(transaction=True)

def test_time_migrate(tmp_path):
    def run():
        _on_file(tmp_path / "x.sqlite3")
        t = time.perf_counter(); c = time.thread_time()
        call_command("migrate", verbosity=0)
        return time.perf_counter() - t, time.thread_time() - c
    print("\nMIGRATE wall %.2f cpu %.2f" % _in_thread(run))
