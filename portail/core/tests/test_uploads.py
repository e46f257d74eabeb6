"""A request body over its limit is refused (413, in French) from its Content-Length, before it is read."""
import pytest
from django.urls import reverse

MO = 1024 * 1024


class UnreadableBody:
    """A request body that fails the test if anything reads it."""

    def read(self, *args, **kwargs):
        raise AssertionError("the body was read")

    readline = read


def post_declaring(client, url, length):
    return client.generic("POST", url, b"", content_type="multipart/form-data; boundary=x",
                          CONTENT_LENGTH=str(length), **{"wsgi.input": UnreadableBody()})


@pytest.mark.django_db
@pytest.mark.parametrize("url, length", [
    ("/dialogue/nouveau/101/1234567/", 60 * MO),  # the Dialogue form: 6 Mo
    ("/dialogue/nouveau/101/1234567/", 6 * MO + 1),
    ("/dossiers/", 2 * MO),  # any other form: 1 Mo
    ("/compte/connexion/", MO + 1),
    ("/nulle-part/", 2 * MO),
])
def test_an_oversized_body_is_refused_unread(client, url, length):
    response = post_declaring(client, url, length)
    assert response.status_code == 413
    html = response.content.decode()
    assert "Envoi trop volumineux" in html and "Mo au maximum" in html


@pytest.mark.django_db
def test_a_body_within_the_dialogue_limit_reaches_the_view(client, partner_user):
    """Over 1 Mo but within 6 Mo goes through to the view (here: the login redirect of an anonymous visitor)."""
    client.raise_request_exception = False
    response = client.generic("POST", "/dialogue/nouveau/101/1234567/", b"x" * (MO + 10),
                              content_type="application/octet-stream")
    assert response.status_code != 413


def test_the_limits_are_set():
    from django.conf import settings

    assert settings.REQUEST_BODY_MAX_BYTES == MO and settings.REQUEST_BODY_LIMITS["dialogue:new"] == 6 * MO
    assert settings.DATA_UPLOAD_MAX_MEMORY_SIZE <= MO and settings.FILE_UPLOAD_MAX_MEMORY_SIZE <= MO
    assert reverse("dialogue:new", args=["101", "1234567"]) == "/dialogue/nouveau/101/1234567/"


@pytest.mark.django_db
@pytest.mark.parametrize("content_type, media_type, keys", [
    ("application/scim+json", "application/scim+json", {"schemas", "status", "detail"}),
    ("application/json; charset=utf-8", "application/problem+json", {"type", "title", "status", "detail"}),
])
def test_an_oversized_json_body_is_refused_in_its_client_s_format(client, content_type, media_type, keys):
    """A SCIM client gets a SCIM error, an API client a problem: each reads the refusal, unread body too."""
    response = client.generic("POST", "/scim/v2/1/Users", b"", CONTENT_TYPE=content_type,
                              CONTENT_LENGTH=str(2 * MO), **{"wsgi.input": UnreadableBody()})
    assert response.status_code == 413 and response["Content-Type"] == media_type
    body = response.json()
    assert set(body) == keys and str(body["status"]) == "413" and "Envoi trop volumineux" in body["detail"]
    if media_type == "application/scim+json":
        assert body["schemas"] == ["urn:ietf:params:scim:api:messages:2.0:Error"]
