"""Reads for the dossier pages: each tab in a fixed number of indexed queries, whatever the file's size."""
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Max, Q, Subquery, Sum

from portail.access import attestation_requests_made_by, attestation_requests_visible_to
from portail.conventions.models import TAB_BY_CODE, TAB_ORDER, Caf
from portail.core.compiled import CompiledQuery

from .models import (
    AttestationRequest,
    Benefit,
    Debt,
    Dossier,
    FamilyMember,
    Housing,
    Letter,
    Payment,
    Resource,
    Right,
    RsaInfo,
)

HOUSING_BENEFITS = (Benefit.APL, Benefit.ALS, Benefit.ALF)
# The tabs whose figures the summaries borrow (tab catalogue): each section shows only if its tab is open.
SYNTHESE_SECTIONS = TAB_BY_CODE["synthese"].summary_of
RESUME_SECTIONS = TAB_BY_CODE["resume"].summary_of


def _plausible_caf_code(code: str) -> bool:
    """A forged code never reaches the database."""
    return bool(code and len(code) <= 3 and code.isascii() and code.isalnum())


def caf_by_code(code: str) -> Caf | None:
    if not _plausible_caf_code(code):
        return None
    return Caf.objects.filter(code=code).first()


# The reads of every consultation, compiled once (portail/core/compiled.py): the ORM's SQL building cost more
# than PostgreSQL's work on each page. Each is the queryset written here, run with the file's values.
FILE_BY_CAF_CODE = CompiledQuery(
    lambda code, number: Dossier.objects.select_related("caf").filter(caf__code=code, number=number).order_by(),
    str, str)
HOUSING = CompiledQuery(lambda dossier_id: Housing.objects.filter(dossier_id=dossier_id).order_by("pk")[:1], int)
OPEN_RIGHTS = CompiledQuery(
    lambda dossier_id: Right.objects.filter(dossier_id=dossier_id, status=Right.Status.OPEN).order_by("benefit"), int)
MEMBERS = CompiledQuery(lambda dossier_id: FamilyMember.objects.filter(dossier_id=dossier_id).order_by("position"), int)
LAST_LETTERS = CompiledQuery(
    lambda dossier_id: Letter.objects.filter(dossier_id=dossier_id).order_by("-sent_on")[:3], int)
LETTERS = CompiledQuery(lambda dossier_id: Letter.objects.filter(dossier_id=dossier_id).order_by("-sent_on"), int)
PAYMENTS = CompiledQuery(
    lambda dossier_id: Payment.objects.filter(dossier_id=dossier_id).order_by("-month", "benefit"), int)
RIGHTS = CompiledQuery(
    lambda dossier_id: Right.objects.filter(dossier_id=dossier_id).order_by("status", "benefit", "-start_date"), int)
RESOURCES = CompiledQuery(
    lambda dossier_id: Resource.objects.filter(dossier_id=dossier_id)
    .order_by("scope", "-period_start", "person", "kind"), int)
RSA = CompiledQuery(lambda dossier_id: RsaInfo.objects.filter(dossier_id=dossier_id).order_by("pk")[:1], int)
RSA_PAYMENTS = CompiledQuery(
    lambda dossier_id: Payment.objects.filter(dossier_id=dossier_id, benefit=Benefit.RSA).order_by("-month")[:12], int)
HOUSING_RIGHTS = CompiledQuery(
    lambda dossier_id: Right.objects.filter(dossier_id=dossier_id, benefit__in=HOUSING_BENEFITS)
    .order_by("-start_date"), int)
DEBTS = CompiledQuery(lambda dossier_id: Debt.objects.filter(dossier_id=dossier_id).order_by("-created_on"), int)
# The Synthèse's figures: aggregates over one file, grouped by it (no row when the file has none).
LAST_MONTH_PAID = CompiledQuery(
    lambda dossier_id: Payment.objects.filter(
        dossier_id=dossier_id,
        month=Subquery(Payment.objects.filter(dossier_id=dossier_id).order_by("-month").values("month")[:1]))
    .order_by().values("dossier_id").annotate(last_month=Max("month"), last_total=Sum("amount")), int)
DEBTS_ONGOING = CompiledQuery(
    lambda dossier_id: Debt.objects.filter(dossier_id=dossier_id).order_by().values("dossier_id").annotate(
        remaining_total=Sum("remaining", filter=~Q(status=Debt.Status.SETTLED)),
        ongoing=Count("id", filter=~Q(status=Debt.Status.SETTLED))), int)
