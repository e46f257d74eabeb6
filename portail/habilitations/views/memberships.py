"""« Ajouter l'utilisateur au groupe » and « Gérer l'appartenance de l'utilisateur »."""
from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from portail.core.errors import BusinessError, report_to_form
from portail.core.requests import client_ip

from .. import services
from portail.access import (Do, access_group, access_user, access_user_for_membership, groups_visible_to, management_scope,
                      may_manage)
from ..forms import MembershipAddForm
from ..models import Group, Membership
from .common import convention_context, in_convention

HABILITATED = "Votre utilisateur est maintenant habilité."


def _addable_groups(actor, convention):
    if not may_manage(actor, convention):
        return Group.objects.none()
    return groups_visible_to(actor, convention).filter(status=Group.Status.OPEN).order_by("path")


@require_http_methods(["GET", "POST"])
@in_convention
def membership_add(request, convention, user_id):
    target = access_user_for_membership(request.user, convention, user_id)
    form = MembershipAddForm(request.POST or None, groups=_addable_groups(request.user, convention))
    if request.method == "POST" and form.is_valid():
        group = access_group(request.user, convention, form.cleaned_data["group"].pk, Do.MANAGE)
        try:
            services.membership_add(actor=request.user, user=target, group=group, ip=client_ip(request))
        except BusinessError as error:
            report_to_form(form, error)
        else:
            messages.success(request, f"{HABILITATED} {target.first_name} {target.last_name} a rejoint le groupe {group.code}.")
            return redirect("habilitations:memberships", convention.pk, target.pk)
    context = convention_context(request, convention, "Ajouter l'utilisateur au groupe")
    context.update(form=form, target=target)
    return render(request, "habilitations/membership_add.html", context)


@in_convention
def memberships(request, convention, user_id):
    target = access_user(request.user, convention, user_id, Do.VIEW)
    visible = groups_visible_to(request.user, convention)
    rows = (
        Membership.objects.filter(user=target, group__in=visible)
        .select_related("group")
        .order_by("group__path")
    )
    scope = management_scope(request.user, convention)
    can_add = may_manage(request.user, convention)
    context = convention_context(request, convention, "Gérer l'appartenance de l'utilisateur")
    context.update(
        target=target,
        rows=[{"membership": m, "can_remove": can_add and scope.covers(m.group)} for m in rows],
        form=MembershipAddForm(groups=_addable_groups(request.user, convention)),
        can_add=can_add,
    )
    return render(request, "habilitations/memberships.html", context)


@require_POST
@in_convention
def membership_remove(request, convention, user_id, group_id):
    target = access_user_for_membership(request.user, convention, user_id)
    group = access_group(request.user, convention, group_id, Do.MANAGE)
    services.membership_remove(actor=request.user, user=target, group=group, ip=client_ip(request))
    messages.success(request, f"{target.first_name} {target.last_name} ne fait plus partie du groupe {group.code}.")
    return redirect("habilitations:memberships", convention.pk, target.pk)
