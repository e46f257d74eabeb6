"""« Consulter documents » and « Statistiques d'usage » in the browser: the Caf agent CAFA0001 puts a PDF on
Convention 1, its administrator DEMO0001 downloads it and reads his statistics; the agent reads his Caf's.

Every page reached is audited by axe-core and kept as a screenshot (see helpers.check).
"""
import io

import pytest
from pypdf import PdfWriter

from portail.accounts.models import User
from portail.dossiers import services as dossier_services
from portail.dossiers.demo import demo_dossier_numbers

from .helpers import check, expect, login, logout, menu

pytestmark = pytest.mark.e2e


def _pdf() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _consultations():
    """DEMO0003 consults a few dossiers of the Caf part 1 and opens some tabs."""
    user = User.objects.get(username="DEMO0003")
    for caf_code, _name, number, _what in [p for p in demo_dossier_numbers(caf_codes=("751",)) if p[0] == "751"][:3]:
        dossier_services.dossier_consult(actor=user, ip="127.0.0.1", caf_code=caf_code, number=number)
        for tab in ("synthese", "famille"):
            try:
                dossier_services.dossier_tab_open(actor=user, ip="127.0.0.1", caf_code=caf_code, number=number, tab=tab)
            except dossier_services.Refused:
                pass


def test_documents_and_statistics(page, demo, tmp_path):
    _consultations()
    pdf = tmp_path / "convention-signee.pdf"
    pdf.write_bytes(_pdf())

    login(page, "CAFA0001")
    menu(page, "Consulter documents")
    check(page, "documents-caf-liste")
    page.get_by_role("link", name="Convention 1", exact=True).click()
    page.get_by_label("Type de document").select_option("convention")
    page.get_by_label("Titre").fill("Convention signée 2026")
    page.get_by_label("Fichier").set_input_files(str(pdf))
    page.get_by_role("button", name="Déposer le document").click()
    expect(page.get_by_text("est déposé")).to_be_visible()
    check(page, "documents-caf-convention")
    menu(page, "Statistiques d'usage")
    expect(page.get_by_role("heading", level=1)).to_have_text("Statistiques d'usage")
    check(page, "statistiques-caf")
    logout(page)

    login(page, "DEMO0001")
    menu(page, "Consulter documents")
    expect(page.get_by_role("cell", name="Convention signée 2026", exact=True)).to_be_visible()
    check(page, "documents-partenaire")
    with page.expect_download() as download:
        page.get_by_role("link", name="Télécharger « Convention signée 2026 »").click()
    assert download.value.suggested_filename.endswith(".pdf")
    menu(page, "Statistiques d'usage")
    expect(page.get_by_role("heading", name="Par utilisateur")).to_be_visible()
    check(page, "statistiques-partenaire")
