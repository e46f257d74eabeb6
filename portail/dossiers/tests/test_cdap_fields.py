"""What Cdap users look for in a file: each new field shows in its tab (R8: only there), and the
generator derives it from the household's timeline (checked on the coherence sweep)."""
from datetime import date
from decimal import Decimal

import pytest

from portail.dossiers.generation.calendar import add_months
from portail.dossiers.models import Benefit, Debt, FamilyMember, Housing, Letter, Payment, Right, RsaInfo

from .test_coherence import REF, sweep

HOUSING = (Benefit.APL, Benefit.ALS, Benefit.ALF)


@pytest.fixture
def cdap_dossier(dossier):
    """The conftest file with every Cdap field filled, each with a value found nowhere else."""
    FamilyMember.objects.filter(dossier=dossier, position=0).update(
        activity=FamilyMember.Activity.JOBSEEKER, france_travail_since=date(2024, 3, 11),
        protection=FamilyMember.Protection.CURATORSHIP, expected_birth_on=date(2026, 9, 17))
    FamilyMember.objects.filter(dossier=dossier, position=1).update(disabled=True, shared_custody=True)
    Payment.objects.filter(dossier=dossier, benefit="AF").update(arrear=True)
    dossier.next_payment_on, dossier.next_payment_amount = date(2026, 7, 5), Decimal("377.77")
    dossier.declaration_quarter, dossier.declaration_received_on = date(2026, 4, 1), None
    dossier.control_since = date(2026, 5, 19)
    dossier.missing_documents, dossier.missing_documents_since = "Attestation de loyer", date(2026, 5, 23)
    dossier.pending_request, dossier.pending_request_since = "Déclaration de grossesse", date(2026, 6, 2)
    dossier.save()
    RsaInfo.objects.filter(dossier=dossier).update(sanction="Réduction de 30 % du RSA", sanction_since=date(2026, 6, 1))
    Housing.objects.filter(dossier=dossier).update(
        rent_retained=Decimal("362.00"), unpaid_rent_since=date(2026, 2, 3), unpaid_rent_amount=Decimal("960.00"),
        repayment_plan_monthly=Decimal("80.00"), non_decent_since=date(2026, 6, 8))
    Debt.objects.filter(dossier=dossier).update(period_start=date(2024, 10, 1), period_end=date(2024, 12, 1))
    return dossier


FIELDS = {  # tab -> what it prints of the fields above
    "famille": ["Demandeur d&#x27;emploi", "Inscrit(e) à France Travail depuis le 11/03/2024",
                "Mesure de protection : curatelle", "naissance prévue le 17/09/2026",
                "En situation de handicap (AEEH)", "Résidence alternée"],
    "paiements": ["Prochain paiement", "377,77", "05/07/2026", "Rappel"],
    "rsa": ["Déclaration trimestrielle", "manquante", "Réduction de 30 % du RSA", "01/06/2026"],
    "logement": ["Loyer retenu", "362,00", "960,00", "03/02/2026", "plan d'apurement : 80,00", "non décent",
                 "08/06/2026"],
    "resume": ["Contrôle en cours", "19/05/2026", "Attestation de loyer", "23/05/2026", "Déclaration de grossesse",
               "02/06/2026"],
    "creances": ["octobre 2024 à décembre 2024", "Notifiée le (courrier)"],
    "synthese": ["Prochain paiement", "377,77"],
}


def test_t1_sees_each_field_in_its_tab(login_as, t1_user, cdap_dossier, tab_url):
    client = login_as(t1_user)
    for tab, texts in FIELDS.items():
        response = client.get(tab_url(cdap_dossier, tab))
        html = response.content.decode()
        assert response.status_code == 200, tab
        for text in texts:
            assert text in html, (tab, text)


def test_t18_sees_only_the_fields_of_its_tabs(login_as, t18_user, cdap_dossier, tab_url):
    """T18 opens synthèse, résumé, famille, logement: the payment, RSA and créance fields show nowhere."""
    client = login_as(t18_user)
    pages = {tab: client.get(tab_url(cdap_dossier, tab)) for tab in ("synthese", "resume", "famille", "logement")}
    assert all(r.status_code == 200 for r in pages.values())
    refused = FIELDS["paiements"] + ["Déclaration trimestrielle", "Réduction de 30 % du RSA", "octobre 2024"]
    for tab, response in pages.items():
        html = response.content.decode()
        for text in refused:
            assert text not in html, (tab, text)
    for tab in ("famille", "logement", "resume"):
        for text in FIELDS[tab]:
            assert text in pages[tab].content.decode(), (tab, text)
    # A figure shows only in its tab: the résumé's control is not on the famille page, nor the rent on résumé.
    assert "Contrôle en cours" not in pages["famille"].content.decode()
    assert "Loyer retenu" not in pages["resume"].content.decode()
    for tab in ("paiements", "rsa", "creances"):
        assert client.get(tab_url(cdap_dossier, tab)).status_code in (403, 404)


# ---------------------------------------------------------------- coherence of generated files


@pytest.fixture(scope="module")
def files():
    return sweep()


def _open(f):
    return {r["benefit"] for r in f.rights if r["status"] == Right.Status.OPEN}


