"""« Vérifier une attestation »: public, « valide » / « non valide » and nothing else, journaled, rate-limited."""
from datetime import timedelta

import pytest
from django.urls import reverse

from portail.core.clock import today
from portail.dossiers.attestations import normalize_reference
from portail.dossiers.models import IssuedAttestation
from portail.journal.models import Action

from .conftest import make_dossier

URL = "/verifier-une-attestation/"
VALID = "Attestation valide"
NOT_VALID = "Attestation non valide"


@pytest.fixture
def issued(login_as, t1_user, caf):
    """An attestation de paiement printed by a T1 user: its reference and date as printed."""
    dossier = make_dossier(caf, "2345678", last_name="MARTINEZ", first_name="Chloé")
    response = login_as(t1_user).get(reverse("dossiers:attestation_pdf", args=[caf.code, dossier.number]))
    assert response.status_code == 200
    record = IssuedAttestation.objects.get()
    return record


def verify(client, reference, day, **extra):
    return client.post(URL, {"reference": reference, "issued_on": day.isoformat()}, **extra)


def assert_reveals_nothing(body: str):
    for secret in ("MARTINEZ", "Chloé", "2345678", "148,52", "Attestation de paiement"):
        assert secret not in body


def test_the_page_is_public_and_named_in_the_url():
    assert reverse("verification:verify") == URL


def test_a_real_reference_and_date_are_valid(client, issued, journal):
    response = verify(client, issued.reference, issued.issued_on)
    assert response.status_code == 200
    body = response.content.decode()
    assert VALID in body and NOT_VALID not in body
    assert_reveals_nothing(body)
    [entry] = journal(action=Action.ATTESTATION_VERIFIED)
    assert entry.actor_id is None and entry.ip_address == "127.0.0.1"
    assert entry.details == {"reference": issued.reference, "date": issued.issued_on.isoformat(), "valid": True,
                             "attestation": issued.pk}
    assert entry.dossier_number == "2345678" and entry.caf_id == issued.dossier.caf_id


def test_typed_loosely_it_is_still_found(client, issued):
    loose = issued.reference.lower().replace("-", " ").replace("att ", "")
    assert VALID in verify(client, loose, issued.issued_on).content.decode()


def test_a_wrong_date_is_not_valid(client, issued, journal):
    body = verify(client, issued.reference, issued.issued_on - timedelta(days=1)).content.decode()
    assert NOT_VALID in body and VALID + "<" not in body
    assert_reveals_nothing(body)
    [entry] = journal(action=Action.ATTESTATION_VERIFIED)
    assert entry.details["valid"] is False and entry.details["attestation"] == issued.pk


@pytest.mark.parametrize("forged", ["ATT-AAAA-BBBB-CCCC", "flip"])
def test_a_forged_reference_is_not_valid(client, issued, journal, forged):
    if forged == "flip":  # one character changed in a real reference
        code = issued.reference
        forged = code[:-1] + ("A" if code[-1] != "A" else "B")
    body = verify(client, forged, issued.issued_on).content.decode()
    assert NOT_VALID in body
    assert_reveals_nothing(body)
    [entry] = journal(action=Action.ATTESTATION_VERIFIED)
    assert entry.details["valid"] is False and "attestation" not in entry.details and not entry.dossier_number


def test_malformed_input_is_refused_next_to_the_field_and_not_counted(client, issued, journal):
    response = client.post(URL, {"reference": "12345", "issued_on": "32/13/2026"})
    assert response.status_code == 400
    body = response.content.decode()
    assert "La référence commence par ATT- et se poursuit par 12 lettres et chiffres" in body
    assert "Saisissez une date valide" in body
    response = client.post(URL, {})
    assert "Saisissez la référence de vérification." in response.content.decode()
    assert not journal(action=Action.ATTESTATION_VERIFIED)


def test_signed_in_users_may_use_it_too(login_as, t18_user, issued):
    assert VALID in verify(login_as(t18_user), issued.reference, issued.issued_on).content.decode()


def test_an_address_trying_references_in_bulk_is_stopped(client, issued, journal, settings):
    settings.ATTESTATION_CHECK_FAILURES_PER_HOUR = 3
    for i in range(3):
        assert NOT_VALID in verify(client, f"ATT-AAAA-BBBB-CCC{i + 2}", today()).content.decode()
    response = verify(client, issued.reference, issued.issued_on)
    assert response.status_code == 429
    body = response.content.decode()
    assert "Trop de vérifications" in body and VALID not in body
    verify(client, issued.reference, issued.issued_on)  # refused again: journaled once only
    entries = journal(action=Action.ATTESTATION_VERIFIED)
    assert [e.details.get("throttled", False) for e in entries] == [False, False, False, True]
    # another address is not affected
    assert VALID in verify(client, issued.reference, issued.issued_on, REMOTE_ADDR="10.1.2.3").content.decode()


def test_references_are_random_and_normalised():
    from portail.dossiers.attestations import new_reference

    references = {new_reference() for _ in range(200)}
    assert len(references) == 200
    assert all(normalize_reference(r) == r for r in references)
    assert normalize_reference("att-k7qm-2xhd-p4rb") == "ATT-K7QM-2XHD-P4RB"
    assert normalize_reference("K7QM 2XHD P4R8") == "ATT-K7QM-2XHD-P4RB"  # 8 read for B
    assert normalize_reference("ATT-K7QM-2XHD") is None and normalize_reference("ATT-K7QM-2XHD-P4R9") is None
