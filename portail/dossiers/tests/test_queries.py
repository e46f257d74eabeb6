"""Each tab costs the same number of queries whatever the file's size (no N+1)."""
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from portail.conventions.models import TAB_ORDER

from .conftest import make_dossier


def count_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


# A tab's queries in the test settings (sessions in the database, rights read each time, the test's savepoint):
# the session, the user, the file and its Caf, the rights (2; one statement on PostgreSQL), the menu's « sees a
# convention », the journal entry (savepoint, id, INSERT, release), then the tab's own reads. A new query on this
# path shows here.
RIGHTS = 1 if connection.vendor == "postgresql" else 2
EXPECTED = {tab: n + RIGHTS for tab, n in {
    "synthese": 13, "resume": 12, "paiements": 9, "droits": 9, "famille": 9, "ressources": 9, "rsa": 10,
    "courriers": 9, "logement": 10, "creances": 9}.items()}


@pytest.mark.parametrize("tab", TAB_ORDER)
def test_tab_query_count_does_not_grow_with_the_file(login_as, t1_user, caf, tab_url, tab,
                                                     django_assert_max_num_queries):
    client = login_as(t1_user)
    small = make_dossier(caf, "1000001", size=1)
    large = make_dossier(caf, "1000002", size=30)
    client.get(tab_url(small, tab))  # warm caches (session, content types)
    small_count = count_queries(client, tab_url(small, tab))
    large_count = count_queries(client, tab_url(large, tab))
    assert large_count == small_count == EXPECTED[tab]
    with django_assert_max_num_queries(30):
        client.get(tab_url(large, tab))


def test_large_file_tabs_show_every_row(login_as, t1_user, caf, tab_url):
    client = login_as(t1_user)
    large = make_dossier(caf, "1000003", size=30)
    assert len(re.findall(r"<td>Courrier \d+</td>", client.get(tab_url(large, "courriers")).content.decode())) == 30
    assert len(re.findall(r"<td>Enfant\d+</td>", client.get(tab_url(large, "famille")).content.decode())) == 30


def test_every_tab_link_leads_to_its_tab(login_as, t1_user, caf, tab_url):
    """The tab bar's links are built from the file's URL: each one is the tab's own URL, and opens it."""
    client = login_as(t1_user)
    dossier = make_dossier(caf, "1000004", size=2)
    page = client.get(tab_url(dossier, TAB_ORDER[0])).content.decode()
    links = re.findall(r'<nav class="pp-tabs".*?</nav>', page, re.S)[0]
    shown = re.findall(r'href="([^"#]+)#contenu-onglet"', links)
    assert shown and shown == [tab_url(dossier, t) for t in TAB_ORDER if tab_url(dossier, t) in shown]
    for url in shown:
        assert client.get(url).status_code == 200
