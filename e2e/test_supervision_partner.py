"""The administrator DEMO0001 opens « Supervision habilitations » and « Supervision modifier » (issue 7),
checked by axe-core at 1280 and 375 px wide."""
import pytest

from .helpers import check, expect, login, menu

pytestmark = pytest.mark.e2e


def both_widths(page, name):
    check(page, f"{name}-1280")
    page.set_viewport_size({"width": 375, "height": 800})
    check(page, f"{name}-375")
    page.set_viewport_size({"width": 1280, "height": 900})


def test_the_administrator_supervises_his_convention(page, demo):
    login(page, "DEMO0001")
    menu(page, "Supervision habilitations")
    expect(page.get_by_role("heading", level=1)).to_have_text("Supervision habilitations")
    rights = page.locator("#table-droits")
    expect(rights).to_contain_text("DEMO0003")
    expect(rights).to_contain_text("→ rôle T1")
    both_widths(page, "supervision-habilitations-droits")

    page.get_by_role("navigation", name="Vues de la page").get_by_role("link", name="Arborescence des groupes").click()
    expect(page.locator("#table-groupes")).to_contain_text("Sous groupe 1")
    both_widths(page, "supervision-habilitations-groupes")

    page.get_by_role("link", name="Utilisateurs dans aucun groupe").click()
    expect(page.locator("#table-controle")).to_be_visible()
    check(page, "supervision-habilitations-sans-groupe")

    menu(page, "Supervision modifier")
    expect(page.get_by_role("heading", level=1)).to_have_text("Supervision modifier")
    expect(page.locator("#table-historique")).to_be_visible()
    both_widths(page, "supervision-modifier-historique")
    page.get_by_role("link", name="Demandes en attente de validation Caf").click()
    expect(page.locator("#table-demandes")).to_be_visible()
    check(page, "supervision-modifier-attente")
