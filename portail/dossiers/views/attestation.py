from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.html import format_html
from django.views.decorators.http import require_POST

from portail.core.clock import today
from portail.core.errors import BusinessError
from portail.core.requests import client_ip

from .. import selectors, services
from ..attestations import AttestationForm, PostForm
from .common import consultation_view
from .dossier import dossier_context


@login_required
@consultation_view
def attestation(request, caf_code: str, number: str):
    """« Attestation »: view and print it, or have it posted to the allocataire."""
    return _attestation_page(request, caf_code, number, confirming=False)


def _attestation_page(request, caf_code: str, number: str, *, confirming: bool, form=None, post_form=None,
                      status: int = 200):
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
        pending=selectors.pending_attestation_request(consultation.dossier),
        pdf_url=reverse("dossiers:attestation_pdf", args=[caf_code, number]),
        post_url=reverse("dossiers:attestation_post", args=[caf_code, number]),
        attestation_page_url=reverse("dossiers:attestation", args=[caf_code, number]),
        confirming=confirming and consultation.rights.can_post_attestation,
        form=form or AttestationForm(today=today()),
        post_form=post_form or PostForm(),
    )
    if context["confirming"]:
        context["title"] = f"Confirmer l'envoi de l'attestation — dossier {number}"
    return render(request, "dossiers/attestation.html", context, status=status)


@login_required
@consultation_view
def attestation_pdf(request, caf_code: str, number: str):
    """The chosen attestation as a PDF; without a choice (a bare link), the attestation de paiement of the
    last twelve months. A wrong choice shows the « Attestation » page again with its error."""
    form = AttestationForm(request.GET if request.GET else {"kind": "paiement"}, today=today())
    if not form.is_valid():
        return _attestation_page(request, caf_code, number, confirming=False, form=form, status=400)
    choice = form.cleaned_data
    consultation, pdf, reference = services.attestation_print(
        actor=request.user, ip=client_ip(request), caf_code=caf_code, number=number,
        kind=choice["kind"], start=choice.get("start"), end=choice.get("end"),
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="attestation-{number}-{reference}.pdf"'
    response["Cache-Control"] = "no-store"
    return response


@require_POST
@login_required
@consultation_view
def attestation_post(request, caf_code: str, number: str):
    """« Envoyer par courrier »: first a confirmation (the letter goes to the allocataire's address), then the
    request; a request of the same attestation still pending is refused with its date."""
    post_form = PostForm(request.POST if "envoi-kind" in request.POST else {"envoi-kind": "paiement"})
    if not post_form.is_valid():
        return _attestation_page(request, caf_code, number, confirming=False, post_form=post_form, status=400)
    if request.POST.get("confirm") != "1":
        return _attestation_page(request, caf_code, number, confirming=True, post_form=post_form)
    try:
        attestation_request = services.attestation_post(
            actor=request.user, ip=client_ip(request), caf_code=caf_code, number=number,
            kind=post_form.cleaned_data["kind"],
        )
    except BusinessError as error:  # a request of this attestation is still waiting at the Caf
        messages.error(request, error.text)
        return redirect("dossiers:attestation", caf_code=caf_code, number=number)
    messages.success(request, format_html(
        "La demande d'envoi par courrier de l'attestation (référence {}) a été transmise à la Caf. "
        "Vous pouvez suivre son statut dans la liste des attestations envoyées par courrier.",
        attestation_request.reference,
    ))
    return redirect("dossiers:attestation_requests")
