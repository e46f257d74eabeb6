"""« Réinitialiser le second facteur » of a partner's user, from his convention's pages.

Allowed to whoever may lift his lockout (`Do.RESET_2FA`: an administrator or responsable every right
of whom the person holds from his scope, an agent of the convention's Caf, a national administrator),
after a recent re-authentication. The person enrols again at his next sign-in.
"""
from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.html import format_html
from django.views.decorators.http import require_http_methods

from portail.access import Do
from portail.access.second_factor import requires_second_factor
from portail.core.requests import client_ip
from portail.habilitations.views.common import convention_context, in_convention

from . import reauth
from .second_factor import has_second_factor, recovery_codes_left, second_factor_reset


@require_http_methods(["GET", "POST"])
@in_convention
def user_second_factor_reset(request, convention, user_id):
    target = request.seat.user(user_id, Do.RESET_2FA)
    prompt = reauth.prompt_unless_recent(request)
    if prompt is not None:
        return prompt
    if request.method == "POST":
        second_factor_reset(actor=request.user, user=target, convention=convention, ip=client_ip(request))
        messages.success(request, format_html(
            "Le second facteur de {} est réinitialisé : il l'activera de nouveau à sa prochaine connexion.",
            target.username))
        return redirect("habilitations:users", convention.pk)
    context = convention_context(request, convention, f"Second facteur de {target.username}")
    context.update(target=target, enrolled=has_second_factor(target), required=requires_second_factor(target),
                   codes_left=recovery_codes_left(target))
    return render(request, "accounts/second_factor_reset.html", context)
