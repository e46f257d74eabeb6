"""The read replica's router: supervision, statistics and journal-search reads go to `replica`, writes and
everything else to `default`. In the tests `replica` is a test mirror of `default` (config/settings/test.py)."""
import pytest
from django.contrib.sessions.models import Session
from django.db import connections, transaction
from django.http import HttpResponse
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from portail.core.db_router import ReplicaReadsMiddleware, ReplicaRouter, replica_reads
from portail.testing.auth import sign_in

BOTH = ["default", "replica"]


def test_the_test_settings_mirror_the_replica_on_default(settings):
    assert settings.DATABASES["replica"]["TEST"]["MIRROR"] == "default"
    assert "portail.core.db_router.ReplicaRouter" in settings.DATABASE_ROUTERS


@pytest.mark.django_db(transaction=True, databases=BOTH)
def test_router_reads_from_replica_only_when_asked_and_outside_transactions():
    router = ReplicaRouter()
    assert router.db_for_read(Session) is None  # anywhere else: default
    assert router.db_for_write(Session) == "default"
    with replica_reads():
        assert router.db_for_read(Session) == "replica"
        assert router.db_for_write(Session) == "default"
        with transaction.atomic():
            assert router.db_for_read(Session) == "default"  # reads its own writes
    assert router.allow_migrate("replica", "journal") is False
    assert router.allow_migrate("default", "journal") is None


@pytest.mark.django_db
def test_a_test_that_did_not_ask_for_the_replica_reads_from_default():
    with replica_reads():
        assert ReplicaRouter().db_for_read(Session) == "default"


def _through_middleware(method: str, path: str) -> tuple[int, int]:
    """(queries on default, queries on replica) of one query made by a view behind the middleware."""
    def view(request):
        Session.objects.filter(session_key="x").exists()
        return HttpResponse("ok")

    request = getattr(RequestFactory(), method)(path)
    with CaptureQueriesContext(connections["default"]) as on_default, \
            CaptureQueriesContext(connections["replica"]) as on_replica:
        ReplicaReadsMiddleware(view)(request)
    return len(on_default), len(on_replica)


@pytest.mark.django_db(transaction=True, databases=BOTH)
def test_middleware_sends_the_reads_of_supervision_statistics_and_journal_pages_to_replica():
    for name in ("journal_caf:search", "statistiques:index", "supervision:habilitations_caf"):
        assert _through_middleware("get", reverse(name)) == (0, 1), name
        assert _through_middleware("post", reverse(name)) == (1, 0), name
    assert _through_middleware("get", reverse("home:index")) == (1, 0)
    assert _through_middleware("get", reverse("conventions:list")) == (1, 0)


@pytest.mark.django_db(transaction=True, databases=BOTH)
def test_journal_search_page_reads_from_replica_and_writes_to_default(caf_agent, client):
    sign_in(client, caf_agent)
    with CaptureQueriesContext(connections["default"]) as on_default, \
            CaptureQueriesContext(connections["replica"]) as on_replica:
        response = client.get(reverse("journal_caf:search"))
    assert response.status_code == 200
    reads = [q["sql"] for q in on_replica.captured_queries]
    assert any("journal_journalentry" in sql for sql in reads)
    assert all(sql.lstrip().upper().startswith(("SELECT", "SAVEPOINT", "RELEASE")) for sql in reads)
    # the session (read before, saved after) stays on the primary
    assert any("django_session" in q["sql"] for q in on_default.captured_queries)


@pytest.mark.django_db(transaction=True, databases=BOTH)
def test_analysis_pages_prepare_nothing_on_the_primary_and_other_pages_prepare_what_they_repeat():
    """PostgreSQL prepares a statement on its fifth run on a connection (server-side binding), except while a
    supervision, statistics or journal-search page is served: their filters want a plan made for their values."""
    from uuid import uuid4

    from portail.core.db_router import unprepared

    connection = connections["default"]
    if connection.vendor != "postgresql":
        pytest.skip("prepared statements: PostgreSQL only")
    probe = f"probe_{uuid4().hex}"

    def view(request):
        with connection.cursor() as cursor:
            for _ in range(8):
                cursor.execute(f"SELECT %s::int AS {probe}", [1])
        return HttpResponse("ok")

    def prepared() -> int:
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s", [f"%{probe}%"])
            return cursor.fetchone()[0]

    assert prepared() == 0
    for name in ("supervision:habilitations_caf", "statistiques:index", "journal_caf:search"):
        assert ReplicaReadsMiddleware(view)(RequestFactory().get(reverse(name))).status_code == 200
        assert prepared() == 0, name
    threshold = connection.connection.prepare_threshold
    with unprepared():
        assert connection.connection.prepare_threshold is None
    assert connection.connection.prepare_threshold == threshold == 5  # given back as it was
    ReplicaReadsMiddleware(view)(RequestFactory().get(reverse("home:index")))
    assert prepared() == 1
