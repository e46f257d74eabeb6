"""A real OpenID Connect provider on a local port (tests/provider.py), and the settings that point to it."""
from urllib.parse import urlsplit

import pytest
import requests

from .provider import CLIENT_ID, CLIENT_SECRET, Provider


@pytest.fixture(scope="module")
def provider():
    server = Provider().start()
    yield server
    server.stop()


@pytest.fixture
def proconnect(provider, settings):
    """ProConnect configured against the test provider (its state reset)."""
    provider.reset()
    settings.PROCONNECT_DISCOVERY_URL = provider.discovery_url
    settings.PROCONNECT_CLIENT_ID = CLIENT_ID
    settings.PROCONNECT_CLIENT_SECRET = CLIENT_SECRET
    settings.PROCONNECT_ACR_VALUES = []
    return provider


def to_provider_and_back(client, path: str, data: dict | None = None) -> str:
    """POST `path` (a ProConnect button), follow the browser's way through the provider's « authorize »;
    return the local path of the callback (query included) the provider sends it back to."""
    response = client.post(path, data or {})
    assert response.status_code == 302, response.status_code
    answer = requests.get(response["Location"], allow_redirects=False, timeout=5)
    assert answer.status_code == 302, answer.text
    back = urlsplit(answer.headers["Location"])
    return f"{back.path}?{back.query}"
