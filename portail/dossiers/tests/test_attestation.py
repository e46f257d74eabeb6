"""« Attestation »: two PDFs (paiement, droits) a third party can trust, and postal requests with their status."""
import io
import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from pypdf import PdfReader

from portail.core.clock import today
from portail.testing import factories as f
from portail.dossiers.attestations.content import add_months
from portail.dossiers.models import AttestationRequest, Dossier, IssuedAttestation, Payment, Right
from portail.dossiers.services import attestation_request_mark_sent
from portail.journal.models import Action

from .conftest import make_dossier

CONFIRM = {"confirm": "1"}  # « Confirmer l'envoi par courrier »


def pdf_text(content: bytes) -> str:
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)
    return re.sub(r"[\s\u00a0\u202f]+", " ", text)  # one space for the line breaks of a paragraph too


def month_arg(month: date) -> str:
    return month.strftime("%Y-%m")


def this_month() -> date:
    return today().replace(day=1)


@pytest.fixture
def signed_caf(caf):
    """The Caf as its attestations name it: postal address and signatory."""
    caf.address_line1, caf.address_line2, caf.postcode, caf.city = "18 rue des Allocations", "CS 70001", "75015", "Paris"
    caf.signatory_name, caf.signatory_title = "Catherine Morel", "Directrice de la Caf"
    caf.save()
    return caf


def paid_dossier(caf, number="2345678") -> Dossier:
    """Three months ago to last month: AF (gross 151,05, CRDS 0,76) and ALF to the landlord with a running
    deduction of 148 € for a debt (gross 560,42)."""
    dossier = Dossier.objects.create(
        caf=caf, number=number, title="Mme", last_name="MARTIN", first_name="Chloé", birth_date=date(1985, 3, 2),
        opened_on=date(2015, 1, 1), family_quotient=645, family_quotient_month=this_month(),
        family_quotient_income_year=this_month().year - 2,
    )
    Right.objects.create(dossier=dossier, benefit="AF", start_date=date(2018, 1, 1), monthly_amount=Decimal("151.05"))
    Right.objects.create(dossier=dossier, benefit="ALF", start_date=date(2019, 5, 1),
                         monthly_amount=Decimal("560.42"), payee="bailleur")
    Right.objects.create(dossier=dossier, benefit="RSA", start_date=date(2020, 1, 1), end_date=date(2023, 6, 30),
                         monthly_amount=Decimal("333.33"), status="clos", status_reason="Reprise d'activité")
    for back in (3, 2, 1):
        month = add_months(this_month(), -back)
        Payment.objects.create(dossier=dossier, month=month, benefit="AF", gross_amount=Decimal("151.05"),
                               crds=Decimal("0.76"), amount=Decimal("150.29"), paid_on=month + timedelta(days=35))
        Payment.objects.create(dossier=dossier, month=month, benefit="ALF", gross_amount=Decimal("560.42"),
                               deduction=Decimal("148.00"), amount=Decimal("412.42"), payee="bailleur",
                               paid_on=month + timedelta(days=35))
    return dossier


def pdf_url(dossier, **params):
    url = reverse("dossiers:attestation_pdf", args=[dossier.caf.code, dossier.number])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in params.items()) if params else "")


def last_three_months() -> dict:
    return {"kind": "paiement", "start": month_arg(add_months(this_month(), -3)),
            "end": month_arg(add_months(this_month(), -1))}


