"""Every page's header and footer: links and DSFR assets computed once per process, the same as the tags
they replace, on ordinary pages and on the pages rendered without a request (500, 413)."""
import random
from decimal import Decimal

import pytest
from django.template import Context, Template
from django.template.defaultfilters import floatformat
from django.test import RequestFactory
from django.urls import reverse
from django.utils import translation

from portail.core.templatetags.montants import montant
from portail.core.views import server_error

LINKS = ["home:index", "accounts:login", "pages:site_map", "pages:accessibility", "pages:legal",
         "pages:personal_data"]


def dsfr_tags_output() -> str:
    return Template("{% load dsfr_tags %}{% dsfr_css %}{% dsfr_favicon %}{% dsfr_js %}").render(Context())


def test_a_page_carries_its_links_and_the_dsfr_assets(client, db):
    page = client.get(reverse("accounts:login")).content.decode()
    for name in LINKS:
        assert f'href="{reverse(name)}"' in page, name
    for line in dsfr_tags_output().splitlines():
        if "href=" in line or "src=" in line:
            assert line.strip() in page  # same stylesheet, icons and scripts as the DSFR's own tags
    assert "core/portail" in page and ".css" in page


def test_asset_gives_the_url_static_gives_escaped_alike(settings):
    paths = ["core/js/portail.js", "dossiers/dossier.css", "dossier & co/a b.css"]
    for path in paths:
        ours = Template("{% load portal_assets %}{% asset path %}").render(Context({"path": path}))
        theirs = Template("{% load static %}{% static path %}").render(Context({"path": path}))
        assert ours == theirs, path
    settings.STATIC_URL = "/autre/"  # a storage change is seen, not served from the cache
    assert Template("{% load portal_assets %}{% asset 'core/js/portail.js' %}").render(Context()).startswith("/autre/")


def test_the_error_page_rendered_without_a_request_still_links_home():
    page = server_error(RequestFactory().get("/")).content.decode()
    for name in LINKS:
        assert f'href="{reverse(name)}"' in page, name


@pytest.mark.parametrize("seed", range(3))
def test_montant_writes_what_floatformat_2g_writes_in_french(seed):
    rng = random.Random(seed)
    values = [None, "", 0, 0.0, Decimal("-0.004"), Decimal("0.005"), Decimal("-12.345"), Decimal("999.995"),
              1234567.891, -1500, "12.5"]
    values += [Decimal(rng.randint(-10**9, 10**9)) / Decimal(10 ** rng.randint(0, 4)) for _ in range(300)]
    values += [rng.uniform(-1e6, 1e6) for _ in range(100)]
    with translation.override("fr"):
        for value in values:
            assert montant(value) == floatformat(value, "2g"), value
