"""What a person sees on the pages: the removal confirmation, « En attente de validation Caf »,
the generated identifier and activation e-mail, « Votre utilisateur est maintenant habilité »."""
import re

import pytest
from django.urls import reverse

from portail.accounts.models import User
from portail.testing import factories as f
from portail.habilitations.models import Group, GroupRole, Membership
from portail.journal.models import Action, JournalEntry

from .conftest import page_text, snapshot


@pytest.fixture
def tree(convention, role_t1, role_t18):
    """GROUPES (T1, T18, 1 member) ⊃ SG1 (T18, 2 members) ⊃ SG11 (T18, 1 member); SG2 (T1 only, 1 member).
    One member of SG1 also holds T18 through AUTRE, a group outside the subtree."""
    org = convention.organisation
    people = [f.UserFactory(organisation=org) for _ in range(6)]
    top = f.make_group(convention, "GROUPES", roles=[role_t1, role_t18], members=[people[0]])
    sg1 = f.make_group(convention, "SG1", parent=top, roles=[role_t18], members=people[1:3])
    sg11 = f.make_group(convention, "SG11", parent=sg1, roles=[role_t18], members=[people[3]])
    sg2 = f.make_group(convention, "SG2", parent=top, roles=[role_t1], members=[people[4]])
    other = f.make_group(convention, "AUTRE", roles=[role_t18], members=[people[2]])
    return {"top": top, "sg1": sg1, "sg11": sg11, "sg2": sg2, "other": other, "people": people}


def _roles_url(convention, group):
    return reverse("habilitations:group_roles", args=[convention.pk, group.pk])


def test_removing_a_role_lists_the_subgroups_and_users_then_removes_it_everywhere_below(
    login_as, convention, admin_user, tree, role_t1, role_t18
):
    client = login_as(admin_user)
    url = _roles_url(convention, tree["top"])

    # « Retirer » T18 only changes the draft.
    response = client.post(url, {"service": "CDAP", "action": f"remove:{role_t18.pk}",
                                 "draft": [role_t1.pk, role_t18.pk]})
    assert [row["role"].code for row in response.context["rows"]] == ["T1"]
    assert "Vos modifications ne sont pas encore enregistrées." in page_text(response)

    # « Proposer les modifications »: the confirmation, nothing removed yet.
    before = snapshot()
    response = client.post(url, {"service": "CDAP", "action": "save", "draft": [role_t1.pk]})
    assert response.status_code == 200
    text = page_text(response)
    assert "Confirmer le retrait de rôles" in text
    assert "Retrait du rôle T18 Agent de service" in text
    assert ("Le rôle sera aussi retiré de 2 sous-groupes : "
            "SG1 « Groupe SG1 » (niveau 2) SG11 « Groupe SG11 » (niveau 3)") in text
    assert "SG2" not in text and "AUTRE" not in text
    # GROUPES' member, SG1's two members but one keeps T18 through AUTRE, SG11's member: 3 lose it.
    assert "3 utilisateurs perdront ce rôle." in text
    assert snapshot() == before

    # « Confirmer le retrait »
    response = client.post(url, {"service": "CDAP", "action": "confirm", "draft": [role_t1.pk]}, follow=True)
    assert "Les habilitations du groupe sont enregistrées." in page_text(response)
    subtree = Group.objects.subtree_of(tree["top"])
    assert not GroupRole.objects.filter(group__in=subtree, role=role_t18).exists()
    assert GroupRole.objects.filter(group=tree["other"], role=role_t18).exists()
    assert set(GroupRole.objects.filter(role=role_t1).values_list("group__code", flat=True)) == {"GROUPES", "SG2"}
    removed = JournalEntry.objects.filter(action=Action.ROLE_REMOVED)
    assert sorted(e.details["group"] for e in removed) == ["GROUPES", "SG1", "SG11"]
    assert all(e.actor_id == admin_user.pk for e in removed)


def test_removal_of_a_role_no_subgroup_holds(login_as, convention, admin_user, tree, role_t1, role_t18):
    response = login_as(admin_user).post(_roles_url(convention, tree["top"]),
                                         {"service": "CDAP", "action": "save", "draft": [role_t18.pk]})
    text = page_text(response)
    assert "Retrait du rôle T1 Travailleur social" in text
    assert "Le rôle sera aussi retiré de 1 sous-groupe : SG2" in text
    assert "2 utilisateurs perdront ce rôle." in text


def test_cancelling_the_confirmation_keeps_every_role(login_as, convention, admin_user, tree, role_t1, role_t18):
    client = login_as(admin_user)
    url = _roles_url(convention, tree["top"])
    before = snapshot()
    response = client.post(url, {"service": "CDAP", "action": "save", "draft": []})
    assert f'href="{url}?service=CDAP"' in response.content.decode()  # « Annuler »
    response = client.get(url + "?service=CDAP")
    assert [row["role"].code for row in response.context["rows"]] == ["T1", "T18"]
    assert snapshot() == before