def test_payment_attestation_states_net_amounts_deductions_crds_caf_and_signatory(login_as, t1_user, signed_caf,
                                                                                  journal):
    dossier = paid_dossier(signed_caf)
    response = login_as(t1_user).get(pdf_url(dossier, **last_three_months()))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("inline;")
    text = pdf_text(response.content)
    assert "Attestation de paiement" in text
    assert "Mme Chloé MARTIN" in text and "Numéro allocataire : 2345678" in text
    first, last = add_months(this_month(), -3), add_months(this_month(), -1)
    assert "certifie avoir versé" in text
    # net, not gross: 3 × (150,29 + 412,42) = 1 688,13; the deduction and the CRDS are stated
    assert "soit 1 688,13 € au total" in text
    assert "retenues d'un montant total de 444,00 €" in text
    assert "s'élève à 2,28 €" in text  # CRDS 3 × 0,76
    assert "2 134,41 €" in text  # gross total 3 × 711,47, next to the net
    assert text.count("412,42 €") >= 3 and text.count("148,00 €") >= 3  # month by month
    assert "(ou pour son compte, à son bailleur)" in text
    # the Caf's postal address and signatory
    assert "18 rue des Allocations" in text and "75015 Paris" in text
    assert "Fait à Paris" in text and "Directrice de la Caf" in text and "Catherine Morel" in text
    entry = journal(action=Action.ATTESTATION_PRINTED)[0]
    reference = entry.details["reference"]
    assert reference in text and re.fullmatch(r"ATT-[A-Z2-7]{4}-[A-Z2-7]{4}-[A-Z2-7]{4}", reference)
    assert entry.details["kind"] == "paiement" and entry.details["period"] == [f"{first:%Y-%m}-01", f"{last:%Y-%m}-01"]
    issued = IssuedAttestation.objects.get(reference=reference)
    assert (issued.kind, issued.dossier, issued.issued_by, issued.issued_on) == ("paiement", dossier, t1_user, today())
    assert (issued.period_start, issued.period_end) == (first, last) and len(issued.content_digest) == 64


def test_the_period_chosen_bounds_the_months(login_as, t1_user, signed_caf):
    dossier = paid_dossier(signed_caf)
    month = month_arg(add_months(this_month(), -1))
    text = pdf_text(login_as(t1_user).get(pdf_url(dossier, kind="paiement", start=month, end=month)).content)
    assert "soit 562,71 € au total" in text and "retenues d'un montant total de 148,00 €" in text


def test_rights_attestation_states_monthly_amounts_and_quotient_with_its_month(login_as, t1_user, signed_caf,
                                                                               journal):
    dossier = paid_dossier(signed_caf)
    text = pdf_text(login_as(t1_user).get(pdf_url(dossier, kind="droits")).content)
    assert "Attestation de droits" in text and "Attestation de paiement" not in text
    assert f"bénéficie au {today():%d/%m/%Y} des droits suivants" in text
    assert "151,05 €" in text and "560,42 €" in text and "711,47 €" in text  # monthly amounts and their total
    assert "412,42 € pour" in text and "après une retenue de 148,00 €" in text  # what was really paid last
    assert "Revenu de solidarité active" not in text and "333,33" not in text  # the closed right is not current
    month_name = {1: "janvier", 2: "février", 3: "mars", 4: "avril", 5: "mai", 6: "juin", 7: "juillet", 8: "août",
                  9: "septembre", 10: "octobre", 11: "novembre", 12: "décembre"}[this_month().month]
    assert (f"Quotient familial : 645 € — mois de référence : {month_name} {this_month().year}, "
            f"calculé sur les revenus de {this_month().year - 2}") in text
    assert "Catherine Morel" in text and "18 rue des Allocations" in text
    entry = journal(action=Action.ATTESTATION_PRINTED)[0]
    assert entry.details["kind"] == "droits" and "period" not in entry.details
    assert IssuedAttestation.objects.get(reference=entry.details["reference"]).kind == "droits"


def test_nothing_paid_no_certification_of_payment(login_as, t1_user, caf):
    dossier = Dossier.objects.create(caf=caf, number="3456789", last_name="SANS", first_name="Paiement",
                                     birth_date=date(1990, 1, 1), opened_on=date(2020, 1, 1))
    client = login_as(t1_user)
    text = pdf_text(client.get(pdf_url(dossier)).content)
    assert "Aucun paiement n'a été effectué sur la période." in text
    assert "certifie avoir versé" not in text
    text = pdf_text(client.get(pdf_url(dossier, kind="droits")).content)
    assert f"Aucun droit n'est ouvert au {today():%d/%m/%Y}." in text and "certifie que" not in text


