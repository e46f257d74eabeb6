"""Caf back office: organisations, conventions and their life, administrators (R6), role catalogue.

Bad input, journal, mails and query counts, on small fresh data (the permission matrix is in
test_caf_backoffice_matrix.py).
"""
import html
import re
from datetime import date

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from portail.accounts.models import User
from portail.conventions import services
from portail.conventions.models import Convention, Organisation, Role
from portail.core.clock import today
from portail.core.errors import BusinessError
from portail.journal.models import Action, JournalEntry
from portail.testing import factories as f
from portail.testing.auth import sign_in

pytestmark = pytest.mark.django_db

def _national():
    return User.objects.create_user("NATI0001", f.PASSWORD, last_name="National", first_name="Anne",
                                    email="nat@cnaf.example.fr", is_national_admin=True)


# ------------------------------------------------------------------------------------------ bad input


@pytest.fixture
def agent(caf_agent):
    return caf_agent


def _errors_of(response, field: str) -> str:
    """The error text DSFR shows next to `field` (its message block)."""
    page = response.content.decode()
    match = re.search(rf'id="{field}-desc-error"[^>]*>(.*?)</div>', page, re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", match.group(1))) if match else ""


def test_convention_with_dates_out_of_order_or_no_service_is_refused_next_to_the_field(login_as, agent,
                                                                                        organisation, cdap):
    client = login_as(agent)
    url = reverse("cafadmin:convention_create", args=[organisation.pk])
    count = Convention.objects.count()
    response = client.post(url, {"label": "Nouvelle", "services": [cdap.pk], "opening_date": "2026-03-01",
                                 "closing_date": "2026-01-01"})
    assert response.status_code == 200
    assert "La date de clôture ne peut pas précéder la date d'ouverture." in _errors_of(response, "id_closing_date")
    response = client.post(url, {"label": "Nouvelle", "opening_date": "2026-03-01"})
    assert "Choisissez au moins un service en ligne." in _errors_of(response, "id_services")
    assert Convention.objects.count() == count
    assert not JournalEntry.objects.filter(action=Action.CONVENTION_CREATED).exists()


def test_a_third_administrator_needs_someone_to_replace(login_as, agent, convention, admin_user,
                                                         django_capture_on_commit_callbacks):
    second = f.UserFactory(organisation=convention.organisation)
    third = f.UserFactory(organisation=convention.organisation)
    convention.administrators.add(second)
    client = login_as(agent)
    url = reverse("cafadmin:administrator_name", args=[convention.pk])
    response = client.post(url, {"username": third.username})
    assert response.status_code == 200
    assert "deux administrateurs au plus" in _errors_of(response, "id_replacing")
    assert set(convention.administrators.all()) == {admin_user, second}
    # Replacing one of them: one removal and one naming, journaled.
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"username": third.username, "replacing": admin_user.pk})
    assert response.status_code == 302
    assert set(convention.administrators.all()) == {second, third}
    actions = list(JournalEntry.objects.filter(convention_id=convention.pk).values_list("action", "target_user_id"))
    assert actions == [(Action.ADMINISTRATOR_REMOVED, admin_user.pk), (Action.ADMINISTRATOR_NAMED, third.pk)]
    assert [m.to for m in mail.outbox] == [[third.email]]


def test_an_administrator_from_another_organisation_is_refused(login_as, agent, convention):
    outsider = f.UserFactory()  # another organisation
    client = login_as(agent)
    response = client.post(reverse("cafadmin:administrator_name", args=[convention.pk]),
                           {"username": outsider.username})
    assert "Aucune personne de Conseil départemental 1 n'a cet identifiant." in _errors_of(response, "id_username")
    assert not convention.administrators.exists()
    with pytest.raises(BusinessError, match="organisation partenaire"):
        services.administrator_add(actor=agent, convention=convention, user=outsider)
    assert not convention.administrators.exists()


def test_another_cafs_objects_answer_404_by_id(login_as, agent):
    other = f.ConventionFactory()  # another Caf, another organisation
    client = login_as(agent)
    for name, args in (("cafadmin:convention", [other.pk]), ("cafadmin:convention_update", [other.pk]),
                       ("cafadmin:administrator_name", [other.pk]), ("cafadmin:organisation", [other.organisation_id]),
                       ("cafadmin:convention_create", [other.organisation_id])):
        assert client.get(reverse(name, args=args)).status_code == 404
        assert client.post(reverse(name, args=args), {"reason": "x"}).status_code == 404
    other.refresh_from_db()
    assert other.status == Convention.Status.OPEN


