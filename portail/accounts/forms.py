from django import forms
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm, SetPasswordForm

from portail.core.forms import PortalForm


class LoginForm(PortalForm, AuthenticationForm):
    username = forms.CharField(label="Identifiant", max_length=20, help_text="Exemple : AAAG0001",
                               widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username"}))
    password = forms.CharField(label="Mot de passe", strip=False,
                               widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}))
    error_messages = {
        "invalid_login": "Identifiant ou mot de passe incorrect. Après plusieurs erreurs, le compte est bloqué un quart d'heure.",
        "inactive": "Ce compte n'est pas ouvert. Contactez le responsable des habilitations de votre organisation.",
    }


class ChoosePasswordForm(PortalForm, SetPasswordForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["new_password1"].label = "Nouveau mot de passe"
        self.fields["new_password1"].help_text = "Au moins 12 caractères, ni trop courant ni uniquement des chiffres."
        self.fields["new_password2"].label = "Confirmer le mot de passe"
        self.fields["new_password2"].help_text = ""


class ForgottenPasswordForm(PortalForm, PasswordResetForm):
    email = forms.EmailField(label="Adresse mail", max_length=254, widget=forms.EmailInput(attrs={"autocomplete": "email"}))

    def get_users(self, email):
        """Users of that address whose account is open (the one-time link replaces any password)."""
        from .models import User

        for user in User.objects.filter(email__iexact=email, is_active=True):
            if user.is_open:
                yield user
