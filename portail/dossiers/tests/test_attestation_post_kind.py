"""« Envoyer par courrier »: the requester chooses the attestation de paiement or the attestation de droits;
the Caf prints the one asked for."""
from django.urls import reverse

from portail.dossiers.models import AttestationRequest, IssuedAttestation
from portail.journal.models import Action

from .test_attestation import pdf_text


def post_url(dossier) -> str:
    return reverse("dossiers:attestation_post", args=[dossier.caf.code, dossier.number])


def test_the_page_offers_both_attestations_to_post(login_as, t1_user, dossier):
    page = login_as(t1_user).get(reverse("dossiers:attestation", args=[dossier.caf.code, dossier.number]))
    html = page.content.decode()
    form = html.split('id="envoi-courrier"')[1].split("</form>")[0]
    assert 'name="envoi-kind" value="paiement"' in form and 'name="envoi-kind" value="droits"' in form
    assert "Attestation de paiement des douze derniers mois" in form and "Attestation de droits" in form


def test_rights_attestation_requested_confirmed_and_printed_by_the_caf(login_as, t1_user, caf_agent, dossier, journal):
    client = login_as(t1_user)
    page = client.post(post_url(dossier), {"envoi-kind": "droits"})
    html = page.content.decode()
    assert page.status_code == 200 and "La Caf enverra l'attestation de droits" in html
    assert '<input type="hidden" name="envoi-kind" value="droits">' in html
    assert not AttestationRequest.objects.exists()

    assert client.post(post_url(dossier), {"envoi-kind": "droits", "confirm": "1"}).status_code == 302
    request = AttestationRequest.objects.get(dossier=dossier)
    assert request.kind == "droits"
    [entry] = journal(action=Action.ATTESTATION_POSTED)
    assert entry.details["kind"] == "droits"
    listing = client.get(reverse("dossiers:attestation_requests")).content.decode()
    assert "Attestation de droits" in listing

    agent = login_as(caf_agent)
    assert "Attestation de droits" in agent.get(reverse("dossiers:caf_attestations")).content.decode()
    response = agent.get(reverse("dossiers:caf_attestation_pdf", args=[request.pk]))
    assert response.status_code == 200
    text = pdf_text(response.content)
    assert "Attestation de droits" in text and "Attestation de paiement" not in text
    assert IssuedAttestation.objects.get(dossier=dossier).kind == IssuedAttestation.Kind.RIGHTS


def test_without_a_choice_the_payment_attestation_is_posted(login_as, t1_user, caf_agent, dossier):
    login_as(t1_user).post(post_url(dossier), {"confirm": "1"})
    request = AttestationRequest.objects.get(dossier=dossier)
    assert request.kind == "paiement"
    text = pdf_text(login_as(caf_agent).get(reverse("dossiers:caf_attestation_pdf", args=[request.pk])).content)
    assert "Attestation de paiement" in text


def test_an_unknown_choice_is_refused_with_a_french_message(login_as, t1_user, dossier, journal):
    response = login_as(t1_user).post(post_url(dossier), {"envoi-kind": "releve", "confirm": "1"})
    assert response.status_code == 400
    assert "Choisissez l&#x27;attestation à envoyer." in response.content.decode()
    assert not AttestationRequest.objects.exists() and not journal(action=Action.ATTESTATION_POSTED)