def test_the_pdf_is_tagged_with_title_and_language(login_as, t1_user, signed_caf):
    dossier = paid_dossier(signed_caf)
    for kind in ("paiement", "droits"):
        reader = PdfReader(io.BytesIO(login_as(t1_user).get(pdf_url(dossier, kind=kind)).content))
        catalog = reader.trailer["/Root"]
        assert bool(catalog["/MarkInfo"]["/Marked"]) is True
        assert "/StructTreeRoot" in catalog
        assert str(catalog["/Lang"]).lower().startswith("fr")
        assert reader.metadata.title.startswith("Attestation de " + ("paiement" if kind == "paiement" else "droits"))


def test_a_wrong_period_is_refused_next_to_the_field(login_as, t1_user, signed_caf, journal):
    dossier = paid_dossier(signed_caf)
    client = login_as(t1_user)
    later, earlier = month_arg(add_months(this_month(), -1)), month_arg(add_months(this_month(), -3))
    response = client.get(pdf_url(dossier, kind="paiement", start=later, end=earlier))
    assert response.status_code == 400 and response["Content-Type"].startswith("text/html")
    assert "Le dernier mois doit être le même que le premier ou venir après lui." in response.content.decode()
    response = client.get(pdf_url(dossier, kind="paiement", start="1999-01", end=later))
    assert response.status_code == 400
    assert "Choisissez un mois dans la liste" in response.content.decode()
    assert not journal(action=Action.ATTESTATION_PRINTED) and not IssuedAttestation.objects.exists()


def test_the_attestation_page_offers_both_and_the_period(login_as, t1_user, dossier):
    page = login_as(t1_user).get(reverse("dossiers:attestation", args=[dossier.caf.code, dossier.number])).content
    page = page.decode()
    assert "Attestation de paiement : les sommes versées mois par mois" in page
    assert "Attestation de droits : les droits ouverts à ce jour" in page
    assert 'name="start"' in page and 'name="end"' in page
    assert page.count("<option") == 2 * 36  # three years of months in each list, no more


def test_a_role_without_the_right_gets_no_pdf(login_as, t18_user, dossier, journal):
    client = login_as(t18_user)
    response = client.get(reverse("dossiers:attestation_pdf", args=[dossier.caf.code, dossier.number]))
    assert response.status_code == 403
    assert response["Content-Type"].startswith("text/html")
    assert not response.content.startswith(b"%PDF")
    assert client.get(pdf_url(dossier, kind="droits")).status_code == 403
    assert client.get(reverse("dossiers:attestation", args=[dossier.caf.code, dossier.number])).status_code == 403
    response = client.post(reverse("dossiers:attestation_post", args=[dossier.caf.code, dossier.number]), CONFIRM)
    assert response.status_code == 403
    assert not AttestationRequest.objects.exists() and not IssuedAttestation.objects.exists()
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
    response = client.post(reverse("dossiers:attestation_post", args=[dossier.caf.code, dossier.number]), CONFIRM)
    assert response.status_code == 403
    assert client.get(pdf_url(dossier, kind="droits")).status_code == 200


def test_postal_request_listed_with_its_status(login_as, t1_user, t18_user, caf_agent, dossier, journal):
    client = login_as(t1_user)
    page = client.get(reverse("dossiers:attestation", args=[dossier.caf.code, dossier.number])).content.decode()
    assert "Envoyer par courrier" in page
    response = client.post(reverse("dossiers:attestation_post", args=[dossier.caf.code, dossier.number]), CONFIRM, follow=True)
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


def test_the_allocataire_address_is_on_the_attestation(login_as, t1_user, caf):
    dossier = make_dossier(caf, "2345670", size=1, last_name="MARTIN", first_name="Chloé")
    text = pdf_text(login_as(t1_user).get(pdf_url(dossier, kind="droits")).content)
    assert "Adresse : 12 rue des Lilas, 33000 Bordeaux" in text
    assert "Allocations familiales (AF)" in text and "148,52 €" in text
