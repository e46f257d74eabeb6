"""What each attestation states, as plain data for its template and for the digest kept with its reference."""
import hashlib
import json
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.dateformat import format as date_format

from ..models import Benefit, Dossier, IssuedAttestation, Payee, Payment, Right
from ..selectors import gross_of, housing_of

ZERO = Decimal("0")
ANNUAL_BENEFITS = {Benefit.ARS}  # paid once a year: its amount is not a monthly one


def add_months(month: date, count: int) -> date:
    index = month.year * 12 + month.month - 1 + count
    return date(index // 12, index % 12 + 1, 1)


def _of(month: date) -> str:
    """« de mars 2026 », « d'avril 2026 »: French elides « de » before a vowel."""
    label = date_format(month, "F Y")
    return f"d'{label}" if label[0] in "aeiouyéè" else f"de {label}"


def period_phrase(start: date, end: date) -> str:
    if start == end:
        return f"le mois {_of(start)}"
    return f"la période {_of(start)} à {date_format(end, 'F Y')}"


def payments_in(dossier: Dossier, start: date, end: date) -> list[Payment]:
    """The payments of the months start…end (first days of months), oldest first."""
    return list(Payment.objects.filter(dossier=dossier, month__gte=start, month__lte=end).order_by("month", "benefit"))


def rights_open_on(dossier: Dossier, day: date) -> list[Right]:
    return list(
        Right.objects.filter(dossier=dossier, status=Right.Status.OPEN, start_date__lte=day)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=day)).order_by("benefit", "start_date")
    )


def _last_payments(dossier: Dossier, benefits: set[str]) -> dict[str, Payment]:
    """The latest payment of each benefit (one query over the file's payments of those benefits)."""
    latest: dict[str, Payment] = {}
    for p in Payment.objects.filter(dossier=dossier, benefit__in=benefits).order_by("-month"):
        latest.setdefault(p.benefit, p)
    return latest


def _common(dossier: Dossier, *, kind: str, issued_at, reference: str) -> dict:
    caf = dossier.caf
    return {
        "kind": kind,
        "kind_label": IssuedAttestation.Kind(kind).label,
        "dossier": dossier,
        "caf": caf,
        "caf_address": [line for line in (caf.address_line1, caf.address_line2,
                                          f"{caf.postcode} {caf.city}".strip()) if line],
        "housing": housing_of(dossier),
        "issued_at": timezone.localtime(issued_at),
        "reference": reference,
        "verify_url": settings.PORTAL_BASE_URL.rstrip("/") + reverse("verification:verify"),
    }


def payments_context(dossier: Dossier, *, start: date, end: date, issued_at, reference: str) -> dict:
    """« Attestation de paiement »: each month's payments (brut, CRDS, retenue, net), totals per benefit."""
    labels = dict(Benefit.choices)
    payments = payments_in(dossier, start, end)
    lines = [{
        "month": p.month, "benefit": p.benefit, "label": labels.get(p.benefit, p.benefit),
        "payee": Payee(p.payee).label, "to_landlord": p.payee == Payee.BAILLEUR,
        "gross": gross_of(p), "crds": p.crds, "deduction": p.deduction, "net": p.amount,
    } for p in payments]
    per_benefit: dict[str, dict] = {}
    for line in lines:
        row = per_benefit.setdefault(line["benefit"], {"benefit": line["benefit"], "label": line["label"], "months": 0,
                                                       "gross": ZERO, "crds": ZERO, "deduction": ZERO, "net": ZERO})
        row["months"] += 1
        for key in ("gross", "crds", "deduction", "net"):
            row[key] += line[key]
    totals = {key: sum((line[key] for line in lines), ZERO) for key in ("gross", "crds", "deduction", "net")}
    return {
        **_common(dossier, kind=IssuedAttestation.Kind.PAYMENTS, issued_at=issued_at, reference=reference),
        "period_start": start,
        "period_end": end,
        "period": period_phrase(start, end),
        "lines": lines,
        "per_benefit": [per_benefit[b] for b in sorted(per_benefit)],
        "totals": totals,
        "paid": totals["net"] > 0,
        "any_landlord": any(line["to_landlord"] for line in lines),
    }


def rights_context(dossier: Dossier, *, on: date, issued_at, reference: str) -> dict:
    """« Attestation de droits »: the rights open on `on` with their monthly amount and the latest net paid,
    and the quotient familial with its reference month."""
    rights = rights_open_on(dossier, on)
    last = _last_payments(dossier, {r.benefit for r in rights})
    lines = []
    for r in rights:
        p = last.get(r.benefit)
        lines.append({
            "benefit": r.benefit, "label": r.get_benefit_display(), "since": r.start_date, "until": r.end_date,
            "payee": r.get_payee_display(), "amount": r.monthly_amount, "annual": r.benefit in ANNUAL_BENEFITS,
            "last_month": p.month if p else None, "last_net": p.amount if p else None,
            "last_deduction": p.deduction if p else ZERO,
        })
    return {
        **_common(dossier, kind=IssuedAttestation.Kind.RIGHTS, issued_at=issued_at, reference=reference),
        "on": on,
        "lines": lines,
        "monthly_total": sum((line["amount"] for line in lines if not line["annual"]), ZERO),
        "quotient": dossier.family_quotient,
        "quotient_month": dossier.family_quotient_month,
        "quotient_income_year": dossier.family_quotient_income_year,
    }


def content_digest(context: dict) -> str:
    """SHA-256 of the figures stated (who, when, which lines), kept with the reference: a document shown to
    the Caf later can be compared with what was issued."""
    dossier = context["dossier"]
    figures = {
        "kind": str(context["kind"]), "caf": dossier.caf.code, "number": dossier.number,
        "issued_at": context["issued_at"].isoformat(), "reference": context["reference"],
        "lines": [{k: v for k, v in line.items() if k not in ("label", "payee")} for line in context["lines"]],
    }
    if context["kind"] == IssuedAttestation.Kind.RIGHTS:
        figures["quotient"] = [context["quotient"], context["quotient_month"]]
    canonical = json.dumps(figures, sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()
