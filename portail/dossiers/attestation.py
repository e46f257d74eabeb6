"""Attestation de paiement: an HTML template turned into PDF by WeasyPrint."""
import base64
import hashlib
import hmac
from collections import defaultdict
from decimal import Decimal

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone

from .models import Benefit, Dossier, Payee, Payment
from .selectors import housing_of


def attestation_reference(dossier: Dossier, issued_at, payments: list[Payment]) -> str:
    """A verification reference the Caf can recompute: HMAC of the file, the time and the amounts."""
    total = sum((p.amount for p in payments), Decimal("0"))
    message = f"{dossier.caf.code}|{dossier.number}|{issued_at.isoformat()}|{total}".encode()
    digest = hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).digest()
    code = base64.b32encode(digest[:10]).decode()
    return f"ATT-{code[:4]}-{code[4:8]}-{code[8:12]}"


def attestation_context(dossier: Dossier, *, payments: list[Payment], issued_at, reference: str) -> dict:
    labels = dict(Benefit.choices)
    by_benefit: dict[str, dict] = defaultdict(lambda: {"total": Decimal("0"), "months": 0, "payees": set()})
    for p in payments:
        row = by_benefit[p.benefit]
        row["total"] += p.amount
        row["months"] += 1
        row["payees"].add(Payee(p.payee).label)
    rows = [
        {"code": code, "label": labels.get(code, code), "total": row["total"], "months": row["months"],
         "payees": ", ".join(sorted(row["payees"]))}
        for code, row in sorted(by_benefit.items())
    ]
    return {
        "dossier": dossier,
        "caf": dossier.caf,
        "housing": housing_of(dossier),
        "rows": rows,
        "grand_total": sum((r["total"] for r in rows), Decimal("0")),
        "period_start": payments[0].month if payments else None,
        "period_end": payments[-1].month if payments else None,
        "issued_at": timezone.localtime(issued_at),
        "reference": reference,
    }


def render_attestation_pdf(dossier: Dossier, *, payments: list[Payment], issued_at, reference: str) -> bytes:
    from weasyprint import HTML

    html = render_to_string(
        "dossiers/attestation_pdf.html",
        attestation_context(dossier, payments=payments, issued_at=issued_at, reference=reference),
    )
    return HTML(string=html).write_pdf()
