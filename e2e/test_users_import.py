"""« Importer des utilisateurs »: an administrator uploads a staff file, reads the preview line by line, then confirms."""
import pytest

from portail.accounts.models import User
from portail.conventions.models import Convention
from portail.journal.models import Action, JournalEntry

from .helpers import check, expect, login, url

pytestmark = pytest.mark.e2e

STAFF = ("identifiant;nom;prénom;email;groupes;date de fin\n"
         ";Lefèvre;Inès;ines.lefevre@cd1.example.fr;ACCUEIL;\n"
         ";Garnier;Hugo;hugo.garnier@cd1.example.fr;GROUPES|ACCUEIL;\n")


def test_administrator_imports_staff_with_a_preview(page, demo, tmp_path):
    convention = Convention.objects.get(label="Convention 1")
    login(page, "DEMO0001")
    page.goto(url("habilitations:users", convention.pk))
    page.get_by_role("link", name="Importer des utilisateurs").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Importer")
    check(page, "import-01-formulaire")

    # Nothing chosen: the message stands next to the field.
    page.get_by_role("button", name="Voir l'aperçu").click()
    expect(page.get_by_role("link", name="Fichier des utilisateurs : Ce champ est obligatoire.")).to_be_visible()

    staff = tmp_path / "personnel.csv"
    staff.write_text(STAFF, encoding="utf-8")
    page.get_by_label("Fichier des utilisateurs").set_input_files(str(staff))
    page.get_by_role("button", name="Voir l'aperçu").click()
    expect(page.get_by_text("Création : 2 lignes").first).to_be_visible()
    check(page, "import-02-apercu")
    assert not User.objects.filter(email="ines.lefevre@cd1.example.fr").exists()  # nothing written yet

    page.get_by_role("button", name="Confirmer l'import").click()
    expect(page.locator(".fr-alert--success, .fr-alert--info").first).to_be_visible()
    check(page, "import-03-confirme")
    hugo = User.objects.get(email="hugo.garnier@cd1.example.fr")
    assert set(hugo.memberships.values_list("group__code", flat=True)) == {"GROUPES", "ACCUEIL"}
    assert JournalEntry.objects.filter(action=Action.IMPORT_APPLIED, details__file="personnel.csv").exists()
