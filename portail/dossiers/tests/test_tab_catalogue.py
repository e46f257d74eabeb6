"""The tab catalogue is data (portail/conventions/data/tabs.toml): its schema, its stable codes, and the R8
check it drives — a field's value shows only in the tabs the catalogue places it in."""
import tomllib
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.template.loader import get_template

from portail.conventions.models import (
    TAB_BY_CODE, TAB_CATALOGUE, TAB_HEADER_FIELDS, TAB_ORDER, TABS_FILE, Tab, parse_tab_catalogue,
)
from portail.dossiers import selectors
from portail.dossiers.models import Debt, Dossier, FamilyMember, Housing, Letter, Resource, Right, RsaInfo

STABLE_CODES = ["synthese", "resume", "paiements", "droits", "famille", "ressources", "rsa", "courriers", "logement",
                "creances"]  # stored in Role.tabs and the journal: never renamed
NOT_SHOWN = {"Dossier.caf", "Dossier.content_hash", "FamilyMember.position"}  # keys and internals


def model_field(name: str):
    model, field = name.split(".")
    return apps.get_model("dossiers", model)._meta.get_field(field)


def raw() -> dict:
    with open(TABS_FILE, "rb") as fh:
        return tomllib.load(fh)


def test_the_catalogue_file_follows_its_schema_and_keeps_its_codes():
    tabs, header = parse_tab_catalogue(raw())
    assert tabs == TAB_CATALOGUE and header == TAB_HEADER_FIELDS
    assert TAB_ORDER == STABLE_CODES == list(Tab.values)
    assert dict(Tab.choices)["creances"] == "Créances" and Tab.RSA == "rsa"
    for tab in TAB_CATALOGUE:
        get_template(tab.template)  # exists
        for name in tab.fields:
            model_field(name)  # a real column of the dossier models
    for name in header:
        model_field(name)


def test_every_column_is_shown_by_some_tab():
    listed = set(TAB_HEADER_FIELDS) | {f for t in TAB_CATALOGUE for f in t.fields}
    for model in (Dossier, FamilyMember, Right, Resource, RsaInfo, Letter, Housing, Debt,
                  apps.get_model("dossiers", "Payment")):
        for column in model._meta.concrete_fields:
            name = f"{model.__name__}.{column.name}"
            if column.name not in ("id", "dossier") and name not in NOT_SHOWN:
                assert name in listed, f"{name}: in no tab of portail/conventions/data/tabs.toml"


def test_the_pages_use_the_catalogue():
    assert selectors.SYNTHESE_SECTIONS == TAB_BY_CODE["synthese"].summary_of
    assert selectors.RESUME_SECTIONS == TAB_BY_CODE["resume"].summary_of
    assert selectors.SUMMARY_READERS == {"synthese", "resume"} and set(selectors.TAB_READERS) == set(TAB_ORDER)


@pytest.mark.parametrize("breakage, message", [
    (lambda d: d.update(format="x"), "format"),
    (lambda d: d["tab"][0].update(code="Synthèse"), "code"),
    (lambda d: d["tab"][1].update(code="synthese"), "each code once"),
    (lambda d: d["tab"][2].update(fields=["paiements"]), "fields"),
    (lambda d: d["tab"][0].update(summary_of=["inconnu"]), "summary_of"),
    (lambda d: d["tab"][3].pop("label"), "tab\\[3\\]"),
])
def test_a_broken_catalogue_is_refused(breakage, message):
    data = raw()
    breakage(data)
    with pytest.raises(ValueError, match=message):
        parse_tab_catalogue(data)


# ---------------------------------------------------------------- R8 from the catalogue

# Free-text columns get a value found nowhere else; every page of every tab is searched for each one.
MARKED = {
    Dossier: ["status_reason", "email", "phone", "missing_documents", "pending_request"],
    FamilyMember: ["last_name", "first_name"],
    Right: ["status_reason"],
    Resource: ["person"],
    RsaInfo: ["referent", "sanction"],
    Letter: ["subject"],
    Housing: ["street", "postcode", "city", "landlord"],
    Debt: ["reason"],
}


@pytest.fixture
def marked(dossier):
    """The conftest file with a unique value (« ZQnnQ ») in each free-text column; one right closed."""
    markers, n = {}, 0
    Right.objects.filter(pk=Right.objects.filter(dossier=dossier).first().pk).update(status=Right.Status.CLOSED)
    for model, names in MARKED.items():
        rows = [dossier] if model is Dossier else list(model.objects.filter(dossier=dossier)[:1])
        for name in names:
            n += 1
            markers[f"{model.__name__}.{name}"] = value = f"ZQ{n:02d}Q"
            for row in rows:
                setattr(row, name, value)
                row.save(update_fields=[name])
    return dossier, markers


def allowed_tabs(field: str, open_tabs: list[str]) -> set[str]:
    """Where the catalogue lets a field show for a user whose roles open `open_tabs`."""
    out = {t for t in open_tabs if field in TAB_BY_CODE[t].fields}
    for t in open_tabs:
        if any(s in open_tabs and field in TAB_BY_CODE[s].fields for s in TAB_BY_CODE[t].summary_of):
            out.add(t)
    return out


@pytest.mark.parametrize("who", ["t1_user", "t18_user"])
def test_a_field_shows_only_in_the_tabs_the_catalogue_places_it_in(who, request, login_as, marked, tab_url):
    dossier, markers = marked
    user = request.getfixturevalue(who)
    client = login_as(user)
    pages = {}
    for tab in TAB_ORDER:
        response = client.get(tab_url(dossier, tab))
        if response.status_code == 200:
            pages[tab] = response.content.decode()
    open_tabs = list(pages)
    assert open_tabs == (TAB_ORDER if who == "t1_user" else ["synthese", "resume", "famille", "logement"])
    for field, value in markers.items():
        shown = {t for t, html in pages.items() if value in html}
        allowed = allowed_tabs(field, open_tabs)
        assert shown <= allowed, (field, shown - allowed)
        if who == "t1_user":
            assert shown, f"{field} shows in none of its tabs {allowed}"
