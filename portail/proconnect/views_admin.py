"""« Identité ProConnect » of a partner's user, from his convention's pages: see the link, remove it.

Allowed to whoever may reset his second factor (`Do.RESET_2FA`: an administrator or responsable every
right of whom the person holds from his scope, an agent of the convention's Caf, a national administrator).
Removing a link takes a sign-in method away, it grants nothing: no re-authentication is asked.
"""
from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.html import format_html
from django.views.decorators.http import require_http_methods

from portail.access import Do
from portail.core.requests import client_ip
from portail.habilitations.views.common import convention_context, in_convention

from .models import ProConnectLink
from .services import proconnect_unlink


@require_http_methods(["GET", "POST"])
@in_convention
def user_proconnect(request, convention, user_id):
    target = request.seat.user(user_id, Do.RESET_2FA)
    if request.method == "POST":
        if proconnect_unlink(actor=request.user, user=target, convention=convention, ip=client_ip(request)):
            messages.success(request, format_html(
                "Le lien entre {} et son identité ProConnect est retiré.", target.username))
        return redirect("habilitations:users", convention.pk)
    context = convention_context(request, convention, f"Identité ProConnect de {target.username}")
    context.update(target=target, link=ProConnectLink.objects.filter(user=target).first())
    return render(request, "proconnect/user_link.html", context)