def test_administrator_created_on_the_spot_gets_the_activation_link(login_as, agent, convention, settings,
                                                                     django_capture_on_commit_callbacks):
    settings.PORTAL_BASE_URL = "http://portail.example:8123"
    client = login_as(agent)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("cafadmin:administrator_create", args=[convention.pk]), {
            "last_name": "Nouveau", "first_name": "Admin", "email": "admin.nouveau@example.fr",
            "email_confirm": "admin.nouveau@example.fr", "opening_date": today().isoformat(),
            "work_mode": "sedentaire"})
    assert response.status_code == 302
    user = User.objects.get(email="admin.nouveau@example.fr")
    assert user.organisation_id == convention.organisation_id and not user.has_usable_password()
    assert list(convention.administrators.all()) == [user]
    activation = next(m for m in mail.outbox if "activez" in m.subject)
    assert activation.to == [user.email]
    assert re.search(r"http://portail\.example:8123/compte/\S+", activation.body)
    assert {Action.USER_CREATED, Action.ADMINISTRATOR_NAMED} <= set(
        JournalEntry.objects.filter(target_user_id=user.pk).values_list("action", flat=True))


def test_creating_a_third_administrator_saves_no_user_and_sends_nothing(login_as, agent, convention, admin_user):
    convention.administrators.add(f.UserFactory(organisation=convention.organisation))
    users = User.objects.count()
    response = login_as(agent).post(reverse("cafadmin:administrator_create", args=[convention.pk]), {
        "last_name": "Trois", "first_name": "Admin", "email": "trois@example.fr", "email_confirm": "trois@example.fr",
        "opening_date": today().isoformat(), "work_mode": "sedentaire"})
    assert response.status_code == 200
    assert "deux administrateurs au plus" in _errors_of(response, "id_replacing")
    assert User.objects.count() == users and not mail.outbox


def test_reason_is_required_to_suspend(login_as, agent, convention):
    response = login_as(agent).post(reverse("cafadmin:convention_suspend", args=[convention.pk]), {"reason": " "})
    assert "Ce champ est obligatoire." in _errors_of(response, "id_reason")
    convention.refresh_from_db()
    assert convention.status == Convention.Status.OPEN


# ------------------------------------------------------------------------------------------ services, journal


def test_a_conventions_whole_life_is_journaled(agent, cdap):
    organisation = services.organisation_create(actor=agent, caf=agent.caf, name="CCAS de Test", kind="ccas",
                                                siret="123 456 789 00012")
    assert organisation.siret == "12345678900012" and organisation.registered_by == agent.caf
    with pytest.raises(BusinessError, match="SIRET"):
        services.organisation_create(actor=agent, caf=agent.caf, name="Doublon", kind="ccas", siret="12345678900012")
    convention = services.convention_create(actor=agent, caf=agent.caf, organisation=organisation, label="Conv",
                                            services=[cdap], opening_date=date(2024, 1, 1), purposes="Accès")
    services.convention_update(actor=agent, convention=convention, label="Conv modifiée", services=[cdap],
                               opening_date=date(2024, 1, 1), closing_date=None, purposes="Accès")
    services.convention_set_status(actor=agent, convention=convention, move="suspend", reason="Contrôle")
    convention.refresh_from_db()
    assert convention.status == Convention.Status.SUSPENDED and not convention.is_open
    with pytest.raises(BusinessError, match="déjà suspendu"):
        services.convention_set_status(actor=agent, convention=convention, move="suspend", reason="Encore")
    services.convention_set_status(actor=agent, convention=convention, move="reopen", reason="Contrôle fait")
    services.convention_set_status(actor=agent, convention=convention, move="close", reason="Fin")
    convention.refresh_from_db()
    assert convention.status == Convention.Status.CLOSED and convention.closing_date == today()
    entries = list(JournalEntry.objects.order_by("pk").values_list("action", "actor_id"))
    assert entries == [(a, agent.pk) for a in (
        Action.ORGANISATION_CREATED, Action.CONVENTION_CREATED, Action.CONVENTION_UPDATED,
        Action.CONVENTION_SUSPENDED, Action.CONVENTION_REOPENED, Action.CONVENTION_CLOSED)]
    closed = JournalEntry.objects.get(action=Action.CONVENTION_CLOSED)
    assert closed.details["reason"] == "Fin" and closed.convention_id == convention.pk
    assert closed.caf_id == agent.caf_id


