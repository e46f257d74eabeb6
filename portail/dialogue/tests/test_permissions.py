"""Who may write, read, answer and download: each kind of actor, inside and outside scope."""
import pytest
from django.urls import reverse

from portail.dialogue.models import Message
from portail.habilitations.models import Membership

from .conftest import pdf_upload
from portail.testing.auth import sign_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def message(world, send):
    response = send(world, world.partner, attachment=pdf_upload())
    assert response.status_code == 302
    return Message.objects.get()


def _get(client, user, url):
    client.logout()
    if user is not None:
        sign_in(client, user)
    return client.get(url)


@pytest.mark.parametrize(
    "who, expected",
    [
        ("partner", 200),  # T1 at that Caf
        ("other_partner", 200),  # another organisation, also T1 at that Caf
        ("reader", 403),  # consults at that Caf, but T18 may not write
        ("stranger", 404),  # no right at that Caf: its dossiers are out of scope
        ("agent_a", 404),
        ("agent_b", 404),
    ],
)
def test_who_may_open_the_form(client, world, who, expected):
    assert _get(client, getattr(world, who), world.new_url()).status_code == expected


def test_anonymous_is_sent_to_login(client, world, message):
    client.logout()
    urls = [
        world.new_url(), reverse("dialogue:mine"), reverse("dialogue:detail", args=[message.pk]),
        reverse("dialogue:attachment", args=[message.pk]), reverse("dialogue:inbox"),
        reverse("dialogue:inbox_detail", args=[message.pk]),
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:login")), url
    client.post(reverse("dialogue:answer", args=[message.pk]), {"body": "x"})
    assert not message.answers.exists()


def test_form_refuses_a_dossier_of_a_caf_without_rights_an_unknown_or_malformed_number(client, world):
    sign_in(client, world.partner)
    assert client.get(world.new_url(world.dossier_b)).status_code == 404
    assert client.get(reverse("dialogue:new", args=[world.caf_a.code, "7777777"])).status_code == 404
    assert client.get(reverse("dialogue:new", args=[world.caf_a.code, "12AB567"])).status_code == 404
    assert client.get(reverse("dialogue:new", args=["999", "1234567"])).status_code == 404


def test_writer_without_the_dialogue_right_cannot_post(world, send):
    assert send(world, world.reader).status_code == 403
    assert send(world, world.stranger).status_code == 404
    assert not Message.objects.exists()


@pytest.mark.parametrize(
    "who, partner_side, caf_side",
    [
        ("partner", 200, 404),  # the author
        ("other_partner", 404, 404),
        ("reader", 404, 404),  # same organisation, not the author
        ("agent_a", 404, 200),  # agent of the message's Caf
        ("agent_b", 404, 404),  # agent of another Caf
    ],
)
def test_who_may_read_a_message_and_its_attachment(client, world, message, who, partner_side, caf_side):
    user = getattr(world, who)
    assert _get(client, user, reverse("dialogue:detail", args=[message.pk])).status_code == partner_side
    assert _get(client, user, reverse("dialogue:attachment", args=[message.pk])).status_code == partner_side
    assert _get(client, user, reverse("dialogue:inbox_detail", args=[message.pk])).status_code == caf_side
    assert _get(client, user, reverse("dialogue:inbox_attachment", args=[message.pk])).status_code == caf_side


def test_attachment_is_the_stored_pdf(client, world, message):
    sign_in(client, world.agent_a)
    response = client.get(reverse("dialogue:inbox_attachment", args=[message.pk]))
    assert response["Content-Type"] == "application/pdf"
    assert 'attachment; filename="justificatif.pdf"' in response["Content-Disposition"]
    assert b"".join(response.streaming_content).startswith(b"%PDF-")


@pytest.mark.parametrize("who", ["agent_b", "partner", "other_partner"])
def test_only_agents_of_that_caf_answer_or_close(client, world, message, who):
    sign_in(client, getattr(world, who))
    assert client.post(reverse("dialogue:answer", args=[message.pk]), {"body": "Réponse"}).status_code == 404
    assert client.post(reverse("dialogue:mark_done", args=[message.pk])).status_code == 404
    message.refresh_from_db()
    assert message.status == Message.Status.NEW and not message.answers.exists()


def test_inbox_is_for_caf_agents_and_shows_their_caf_only(client, world, message):
    for who in ("partner", "other_partner", "stranger"):
        assert _get(client, getattr(world, who), reverse("dialogue:inbox")).status_code == 404
    assert message.subject in _get(client, world.agent_a, reverse("dialogue:inbox")).content.decode()
    assert message.subject not in _get(client, world.agent_b, reverse("dialogue:inbox")).content.decode()


def test_partner_list_shows_only_ones_own_messages(client, world, message, send):
    send(world, world.other_partner, subject="Message d'un autre organisme")
    mine = _get(client, world.partner, reverse("dialogue:mine")).content.decode()
    assert message.subject in mine and "Message d'un autre organisme" not in mine
    assert message.subject not in _get(client, world.reader, reverse("dialogue:mine")).content.decode()


def test_a_caf_agent_on_the_partner_list_goes_to_the_inbox(client, world):
    response = _get(client, world.agent_a, reverse("dialogue:mine"))
    assert response.status_code == 302 and response["Location"] == reverse("dialogue:inbox")


def test_losing_the_right_hides_ones_messages(client, world, message):
    Membership.objects.filter(user=world.partner).delete()
    assert _get(client, world.partner, reverse("dialogue:detail", args=[message.pk])).status_code == 404
    assert message.subject not in _get(client, world.partner, reverse("dialogue:mine")).content.decode()


def test_a_closed_caf_agent_loses_the_inbox(client, world, message):
    world.agent_a.status = world.agent_a.Status.SUSPENDED
    world.agent_a.save()
    assert _get(client, world.agent_a, reverse("dialogue:inbox_detail", args=[message.pk])).status_code in (302, 404)


def test_menu_entries_follow_rights(client, world):
    def menu(user):
        return _get(client, user, reverse("aide:index")).content.decode()

    partner_menu = menu(world.partner)
    assert f'href="{reverse("dialogue:mine")}"' in partner_menu and "Messages des partenaires" not in partner_menu
    agent_menu = menu(world.agent_a)
    assert "Messages des partenaires" in agent_menu and f'href="{reverse("dialogue:mine")}"' not in agent_menu
    stranger_menu = menu(world.stranger)
    assert f'href="{reverse("dialogue:mine")}"' not in stranger_menu and "Messages des partenaires" not in stranger_menu


def test_the_form_keeps_the_conventions_finalites_in_view(client, world):
    world.convention.purposes = "Accompagnement social des familles suivies par le service."
    world.convention.save()
    sign_in(client, world.partner)
    html = client.get(world.new_url()).content.decode()
    assert "Finalités de la convention" in html
    assert "Accompagnement social des familles suivies par le service." in html
