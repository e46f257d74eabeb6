"""R9 and R8 on the paths around a dossier: the « Attestations envoyées par courrier » list, roles that
open no tab, and the no-store header of the downloads."""
import pytest
from django.urls import reverse

from portail.dossiers.models import AttestationRequest
from portail.habilitations.models import Group, Membership
from portail.journal.models import Action
from portail.testing import factories as f

CONFIRM = {"confirm": "1"}  # « Confirmer l'envoi par courrier »


@pytest.fixture
def posted(login_as, t1_user, dossier):
    """T1 asked for the attestation to be posted: one request in his list."""
    client = login_as(t1_user)
    client.post(reverse("dossiers:attestation_post", args=[dossier.caf.code, dossier.number]), CONFIRM)
    assert AttestationRequest.objects.count() == 1
    return client


def test_the_requests_list_is_journaled_as_a_consultation_of_each_number(posted, t1_user, t1_group, dossier, journal):
    html = posted.get(reverse("dossiers:attestation_requests")).content.decode()
    assert dossier.number in html and "DURAND" in html
    [entry] = journal(action=Action.DOSSIER_CONSULTED)
    assert (entry.actor, entry.caf_id, entry.dossier_number) == (t1_user, dossier.caf_id, dossier.number)
    assert entry.details["page"] == "attestation_requests"
    assert entry.group_id == t1_group.pk and entry.details["via"][0]["role"] == "T1"


@pytest.mark.parametrize("loss", ["membership", "group_closed"])
def test_after_every_right_is_lost_the_list_shows_no_allocataire(posted, t1_user, t1_group, dossier, journal, loss):
    if loss == "membership":
        Membership.objects.filter(user=t1_user).delete()
    else:
        Group.objects.filter(pk=t1_group.pk).update(status=Group.Status.CLOSED)
    response = posted.get(reverse("dossiers:attestation_requests"))
    html = response.content.decode()
    assert response.status_code == 200
    assert dossier.number not in html and "DURAND" not in html and "Léa" not in html
    assert "Aucune demande d'envoi" in html
    assert not journal(action=Action.DOSSIER_CONSULTED)


def test_a_failing_journal_shows_no_request(posted, dossier, monkeypatch):
    from portail.journal import events
    from portail.journal.services import JournalUnavailable

    def broken(**entry):
        raise JournalUnavailable

    monkeypatch.setattr(events, "_append", broken)
    posted.raise_request_exception = False
    response = posted.get(reverse("dossiers:attestation_requests"))
    assert response.status_code == 503 and dossier.number not in response.content.decode()


# ---------------------------------------------------------------- roles that open no tab


@pytest.fixture
def no_tab_user(convention, cdap, make_group):
    """A Cdap role at the Caf that opens no tab (an attestation-only profile)."""
    role = f.RoleFactory(service=cdap, code="T50", tabs=[], can_print_attestation=True)
    user = f.UserFactory(organisation=convention.organisation)
    make_group(convention, "ATTEST", roles=[role], members=[user])
    return user


def _assert_no_tab_refusal(response, journal, user, dossier):
    html = response.content.decode()
    assert response.status_code == 403
    assert "Vos rôles ne donnent accès à aucun onglet des dossiers de cette Caf." in html
    assert "DURAND" not in html
    [entry] = journal(action=Action.DOSSIER_REFUSED)
    assert (entry.actor, entry.caf_id, entry.dossier_number) == (user, dossier.caf_id, dossier.number)
    assert entry.details["reason"] == "no_tab" and entry.details["via"][0]["role"] == "T50"
    assert not journal(action=Action.DOSSIER_CONSULTED)


def test_direct_link_with_roles_that_give_no_tab_is_a_clear_refusal(login_as, no_tab_user, dossier, journal):
    response = login_as(no_tab_user).get(reverse("dossiers:open", args=[dossier.caf.code, dossier.number]))
    _assert_no_tab_refusal(response, journal, no_tab_user, dossier)
    assert "Consultation refusée" in response.content.decode()


def test_search_with_roles_that_give_no_tab_is_a_clear_refusal(login_as, no_tab_user, dossier, journal):
    response = login_as(no_tab_user).post(reverse("dossiers:search"), {"caf": dossier.caf.code, "number": dossier.number})
    html = response.content.decode()
    assert response.status_code == 200  # the form again, with the reason next to it
    assert "Vos rôles ne donnent accès à aucun onglet des dossiers de cette Caf." in html and "DURAND" not in html
    [entry] = journal(action=Action.DOSSIER_REFUSED)
    assert entry.details["reason"] == "no_tab" and entry.actor == no_tab_user


def test_a_tab_by_url_with_roles_that_give_no_tab_is_refused(login_as, no_tab_user, dossier, tab_url, journal):
    response = login_as(no_tab_user).get(tab_url(dossier, "synthese"))
    assert response.status_code == 403 and "DURAND" not in response.content.decode()


def test_the_attestation_page_still_opens_without_any_tab(login_as, no_tab_user, dossier):
    response = login_as(no_tab_user).get(reverse("dossiers:attestation", args=[dossier.caf.code, dossier.number]))
    assert response.status_code == 200
    assert "Visualiser et imprimer" in response.content.decode()


# ---------------------------------------------------------------- no-store


@pytest.mark.parametrize("name", ["attestation_pdf", "tab", "attestation"])
def test_dossier_pages_and_the_pdf_are_never_stored(login_as, t1_user, dossier, name):
    args = [dossier.caf.code, dossier.number] + (["synthese"] if name == "tab" else [])
    response = login_as(t1_user).get(reverse(f"dossiers:{name}", args=args))
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
