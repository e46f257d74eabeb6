from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.html import format_html
from django.views.decorators.http import require_http_methods
from django.views.generic import FormView

from portail.core.errors import BusinessError
from portail.core.requests import client_ip
from portail.journal import events

from . import services, signin
from .email_change import email_change_confirm, pending_change
from .forms import ChoosePasswordForm, ForgottenPasswordForm, LoginForm
from .second_factor import has_second_factor, must_use_code


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True
    extra_context = {"title": "Connexion"}

    def form_valid(self, form):
        """Right password: the session opens now, or after the second factor for whoever needs one."""
        user = form.get_user()
        if must_use_code(user):
            signin.start_pending(self.request, user, next_url=self.get_success_url())
            return redirect("accounts:second_factor" if has_second_factor(user) else "accounts:second_factor_enrol")
        signin.start_pending(self.request, user, next_url=self.get_success_url())
        signin.complete_sign_in(self.request, user, verified=False)
        return redirect(signin.next_url(self.request))

    def form_invalid(self, form):
        events.login_failed(identifier=form.data.get("username") or "", ip=client_ip(self.request))
        return super().form_invalid(form)


class LogoutView(auth_views.LogoutView):
    def post(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            events.logout(user=request.user, ip=client_ip(request))
        return super().post(request, *args, **kwargs)


class ActivateView(auth_views.PasswordResetConfirmView):
    """One-time link from the activation e-mail: the new user chooses his password."""

    template_name = "accounts/activate.html"
    form_class = ChoosePasswordForm
    success_url = reverse_lazy("accounts:login")
    post_reset_login = False
    reset_url_token = "choisir"
    journal_event = staticmethod(events.activation)
    extra_context = {"title": "Choisir votre mot de passe"}

    def form_valid(self, form):
        response = super().form_valid(form)
        self.journal_event(user=form.user, ip=client_ip(self.request))
        messages.success(self.request, "Votre mot de passe est enregistré. Vous pouvez maintenant vous connecter.")
        return response


class ResetConfirmView(ActivateView):
    journal_event = staticmethod(services.password_reset_completed)


class ForgottenPasswordView(FormView):
    """Whatever is typed (known, unknown, closed, malformed), the answer is the same redirect."""

    template_name = "accounts/password_forgotten.html"
    form_class = ForgottenPasswordForm
    success_url = reverse_lazy("accounts:password_forgotten_sent")
    extra_context = {"title": "Mot de passe oublié"}

    def form_valid(self, form):
        for user in form.get_users():
            services.send_password_reset_email(user)
        return super().form_valid(form)


class ForgottenPasswordSentView(auth_views.PasswordResetDoneView):
    template_name = "accounts/password_forgotten_sent.html"
    extra_context = {"title": "Mot de passe oublié"}


@require_http_methods(["GET", "POST"])
def email_confirm(request, token):
    """Link mailed to a new address: GET shows it, only the POST of its button changes the address."""
    context = {"title": "Confirmer votre nouvelle adresse mail"}
    try:
        user, new_email = pending_change(token)
        if request.method == "POST":
            user = email_change_confirm(token=token, ip=client_ip(request))
            messages.success(request, format_html("Votre adresse mail est maintenant {}.", user.email))
            return redirect("accounts:login" if not request.user.is_authenticated else "home:index")
    except BusinessError as error:
        context["error"] = error.text
        return render(request, "accounts/email_confirm.html", context)
    context.update(target=user, new_email=new_email)
    return render(request, "accounts/email_confirm.html", context)
