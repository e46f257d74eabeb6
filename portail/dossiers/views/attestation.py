from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.html import format_html
from django.views.decorators.http import require_POST

from portail.core.requests import client_ip

from .. import services
from .common import consultation_view
from .dossier import dossier_context


@login_required
@consultation_view
def attestation(request, caf_code: str, number: str):
    """« Attestation »: view and print it, or have it posted to the allocataire."""
    consultation = services.dossier_for_attestation(
        actor=request.user, ip=client_ip(request), caf_code=caf_code, number=number
    )
    context = dossier_context(consultation, current=None)
    context["breadcrumb"][-1]["url"] = reverse("dossiers:open", args=[caf_code, number]) if consultation.rights.tabs else None
    context["breadcrumb"].append({"title": "Attestation"})
    context.update(
        title=f"Attestation — dossier {number}",
        can_print=consultation.rights.can_print_attestation,
        can_post=consultation.rights.can_post_attestation,
        pdf_url=reverse("dossiers:attestation_pdf", args=[caf_code, number]),
        post_url=reverse("dossiers:attestation_post", args=[caf_code, number]),
    )
    return render(request, "dossiers/attestation.html", context)


@login_required
@consultation_view
def attestation_pdf(request, caf_code: str, number: str):
    consultation, pdf, reference = services.attestation_print(
        actor=request.user, ip=client_ip(request), caf_code=caf_code, number=number
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="attestation-{number}-{reference}.pdf"'
    response["Cache-Control"] = "no-store"
    return response


@require_POST
@login_required
@consultation_view
def attestation_post(request, caf_code: str, number: str):
    attestation_request = services.attestation_post(
        actor=request.user, ip=client_ip(request), caf_code=caf_code, number=number
    )
    messages.success(request, format_html(
        "La demande d'envoi par courrier de l'attestation (référence {}) a été transmise à la Caf. "
        "Vous pouvez suivre son statut dans la liste des attestations envoyées par courrier.",
        attestation_request.reference,
    ))
    return redirect("dossiers:attestation_requests")
