from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse

from portail.core.requests import client_ip
from portail.access import cafs_for_consultation

from .. import selectors, services
from ..forms import SearchForm
from .common import consultation_view, journal_unavailable_page

BREADCRUMB = [{"title": "Consulter Dossiers"}]


@login_required
def search(request):
    """« Consulter Dossiers »: Caf (when several) and numéro allocataire, then « Consulter »."""
    cafs = cafs_for_consultation(request.user)
    if not cafs:
        raise PermissionDenied
    form = SearchForm(request.POST or None, cafs=cafs)
    if request.method == "POST" and form.is_valid():
        try:
            consultation = services.dossier_consult(
                actor=request.user, ip=client_ip(request),
                caf_code=form.cleaned_data["caf"], number=form.cleaned_data["number"],
            )
        except services.Refused as refusal:
            form.add_error(refusal.field if refusal.field in form.fields else None, refusal.message)
        except services.JournalUnavailable:
            return journal_unavailable_page(request)
        else:
            dossier = consultation.dossier
            return redirect(
                "dossiers:tab", caf_code=dossier.caf.code, number=dossier.number, tab=consultation.rights.tabs[0]
            )
    return render(request, "dossiers/search.html", {
        "title": "Consulter Dossiers", "form": form, "breadcrumb": BREADCRUMB,
        "requests_url": reverse("dossiers:attestation_requests"),
    })


@login_required
@consultation_view
def attestation_requests(request):
    """The postal attestation requests the user made, with their status: only at the Cafs where he
    may still consult, each number shown journaled."""
    return render(request, "dossiers/attestation_requests.html", {
        "title": "Attestations envoyées par courrier",
        "requests": services.attestation_requests_list(actor=request.user, ip=client_ip(request)),
        "shown_max": selectors.REQUESTS_SHOWN,
        "breadcrumb": [{"title": "Consulter Dossiers", "url": reverse("dossiers:search")},
                       {"title": "Attestations envoyées par courrier"}],
    })
