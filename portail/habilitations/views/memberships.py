"""« Ajouter l'utilisateur au groupe », « Gérer l'appartenance de l'utilisateur » and the end date of a membership."""
from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.html import format_html
from django.views.decorators.http import require_http_methods, require_POST

from portail.access import Do
from portail.core.clock import today
from portail.core.errors import BusinessError, report_to_form
from portail.core.requests import client_ip

from .. import services
from ..forms import MembershipAddForm, MembershipEndForm
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
            services.membership_add(actor=request.user, user=target, group=group,
                                    ends_on=form.cleaned_data.get("ends_on"), ip=client_ip(request))
        except BusinessError as error:
            report_to_form(form, error)
        else:
            ends_on = form.cleaned_data.get("ends_on")
            until = format_html(" jusqu'au {}", f"{ends_on:%d/%m/%Y}") if ends_on else ""
            messages.success(request, format_html("{} {} {} a rejoint le groupe {}{}.", HABILITATED, target.first_name,
                                                  target.last_name, group.code, until))
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
        today=today(),
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


@require_http_methods(["GET", "POST"])
@in_convention
def membership_end(request, convention, user_id, group_id):
    """« Date de fin » of one membership: whoever may take the person out of the group may time-bound it."""
    seat = request.seat
    target = seat.user(user_id, Do.ENROL)
    group = seat.group(group_id, Do.MANAGE)
    membership = get_object_or_404(Membership.objects.select_related("group__convention"), user=target, group=group)
    form = MembershipEndForm(request.POST or None, initial={"ends_on": membership.ends_on})
    if request.method == "POST" and form.is_valid():
        ends_on = form.cleaned_data["ends_on"]
        try:
            services.membership_set_end(actor=request.user, membership=membership, ends_on=ends_on,
                                        ip=client_ip(request))
        except BusinessError as error:
            report_to_form(form, error)
        else:
            if ends_on:
                messages.success(request, format_html("{} {} reste membre du groupe {} jusqu'au {}.", target.first_name,
                                                      target.last_name, group.code, f"{ends_on:%d/%m/%Y}"))
            else:
                messages.success(request, format_html("L'appartenance de {} {} au groupe {} n'a plus de date de fin.",
                                                      target.first_name, target.last_name, group.code))
            return redirect("habilitations:memberships", convention.pk, target.pk)
    context = convention_context(request, convention, "Date de fin de l'appartenance", subject=target.username)
    context.update(form=form, target=target, group=group, membership=membership, today=today())
    return render(request, "habilitations/membership_end.html", context)
