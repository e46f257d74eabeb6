"""« Envoyer par courrier » asked once (confirmation, no duplicate pending request) and the Caf's print of the
attestation to post (issue 7); « Consulter Dossiers » wording with a single Caf."""
import pytest
from django.urls import reverse

from portail.core.errors import BusinessError
from portail.dossiers import services
from portail.dossiers.models import AttestationRequest
from portail.journal.models import Action

from .test_caf_attestations import make_request, other_caf_agent, other_caf_dossier, ours  # noqa: F401 (fixtures)

CONFIRM = {"confirm": "1"}


def post_url(dossier) -> str:
    return reverse("dossiers:attestation_post", args=[dossier.caf.code, dossier.number])


def pdf_url(request) -> str:
    return reverse("dossiers:caf_attestation_pdf", args=[request.pk])


def test_envoyer_par_courrier_asks_for_confirmation_first(login_as, t1_user, dossier, journal):
    client = login_as(t1_user)
    response = client.post(post_url(dossier))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Confirmez-vous l'envoi par courrier ?" in html and "Confirmer l'envoi par courrier" in html
    assert 'name="confirm" value="1"' in html
    assert not AttestationRequest.objects.exists() and not journal(action=Action.ATTESTATION_POSTED)

    response = client.post(post_url(dossier), CONFIRM)
    assert response.status_code == 302
    assert AttestationRequest.objects.filter(dossier=dossier, requested_by=t1_user).count() == 1


def test_a_second_request_while_one_is_pending_is_refused(login_as, t1_user, dossier, journal):
    client = login_as(t1_user)
    client.post(post_url(dossier), CONFIRM)
    response = client.post(post_url(dossier), CONFIRM, follow=True)
    assert AttestationRequest.objects.filter(dossier=dossier).count() == 1
    assert len(journal(action=Action.ATTESTATION_POSTED)) == 1
    text = response.content.decode()
    assert "déjà en attente à la Caf" in text
    # The attestation page says so and offers no second request.
    assert "Envoyer par courrier à l'allocataire" not in text and 'id="envoi-en-attente"' in text


def test_the_service_refuses_a_duplicate_even_from_another_partner_user(t1_user, dossier, convention, t1_group):
    from portail.testing import factories as f

    colleague = f.UserFactory(organisation=convention.organisation)
    f.MembershipFactory(group=t1_group, user=colleague)
    services.attestation_post(actor=t1_user, ip="127.0.0.1", caf_code=dossier.caf.code, number=dossier.number)
    with pytest.raises(BusinessError, match="déjà en attente"):
        services.attestation_post(actor=colleague, ip="127.0.0.1", caf_code=dossier.caf.code, number=dossier.number)


def test_a_new_request_is_possible_once_the_letter_was_sent(login_as, t1_user, dossier):
    make_request(dossier, t1_user, sent=True)
    login_as(t1_user).post(post_url(dossier), CONFIRM)
    assert AttestationRequest.objects.filter(dossier=dossier, status=AttestationRequest.Status.REQUESTED).count() == 1


# ---------------------------------------------------------------- the Caf prints the attestation to post


def test_caf_agent_prints_the_attestation_to_post_journaled_as_the_cafs(login_as, caf_agent, ours, journal):
    client = login_as(caf_agent)
    html = client.get(reverse("dossiers:caf_attestations")).content.decode()
    assert f'href="{pdf_url(ours)}"' in html and "Imprimer l'attestation" in html
    response = client.get(pdf_url(ours))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    [entry] = journal(action=Action.ATTESTATION_PRINTED_CAF)
    assert entry.actor_id == caf_agent.pk and entry.caf_id == ours.dossier.caf_id
    assert entry.dossier_number == ours.dossier.number
    assert entry.details["request_reference"] == "ATT-OURS-0001"


def test_print_refused_outside_the_agents_caf_and_to_partners(login_as, other_caf_agent, t1_user, ours, journal):
    assert login_as(other_caf_agent).get(pdf_url(ours)).status_code == 404
    assert login_as(t1_user).get(pdf_url(ours)).status_code == 404
    assert not journal(action=Action.ATTESTATION_PRINTED_CAF)


def test_print_of_a_request_already_sent_is_refused(login_as, caf_agent, dossier, t1_user, journal):
    sent = make_request(dossier, t1_user, sent=True)
    assert login_as(caf_agent).get(pdf_url(sent)).status_code == 403
    assert not journal(action=Action.ATTESTATION_PRINTED_CAF)


# ---------------------------------------------------------------- « Consulter Dossiers » with one Caf


def test_single_caf_wording(login_as, t1_user):
    html = login_as(t1_user).get(reverse("dossiers:search")).content.decode()
    assert "Entrez le numéro allocataire, puis cliquez sur « Consulter »." in html
    assert "Sélectionnez entrez" not in html and "Sélectionnez" not in html.split("<h1>")[1].split("</p>")[0]
