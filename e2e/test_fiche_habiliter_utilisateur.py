"""Fiche pratique « Habiliter un utilisateur », followed literally as the convention administrator (DEMO0001).

Create a group with a responsable, give it the role T18 of the Cdap service, create the user Martin Durant,
add him to the group: « Votre utilisateur est maintenant habilité ». Every page is audited by axe-core.
"""
import re

import pytest
from django.core import mail

from portail.accounts.models import User
from portail.conventions.models import Caf, Role
from portail.access import consultation_rights
from portail.habilitations.models import Group, GroupRole, Membership

from .helpers import check, expect, field, login, menu, row, tick

pytestmark = pytest.mark.e2e


def test_fiche_habiliter_un_utilisateur(page, demo):
    # « Saisissez les identifiants transmis par la Caf. »
    login(page, "DEMO0001")
    check(page, "fiche1-01-accueil")

    # « Dans le menu de gauche, cliquez sur « consulter les conventions ». »
    menu(page, "Consulter les conventions")
    expect(page.get_by_role("heading", level=1)).to_have_text("Consulter les conventions")
    check(page, "fiche1-02-conventions")

    # « Repérez la convention active dans la liste. Dans la colonne « autres actions », sélectionnez « groupes ». »
    row(page, "Convention 1").get_by_role("link", name=re.compile(r"^groupes")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Groupes d'utilisateur")
    check(page, "fiche1-03-groupes")

    # « Cliquez sur « créer un groupe ». Renseignez les champs demandés. Sélectionnez un responsable des
    # habilitations et validez la création du groupe. »
    page.get_by_role("link", name="Créer un groupe", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Créer un groupe d'utilisateurs")
    field(page, "Code").fill("03")
    field(page, "Libellé").fill("Groupe 1")
    expect(field(page, "Date d'ouverture")).not_to_have_value("")
    field(page, "Responsable des habilitations").select_option(label="Bernard Paul (DEMO0002)")
    check(page, "fiche1-04-creer-groupe")
    page.get_by_role("button", name="Valider").click()
    expect(page.locator(".fr-alert--success")).to_contain_text("Le groupe 03 « Groupe 1 » est créé.")
    check(page, "fiche1-05-groupe-cree")

    # « Dans la liste des groupes, repérez le groupe que vous venez de créer. Dans la colonne « autres actions »,
    # sélectionnez « habilitations du groupe ». »
    new_group = row(page, "03", table=page.locator("#table-groupes"))
    expect(new_group).to_contain_text("Groupe 1")
    expect(new_group).to_contain_text("Paul Bernard")
    new_group.get_by_role("link", name=re.compile(r"^habilitations du groupe")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Habilitations d'un groupe utilisateurs")
    expect(page.locator("main")).to_contain_text("Libellé groupe : Groupe 1")
    check(page, "fiche1-06-habilitations-groupe")

    # « Sélectionnez le service concerné, ici Cdap. Cliquez sur le profil pour assigner le rôle et enregistrez
    # vos modifications. »
    field(page, "Service").select_option(label="Cdap")
    page.get_by_role("button", name="Afficher les rôles du service").click()
    field(page, "Profil à assigner").select_option(label="T18 Agent de service")
    page.get_by_role("button", name="Assigner rôle").click()
    expect(page.locator("#roles-assignes")).to_contain_text("T18 Agent de service")
    check(page, "fiche1-07-role-assigne")
    page.get_by_role("button", name="Proposer les modifications").click()
    expect(page.locator(".fr-alert--success")).to_contain_text("Les habilitations du groupe sont enregistrées.")
    expect(page.locator("#roles-assignes")).to_contain_text("T18 Agent de service")
    check(page, "fiche1-08-habilitations-enregistrees")

    # « Dans la liste des conventions, sélectionnez « utilisateurs ». »
    menu(page, "Consulter les conventions")
    row(page, "Convention 1").get_by_role("link", name=re.compile(r"^utilisateurs")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Liste des utilisateurs")
    check(page, "fiche1-09-utilisateurs")

    # « Cliquez sur « créer un utilisateur ». Renseignez les champs demandés puis « validez ». »
    page.get_by_role("link", name="Créer un utilisateur", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Créer un utilisateur partenaire")
    field(page, "Nom").fill("Durant")
    field(page, "Prénoms").fill("Martin")
    field(page, "Adresse mail").fill("martin.durant@example.fr")
    field(page, "Confirmer l'adresse mail").fill("martin.durant@example.fr")
    tick(page, "Sédentaire")
    check(page, "fiche1-10-creer-utilisateur")
    page.get_by_role("button", name="Valider").click()
    expect(page.locator(".fr-alert--success")).to_contain_text("L'utilisateur Martin Durant est créé avec l'identifiant")
    check(page, "fiche1-11-utilisateur-cree")

    durant = User.objects.get(last_name="Durant", first_name="Martin")
    assert re.fullmatch(r"[A-Z]{4}\d{4}", durant.username)
    assert [m.to for m in mail.outbox] == [["martin.durant@example.fr"]]
    assert durant.username in mail.outbox[0].body

    # « Dans la liste des utilisateurs, sélectionnez votre utilisateur et ajoutez-le au groupe. »
    user_row = row(page, durant.username, table=page.locator("#table-utilisateurs"))
    expect(user_row).to_contain_text("martin.durant@example.fr")
    user_row.get_by_role("link", name=re.compile(r"^Ajouter l'utilisateur")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Ajouter l'utilisateur au groupe")
    check(page, "fiche1-12-ajouter-au-groupe")

    # « Sélectionnez le groupe auquel affecter votre nouvel utilisateur et cliquez sur « ajouter au groupe ». »
    field(page, "Groupe").select_option(label="03 — Groupe 1 (niveau 1)")
    page.get_by_role("button", name="Ajouter au groupe").click()

    # « Votre utilisateur est maintenant habilité. »
    expect(page.locator(".fr-alert--success")).to_contain_text("Votre utilisateur est maintenant habilité.")
    check(page, "fiche1-13-utilisateur-habilite")

    group = Group.objects.get(convention__label="Convention 1", code="03")
    assert group.responsable.username == "DEMO0002"
    assert list(GroupRole.objects.filter(group=group).values_list("role__code", flat=True)) == ["T18"]
    assert Membership.objects.filter(user=durant, group=group).exists()
    rights = consultation_rights(durant, Caf.objects.get(name="Caf part 1").pk)
    assert rights.allowed
    assert set(rights.tabs) == set(Role.objects.get(service__code="CDAP", code="T18").tabs)
