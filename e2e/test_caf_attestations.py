"""« Envoyer par courrier », Caf side: the agent CAFA0001 lists the postal requests of the Caf part 1,
marks one sent, filters the list; the partner DEMO0003 then reads « Envoyée » in his own list.

Every page reached is audited by axe-core (see helpers.check).
"""
import pytest

from portail.accounts.models import User
from portail.core.clock import today
from portail.dossiers import services as dossier_services
from portail.dossiers.demo import demo_dossier_numbers
from portail.dossiers.models import AttestationRequest, Dossier

from .helpers import check, expect, field, login, logout, menu, row

pytestmark = pytest.mark.e2e


def _requests() -> tuple[Dossier, Dossier, Dossier]:
    """DEMO0003 asked for two letters at the Caf part 1 and one at the Caf de la Gironde."""
    picks = demo_dossier_numbers(caf_codes=("751", "330"))
    ours = [p for p in picks if p[0] == "751"][:2]
    gironde = [p for p in picks if p[0] == "330"][:1]
    author = User.objects.get(username="DEMO0003")
    dossiers = []
    for caf_code, _name, number, _what in ours + gironde:
        dossier_services.attestation_post(actor=author, ip="127.0.0.1", caf_code=caf_code, number=number)
        dossiers.append(Dossier.objects.select_related("caf").get(caf__code=caf_code, number=number))
    return tuple(dossiers)


def test_caf_agent_marks_a_postal_attestation_sent(page, demo):
    first, second, elsewhere = _requests()
    sent_on = f"Envoyée le {today():%d/%m/%Y}"

    login(page, "CAFA0001")
    menu(page, "Attestations à envoyer")
    expect(page.get_by_role("heading", level=1)).to_have_text("Attestations à envoyer")
    table = page.get_by_role("table")
    expect(table.locator("caption")).to_contain_text("2 demandes d'envoi")
    for dossier in (first, second):
        expect(row(page, dossier.number)).to_contain_text("Demandée")
        expect(row(page, dossier.number)).to_contain_text(dossier.last_name)
    expect(page.locator("main")).not_to_contain_text(elsewhere.number)
    check(page, "caf-attestations-01-liste")

    row(page, first.number).get_by_role("button", name="Marquer comme envoyée").click()
    expect(page.locator(".fr-alert--success")).to_contain_text("est marquée comme envoyée")
    expect(row(page, first.number)).to_contain_text(sent_on)
    expect(row(page, first.number).get_by_role("button")).to_have_count(0)
    expect(row(page, second.number)).to_contain_text("Demandée")
    check(page, "caf-attestations-02-envoyee")
    assert AttestationRequest.objects.get(dossier=first).status == AttestationRequest.Status.SENT

    field(page, "Statut").select_option(label="Demandée")
    page.get_by_role("button", name="Filtrer").click()
    expect(page.get_by_role("table").locator("caption")).to_contain_text("au statut « Demandée »")
    expect(row(page, second.number)).to_have_count(1)
    expect(row(page, first.number)).to_have_count(0)
    check(page, "caf-attestations-03-filtre-demandees")
    logout(page)

    # The partner follows his request in « Attestations envoyées par courrier ».
    login(page, "DEMO0003")
    menu(page, "Consulter Dossiers")
    page.get_by_role("link", name="Attestations envoyées par courrier").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Attestations envoyées par courrier")
    expect(row(page, first.number)).to_contain_text(sent_on)
    expect(row(page, second.number)).to_contain_text("Demandée")
    expect(row(page, second.number)).not_to_contain_text("Envoyée")
    check(page, "caf-attestations-04-partenaire")
