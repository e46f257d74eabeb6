"""« Ajouter l'utilisateur au groupe » and « Gérer l'appartenance de l'utilisateur »."""
from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.html import format_html
from django.views.decorators.http import require_http_methods, require_POST

from portail.access import Do
from portail.core.errors import BusinessError, report_to_form
from portail.core.requests import client_ip

from .. import services
from ..forms import MembershipAddForm
from ..models import Membership
from .common import convention_context, in_convention

HABILITATED = "Votre utilisateur est maintenant habilité."


@require_http_methods(["GET", "POST"])
@in_convention
def membership_add(request, convention, user_id):
    seat = request.seat
    target = seat.user(user_id, Do.ENROL)
    form = MembershipAddForm(request.POST or None, groups=seat.addable_groups(), search=request.GET)
    if request.method == "POST" and form.is_valid():
        group = seat.group(form.cleaned_data["group"].pk, Do.MANAGE)
        try:
            services.membership_add(actor=request.user, user=target, group=group, ip=client_ip(request))
        except BusinessError as error:
            report_to_form(form, error)
        else:
            messages.success(request, format_html("{} {} {} a rejoint le groupe {}.", HABILITATED, target.first_name,
                                                  target.last_name, group.code))
            return redirect("habilitations:memberships", convention.pk, target.pk)
    context = convention_context(request, convention, "Ajouter l'utilisateur au groupe", subject=target.username)
    context.update(form=form, target=target)
    return render(request, "habilitations/membership_add.html", context)


@in_convention
def memberships(request, convention, user_id):
    seat = request.seat
    target = seat.user(user_id, Do.VIEW)
    rows = (
        Membership.objects.filter(user=target, group__in=seat.groups())
        .select_related("group")
        .order_by("group__path")
    )
    can_add = seat.may_enrol(target)
    context = convention_context(request, convention, "Gérer l'appartenance de l'utilisateur", subject=target.username)
    context.update(
        target=target,
        rows=seat.membership_rows(target, rows),
        form=MembershipAddForm(groups=seat.addable_groups(), search=request.GET) if can_add else None,
        can_add=can_add,
    )
    return render(request, "habilitations/memberships.html", context)


@require_POST
@in_convention
def membership_remove(request, convention, user_id, group_id):
    seat = request.seat
    target = seat.user(user_id, Do.ENROL)
    group = seat.group(group_id, Do.MANAGE)
    services.membership_remove(actor=request.user, user=target, group=group, ip=client_ip(request))
    messages.success(request, format_html("{} {} ne fait plus partie du groupe {}.", target.first_name,
                                          target.last_name, group.code))
    return redirect("habilitations:memberships", convention.pk, target.pk)
