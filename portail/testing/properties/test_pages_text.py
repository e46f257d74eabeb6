"""Arbitrary text posted through the pages: never a 500, and a refused form writes nothing."""
import pytest
from django.test import Client
from django.urls import reverse
from hypothesis import given

from .conftest import TEXT, rolled_back
from .counts import row_counts

pytestmark = pytest.mark.django_db


def _post(client, url, data):
    before = row_counts()
    response = client.post(url, data)
    assert response.status_code < 500, response.status_code
    if response.status_code != 302:  # the form was refused: nothing written but the journal of the refusal
        after = row_counts()
        after.pop("JournalEntry"), before.pop("JournalEntry")
        assert after == before
    return response


@given(code=TEXT, label=TEXT, opening=TEXT)
def test_group_create_page(world, client_of, code, label, opening):
    with rolled_back():
        _post(client_of(world.admin1), reverse("habilitations:group_create", args=[world.conv1.pk]),
              {"code": code, "label": label, "opening_date": opening})


@given(last_name=TEXT, first_name=TEXT, email=TEXT, phone=TEXT)
def test_user_create_page(world, client_of, last_name, first_name, email, phone):
    with rolled_back():
        _post(client_of(world.admin1), reverse("habilitations:user_create", args=[world.conv1.pk]), {
            "last_name": last_name, "first_name": first_name, "email": email, "email_confirm": email,
            "phone": phone, "phone_confirm": phone, "opening_date": "01/01/2024", "work_mode": "sedentaire"})


@given(number=TEXT, caf=TEXT)
def test_search_page(world, client_of, number, caf):
    with rolled_back():
        _post(client_of(world.t1_user), reverse("dossiers:search"), {"caf": caf, "number": number})


@given(body=TEXT)
def test_answer_page(world, client_of, body):
    with rolled_back():
        _post(client_of(world.agent1), reverse("dialogue:answer", args=[world.message1.pk]), {"body": body})


@given(username=TEXT, password=TEXT)
def test_login_page(world, username, password):
    with rolled_back():
        client = Client(raise_request_exception=False)
        response = client.post(reverse("accounts:login"), {"username": username, "password": password})
        assert response.status_code < 500


@given(login=TEXT)
def test_forgotten_password_page(world, login):
    with rolled_back():
        client = Client(raise_request_exception=False)
        response = client.post(reverse("accounts:password_forgotten"), {"login": login})
        assert response.status_code < 500
