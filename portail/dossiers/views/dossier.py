from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse

from portail.conventions.models import TAB_BY_CODE, Tab
from portail.core.requests import client_ip

from .. import services
from .common import consultation_view

TAB_LABELS = dict(Tab.choices)


def dialogue_url(caf_code: str, number: str) -> str | None:
    try:
        return reverse("dialogue:new", args=[caf_code, number])
    except NoReverseMatch:
        return None


def dossier_context(consultation, *, current: str | None) -> dict:
    """What every page of an open file shows: identity, tabs, finalités, Dialogue and Attestation."""
    dossier = consultation.dossier
    rights = consultation.rights
    caf_code, number = dossier.caf.code, dossier.number
    # A tab's URL is the file's URL plus the tab's code (dossiers/urls.py): one reverse, not one per tab.
    file_url = reverse("dossiers:open", args=[caf_code, number])
    tab_urls = {t: f"{file_url}{t}/" for t in rights.tabs}
    first_tab_url = tab_urls[rights.tabs[0]] if rights.tabs else None
    return {
        "dossier": dossier,
        "caf": dossier.caf,
        "tabs": [
            {"code": t, "label": TAB_LABELS[t], "url": tab_urls[t], "current": t == current}
            for t in rights.tabs
        ],
        "conventions": consultation.conventions,
        "dialogue_url": dialogue_url(caf_code, number) if rights.can_write_dialogue else None,
        "attestation_url": (
            reverse("dossiers:attestation", args=[caf_code, number])
            if rights.can_print_attestation or rights.can_post_attestation else None
        ),
        "breadcrumb": [
            {"title": "Consulter Dossiers", "url": reverse("dossiers:search")},
            {"title": f"Dossier {number}", "url": first_tab_url if current else None},
        ] + ([{"title": TAB_LABELS[current]}] if current else []),
    }


@login_required
@consultation_view
def open_dossier(request, caf_code: str, number: str):
    """A direct link to a file: the consultation is journaled, then the first tab opens."""
    consultation = services.dossier_consult(actor=request.user, ip=client_ip(request), caf_code=caf_code, number=number)
    return redirect("dossiers:tab", caf_code=caf_code, number=number, tab=consultation.rights.tabs[0])


@login_required
@consultation_view
def tab(request, caf_code: str, number: str, tab: str):
    consultation, data = services.dossier_tab_open(
        actor=request.user, ip=client_ip(request), caf_code=caf_code, number=number, tab=tab
    )
    context = dossier_context(consultation, current=tab)
    context.update(data, title=f"{TAB_LABELS[tab]} — dossier {number}", tab=tab, tab_label=TAB_LABELS[tab],
                   tab_template=TAB_BY_CODE[tab].template)
    return render(request, "dossiers/dossier.html", context)
