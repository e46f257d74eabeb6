"""Queries of the home page and of a dossier tab, for every demo login, once the shared rights cache is warm.

The menu reuses what the request already knows (the consultation Cafs the page's service computed, « sees a
convention », both kept with the person's rights in the shared cache) instead of asking the database again.
The demo's habilitations are loaded once for the module (its dossiers are left out: one small file stands in).
"""
from io import StringIO
from unittest import mock

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from portail.access import rights_cache
from portail.accounts.models import User
from portail.conventions.models import Caf
from portail.dossiers.tests.conftest import make_dossier
from portail.testing.auth import sign_in

pytestmark = pytest.mark.django_db

LOGINS = ["DEMO0001", "DEMO0002", "DEMO0003", "DEMO0004", "DEMO0005", "DEMO0006", "DEMO0007", "CAFA0001", "CNAF0001"]
HOME_MAX_QUERIES = 8
# Session and user, rights (the cache's stamps), the file with its Caf, journal entry (its id, then the row), the
# tab's own rows (six for the synthèse, one for payments, two for the family). No session write: the activity
# of the request before is less than a minute old. Transaction control (BEGIN, SAVEPOINT…) is not counted.
TAB_MAX_QUERIES = {"synthese": 12, "paiements": 7, "famille": 7}
CONTROL = ("BEGIN", "COMMIT", "SAVEPOINT", "RELEASE", "ROLLBACK")


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            with mock.patch("portail.demo.data.load_demo_dossiers"), mock.patch("portail.demo.data.load_demo_messages"):
                call_command("demo_data", stdout=StringIO())
            caf = Caf.objects.get(name="Caf part 1")
            dossier = make_dossier(caf, "1000001", size=3)
            # The module's data never commits: let the cache take it as committed (its stamps move now).
            rights_cache.settle()
            yield dossier
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)
            rights_cache.forget_local()


def _count(client, url) -> int:
    client.get(url)  # the first request fills the cache
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len([q for q in ctx.captured_queries if not q["sql"].lstrip().upper().startswith(CONTROL)])


@pytest.mark.parametrize("login", LOGINS)
def test_home_page_queries(demo, client, login):
    sign_in(client, User.objects.get(username=login))
    assert _count(client, reverse("home:index")) <= HOME_MAX_QUERIES


@pytest.mark.parametrize("tab", ["synthese", "paiements", "famille"])
def test_dossier_tab_queries(demo, client, tab):
    sign_in(client, User.objects.get(username="DEMO0003"))
    url = reverse("dossiers:tab", args=[demo.caf.code, demo.number, tab])
    assert _count(client, url) <= TAB_MAX_QUERIES[tab]


def test_the_menu_reuses_the_rights_the_page_computed(demo, client):
    """Within one request the rights are read once: the tab's service and the menu share them."""
    sign_in(client, User.objects.get(username="DEMO0003"))
    url = reverse("dossiers:tab", args=[demo.caf.code, demo.number, "synthese"])
    client.get(url)
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    stamps = [q for q in ctx.captured_queries if "rights:" in q["sql"] and ":v:" in q["sql"]]
    assert len(stamps) == 1
    assert not [q for q in ctx.captured_queries if "conventions_convention" in q["sql"]]
