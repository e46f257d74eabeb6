"""« Attestation »: a PDF whose text carries the names and amounts; postal requests listed with their status."""
import io
import re
from datetime import date

import pytest
from django.urls import reverse
from pypdf import PdfReader

from portail.testing import factories as f
from portail.dossiers.models import AttestationRequest
from portail.dossiers.services import attestation_request_mark_sent
from portail.journal.models import Action

from .conftest import make_dossier


def pdf_text(content: bytes) -> str:
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)
    return re.sub(r"[\u00a0\u202f]", " ", text)


def test_t1_gets_the_pdf_with_names_and_amounts(login_as, t1_user, caf, journal):
    dossier = make_dossier(caf, "2345678", size=3, last_name="MARTIN", first_name="Chloé")
    response = login_as(t1_user).get(reverse("dossiers:attestation_pdf", args=[caf.code, dossier.number]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("inline;")
    text = pdf_text(response.content)
    assert "Attestation de paiement" in text
    assert "Mme Chloé MARTIN" in text
    assert "Numéro allocataire : 2345678" in text
    assert "12 rue des Lilas, 33000 Bordeaux" in text
    assert caf.name in text
    assert "Quotient familial : 612 €" in text
    assert "445,56 €" in text  # AF: 3 × 148,52
    assert "753,90 €" in text  # APL to the landlord: 3 × 251,30
    assert "1 199,46 €" in text  # total
    assert "Bailleur (tiers" in text
    assert "octobre 2025 à décembre 2025" in text
    entry = journal(action=Action.ATTESTATION_PRINTED)[0]
    assert entry.details["reference"] in text
    assert re.fullmatch(r"ATT-[A-Z2-7]{4}-[A-Z2-7]{4}-[A-Z2-7]{4}", entry.details["reference"])


def test_a_role_without_the_right_gets_no_pdf(login_as, t18_user, dossier, journal):
    client = login_as(t18_user)
    response = client.get(reverse("dossiers:attestation_pdf", args=[dossier.caf.code, dossier.number]))
    assert response.status_code == 403
    assert response["Content-Type"].startswith("text/html")
    assert not response.content.startswith(b"%PDF")
    assert client.get(reverse("dossiers:attestation", args=[dossier.caf.code, dossier.number])).status_code == 403
    response = client.post(reverse("dossiers:attestation_post", args=[dossier.caf.code, dossier.number]))
    assert response.status_code == 403
    assert not AttestationRequest.objects.exists()
    assert not journal(action=Action.ATTESTATION_PRINTED) and not journal(action=Action.ATTESTATION_POSTED)
    # and the button is not shown on the file
    page = client.get(reverse("dossiers:tab", args=[dossier.caf.code, dossier.number, "synthese"])).content.decode()
    assert ">Attestation<" not in page


def test_print_only_role_sees_print_not_post(login_as, convention, cdap, make_group, dossier):
    instructor = f.RoleFactory(service=cdap, code="T2", can_print_attestation=True)
    user = f.UserFactory(organisation=convention.organisation)
    make_group(convention, "RSA", roles=[instructor], members=[user])
    client = login_as(user)
    page = client.get(reverse("dossiers:attestation", args=[dossier.caf.code, dossier.number])).content.decode()
    assert "Visualiser et imprimer l'attestation" in page
    assert "Envoyer par courrier" not in page
    response = client.post(reverse("dossiers:attestation_post", args=[dossier.caf.code, dossier.number]))
    assert response.status_code == 403


def test_postal_request_listed_with_its_status(login_as, t1_user, t18_user, caf_agent, dossier, journal):
    client = login_as(t1_user)
    page = client.get(reverse("dossiers:attestation", args=[dossier.caf.code, dossier.number])).content.decode()
    assert "Envoyer par courrier" in page
    response = client.post(reverse("dossiers:attestation_post", args=[dossier.caf.code, dossier.number]), follow=True)
    assert response.status_code == 200
    body = response.content.decode()
    assert "a été transmise à la Caf" in body
    request = AttestationRequest.objects.get()
    assert request.requested_by == t1_user and request.status == "demandee"
    assert dossier.number in body and "Demandée" in body
    assert [e.action for e in journal(action=Action.ATTESTATION_POSTED)] == [Action.ATTESTATION_POSTED]

    attestation_request_mark_sent(actor=caf_agent, request=request, sent_on=date(2026, 1, 5))
    body = client.get(reverse("dossiers:attestation_requests")).content.decode()
    assert "Envoyée le 05/01/2026" in body
    # another user does not see it
    assert dossier.number not in login_as(t18_user).get(reverse("dossiers:attestation_requests")).content.decode()


def test_postal_request_needs_post(login_as, t1_user, dossier):
    response = login_as(t1_user).get(reverse("dossiers:attestation_post", args=[dossier.caf.code, dossier.number]))
    assert response.status_code == 405
    assert not AttestationRequest.objects.exists()


@pytest.mark.parametrize("username_has_no_payments", [True])
def test_pdf_of_a_file_without_payments(login_as, t1_user, caf, username_has_no_payments):
    from portail.dossiers.models import Dossier

    dossier = Dossier.objects.create(caf=caf, number="3456789", last_name="SANS", first_name="Paiement",
                                     birth_date=date(1990, 1, 1), opened_on=date(2020, 1, 1))
    response = login_as(t1_user).get(reverse("dossiers:attestation_pdf", args=[caf.code, dossier.number]))
    assert response.status_code == 200
    assert "Aucun paiement sur les douze derniers mois" in pdf_text(response.content)
