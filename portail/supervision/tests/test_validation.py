"""The Caf's validation queue: roles « validation Caf requise » approved (effective at once) or refused (never)."""
import pytest
from django.test import Client
from django.urls import reverse

from portail.access import consultation_rights
from portail.habilitations.models import GroupRole
from portail.journal.models import Action, JournalEntry
from portail.testing import factories as f
from portail.testing.auth import sign_in


@pytest.fixture
def role_t9(cdap):
    return f.RoleFactory(service=cdap, code="T9", label="Chargé de recouvrement", tabs=["synthese", "creances"],
                         requires_caf_validation=True)


@pytest.fixture
def setup(convention, admin_user, partner_user, role_t18, role_t9, make_group):
    """A main group holding T18 and T9 (active), its sub-group with T18, and T9 requested by the administrator."""
    main = make_group(convention, "PRINC", roles=[role_t18, role_t9])
    sub = make_group(convention, "SOUS", parent=main, roles=[role_t18], members=[partner_user])
    grant = GroupRole.objects.create(group=sub, role=role_t9, state=GroupRole.State.PENDING, granted_by=admin_user)
    return sub, grant


def _decide(client, grant, **data):
    return client.post(reverse("mesures:validation_decide", args=[grant.pk]), data)


def _tabs(user, convention):
    return consultation_rights(user, convention.caf_id).tabs


def test_the_queue_lists_the_pending_role_for_the_agent_of_the_caf(setup, caf_agent, login_as):
    sub, grant = setup
    html = login_as(caf_agent).get(reverse("mesures:validation")).content.decode()
    assert "SOUS" in html and "T9 Chargé de recouvrement" in html
    assert reverse("mesures:validation_decide", args=[grant.pk]) in html


def test_an_approved_role_becomes_effective_at_once(setup, caf_agent, partner_user, convention, login_as):
    sub, grant = setup
    assert "creances" not in _tabs(partner_user, convention)
    response = _decide(login_as(caf_agent), grant, decision="approve")
    assert response.status_code == 302
    grant.refresh_from_db()
    assert grant.state == GroupRole.State.ACTIVE and grant.decided_by == caf_agent and grant.decided_at
    assert "creances" in _tabs(partner_user, convention)
    entry = JournalEntry.objects.get(action=Action.ROLE_APPROVED)
    assert (entry.actor_id, entry.group_id, entry.caf_id) == (caf_agent.pk, sub.pk, convention.caf_id)


def test_a_refused_role_never_becomes_effective_and_the_partner_reads_why(setup, caf_agent, admin_user, partner_user,
                                                                          convention, login_as):
    sub, grant = setup
    response = _decide(login_as(caf_agent), grant, decision="refuse", reason="Pas de mission de recouvrement")
    assert response.status_code == 302
    grant.refresh_from_db()
    assert grant.state == GroupRole.State.REFUSED
    assert "creances" not in _tabs(partner_user, convention)
    assert JournalEntry.objects.get(action=Action.ROLE_REFUSED).details["reason"] == "Pas de mission de recouvrement"
    page = sign_in(Client(), admin_user).get(
        reverse("habilitations:group_roles", args=[convention.pk, sub.pk]) + "?service=CDAP")
    html = page.content.decode()
    assert "Refusé par la Caf" in html and "Pas de mission de recouvrement" in html


def test_refusing_without_a_reason_changes_nothing(setup, caf_agent, login_as):
    sub, grant = setup
    response = _decide(login_as(caf_agent), grant, decision="refuse", reason="  ")
    assert response.status_code == 200
    assert "Indiquez le motif du refus" in response.content.decode()
    grant.refresh_from_db()
    assert grant.state == GroupRole.State.PENDING
    assert not JournalEntry.objects.filter(action=Action.ROLE_REFUSED).exists()


@pytest.mark.parametrize("first,second", [("approve", "refuse"), ("refuse", "approve"), ("approve", "approve")])
def test_deciding_twice_says_so_and_changes_nothing(setup, caf_agent, login_as, first, second):
    sub, grant = setup
    client = login_as(caf_agent)
    _decide(client, grant, decision=first, reason="Premier motif")
    grant.refresh_from_db()
    state = grant.state
    response = _decide(client, grant, decision=second, reason="Second motif")
    assert response.status_code == 200
    assert "a déjà été" in response.content.decode()
    grant.refresh_from_db()
    assert grant.state == state and grant.decision_reason in ("Premier motif", "")
    assert JournalEntry.objects.filter(action__in=[Action.ROLE_APPROVED, Action.ROLE_REFUSED]).count() == 1


def test_a_sub_group_waits_for_its_parent_s_validation(convention, admin_user, role_t1, role_t9, make_group,
                                                       caf_agent, login_as):
    main = make_group(convention, "PRINC", roles=[role_t1])
    GroupRole.objects.create(group=main, role=role_t9, state=GroupRole.State.PENDING)
    sub = make_group(convention, "SOUS", parent=main)
    grant = GroupRole.objects.create(group=sub, role=role_t9, state=GroupRole.State.PENDING)
    response = _decide(login_as(caf_agent), grant, decision="approve")
    assert "validez d&#x27;abord le sien" in response.content.decode()
    grant.refresh_from_db()
    assert grant.state == GroupRole.State.PENDING


def test_permissions(setup, caf_agent, admin_user, partner_user, convention, make_group):
    """Agent of this Caf and national administrator act; another Caf's agent, partners: 404; anonymous: login."""
    sub, grant = setup
    responsable = f.UserFactory(organisation=convention.organisation)
    sub.responsable = responsable
    sub.save()
    other_agent = f.CafAgentFactory()
    national = f.UserFactory(is_national_admin=True, organisation=None)
    url = reverse("mesures:validation_decide", args=[grant.pk])
    queue = reverse("mesures:validation")
    for user in (admin_user, responsable, partner_user, other_agent):
        client = sign_in(Client(), user)
        assert client.get(url).status_code == 404, user
        assert client.post(url, {"decision": "approve"}).status_code == 404, user
        assert client.get(queue).status_code == (200 if user is other_agent else 404)
    assert "SOUS" not in sign_in(Client(), other_agent).get(queue).content.decode()
    assert Client().get(url).status_code == 302
    grant.refresh_from_db()
    assert grant.state == GroupRole.State.PENDING
    assert sign_in(Client(), national).get(url).status_code == 200
    assert sign_in(Client(), national).post(url, {"decision": "approve"}).status_code == 302


def test_the_queue_s_queries_do_not_grow_with_its_rows(convention, role_t1, role_t9, make_group, caf_agent,
                                                       login_as, django_assert_max_num_queries):
    client = login_as(caf_agent)

    def requests(n):
        for i in range(n):
            group = make_group(convention, f"G{n}X{i}", roles=[role_t1])
            GroupRole.objects.create(group=group, role=role_t9, state=GroupRole.State.PENDING)

    requests(3)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    with CaptureQueriesContext(connection) as three:
        client.get(reverse("mesures:validation"))
    requests(27)
    with CaptureQueriesContext(connection) as thirty:
        assert "30 demandes" in client.get(reverse("mesures:validation")).content.decode()
    assert len(thirty) == len(three)
