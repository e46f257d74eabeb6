"""« Consulter documents »: a convention's documents listed and downloaded; uploaded by the Caf."""
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.html import format_html
from django.views.decorators.http import require_POST

from portail import access
from portail.core.errors import BusinessError, report_to_form
from portail.core.paging import paginate
from portail.core.downloads import journaled_download
from portail.core.requests import client_ip

from .. import services_documents as services
from .documents_forms import DocumentForm

TITLE = "Consulter documents"
PAGE_SIZE = 25


@login_required
def index(request):
    """The conventions whose documents the person may read; a partner with one convention goes straight to it."""
    conventions = access.document_conventions_visible_to(request.user).select_related("caf", "organisation")
    query = (request.GET.get("q") or "").strip()[:100]
    if query:
        conventions = conventions.filter(label__icontains=query)
    page = paginate(request, conventions.order_by("label", "pk"), PAGE_SIZE)
    if not page.object_list and not query and page.number == 1:
        raise Http404
    if not access.is_caf_side(request.user) and not query and page.paginator.count == 1:
        return redirect("documents:convention", page.object_list[0].pk)
    return render(request, "supervision/documents.html", {
        "title": TITLE, "page": page, "query": query, "caf_side": access.is_caf_side(request.user),
        "breadcrumb": [{"title": TITLE}]})


def _convention_page(request, seat, form, status=200):
    page = paginate(request, access.documents_of(seat), PAGE_SIZE)
    return render(request, "supervision/documents_convention.html", {
        "title": f"{TITLE} — {seat.convention.label}",
        "convention": seat.convention,
        "page": page,
        "form": form,
        "breadcrumb": [{"title": TITLE, "url": reverse("documents:index")}, {"title": seat.convention.label}],
    }, status=status)


@login_required
def convention(request, convention_id: int):
    seat = access.access_convention_documents(request.user, convention_id)
    form = DocumentForm() if access.may_upload_documents(seat) else None
    return _convention_page(request, seat, form)


@require_POST
@login_required
def upload(request, convention_id: int):
    seat = access.access_convention_documents(request.user, convention_id, upload=True)
    form = DocumentForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            document = services.document_upload(
                actor=request.user, convention=seat.convention, kind=form.cleaned_data["kind"],
                title=form.cleaned_data["title"], upload=form.cleaned_data["file"], ip=client_ip(request))
        except BusinessError as error:
            report_to_form(form, error)
        else:
            messages.success(request, format_html("Le document « {} » est déposé : les administrateurs et les "
                                                  "responsables de la convention peuvent le consulter.",
                                                  document.title))
            return redirect("documents:convention", seat.convention.pk)
    return _convention_page(request, seat, form, status=400)


@login_required
def download(request, pk: int):
    """Journaled before the file leaves (R9); downloaded, never shown inline nor kept in a cache."""
    document = access.access_document(request.user, pk)
    return journaled_download(
        document.file, filename=document.download_name,
        record=lambda: services.document_download_record(actor=request.user, document=document, ip=client_ip(request)),
    )