def test_a_service_still_used_by_a_group_cannot_be_removed(agent, convention, role_t1, make_group):
    afas = f.ServiceFactory(code="AFAS", label="Afas")
    convention.services.add(afas)
    afas_role = f.RoleFactory(service=afas, code="A1")
    make_group(convention, "G1", roles=[role_t1, afas_role])
    with pytest.raises(BusinessError, match="Afas") as error:
        services.convention_update(actor=agent, convention=convention, label=convention.label,
                                   services=[role_t1.service], opening_date=convention.opening_date)
    assert error.value.field == "services"
    assert set(convention.services.values_list("code", flat=True)) == {"CDAP", "AFAS"}


def test_an_agent_of_another_caf_is_refused_by_the_service_too(convention, cdap):
    stranger = f.CafAgentFactory()
    with pytest.raises(Exception):
        services.convention_set_status(actor=stranger, convention=convention, move="suspend", reason="x")
    convention.refresh_from_db()
    assert convention.status == Convention.Status.OPEN


# ------------------------------------------------------------------------------------------ role catalogue


def test_role_catalogue_national_administrators_edit_agents_read(client, agent, cdap, role_t18):
    national = _national()
    sign_in(client, agent)
    assert "Modifier T18" not in client.get(reverse("cafadmin:roles")).content.decode()
    assert client.post(reverse("cafadmin:role_create"), {"service": cdap.pk, "code": "T50"}).status_code == 403
    sign_in(client, national)
    body = {"service": cdap.pk, "code": "t50", "label": "Conseiller", "tabs": ["resume", "synthese"],
            "requires_caf_validation": "on"}
    assert client.post(reverse("cafadmin:role_create"), body).status_code == 302
    role = Role.objects.get(code="T50")
    assert role.tabs == ["synthese", "resume"] and role.requires_caf_validation and not role.can_write_dialogue
    response = client.post(reverse("cafadmin:role_create"), body)
    assert "Le service Cdap a déjà un rôle T50." in _errors_of(response, "id_code")
    response = client.post(reverse("cafadmin:role_update", args=[role_t18.pk]),
                           {"code": "T18", "label": "Agent d'accueil", "tabs": ["synthese"]})
    assert response.status_code == 302
    role_t18.refresh_from_db()
    assert role_t18.label == "Agent d'accueil" and role_t18.tabs == ["synthese"]
    assert list(JournalEntry.objects.values_list("action", "role_id")) == [
        (Action.CATALOGUE_ROLE_CREATED, role.pk), (Action.CATALOGUE_ROLE_UPDATED, role_t18.pk)]


# ------------------------------------------------------------------------------------------ query counts


def test_convention_list_queries_do_not_grow_with_rows(client, agent, cdap):
    def count(rows):
        for _ in range(rows - Convention.objects.filter(caf=agent.caf).count()):
            conv = f.ConventionFactory(caf=agent.caf, services=[cdap])
            conv.administrators.add(f.UserFactory(organisation=conv.organisation))
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("cafadmin:conventions")).status_code == 200
        return len(queries)

    sign_in(client, agent)
    assert count(3) == count(30)


def test_organisation_list_queries_do_not_grow_with_rows(client, agent):
    def count(rows):
        for _ in range(rows - Organisation.objects.count()):
            f.OrganisationFactory(registered_by=agent.caf)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("cafadmin:organisations")).status_code == 200
        return len(queries)

    sign_in(client, agent)
    assert count(3) == count(30)


def test_search_for_an_administrator_lists_the_organisations_staff_only(login_as, agent, convention):
    mine = f.UserFactory(organisation=convention.organisation, last_name="Dupontel")
    f.UserFactory(last_name="Dupontel")  # another organisation
    body = login_as(agent).get(reverse("cafadmin:administrator_name", args=[convention.pk]),
                               {"q": "dupontel"}).content.decode()
    assert body.count("Dupontel") == 1 + body.count("« dupontel »") or mine.username in body
    assert mine.username in body
    assert body.count(">Choisir ") == 1 and f">Choisir {mine.username}<" in body  # (usernames: TEST…, then TESU…)


def test_naming_an_administrator_asks_to_confirm_identity_first(login_as, agent, convention):
    from portail.accounts.reauth import AUTH_AT_KEY

    client = login_as(agent)
    session = client.session
    session[AUTH_AT_KEY] = 0  # signed in long ago
    session.save()
    for name in ("cafadmin:administrator_name", "cafadmin:administrator_create"):
        response = client.get(reverse(name, args=[convention.pk]))
        assert response.status_code == 302 and response.url.startswith(reverse("accounts:reauth"))
