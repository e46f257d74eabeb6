from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.urls import reverse_lazy

from portail.core.requests import client_ip
from portail.journal.models import Action
from portail.journal.services import journal_append

from .forms import ChoosePasswordForm, ForgottenPasswordForm, LoginForm


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True
    extra_context = {"title": "Connexion"}

    def form_valid(self, form):
        response = super().form_valid(form)
        journal_append(action=Action.LOGIN, actor=self.request.user, ip=client_ip(self.request))
        return response

    def form_invalid(self, form):
        journal_append(
            action=Action.LOGIN_FAILED,
            ip=client_ip(self.request),
            details={"identifiant": (form.data.get("username") or "")[:20]},
        )
        return super().form_invalid(form)


class LogoutView(auth_views.LogoutView):
    def post(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            journal_append(action=Action.LOGOUT, actor=request.user, ip=client_ip(request))
        return super().post(request, *args, **kwargs)


class ActivateView(auth_views.PasswordResetConfirmView):
    """One-time link from the activation e-mail: the new user chooses his password."""

    template_name = "accounts/activate.html"
    form_class = ChoosePasswordForm
    success_url = reverse_lazy("accounts:login")
    post_reset_login = False
    reset_url_token = "choisir"
    journal_action = Action.ACTIVATION
    extra_context = {"title": "Choisir votre mot de passe"}

    def form_valid(self, form):
        response = super().form_valid(form)
        journal_append(action=self.journal_action, actor=form.user, ip=client_ip(self.request))
        messages.success(self.request, "Votre mot de passe est enregistré. Vous pouvez maintenant vous connecter.")
        return response


class ResetConfirmView(ActivateView):
    journal_action = Action.PASSWORD_RESET


class ForgottenPasswordView(auth_views.PasswordResetView):
    template_name = "accounts/password_forgotten.html"
    form_class = ForgottenPasswordForm
    email_template_name = "accounts/email/password_reset.txt"
    subject_template_name = "accounts/email/password_reset_subject.txt"
    success_url = reverse_lazy("accounts:password_forgotten_sent")
    extra_context = {"title": "Mot de passe oublié"}

    def form_valid(self, form):
        from django.conf import settings
        from urllib.parse import urlsplit

        base = urlsplit(settings.PORTAL_BASE_URL)
        form.save(
            domain_override=base.netloc,
            use_https=base.scheme == "https",
            email_template_name=self.email_template_name,
            subject_template_name=self.subject_template_name,
            request=self.request,
        )
        return super(auth_views.PasswordResetView, self).form_valid(form)


class ForgottenPasswordSentView(auth_views.PasswordResetDoneView):
    template_name = "accounts/password_forgotten_sent.html"
    extra_context = {"title": "Mot de passe oublié"}
