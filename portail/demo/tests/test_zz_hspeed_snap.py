import time
import pytest
from django.core.management import call_command


def _clock():
    return time.perf_counter(), time.process_time()


def _since(t):
    w, c = _clock()
    return f"wall {w - t[0]:.2f}s cpu {c - t[1]:.2f}s"


@pytest.mark.django_db(transaction=True)
def test_a_flush_first():
    pass  # empties the migration rows (teardown flush)


@pytest.mark.django_db(transaction=True)
def test_snapshot_roundtrip():
    from django.db import connection
    from portail.demo.data import load_demo
    from portail.testing import snapshot
    from portail.accounts.models import User
    print("\nempty before load:", snapshot.is_empty())
    t = _clock(); load_demo(); print("LOAD", _since(t))
    t = _clock(); s = snapshot.take(); print("TAKE", _since(t), s.row_count, "rows", len(s.tables), "tables")
    counts = {k: len(v[1]) for k, v in s.tables.items()}
    print(sorted(counts.items(), key=lambda kv: -kv[1])[:12])
    assert not snapshot.is_empty()
    for i in range(2):
        t = _clock(); call_command("flush", verbosity=0, interactive=False); print("FLUSH", _since(t))
        assert snapshot.is_empty()
        t = _clock(); snapshot.restore(s); print("RESTORE", _since(t))
    s2 = snapshot.take()
    assert {k: sorted(map(repr, v[1])) for k, v in s2.tables.items()} == {k: sorted(map(repr, v[1])) for k, v in s.tables.items()}
    call_command("journal_verify")
    u = User.objects.create(username="ZZZZ9999")  # sequences go on
    assert u.pk > max(User.objects.exclude(pk=u.pk).values_list("pk", flat=True))
