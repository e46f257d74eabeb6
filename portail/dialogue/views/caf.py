"""Caf side: the inbox of the agent's Caf, open, answer, mark done."""
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from portail.core.decorators import allowed_if
from portail.core.errors import BusinessError, report_to_form
from portail.core.requests import client_ip
from portail import access

from .. import selectors, services
from ..forms import AnswerForm, InboxFilter
from ..models import Message
from .common import attachment_response

PAGE_SIZE = 25
INBOX_TITLE = "Messages des partenaires"


def _crumbs(*extra):
    return [{"title": INBOX_TITLE, "url": reverse("dialogue:inbox")}, *extra]


def _message_page(request, message, form, status=200):
    context = {
        "title": message.subject,
        "message": message,
        "answers": selectors.answers_of(message),
        "form": form,
        "breadcrumb": _crumbs({"title": "Message"}),
    }
    return render(request, "dialogue/caf_detail.html", context, status=status)


@allowed_if(access.may_answer_dialogue)
def inbox(request):
    filterset = InboxFilter(request.GET or None, queryset=selectors.inbox(request.user))
    page = Paginator(filterset.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    status = filterset.form.cleaned_data.get("status", "") if filterset.form.is_valid() else ""
    context = {
        "title": INBOX_TITLE,
        "filter": filterset,
        "page": page,
        "status": status,
        "status_label": Message.Status(status).label if status else "",
        "breadcrumb": [{"title": INBOX_TITLE}],
    }
    return render(request, "dialogue/inbox.html", context)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def inbox_detail(request, pk: int):
    """GET reads the message (each reading journaled, its state untouched); POST is « Marquer comme lu »."""
    message = access.access_dialogue_message(request.user, pk, caf_side=True)
    if request.method == "POST":
        services.message_mark_read(actor=request.user, message=message, ip=client_ip(request))
        messages.success(request, "Le message est marqué comme lu.")
        return redirect("dialogue:inbox_detail", message.pk)
    services.message_read_record(actor=request.user, message=message, ip=client_ip(request))
    return _message_page(request, message, AnswerForm())


@login_required
@require_POST
def answer(request, pk: int):
    message = access.access_dialogue_message(request.user, pk, caf_side=True)
    form = AnswerForm(request.POST)
    if form.is_valid():
        try:
            services.message_answer(actor=request.user, message=message, body=form.cleaned_data["body"],
                                    ip=client_ip(request))
        except BusinessError as error:
            report_to_form(form, error)
        else:
            messages.success(request, "Votre réponse a été enregistrée ; le partenaire est prévenu par courriel.")
            return redirect("dialogue:inbox_detail", message.pk)
    return _message_page(request, message, form, status=400)


@login_required
@require_POST
def mark_done(request, pk: int):
    message = access.access_dialogue_message(request.user, pk, caf_side=True)
    services.message_mark_done(actor=request.user, message=message, ip=client_ip(request))
    messages.success(request, "Le message est marqué comme traité.")
    return redirect("dialogue:inbox_detail", message.pk)


@login_required
def attachment(request, pk: int):
    return attachment_response(request, access.access_dialogue_message(request.user, pk, caf_side=True))
