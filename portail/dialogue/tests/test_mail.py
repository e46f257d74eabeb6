"""The answer notice is plain text: a name goes out as typed, never HTML-escaped."""
import pytest

from portail.dialogue import services
from portail.dialogue.models import Message

pytestmark = pytest.mark.django_db


def test_the_answer_notice_keeps_names_as_typed(world, send, mailoutbox, django_capture_on_commit_callbacks):
    world.partner.first_name, world.partner.last_name = "Seán", "O'Brien <&>"
    world.partner.save()
    assert send(world, world.partner).status_code == 302
    with django_capture_on_commit_callbacks(execute=True):  # mails leave once their transaction commits
        services.send_answer_notice(world.partner, Message.objects.get())
    [mail] = mailoutbox
    assert "Bonjour Seán O'Brien <&>," in mail.body
    assert "&#x27;" not in mail.body and "&lt;" not in mail.body and "&amp;" not in mail.body
