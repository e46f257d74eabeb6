"""A T9 role (« validation Caf requise ») proposed by the partner administrator DEMO0001 for the group
« Accueil » is approved by the Caf agent CAFA0001 and becomes effective at once; the Caf's « Mesures » and
« Journal » pages are visited too. axe-core at 1280 and 375 px wide on every page reached."""
import pytest

from portail.access import consultation_rights
from portail.accounts.models import User
from portail.conventions.models import Role, Service
from portail.habilitations import services as habilitations_services
from portail.habilitations.models import Group, GroupRole

from .helpers import check, expect, login, menu

pytestmark = pytest.mark.e2e


def _propose_t9() -> tuple[Group, User]:
    """DEMO0001 proposes T9 for « Accueil » (as « Proposer les modifications » does): it awaits the Caf."""
    admin = User.objects.get(username="DEMO0001")
    group = Group.objects.get(code="ACCUEIL", convention__administrators=admin)
    cdap = Service.objects.get(code="CDAP")
    roles = [*Role.objects.filter(group_roles__group=group, service=cdap), Role.objects.get(code="T9", service=cdap)]
    habilitations_services.group_roles_set(actor=admin, group=group, service=cdap, roles=roles)
    return group, User.objects.get(username="DEMO0005")


def test_caf_agent_approves_a_t9_role_which_becomes_effective(page, demo):
    group, member = _propose_t9()
    caf_id = group.convention.caf_id
    assert "creances" not in consultation_rights(member, caf_id).tabs

    login(page, "CAFA0001")
    menu(page, "Validation des rôles")
    expect(page.get_by_role("heading", level=1)).to_have_text("Validation des rôles")
    expect(page.get_by_role("table").locator("caption")).to_contain_text("en attente de validation Caf")
    check(page, "caf-validation-01-liste")
    page.get_by_role("link", name="Examiner la demande du rôle T9 pour le groupe ACCUEIL").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Demande du rôle T9 pour le groupe ACCUEIL")
    check(page, "caf-validation-02-demande")

    page.get_by_role("button", name="Refuser le rôle").click()  # no reason: refused, nothing changed
    expect(page.locator("#id_reason-desc-error, .fr-error-text").first).to_contain_text("Indiquez le motif du refus")
    check(page, "caf-validation-03-motif-manquant")
    page.get_by_role("button", name="Valider le rôle").click()
    expect(page.locator(".fr-alert--success")).to_contain_text("il est effectif dès maintenant")
    # Back on the queue: ACCUEIL's request is gone (the demo's T9 for « Groupes » still waits).
    expect(page.get_by_role("link", name="Examiner la demande du rôle T9 pour le groupe ACCUEIL")).to_have_count(0)
    check(page, "caf-validation-04-validee")
    assert GroupRole.objects.get(group=group, role__code="T9").state == GroupRole.State.ACTIVE
    assert "creances" in consultation_rights(member, caf_id).tabs

    menu(page, "Journal")
    expect(page.get_by_role("table").locator("caption")).to_contain_text("entrée")
    expect(page.locator("main")).to_contain_text("Rôle validé par la Caf")
    check(page, "caf-journal-01-recherche")
    menu(page, "Mesures")
    page.get_by_label("Texte recherché").fill("DEMO0004")
    page.get_by_role("button", name="Rechercher").click()
    page.get_by_role("link", name="Lucas Petit (DEMO0004)").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mesures sur le compte DEMO0004")
    check(page, "caf-mesures-01-compte")

    page.set_viewport_size({"width": 375, "height": 800})
    for name, target in (("caf-mesures-02-compte-375", None), ("caf-validation-05-liste-375", "mesures:validation"),
                         ("caf-journal-02-recherche-375", "journal_caf:search"),
                         ("caf-journal-03-verification-375", "journal_caf:verification"),
                         ("caf-journal-04-inhabituels-375", "journal_caf:unusual"),
                         ("caf-mesures-03-index-375", "mesures:index")):
        if target:
            from .helpers import url
            page.goto(url(target))
        check(page, name)
