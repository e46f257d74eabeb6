"""Fiche pratique « Créer un sous-groupe », followed literally as the convention administrator (DEMO0001).

« Un sous-groupe ne peut pas avoir d'autres rôles que ceux possédés par son parent direct. »: the sub-group of
« GROUPES » (T1, T18, T2) is not offered T5, and the page says why; it then gets T18.
"""
import re

import pytest

from portail.habilitations.models import Group, GroupRole

from .helpers import check, expect, field, login, menu, row, tick

pytestmark = pytest.mark.e2e


def test_fiche_creer_un_sous_groupe(page, demo):
    login(page, "DEMO0001")

    # « Dans le menu de gauche, cliquez sur « consulter les conventions ». Repérez la convention active dans la
    # liste. Dans la colonne « autres actions », sélectionnez « groupes ». »
    menu(page, "Consulter les conventions")
    row(page, "Convention 1").get_by_role("link", name=re.compile(r"^groupes")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Groupes d'utilisateur")
    check(page, "fiche2-01-groupes")

    # « Cliquez sur « créer un groupe ». Renseignez les champs demandés. Cochez la case « sous-groupe de... ».
    # Sélectionnez le groupe parent et l'administrateur puis validez. »
    page.get_by_role("link", name="Créer un groupe", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Créer un groupe d'utilisateurs")
    field(page, "Code").fill("SG02")
    field(page, "Libellé").fill("Sous groupe 2")
    tick(page, "Sous-groupe de")
    field(page, "Groupe parent").select_option(label="GROUPES — Groupes (niveau 1)")
    field(page, "Responsable des habilitations").select_option(label="Bernard Paul (DEMO0002)")
    check(page, "fiche2-02-creer-sous-groupe")
    page.get_by_role("button", name="Valider").click()
    expect(page.locator(".fr-alert--success")).to_contain_text("Le groupe SG02 « Sous groupe 2 » est créé.")
    check(page, "fiche2-03-sous-groupe-cree")

    subgroup_row = row(page, "SG02", table=page.locator("#table-groupes"))
    expect(subgroup_row).to_contain_text("Sous groupe 2")
    subgroup = Group.objects.get(convention__label="Convention 1", code="SG02")
    assert subgroup.parent.code == "GROUPES" and subgroup.level == 2

    # « habilitations du groupe » of the new sub-group, service Cdap.
    subgroup_row.get_by_role("link", name=re.compile(r"^habilitations du groupe")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Habilitations d'un groupe utilisateurs")
    expect(page.locator("main")).to_contain_text(
        "Un sous-groupe ne peut pas avoir d'autres rôles que ceux possédés par son parent direct (GROUPES)."
    )
    field(page, "Service").select_option(label="Cdap")
    page.get_by_role("button", name="Afficher les rôles du service").click()
    check(page, "fiche2-04-habilitations-sous-groupe")

    # A role its parent lacks (T5) is not offered, and the page says why.
    options = field(page, "Profil à assigner").locator("option").all_inner_texts()
    assert "T5 Gestionnaire logement (bailleur)" not in options
    expect(page.locator("#roles-non-proposes")).to_contain_text(
        "Non proposés, car le groupe parent ne les détient pas : T5 Gestionnaire logement (bailleur)"
    )
    check(page, "fiche2-05-role-non-propose")
    assert not GroupRole.objects.filter(group=subgroup).exists()

    # A role the parent holds (T18): assigned and saved.
    field(page, "Profil à assigner").select_option(label="T18 Agent de service")
    page.get_by_role("button", name="Assigner rôle").click()
    expect(page.locator("#roles-assignes")).to_contain_text("T18 Agent de service")
    page.get_by_role("button", name="Proposer les modifications").click()
    expect(page.locator(".fr-alert--success")).to_contain_text("Les habilitations du groupe sont enregistrées.")
    check(page, "fiche2-06-habilitations-enregistrees")
    assert list(GroupRole.objects.filter(group=subgroup).values_list("role__code", flat=True)) == ["T18"]
