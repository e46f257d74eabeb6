"""« Paramètres de la Caf »: the agent CAFA0001 changes his Caf's signatory and asks the second factor of all;
a wrong postcode is explained first. axe-core on every page reached."""
import pytest

from portail.accounts.models import User

from .helpers import check, expect, field, login, menu, tick

pytestmark = pytest.mark.e2e


def test_caf_agent_changes_his_caf_settings(page, demo):
    login(page, "CAFA0001")
    menu(page, "Paramètres de la Caf")
    expect(page.get_by_role("heading", level=1)).to_have_text("Paramètres de la Caf")
    check(page, "caf-parametres-01-formulaire")
    field(page, "Code postal").fill("7501")
    field(page, "Nom du signataire").fill("Jeanne Duval")
    tick(page, "Exiger la double authentification")
    page.get_by_role("button", name="Enregistrer les paramètres").click()
    expect(page.locator(".fr-error-text").first).to_contain_text("Le code postal compte 5 chiffres.")
    check(page, "caf-parametres-02-erreur")
    field(page, "Code postal").fill("75015")
    if not field(page, "Exiger la double authentification").is_checked():
        tick(page, "Exiger la double authentification")
    page.get_by_role("button", name="Enregistrer les paramètres").click()
    expect(page.locator(".fr-alert--success")).to_contain_text("sont enregistrés")
    check(page, "caf-parametres-03-enregistres")
    caf = User.objects.get(username="CAFA0001").caf
    assert caf.signatory_name == "Jeanne Duval" and caf.requires_second_factor
