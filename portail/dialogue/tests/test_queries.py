"""The inbox and the partner list cost the same number of queries for 2 rows or 20."""
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from portail.core.clock import now
from portail.dialogue.models import Answer, Message
from portail.testing.auth import sign_in

pytestmark = pytest.mark.django_db


def _add_messages(world, start, stop):
    for i in range(start, stop):
        message = Message.objects.create(
            caf=world.caf_a, dossier=world.dossier_a, author=world.partner, organisation=world.partner.organisation,
            subject=f"Sujet {i}", body="Texte", created_at=now(), attachment_name="a.pdf" if i % 2 else "",
        )
        Answer.objects.create(message=message, author=world.agent_a, body="Réponse", created_at=now())


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx)


@pytest.mark.parametrize("who, url_name", [("agent_a", "dialogue:inbox"), ("partner", "dialogue:mine")])
def test_list_query_count_does_not_grow_with_rows(client, world, who, url_name, django_assert_max_num_queries):
    sign_in(client, getattr(world, who))
    url = reverse(url_name)
    _add_messages(world, 0, 2)
    few = _queries(client, url)
    _add_messages(world, 2, 20)
    with django_assert_max_num_queries(few):
        html = client.get(url).content.decode()
    assert "Sujet 19" in html and "Sujet 0" in html