def test_the_sweep_holds_every_new_field(files):
    counts = {
        "disabled child": sum(any(m.get("disabled") and m["relationship"] == "enfant" for m in f.members) for f in files),
        "france travail": sum(any(m.get("france_travail_since") for m in f.members) for f in files),
        "rappel": sum(any(p.get("arrear") for p in f.payments) for f in files),
        "sanction": sum(bool(f.rsa and f.rsa.get("sanction")) for f in files),
        "unpaid rent": sum(bool(f.housing.get("unpaid_rent_since")) for f in files),
        "plan": sum(bool(f.housing.get("repayment_plan_monthly")) for f in files),
        "control": sum(bool(f.dossier.control_since) for f in files),
        "missing declaration": sum(bool(f.dossier.declaration_quarter and not f.dossier.declaration_received_on)
                                   for f in files),
        "shared custody": sum(any(m.get("shared_custody") for m in f.members) for f in files),
        "pregnancy": sum(any(m.get("expected_birth_on") for m in f.members) for f in files),
    }
    assert all(counts.values()), counts


def test_an_aeeh_child_is_always_disabled(files):
    for f in files:
        aeeh = any(p["benefit"] == Benefit.AEEH for p in f.payments)
        disabled_children = [m for m in f.members if m["relationship"] == "enfant" and m.get("disabled")]
        assert bool(disabled_children) == aeeh, f.dossier.number
        aah = any(p["benefit"] == Benefit.AAH for p in f.payments)
        assert aah == any(m.get("disabled") for m in f.members if m["relationship"] != "enfant"), f.dossier.number


def test_adults_have_an_activity_and_job_seekers_are_registered(files):
    for f in files:
        for m in f.members:
            if m["relationship"] == "enfant":
                assert not m.get("activity") and not m.get("france_travail_since")
            else:
                assert m["activity"]
                if m["activity"] == FamilyMember.Activity.JOBSEEKER:
                    assert m["france_travail_since"]
        if f.rsa:  # RSA beneficiaries are registered with France Travail
            assert f.members[0]["france_travail_since"] and f.members[0]["france_travail_since"] < REF


def test_shared_custody_only_without_asf(files):
    for f in files:
        if any(m.get("shared_custody") for m in f.members):
            assert not any(p["benefit"] == Benefit.ASF for p in f.payments)


def test_unpaid_rent_and_plan_only_with_housing_aid(files):
    for f in files:
        h = f.housing
        aid = bool(_open(f) & set(HOUSING))
        assert bool(h["rent_retained"]) == aid
        assert h["rent_retained"] <= h["rent"]
        if h.get("unpaid_rent_since") or h["repayment_plan_monthly"] or h.get("non_decent_since"):
            assert aid and h["kind"] != Housing.Kind.OWNER
        if h["repayment_plan_monthly"]:
            assert h["unpaid_rent_since"] and h["repayment_plan_monthly"] <= h["unpaid_rent_amount"]


def test_a_sanction_only_with_rsa_and_declarations_only_with_rsa_or_ppa(files):
    for f in files:
        if f.rsa and f.rsa.get("sanction"):
            assert Benefit.RSA in _open(f) and f.rsa["referent"]
        assert bool(f.dossier.declaration_quarter) == bool(_open(f) & {Benefit.RSA, Benefit.PPA})
        if f.dossier.declaration_received_on:
            assert f.dossier.declaration_quarter < f.dossier.declaration_received_on <= REF


def test_next_payment_is_the_last_months_net_when_rights_are_unchanged(files):
    last = add_months(date(REF.year, REF.month, 1), -1)
    for f in files:
        d = f.dossier
        opened = _open(f) - {Benefit.ARS}
        net = sum((p["amount"] for p in f.payments if p["month"] == last and p["benefit"] in opened), Decimal("0"))
        if not opened:
            assert d.next_payment_on is None
            continue
        assert d.next_payment_on == date(REF.year, REF.month, 1).replace(month=REF.month + 1, day=5)
        if f.rsa and f.rsa.get("sanction"):
            assert d.next_payment_amount < net
        else:
            assert d.next_payment_amount == net


def test_rappels_are_paid_later_with_a_later_month(files):
    for f in files:
        for p in f.payments:
            if p.get("arrear"):
                assert p["benefit"] in (Benefit.RSA, Benefit.PPA)
                assert p["paid_on"] > add_months(p["month"], 1).replace(day=5)
                assert any(q["paid_on"] == p["paid_on"] and not q.get("arrear") and q["benefit"] == p["benefit"]
                           for q in f.payments)


def test_control_and_missing_documents_have_their_letter(files):
    for f in files:
        d = f.dossier
        subjects = {(letter["sent_on"], letter["subject"]) for letter in f.letters}
        if d.control_since:
            assert (d.control_since, "Contrôle de votre situation") in subjects
        if d.missing_documents:
            assert (d.missing_documents_since, "Demande de pièces justificatives") in subjects
        for day in (d.control_since, d.missing_documents_since, d.pending_request_since):
            assert day is None or d.opened_on <= day < REF


def test_every_debt_has_its_period_and_notice(files):
    for f in files:
        for debt in f.debts:
            assert debt["period_start"] <= debt["period_end"] < debt["created_on"]
            assert any(letter["sent_on"] == debt["created_on"] for letter in f.letters)
