"""A database failing in the middle of a request: a French error page, and nothing half-written."""
from unittest import mock

import pytest
from django.db import OperationalError
from django.db.backends.utils import CursorWrapper
from django.urls import reverse

from portail.habilitations.models import Group
from portail.journal.models import JournalEntry

FRENCH_ERROR = "Un incident technique empêche d'afficher cette page"


@pytest.fixture
def failing_client(login_as, admin_user):
    client = login_as(admin_user)
    client.raise_request_exception = False  # behave as the server does: the error handler answers
    return client


def test_a_failure_after_the_first_write_leaves_no_half_created_group(failing_client, convention):
    original_save = Group.save

    def save_then_lose_the_connection(self, *args, **kwargs):
        if kwargs.get("update_fields") == ["path"]:  # the second write of the creation
            raise OperationalError("server closed the connection unexpectedly")
        return original_save(self, *args, **kwargs)

    groups, entries = Group.objects.count(), JournalEntry.objects.count()
    with mock.patch.object(Group, "save", save_then_lose_the_connection):
        response = failing_client.post(reverse("habilitations:group_create", args=[convention.pk]), {
            "code": "NOUVEAU", "label": "Nouveau groupe", "opening_date": "01/01/2024",
        })

    assert response.status_code in (500, 503)
    html = response.content.decode()
    assert FRENCH_ERROR in html
    assert "Portail Partenaires" in html  # the site's layout, not a bare server message
    assert Group.objects.count() == groups
    assert not Group.objects.filter(code="NOUVEAU").exists()
    assert JournalEntry.objects.count() == entries


def test_a_database_down_for_the_whole_request_still_gives_the_french_page(failing_client, convention):
    def database_down(*args, **kwargs):
        raise OperationalError("could not connect to server")

    with mock.patch.object(CursorWrapper, "_execute", database_down):
        response = failing_client.get(reverse("habilitations:groups", args=[convention.pk]))

    assert response.status_code in (500, 503)
    assert FRENCH_ERROR in response.content.decode()
    assert "no-store" in response["Cache-Control"]