def test_a_role_requiring_caf_validation_is_shown_pending_after_saving(login_as, convention, admin_user, cdap, tree,
                                                                      partner_user):
    t5 = f.RoleFactory(service=cdap, code="T5", label="Conseiller RSA", requires_caf_validation=True)
    client = login_as(admin_user)
    url = _roles_url(convention, tree["top"])
    held = list(GroupRole.objects.filter(group=tree["top"]).values_list("role_id", flat=True))

    response = client.get(url)
    assert "T5 Conseiller RSA (validation Caf requise)" in page_text(response)
    response = client.post(url, {"service": "CDAP", "action": "assign", "role": t5.pk, "draft": held})
    row = next(r for r in response.context["rows"] if r["role"] == t5)
    assert not row["saved"] and "Non enregistré" in page_text(response)

    response = client.post(url, {"service": "CDAP", "action": "save", "draft": [*held, t5.pk]}, follow=True)
    assert response.redirect_chain[-1][0] == url + "?service=CDAP"  # back on the service being edited
    text = page_text(response)
    assert "En attente de validation par la Caf : T5." in text
    assert re.search(r"T5 Conseiller RSA En attente de validation Caf", text)
    assert GroupRole.objects.get(group=tree["top"], role=t5).state == GroupRole.State.PENDING
    entry = JournalEntry.objects.get(action=Action.ROLE_REQUESTED)
    assert entry.role_id == t5.pk and entry.group_id == tree["top"].pk
    # A pending role is no ceiling for the sub-groups yet.
    response = client.post(_roles_url(convention, tree["sg1"]), {"service": "CDAP", "action": "assign", "role": t5.pk})
    assert "un sous-groupe ne peut pas avoir d'autres rôles" in page_text(response)


def test_creating_a_user_shows_the_identifier_and_sends_the_activation_link(
    login_as, convention, admin_user, mailoutbox, django_capture_on_commit_callbacks
):
    client = login_as(admin_user)
    data = {
        "last_name": "Durand", "first_name": "Lucie Anne", "email": "Lucie.Durand@partenaire.example.fr",
        "email_confirm": "lucie.durand@partenaire.example.fr", "phone": "05 56 00 00 00",
        "phone_confirm": "05 56 00 00 00", "opening_date": "2024-01-01", "closing_date": "", "work_mode": "itinerant",
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("habilitations:user_create", args=[convention.pk]), data, follow=True)

    created = User.objects.get(email="lucie.durand@partenaire.example.fr")
    assert re.fullmatch(r"[A-Z]{4}\d{4}", created.username)
    assert created.organisation == convention.organisation and created.work_mode == "itinerant"
    assert not created.has_usable_password()
    text = page_text(response)
    assert f"L'utilisateur Lucie Anne Durand est créé avec l'identifiant {created.username}." in text
    assert "Un lien d'activation a été envoyé à lucie.durand@partenaire.example.fr" in text
    assert created in response.context["page"]

    assert len(mailoutbox) == 1
    mail = mailoutbox[0]
    assert mail.to == ["lucie.durand@partenaire.example.fr"]
    links = re.findall(r"https?://\S+", mail.body)
    assert len(links) == 1 and "/compte/" in links[0]
    assert created.username in mail.body
    assert f.PASSWORD not in mail.body and not re.search(r"mot de passe\s*:", mail.body, re.I)
    assert JournalEntry.objects.get(action=Action.USER_CREATED).target_user_id == created.pk

    # The link opens the page where he chooses his password (the path of the link, on the test server).
    client.logout()
    path = re.sub(r"^https?://[^/]+", "", links[0])
    response = client.get(path, follow=True)
    assert response.status_code == 200
    assert 'type="password"' in response.content.decode()


def test_a_refused_user_creation_sends_no_mail(login_as, convention, admin_user, mailoutbox,
                                               django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        login_as(admin_user).post(reverse("habilitations:user_create", args=[convention.pk]),
                                  {"last_name": "Durand", "email": "a@b.fr", "email_confirm": "c@d.fr"})
    assert mailoutbox == [] and not User.objects.filter(email="a@b.fr").exists()


@pytest.mark.parametrize("actor", ["administrator", "responsable"])
def test_adding_to_a_group_says_the_user_is_now_habilitated(login_as, convention, admin_user, partner_user, tree,
                                                            actor):
    leader = f.UserFactory(organisation=convention.organisation)
    tree["sg1"].responsable = leader
    tree["sg1"].save()
    client = login_as(admin_user if actor == "administrator" else leader)
    url = reverse("habilitations:membership_add", args=[convention.pk, partner_user.pk])

    response = client.get(url)
    offered = [g.code for g in response.context["form"].fields["group"].queryset]
    assert offered == (["GROUPES", "SG1", "SG11", "SG2", "AUTRE"] if actor == "administrator" else ["SG1", "SG11"])

    response = client.post(url, {"group": tree["sg11"].pk}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("habilitations:memberships", args=[convention.pk, partner_user.pk])
    text = page_text(response)
    assert "Votre utilisateur est maintenant habilité." in text
    assert "SG11" in text
    assert Membership.objects.filter(user=partner_user, group=tree["sg11"]).exists()
    entry = JournalEntry.objects.get(action=Action.MEMBERSHIP_ADDED)
    assert entry.target_user_id == partner_user.pk and entry.group_id == tree["sg11"].pk


def test_memberships_page_lists_the_groups_and_removes_one(login_as, convention, admin_user, tree):
    person = tree["people"][2]  # in SG1 and AUTRE
    client = login_as(admin_user)
    response = client.get(reverse("habilitations:memberships", args=[convention.pk, person.pk]))
    assert sorted(row["membership"].group.code for row in response.context["rows"]) == ["AUTRE", "SG1"]
    assert all(row["can_remove"] for row in response.context["rows"])
    response = client.post(
        reverse("habilitations:membership_remove", args=[convention.pk, person.pk, tree["other"].pk]), follow=True
    )
    assert f"{person.first_name} {person.last_name} ne fait plus partie du groupe AUTRE." in page_text(response)
    assert [row["membership"].group.code for row in response.context["rows"]] == ["SG1"]
