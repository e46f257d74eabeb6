"""Users of the convention's partner organisation: list, « Créer un utilisateur », edit, close."""
from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from portail.accounts import services as account_services
from portail.accounts.forms_partner import PartnerUserForm
from portail.core.errors import BusinessError, report_to_form
from portail.core.paging import paginate
from portail.core.requests import client_ip

from portail.access import Do, access_user, require_manager, users_visible_to
from ..filters import UserFilter
from .common import convention_context, in_convention


@in_convention
def user_list(request, convention):
    queryset = users_visible_to(request.user, convention).order_by("last_name", "first_name", "username")
    filters = UserFilter(request.GET or None, queryset=queryset)
    page = paginate(request, filters.qs)
    context = convention_context(request, convention, "Liste des utilisateurs")
    context.update(filter=filters, page=page)
    return render(request, "habilitations/user_list.html", context)


@require_http_methods(["GET", "POST"])
@in_convention
def user_create(request, convention):
    require_manager(request.user, convention)
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
            messages.success(
                request,
                f"L'utilisateur {user.first_name} {user.last_name} est créé avec l'identifiant {user.username}. "
                f"Un lien d'activation a été envoyé à {user.email} pour qu'il choisisse son mot de passe.",
            )
            return redirect("habilitations:users", convention.pk)
    context = convention_context(request, convention, "Créer un utilisateur partenaire")
    context.update(form=form, submit_label="Valider")
    return render(request, "habilitations/user_form.html", context)


@require_http_methods(["GET", "POST"])
@in_convention
def user_update(request, convention, user_id):
    target = access_user(request.user, convention, user_id, Do.MANAGE)
    form = PartnerUserForm(request.POST or None, initial=PartnerUserForm.initial_for(target))
    if request.method == "POST" and form.is_valid():
        try:
            account_services.user_update(actor=request.user, user=target, convention=convention,
                                         ip=client_ip(request), **form.service_values())
        except BusinessError as error:
            report_to_form(form, error)
        else:
            messages.success(request, f"L'utilisateur {target.username} est modifié.")
            return redirect("habilitations:users", convention.pk)
    context = convention_context(request, convention, f"Modifier l'utilisateur {target.username}")
    context.update(form=form, target=target, submit_label="Enregistrer")
    return render(request, "habilitations/user_form.html", context)


@require_http_methods(["GET", "POST"])
@in_convention
def user_close(request, convention, user_id):
    target = access_user(request.user, convention, user_id, Do.MANAGE)
    error = None
    if request.method == "POST":
        try:
            account_services.user_close(actor=request.user, user=target, convention=convention, ip=client_ip(request))
        except BusinessError as exc:
            error = exc.text
        else:
            messages.success(request, f"L'utilisateur {target.username} est clos : il ne peut plus se connecter.")
            return redirect("habilitations:users", convention.pk)
    context = convention_context(request, convention, f"Clôturer l'utilisateur {target.username}")
    context.update(target=target, error=error)
    return render(request, "habilitations/user_close.html", context)
