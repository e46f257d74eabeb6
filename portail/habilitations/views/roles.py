"""« Habilitations du groupe »: pick the service, « Assigner rôle », « Retirer », then « Proposer les modifications ».

The draft lives in the selector (`group_roles_draft`); the ceiling check and its message live in the
services, for the « Assigner rôle » step and for saving alike. A responsable reads the roles of his own
group but changes them only from above it (R7b): `Do.ADMINISTER`.
"""
from urllib.parse import urlencode

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.html import format_html
from django.views.decorators.http import require_http_methods

from portail.access import Do
from portail.conventions.models import Role
from portail.core.errors import BusinessError
from portail.core.requests import client_ip

from .. import services
from ..forms import AssignRoleForm, ServiceChoiceForm
from ..selectors import RolesDraft, group_roles_draft
from .common import convention_context, in_convention


def _assign_form(page: RolesDraft, data=None) -> AssignRoleForm:
    # The whole catalogue validates, so a forged role above the ceiling gets the R3 message, not a bare
    # « choix invalide »; only `page.available_in` is offered on screen.
    return AssignRoleForm(data, roles=Role.objects.filter(pk__in=page.catalogue))


def _refused(page: RolesDraft, error: BusinessError) -> AssignRoleForm:
    """A refused step or save: the reason next to « Profil à assigner »."""
    form = _assign_form(page, {})
    form.is_valid()
    form.add_error("role", error.text)
    return form


def _saved_message(added: list[Role]):
    pending = ", ".join(r.code for r in added if r.requires_caf_validation)
    if pending:
        return format_html("Les habilitations du groupe sont enregistrées. En attente de validation par la Caf : {}.",
                           pending)
    return "Les habilitations du groupe sont enregistrées."


@require_http_methods(["GET", "POST"])
@in_convention
def group_roles(request, convention, group_id):
    posting = request.method == "POST"
    group = request.seat.group(group_id, Do.ADMINISTER if posting else Do.VIEW)
    services_qs = convention.services.order_by("code")
    service_form = ServiceChoiceForm(request.POST or request.GET or None, services=services_qs)
    if service_form.is_valid():
        service = service_form.cleaned_data["service"]
    elif posting:
        raise Http404  # a draft always names one of the convention's services: this form was forged
    else:
        service = services_qs.first()
    page = group_roles_draft(group=group, service=service, posted=request.POST.getlist("draft") if posting else None)

    step = request.POST.get("action", "")
    assign_form = _assign_form(page, request.POST if step == "assign" else None)
    if step == "assign" and assign_form.is_valid():
        role = assign_form.cleaned_data["role"]
        if role is None:
            assign_form.add_error("role", "Choisissez le profil à assigner.")
        else:
            try:
                page.draft = services.group_roles_draft_assign(
                    group=group, service=service, draft=page.draft, role=role, ceiling=page.ceiling)
            except BusinessError as error:
                assign_form.add_error("role", error.text)
    elif step.startswith("remove:"):
        page.draft = [r for r in page.draft if str(r.pk) != step.split(":", 1)[1]]
    elif step in ("save", "confirm"):
        if page.removed and step == "save":
            impacts = [services.role_removal_impact(group=group, role=r) for r in page.removed]
            context = convention_context(request, convention, "Confirmer le retrait de rôles", subject=group.code)
            context.update(group=group, service=service, draft=page.draft, impacts=impacts)
            return render(request, "habilitations/group_roles_confirm.html", context)
        try:
            added, _ = services.group_roles_set(
                actor=request.user, group=group, service=service, roles=page.draft, ip=client_ip(request))
        except BusinessError as error:  # e.g. the parent lost a role meanwhile: the whole draft is refused
            assign_form = _refused(page, error)
        else:
            messages.success(request, _saved_message(added))
            url = reverse("habilitations:group_roles", args=[convention.pk, group.pk])
            return redirect(f"{url}?{urlencode({'service': service.code})}")

    context = convention_context(request, convention, "Habilitations d'un groupe utilisateurs",
                                 subject=f"groupe {group.code}, {service.label}")
    # After « Assigner rôle » or « Retirer », the work continues at « Proposer les modifications »: focus lands
    # there and the status line says what is not saved yet; a refused step puts the error summary first instead.
    stepped = step == "assign" or step.startswith("remove:")
    context.update(
        focus_save=stepped and not assign_form.errors, error_form=assign_form if assign_form.errors else None,
        unsaved=[row["role"].code for row in page.rows if not row["saved"]], removed=page.removed,
        group=group, service=service, service_form=service_form, assign_form=assign_form, rows=page.rows,
        available_in=page.available_in, available_out=page.available_out, dirty=page.dirty,
        is_subgroup=group.parent_id is not None,
        # R7b: the roles of one's own group are changed from above it.
        can_edit=request.seat.can(Do.ADMINISTER, group),
    )
    return render(request, "habilitations/group_roles.html", context)