PEOPLE_PRESENT = CompiledQuery(
    lambda dossier_id: FamilyMember.objects.filter(dossier_id=dossier_id, left_on__isnull=True).order_by()
    .values("dossier_id").annotate(
        total=Count("id"),
        children=Count("id", filter=Q(relationship=FamilyMember.Relationship.CHILD, dependent=True))), int)


def dossier_by_caf_code(code: str, number: str) -> Dossier | None:
    """The file and its Caf in one query (the consultation's usual path); None when either is unknown."""
    if not _plausible_caf_code(code) or not isinstance(number, str):
        return None
    return FILE_BY_CAF_CODE.first(code, number)


def housing_of(dossier: Dossier) -> Housing | None:
    return HOUSING.first(dossier.pk)


def _open_rights(dossier: Dossier) -> list[Right]:
    return OPEN_RIGHTS(dossier.pk)


@dataclass
class PaymentGrid:
    """Payments pivoted: one row per month, one column per benefit."""

    benefits: list[tuple[str, str]]
    rows: list[dict]
    totals: dict[str, Decimal]
    grand_total: Decimal
    breakdown: dict[str, Decimal]  # brut, CRDS, retenue, net over all the rows


def payment_grid(payments: list[Payment]) -> PaymentGrid:
    labels = dict(Benefit.choices)
    benefits = sorted({p.benefit for p in payments})
    by_month: dict = defaultdict(dict)
    for p in payments:
        by_month[p.month][p.benefit] = p
    rows = []
    for month in sorted(by_month, reverse=True):
        cells = by_month[month]
        rows.append({
            "month": month,
            "cells": [cells.get(b) for b in benefits],
            "total": sum((c.amount for c in cells.values()), Decimal("0")),
            **_breakdown(cells.values()),
            "to_landlord": any(c.payee == "bailleur" for c in cells.values()),
        })
    totals = {b: sum((p.amount for p in payments if p.benefit == b), Decimal("0")) for b in benefits}
    return PaymentGrid(
        benefits=[(b, labels.get(b, b)) for b in benefits],
        rows=rows,
        totals=totals,
        grand_total=sum(totals.values(), Decimal("0")),
        breakdown=_breakdown(payments),
    )


def gross_of(payment: Payment) -> Decimal:
    """The gross amount; an extract that gives none (0) had net = gross − CRDS − deduction all the same."""
    return payment.gross_amount or (payment.amount + payment.crds + payment.deduction)


def _breakdown(payments) -> dict[str, Decimal]:
    """Brut, CRDS, retenue sur créance and net of some payments."""
    zero = Decimal("0")
    payments = list(payments)
    return {"gross": sum((gross_of(p) for p in payments), zero), "crds": sum((p.crds for p in payments), zero),
            "deduction": sum((p.deduction for p in payments), zero), "net": sum((p.amount for p in payments), zero)}


def tab_synthese(dossier: Dossier, tabs: frozenset[str]) -> dict:
    """The overview, made only of figures of the tabs the user's roles open (R8): a section whose
    tab is refused is not read at all, so the template never receives it."""
    data: dict = {"shown": {t for t in SYNTHESE_SECTIONS if t in tabs}}
    if "droits" in tabs:
        rights = _open_rights(dossier)
        data["rights"] = rights
        data["monthly_total"] = sum((r.monthly_amount for r in rights if r.benefit != Benefit.ARS), Decimal("0"))
    if "paiements" in tabs:
        last = LAST_MONTH_PAID.first(dossier.pk) or {}
        data["last_month"] = last.get("last_month")
        data["last_total"] = last.get("last_total") or Decimal("0")
    if "creances" in tabs:
        debts = DEBTS_ONGOING.first(dossier.pk) or {}
        data["debt_remaining"] = debts.get("remaining_total") or Decimal("0")
        data["debt_count"] = debts.get("ongoing") or 0
    if "famille" in tabs:
        people = PEOPLE_PRESENT.first(dossier.pk) or {}
        data["people"], data["children"] = people.get("total", 0), people.get("children", 0)
    if "logement" in tabs:
        data["housing"] = housing_of(dossier)
    return data


