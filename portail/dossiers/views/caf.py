"""Caf side: « Attestations à envoyer », the postal requests of the agent's Caf, marked sent one by one."""
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.html import format_html
from django.views.decorators.http import require_POST

from portail.core.decorators import allowed_if
from portail.core.errors import BusinessError
from portail.core.requests import client_ip
from portail import access

from .. import selectors, services
from ..filters import AttestationRequestFilter
from ..models import AttestationRequest

PAGE_SIZE = 25
TITLE = "Attestations à envoyer"


def _list_url(data) -> str:
    """Back to the list as it was (status filter and page only)."""
    kept = {key: data[key] for key in ("status", "page") if data.get(key)}
    if kept.get("status") not in AttestationRequest.Status.values:
        kept.pop("status", None)
    if not str(kept.get("page", "")).isdigit():
        kept.pop("page", None)
    url = reverse("dossiers:caf_attestations")
    return f"{url}?{urlencode(kept)}" if kept else url


@allowed_if(access.may_send_attestations)
def caf_attestations(request):
    filterset = AttestationRequestFilter(request.GET or None, queryset=selectors.attestation_requests_for_caf(request.user))
    page = Paginator(filterset.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    status = filterset.form.cleaned_data.get("status", "") if filterset.form.is_valid() else ""
    return render(request, "dossiers/caf_attestations.html", {
        "title": TITLE,
        "filter": filterset,
        "page": page,
        "status": status,
        "status_label": AttestationRequest.Status(status).label if status else "",
        "breadcrumb": [{"title": TITLE}],
    })


@login_required
def caf_attestation_pdf(request, pk: int):
    """The attestation to be posted, printed by the Caf (journaled as the Caf's print)."""
    attestation_request = access.access_attestation_request(request.user, pk)
    if not access.may_print_attestation_for_posting(request.user, attestation_request):
        raise PermissionDenied
    try:
        pdf, reference = services.attestation_print_for_posting(actor=request.user, request=attestation_request,
                                                                ip=client_ip(request))
    except BusinessError as error:  # sent meanwhile
        messages.warning(request, error.text)
        return redirect(_list_url(request.GET))
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = (
        f'inline; filename="attestation-{attestation_request.dossier.number}-{reference}.pdf"')
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def caf_attestation_mark_sent(request, pk: int):
    attestation_request = access.access_attestation_request(request.user, pk)
    try:
        services.attestation_request_mark_sent(actor=request.user, request=attestation_request, ip=client_ip(request))
    except BusinessError as error:
        messages.warning(request, error.text)
    else:
        messages.success(request, format_html(
            "L'attestation {} (dossier {}) est marquée comme envoyée ; le partenaire voit ce statut dans sa liste.",
            attestation_request.reference, attestation_request.dossier.number,
        ))
    return redirect(_list_url(request.POST))
