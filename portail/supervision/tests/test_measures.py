"""The Caf's immediate measures: each with a reason, journaled, reversible, and effective at the next request."""
from datetime import date

import pytest
from django.test import Client
from django.urls import reverse

from portail.access import consultation_rights
from portail.accounts.models import User
from portail.conventions.models import Convention
from portail.habilitations.models import Group, Membership
from portail.journal.models import Action, JournalEntry
from portail.testing import factories as f
from portail.testing.auth import sign_in


def _measure(client, kind, obj, move, reason="Motif de la mesure"):
    return client.post(reverse(f"mesures:{kind}", args=[obj.pk]), {"move": move, "reason": reason})


@pytest.fixture
def member(convention, role_t1, make_group, partner_user):
    make_group(convention, "EQUIPE", roles=[role_t1], members=[partner_user])
    return partner_user


def test_a_suspended_user_is_refused_at_his_very_next_request_and_his_sessions_end(member, caf_agent, login_as):
    session = sign_in(Client(), member)
    assert session.get(reverse("dossiers:search")).status_code == 200
    response = _measure(login_as(caf_agent), "user", member, "suspend", "Consultations suspectes")
    assert response.status_code == 302
    for url in (reverse("dossiers:search"), reverse("home:index"), reverse("dialogue:mine")):
        refused = session.get(url)
        assert refused.status_code == 302 and refused.url.startswith(reverse("accounts:login")), url
    entry = JournalEntry.objects.get(action=Action.USER_SUSPENDED)
    assert entry.target_user_id == member.pk and entry.details["reason"] == "Consultations suspectes"
    # Reinstated, he signs in again; the sessions the suspension ended stay ended.
    assert _measure(login_as(caf_agent), "user", member, "reinstate").status_code == 302
    assert User.objects.get(pk=member.pk).status == User.Status.OPEN
    assert session.get(reverse("dossiers:search")).status_code == 302
    assert sign_in(Client(), User.objects.get(pk=member.pk)).get(reverse("dossiers:search")).status_code == 200


def test_a_required_password_change_comes_before_anything_else(member, caf_agent, login_as):
    assert _measure(login_as(caf_agent), "user", member, "require_password").status_code == 302
    person = User.objects.get(pk=member.pk)
    assert person.must_change_password
    client = sign_in(Client(), person)
    response = client.get(reverse("dossiers:search"))
    assert response.status_code == 302 and "/compte/reinitialiser/" in response.url
    chosen = client.get(response.url, follow=True)
    form_url = chosen.redirect_chain[-1][0]
    new = "Caf-nouveau-secret-2031!"
    done = client.post(form_url, {"new_password1": new, "new_password2": new})
    assert done.status_code == 302
    person.refresh_from_db()
    assert not person.must_change_password and person.check_password(new)
    assert sign_in(Client(), person).get(reverse("dossiers:search")).status_code == 200


def test_reason_left_empty_or_measure_taken_twice_changes_nothing(member, caf_agent, login_as):
    client = login_as(caf_agent)
    empty = _measure(client, "user", member, "suspend", reason=" ")
    assert empty.status_code == 200 and "Ce champ est obligatoire" in empty.content.decode()
    assert User.objects.get(pk=member.pk).status == User.Status.OPEN
    _measure(client, "user", member, "suspend")
    again = _measure(client, "user", member, "suspend")
    assert again.status_code == 200 and "ne s&#x27;applique pas" in again.content.decode()
    assert JournalEntry.objects.filter(action=Action.USER_SUSPENDED).count() == 1


def test_a_suspended_group_gives_no_right_until_reinstated(convention, role_t1, make_group, partner_user, caf_agent,
                                                            login_as):
    main = make_group(convention, "PRINC", roles=[role_t1])
    make_group(convention, "SOUS", parent=main, roles=[role_t1], members=[partner_user])
    client = login_as(caf_agent)
    assert _measure(client, "group", main, "suspend").status_code == 302
    assert Group.objects.get(pk=main.pk).status == Group.Status.SUSPENDED
    assert not consultation_rights(partner_user, convention.caf_id).allowed
    assert _measure(client, "group", main, "reinstate").status_code == 302
    assert consultation_rights(partner_user, convention.caf_id).allowed
    assert list(JournalEntry.objects.filter(group_id=main.pk).values_list("action", flat=True)) == [
        Action.GROUP_SUSPENDED, Action.GROUP_REINSTATED]


