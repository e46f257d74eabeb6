"""Partner side: write to the Caf from a dossier, read one's own messages and the answers."""
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse

from portail.core.errors import BusinessError, report_to_form
from portail.core.requests import client_ip
from portail import access

from .. import selectors, services
from ..forms import MessageForm
from .common import attachment_response

PAGE_SIZE = 25


def _crumbs(*extra):
    return [{"title": "Dialogue", "url": reverse("dialogue:mine")}, *extra]


@login_required
def new(request, caf_code: str, number: str):
    """Every attempt is journaled: a refusal (unknown Caf or number, no right) as such, the page shown
    as a consultation of the dossier, a message sent as such (R9)."""
    ip = client_ip(request)
    caf = services.message_caf(actor=request.user, caf_code=caf_code, number=number, ip=ip)
    rights = services.message_rights(actor=request.user, caf=caf, number=number, ip=ip)
    dossier = services.message_dossier(actor=request.user, rights=rights, caf=caf, number=number, ip=ip)
    form = MessageForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            message = services.message_send(
                actor=request.user,
                rights=rights,
                dossier=dossier,
                subject=form.cleaned_data["subject"],
                body=form.cleaned_data["body"],
                attachment=form.cleaned_data["attachment"],
                ip=ip,
            )
        except BusinessError as error:
            report_to_form(form, error)
        else:
            messages.success(request, "Votre message a été envoyé à la Caf. Vous serez prévenu par courriel de sa réponse.")
            return redirect("dialogue:detail", message.pk)
    services.message_form_record(actor=request.user, rights=rights, dossier=dossier, ip=ip)
    context = {
        "title": "Écrire à la Caf",
        "form": form,
        "caf": caf,
        "dossier": dossier,
        "conventions": rights.conventions,
        "breadcrumb": _crumbs({"title": "Écrire à la Caf"}),
    }
    return render(request, "dialogue/new.html", context, status=400 if form.errors else 200)


@login_required
def mine(request):
    if access.may_answer_dialogue(request.user):
        return redirect("dialogue:inbox")
    page = Paginator(selectors.partner_messages(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"title": "Dialogue", "page": page, "breadcrumb": [{"title": "Dialogue"}]}
    return render(request, "dialogue/mine.html", context)


@login_required
def detail(request, pk: int):
    message = access.access_dialogue_message(request.user, pk, caf_side=False)
    services.message_view_record(actor=request.user, message=message, ip=client_ip(request))
    context = {
        "title": message.subject,
        "message": message,
        "answers": selectors.answers_of(message),
        "breadcrumb": _crumbs({"title": "Message"}),
    }
    return render(request, "dialogue/detail.html", context)


@login_required
def attachment(request, pk: int):
    message = access.access_dialogue_message(request.user, pk, caf_side=False)
    return attachment_response(request, message)
