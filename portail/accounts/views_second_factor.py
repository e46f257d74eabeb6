"""Pages of the second factor: the code step of the sign-in, enrolment, recovery codes, « Confirmer votre identité »."""
from django.contrib import messages
from django.contrib.auth import authenticate
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render, resolve_url
from django.conf import settings
from django.utils.html import format_html
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods

from portail.core.errors import BusinessError, report_to_form
from portail.core.requests import client_ip
from portail.journal import events

from . import reauth, signin
from .forms import CodeForm, EnrolmentCodeForm, ReauthForm
from .lockout import code_failed, code_step_allowed
from .second_factor import (enrolment_device, has_second_factor, must_use_code, qr_code_data_uri, recovery_codes_left,
                            second_factor_enrol, second_factor_verify, secret_text)

RECOVERY_CODES_KEY = "portail_recovery_codes"


def _expired(request):
    messages.info(request, "Votre connexion a expiré : saisissez de nouveau votre identifiant et votre mot de passe.")
    return redirect("accounts:login")


@require_http_methods(["GET", "POST"])
def code_step(request):
    """Second step of the sign-in: the code of the app, or a recovery code."""
    user = signin.pending_user(request)
    if user is None:
        return _expired(request)
    if not has_second_factor(user):
        return redirect("accounts:second_factor_enrol")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if not code_step_allowed(request, user):
            signin.clear_pending(request)
            return render(request, "accounts/login.html")  # replaced by the lockout page (axes middleware)
        try:
            kind = second_factor_verify(user=user, code=form.cleaned_data["code"], step="login", ip=client_ip(request))
        except BusinessError as error:
            report_to_form(form, error)
            code_failed(request, user)
        else:
            signin.complete_sign_in(request, user, verified=True)
            if kind == "recovery":
                messages.warning(request, format_html(
                    "Vous vous êtes connecté avec un code de secours : il ne servira plus. Il vous en reste {}. "
                    "Si vous avez perdu votre téléphone, demandez à l'administrateur de votre convention ou à votre "
                    "Caf de réinitialiser votre second facteur.", recovery_codes_left(user)))
            return redirect(signin.next_url(request))
    return render(request, "accounts/second_factor_code.html",
                  {"title": "Code de vérification", "form": form, "person": user})


@require_http_methods(["GET", "POST"])
def enrol(request):
    """First sign-in of someone who must use a second factor: link an authenticator app."""
    user = signin.pending_user(request)
    if user is None:
        return _expired(request)
    if has_second_factor(user):
        return redirect("accounts:second_factor")
    device = enrolment_device(user)
    form = EnrolmentCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if not code_step_allowed(request, user):
            signin.clear_pending(request)
            return render(request, "accounts/login.html")
        try:
            codes = second_factor_enrol(user=user, code=form.cleaned_data["code"], ip=client_ip(request))
        except BusinessError as error:
            report_to_form(form, error)
            code_failed(request, user)
        else:
            signin.complete_sign_in(request, user, verified=True)
            request.session[RECOVERY_CODES_KEY] = codes
            return redirect("accounts:recovery_codes")
    context = {"title": "Activer la double authentification", "form": form, "person": user,
               "qr_code": qr_code_data_uri(device), "secret": secret_text(device)}
    return render(request, "accounts/second_factor_enrol.html", context)


@login_required
def recovery_codes(request):
    """The recovery codes, shown once right after enrolment."""
    codes = request.session.pop(RECOVERY_CODES_KEY, None)
    if not codes:
        return redirect(signin.next_url(request))
    context = {"title": "Vos codes de secours", "codes": codes, "next_url": signin.next_url(request)}
    return render(request, "accounts/recovery_codes.html", context)


def _safe_next(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                       require_https=request.is_secure()):
        return target
    return resolve_url(settings.LOGIN_REDIRECT_URL)


@login_required
@require_http_methods(["GET", "POST"])
def reauth_view(request):
    """« Confirmer votre identité »: password and code again, then back to the page that asked."""
    user = request.user
    target = _safe_next(request)
    with_code = must_use_code(user)
    context = {"title": "Confirmer votre identité", "next": target}
    if with_code and not has_second_factor(user):
        context["must_enrol"] = True  # e.g. his second factor was reset during the session
        return render(request, "accounts/reauth.html", context)
    form = ReauthForm(request.POST or None, with_code=with_code)
    if request.method == "POST" and form.is_valid():
        ip = client_ip(request)
        # Through the backends: a wrong password counts towards the lockout like one at the login page.
        if authenticate(request, username=user.username, password=form.cleaned_data["password"]) is None:
            form.add_error("password", "Mot de passe incorrect.")
        elif with_code:
            try:
                second_factor_verify(user=user, code=form.cleaned_data["code"], step="reauth", ip=ip)
            except BusinessError as error:
                report_to_form(form, error)
                code_failed(request, user)
        if not form.errors:
            reauth.mark_authenticated(request)
            events.reauthenticated(user=user, ip=ip)
            replay = reauth.take_replay(request, target)
            if replay is not None:
                return render(request, "accounts/reauth_continue.html",
                              {"title": "Identité confirmée", "next": target, "data": replay})
            return redirect(target)
    context["form"] = form
    return render(request, "accounts/reauth.html", context)
