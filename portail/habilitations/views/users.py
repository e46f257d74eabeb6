"""Users of the convention's partner organisation: list, « Créer un utilisateur », edit, close."""
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils.html import format_html
from django.views.decorators.http import require_http_methods

from portail.accounts import reauth, services as account_services
from portail.accounts.forms_partner import PartnerUserForm
from portail.core.errors import BusinessError, report_to_form
from portail.core.paging import paginate
from portail.core.requests import client_ip

from portail.access import Do
from portail.accounts.lockout import lockout_state
from ..filters import UserFilter
from .common import convention_context, in_convention


@in_convention
def user_list(request, convention):
    seat = request.seat
    queryset = seat.users().order_by("last_name", "first_name", "username")
    filters = UserFilter(request.GET or None, queryset=queryset)
    page = paginate(request, filters.qs)
    context = convention_context(request, convention, "Liste des utilisateurs")
    context.update(filter=filters, page=page, rows=seat.user_rows(page))
    return render(request, "habilitations/user_list.html", context)


@require_http_methods(["GET", "POST"])
@in_convention
def user_create(request, convention):
    if not request.seat.can_manage:
        raise PermissionDenied
    form = PartnerUserForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = account_services.user_create(
                actor=request.user, organisation=convention.organisation, convention=convention,
                ip=client_ip(request), **form.service_values(),
            )
        except BusinessError as error:
            report_to_form(form, error)
        else:
            messages.success(request, format_html(
                "L'utilisateur {} {} est créé avec l'identifiant {}. "
                "Un lien d'activation a été envoyé à {} pour qu'il choisisse son mot de passe.",
                user.first_name, user.last_name, user.username, user.email,
            ))
            return redirect("habilitations:users", convention.pk)
    context = convention_context(request, convention, "Créer un utilisateur partenaire")
    context.update(form=form, submit_label="Valider")
    return render(request, "habilitations/user_form.html", context)


@require_http_methods(["GET", "POST"])
@in_convention
def user_update(request, convention, user_id):
    target = request.seat.user(user_id, Do.MANAGE)
    form = PartnerUserForm(request.POST or None, initial=PartnerUserForm.initial_for(target))
    if request.method == "POST" and form.is_valid():
        email_before = (target.email, target.pending_email)
        # A new e-mail address (where password links go) asks for a recent password and code.
        if form.cleaned_data["email"].strip().lower() not in email_before and not reauth.is_recent(request):
            return reauth.prompt(request)
        try:
            account_services.user_update(actor=request.user, user=target, convention=convention,
                                         ip=client_ip(request), **form.service_values())
        except BusinessError as error:
            report_to_form(form, error)
        else:
            messages.success(request, format_html("L'utilisateur {} est modifié.", target.username))
            if target.pending_email and (target.email, target.pending_email) != email_before:
                messages.info(request, format_html(
                    "La nouvelle adresse mail {} ne sera prise en compte qu'après sa confirmation : un lien lui a "
                    "été envoyé, et l'adresse actuelle {} a été prévenue. D'ici là, l'adresse actuelle reste valable.",
                    target.pending_email, target.email))
            return redirect("habilitations:users", convention.pk)
    context = convention_context(request, convention, f"Modifier l'utilisateur {target.username}")
    context.update(form=form, target=target, submit_label="Enregistrer", lockout=lockout_state(target.username))
    return render(request, "habilitations/user_form.html", context)


@require_http_methods(["GET", "POST"])
@in_convention
def user_close(request, convention, user_id):
    target = request.seat.user(user_id, Do.MANAGE)
    error = None
    if request.method == "POST":
        try:
            account_services.user_close(actor=request.user, user=target, convention=convention, ip=client_ip(request))
        except BusinessError as exc:
            error = exc.text
        else:
            messages.success(request, format_html("L'utilisateur {} est clos : il ne peut plus se connecter.",
                                                  target.username))
            return redirect("habilitations:users", convention.pk)
    context = convention_context(request, convention, f"Clôturer l'utilisateur {target.username}")
    context.update(target=target, error=error)
    return render(request, "habilitations/user_close.html", context)


@require_http_methods(["GET", "POST"])
@in_convention
def user_unlock(request, convention, user_id):
    """« Débloquer le compte »: the user's sign-in lockout, lifted by POST only."""
    target = request.seat.user(user_id, Do.UNLOCK)
    if request.method == "POST":
        account_services.account_unlock(actor=request.user, user=target, convention=convention, ip=client_ip(request))
        messages.success(request, format_html("Le compte {} est débloqué : l'utilisateur peut de nouveau se connecter.",
                                              target.username))
        return redirect("habilitations:users", convention.pk)
    context = convention_context(request, convention, f"Débloquer le compte {target.username}")
    context.update(target=target, lockout=lockout_state(target.username))
    return render(request, "habilitations/user_unlock.html", context)
