import pytest

from portail.demo.data import load_demo
from portail.dialogue.models import Message

pytestmark = pytest.mark.django_db


def test_demo_gives_the_caf_agent_a_waiting_and_an_answered_message():
    load_demo()
    load_demo()  # idempotent
    messages = Message.objects.filter(author__username="DEMO0003", caf__agents__username="CAFA0001")
    assert sorted(m.status for m in messages) == ["lu", "nouveau"]
    assert sum(m.answers.count() for m in messages) == 1
