"""« Habilitations du groupe »: pick the service, « Assigner rôle », then « Proposer les modifications».

The draft (roles assigned but not yet saved) travels in the form itself, so the page works without
JavaScript and nothing is saved before the person confirms.
"""
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from portail.conventions.models import Role
from portail.core.errors import BusinessError
from portail.core.requests import client_ip

from .. import services
from portail.access import Do, access_group, role_ceiling
from ..forms import AssignRoleForm, ServiceChoiceForm
from ..models import GroupRole
from .common import convention_context, in_convention

CEILING_MESSAGE = (
    "Le rôle {code} ne peut pas être assigné : un sous-groupe ne peut pas avoir d'autres rôles "
    "que ceux possédés par son parent direct ({parent})."
)


def _draft_from_post(request, catalogue: dict[int, Role]) -> list[Role]:
    draft = []
    for raw in request.POST.getlist("draft"):
        if raw.isdigit() and int(raw) in catalogue and catalogue[int(raw)] not in draft:
            draft.append(catalogue[int(raw)])
    return draft


@require_http_methods(["GET", "POST"])
@in_convention
def group_roles(request, convention, group_id):
    action = Do.MANAGE if request.method == "POST" else Do.VIEW
    group = access_group(request.user, convention, group_id, action)
    services_qs = convention.services.order_by("code")
    service_form = ServiceChoiceForm(request.POST or request.GET or None, services=services_qs)
    if service_form.is_valid():
        service = service_form.cleaned_data["service"]
    elif request.method == "POST":
        raise Http404  # a draft always names one of the convention's services: this form was forged
    else:
        service = services_qs.first()
    catalogue = {r.pk: r for r in Role.objects.filter(service=service).order_by("code")} if service else {}
    ceiling = set(role_ceiling(group).filter(service=service).values_list("pk", flat=True)) if service else set()
    grants = {gr.role_id: gr for gr in GroupRole.objects.filter(group=group, role__service=service)}
    saved = [catalogue[pk] for pk in grants if pk in catalogue]

    draft = _draft_from_post(request, catalogue) if request.method == "POST" else sorted(saved, key=lambda r: r.code)
    assign_form = AssignRoleForm(
        request.POST if request.POST.get("action") == "assign" else None,
        roles=Role.objects.filter(pk__in=catalogue),
    )
    step = request.POST.get("action")
    if step == "assign" and assign_form.is_valid():
        role = assign_form.cleaned_data["role"]
        if role is None:
            assign_form.add_error("role", "Choisissez le profil à assigner.")
        elif role.pk not in ceiling:
            assign_form.add_error("role", CEILING_MESSAGE.format(code=role.code, parent=group.parent.code if group.parent else "—"))
        elif role not in draft:
            draft.append(role)
    elif step and step.startswith("remove:"):
        draft = [r for r in draft if str(r.pk) != step.split(":", 1)[1]]
    elif step in ("save", "confirm"):
        removed = [r for r in saved if r not in draft]
        if removed and step == "save":
            impacts = [services.role_removal_impact(group=group, role=r) for r in removed]
            context = convention_context(request, convention, "Confirmer le retrait de rôles")
            context.update(group=group, service=service, draft=draft, impacts=impacts)
            return render(request, "habilitations/group_roles_confirm.html", context)
        try:
            added, removed = services.group_roles_set(
                actor=request.user, group=group, service=service, roles=draft, ip=client_ip(request)
            )
        except BusinessError as error:
            # The draft was refused as a whole (e.g. the parent lost a role meanwhile): show why, next to
            # the profile choice; the form was not posted on this step, so bind it to nothing first.
            assign_form = AssignRoleForm({}, roles=Role.objects.filter(pk__in=catalogue))
            assign_form.is_valid()
            assign_form.add_error("role", error.text)
        else:
            pending = [r.code for r in added if r.requires_caf_validation]
            text = "Les habilitations du groupe sont enregistrées."
            if pending:
                text += f" En attente de validation par la Caf : {', '.join(pending)}."
            messages.success(request, text)
            return redirect("habilitations:group_roles", convention.pk, group.pk)

    rows = [
        {"role": r, "saved": r.pk in grants, "pending": r.pk in grants and grants[r.pk].state == GroupRole.State.PENDING}
        for r in draft
    ]
    available = [r for r in catalogue.values() if r not in draft]
    context = convention_context(request, convention, "Habilitations d'un groupe utilisateurs")
    context.update(
        group=group, service=service, service_form=service_form, assign_form=assign_form, rows=rows,
        available_in=[r for r in available if r.pk in ceiling],
        available_out=[r for r in available if r.pk not in ceiling],
        dirty={r.pk for r in draft} != set(grants),
        is_subgroup=group.parent_id is not None,
    )
    return render(request, "habilitations/group_roles.html", context)