def tab_resume(dossier: Dossier, tabs: frozenset[str]) -> dict:
    """Identity and address, plus the household, benefits and letters only for roles that open
    the « famille », « droits » and « courriers » tabs."""
    data: dict = {"housing": housing_of(dossier), "shown": {t for t in RESUME_SECTIONS if t in tabs}}
    if "famille" in tabs:
        data["members"] = MEMBERS(dossier.pk)
    if "droits" in tabs:
        data["rights"] = _open_rights(dossier)
    if "courriers" in tabs:
        data["letters"] = LAST_LETTERS(dossier.pk)
    return data


def tab_paiements(dossier: Dossier) -> dict:
    payments = PAYMENTS(dossier.pk)
    for p in payments:
        p.gross = gross_of(p)
    return {"grid": payment_grid(payments), "payments": payments}


def tab_droits(dossier: Dossier) -> dict:
    rights = RIGHTS(dossier.pk)
    return {
        "open_rights": [r for r in rights if r.status == Right.Status.OPEN],
        "other_rights": [r for r in rights if r.status != Right.Status.OPEN],
    }


def tab_famille(dossier: Dossier) -> dict:
    return {"members": MEMBERS(dossier.pk)}


def tab_ressources(dossier: Dossier) -> dict:
    resources = RESOURCES(dossier.pk)
    return {
        "annual": [r for r in resources if r.scope == Resource.Scope.ANNUAL],
        "quarterly": [r for r in resources if r.scope == Resource.Scope.QUARTERLY],
    }


def tab_rsa(dossier: Dossier) -> dict:
    return {"rsa": RSA.first(dossier.pk), "rsa_payments": RSA_PAYMENTS(dossier.pk)}


def tab_courriers(dossier: Dossier) -> dict:
    return {"letters": LETTERS(dossier.pk)}


def tab_logement(dossier: Dossier) -> dict:
    return {"housing": housing_of(dossier), "housing_rights": HOUSING_RIGHTS(dossier.pk)}


def tab_creances(dossier: Dossier) -> dict:
    debts = DEBTS(dossier.pk)
    return {
        "debts": debts,
        "remaining_total": sum((d.remaining for d in debts if d.status != Debt.Status.SETTLED), Decimal("0")),
    }


TAB_READERS = {
    "synthese": tab_synthese,
    "resume": tab_resume,
    "paiements": tab_paiements,
    "droits": tab_droits,
    "famille": tab_famille,
    "ressources": tab_ressources,
    "rsa": tab_rsa,
    "courriers": tab_courriers,
    "logement": tab_logement,
    "creances": tab_creances,
}


SUMMARY_READERS = {code for code, tab in TAB_BY_CODE.items() if tab.summary_of}
assert set(TAB_READERS) == set(TAB_ORDER), "every tab of the catalogue has its reader"


def tab_data(dossier: Dossier, tab: str, *, tabs) -> dict:
    """One tab's data; the summaries (synthèse, résumé) get the user's open `tabs` to pick their figures."""
    if tab in SUMMARY_READERS:
        return TAB_READERS[tab](dossier, frozenset(tabs))
    return TAB_READERS[tab](dossier)


def attestation_payments(dossier: Dossier) -> list[Payment]:
    return list(Payment.objects.filter(dossier=dossier).order_by("month", "benefit"))


REQUESTS_SHOWN = 50


def attestation_requests_of(user) -> list[AttestationRequest]:
    """« Attestations envoyées par courrier »: the user's latest requests at the Cafs where he may
    still consult (the caller journals the numbers shown)."""
    return list(
        attestation_requests_made_by(user)
        .select_related("dossier", "dossier__caf")
        .order_by("-requested_at", "-id")[:REQUESTS_SHOWN]
    )


def pending_attestation_request(dossier: Dossier) -> AttestationRequest | None:
    """The request of this dossier's attestation still waiting to be posted by the Caf, if any."""
    return (AttestationRequest.objects.filter(dossier=dossier, status=AttestationRequest.Status.REQUESTED)
            .order_by("-requested_at", "-id").first())


def attestation_requests_for_caf(agent):
    """« Attestations à envoyer »: the agent's Caf's postal requests, newest first, each row with the
    allocataire's address and the requester in the same query."""
    return (
        attestation_requests_visible_to(agent)
        .select_related("dossier", "dossier__housing", "requested_by", "requested_by__organisation")
        .order_by("-requested_at", "-id")
    )