def test_a_taken_back_convention_refuses_every_change_and_says_why(convention, admin_user, partner_user, role_t1,
                                                                   make_group, caf_agent, login_as):
    responsable = f.UserFactory(organisation=convention.organisation)
    group = make_group(convention, "GRP", roles=[role_t1], responsable=responsable)
    sub = make_group(convention, "SOUS", parent=group, roles=[role_t1])
    assert _measure(login_as(caf_agent), "convention", convention, "take_back", "Contrôle en cours").status_code == 302
    convention.refresh_from_db()
    assert convention.management_taken_back_at and convention.management_taken_back_by_id == caf_agent.pk
    for actor in (admin_user, responsable):
        client = sign_in(Client(), actor)
        page = client.get(reverse("habilitations:groups", args=[convention.pk]))
        html = page.content.decode()
        assert page.status_code == 200
        assert "La Caf a repris la gestion des habilitations de cette convention le" in html
        assert "Contrôle en cours" in html and "Créer un groupe" not in html
        writes = [
            (reverse("habilitations:group_create", args=[convention.pk]),
             {"code": "NEW", "label": "Nouveau", "opening_date": date(2021, 1, 1).isoformat()}),
            (reverse("habilitations:group_update", args=[convention.pk, sub.pk]),
             {"label": "Changé", "opening_date": "2021-01-01", "closing_date": ""}),
            (reverse("habilitations:group_roles", args=[convention.pk, sub.pk]), {"service": "CDAP", "action": "save"}),
            (reverse("habilitations:membership_add", args=[convention.pk, partner_user.pk]), {"group": sub.pk}),
            (reverse("habilitations:user_create", args=[convention.pk]), {"last_name": "Durant"}),
        ]
        for url, data in writes:
            assert client.post(url, data).status_code == 403, (actor, url)
    assert not Membership.objects.filter(user=partner_user).exists()
    assert Group.objects.get(pk=sub.pk).label != "Changé" and sub.group_roles.count() == 1
    # Given back: the administrator manages again.
    assert _measure(login_as(caf_agent), "convention", convention, "give_back").status_code == 302
    response = sign_in(Client(), admin_user).post(
        reverse("habilitations:membership_add", args=[convention.pk, partner_user.pk]), {"group": sub.pk})
    assert response.status_code == 302 and Membership.objects.filter(user=partner_user, group=sub).exists()
    assert [e.action for e in JournalEntry.objects.filter(convention_id=convention.pk).order_by("id")][:2] == [
        Action.MANAGEMENT_TAKEN_BACK, Action.MANAGEMENT_GIVEN_BACK]


def test_convention_suspension_from_the_measures_page(convention, caf_agent, login_as):
    client = login_as(caf_agent)
    assert _measure(client, "convention", convention, "suspend").status_code == 302
    assert Convention.objects.get(pk=convention.pk).status == Convention.Status.SUSPENDED
    assert _measure(client, "convention", convention, "reopen").status_code == 302
    assert Convention.objects.get(pk=convention.pk).status == Convention.Status.OPEN


def test_permissions(member, convention, admin_user, caf_agent, make_group):
    group = Group.objects.get(code="EQUIPE")
    responsable = f.UserFactory(organisation=convention.organisation)
    group.responsable = responsable
    group.save()
    other_agent = f.CafAgentFactory()
    national = f.UserFactory(is_national_admin=True, organisation=None)
    targets = [("user", member), ("group", group), ("convention", convention)]
    for actor in (admin_user, responsable, member, other_agent):
        client = sign_in(Client(), actor)
        assert client.get(reverse("mesures:index")).status_code == (200 if actor is other_agent else 404)
        for kind, obj in targets:
            assert client.get(reverse(f"mesures:{kind}", args=[obj.pk])).status_code == 404, (actor, kind)
            assert _measure(client, kind, obj, "suspend").status_code == 404, (actor, kind)
    assert Client().get(reverse("mesures:index")).status_code == 302
    assert not JournalEntry.objects.exists()
    for kind, obj in targets:
        assert sign_in(Client(), caf_agent).get(reverse(f"mesures:{kind}", args=[obj.pk])).status_code == 200
        assert _measure(sign_in(Client(), national), kind, obj, "suspend").status_code == 302, kind
    # The agent cannot take a measure on himself or another agent: they are not partner staff.
    assert sign_in(Client(), caf_agent).get(reverse("mesures:user", args=[other_agent.pk])).status_code == 404


def test_the_measures_page_finds_people_and_lists_measures_in_force(member, caf_agent, login_as):
    client = login_as(caf_agent)
    _measure(client, "user", member, "suspend")
    html = client.get(reverse("mesures:index"), {"kind": "user", "q": member.username}).content.decode()
    assert reverse("mesures:user", args=[member.pk]) in html
    assert "Comptes suspendus (1)" in html
